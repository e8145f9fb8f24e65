//! # gsl
//!
//! One import for the gsl workspace: graph structure learning, attributed graph clustering,
//! structure learning for large and growing graphs, and graph generation, on the Burn
//! deep-learning framework. This crate holds no code of its own: it re-exports the focused
//! crates and forwards the backend features.
//!
//! | module | crate | what it holds |
//! |---|---|---|
//! | [`core`] | `gsl-core` | graphs, operators, similarity, kNN, GNN layers, metrics, training utilities |
//! | [`data`] | `gsl-data` | graph ensembles, signal models, datasets, loaders |
//! | [`mb`] | `gsl-mb` | model-based structure learning solvers |
//! | [`unroll`] | `gsl-unroll` | unrolled solvers (GLAD, GDN, L2G) |
//! | [`cluster`] | `gsl-cluster` | attributed graph clustering |
//! | [`flex`] | `gsl-flex` | large and growing graphs (GraphFLEx) |
//! | [`generation`] | `gsl-gen` | graph generation and its evaluation |
//!
//! ## Feature flags
//!
//! | feature | default | backend |
//! |---|---|---|
//! | `flex` | yes | Burn's pure-Rust CPU backend, multi-threaded (rayon) with SIMD and AVX-512 gemm |
//! | `wgpu` | no | GPUs through wgpu (Vulkan, Metal, DX12); Mesa lavapipe runs it on CPU-only machines |
//! | `cuda` | no | NVIDIA CUDA; its build script downloads LLVM, so building it needs network access |
//!
//! Pick the device at run time with [`core::device::default_device`] (reads `GSL_DEVICE`) or
//! [`core::device::device_from_name`].
//!
//! ## Example
//!
//! ```
//! use gsl::core::{BuildOptions, EdgeList, Graph};
//!
//! # fn main() -> gsl::core::Result<()> {
//! let device = gsl::core::device::device_from_name("flex")?;
//! let edges = EdgeList::from_pairs(4, &[(0, 1), (1, 2), (2, 3)])?;
//! let graph = Graph::from_edges(&edges, BuildOptions::default(), &device)?;
//! assert_eq!(graph.num_nodes(), 4);
//! # Ok(())
//! # }
//! ```

pub use gsl_cluster as cluster;
pub use gsl_core as core;
pub use gsl_core::burn;
pub use gsl_data as data;
pub use gsl_flex as flex;
pub use gsl_gen as generation;
pub use gsl_mb as mb;
pub use gsl_unroll as unroll;
