//! # gsl-mb
//!
//! Model-based graph structure learning: recover a graph from node signals by solving an
//! optimisation problem, batched (`B` problems of `N` nodes at once) on the device.
//!
//! Every iterative method is written once as a **step** whose parameters are tensors (so
//! `gsl-unroll` can stack the same step as a layer with learnable parameters) and driven to
//! convergence by [`solver::solve`], which applies the stopping rules (tolerance, iteration
//! budget, NaN/divergence → an error naming the iteration) and returns a
//! [`solver::SolveReport`] (estimate, iterations, converged flag, residual and objective
//! history).
//!
//! - [`solver`]: the step/driver split, stop rules, reports;
//! - [`linalg`]: batched Cholesky (with inverse and log-det), Newton–Schulz square root and soft
//!   threshold, written from tensor ops;
//! - [`glasso`]: graphical lasso by G-ISTA with backtracking, certified by the duality gap;
//! - [`glad`]: GLAD's alternating-minimisation step (Θ through a matrix square root, Z by soft
//!   threshold) and its fixed-parameter driver;
//! - [`smooth`]: Kalofolias' log model and Dong et al.'s ℓ2 model on the half-vector `w`, by
//!   the FBF primal–dual iteration, with an implicit degree operator on any pair support;
//! - [`large`]: the large-scale log model (kNN candidate support, automatic θ);
//! - [`ann`]: approximate kNN lists and graphs by NN-descent (host, rayon), and their recall;
//! - [`baselines`]: hard thresholding and thresholded covariance/correlation (COVAR);
//! - [`gdn`]: network deconvolution by truncated proximal gradient (the step GDN unrolls);
//! - [`deconv`]: network deconvolution (eigenvalue map `μ → μ/(1 + αμ)`, host eigendecomposition);
//! - [`select`]: parameter selection by a validation sweep with gsl-core's exact threshold
//!   selection;
//! - [`learn`]: one entry point over all methods (plus gsl-core's kNN graph), used by the CLI.
//!
//! ## Example
//!
//! ```
//! use burn::tensor::Tensor;
//! use gsl_mb::smooth::{PairSupport, SmoothConfig, learn_smooth};
//!
//! # fn main() -> gsl_core::Result<()> {
//! let device = gsl_core::device::device_from_name("flex")?;
//! // Three nodes: 0 and 1 are close, 2 is far from both (squared distances, half-vector order
//! // (0,1), (0,2), (1,2)). The log model puts the largest weight on the close pair.
//! let z = Tensor::<2>::from_floats([[0.1, 4.0, 4.0]], &device);
//! let support = PairSupport::complete(3, &device)?;
//! let report = learn_smooth(z, &support, &SmoothConfig::log(1.0, 1.0), true, None)?;
//! assert!(report.converged);
//! let w = gsl_core::tensor::to_vec_f32(report.estimate.w);
//! assert!(w[0] > w[1] && w[0] > w[2]);
//! # Ok(())
//! # }
//! ```

pub mod ann;
pub mod baselines;
pub mod deconv;
pub mod gdn;
pub mod glad;
pub mod glasso;
pub mod large;
pub mod learn;
pub mod linalg;
pub mod select;
pub mod smooth;
pub mod solver;
