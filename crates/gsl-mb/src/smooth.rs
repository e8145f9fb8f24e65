//! Graphs from smooth signals on the half-vector `w` of the weight matrix (one variable per
//! node pair), solved by the forward–backward–forward primal–dual iteration (FBF; Komodakis &
//! Pesquet 2015, Alg. 6; Kalofolias 2016, Alg. 1).
//!
//! With `z` the half-vector of squared distances `‖x_i − x_j‖²` and `S` the degree operator
//! (`Sw` = degrees; [`PairSupport`]), both models are `f₁(w) + f₂(Sw) + f₃(w)`:
//!
//! | model | `f₁` (prox) | `f₂` (prox of the conjugate) | `f₃` (gradient) |
//! |---|---|---|---|
//! | log (Kalofolias 2016, eq. 13) | `2wᵀz + ι{w ≥ 0}` | `−α 1ᵀ log(d)` | `β‖w‖²` |
//! | ℓ2 (Dong et al. 2016, in Kalofolias' form) | `2wᵀz + ι{w ≥ 0}` | `α‖d‖² + ι{1ᵀd = N}` | `2α‖w‖²` |
//!
//! `2wᵀz = ‖W∘Z‖₁,₁`, `‖w‖² = ½‖W‖²_F`, `1ᵀSw = ‖W‖₁,₁`, so the log model is
//! `‖W∘Z‖₁,₁ − α1ᵀlog(W1) + (β/2)‖W‖²_F` and the ℓ2 model is
//! `‖W∘Z‖₁,₁ + α‖W1‖² + α‖W‖²_F` with `‖W‖₁,₁ = N` — Dong et al.'s
//! `tr(XᵀLX) + (α/2)‖L‖²_F, tr(L) = N` up to a factor 2.
//!
//! One FBF step with step size `γ` (`γ < 1/μ`, `μ = Lip(∇f₃) + ‖S‖`):
//!
//! ```text
//! y = w − γ(∇f₃(w) + Sᵀv),   ȳ = v + γ S w
//! p = prox_{γf₁}(y),         p̄ = prox_{γf₂*}(ȳ)
//! q = p − γ(∇f₃(p) + Sᵀp̄),   q̄ = p̄ + γ S p
//! w ← w − y + q,             v ← v − ȳ + q̄
//! ```
//!
//! `prox_{γf₂*}(ȳ) = (ȳ − √(ȳ² + 4αγ))/2` for the log model, and
//! `ȳ − γ(ȳ − mean ȳ)/(γ + 2α) − γ` for the ℓ2 model (Moreau's identity). The variables live
//! only on the support's pairs, so the same step serves the dense models (all pairs) and the
//! large-scale model (a kNN candidate set).

use std::sync::Arc;

use burn::tensor::{Device, IndexingUpdateOp, Int, Tensor, TensorData};
use gsl_core::dense::{halfvec, halfvec_len, upper_triangle_pairs};
use gsl_core::similarity::pairwise_sq_distances;
use gsl_core::tensor::{ensure_finite, to_vec_f32};
use gsl_core::{GslError, Result};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::linalg::check_broadcast;
use crate::solver::{
    Iteration, ProgressFn, SolveReport, StopRule, relative_change_with_norm, solve,
};

/// The node pairs that carry a variable, with the degree operator `S` on them: `Sw` adds each
/// pair's weight to both ends, `Sᵀv` is `v_i + v_j` per pair. The index tensors are built once
/// and reused by every step (the operator is never materialised).
///
/// On a plain (non-autodiff) Flex device both products run as rayon host kernels over the pair
/// list: Flex's gather and scatter-add over `M` pairs cost
/// several times a pass of arithmetic, and they dominated the FBF step. Autodiff devices and
/// GPUs keep the differentiable `select` / `select_assign` path; a test checks both agree.
#[derive(Debug, Clone)]
pub struct PairSupport {
    n: usize,
    rows: Tensor<1, Int>,
    cols: Tensor<1, Int>,
    /// The same endpoints on the host (`u32`), for the plain-Flex kernels.
    host: Arc<(Vec<u32>, Vec<u32>)>,
    num_pairs: usize,
    max_degree: usize,
    /// Whether the pairs are all `N(N−1)/2` in half-vector order: the host kernels then walk
    /// rows (`j = i+1..N` contiguous) with vector loops instead of gathering by endpoint.
    complete: bool,
}

impl PairSupport {
    /// All `N(N−1)/2` pairs, in half-vector order (`gsl_core::dense`).
    ///
    /// Errors: `n < 2`.
    pub fn complete(n: usize, device: &Device) -> Result<Self> {
        if n < 2 {
            return Err(GslError::invalid("n", format!("need n >= 2, got {n}")));
        }
        let (rows, cols) = upper_triangle_pairs(n);
        let mut support = Self::from_sorted(n, rows, cols, n - 1, device);
        support.complete = true;
        Ok(support)
    }

    /// The pairs `(i, j)` with `i < j < n`, each at most once.
    ///
    /// Errors: `n < 2`, no pair, an id `>= n`, `i >= j`, a repeated pair.
    pub fn from_pairs(n: usize, pairs: &[(usize, usize)], device: &Device) -> Result<Self> {
        if n < 2 {
            return Err(GslError::invalid("n", format!("need n >= 2, got {n}")));
        }
        if pairs.is_empty() {
            return Err(GslError::EmptyGraph("pair support has no pair".into()));
        }
        let mut degree = vec![0usize; n];
        let mut sorted = pairs.to_vec();
        sorted.sort_unstable();
        for (k, &(i, j)) in sorted.iter().enumerate() {
            if j >= n {
                return Err(GslError::NodeOutOfRange {
                    id: j as i64,
                    num_nodes: n,
                });
            }
            if i >= j {
                return Err(GslError::invalid(
                    "pairs",
                    format!("pair ({i}, {j}) must have i < j"),
                ));
            }
            if k > 0 && sorted[k - 1] == (i, j) {
                return Err(GslError::invalid(
                    "pairs",
                    format!("pair ({i}, {j}) is repeated"),
                ));
            }
            degree[i] += 1;
            degree[j] += 1;
        }
        let max_degree = degree.into_iter().max().unwrap_or(0);
        let (rows, cols) = pairs.iter().copied().unzip();
        Ok(Self::from_sorted(n, rows, cols, max_degree, device))
    }

