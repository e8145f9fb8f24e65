//! S2CAG and M-S2CAG, spectral subspace clustering of attributed graphs (Lin, Yang, Zheng & Ke,
//! KDD 2025, arXiv 2411.11074), following the official code (`HKBU-LAGAS/S2CAG`,
//! `src/utils.py::run_SSCAG, PowerIteration`, `src/func.py`):
//!
//! 1. `P = D′^{-1}(D̂^{-1/2}(A + I)D̂^{-1/2} + I)` ([`smoothing_operator`]) and
//!    `X̂ = diag(X(Xᵀ1))^{-1/2} X` ([`normalize_nsr_features`]) on TF-IDF features;
//! 2. the normalised smoothed representation (NSR) `Z = c · h_T` with `h_0 = X̂`,
//!    `h_{t+1} = α(P h_t + X̂)` and `c = (1 − α)/(1 − α^{T+1})` (its limit `1/(T + 1)` at
//!    `α = 1`, where the official code multiplies by `T`; a positive constant changes neither
//!    the singular vectors nor M-S2CAG's eigenvectors) — [`nsr`]. `α > 1` is allowed: the
//!    published settings use it;
//! 3. **S2CAG**: `U` = left singular vectors `2..k+1` of `Z` by randomized SVD (block `k + 10`,
//!    `τ = 7` power iterations), signs fixed by scikit-learn's `svd_flip`;
//!    **M-S2CAG**: `Z ← diag(√max(Z1, 0)) Z`, `d = Z(Zᵀ1)`, then `τ = 50` steps of orthogonal
//!    iteration `Q ← qr(Z(ZᵀQ) − γ d(dᵀQ)/Σd)` from a Gaussian `N × k` block: the leading
//!    eigenvectors of the modularity matrix `ZZᵀ − γ ddᵀ/1ᵀd` of the NSR affinity;
//! 4. rounding by SNEM ([`snem_rounding`], 100 iterations), the paper's; k-means on the
//!    L2-normalised vectors (PyAGC's choice for M-S2CAG) is available as [`Rounding::KMeans`].
//!
//! Every product with `Z` can instead be done without forming `Z` ([`SvdPath::Fused`]):
//! `Z v = c·p(P)(X̂ v)` and `Zᵀ w = X̂ᵀ c·p(Pᵀ) w` with the same `T`-step recurrence applied to
//! the `b`-column block. [`SvdPath::Auto`] picks the cheaper path with the official cost model
//! (`run_SSCAG`): materialise when `m·F·T + 2(τ+1)·N·F·b < 2(τ+1)(N·F + m·T)·b`.
//!
//! Departures, all deliberate: the official fused `subspace_svd` uses the recurrence
//! `h ← αPh + v` (no `α` on the input term), a slightly different polynomial from the one that
//! defines `Z`; here both paths apply the same polynomial, so they compute the same `Z`. Power
//! iterations are re-orthonormalised (same range, stable in f32), and M-S2CAG's QR is
//! CholeskyQR2 (positive `R` diagonal) with `svd_flip` signs before rounding, where the official
//! code inherits LAPACK's Householder signs.
//!
//! **PyAGC's variant** ([`Normalization::PyAgc`], `pyagc/models/s2cag.py`; [`Ms2cagConfig::pyagc`]):
//! `P = D̂^{-1}(A + I)` ([`random_walk_operator`]), `X̂` = L2-normalised rows of `X`,
//! `Z = c Σ_{t=0}^{T} α^t P^t X̂` (Horner form `h ← X̂ + αPh`, `T` times, from `h = X̂`: the
//! plain geometric weights, where the official recurrence puts `α^{t+1}` on the terms
//! `t < T`), and for M-S2CAG `Ẑ = row-L2(Z)` in place of `adapt` before the same subspace
//! iteration; PyAGC rounds M-S2CAG by k-means on every benchmarked dataset. PyAGC draws the
//! start block unseeded; here it is seeded like the official variant.

use burn::config::Config;
use burn::tensor::{IndexingUpdateOp, Int, Tensor};
use gsl_core::tensor::{ensure_finite, to_vec_i64};
use gsl_core::{AttributedGraph, Graph, GslError, Result};
use serde::{Deserialize, Serialize};

use crate::framework::Embed;
use crate::linalg::{LinearMap, cholesky_qr2, flip_signs, gaussian_block, randomized_svd_op};
pub use crate::sagsc::smoothing_operator;
use gsl_core::ops::{add_self_loops, degree};

