//! Signal models on graphs: smooth, Gaussian-smooth, diffused and Gaussian-graphical-model
//! signals, batched over many graphs, plus attributed synthetic graphs.
//!
//! Every model is a zero-mean Gaussian `x = F z (+ σ e)` with `z, e ~ N(0, I)`, so it is fully
//! described by one matrix factor `F` per graph (covariance `Σ = F Fᵀ`):
//!
//! | model | `F` | `Σ` | source |
//! |---|---|---|---|
//! | [`SignalModel::Smooth`] | `√(L†)`, `L` the symmetric normalised Laplacian | `L†` | gsl-bnn / pyGSL smooth signals |
//! | [`SignalModel::GaussianSmooth`] | `C⁻ᵀ` with `L + εI = C Cᵀ`, `L = D − W` | `(L + εI)⁻¹` | L2G (Pu et al. 2021), ε = 1e-4; Dong et al. 2016 |
//! | [`SignalModel::Diffusion`] | `H = Σ_i α_i Aⁱ` | `H²` | GDN (Wasserman et al. 2023), α on the unit sphere |
//! | [`SignalModel::Ggm`] | `C⁻ᵀ` with `Θ = C Cᵀ` | `Θ⁻¹`, `Θ = A∘U + (u − λ_min(A∘U)) I` | GLAD (Shrivastava et al. 2020), `create_GGM` |
//!
//! **Where the work happens.** The per-graph factor (a symmetric eigendecomposition or a
//! Cholesky factorisation of an `N × N` matrix) is computed on the host in `f64` with nalgebra,
//! one graph per rayon task, because Burn has no batched `eigh`/Cholesky and these matrices are
//! small. The sampling itself, `X = F Z` for the whole batch, is one batched device matmul
//! `[B, N, N] × [B, N, P]`. The Gaussian draws `Z` are made on the host, graph `b` from the seed
//! [`derive_seed`]`(seed, b)`, so the same seed gives the same signals on every device and for
//! every chunking of the batch.
//!
//! Summaries of the signals: [`GraphFactors::covariances`] (analytic covariance),
//! [`analytic_correlation`], the sample covariance / correlation of gsl-core
//! ([`gsl_core::similarity::covariance`], [`gsl_core::similarity::correlation`]) and L2G's mean
//! squared distances ([`mean_squared_distances`]).
//!
//! ```
//! use gsl_data::ensembles::{BarabasiAlbert, Generator};
//! use gsl_data::signals::{SignalModel, graph_factors};
//!
//! # fn main() -> gsl_core::Result<()> {
//! let device = gsl_core::device::device_from_name("flex")?;
//! let graphs = BarabasiAlbert::new(10, 2).sample_many(3, 0)?;
//! let factors = graph_factors(&graphs, &SignalModel::l2g(), 0)?;
//! // 3 graphs × 10 nodes × 50 signals, x ~ N(0, (L + 1e-4 I)⁻¹).
//! let x = factors.sample(0..3, 50, 0.0, 7, &device)?;
//! assert_eq!(x.dims(), [3, 10, 50]);
//! # Ok(())
//! # }
//! ```

use std::ops::Range;

use burn::tensor::{Device, Int, Tensor, TensorData};
use gsl_core::tensor::ensure_finite;
use gsl_core::{AttributedGraph, BuildOptions, EdgeList, GslError, Result};
use nalgebra::{DMatrix, SymmetricEigen};
use rand::RngExt;
use rand_distr::{ChiSquared, Distribution, StandardNormal};
use rayon::prelude::*;

use crate::ensembles::{
    Generator, Heterophily, StochasticBlockModel, WattsStrogatz, derive_seed, rng_from_seed,
};

/// Relative eigenvalue cut-off of the pseudo-inverse in [`SignalModel::Smooth`]: eigenvalues of
/// the normalised Laplacian (which lie in `[0, 2]`) below this count as zero.
const PINV_TOLERANCE: f64 = 1e-9;

