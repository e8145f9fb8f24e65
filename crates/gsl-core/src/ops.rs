//! Graph operators on sparse [`Graph`]s and dense batches.

use burn::tensor::{IndexingUpdateOp, Int, Tensor};

use crate::error::Result;
use crate::graph::Graph;

/// Weighted out-degree `d_i = Σ_j A[i, j]` of every node, `[N]`.
pub fn degree(graph: &Graph) -> Tensor<1> {
    let device = graph.device();
    Tensor::<1>::zeros([graph.num_nodes()], &device).select_assign(
        0,
        graph.src(),
        graph.weights_or_ones(),
        IndexingUpdateOp::Add,
    )
}

/// The graph with a self-loop of weight `fill` appended on every node (`A + fill·I`).
/// Existing self-loops are kept, so their weights add up in products.
pub fn add_self_loops(graph: &Graph, fill: f32) -> Result<Graph> {
    let device = graph.device();
    let n = graph.num_nodes();
    let loops = Tensor::<1, Int>::arange(0..n as i64, &device);
    let loop_index = Tensor::stack::<2>(vec![loops.clone(), loops], 0);
    let edge_index = Tensor::cat(vec![graph.edge_index().clone(), loop_index], 1);
    let weights = Tensor::cat(
        vec![graph.weights_or_ones(), Tensor::full([n], fill, &device)],
        0,
    );
    Graph::new(n, edge_index, Some(weights))
}

/// `x^{-1/2}` with zero where `x <= 0` (isolated nodes get a zero row, not an infinity).
pub(crate) fn inv_sqrt_or_zero(x: Tensor<1>) -> Tensor<1> {
    let positive = x.clone().greater_elem(0.0);
    x.clamp_min(f32::MIN_POSITIVE)
        .sqrt()
        .recip()
        .mask_fill(positive.bool_not(), 0.0)
}

/// GCN normalisation `D̂^{-1/2} (A + I) D̂^{-1/2}` (Kipf & Welling 2017, eq. 2), returned as a
/// weighted graph that includes the self-loops.
pub fn gcn_norm(graph: &Graph) -> Result<Graph> {
    let with_loops = add_self_loops(graph, 1.0)?;
    let dinv = inv_sqrt_or_zero(degree(&with_loops));
    let w = dinv
        .clone()
        .select(0, with_loops.src())
        .mul(with_loops.weights_or_ones())
        .mul(dinv.select(0, with_loops.dst()));
    with_loops.with_weights(w)
}
