//! Graph operators on sparse [`Graph`]s and dense batches `[B, N, N]`.
//!
//! - degree, self-loops and GCN normalisation (this module);
//! - Laplacians, sparse and dense ([`laplacian`], [`laplacian_dense`]);
//! - K-hop propagation `A^k X` ([`propagate`]);
//! - matrix polynomials in the monomial and Chebyshev bases ([`monomial_polynomial`],
//!   [`chebyshev_polynomial`], [`chebyshev_filter`], [`chebyshev_filter_sparse`]);
//! - largest eigenvalue by batched power iteration ([`largest_eigenvalue`]);
//! - structure edits: symmetrisation, diagonal removal, induced subgraphs ([`symmetrize`],
//!   [`zero_diagonal`], [`symmetrize_graph`], [`induced_subgraph`]);
//! - the implicit degree operator `S` of the smooth-signal models on half-vectors
//!   ([`degree_op`], [`degree_op_adjoint`]).
//!
//! Sparse operators take a [`Graph`] and keep its `O(E)` memory; dense ones take batches and
//! use batched matmuls, so a batch of graphs costs one batched op per step, not one per graph.

mod degree_operator;
mod laplacian;
mod polynomial;
mod spectral;
mod structure;

pub use degree_operator::{degree_op, degree_op_adjoint};
pub use laplacian::{LaplacianKind, inverse_sqrt_degrees, laplacian, laplacian_dense};
pub use polynomial::{
    chebyshev_filter, chebyshev_filter_sparse, chebyshev_polynomial, monomial_polynomial,
};
pub use spectral::{
    DEFAULT_POWER_ITERATIONS, DEFAULT_POWER_TOLERANCE, EigReport, largest_eigenvalue,
    normalize_by_largest_eigenvalue,
};
pub use structure::{induced_subgraph, symmetrize, symmetrize_graph, zero_diagonal};

use burn::tensor::{IndexingUpdateOp, Int, Tensor};

use crate::error::{GslError, Result};
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

/// K-hop propagation `A^k X`: `k` sparse products with [`Graph::spmm`] (`k = 0` returns `X`).
///
/// The usual input is a normalised graph such as [`gcn_norm`]`(graph)`, whose spectrum lies in
/// `(-1, 1]`, so repeated products neither blow up nor vanish (this is the SGC feature
/// propagation `Ŝ^K X` of Wu et al. 2019). Memory stays `O(E·F)`; gradients flow to `X` and to the
/// edge weights.
///
/// # Example
///
/// ```
/// use burn::tensor::Tensor;
/// use gsl_core::{BuildOptions, EdgeList, Graph, ops::propagate};
///
/// # fn main() -> gsl_core::Result<()> {
/// let device = gsl_core::device::device_from_name("flex")?;
/// // Directed path 0 → 1 → 2: A² sends the value of node 2 to node 0.
/// let edges = EdgeList::from_pairs(3, &[(0, 1), (1, 2)])?;
/// let graph = Graph::from_edges(&edges, BuildOptions::directed(), &device)?;
/// let x = Tensor::<2>::from_floats([[1.0], [2.0], [3.0]], &device);
/// let y = propagate(&graph, x, 2)?;
/// assert_eq!(gsl_core::tensor::to_vec_f32(y), vec![3.0, 0.0, 0.0]);
/// # Ok(())
/// # }
/// ```
pub fn propagate(graph: &Graph, x: Tensor<2>, k: usize) -> Result<Tensor<2>> {
    let [n, f] = x.dims();
    if n != graph.num_nodes() {
        return Err(GslError::shape(
            "propagate features",
            format!("[{}, F]", graph.num_nodes()),
            format!("[{n}, {f}]"),
        ));
    }
    crate::tensor::ensure_finite(&x, "propagate features")?;
    let mut h = x;
    for _ in 0..k {
        h = graph.spmm(h)?;
    }
    Ok(h)
}

/// Checks that `a` is a batch of square matrices `[B, N, N]` with `B, N >= 1` and finite
/// entries; returns `(B, N)`.
pub(crate) fn check_square_batch(a: &Tensor<3>, context: &str) -> Result<(usize, usize)> {
    let [b, n, n2] = a.dims();
    if n != n2 {
        return Err(GslError::shape(
            context,
            "[B, N, N]",
            format!("[{b}, {n}, {n2}]"),
        ));
    }
    if b == 0 || n == 0 {
        return Err(GslError::EmptyGraph(format!(
            "{context}: need B >= 1 and N >= 1, got [{b}, {n}, {n}]"
        )));
    }
    crate::tensor::ensure_finite(a, context)?;
    Ok((b, n))
}

/// The identity batch `[1, N, N]`, broadcastable against `[B, N, N]`.
pub(crate) fn eye_batch(n: usize, device: &burn::tensor::Device) -> Tensor<3> {
    Tensor::<2>::eye(n, device).unsqueeze_dim::<3>(0)
}