/// How the products with the NSR matrix `Z` are computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SvdPath {
    /// The cheaper of the two by the official code's cost model.
    Auto,
    /// Form `Z` `[N, F]` once, then dense products.
    Materialise,
    /// Never form `Z`: every product runs the `T`-step propagation on a `b`-column block.
    Fused,
}

/// Which propagation operator, feature normalisation, NSR weights and (for M-S2CAG) row scaling
/// of `Z` are used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Normalization {
    /// The official code's: [`smoothing_operator`], [`normalize_nsr_features`], the recurrence
    /// `h ← α(Ph + X̂)`, and M-S2CAG's `adapt` (`Z ← diag(√max(Z1, 0)) Z`).
    Official,
    /// PyAGC's: [`random_walk_operator`] `D̂^{-1}(A + I)`, L2-normalised feature rows, the
    /// weights `c·α^t` on `P^t X̂` for `t = 0..T`, and for M-S2CAG L2-normalised rows of `Z`.
    PyAgc,
}

impl Normalization {
    /// The propagation operator `P` of this normalisation for `graph`.
    ///
    /// Errors: those of building the weighted graph (none for a valid graph).
    pub fn operator(self, graph: &Graph) -> Result<Graph> {
        match self {
            Normalization::Official => smoothing_operator(graph),
            Normalization::PyAgc => random_walk_operator(graph),
        }
    }

    /// The normalised features `X̂` of this normalisation.
    pub fn features(self, x: Tensor<2>) -> Tensor<2> {
        match self {
            Normalization::Official => normalize_nsr_features(x),
            Normalization::PyAgc => l2_rows_or_unscaled(x),
        }
    }
}

/// How the spectral vectors become cluster labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Rounding {
    /// SNEM rounding ([`snem_rounding`]), the paper's.
    Snem,
    /// k-means on the L2-normalised vectors (PyAGC's benchmark setting for M-S2CAG).
    KMeans,
}

/// Hyperparameters of [`S2cag`]; defaults are the paper's / PyAGC's (`T = 10`, `α = 0.9`,
/// `τ = 7`, oversampling 10, SNEM with 100 iterations; PyAGC's Cora setting is `T = 20`).
#[derive(Config, Debug, PartialEq)]
pub struct S2cagConfig {
    /// Propagation steps T (≥ 1).
    #[config(default = 10)]
    pub t: usize,
    /// Decay α (> 0; values above 1 are used by the published settings).
    #[config(default = 0.9)]
    pub alpha: f64,
    /// Power iterations τ of the randomized SVD.
    #[config(default = 7)]
    pub tau: usize,
    /// Extra columns of the randomized SVD block beyond k.
    #[config(default = 10)]
    pub oversampling: usize,
    /// Materialised or fused products with `Z`.
    #[config(default = "SvdPath::Auto")]
    pub path: SvdPath,
    /// Rounding of the singular vectors.
    #[config(default = "Rounding::Snem")]
    pub rounding: Rounding,
    /// The official or PyAGC's normalisation.
    #[config(default = "Normalization::Official")]
    pub normalization: Normalization,
    /// SNEM iterations.
    #[config(default = 100)]
    pub snem_iterations: usize,
    /// Seed of the Gaussian start block (the official code uses 0).
    #[config(default = 0)]
    pub seed: u64,
}

/// Hyperparameters of [`Ms2cag`]; defaults are the paper's / PyAGC's (`T = 10`, `α = 0.9`,
/// `γ = 0.9`, `τ = 50`, SNEM; PyAGC's Cora setting is `T = 16`, `α = 1.2`, `γ = 1`, `τ = 100`
/// with k-means rounding).
#[derive(Config, Debug, PartialEq)]
pub struct Ms2cagConfig {
    /// Propagation steps T (≥ 1).
    #[config(default = 10)]
    pub t: usize,
    /// Decay α (> 0).
    #[config(default = 0.9)]
    pub alpha: f64,
    /// Resolution γ ≥ 0 of the modularity matrix `ZZᵀ − γ ddᵀ/1ᵀd`.
    #[config(default = 0.9)]
    pub gamma: f64,
    /// Orthogonal iteration steps τ (≥ 1).
    #[config(default = 50)]
    pub tau: usize,
    /// Materialised or fused products with `Z`.
    #[config(default = "SvdPath::Auto")]
    pub path: SvdPath,
    /// Rounding of the eigenvectors.
    #[config(default = "Rounding::Snem")]
    pub rounding: Rounding,
    /// The official or PyAGC's normalisation.
    #[config(default = "Normalization::Official")]
    pub normalization: Normalization,
    /// SNEM iterations.
    #[config(default = 100)]
    pub snem_iterations: usize,
    /// Seed of the Gaussian start block (the official code uses 0).
    #[config(default = 0)]
    pub seed: u64,
}