    fn from_sorted(
        n: usize,
        rows: Vec<usize>,
        cols: Vec<usize>,
        max_degree: usize,
        device: &Device,
    ) -> Self {
        let m = rows.len();
        let to_tensor = |v: &[usize]| {
            let v: Vec<i64> = v.iter().map(|&x| x as i64).collect();
            Tensor::<1, Int>::from_data(TensorData::new(v, [m]), device)
        };
        let to_u32 = |v: &[usize]| v.iter().map(|&x| x as u32).collect::<Vec<u32>>();
        Self {
            n,
            rows: to_tensor(&rows),
            cols: to_tensor(&cols),
            host: Arc::new((to_u32(&rows), to_u32(&cols))),
            num_pairs: m,
            max_degree,
            complete: false,
        }
    }

    /// Number of nodes `N`.
    pub fn num_nodes(&self) -> usize {
        self.n
    }

    /// Number of pairs `M` (variables per problem).
    pub fn num_pairs(&self) -> usize {
        self.num_pairs
    }

    /// First and second node of every pair, `[M]` each.
    pub fn pairs(&self) -> (&Tensor<1, Int>, &Tensor<1, Int>) {
        (&self.rows, &self.cols)
    }

    /// An upper bound on the operator norm `‖S‖`: `√(2 · max degree)` (the largest eigenvalue
    /// of `SSᵀ`, the signless Laplacian of the support, is at most twice its largest degree;
    /// equality `√(2(N−1))` for the complete support).
    pub fn operator_norm_bound(&self) -> f64 {
        (2.0 * self.max_degree as f64).sqrt()
    }

    /// Degrees `S w` `[B, N]` of pair weights `w` `[B, M]`. Differentiable (on autodiff
    /// devices; a host kernel on plain Flex, see the type's docs).
    pub fn degrees(&self, w: Tensor<2>) -> Tensor<2> {
        let b = w.dims()[0];
        let device = w.device();
        if self.host_kernels(&device, w.dtype()) {
            let out = self.host_degrees(&to_vec_f32(w));
            return Tensor::from_data(TensorData::new(out, [b, self.n]), &device);
        }
        Tensor::<2>::zeros([b, self.n], &w.device())
            .select_assign(1, self.rows.clone(), w.clone(), IndexingUpdateOp::Add)
            .select_assign(1, self.cols.clone(), w, IndexingUpdateOp::Add)
    }

    /// The adjoint `Sᵀ v` `[B, M]` of node values `v` `[B, N]`: `v_i + v_j` per pair.
    /// Differentiable (on autodiff devices; a host kernel on plain Flex).
    pub fn adjoint(&self, v: Tensor<2>) -> Tensor<2> {
        let device = v.device();
        if self.host_kernels(&device, v.dtype()) {
            let b = v.dims()[0];
            let out = host_adjoint(&self.host.0, &self.host.1, self.n, &to_vec_f32(v));
            return Tensor::from_data(TensorData::new(out, [b, self.num_pairs]), &device);
        }
        v.clone()
            .select(1, self.rows.clone())
            .add(v.select(1, self.cols.clone()))
    }

    /// `S w` on the host for `B` problems stacked in `w` (`[B, M]` row-major): the row walk for
    /// the complete support, the endpoint scatter otherwise.
    fn host_degrees(&self, w: &[f32]) -> Vec<f32> {
        if self.complete {
            let m = self.num_pairs;
            let mut out = Vec::with_capacity(w.len() / m * self.n);
            for wb in w.chunks_exact(m) {
                out.extend(complete_degrees(self.n, wb));
            }
            out
        } else {
            host_degrees(&self.host.0, &self.host.1, self.n, w)
        }
    }

    /// Whether the host kernels apply: plain Flex, `f32`, ids that fit `u32`.
    fn host_kernels(&self, device: &Device, dtype: burn::tensor::DType) -> bool {
        gsl_core::device::is_plain_flex(device)
            && dtype == burn::tensor::DType::F32
            && self.n <= u32::MAX as usize
    }

    /// Checks that `t` is `[B, M]` for this support with `B >= 1` and finite entries.
    fn check_pairs(&self, t: &Tensor<2>, context: &str) -> Result<usize> {
        let [b, m] = t.dims();
        if b == 0 || m != self.num_pairs {
            return Err(GslError::shape(
                context,
                format!("[B >= 1, {}]", self.num_pairs),
                format!("[{b}, {m}]"),
            ));
        }
        ensure_finite(t, context)?;
        Ok(b)
    }
}

/// Norms of one host FBF step per problem (f64 sums): `‖w‖, ‖w⁺‖, ‖w⁺ − w‖` and the same for
/// `v`, so the driver's relative-change residual needs no further pass over the pairs.
#[derive(Debug, Clone, Default)]
struct StepNorms {
    w: Vec<f64>,
    w_next: Vec<f64>,
    dw: Vec<f64>,
    v: Vec<f64>,
    v_next: Vec<f64>,
    dv: Vec<f64>,
}

impl StepNorms {
    /// `max(‖Δw‖/max(‖w‖, ‖w⁺‖), ‖Δv‖/max(‖v‖, ‖v⁺‖))` per problem, as
    /// [`relative_change_with_norm`] computes it on tensors.
    fn residual(&self) -> Vec<f64> {
        let rel = |d: f64, a: f64, b: f64| d / a.max(b).max(1e-12);
        (0..self.dw.len())
            .map(|i| {
                let a = rel(self.dw[i], self.w[i], self.w_next[i]);
                let b = rel(self.dv[i], self.v[i], self.v_next[i]);
                if a.is_nan() || b.is_nan() {
                    f64::NAN
                } else {
                    a.max(b)
                }
            })
            .collect()
    }
}

