//! # gsl-gen
//!
//! Graph generation for gsl: BiGG (Dai et al., ICML 2020) and an Erdős–Rényi baseline behind
//! the [`GraphModel`] trait, and the MMD evaluation suite for generated graphs.
//!
//! - [`bigg`]: BiGG — edge-binary row trees, Fenwick-tree row history, bits compression, the
//!   level-batched training likelihood, the sequential sampler, checkpoints;
//! - [`eval`]: descriptors (degree, clustering, 4-node orbits, normalised-Laplacian spectra,
//!   weighted degree, edge weights), the kernels of GraphRNN / GRAN / BiGG-E, MMD², validity
//!   checks, and reading graph sets from edge-list directories;
//! - [`model`]: the [`GraphModel`] trait (fit on graphs, sample with a seed, save / load) and
//!   the node-count distribution models share;
//! - [`datasets`]: the GRAN / BiGG benchmark sets (grid, lobster, trees, FIRSTMM_DB, DD) and
//!   GRAN's split;
//! - [`er`]: the Erdős–Rényi baseline (pooled edge probability, node counts and weights
//!   resampled from the training set).
//!
//! ```
//! use gsl_data::ensembles::{Generator, Lobster};
//! use gsl_gen::eval::{EvalConfig, SimpleGraph, Statistic, evaluate};
//! use gsl_gen::{ErdosRenyiBaseline, GraphModel};
//!
//! # fn main() -> gsl_core::Result<()> {
//! let lobsters = Lobster::default().sample_many(20, 1)?;
//! let train: Vec<SimpleGraph> =
//!     lobsters.iter().map(SimpleGraph::from_edges).collect::<gsl_core::Result<_>>()?;
//! let model = ErdosRenyiBaseline::from_graphs(&train)?;
//! let samples = model.sample(10, 7)?;
//! let report = evaluate(&train, &samples, &EvalConfig::default())?;
//! // Prints the MMD² table (degree, clustering, orbit, spectral).
//! println!("{report}");
//! assert!(report.value(Statistic::Degree).is_some());
//! # Ok(())
//! # }
//! ```

pub mod bigg;
pub mod datasets;
pub mod er;
pub mod eval;
pub mod model;

pub use bigg::{Bigg, BiggConfig};
pub use er::ErdosRenyiBaseline;
pub use model::{FitContext, GraphModel, NodeCountDistribution, checkpoint_model_name};
