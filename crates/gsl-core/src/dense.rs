//! Dense adjacency batches `[B, N, N]` and the half-vector form `[B, N(N−1)/2]`.
//!
//! The half-vector of a symmetric matrix with zero diagonal is its strict upper triangle read
//! row by row: `(0,1), (0,2), …, (0,N−1), (1,2), …`. This is the variable of the smooth-signal
//! graph-learning models; [`halfvec`] and [`from_halfvec`] are differentiable.

use burn::tensor::{Device, IndexingUpdateOp, Int, Tensor, TensorData};

use crate::error::{GslError, Result};
use crate::graph::Graph;

/// Length of the half-vector of an `n × n` matrix: `n(n−1)/2`.
pub fn halfvec_len(n: usize) -> usize {
    n * n.saturating_sub(1) / 2
}

/// Recovers `n` from a half-vector length, or fails if `len` is not triangular.
pub fn num_nodes_from_halfvec_len(len: usize) -> Result<usize> {
    // n = (1 + sqrt(1 + 8 len)) / 2, checked exactly.
    let n = ((1.0 + (1.0 + 8.0 * len as f64).sqrt()) / 2.0).round() as usize;
    if halfvec_len(n) == len && n >= 2 {
        Ok(n)
    } else {
        Err(GslError::invalid(
            "halfvec",
            format!("length {len} is not n(n-1)/2 for any n >= 2"),
        ))
    }
}

/// Row and column of every half-vector position, in half-vector order.
pub fn upper_triangle_pairs(n: usize) -> (Vec<usize>, Vec<usize>) {
    let m = halfvec_len(n);
    let mut rows = Vec::with_capacity(m);
    let mut cols = Vec::with_capacity(m);
    for i in 0..n {
        for j in i + 1..n {
            rows.push(i);
            cols.push(j);
        }
    }
    (rows, cols)
}

/// Flat (`i·n + j`) positions of the strict upper triangle, and of its mirror image.
fn upper_flat_indices(n: usize, device: &Device) -> (Tensor<1, Int>, Tensor<1, Int>) {
    let (rows, cols) = upper_triangle_pairs(n);
    let m = rows.len();
    let upper: Vec<i64> = rows
        .iter()
        .zip(&cols)
        .map(|(&i, &j)| (i * n + j) as i64)
        .collect();
    let lower: Vec<i64> = rows
        .iter()
        .zip(&cols)
        .map(|(&i, &j)| (j * n + i) as i64)
        .collect();
    (
        Tensor::from_data(TensorData::new(upper, [m]), device),
        Tensor::from_data(TensorData::new(lower, [m]), device),
    )
}

fn check_square_batch(a: &Tensor<3>, context: &str) -> Result<(usize, usize)> {
    let [b, n, n2] = a.dims();
    if n != n2 {
        return Err(GslError::shape(
            context,
            "[B, N, N]",
            format!("[{b}, {n}, {n2}]"),
        ));
    }
    if n < 2 {
        return Err(GslError::EmptyGraph(format!(
            "{context}: need at least 2 nodes, got {n}"
        )));
    }
    Ok((b, n))
}

/// Strict upper triangle of each matrix in a batch `[B, N, N]`, as `[B, N(N−1)/2]`.
pub fn halfvec(a: Tensor<3>) -> Result<Tensor<2>> {
    let (b, n) = check_square_batch(&a, "halfvec")?;
    let (upper, _) = upper_flat_indices(n, &a.device());
    Ok(a.reshape([b, n * n]).select(1, upper))
}

/// Symmetric matrices with zero diagonal from half-vectors `[B, N(N−1)/2]`, as `[B, N, N]`.
pub fn from_halfvec(w: Tensor<2>) -> Result<Tensor<3>> {
    let [b, m] = w.dims();
    let n = num_nodes_from_halfvec_len(m)?;
    let (upper, lower) = upper_flat_indices(n, &w.device());
    let zeros = Tensor::<2>::zeros([b, n * n], &w.device());
    Ok(zeros
        .select_assign(1, upper, w.clone(), IndexingUpdateOp::Add)
        .select_assign(1, lower, w, IndexingUpdateOp::Add)
        .reshape([b, n, n]))
}

/// Stacks graphs with the same node count into a dense batch `[B, N, N]`.
pub fn dense_batch(graphs: &[Graph]) -> Result<Tensor<3>> {
    let first = graphs
        .first()
        .ok_or_else(|| GslError::invalid("graphs", "need at least one graph"))?;
    let n = first.num_nodes();
    if let Some(g) = graphs.iter().find(|g| g.num_nodes() != n) {
        return Err(GslError::shape("dense_batch node count", n, g.num_nodes()));
    }
    Ok(Tensor::stack(
        graphs.iter().map(Graph::to_dense).collect(),
        0,
    ))
}

/// The sparse graph of the entries of a dense adjacency `[N, N]` whose absolute value exceeds
/// `threshold`, weighted by those entries.
pub fn graph_from_dense(a: Tensor<2>, threshold: f32) -> Result<Graph> {
    let [n, n2] = a.dims();
    if n != n2 {
        return Err(GslError::shape(
            "graph_from_dense",
            "[N, N]",
            format!("[{n}, {n2}]"),
        ));
    }
    crate::tensor::ensure_finite(&a, "dense adjacency")?;
    let device = a.device();
    let mut rows_cols = a.clone().abs().greater_elem(threshold).nonzero();
    // `nonzero` returns no index tensors at all when nothing passes the threshold.
    let (Some(dst), Some(src)) = (rows_cols.pop(), rows_cols.pop()) else {
        return Ok(crate::graph::EdgeList::new(n, vec![], vec![], None)?.to_graph(&device));
    };
    let weights = a
        .reshape([n * n])
        .select(0, src.clone().mul_scalar(n as i64).add(dst.clone()));
    let edge_index = Tensor::stack::<2>(vec![src, dst], 0);
    Graph::new(n, edge_index.to_device(&device), Some(weights))
}