/// The whole FBF step on the host for plain Flex, fused into two passes over the pairs (the
/// degrees of `w`, then everything else, accumulating the degrees of `p` and the step's norms on
/// the way) instead of ~20 tensor passes and four gathers / scatter-adds. Same formulas as
/// [`fbf_step`]; pair ranges are fixed, so results do not depend on the thread count.
#[allow(clippy::too_many_arguments)]
fn host_fbf_step(
    model: &SmoothModel,
    support: &PairSupport,
    w: &[f32],
    v: &[f32],
    z: &[f32],
    alpha: &[f32],
    beta: &[f32],
    gamma: &[f32],
) -> (Vec<f32>, Vec<f32>, StepNorms) {
    let (rows, cols) = (&support.host.0, &support.host.1);
    let (n, m) = (support.n, support.num_pairs);
    let b = w.len() / m;
    let part = PAIRS_PER_TASK.max(m.div_ceil(MAX_DEGREE_PARTS)).max(1);
    let mut w_next = vec![0.0f32; b * m];
    let mut v_next = vec![0.0f32; b * n];
    let mut norms = StepNorms::default();
    let at = |p: &[f32], i: usize| p[i.min(p.len() - 1)];
    for bi in 0..b {
        let (a, be, g) = (at(alpha, bi), at(beta, bi), at(gamma, bi));
        let wb = &w[bi * m..(bi + 1) * m];
        let zb = &z[bi * m..(bi + 1) * m];
        let vb = &v[bi * n..(bi + 1) * n];
        let deg_w = support.host_degrees(wb);
        let y_bar: Vec<f32> = vb.iter().zip(&deg_w).map(|(&x, &d)| x + g * d).collect();
        let p_bar: Vec<f32> = match model {
            SmoothModel::Log { .. } => y_bar
                .iter()
                .map(|&y| (y - (y * y + 4.0 * a * g).sqrt()) * 0.5)
                .collect(),
            SmoothModel::L2 { .. } => {
                let mean = y_bar.iter().map(|&y| f64::from(y)).sum::<f64>() / n as f64;
                let scale = g / (g + 2.0 * a);
                y_bar
                    .iter()
                    .map(|&y| y - (y - mean as f32) * scale - g)
                    .collect()
            }
        };
        let out = &mut w_next[bi * m..(bi + 1) * m];
        let coefficients = PairStep {
            g,
            c1: 2.0 * be,
            c2: 2.0 * g,
        };
        let parts: Vec<(Vec<f32>, [f64; 3])> = if support.complete {
            complete_fbf_pass(n, &coefficients, wb, zb, vb, &p_bar, out)
        } else {
            out.par_chunks_mut(part)
                .enumerate()
                .map(|(pi, chunk)| {
                    let start = pi * part;
                    let mut deg_p = vec![0.0f32; n];
                    let mut sums = [0.0f64; 3];
                    for (k, o) in chunk.iter_mut().enumerate() {
                        let e = start + k;
                        let (i, j) = (rows[e] as usize, cols[e] as usize);
                        let wk = wb[e];
                        let y = wk - g * (2.0 * be * wk + vb[i] + vb[j]);
                        let p = (y - 2.0 * g * zb[e]).max(0.0);
                        let q = p - g * (2.0 * be * p + p_bar[i] + p_bar[j]);
                        let next = wk - y + q;
                        *o = next;
                        deg_p[i] += p;
                        deg_p[j] += p;
                        sums[0] += f64::from(wk) * f64::from(wk);
                        sums[1] += f64::from(next) * f64::from(next);
                        let d = f64::from(next - wk);
                        sums[2] += d * d;
                    }
                    (deg_p, sums)
                })
                .collect()
        };
        let mut deg_p = vec![0.0f32; n];
        let mut sums = [0.0f64; 3];
        for (d, s) in parts {
            deg_p.iter_mut().zip(d).for_each(|(o, x)| *o += x);
            sums.iter_mut().zip(s).for_each(|(o, x)| *o += x);
        }
        let mut vs = [0.0f64; 3];
        for i in 0..n {
            let q_bar = p_bar[i] + g * deg_p[i];
            let next = vb[i] - y_bar[i] + q_bar;
            v_next[bi * n + i] = next;
            vs[0] += f64::from(vb[i]) * f64::from(vb[i]);
            vs[1] += f64::from(next) * f64::from(next);
            let d = f64::from(next - vb[i]);
            vs[2] += d * d;
        }
        norms.w.push(sums[0].sqrt());
        norms.w_next.push(sums[1].sqrt());
        norms.dw.push(sums[2].sqrt());
        norms.v.push(vs[0].sqrt());
        norms.v_next.push(vs[1].sqrt());
        norms.dv.push(vs[2].sqrt());
    }
    (w_next, v_next, norms)
}

/// [`fbf_step`] on the host when the support's host kernels apply (plain Flex, f32); `None`
/// otherwise.
fn fbf_step_host(
    model: &SmoothModel,
    state: &SmoothState,
    z: &Tensor<2>,
    support: &PairSupport,
    alpha: &Tensor<2>,
    beta: &Tensor<2>,
    gamma: &Tensor<2>,
) -> Option<SmoothState> {
    let device = state.w.device();
    if !support.host_kernels(&device, state.w.dtype()) {
        return None;
    }
    let b = state.w.dims()[0];
    let (w, v, _) = host_fbf_step(
        model,
        support,
        &to_vec_f32(state.w.clone()),
        &to_vec_f32(state.v.clone()),
        &to_vec_f32(z.clone()),
        &to_vec_f32(alpha.clone()),
        &to_vec_f32(beta.clone()),
        &to_vec_f32(gamma.clone()),
    );
    Some(SmoothState {
        w: Tensor::from_data(TensorData::new(w, [b, support.num_pairs]), &device),
        v: Tensor::from_data(TensorData::new(v, [b, support.n]), &device),
    })
}

/// The per-pair coefficients of the fused FBF pass: `y = w − g(c1·w + v_i + v_j)`,
/// `p = max(y − c2·z, 0)`, `q = p − g(c1·p + p̄_i + p̄_j)`, `w⁺ = w − y + q` (`c1 = 2β`, `c2 = 2γ`).
struct PairStep {
    g: f32,
    c1: f32,
    c2: f32,
}

