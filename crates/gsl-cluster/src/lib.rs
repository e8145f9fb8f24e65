//! # gsl-cluster
//!
//! Attributed graph clustering on Burn, in PyAGC's Encode–Cluster–Optimize design.
//!
//! - [`metrics`]: ACC and macro-F1 after Hungarian matching, NMI (arithmetic normaliser), ARI,
//!   homogeneity, completeness, modularity, the global conductance of DMoN/PyAGC and the
//!   per-cluster average conductance — all in `O(N + E + K²)` memory;
//! - [`kmeans`]: greedy k-means++ seeding, `n_init` restarts and Lloyd iterations on the device,
//!   with chunked `N × K` distances;
//! - [`framework`]: the [`Embed`], [`Trainable`] and [`ClusterModel`] traits, full-batch and
//!   mini-batch training drivers, k-means centre initialisation, and the learnable soft head
//!   `softmax(Z Cᵀ)`;
//! - [`sgc`], [`ssgc`], [`nafs`]: training-free propagation filters (SGC, SSGC, NAFS);
//! - [`sagsc`]: SAGSC subspace clustering with the official normalisation;
//! - [`s2cag`]: S2CAG and M-S2CAG (NSR, randomized SVD / orthogonal iteration, fused
//!   variants that never form the NSR, SNEM rounding);
//! - [`node2vec`]: Node2Vec — parallel biased (p, q) walks with alias sampling on the host,
//!   skip-gram with negative sampling on the device (or with the table in host memory);
//! - [`spectral`]: NJW spectral clustering with a sparse block eigensolver;
//! - [`pipeline`]: preprocessing → embedding → k-means by method name;
//! - [`synthetic`]: an attributed SBM (planted clusters, Gaussian cluster features).
//!
//! ## Example
//!
//! ```
//! use burn::tensor::{Tensor, TensorData};
//! use gsl_cluster::metrics::nmi;
//! use gsl_cluster::pipeline::{Method, PipelineOptions, run};
//! use gsl_core::{AttributedGraph, BuildOptions, EdgeList, Graph};
//! use gsl_data::ensembles::{Generator, StochasticBlockModel};
//!
//! # fn main() -> gsl_core::Result<()> {
//! let device = gsl_core::device::device_from_name("flex")?;
//! // Three planted communities of 40 nodes; features are noisy one-hot community indicators.
//! let sbm = StochasticBlockModel::planted(vec![40; 3], &[0.3; 3], 0.02)?;
//! let edges = sbm.sample(1)?;
//! let truth = sbm.labels();
//! let x: Vec<f32> = truth
//!     .iter()
//!     .enumerate()
//!     .flat_map(|(i, &c)| (0..3).map(move |j| if j == c { 1.0 } else { 0.1 * ((i * 7 + j) % 5) as f32 }))
//!     .collect();
//! let x = Tensor::<2>::from_data(TensorData::new(x, [120, 3]), &device);
//! let data = AttributedGraph::new(edges.to_graph(&device), x, None)?;
//! let out = run(&Method::from_name("ssgc")?, &data, &PipelineOptions::new(3))?;
//! assert!(nmi(&truth, &out.labels)? > 0.9);
//! # Ok(())
//! # }
//! ```

pub mod framework;
pub mod kmeans;
mod linalg;
pub mod metrics;
pub mod nafs;
pub mod node2vec;
pub mod pipeline;
pub mod s2cag;
pub mod sagsc;
pub mod sgc;
pub mod spectral;
pub mod ssgc;
pub mod synthetic;

pub use framework::{ClusterModel, Embed, SoftAssignHead, SoftAssignHeadConfig, Trainable};
