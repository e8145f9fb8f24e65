//! Graph neural network layers and the GraphSAGE neighbour sampler.
//!
//! Every layer is a Burn [`Module`](burn::module::Module) built from a `#[derive(Config)]`
//! hyperparameter struct whose defaults follow the original paper (and PyTorch Geometric where
//! the paper leaves a choice open):
//!
//! | layer | paper | update for node `i` |
//! |---|---|---|
//! | [`Gcn`] | Kipf & Welling 2017 | `H' = Â H W + b`, `Â = D̂^{-1/2}(A + I)D̂^{-1/2}` |
//! | [`Sage`] | Hamilton et al. 2017 | `h'_i = W_self h_i + W_neigh mean_j h_j + b` |
//! | [`Gat`] | Veličković et al. 2018 | `h'_i = ‖_k Σ_j α^k_ij W^k h_j + b` |
//! | [`Gin`] | Xu et al. 2019 | `h'_i = MLP((1 + ε) h_i + Σ_j h_j)` |
//! | [`Mlp`] | — | stacked linear layers with an [`Activation`] |
//! | [`InnerProductDecoder`] | Kipf & Welling 2016 (GAE) | `σ(z_i · z_j)` |
//!
//! # Message-passing convention
//!
//! A stored edge `(i, j)` of a [`Graph`](crate::Graph) is the adjacency entry `A[i, j]`, and
//! **node `i` aggregates the features of node `j` over its stored edges** — exactly
//! [`Graph::spmm_weighted`](crate::Graph::spmm_weighted), which gathers rows of `X` at the
//! targets and scatter-adds them into the sources. For undirected graphs (both directions
//! stored) this is the usual neighbourhood aggregation; for directed graphs a node aggregates
//! its out-neighbours. The [`NeighborSampler`] follows the same convention: a sampled edge
//! `(i, j)` means that `i` aggregates `j`.
//!
//! # Sampled mini-batches
//!
//! [`NeighborSampler`] draws GraphSAGE-style sampled subgraphs on the host. Running any layer on
//! [`SubgraphBatch::graph`] with [`SubgraphBatch::features`] gives the outputs of the sampled
//! computation; the first [`SubgraphBatch::num_seeds`] rows belong to the seed nodes.
//!
//! # Example
//!
//! ```
//! use gsl_core::nn::{GcnConfig, SageConfig};
//! use gsl_core::{BuildOptions, EdgeList, Graph};
//! use burn::tensor::Tensor;
//!
//! # fn main() -> gsl_core::Result<()> {
//! let device = gsl_core::device::device_from_name("flex")?;
//! let edges = EdgeList::from_pairs(4, &[(0, 1), (1, 2), (2, 3)])?;
//! let graph = Graph::from_edges(&edges, BuildOptions::default(), &device)?;
//! let x = Tensor::<2>::ones([4, 3], &device);
//!
//! let gcn = GcnConfig::new(3, 8).init(&device)?;
//! let sage = SageConfig::new(8, 2).init(&device)?;
//! let h = gcn.forward(&graph, x)?.clamp_min(0.0);
//! let out = sage.forward(&graph, h)?;
//! assert_eq!(out.dims(), [4, 2]);
//! # Ok(())
//! # }
//! ```

mod activation;
mod decoder;
mod gat;
mod gcn;
mod gin;
mod mlp;
mod sage;
mod sampler;
mod segment;

pub use activation::Activation;
pub use decoder::{InnerProductDecoder, InnerProductDecoderConfig};
pub use gat::{Gat, GatConfig};
pub use gcn::{Gcn, GcnConfig};
pub use gin::{Gin, GinConfig};
pub use mlp::{Mlp, MlpConfig};
pub use sage::{Sage, SageConfig};
pub use sampler::{Fanout, NeighborSampler, SeedBatches, SubgraphBatch};
pub use segment::segment_softmax;

use burn::tensor::Tensor;

use crate::error::{GslError, Result};
use crate::tensor::ensure_finite;

/// Checks that node features `x` are `[num_nodes, width]`, that the graph is not empty and that
/// the features are finite. Shared by every layer's `forward`.
pub(crate) fn check_node_features(
    x: &Tensor<2>,
    num_nodes: usize,
    width: usize,
    context: &str,
) -> Result<()> {
    if num_nodes == 0 {
        return Err(GslError::EmptyGraph(format!(
            "{context}: the graph has no nodes"
        )));
    }
    let [n, f] = x.dims();
    if n != num_nodes || f != width {
        return Err(GslError::shape(
            format!("{context} node features"),
            format!("[{num_nodes}, {width}]"),
            format!("[{n}, {f}]"),
        ));
    }
    ensure_finite(x, &format!("{context} node features"))
}

/// Fails unless every layer width is positive.
pub(crate) fn check_widths(context: &str, widths: &[(&str, usize)]) -> Result<()> {
    match widths.iter().find(|(_, w)| *w == 0) {
        Some((name, _)) => Err(GslError::invalid(
            format!("{context}.{name}"),
            "layer widths must be at least 1",
        )),
        None => Ok(()),
    }
}