/// Lanes of the row kernels' accumulators (one AVX-512 register of `f32`).
const LANES: usize = 16;

/// Index of the first pair of row `i` of the complete support: `Σ_{r<i} (N − 1 − r)`.
fn row_offset(i: usize, n: usize) -> usize {
    i * (n - 1) - i * i.saturating_sub(1) / 2
}

/// Rows of the complete support cut into at most [`MAX_DEGREE_PARTS`] ranges of about equal
/// pair counts (and at least [`PAIRS_PER_TASK`] pairs each). Fixed by `N`, so sums do not depend
/// on the thread count.
fn complete_row_parts(n: usize) -> Vec<std::ops::Range<usize>> {
    let m = n * (n - 1) / 2;
    let target = PAIRS_PER_TASK.max(m.div_ceil(MAX_DEGREE_PARTS)).max(1);
    let mut parts = Vec::new();
    let (mut start, mut count) = (0, 0);
    for i in 0..n {
        count += n - 1 - i;
        if count >= target || i + 1 == n {
            parts.push(start..i + 1);
            start = i + 1;
            count = 0;
        }
    }
    parts
}

/// `dst += src` elementwise; returns `Σ src` (lane-wise partial sums, then added).
fn add_into_and_sum(dst: &mut [f32], src: &[f32]) -> f32 {
    let mut acc = [0.0f32; LANES];
    let mut d = dst.chunks_exact_mut(LANES);
    let mut s = src.chunks_exact(LANES);
    for (dc, sc) in (&mut d).zip(&mut s) {
        for l in 0..LANES {
            dc[l] += sc[l];
            acc[l] += sc[l];
        }
    }
    let mut tail = 0.0f32;
    for (x, &y) in d.into_remainder().iter_mut().zip(s.remainder()) {
        *x += y;
        tail += y;
    }
    acc.iter().sum::<f32>() + tail
}

/// `S w` for one problem on the complete support, walking rows: row `i` adds its sum to
/// `deg_i` and itself to `deg_{i+1..N}` (contiguous, vectorised), in parallel over
/// [`complete_row_parts`] with partial vectors added in order.
fn complete_degrees(n: usize, w: &[f32]) -> Vec<f32> {
    let parts: Vec<Vec<f32>> = complete_row_parts(n)
        .into_par_iter()
        .map(|rows| {
            let mut deg = vec![0.0f32; n];
            for i in rows {
                let off = row_offset(i, n);
                let (head, tail) = deg.split_at_mut(i + 1);
                head[i] += add_into_and_sum(tail, &w[off..off + n - 1 - i]);
            }
            deg
        })
        .collect();
    let mut out = vec![0.0f32; n];
    for deg in parts {
        out.iter_mut().zip(deg).for_each(|(o, d)| *o += d);
    }
    out
}

/// The fused FBF pass of [`host_fbf_step`] for one problem on the complete support, walking
/// rows so that `v_j`, `p̄_j` and the degree updates of `p` are contiguous slices: per part of
/// [`complete_row_parts`], the partial degrees of `p` and `(‖w‖², ‖w⁺‖², ‖w⁺ − w‖²)`.
fn complete_fbf_pass(
    n: usize,
    c: &PairStep,
    w: &[f32],
    z: &[f32],
    v: &[f32],
    p_bar: &[f32],
    out: &mut [f32],
) -> Vec<(Vec<f32>, [f64; 3])> {
    let ranges = complete_row_parts(n);
    // Split `out` at the parts' first pairs so every task owns its rows' outputs.
    let mut chunks = Vec::with_capacity(ranges.len());
    let mut rest = out;
    for r in &ranges {
        let len = row_offset(r.end, n) - row_offset(r.start, n);
        let (head, tail) = rest.split_at_mut(len);
        chunks.push((r.clone(), head));
        rest = tail;
    }
    chunks
        .into_par_iter()
        .map(|(rows, out)| {
            let base = row_offset(rows.start, n);
            let mut deg_p = vec![0.0f32; n];
            let mut sums = [0.0f64; 3];
            for i in rows {
                let (off, len) = (row_offset(i, n), n - 1 - i);
                let range = off..off + len;
                let (head, tail) = deg_p.split_at_mut(i + 1);
                let row_sums = fbf_row(
                    c,
                    (v[i], p_bar[i]),
                    &w[range.clone()],
                    &z[range],
                    &v[i + 1..],
                    &p_bar[i + 1..],
                    &mut out[off - base..off - base + len],
                    tail,
                );
                head[i] += row_sums[0];
                for k in 0..3 {
                    sums[k] += f64::from(row_sums[k + 1]);
                }
            }
            (deg_p, sums)
        })
        .collect()
}

/// One row `i` of [`complete_fbf_pass`]: pairs `(i, j)`, `j > i`, with `(v_i, p̄_i)` fixed and
/// `v_j`, `p̄_j`, the outputs and the degrees of `p` at `j` as aligned slices. Returns
/// `(Σ p, Σ w², Σ w⁺², Σ (w⁺ − w)²)` over the row.
#[allow(clippy::too_many_arguments)]
fn fbf_row(
    c: &PairStep,
    (vi, pi): (f32, f32),
    w: &[f32],
    z: &[f32],
    vj: &[f32],
    pj: &[f32],
    out: &mut [f32],
    deg_j: &mut [f32],
) -> [f32; 4] {
    let len = w.len();
    let (vj, pj, deg_j) = (&vj[..len], &pj[..len], &mut deg_j[..len]);
    let one = |k: usize, deg_j: &mut [f32], out: &mut [f32]| {
        let wk = w[k];
        let y = wk - c.g * (c.c1 * wk + vi + vj[k]);
        let p = (y - c.c2 * z[k]).max(0.0);
        let q = p - c.g * (c.c1 * p + pi + pj[k]);
        let next = wk - y + q;
        out[k] = next;
        deg_j[k] += p;
        (p, wk, next)
    };
    let mut acc = [[0.0f32; LANES]; 4];
    let full = len - len % LANES;
    for start in (0..full).step_by(LANES) {
        let (wc, zc) = (&w[start..start + LANES], &z[start..start + LANES]);
        let (vc, pc) = (&vj[start..start + LANES], &pj[start..start + LANES]);
        let oc = &mut out[start..start + LANES];
        let dc = &mut deg_j[start..start + LANES];
        for l in 0..LANES {
            let wk = wc[l];
            let y = wk - c.g * (c.c1 * wk + vi + vc[l]);
            let p = (y - c.c2 * zc[l]).max(0.0);
            let q = p - c.g * (c.c1 * p + pi + pc[l]);
            let next = wk - y + q;
            oc[l] = next;
            dc[l] += p;
            acc[0][l] += p;
            acc[1][l] += wk * wk;
            acc[2][l] += next * next;
            let d = next - wk;
            acc[3][l] += d * d;
        }
    }
    let mut sums = [0.0f32; 4];
    for k in 0..4 {
        sums[k] = acc[k].iter().sum();
    }
    for k in full..len {
        let (p, wk, next) = one(k, deg_j, out);
        sums[0] += p;
        sums[1] += wk * wk;
        sums[2] += next * next;
        sums[3] += (next - wk) * (next - wk);
    }
    sums
}

