//! Spectral clustering (Ng, Jordan & Weiss, NIPS 2001): the `k` eigenvectors of the smallest
//! eigenvalues of the normalised Laplacian `L = I − D^{-1/2} A D^{-1/2}`, rows scaled to unit
//! length, then k-means.
//!
//! The eigenvectors come from block subspace iteration with Rayleigh–Ritz (Saad, *Numerical
//! Methods for Large Eigenvalue Problems*, 2nd ed., Alg. 5.3) on the sparse operator
//! `M = I − L/2`, whose spectrum lies in `[0, 1]` with the order of `L` reversed, so the wanted
//! eigenvectors are `M`'s dominant ones. Each iteration is one sparse product with the
//! `N × b` block (`b = k + oversampling`) and `b × b` dense work on the host (nalgebra); no
//! `N × N` matrix is formed.

use burn::config::Config;
use burn::tensor::{Tensor, TensorData};
use gsl_core::ops::{LaplacianKind, laplacian};
use gsl_core::tensor::to_vec_f32;
use gsl_core::train::seeded_rng;
use gsl_core::{AttributedGraph, Graph, GslError, Result};
use rand_distr::{Distribution, StandardNormal};

use crate::framework::{Embed, l2_normalize_rows};
use crate::linalg::{orthonormalize, sorted_eigen, to_device, to_host};

/// Hyperparameters of the spectral embedding.
#[derive(Config, Debug, PartialEq)]
pub struct SpectralConfig {
    /// Number of eigenvectors (the number of clusters in NJW), `1 ≤ k < N`.
    pub k: usize,
    /// Extra block columns that speed up convergence (rate `λ_{b+1}/λ_k` of `M`).
    #[config(default = 10)]
    pub oversampling: usize,
    /// Maximum subspace iterations.
    #[config(default = 1000)]
    pub max_iter: usize,
    /// Convergence when every wanted Ritz pair has residual `‖Mv − θv‖ ≤ tol`.
    #[config(default = 1e-4)]
    pub tol: f64,
    /// Seed of the random start block.
    #[config(default = 0)]
    pub seed: u64,
    /// Scale the embedding rows to unit length (NJW's step 3).
    #[config(default = true)]
    pub normalize_rows: bool,
}

impl SpectralConfig {
    /// Checks the parameters against a graph of `n` nodes.
    pub fn validate(&self, n: usize) -> Result<()> {
        if self.k == 0 {
            return Err(GslError::invalid("k", "need at least one eigenvector"));
        }
        if self.k >= n {
            return Err(GslError::invalid(
                "k",
                format!(
                    "k = {} must be smaller than the number of nodes ({n})",
                    self.k
                ),
            ));
        }
        if self.max_iter == 0 {
            return Err(GslError::invalid("max_iter", "need at least one iteration"));
        }
        if !(self.tol.is_finite() && self.tol > 0.0) {
            return Err(GslError::invalid(
                "tol",
                format!("must be positive, got {}", self.tol),
            ));
        }
        Ok(())
    }
}

/// What the eigensolver did.
#[derive(Debug, Clone, PartialEq)]
pub struct SpectralReport {
    /// The `k` smallest eigenvalues of the normalised Laplacian, ascending.
    pub eigenvalues: Vec<f64>,
    /// Residual `‖Mv − θv‖` of each returned eigenvector.
    pub residuals: Vec<f64>,
    /// Subspace iterations done.
    pub iterations: usize,
    /// Whether every residual met `tol`.
    pub converged: bool,
}

/// The `k` eigenvectors `[N, k]` of the smallest eigenvalues of the normalised Laplacian of
/// `graph` (symmetric, non-negative weights), by block subspace iteration; see the module docs.
///
/// Isolated nodes get `L_ii = 1` (gsl-core's convention). Deterministic for a given seed.
///
/// Errors: `k = 0`, `k ≥ N`, a graph without edges, negative weights, bad `tol`/`max_iter`.
pub fn laplacian_eigenvectors(
    graph: &Graph,
    config: &SpectralConfig,
) -> Result<(Tensor<2>, SpectralReport)> {
    let n = graph.num_nodes();
    config.validate(n)?;
    if graph.num_edges() == 0 {
        return Err(GslError::EmptyGraph(
            "spectral clustering needs edges".into(),
        ));
    }
    let device = graph.device();
    let lap = laplacian(graph, LaplacianKind::SymmetricNormalized)?;
    let apply =
        |v: Tensor<2>| -> Result<Tensor<2>> { Ok(v.clone().sub(lap.spmm(v)?.mul_scalar(0.5))) };
    let (k, b) = (config.k, (config.k + config.oversampling).min(n));
    let mut rng = seeded_rng(config.seed);
    let start: Vec<f32> = (0..n * b)
        .map(|_| StandardNormal.sample(&mut rng))
        .collect();
    let mut q = orthonormalize(Tensor::from_data(TensorData::new(start, [n, b]), &device));
    let mut iterations = 0;
    loop {
        iterations += 1;
        let mq = apply(q.clone())?;
        // Rayleigh–Ritz on span(Q): H = Qᵀ M Q, Ritz vectors V = Q W, with M V = (M Q) W.
        let (w, theta) = sorted_eigen(to_host(q.clone().transpose().matmul(mq.clone())));
        let w_dev = to_device(&w, &device);
        let v = q.clone().matmul(w_dev.clone());
        let mv = mq.matmul(w_dev);
        let theta_dev = Tensor::<1>::from_data(
            TensorData::new(theta.iter().map(|&t| t as f32).collect::<Vec<_>>(), [b]),
            &device,
        );
        let residuals: Vec<f64> = to_vec_f32(
            mv.clone()
                .sub(v.clone().mul(theta_dev.reshape([1, b])))
                .square()
                .sum_dim(0)
                .sqrt()
                .narrow(1, 0, k)
                .reshape([k]),
        )
        .into_iter()
        .map(f64::from)
        .collect();
        let converged = residuals.iter().all(|&r| r <= config.tol);
        if converged || iterations >= config.max_iter {
            let report = SpectralReport {
                // θ is an eigenvalue of M = I − L/2, so λ(L) = 2(1 − θ).
                eigenvalues: theta[..k].iter().map(|t| 2.0 * (1.0 - t)).collect(),
                residuals,
                iterations,
                converged,
            };
            return Ok((v.narrow(1, 0, k), report));
        }
        q = orthonormalize(mv);
    }
}

/// Spectral clustering as an [`Embed`] model: the NJW embedding of the graph (features are not
/// used).
#[derive(Debug, Clone, PartialEq)]
pub struct Spectral {
    /// Its hyperparameters.
    pub config: SpectralConfig,
}

impl Spectral {
    /// A spectral embedding with `config`.
    pub fn new(config: SpectralConfig) -> Self {
        Self { config }
    }
}

impl Embed for Spectral {
    fn embed(&self, data: &AttributedGraph) -> Result<Tensor<2>> {
        let (u, _) = laplacian_eigenvectors(&data.graph, &self.config)?;
        Ok(if self.config.normalize_rows {
            l2_normalize_rows(u)
        } else {
            u
        })
    }
}
