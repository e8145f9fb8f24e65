//! # gsl-core
//!
//! The foundation every gsl crate stands on:
//!
//! - [`graph`]: the host-side [`EdgeList`] (validated; symmetrisation, duplicate merging and a
//!   self-loop policy through [`EdgeList::build`]) and [`Csr`], petgraph conversions, the
//!   device-side sparse [`Graph`] (`edge_index` `[2, E]` + optional weights) with a differentiable
//!   sparse × dense product, and [`AttributedGraph`];
//! - [`dense`]: dense adjacency batches `[B, N, N]` and the half-vector form `[B, N(N−1)/2]`;
//! - [`ops`]: degrees, GCN normalisation, Laplacians, K-hop propagation, monomial and Chebyshev
//!   polynomials, power iteration, symmetrisation, induced subgraphs, the implicit degree
//!   operator of the smooth-signal models;
//! - [`similarity`]: covariance and correlation of signals, chunked pairwise distances and cosine
//!   similarity, the exact k-nearest-neighbour graph (memory O(chunk·N), never N×N);
//! - [`nn`]: GCN, GraphSAGE, GAT, GIN, MLP and inner-product decoder layers, segment softmax and
//!   a neighbour sampler for mini-batches;
//! - [`metrics`]: structure-recovery metrics on the upper triangle, batched over graphs, exact
//!   threshold selection and mean ± standard error;
//! - [`train`]: seeded RNG, a training loop (Adam/AdamW, global-norm clipping, LR schedules,
//!   early stopping, loss history), progress bars, atomic checkpoints;
//! - [`error`]: one [`GslError`] enum and a [`Result`] alias; [`tensor`]: read-back and
//!   validation helpers; [`device`]: turns a backend name (`flex`, `wgpu`, `cuda`) into a Burn
//!   `Device`.
//!
//! Every function takes tensors on a runtime `Device`; nothing names a backend type, so the same
//! code runs on Flex (CPU), wgpu and CUDA.
//!
//! ## Example
//!
//! ```
//! use gsl_core::{BuildOptions, EdgeList, Graph};
//! use burn::tensor::Tensor;
//!
//! # fn main() -> gsl_core::Result<()> {
//! let device = gsl_core::device::device_from_name("flex")?;
//! // A path 0 - 1 - 2, given once per edge and symmetrised.
//! let edges = EdgeList::from_pairs(3, &[(0, 1), (1, 2)])?;
//! let graph = Graph::from_edges(&edges, BuildOptions::default(), &device)?;
//! assert_eq!(graph.num_edges(), 4);
//!
//! // A · x for x = [1, 2, 3]ᵀ is [2, 4, 2]ᵀ.
//! let x = Tensor::<2>::from_floats([[1.0], [2.0], [3.0]], &device);
//! let y = graph.spmm(x)?;
//! assert_eq!(gsl_core::tensor::to_vec_f32(y), vec![2.0, 4.0, 2.0]);
//! # Ok(())
//! # }
//! ```

pub mod dense;
pub mod device;
pub mod error;
pub mod graph;
pub mod metrics;
pub mod nn;
pub mod ops;
mod rowwise;
pub mod similarity;
pub mod tensor;
pub mod train;

pub use error::{GslError, Result};
pub use graph::{AttributedGraph, BuildOptions, Csr, Duplicates, EdgeList, Graph, SelfLoops};

/// The Burn version gsl is built against, re-exported so users need no direct dependency.
pub use burn;