/// Pairs per host task: large enough to amortise rayon's overhead; [`host_degrees`] keeps at
/// most [`MAX_DEGREE_PARTS`] partial degree vectors per problem.
const PAIRS_PER_TASK: usize = 1 << 16;
/// Upper bound on the partial degree vectors of one problem in [`host_degrees`] (memory
/// `MAX_DEGREE_PARTS · N` floats).
const MAX_DEGREE_PARTS: usize = 16;

/// `S w` on the host for `B` problems stacked in `w` (`[B, M]` row-major): every pair adds its
/// weight to both ends. Pairs are split into at most [`MAX_DEGREE_PARTS`] fixed ranges summed in
/// parallel, and the partial vectors are added in range order, so the result does not depend on
/// the thread count.
fn host_degrees(rows: &[u32], cols: &[u32], n: usize, w: &[f32]) -> Vec<f32> {
    let m = rows.len();
    let b = w.len().checked_div(m).unwrap_or(0);
    let part = PAIRS_PER_TASK.max(m.div_ceil(MAX_DEGREE_PARTS)).max(1);
    let mut out = vec![0.0f32; b * n];
    for (wb, ob) in w.chunks_exact(m.max(1)).zip(out.chunks_exact_mut(n.max(1))) {
        let parts: Vec<Vec<f32>> = (0..m.div_ceil(part))
            .into_par_iter()
            .map(|p| {
                let range = p * part..((p + 1) * part).min(m);
                let mut deg = vec![0.0f32; n];
                for ((&i, &j), &x) in rows[range.clone()]
                    .iter()
                    .zip(&cols[range.clone()])
                    .zip(&wb[range])
                {
                    deg[i as usize] += x;
                    deg[j as usize] += x;
                }
                deg
            })
            .collect();
        for deg in parts {
            ob.iter_mut().zip(deg).for_each(|(o, d)| *o += d);
        }
    }
    out
}

/// `Sᵀ v` on the host for `B` problems stacked in `v` (`[B, N]` row-major): `v_i + v_j` per pair.
fn host_adjoint(rows: &[u32], cols: &[u32], n: usize, v: &[f32]) -> Vec<f32> {
    let m = rows.len();
    let b = v.len().checked_div(n).unwrap_or(0);
    let mut out = vec![0.0f32; b * m];
    for (vb, ob) in v.chunks_exact(n.max(1)).zip(out.chunks_exact_mut(m.max(1))) {
        ob.par_chunks_mut(PAIRS_PER_TASK)
            .enumerate()
            .for_each(|(p, chunk)| {
                let start = p * PAIRS_PER_TASK;
                for (k, o) in chunk.iter_mut().enumerate() {
                    *o = vb[rows[start + k] as usize] + vb[cols[start + k] as usize];
                }
            });
    }
    out
}

/// Which smooth-signal model, with its weights.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum SmoothModel {
    /// Kalofolias (2016): `2wᵀz − α1ᵀlog(Sw) + β‖w‖²`.
    Log {
        /// Weight of the log barrier on degrees (`α > 0`; larger gives larger weights).
        alpha: f64,
        /// Weight of the ℓ2 penalty (`β > 0`; larger gives denser graphs).
        beta: f64,
    },
    /// Dong et al. (2016): `2wᵀz + α‖Sw‖² + 2α‖w‖²` with `1ᵀSw = N`.
    L2 {
        /// Weight of the degree and Frobenius penalties (`α > 0`; larger gives denser graphs).
        alpha: f64,
    },
}

impl SmoothModel {
    fn name(&self) -> &'static str {
        match self {
            SmoothModel::Log { .. } => "log_model",
            SmoothModel::L2 { .. } => "l2_model",
        }
    }

    /// Lipschitz constant of `∇f₃`: `2β` (log) or `4α` (ℓ2).
    fn lipschitz(&self) -> f64 {
        match *self {
            SmoothModel::Log { beta, .. } => 2.0 * beta,
            SmoothModel::L2 { alpha } => 4.0 * alpha,
        }
    }

    /// The weights as device tensors `[1, 1]`: `(α, β)` for the log model, `(α, 2α)` for ℓ2
    /// (its `f₃` is `(β)‖w‖²` with `β = 2α`).
    fn tensors(&self, device: &Device) -> (Tensor<2>, Tensor<2>) {
        let (a, b) = match *self {
            SmoothModel::Log { alpha, beta } => (alpha, beta),
            SmoothModel::L2 { alpha } => (alpha, 2.0 * alpha),
        };
        (
            Tensor::full([1, 1], a as f32, device),
            Tensor::full([1, 1], b as f32, device),
        )
    }

    fn validate(&self) -> Result<()> {
        let values: &[(&str, f64)] = match self {
            SmoothModel::Log { alpha, beta } => &[("alpha", *alpha), ("beta", *beta)],
            SmoothModel::L2 { alpha } => &[("alpha", *alpha)],
        };
        for &(name, v) in values {
            if !(v.is_finite() && v > 0.0) {
                return Err(GslError::invalid(
                    name,
                    format!("must be finite and positive, got {v}"),
                ));
            }
        }
        Ok(())
    }
}