fn check_t_alpha(t: usize, alpha: f64) -> Result<()> {
    if t == 0 {
        return Err(GslError::invalid("t", "need at least one propagation step"));
    }
    if !(alpha.is_finite() && alpha > 0.0) {
        return Err(GslError::invalid(
            "alpha",
            format!("must be positive and finite, got {alpha}"),
        ));
    }
    Ok(())
}

impl S2cagConfig {
    /// Checks `T ≥ 1`, `α > 0` finite and `snem_iterations ≥ 1`.
    pub fn validate(&self) -> Result<()> {
        check_t_alpha(self.t, self.alpha)?;
        if self.snem_iterations == 0 {
            return Err(GslError::invalid("snem_iterations", "must be at least 1"));
        }
        Ok(())
    }
}

impl S2cagConfig {
    /// PyAGC's S2CAG: its default hyperparameters (`T = 10`, `α = 0.9`, `τ = 7`, SNEM) with
    /// [`Normalization::PyAgc`].
    pub fn pyagc() -> Self {
        Self::new().with_normalization(Normalization::PyAgc)
    }
}

impl Ms2cagConfig {
    /// PyAGC's M-S2CAG as its benchmark runs it: the `default` block of
    /// `benchmark/MS2CAG/train.conf.yaml` (`T = 10`, `α = 0.9`, `γ = 0.9`, `τ = 50`) with
    /// [`Normalization::PyAgc`] and k-means rounding (the `cluster_method` of every
    /// benchmarked dataset but Papers100M). See [`Ms2cagConfig::pyagc_cora`] for Cora.
    pub fn pyagc() -> Self {
        Self::new()
            .with_normalization(Normalization::PyAgc)
            .with_rounding(Rounding::KMeans)
    }

    /// [`Ms2cagConfig::pyagc`] with PyAGC's Cora setting: `T = 16`, `α = 1.2`, `γ = 1`,
    /// `τ = 100`.
    pub fn pyagc_cora() -> Self {
        Self::pyagc()
            .with_t(16)
            .with_alpha(1.2)
            .with_gamma(1.0)
            .with_tau(100)
    }

    /// Checks `T ≥ 1`, `α > 0` finite, `γ ≥ 0` finite, `τ ≥ 1` and `snem_iterations ≥ 1`.
    pub fn validate(&self) -> Result<()> {
        check_t_alpha(self.t, self.alpha)?;
        if !(self.gamma.is_finite() && self.gamma >= 0.0) {
            return Err(GslError::invalid(
                "gamma",
                format!("must be >= 0 and finite, got {}", self.gamma),
            ));
        }
        if self.tau == 0 {
            return Err(GslError::invalid("tau", "need at least one iteration"));
        }
        if self.snem_iterations == 0 {
            return Err(GslError::invalid("snem_iterations", "must be at least 1"));
        }
        Ok(())
    }
}

/// S2CAG's feature normalisation `X̂ = diag(X(Xᵀ1))^{-1/2} X`: row `i` is divided by the square
/// root of its total inner product with all rows (the degree of node `i` in the affinity graph
/// `XXᵀ`, computed as `X(Xᵀ1)` without forming it). Rows whose total is not positive (possible
/// only with negative features) are left unscaled, as the official code leaves zero rows.
pub fn normalize_nsr_features(x: Tensor<2>) -> Tensor<2> {
    let [_, f] = x.dims();
    let d = x.clone().matmul(x.clone().sum_dim(0).reshape([f, 1])); // [N, 1]
    let positive = d.clone().greater_elem(0.0);
    let scale = d
        .clamp_min(f32::MIN_POSITIVE)
        .sqrt()
        .mask_fill(positive.bool_not(), 1.0);
    x.div(scale)
}

/// PyAGC's propagation operator `D̂^{-1}(A + I)`: a unit self-loop appended on every node, then
/// every row divided by its weighted degree (a random-walk matrix, rows summing to 1). Graphs
/// built with the default options carry no self-loops, so this is PyAGC's
/// `add_remaining_self_loops` followed by row normalisation; a stored loop adds to the appended
/// one, and edge weights are kept (PyAGC reads only the edge index).
///
/// Errors: those of building the weighted graph (none for a valid graph).
pub fn random_walk_operator(graph: &Graph) -> Result<Graph> {
    row_normalize(&add_self_loops(graph, 1.0)?)
}