/// A zero-mean Gaussian signal model on a graph (see the module docs for the formulas).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum SignalModel {
    /// `x = √(L†) x₀`, `x₀ ~ N(0, I)`, with `L = I − D^{-1/2} W D^{-1/2}` (isolated nodes get
    /// `L_ii = 1`). Covariance `L†`: smooth on the graph, no component along the null space.
    Smooth,
    /// `x ~ N(0, (L + εI)⁻¹)` with the combinatorial Laplacian `L = D − W` of the weighted graph
    /// (the smooth-signal model of Dong et al. 2016 used by L2G).
    GaussianSmooth {
        /// Diagonal loading ε (> 0; L2G uses 1e-4, 1e-6 for its SBM graphs).
        epsilon: f64,
    },
    /// Diffused white noise `x = Σ_{i=0..p} α_i Aⁱ w`, `w ~ N(0, I)`, with the (weighted)
    /// adjacency `A` as graph shift operator (GDN's network-diffusion data).
    Diffusion {
        /// Filter coefficients `α_0..α_p` (at least one, finite, not all zero). GDN draws 3 on
        /// the unit sphere, see [`unit_sphere_coefficients`].
        coefficients: Vec<f64>,
    },
    /// Gaussian graphical model: `Θ = A∘U + (u − λ_min(A∘U)) I` with `U` symmetric, entries
    /// U[−1, 1] on the edges of the (binary) graph `A`, and `x ~ N(0, Θ⁻¹)`. `λ_min(Θ) = u`.
    Ggm {
        /// Smallest eigenvalue of the precision matrix (> 0; GLAD uses `u = 1`).
        u: f64,
    },
}

impl SignalModel {
    /// L2G's Gaussian smooth signals, ε = 1e-4.
    pub fn l2g() -> Self {
        SignalModel::GaussianSmooth { epsilon: 1e-4 }
    }

    /// GLAD's GGM with `u = 1`.
    pub fn glad() -> Self {
        SignalModel::Ggm { u: 1.0 }
    }

    /// Checks the parameters.
    pub fn validate(&self) -> Result<()> {
        match self {
            SignalModel::Smooth => Ok(()),
            SignalModel::GaussianSmooth { epsilon } => {
                if !epsilon.is_finite() || *epsilon <= 0.0 {
                    return Err(GslError::invalid(
                        "epsilon",
                        format!("must be finite and > 0, got {epsilon}"),
                    ));
                }
                Ok(())
            }
            SignalModel::Diffusion { coefficients } => {
                if coefficients.is_empty() {
                    return Err(GslError::invalid(
                        "coefficients",
                        "need at least one filter coefficient",
                    ));
                }
                if coefficients.iter().any(|c| !c.is_finite()) {
                    return Err(GslError::NonFinite("diffusion coefficients".into()));
                }
                if coefficients.iter().all(|&c| c == 0.0) {
                    return Err(GslError::invalid(
                        "coefficients",
                        "all filter coefficients are zero: the signals would be zero",
                    ));
                }
                Ok(())
            }
            SignalModel::Ggm { u } => {
                if !u.is_finite() || *u <= 0.0 {
                    return Err(GslError::invalid(
                        "u",
                        format!("must be finite and > 0, got {u}"),
                    ));
                }
                Ok(())
            }
        }
    }

    /// Whether the model reads the graph's Laplacian (and so needs non-negative weights).
    fn uses_laplacian(&self) -> bool {
        matches!(
            self,
            SignalModel::Smooth | SignalModel::GaussianSmooth { .. }
        )
    }
}

/// `count` coefficients drawn uniformly on the unit sphere `S^{count−1}` (a normalised standard
/// normal vector), as GDN's `sample_spherical` does for its filter taps.
///
/// Errors: `count = 0`.
pub fn unit_sphere_coefficients(count: usize, seed: u64) -> Result<Vec<f64>> {
    if count == 0 {
        return Err(GslError::invalid("count", "need at least one coefficient"));
    }
    let mut rng = rng_from_seed(seed);
    loop {
        let v: Vec<f64> = (0..count)
            .map(|_| StandardNormal.sample(&mut rng))
            .collect();
        let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
        // A zero vector has probability zero; redraw rather than divide by it.
        if norm > 1e-12 {
            return Ok(v.into_iter().map(|x| x / norm).collect());
        }
    }
}