/// Hyperparameters of [`learn_smooth`]. Defaults follow gspbox/pygsp
/// (`gsp_learn_graph_log_degrees`): `α = β = 1`, step 0.5, `tol = 1e-5`, 1000 iterations.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SmoothConfig {
    /// The model and its weights.
    pub model: SmoothModel,
    /// Step size as a fraction of `1/μ`, in `(0, 1)`.
    pub step: f64,
    /// Stop when the relative changes of `w` and `v` are below this.
    pub tol: f64,
    /// Maximum number of FBF steps.
    pub max_iter: usize,
}

impl SmoothConfig {
    /// The log model with weights `alpha`, `beta` and the default solver settings.
    pub fn log(alpha: f64, beta: f64) -> Self {
        Self::with_model(SmoothModel::Log { alpha, beta })
    }

    /// The ℓ2 model with weight `alpha` and the default solver settings.
    pub fn l2(alpha: f64) -> Self {
        Self::with_model(SmoothModel::L2 { alpha })
    }

    fn with_model(model: SmoothModel) -> Self {
        Self {
            model,
            step: 0.5,
            tol: 1e-5,
            max_iter: 1000,
        }
    }

    /// Checks the weights, `0 < step < 1` and the stop rule.
    pub fn validate(&self) -> Result<()> {
        self.model.validate()?;
        if !(self.step > 0.0 && self.step < 1.0) {
            return Err(GslError::invalid(
                "step",
                format!("must be in (0, 1), got {}", self.step),
            ));
        }
        StopRule::new(self.tol, self.max_iter).validate()
    }

    /// The FBF step size `γ = step / (Lip(∇f₃) + ‖S‖)` for `support`.
    pub fn gamma(&self, support: &PairSupport) -> f64 {
        self.step / (self.model.lipschitz() + support.operator_norm_bound())
    }
}

/// The FBF iterate: primal pair weights `w` `[B, M]` and dual node values `v` `[B, N]`.
#[derive(Debug, Clone)]
pub struct SmoothState {
    /// Pair weights (the learned graph on the support).
    pub w: Tensor<2>,
    /// Dual variable on the degrees.
    pub v: Tensor<2>,
}

/// `prox_{γf₂*}` of the log model: `(ȳ − √(ȳ² + 4αγ))/2`.
fn prox_log_conjugate(y: Tensor<2>, alpha: Tensor<2>, gamma: Tensor<2>) -> Tensor<2> {
    let disc = y
        .clone()
        .square()
        .add(alpha.mul(gamma).mul_scalar(4.0))
        .sqrt();
    y.sub(disc).mul_scalar(0.5)
}

/// `prox_{γf₂*}` of the ℓ2 model: `ȳ − γ(ȳ − mean ȳ)/(γ + 2α) − γ`.
fn prox_l2_conjugate(y: Tensor<2>, alpha: Tensor<2>, gamma: Tensor<2>) -> Tensor<2> {
    let centred = y.clone().sub(y.clone().mean_dim(1));
    let scale = gamma.clone().div(gamma.clone().add(alpha.mul_scalar(2.0)));
    y.sub(centred.mul(scale)).sub(gamma)
}

/// One FBF step of a smooth-signal model (see the module docs). `alpha`, `beta` (the weight of
/// `‖w‖²` in `f₃`: `β` for the log model, `2α` for ℓ2) and `gamma` broadcast as `[B, 1]` or
/// `[1, 1]`, so an unrolled network (L2G, pyGSL's PDS unrolling) can learn them.
/// Tensor ops, differentiable, on autodiff devices and GPUs; on plain Flex the same formulas run
/// as one fused host kernel (two passes over the pairs).
///
/// Errors (shapes only, nothing is read back): `w`, `z` not `[B, M]` for `support`, `v` not
/// `[B, N]`, a parameter not broadcastable to `[B, 1]`.
pub fn fbf_step(
    model: &SmoothModel,
    state: &SmoothState,
    z: Tensor<2>,
    support: &PairSupport,
    alpha: Tensor<2>,
    beta: Tensor<2>,
    gamma: Tensor<2>,
) -> Result<SmoothState> {
    let b = state.w.dims()[0];
    gsl_core::tensor::ensure_shape(&state.w, [b, support.num_pairs()], "fbf_step w")?;
    gsl_core::tensor::ensure_shape(&z, [b, support.num_pairs()], "fbf_step z")?;
    gsl_core::tensor::ensure_shape(&state.v, [b, support.num_nodes()], "fbf_step v")?;
    for (t, name) in [
        (&alpha, "fbf_step alpha"),
        (&beta, "fbf_step beta"),
        (&gamma, "fbf_step gamma"),
    ] {
        check_broadcast(t, [b, 1], name)?;
    }
    if let Some(next) = fbf_step_host(model, state, &z, support, &alpha, &beta, &gamma) {
        return Ok(next);
    }
    Ok(fbf_step_unchecked(
        model, state, z, support, alpha, beta, gamma,
    ))
}

fn fbf_step_unchecked(
    model: &SmoothModel,
    state: &SmoothState,
    z: Tensor<2>,
    support: &PairSupport,
    alpha: Tensor<2>,
    beta: Tensor<2>,
    gamma: Tensor<2>,
) -> SmoothState {
    let w = state.w.clone();
    let v = state.v.clone();
    // x − γ(∇f₃(x) + Sᵀu) = c·x − Sᵀ(γu) with c = 1 − 2γβ: the scalars are folded into the
    // `[B, 1]` and node-sized tensors, so each half step makes as few passes over the `M`
    // pair variables as possible (the same values, fewer memory passes).
    let c = gamma.clone().mul(beta).mul_scalar(-2.0).add_scalar(1.0);
    let forward =
        |x: Tensor<2>, u: Tensor<2>| x.mul(c.clone()).sub(support.adjoint(u.mul(gamma.clone())));
    let y = forward(w.clone(), v.clone());
    let y_bar = v.clone().add(support.degrees(w.clone()).mul(gamma.clone()));
    let p = y
        .clone()
        .sub(z.mul(gamma.clone().mul_scalar(2.0)))
        .clamp_min(0.0);
    let p_bar = match model {
        SmoothModel::Log { .. } => prox_log_conjugate(y_bar.clone(), alpha, gamma.clone()),
        SmoothModel::L2 { .. } => prox_l2_conjugate(y_bar.clone(), alpha, gamma.clone()),
    };
    let q = forward(p.clone(), p_bar.clone());
    let q_bar = p_bar.add(support.degrees(p).mul(gamma));
    SmoothState {
        w: w.sub(y).add(q),
        v: v.sub(y_bar).add(q_bar),
    }
}

