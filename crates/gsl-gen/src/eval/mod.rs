//! The graph-generation evaluation suite, usable on its own (also on graphs produced by other
//! tools).
//!
//! - [`graph`]: [`SimpleGraph`], the undirected simple graph every descriptor reads;
//! - [`descriptors`]: degree and clustering histograms, normalised-Laplacian spectra
//!   (unweighted and weighted), weighted degrees, edge weights;
//! - [`orbits`]: counts of the 15 node orbits of 2–4-node graphlets (ORCA's output, natively);
//! - [`kernels`]: `gaussian_tv`, `gaussian_emd`, RBF, `gaussian_wasserstein`;
//! - [`mmd`]: MMD² (the published convention) or MMD between descriptor sets;
//! - [`validity`]: tree, bifurcating tree, lobster (GRAN and BiGG-E rules), cycle;
//! - [`suite`]: [`evaluate`], the whole table with each paper's σ and bins;
//! - [`io`]: directories of edge-list files, one graph per file.

pub mod descriptors;
pub mod graph;
pub mod io;
pub mod kernels;
pub mod mmd;
pub mod orbits;
pub mod suite;
pub mod validity;

pub use graph::SimpleGraph;
pub use kernels::Kernel;
pub use mmd::{MmdForm, mmd_squared};
pub use suite::{EvalConfig, EvalReport, Protocol, Statistic, evaluate};
pub use validity::Validity;