/// Per-graph factors of a signal model for a batch of `B` graphs with the same node count,
/// stored on the host in row-major `[B, N, N]` order.
#[derive(Debug, Clone, PartialEq)]
pub struct GraphFactors {
    /// Nodes per graph.
    pub num_nodes: usize,
    /// Number of graphs.
    pub count: usize,
    /// `F_b` with `Σ_b = F_b F_bᵀ`, `[B, N, N]` row-major.
    pub factors: Vec<f32>,
    /// The analytic covariances `Σ_b`, `[B, N, N]` row-major.
    pub covariances: Vec<f32>,
    /// The precision matrices `Θ_b = Σ_b⁻¹` when the model defines them (Gaussian smooth:
    /// `L + εI`; GGM: `Θ`), `[B, N, N]`; `None` for the other models.
    pub precisions: Option<Vec<f32>>,
}

/// One graph's factor, covariance and (optional) precision, in f64.
struct Factor {
    f: DMatrix<f64>,
    cov: DMatrix<f64>,
    precision: Option<DMatrix<f64>>,
}

/// The dense weighted adjacency of an edge list (duplicate entries add up; weights are finite by
/// `EdgeList`'s own validation), checked to be symmetric and — for Laplacian models —
/// non-negative.
pub(crate) fn dense_adjacency(
    edges: &EdgeList,
    non_negative: bool,
    index: usize,
) -> Result<DMatrix<f64>> {
    let n = edges.num_nodes();
    let mut a = DMatrix::<f64>::zeros(n, n);
    for (s, d, w) in edges.iter() {
        if non_negative && w < 0.0 {
            return Err(GslError::invalid(
                "graphs",
                format!("graph {index} has a negative weight {w}; Laplacian models need W >= 0"),
            ));
        }
        a[(s, d)] += f64::from(w);
    }
    let scale = a.amax().max(1.0);
    if (&a - a.transpose()).amax() > 1e-6 * scale {
        return Err(GslError::invalid(
            "graphs",
            format!("graph {index} is not symmetric; signal models need undirected graphs"),
        ));
    }
    Ok(a)
}

/// `(F, Σ, Θ)` from a symmetric positive definite precision `Θ = C Cᵀ`: `F = C⁻ᵀ`, `Σ = F Fᵀ`.
fn factor_from_precision(precision: DMatrix<f64>, index: usize) -> Result<Factor> {
    let n = precision.nrows();
    let chol = nalgebra::Cholesky::new(precision.clone()).ok_or_else(|| {
        GslError::invalid(
            "graphs",
            format!("the precision matrix of graph {index} is not positive definite"),
        )
    })?;
    let f = chol
        .l()
        .transpose()
        .solve_upper_triangular(&DMatrix::identity(n, n))
        .ok_or_else(|| {
            GslError::invalid(
                "graphs",
                format!("the Cholesky factor of graph {index} is singular"),
            )
        })?;
    let cov = &f * f.transpose();
    Ok(Factor {
        f,
        cov,
        precision: Some(precision),
    })
}