/// The model's objective of every problem, `[B]` on the host: `2wᵀz − α Σ log(Sw) + β‖w‖²`
/// (log; `+∞` when a degree is not positive) or `2wᵀz + α‖Sw‖² + 2α‖w‖²` (ℓ2; the constraint
/// `1ᵀSw = N` is not part of the value).
///
/// Errors: `w` or `z` not `[B, M]` for `support`, NaN/Inf, invalid model weights.
pub fn smooth_objective(
    model: &SmoothModel,
    w: Tensor<2>,
    z: Tensor<2>,
    support: &PairSupport,
) -> Result<Vec<f64>> {
    model.validate()?;
    let b = support.check_pairs(&w, "w")?;
    let bz = support.check_pairs(&z, "z")?;
    if bz != b {
        return Err(GslError::shape("z batch", b, bz));
    }
    Ok(objective_unchecked(model, w, z, support))
}

fn objective_unchecked(
    model: &SmoothModel,
    w: Tensor<2>,
    z: Tensor<2>,
    support: &PairSupport,
) -> Vec<f64> {
    let b = w.dims()[0];
    let data = w.clone().mul(z).sum_dim(1).mul_scalar(2.0).reshape([b]);
    let d = support.degrees(w.clone());
    let sq = w.square().sum_dim(1).reshape([b]);
    match *model {
        SmoothModel::Log { alpha, beta } => {
            let min_degree = to_vec_f32(d.clone().min_dim(1).reshape([b]));
            let logs = d.clamp_min(f32::MIN_POSITIVE).log().sum_dim(1).reshape([b]);
            let value = data
                .sub(logs.mul_scalar(alpha as f32))
                .add(sq.mul_scalar(beta as f32));
            to_vec_f32(value)
                .into_iter()
                .zip(min_degree)
                .map(|(v, m)| if m > 0.0 { f64::from(v) } else { f64::INFINITY })
                .collect()
        }
        SmoothModel::L2 { alpha } => {
            let value = data
                .add(d.square().sum_dim(1).reshape([b]).mul_scalar(alpha as f32))
                .add(sq.mul_scalar(2.0 * alpha as f32));
            to_vec_f32(value).into_iter().map(f64::from).collect()
        }
    }
}

struct Fbf {
    model: SmoothModel,
    z: Tensor<2>,
    support: PairSupport,
    alpha: Tensor<2>,
    beta: Tensor<2>,
    gamma: Tensor<2>,
    track_objective: bool,
    /// `‖w‖`, `‖v‖` `[B, 1]` of the latest iterate, reused by the next residual.
    norms: Option<(Tensor<2>, Tensor<2>)>,
}

impl Iteration for Fbf {
    type State = SmoothState;

    fn method(&self) -> &'static str {
        self.model.name()
    }

    fn step(&mut self, state: &SmoothState, _iteration: usize) -> Result<SmoothState> {
        Ok(fbf_step_unchecked(
            &self.model,
            state,
            self.z.clone(),
            &self.support,
            self.alpha.clone(),
            self.beta.clone(),
            self.gamma.clone(),
        ))
    }

    fn residual(&mut self, previous: &SmoothState, next: &SmoothState) -> Result<Vec<f64>> {
        let (w_norm, v_norm) = match self.norms.take() {
            Some((w, v)) => (Some(w), Some(v)),
            None => (None, None),
        };
        let (dw, w_norm) = relative_change_with_norm(previous.w.clone(), next.w.clone(), w_norm);
        let (dv, v_norm) = relative_change_with_norm(previous.v.clone(), next.v.clone(), v_norm);
        self.norms = Some((w_norm, v_norm));
        Ok(dw
            .into_iter()
            .zip(dv)
            .map(|(a, b)| {
                if a.is_nan() || b.is_nan() {
                    f64::NAN
                } else {
                    a.max(b)
                }
            })
            .collect())
    }

    fn objective(&mut self, state: &SmoothState) -> Result<Option<Vec<f64>>> {
        if !self.track_objective {
            return Ok(None);
        }
        Ok(Some(recorded_objective(
            &self.model,
            state.w.clone(),
            self.z.clone(),
            &self.support,
        )))
    }
}

/// The objective as the driver records it: the log model's value is +∞ until every node has
/// an edge (e.g. the first steps from w = 0); that is not divergence, so it is recorded as
/// `f64::MAX`, which the driver accepts.
fn recorded_objective(
    model: &SmoothModel,
    w: Tensor<2>,
    z: Tensor<2>,
    support: &PairSupport,
) -> Vec<f64> {
    let mut values = objective_unchecked(model, w, z, support);
    for v in &mut values {
        if *v == f64::INFINITY {
            *v = f64::MAX;
        }
    }
    values
}

/// The FBF iterate on the host: `w` `[B·M]` and `v` `[B·N]`, row-major.
#[derive(Debug, Clone)]
struct HostState {
    w: Vec<f32>,
    v: Vec<f32>,
}

/// FBF with the iterate kept on the host (plain Flex, see [`learn_smooth`]): every step is the
/// fused [`host_fbf_step`], and nothing is copied between the device and the host until the
/// end (reading a shared Flex tensor back costs two copies of `w`, as much as the step itself
/// at N = 1000).
struct HostFbf {
    model: SmoothModel,
    support: PairSupport,
    z: Tensor<2>,
    z_host: Vec<f32>,
    alpha: Vec<f32>,
    beta: Vec<f32>,
    gamma: Vec<f32>,
    track_objective: bool,
    /// The latest step's norms, consumed by the next residual.
    norms: Option<StepNorms>,
}

