//! Structure edits: symmetrisation, diagonal removal and induced subgraphs.

use burn::tensor::{IndexingUpdateOp, Int, Tensor, TensorData};

use super::{check_square_batch, eye_batch};
use crate::error::{GslError, Result};
use crate::graph::{BuildOptions, Duplicates, Graph, SelfLoops};
use crate::tensor::to_vec_i64;

/// `(A + Aᵀ) / 2` for every matrix of a batch `[B, N, N]`. Differentiable.
///
/// Errors: a non-square or empty batch, non-finite entries.
pub fn symmetrize(a: Tensor<3>) -> Result<Tensor<3>> {
    check_square_batch(&a, "symmetrize")?;
    Ok(a.clone().add(a.swap_dims(1, 2)).mul_scalar(0.5))
}

/// The batch `[B, N, N]` with every diagonal entry set to zero. Differentiable (the diagonal
/// gets a zero gradient).
///
/// Errors: a non-square or empty batch, non-finite entries.
pub fn zero_diagonal(a: Tensor<3>) -> Result<Tensor<3>> {
    let (_, n) = check_square_batch(&a, "zero_diagonal")?;
    let off_diagonal = eye_batch(n, &a.device()).neg().add_scalar(1.0);
    Ok(a.mul(off_diagonal))
}

/// The undirected version of a sparse graph: for every stored edge `(i, j)` in either direction
/// the result stores both `(i, j)` and `(j, i)`, with one weight per unordered pair merged over all
/// stored copies by `merge` (as in [`crate::EdgeList::build`]): `Max` gives the union with the
/// larger weight (the kNN-graph convention), `Sum` gives `A + Aᵀ` off the diagonal, `Mean`
/// averages the stored copies, `Reject` fails when a pair is stored more than once (including
/// once per direction). Self-loops are kept, once per node. The result is sorted by
/// `(src, dst)`; an unweighted input gives an unweighted output unless `merge` is `Sum`.
///
/// Runs on the host (the edge list is read back, merged in `O(E log E)` and uploaded).
pub fn symmetrize_graph(graph: &Graph, merge: Duplicates) -> Result<Graph> {
    let options = BuildOptions {
        symmetrize: true,
        duplicates: merge,
        self_loops: SelfLoops::Keep,
    };
    Graph::from_edges(&graph.to_edge_list(), options, &graph.device())
}

/// The subgraph induced by `nodes`: node `nodes[l]` of `graph` becomes local node `l`, and every
/// edge whose two ends are both in `nodes` is kept with its weight. Returns the subgraph and, for
/// each kept edge in order, its index in `graph`'s edge list (to carry edge features along).
///
/// The edge filter runs on the device: a node → local-id map is scattered into an `[N]` tensor,
/// gathered at both ends of every edge, and the edges with both ends present are selected.
///
/// Errors: empty `nodes` ([`GslError::EmptyGraph`]), an id `>= N`
/// ([`GslError::NodeOutOfRange`]), a repeated id ([`GslError::InvalidArgument`]).
///
/// # Example
///
/// ```
/// use gsl_core::{BuildOptions, EdgeList, Graph, ops::induced_subgraph};
///
/// # fn main() -> gsl_core::Result<()> {
/// let device = gsl_core::device::device_from_name("flex")?;
/// let edges = EdgeList::from_pairs(4, &[(0, 1), (1, 2), (2, 3)])?;
/// let graph = Graph::from_edges(&edges, BuildOptions::directed(), &device)?;
/// // Nodes 2 and 1 become local 0 and 1; only the edge 1 → 2 (index 1) survives, as 1 → 0.
/// let (sub, kept) = induced_subgraph(&graph, &[2, 1])?;
/// assert_eq!(kept, vec![1]);
/// assert_eq!(sub.to_edge_list().src(), &[1]);
/// assert_eq!(sub.to_edge_list().dst(), &[0]);
/// # Ok(())
/// # }
/// ```
pub fn induced_subgraph(graph: &Graph, nodes: &[usize]) -> Result<(Graph, Vec<usize>)> {
    let n = graph.num_nodes();
    if nodes.is_empty() {
        return Err(GslError::EmptyGraph(
            "induced_subgraph: no nodes selected".into(),
        ));
    }
    let mut seen = vec![false; n];
    for &v in nodes {
        if v >= n {
            return Err(GslError::NodeOutOfRange {
                id: v as i64,
                num_nodes: n,
            });
        }
        if std::mem::replace(&mut seen[v], true) {
            return Err(GslError::invalid(
                "nodes",
                format!("node {v} is listed more than once"),
            ));
        }
    }
    let m = nodes.len();
    let device = graph.device();
    let empty = |device| {
        let index = Tensor::<2, Int>::from_data(TensorData::new(Vec::<i64>::new(), [2, 0]), device);
        let weights = graph
            .edge_weight()
            .map(|_| Tensor::<1>::from_data(TensorData::new(Vec::<f32>::new(), [0]), device));
        Graph::new(m, index, weights).map(|g| (g, Vec::new()))
    };
    if graph.num_edges() == 0 {
        return empty(&device);
    }
    let ids: Vec<i64> = nodes.iter().map(|&v| v as i64).collect();
    let ids = Tensor::<1, Int>::from_data(TensorData::new(ids, [m]), &device);
    // `local + 1` for selected nodes and 0 elsewhere, so "present" is simply `> 0`.
    let local_plus_one = Tensor::<1, Int>::zeros([n], &device).select_assign(
        0,
        ids,
        Tensor::arange(1..m as i64 + 1, &device),
        IndexingUpdateOp::Add,
    );
    let src = local_plus_one.clone().select(0, graph.src());
    let dst = local_plus_one.select(0, graph.dst());
    let keep = src
        .clone()
        .greater_elem(0)
        .bool_and(dst.clone().greater_elem(0));
    let count = keep.clone().int().sum().into_scalar::<i64>();
    if count == 0 {
        return empty(&device);
    }
    let kept = keep.argwhere().reshape([count as usize]);
    let edge_index = Tensor::stack::<2>(
        vec![
            src.select(0, kept.clone()).sub_scalar(1),
            dst.select(0, kept.clone()).sub_scalar(1),
        ],
        0,
    );
    let weights = graph
        .edge_weight()
        .map(|w| w.clone().select(0, kept.clone()));
    let sub = Graph::new(m, edge_index, weights)?;
    let kept = to_vec_i64(kept).into_iter().map(|e| e as usize).collect();
    Ok((sub, kept))
}