fn graph_factor(edges: &EdgeList, model: &SignalModel, seed: u64, index: usize) -> Result<Factor> {
    let n = edges.num_nodes();
    let a = dense_adjacency(edges, model.uses_laplacian(), index)?;
    match model {
        SignalModel::Smooth => {
            let deg: Vec<f64> = (0..n).map(|i| a.row(i).sum()).collect();
            let inv_sqrt: Vec<f64> = deg
                .iter()
                .map(|&d| if d > 0.0 { 1.0 / d.sqrt() } else { 0.0 })
                .collect();
            let l = DMatrix::from_fn(n, n, |i, j| {
                let identity = if i == j { 1.0 } else { 0.0 };
                identity - inv_sqrt[i] * a[(i, j)] * inv_sqrt[j]
            });
            let eig = SymmetricEigen::new(l);
            let v = &eig.eigenvectors;
            let sqrt_pinv = eig.eigenvalues.map(|l| {
                if l > PINV_TOLERANCE {
                    l.sqrt().recip()
                } else {
                    0.0
                }
            });
            let f = v * DMatrix::from_diagonal(&sqrt_pinv) * v.transpose();
            let cov = &f * &f;
            Ok(Factor {
                f,
                cov,
                precision: None,
            })
        }
        SignalModel::GaussianSmooth { epsilon } => {
            let deg: Vec<f64> = (0..n).map(|i| a.row(i).sum()).collect();
            let precision = DMatrix::from_fn(n, n, |i, j| {
                if i == j {
                    deg[i] - a[(i, i)] + epsilon
                } else {
                    -a[(i, j)]
                }
            });
            factor_from_precision(precision, index)
        }
        SignalModel::Diffusion { coefficients } => {
            // Horner: H = α_0 I + A(α_1 I + A(α_2 I + …)).
            let mut h = DMatrix::<f64>::identity(n, n) * coefficients[coefficients.len() - 1];
            for &c in coefficients.iter().rev().skip(1) {
                h = &a * h + DMatrix::<f64>::identity(n, n) * c;
            }
            let h = (&h + h.transpose()) * 0.5;
            let cov = &h * &h;
            Ok(Factor {
                f: h,
                cov,
                precision: None,
            })
        }
        SignalModel::Ggm { u } => {
            let mut rng = rng_from_seed(seed);
            let mut b = DMatrix::<f64>::zeros(n, n);
            // One U[−1, 1] draw per undirected edge, in (i < j) row-major order.
            for i in 0..n {
                for j in i + 1..n {
                    if a[(i, j)] != 0.0 {
                        let w = rng.random_range(-1.0..=1.0);
                        b[(i, j)] = w;
                        b[(j, i)] = w;
                    }
                }
            }
            let lambda_min = SymmetricEigen::new(b.clone()).eigenvalues.min();
            let precision = b + DMatrix::<f64>::identity(n, n) * (u - lambda_min);
            factor_from_precision(precision, index)
        }
    }
}

/// Appends a matrix to `out` in row-major order as f32 (nalgebra stores column-major).
pub(crate) fn push_row_major(m: &DMatrix<f64>, out: &mut Vec<f32>) {
    for i in 0..m.nrows() {
        out.extend(m.row(i).iter().map(|&v| v as f32));
    }
}

/// Checks that a batch of graphs is non-empty and that all graphs have the same `N >= 1`.
pub(crate) fn common_num_nodes(graphs: &[EdgeList]) -> Result<usize> {
    let first = graphs
        .first()
        .ok_or_else(|| GslError::invalid("graphs", "need at least one graph"))?;
    let n = first.num_nodes();
    if n == 0 {
        return Err(GslError::EmptyGraph("signal models need N >= 1".into()));
    }
    if let Some((i, g)) = graphs.iter().enumerate().find(|(_, g)| g.num_nodes() != n) {
        return Err(GslError::shape(
            format!("graph {i} node count"),
            n,
            g.num_nodes(),
        ));
    }
    Ok(n)
}

/// The factors of `model` for every graph (host, f64, rayon across graphs; see the module docs).
/// Graph `b` uses the seed [`derive_seed`]`(seed, b)` (only [`SignalModel::Ggm`] is random).
///
/// Errors: an invalid model, an empty batch, graphs of different sizes, an asymmetric graph,
/// negative weights with a Laplacian model.
pub fn graph_factors(graphs: &[EdgeList], model: &SignalModel, seed: u64) -> Result<GraphFactors> {
    model.validate()?;
    let n = common_num_nodes(graphs)?;
    let per_graph: Vec<Factor> = graphs
        .par_iter()
        .enumerate()
        .map(|(i, g)| graph_factor(g, model, derive_seed(seed, i as u64), i))
        .collect::<Result<_>>()?;
    let mut factors = Vec::with_capacity(graphs.len() * n * n);
    let mut covariances = Vec::with_capacity(graphs.len() * n * n);
    let mut precisions = per_graph[0]
        .precision
        .as_ref()
        .map(|_| Vec::with_capacity(graphs.len() * n * n));
    for factor in &per_graph {
        push_row_major(&factor.f, &mut factors);
        push_row_major(&factor.cov, &mut covariances);
        if let (Some(out), Some(p)) = (precisions.as_mut(), factor.precision.as_ref()) {
            push_row_major(p, out);
        }
    }
    gsl_core::tensor::ensure_finite_slice(&factors, "signal model factors")?;
    Ok(GraphFactors {
        num_nodes: n,
        count: graphs.len(),
        factors,
        covariances,
        precisions,
    })
}