/// Every row of the weighted graph divided by its weighted degree (rows of total 0 are left
/// as they are).
fn row_normalize(graph: &Graph) -> Result<Graph> {
    let row_sums = degree(graph);
    let positive = row_sums.clone().greater_elem(0.0);
    let row_sums = row_sums.mask_fill(positive.bool_not(), 1.0);
    let w = graph.weights_or_ones().div(row_sums.select(0, graph.src()));
    graph.with_weights(w)
}

/// Rows divided by their Euclidean norm; zero rows are left as they are (PyAGC's
/// `x / ‖x‖` with zero norms replaced by 1).
fn l2_rows_or_unscaled(x: Tensor<2>) -> Tensor<2> {
    x.clone().div(row_norms_or_one(x.square().sum_dim(1)))
}

/// `√s` for squared row norms `s` `[N, 1]`, with 1 where `s = 0`.
fn row_norms_or_one(squared: Tensor<2>) -> Tensor<2> {
    let positive = squared.clone().greater_elem(0.0);
    squared.sqrt().mask_fill(positive.bool_not(), 1.0)
}

/// The factor `c` of the NSR: `(1 − α)/(1 − α^{T+1})`, or its limit `1/(T + 1)` at `α = 1`.
fn nsr_factor(t: usize, alpha: f64) -> f32 {
    if alpha == 1.0 {
        1.0 / (t as f32 + 1.0)
    } else {
        ((1.0 - alpha) / (1.0 - alpha.powi(t as i32 + 1))) as f32
    }
}

/// The NSR polynomial of `M` applied to `v`: `c · h_T` with `h_0 = v` and
/// `h_{s+1} = α(M h_s + v)` (official) or `h_{s+1} = v + αM h_s` (PyAGC, `Σ_{t=0}^{T} α^t M^t v`).
fn nsr_polynomial(
    m: &Graph,
    v: Tensor<2>,
    t: usize,
    alpha: f64,
    normalization: Normalization,
) -> Result<Tensor<2>> {
    let a = alpha as f32;
    let mut h = v.clone();
    for _ in 0..t {
        h = match normalization {
            Normalization::Official => m.spmm(h)?.add(v.clone()).mul_scalar(a),
            Normalization::PyAgc => m.spmm(h)?.mul_scalar(a).add(v.clone()),
        };
    }
    Ok(h.mul_scalar(nsr_factor(t, alpha)))
}

/// The NSR `Z` `[N, F]` of S2CAG (step 2 of the module doc) for a propagation operator `p`
/// (normally [`smoothing_operator`]) and normalised features `x_hat`.
///
/// Errors: `t = 0`, `α` not positive and finite, `x_hat` with the wrong number of rows or
/// non-finite values.
pub fn nsr(p: &Graph, x_hat: Tensor<2>, t: usize, alpha: f64) -> Result<Tensor<2>> {
    nsr_with(p, x_hat, t, alpha, Normalization::Official)
}

/// [`nsr`] with the NSR weights of `normalization`: the official recurrence, or PyAGC's
/// `Z = c Σ_{t=0}^{T} α^t P^t X̂` (same `c`; at `α = 1` its limit `1/(T + 1)`, where PyAGC
/// divides by zero). `p` and `x_hat` are used as given (see [`Normalization::operator`] and
/// [`Normalization::features`]).
///
/// Errors: as for [`nsr`].
pub fn nsr_with(
    p: &Graph,
    x_hat: Tensor<2>,
    t: usize,
    alpha: f64,
    normalization: Normalization,
) -> Result<Tensor<2>> {
    check_t_alpha(t, alpha)?;
    ensure_finite(&x_hat, "S2CAG features")?;
    nsr_polynomial(p, x_hat, t, alpha, normalization)
}

/// `diag(s) Z` for the NSR `Z` of (`p`, `x_hat`), applied without forming `Z`.
struct FusedNsr {
    p: Graph,
    p_t: Graph,
    x_hat: Tensor<2>,
    t: usize,
    alpha: f64,
    normalization: Normalization,
    row_scale: Option<Tensor<2>>,
}