impl Iteration for HostFbf {
    type State = HostState;

    fn method(&self) -> &'static str {
        self.model.name()
    }

    fn step(&mut self, state: &HostState, _iteration: usize) -> Result<HostState> {
        let (w, v, norms) = host_fbf_step(
            &self.model,
            &self.support,
            &state.w,
            &state.v,
            &self.z_host,
            &self.alpha,
            &self.beta,
            &self.gamma,
        );
        self.norms = Some(norms);
        Ok(HostState { w, v })
    }

    fn residual(&mut self, _previous: &HostState, _next: &HostState) -> Result<Vec<f64>> {
        self.norms
            .take()
            .map(|n| n.residual())
            .ok_or_else(|| GslError::Training("FBF residual asked before a step".into()))
    }

    fn objective(&mut self, state: &HostState) -> Result<Option<Vec<f64>>> {
        if !self.track_objective {
            return Ok(None);
        }
        let b = state.w.len() / self.support.num_pairs;
        let w = Tensor::from_data(
            TensorData::new(state.w.clone(), [b, self.support.num_pairs]),
            &self.z.device(),
        );
        Ok(Some(recorded_objective(
            &self.model,
            w,
            self.z.clone(),
            &self.support,
        )))
    }
}

/// Learns `B` graphs on a common pair support from squared-distance half-vectors `z` `[B, M]`
/// (`M = support.num_pairs()`), starting from `w = 0, v = 0`. Returns the FBF report: the
/// estimate's `w` are the learned weights; `objective` is recorded when `track_objective`
/// (one read-back per step; the log model's value is `f64::MAX` while some node has no edge).
///
/// Errors: an invalid config, `z` of the wrong shape, NaN/Inf or negative `z`, divergence.
///
/// # Example
///
/// ```
/// use burn::tensor::Tensor;
/// use gsl_mb::smooth::{PairSupport, SmoothConfig, learn_smooth};
///
/// # fn main() -> gsl_core::Result<()> {
/// let device = gsl_core::device::device_from_name("flex")?;
/// // Two nodes at squared distance z: the log model's weight solves βw² + zw − α = 0.
/// let support = PairSupport::complete(2, &device)?;
/// let z = Tensor::<2>::from_floats([[1.0]], &device);
/// let report = learn_smooth(z, &support, &SmoothConfig::log(2.0, 1.0), false, None)?;
/// let w = gsl_core::tensor::to_vec_f32(report.estimate.w)[0];
/// assert!((w - 1.0).abs() < 1e-3); // (−1 + √(1 + 8)) / 2 = 1
/// # Ok(())
/// # }
/// ```
pub fn learn_smooth(
    z: Tensor<2>,
    support: &PairSupport,
    config: &SmoothConfig,
    track_objective: bool,
    progress: Option<ProgressFn<'_>>,
) -> Result<SolveReport<SmoothState>> {
    config.validate()?;
    let b = support.check_pairs(&z, "z")?;
    let min_z: f32 = z.clone().min().into_scalar();
    if min_z < 0.0 {
        return Err(GslError::invalid(
            "z",
            format!("squared distances must be non-negative, found {min_z}"),
        ));
    }
    let device = z.device();
    let (alpha, beta) = config.model.tensors(&device);
    let gamma = Tensor::full([1, 1], config.gamma(support) as f32, &device);
    let rule = StopRule::new(config.tol, config.max_iter);
    if support.host_kernels(&device, z.dtype()) {
        let (m, n) = (support.num_pairs(), support.num_nodes());
        let mut method = HostFbf {
            model: config.model,
            support: support.clone(),
            z_host: to_vec_f32(z.clone()),
            z,
            alpha: to_vec_f32(alpha),
            beta: to_vec_f32(beta),
            gamma: to_vec_f32(gamma),
            track_objective,
            norms: None,
        };
        let init = HostState {
            w: vec![0.0; b * m],
            v: vec![0.0; b * n],
        };
        let report = solve(&mut method, init, &rule, progress)?;
        return Ok(report.map(|state| SmoothState {
            w: Tensor::from_data(TensorData::new(state.w, [b, m]), &device),
            v: Tensor::from_data(TensorData::new(state.v, [b, n]), &device),
        }));
    }
    let init = SmoothState {
        w: Tensor::zeros([b, support.num_pairs()], &device),
        v: Tensor::zeros([b, support.num_nodes()], &device),
    };
    let mut method = Fbf {
        model: config.model,
        z,
        support: support.clone(),
        alpha,
        beta,
        gamma,
        track_objective,
        norms: None,
    };
    solve(&mut method, init, &rule, progress)
}

/// Half-vectors `[B, N(N−1)/2]` of squared Euclidean distances between the rows (nodes) of
/// signals `[B, N, P]`, the `z` of the smooth-signal models. Uses gsl-core's chunked distance.
///
/// Errors: an empty batch, `N < 2`, `P = 0`, NaN/Inf.
pub fn squared_distance_halfvec(signals: Tensor<3>) -> Result<Tensor<2>> {
    let [b, n, p] = signals.dims();
    if b == 0 || n < 2 || p == 0 {
        return Err(GslError::invalid(
            "signals",
            format!("need [B >= 1, N >= 2, P >= 1], got [{b}, {n}, {p}]"),
        ));
    }
    ensure_finite(&signals, "signals")?;
    let mut blocks = Vec::with_capacity(b);
    for i in 0..b {
        let x = signals
            .clone()
            .slice([i..i + 1, 0..n, 0..p])
            .reshape([n, p]);
        blocks.push(pairwise_sq_distances(x.clone(), x)?.unsqueeze_dim::<3>(0));
    }
    let z = halfvec(Tensor::cat(blocks, 0))?;
    debug_assert_eq!(z.dims()[1], halfvec_len(n));
    Ok(z)
}