/// Standard normal draws for graph `b`: `len` values from the seed `derive_seed(seed, b)`.
fn normals(seed: u64, b: usize, len: usize) -> Vec<f32> {
    let mut rng = rng_from_seed(derive_seed(seed, b as u64));
    (0..len).map(|_| StandardNormal.sample(&mut rng)).collect()
}

impl GraphFactors {
    fn check_range(&self, graphs: &Range<usize>) -> Result<()> {
        if graphs.start >= graphs.end || graphs.end > self.count {
            return Err(GslError::invalid(
                "graphs",
                format!(
                    "range {}..{} is empty or outside 0..{}",
                    graphs.start, graphs.end, self.count
                ),
            ));
        }
        Ok(())
    }

    fn slice_tensor(
        &self,
        data: &[f32],
        graphs: &Range<usize>,
        device: &Device,
    ) -> Result<Tensor<3>> {
        self.check_range(graphs)?;
        let nn = self.num_nodes * self.num_nodes;
        let values = data[graphs.start * nn..graphs.end * nn].to_vec();
        Ok(Tensor::from_data(
            TensorData::new(values, [graphs.len(), self.num_nodes, self.num_nodes]),
            device,
        ))
    }

    /// The factors `F` of graphs `graphs` as a device tensor `[B, N, N]`.
    pub fn factor_tensor(&self, graphs: Range<usize>, device: &Device) -> Result<Tensor<3>> {
        self.slice_tensor(&self.factors, &graphs, device)
    }

    /// The analytic covariances `Σ` of graphs `graphs`, `[B, N, N]`.
    pub fn covariance_tensor(&self, graphs: Range<usize>, device: &Device) -> Result<Tensor<3>> {
        self.slice_tensor(&self.covariances, &graphs, device)
    }

    /// The precisions `Θ` of graphs `graphs`, `[B, N, N]`; an error for models without one.
    pub fn precision_tensor(&self, graphs: Range<usize>, device: &Device) -> Result<Tensor<3>> {
        let precisions = self.precisions.as_ref().ok_or_else(|| {
            GslError::invalid(
                "precisions",
                "this signal model defines no precision matrix",
            )
        })?;
        self.slice_tensor(precisions, &graphs, device)
    }

    /// Draws `num_signals` signals for each graph in `graphs`: `X_b = F_b Z_b + σ E_b`, `[B, N, P]`,
    /// one batched device matmul. `Z_b` (then `E_b`) is drawn on the host from
    /// [`derive_seed`]`(seed, b)` with `b` the graph's index in the whole batch, so splitting a
    /// batch into chunks gives the same signals.
    ///
    /// Errors: an empty or out-of-bounds range, `num_signals = 0`, a negative or non-finite
    /// `noise_std`.
    pub fn sample(
        &self,
        graphs: Range<usize>,
        num_signals: usize,
        noise_std: f64,
        seed: u64,
        device: &Device,
    ) -> Result<Tensor<3>> {
        self.check_range(&graphs)?;
        if num_signals == 0 {
            return Err(GslError::invalid("num_signals", "must be at least 1"));
        }
        if !noise_std.is_finite() || noise_std < 0.0 {
            return Err(GslError::invalid(
                "noise_std",
                format!("must be finite and >= 0, got {noise_std}"),
            ));
        }
        let (n, p, b) = (self.num_nodes, num_signals, graphs.len());
        let with_noise = noise_std > 0.0;
        let per_graph = if with_noise { 2 * n * p } else { n * p };
        let draws: Vec<f32> = graphs
            .clone()
            .into_par_iter()
            .flat_map_iter(|g| normals(seed, g, per_graph))
            .collect();
        let f = self.factor_tensor(graphs, device)?;
        let all = Tensor::<3>::from_data(TensorData::new(draws, [b, per_graph / p, p]), device);
        if with_noise {
            let z = all.clone().narrow(1, 0, n);
            let e = all.narrow(1, n, n);
            Ok(f.matmul(z).add(e.mul_scalar(noise_std as f32)))
        } else {
            Ok(f.matmul(all))
        }
    }
}