impl FusedNsr {
    fn new(
        p: &Graph,
        x_hat: Tensor<2>,
        t: usize,
        alpha: f64,
        normalization: Normalization,
    ) -> Result<Self> {
        let index = p.edge_index().clone();
        let swapped = Tensor::cat(
            vec![index.clone().narrow(0, 1, 1), index.narrow(0, 0, 1)],
            0,
        );
        let p_t = Graph::new(p.num_nodes(), swapped, p.edge_weight().cloned())?;
        Ok(Self {
            p: p.clone(),
            p_t,
            x_hat,
            t,
            alpha,
            normalization,
            row_scale: None,
        })
    }

    /// `‖Z_i‖²` of every row `[N, 1]`, from `Z` formed `block` columns at a time (never whole).
    fn squared_row_norms(&self, block: usize) -> Result<Tensor<2>> {
        let [n, f] = self.x_hat.dims();
        let mut total = Tensor::<2>::zeros([n, 1], &self.x_hat.device());
        let mut start = 0;
        while start < f {
            let width = block.min(f - start);
            let part = self.x_hat.clone().narrow(1, start, width);
            let z = nsr_polynomial(&self.p, part, self.t, self.alpha, self.normalization)?;
            total = total.add(z.square().sum_dim(1));
            start += width;
        }
        Ok(total)
    }
}

impl LinearMap for FusedNsr {
    fn shape(&self) -> [usize; 2] {
        self.x_hat.dims()
    }

    fn device(&self) -> burn::tensor::Device {
        self.x_hat.device()
    }

    fn apply(&self, v: Tensor<2>) -> Result<Tensor<2>> {
        let z_v = nsr_polynomial(
            &self.p,
            self.x_hat.clone().matmul(v),
            self.t,
            self.alpha,
            self.normalization,
        )?;
        Ok(match &self.row_scale {
            Some(s) => z_v.mul(s.clone()),
            None => z_v,
        })
    }

    fn apply_t(&self, w: Tensor<2>) -> Result<Tensor<2>> {
        let w = match &self.row_scale {
            Some(s) => w.mul(s.clone()),
            None => w,
        };
        let p_t_w = nsr_polynomial(&self.p_t, w, self.t, self.alpha, self.normalization)?;
        Ok(self.x_hat.clone().transpose().matmul(p_t_w))
    }
}

/// Columns of `Z` formed at a time for PyAGC's row norms on the fused path.
const FUSED_NORM_BLOCK: usize = 256;

/// Whether to form `Z`, by the official cost model for `iterations` products pairs on blocks
/// of `block` columns.
fn materialise(
    path: SvdPath,
    p: &Graph,
    x_dims: [usize; 2],
    t: usize,
    iterations: usize,
    block: usize,
) -> bool {
    match path {
        SvdPath::Materialise => true,
        SvdPath::Fused => false,
        SvdPath::Auto => {
            let (m, [n, f]) = (p.num_edges() as f64, x_dims);
            let (n, f, t, it, b) = (
                n as f64,
                f as f64,
                t as f64,
                iterations as f64,
                block as f64,
            );
            let integrated = m * f * t + 2.0 * (it + 1.0) * n * f * b;
            let fused = 2.0 * (it + 1.0) * (n * f + m * t) * b;
            integrated < fused
        }
    }
}

/// The inputs shared by both models: `P`, `X̂` of `normalization`, checked.
fn prepare(
    data: &AttributedGraph,
    k: usize,
    extra: usize,
    normalization: Normalization,
) -> Result<(Graph, Tensor<2>)> {
    let [n, f] = data.features.dims();
    if n != data.num_nodes() {
        return Err(GslError::shape(
            "S2CAG features: one row per node",
            format!("[{}, F]", data.num_nodes()),
            format!("[{n}, {f}]"),
        ));
    }
    if k == 0 || k >= n || k + extra > n.min(f) {
        return Err(GslError::invalid(
            "k",
            format!(
                "k = {k} is out of range for {n} nodes and {f} features (need 1 <= k < N and k + {extra} <= min(N, F))"
            ),
        ));
    }
    ensure_finite(&data.features, "S2CAG features")?;
    Ok((
        normalization.operator(&data.graph)?,
        normalization.features(data.features.clone()),
    ))
}

/// The S2CAG spectral embedding (left singular vectors `2..k+1` of the NSR).
#[derive(Debug, Clone, PartialEq)]
pub struct S2cag {
    /// Number of clusters k.
    pub k: usize,
    /// Its hyperparameters.
    pub config: S2cagConfig,
}