impl GraphFactors {
    /// L2G's observation, the mean squared distances `z_ij = (1/P) Σ_p (x_ip − x_jp)²` of
    /// `num_signals` noise-free signals per graph, drawn without drawing the signals: the second
    /// moment `S = (1/P) Σ_p x_p x_pᵀ` of `P` draws of `N(0, F Fᵀ)` is `(1/P) F W Fᵀ` with
    /// `W ~ Wishart(I, P)`, and Bartlett's decomposition samples `W = A Aᵀ` exactly with `A`
    /// lower triangular, `A_ii² ~ χ²(P − i)` (0-based `i`) and `A_ij ~ N(0, 1)` below the
    /// diagonal. Then `z_ij = S_ii + S_jj − 2 S_ij`. Same distribution as
    /// [`GraphFactors::sample`] followed by [`mean_squared_distances`], with `N(N+1)/2` random
    /// numbers per graph instead of `N·P`; computed in f64 on the host, rayon across graphs.
    /// Returns `[B, N, N]` with a zero diagonal.
    ///
    /// Errors: an empty or out-of-range `graphs`, `num_signals < N` (the Wishart matrix would be
    /// singular; draw the signals instead).
    pub fn sample_mean_squared_distances(
        &self,
        graphs: Range<usize>,
        num_signals: usize,
        seed: u64,
        device: &Device,
    ) -> Result<Tensor<3>> {
        self.check_range(&graphs)?;
        let (n, p, b) = (self.num_nodes, num_signals, graphs.len());
        if p < n {
            return Err(GslError::invalid(
                "num_signals",
                format!("Bartlett sampling needs at least N = {n} signals, got {p}"),
            ));
        }
        let z: Vec<f32> = graphs
            .into_par_iter()
            .map(|g| -> Result<Vec<f32>> {
                let mut rng = rng_from_seed(derive_seed(seed, g as u64));
                let mut a = DMatrix::<f64>::zeros(n, n);
                for i in 0..n {
                    let chi = ChiSquared::new((p - i) as f64)
                        .map_err(|e| GslError::invalid("num_signals", e.to_string()))?;
                    a[(i, i)] = chi.sample(&mut rng).sqrt();
                    for j in 0..i {
                        a[(i, j)] = StandardNormal.sample(&mut rng);
                    }
                }
                let f = &self.factors[g * n * n..(g + 1) * n * n];
                let f = DMatrix::<f64>::from_row_iterator(n, n, f.iter().map(|&v| v as f64));
                let m = f * a;
                let s = &m * m.transpose() / p as f64;
                let mut z = vec![0.0f32; n * n];
                for i in 0..n {
                    for j in 0..n {
                        if i != j {
                            z[i * n + j] =
                                (s[(i, i)] + s[(j, j)] - 2.0 * s[(i, j)]).max(0.0) as f32;
                        }
                    }
                }
                Ok(z)
            })
            .collect::<Result<Vec<_>>>()?
            .concat();
        Ok(Tensor::from_data(TensorData::new(z, [b, n, n]), device))
    }
}

/// The correlation `Σ_ij / √(Σ_ii Σ_jj)` of covariances `[B, N, N]` (pyGSL's `analytic_corr`).
///
/// Errors: a non-square batch, non-finite entries, a non-positive variance.
pub fn analytic_correlation(cov: Tensor<3>) -> Result<Tensor<3>> {
    let [b, n, n2] = cov.dims();
    if n != n2 || b == 0 || n == 0 {
        return Err(GslError::shape(
            "analytic_correlation",
            "[B, N, N] with B, N >= 1",
            format!("[{b}, {n}, {n2}]"),
        ));
    }
    ensure_finite(&cov, "covariance")?;
    let device = cov.device();
    let eye = Tensor::<2>::eye(n, &device).reshape([1, n, n]);
    let var = cov.clone().mul(eye).sum_dim(2); // [B, N, 1]
    let min = var.clone().min().into_scalar::<f32>();
    if min <= 0.0 {
        return Err(GslError::invalid(
            "cov",
            format!("correlation needs positive variances, found {min}"),
        ));
    }
    let inv_std = var.sqrt().recip();
    Ok(cov
        .mul(inv_std.clone())
        .mul(inv_std.swap_dims(1, 2))
        .clamp(-1.0, 1.0))
}

/// L2G's observation: `Z_ij = (1/P) ‖x_i − x_j‖²` for signals `x` `[B, N, P]` (node `i`'s row
/// of `P` samples), `[B, N, N]` with a zero diagonal. Computed from the Gram matrix `X Xᵀ` of the
/// signals centred across nodes (which leaves every distance unchanged) with one batched matmul;
/// tiny negative values from rounding are clipped to zero.
///
/// Errors: an empty batch, non-finite input.
pub fn mean_squared_distances(x: Tensor<3>) -> Result<Tensor<3>> {
    let [b, n, p] = x.dims();
    if b == 0 || n == 0 || p == 0 {
        return Err(GslError::EmptyGraph(format!(
            "mean_squared_distances: need B, N, P >= 1, got [{b}, {n}, {p}]"
        )));
    }
    ensure_finite(&x, "signals")?;
    let device = x.device();
    // Distances do not change when the same value is added to every node of a sample, so
    // subtract each sample's mean over the nodes first: this removes the large constant mode of
    // Laplacian-based signals (variance 1/(Nε) for L2G) that would otherwise cancel in f32.
    let x = x.clone().sub(x.mean_dim(1));
    let gram = x.clone().matmul(x.swap_dims(1, 2)); // [B, N, N]
    let eye = Tensor::<2>::eye(n, &device).reshape([1, n, n]);
    let sq = gram.clone().mul(eye.clone()).sum_dim(2); // [B, N, 1]
    let d = sq
        .clone()
        .add(sq.swap_dims(1, 2))
        .sub(gram.mul_scalar(2.0))
        .clamp_min(0.0);
    let off_diagonal = eye.neg().add_scalar(1.0);
    Ok(d.mul(off_diagonal).div_scalar(p as f32))
}

/// Class-conditional Gaussian node features: class means `μ_c ~ N(0, separation² I)`, then
/// `x_i = μ_{y_i} + std · ε_i` (the usual CSBM-style attributed benchmark construction).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ClassFeatures {
    /// Feature dimension F (≥ 1).
    pub num_features: usize,
    /// Standard deviation of each class-mean coordinate (finite, ≥ 0).
    pub separation: f64,
    /// Within-class standard deviation (finite, ≥ 0).
    pub std: f64,
}

impl Default for ClassFeatures {
    /// 150 features (GraphFLEx's synthetic graphs), separation 1, within-class std 1.
    fn default() -> Self {
        Self {
            num_features: 150,
            separation: 1.0,
            std: 1.0,
        }
    }
}

impl ClassFeatures {
    /// Checks the parameters.
    pub fn validate(&self) -> Result<()> {
        if self.num_features == 0 {
            return Err(GslError::invalid("num_features", "must be at least 1"));
        }
        for (name, v) in [("separation", self.separation), ("std", self.std)] {
            if !v.is_finite() || v < 0.0 {
                return Err(GslError::invalid(
                    name,
                    format!("must be finite and >= 0, got {v}"),
                ));
            }
        }
        Ok(())
    }