impl S2cag {
    /// An S2CAG model for `k` clusters (validated here).
    ///
    /// Errors: `k = 0`, and those of [`S2cagConfig::validate`].
    pub fn new(k: usize, config: S2cagConfig) -> Result<Self> {
        if k == 0 {
            return Err(GslError::invalid("k", "need at least one cluster"));
        }
        config.validate()?;
        Ok(Self { k, config })
    }
}

impl Embed for S2cag {
    /// `[N, k]` singular vectors (errors: `k + 1 > min(N, F)`, graph/feature mismatch,
    /// non-finite features).
    fn embed(&self, data: &AttributedGraph) -> Result<Tensor<2>> {
        let (k, c) = (self.k, &self.config);
        let (p, x_hat) = prepare(data, k, 1, c.normalization)?;
        let [n, f] = x_hat.dims();
        let block = (k + c.oversampling).max(k + 1).min(n.min(f));
        let u = if materialise(c.path, &p, [n, f], c.t, c.tau, block) {
            let z = nsr_with(&p, x_hat, c.t, c.alpha, c.normalization)?;
            randomized_svd_op(&z, k + 1, block, c.tau, c.seed)?
        } else {
            let op = FusedNsr::new(&p, x_hat, c.t, c.alpha, c.normalization)?;
            randomized_svd_op(&op, k + 1, block, c.tau, c.seed)?
        };
        // Skip the leading (trivial, near-constant) direction, as the official code does.
        Ok(flip_signs(u).narrow(1, 1, k))
    }
}

/// The M-S2CAG embedding (the `k` leading eigenvectors of the NSR modularity matrix).
#[derive(Debug, Clone, PartialEq)]
pub struct Ms2cag {
    /// Number of clusters k.
    pub k: usize,
    /// Its hyperparameters.
    pub config: Ms2cagConfig,
}

impl Ms2cag {
    /// An M-S2CAG model for `k` clusters (validated here).
    ///
    /// Errors: `k = 0`, and those of [`Ms2cagConfig::validate`].
    pub fn new(k: usize, config: Ms2cagConfig) -> Result<Self> {
        if k == 0 {
            return Err(GslError::invalid("k", "need at least one cluster"));
        }
        config.validate()?;
        Ok(Self { k, config })
    }
}

/// Orthogonal iteration for the modularity matrix `B = ZZᵀ − γ ddᵀ/Σd` of a (row-scaled) NSR
/// operator `z`, from a seeded Gaussian block (`KSI_decompose_B`).
fn modularity_eigenvectors(
    z: &dyn LinearMap,
    k: usize,
    gamma: f64,
    tau: usize,
    seed: u64,
) -> Result<Tensor<2>> {
    let [n, _] = z.shape();
    let device = z.device();
    let d = z.apply(z.apply_t(Tensor::ones([n, 1], &device))?)?; // [N, 1], row sums of ZZᵀ
    let d_sum: f32 = d.clone().sum().into_scalar();
    if !(d_sum.is_finite() && d_sum > 0.0) {
        return Err(GslError::invalid(
            "features",
            format!("the NSR affinity has total weight {d_sum}; M-S2CAG needs a positive one"),
        ));
    }
    let mut q = cholesky_qr2(gaussian_block(n, k, seed, &device));
    let g = (gamma / d_sum as f64) as f32;
    for _ in 0..tau {
        let zz_q = z.apply(z.apply_t(q.clone())?)?;
        let correction = d
            .clone()
            .matmul(d.clone().transpose().matmul(q))
            .mul_scalar(g);
        q = cholesky_qr2(zz_q.sub(correction));
    }
    Ok(flip_signs(q))
}

impl Embed for Ms2cag {
    /// `[N, k]` eigenvectors (errors: `k > min(N, F)`, graph/feature mismatch, non-finite
    /// features, an NSR affinity with no positive weight).
    fn embed(&self, data: &AttributedGraph) -> Result<Tensor<2>> {
        let (k, c) = (self.k, &self.config);
        let (p, x_hat) = prepare(data, k, 0, c.normalization)?;
        let [n, f] = x_hat.dims();
        // Official `adapt`: rows scaled by √max(Z1, 0); PyAGC: rows scaled to unit norm.
        if materialise(c.path, &p, [n, f], c.t, c.tau, k) {
            let z = nsr_with(&p, x_hat, c.t, c.alpha, c.normalization)?;
            let scale = match c.normalization {
                Normalization::Official => z.clone().sum_dim(1).clamp_min(0.0).sqrt(),
                Normalization::PyAgc => row_norms_or_one(z.clone().square().sum_dim(1)).recip(),
            };
            let z = z.mul(scale);
            modularity_eigenvectors(&z, k, c.gamma, c.tau, c.seed)
        } else {
            let mut op = FusedNsr::new(&p, x_hat, c.t, c.alpha, c.normalization)?;
            op.row_scale = Some(match c.normalization {
                Normalization::Official => {
                    let ones = Tensor::ones([f, 1], &op.device());
                    op.apply(ones)?.clamp_min(0.0).sqrt()
                }
                Normalization::PyAgc => {
                    row_norms_or_one(op.squared_row_norms(FUSED_NORM_BLOCK)?).recip()
                }
            });
            modularity_eigenvectors(&op, k, c.gamma, c.tau, c.seed)
        }
    }
}

/// SNEM rounding of spectral vectors `y` `[N, k]` into `k` clusters (S2CAG's
/// `SNEM_rounding`): start from `argmax_j y_ij`; then repeatedly form the scaled indicator
/// `C = onehot(labels)·diag(|c|)^{-1/2}` and reassign every node to `argmax_j (Y (YᵀC))_ij`.
/// Stops after `iterations` rounds or at the first round that changes no label (a fixed point:
/// every later round would repeat it). All products are `N × k × k` on the device.
///
/// Errors: `iterations = 0`, an empty or non-finite `y`.
pub fn snem_rounding(y: Tensor<2>, iterations: usize) -> Result<Vec<usize>> {
    let [n, k] = y.dims();
    if iterations == 0 {
        return Err(GslError::invalid("iterations", "must be at least 1"));
    }
    if n == 0 || k == 0 {
        return Err(GslError::invalid(
            "y",
            format!("need a non-empty matrix, got [{n}, {k}]"),
        ));
    }
    ensure_finite(&y, "SNEM input")?;
    let device = y.device();
    let mut labels: Tensor<1, Int> = y.clone().argmax(1).reshape([n]);
    for _ in 0..iterations {
        let counts = Tensor::<1>::zeros([k], &device).select_assign(
            0,
            labels.clone(),
            Tensor::ones([n], &device),
            IndexingUpdateOp::Add,
        );
        let norm = counts.clamp_min(1.0).sqrt().reshape([1, k]);
        // Row c of `sums` is Σ_{i ∈ c} y_i, so YᵀC = sumsᵀ / √|c|.
        let sums = Tensor::<2>::zeros([k, k], &device).select_assign(
            0,
            labels.clone(),
            y.clone(),
            IndexingUpdateOp::Add,
        );
        let q = sums.transpose().div(norm);
        let next: Tensor<1, Int> = y.clone().matmul(q).argmax(1).reshape([n]);
        let unchanged: bool = next.clone().equal(labels).all().into_scalar();
        labels = next;
        if unchanged {
            break;
        }
    }
    Ok(to_vec_i64(labels).into_iter().map(|c| c as usize).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::TensorData;
    use gsl_core::tensor::to_vec_f32;
    use gsl_core::{BuildOptions, EdgeList};

    fn device() -> burn::tensor::Device {
        gsl_core::device::device_from_name("flex").unwrap()
    }

    fn small() -> (Graph, Tensor<2>) {
        let edges =
            EdgeList::from_pairs(6, &[(0, 1), (1, 2), (2, 0), (3, 4), (4, 5), (2, 3)]).unwrap();
        let graph = Graph::from_edges(&edges, BuildOptions::default(), &device()).unwrap();
        let x: Vec<f32> = (0..6 * 4).map(|i| ((i * 13 % 7) as f32) / 3.0).collect();
        (
            graph,
            Tensor::from_data(TensorData::new(x, [6, 4]), &device()),
        )
    }

    #[test]
    fn nsr_equals_the_closed_form_sum() {
        // h_T = α^T P^T X + Σ_{t=0}^{T-1} α^{t+1} P^t X, times c.
        let (graph, x) = small();
        let p = smoothing_operator(&graph).unwrap();
        let dense = p.to_dense();
        for &(t, alpha) in &[(3usize, 0.7f64), (4, 1.0), (2, 1.5)] {
            let a = alpha as f32;
            let mut power = x.clone();
            let mut want = x.zeros_like();
            for s in 0..t {
                want = want.add(power.clone().mul_scalar(a.powi(s as i32 + 1)));
                power = dense.clone().matmul(power);
            }
            want = want
                .add(power.mul_scalar(a.powi(t as i32)))
                .mul_scalar(nsr_factor(t, alpha));
            let got = nsr(&p, x.clone(), t, alpha).unwrap();
            for (g, w) in to_vec_f32(got).iter().zip(to_vec_f32(want)) {
                assert!((g - w).abs() < 1e-4 * (1.0 + w.abs()), "{g} vs {w}");
            }
        }
    }

    #[test]
    fn fused_operator_equals_the_materialised_matrix() {
        let (graph, x) = small();
        let p = smoothing_operator(&graph).unwrap();
        let z = nsr(&p, x.clone(), 3, 0.8).unwrap();
        let mut op = FusedNsr::new(&p, x, 3, 0.8, Normalization::Official).unwrap();
        let v = gaussian_block(4, 2, 1, &device());
        let w = gaussian_block(6, 2, 2, &device());
        let pairs = [
            (op.apply(v.clone()).unwrap(), z.clone().matmul(v.clone())),
            (
                op.apply_t(w.clone()).unwrap(),
                z.clone().transpose().matmul(w.clone()),
            ),
        ];
        for (a, b) in pairs {
            for (g, e) in to_vec_f32(a).iter().zip(to_vec_f32(b)) {
                assert!((g - e).abs() < 1e-4, "{g} vs {e}");
            }
        }
        // With a row scale s: diag(s) Z.
        let s = Tensor::<2>::from_data(
            TensorData::new(vec![1.0f32, 2.0, 0.5, 0.0, 3.0, 1.5], [6, 1]),
            &device(),
        );
        op.row_scale = Some(s.clone());
        let zs = z.mul(s);
        for (g, e) in to_vec_f32(op.apply_t(w.clone()).unwrap())
            .iter()
            .zip(to_vec_f32(zs.transpose().matmul(w)))
        {
            assert!((g - e).abs() < 1e-4, "{g} vs {e}");
        }
    }

    #[test]
    fn feature_normalisation_divides_by_the_affinity_degree() {
        let (_, x) = small();
        let got = to_vec_f32(normalize_nsr_features(x.clone()));
        let host = to_vec_f32(x);
        for i in 0..6 {
            let deg: f32 = (0..6)
                .map(|j| {
                    (0..4)
                        .map(|c| host[i * 4 + c] * host[j * 4 + c])
                        .sum::<f32>()
                })
                .sum();
            for c in 0..4 {
                let want = host[i * 4 + c] / deg.sqrt();
                assert!((got[i * 4 + c] - want).abs() < 1e-5);
            }
        }
    }

    #[test]
    fn snem_rounds_like_its_definition() {
        let device = device();
        // Block indicators are a fixed point.
        let mut y = Vec::new();
        for i in 0..9 {
            let mut row = [0.05f32; 3];
            row[i / 3] = 1.0;
            y.extend_from_slice(&row);
        }
        let clean = Tensor::<2>::from_data(TensorData::new(y, [9, 3]), &device);
        assert_eq!(
            snem_rounding(clean, 100).unwrap(),
            vec![0, 0, 0, 1, 1, 1, 2, 2, 2]
        );
        // One round on a random matrix equals the host computation of argmax_j (Y YᵀC)_ij.
        let (n, k) = (20, 3);
        let y = gaussian_block(n, k, 9, &device);
        let host = to_vec_f32(y.clone());
        let argmax =
            |row: &[f32]| (0..row.len()).fold(0, |b, j| if row[j] > row[b] { j } else { b });
        let start: Vec<usize> = (0..n).map(|i| argmax(&host[i * k..(i + 1) * k])).collect();
        let mut size = vec![0f32; k];
        start.iter().for_each(|&c| size[c] += 1.0);
        let want: Vec<usize> = (0..n)
            .map(|i| {
                let scores: Vec<f32> = (0..k)
                    .map(|c| {
                        (0..n)
                            .filter(|&l| start[l] == c)
                            .map(|l| {
                                (0..k)
                                    .map(|j| host[i * k + j] * host[l * k + j])
                                    .sum::<f32>()
                            })
                            .sum::<f32>()
                            / size[c].max(1.0).sqrt()
                    })
                    .collect();
                argmax(&scores)
            })
            .collect();
        assert_eq!(snem_rounding(y, 1).unwrap(), want);
        assert!(snem_rounding(Tensor::<2>::zeros([3, 2], &device), 0).is_err());
        let nan = Tensor::<2>::from_data(TensorData::new(vec![f32::NAN, 1.0], [1, 2]), &device);
        assert!(snem_rounding(nan, 5).is_err());
    }
}