    /// The class means `[C, F]` and the features `[N, F]` (row-major) for `labels` in
    /// `0..num_classes`, from `seed`.
    ///
    /// Errors: invalid parameters, no labels, `num_classes = 0`, a label out of range.
    pub fn sample(
        &self,
        labels: &[usize],
        num_classes: usize,
        seed: u64,
    ) -> Result<(Vec<f32>, Vec<f32>)> {
        self.validate()?;
        if labels.is_empty() {
            return Err(GslError::EmptyGraph("no nodes to give features to".into()));
        }
        if num_classes == 0 {
            return Err(GslError::invalid("num_classes", "must be at least 1"));
        }
        if let Some(&bad) = labels.iter().find(|&&l| l >= num_classes) {
            return Err(GslError::invalid(
                "labels",
                format!("label {bad} is not in 0..{num_classes}"),
            ));
        }
        let f = self.num_features;
        let mut rng = rng_from_seed(seed);
        let mut normal = || -> f64 { StandardNormal.sample(&mut rng) };
        let means: Vec<f32> = (0..num_classes * f)
            .map(|_| (self.separation * normal()) as f32)
            .collect();
        let features: Vec<f32> = labels
            .iter()
            .flat_map(|&c| (0..f).map(move |k| (c, k)))
            .map(|(c, k)| means[c * f + k] + (self.std * normal()) as f32)
            .collect();
        Ok((means, features))
    }
}

/// An [`AttributedGraph`] on `device` from a graph, its node labels and class-conditional
/// Gaussian features drawn from `seed`.
///
/// Errors: `labels.len()` differs from the node count, and those of [`ClassFeatures::sample`].
pub fn attributed_graph(
    edges: &EdgeList,
    labels: &[usize],
    features: &ClassFeatures,
    seed: u64,
    device: &Device,
) -> Result<AttributedGraph> {
    if labels.len() != edges.num_nodes() {
        return Err(GslError::shape(
            "attributed_graph labels",
            edges.num_nodes(),
            labels.len(),
        ));
    }
    let num_classes = labels.iter().max().map_or(0, |&m| m + 1);
    let (_, x) = features.sample(labels, num_classes, seed)?;
    let n = labels.len();
    let graph = gsl_core::Graph::from_edges(edges, BuildOptions::default(), device)?;
    let x = Tensor::<2>::from_data(TensorData::new(x, [n, features.num_features]), device);
    let y: Vec<i64> = labels.iter().map(|&l| l as i64).collect();
    let y = Tensor::<1, Int>::from_data(TensorData::new(y, [n]), device);
    AttributedGraph::new(graph, x, Some(y))
}

/// A family of labelled graphs to attach class-conditional features to.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum LabelledFamily {
    /// Stochastic block model; the label is the block.
    Sbm(StochasticBlockModel),
    /// Heterophily graph with its planted classes.
    Heterophily(Heterophily),
    /// Watts–Strogatz graph; the classes are `num_classes` contiguous arcs of the ring (sizes
    /// differ by at most one), so neighbours mostly share a class, as in GraphFLEx's
    /// small-world synthetic graphs (whose labelling the paper does not specify).
    WattsStrogatz {
        /// The graph family.
        graph: WattsStrogatz,
        /// Number of classes (1 ≤ C ≤ N).
        num_classes: usize,
    },
}

impl LabelledFamily {
    /// Draws the graph and its labels (the graph from `seed`).
    pub fn sample_labelled(&self, seed: u64) -> Result<(EdgeList, Vec<usize>)> {
        match self {
            LabelledFamily::Sbm(sbm) => Ok((sbm.sample(seed)?, sbm.labels())),
            LabelledFamily::Heterophily(h) => h.sample_labelled(seed),
            LabelledFamily::WattsStrogatz { graph, num_classes } => {
                let n = graph.num_nodes;
                if *num_classes == 0 || *num_classes > n {
                    return Err(GslError::invalid(
                        "num_classes",
                        format!("must be in 1..={n}, got {num_classes}"),
                    ));
                }
                let labels = (0..n).map(|i| i * num_classes / n).collect();
                Ok((graph.sample(seed)?, labels))
            }
        }
    }

    /// Draws an attributed synthetic graph: the graph from [`derive_seed`]`(seed, 0)`, the
    /// features from [`derive_seed`]`(seed, 1)`.
    pub fn sample_attributed(
        &self,
        features: &ClassFeatures,
        seed: u64,
        device: &Device,
    ) -> Result<AttributedGraph> {
        let (edges, labels) = self.sample_labelled(derive_seed(seed, 0))?;
        attributed_graph(&edges, &labels, features, derive_seed(seed, 1), device)
    }
}
