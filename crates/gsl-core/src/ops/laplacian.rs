//! Graph Laplacians, as sparse [`Graph`]s and on dense batches.

use burn::tensor::{Int, Tensor};

use super::{check_square_batch, degree, eye_batch, inv_sqrt_or_zero};
use crate::error::{GslError, Result};
use crate::graph::Graph;

/// Which Laplacian to build from an adjacency `A` with (out-)degrees `D = diag(A·1)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum LaplacianKind {
    /// `L = D − A`: positive semidefinite for symmetric non-negative `A`, rows sum to zero.
    Combinatorial,
    /// `L = I − D^{-1/2} A D^{-1/2}` (Chung 1997): eigenvalues in `[0, 2]` for symmetric `A`.
    SymmetricNormalized,
    /// `L = I − D^{-1} A`: the generator of the random walk `D^{-1} A`.
    RandomWalk,
}

/// Fails with [`GslError::InvalidArgument`] when a weight is negative: the normalised forms take
/// square roots of degrees and the spectral guarantees assume `A >= 0`.
fn ensure_non_negative_weights(graph: &Graph) -> Result<()> {
    if let Some(w) = graph.edge_weight()
        && graph.num_edges() > 0
    {
        let min = w.clone().min().into_scalar::<f32>();
        if min < 0.0 {
            return Err(GslError::invalid(
                "edge weights",
                format!("Laplacians need non-negative weights, found {min}"),
            ));
        }
    }
    Ok(())
}

/// The Laplacian of `graph` as a sparse [`Graph`]: one entry per edge (the off-diagonal part,
/// `−w_ij` scaled as `kind` requires) followed by one diagonal entry per node.
///
/// Degrees are out-degrees (row sums), so for a directed graph this is the out-degree Laplacian.
/// For an isolated node the normalised forms use `0` for `d^{-1/2}` and `d^{-1}`, so its row is
/// the identity row (`L_ii = 1`) rather than a division by zero. A self-loop of the input stays a
/// separate entry next to the diagonal entry; [`Graph::to_dense`] and [`Graph::spmm`] add them,
/// which gives the correct `L_ii = d_i − a_ii` (combinatorial) or `1 − a_ii/d_i` (normalised).
///
/// Errors: a graph without nodes ([`GslError::EmptyGraph`]), negative weights
/// ([`GslError::InvalidArgument`]).
///
/// # Example
///
/// ```
/// use gsl_core::{BuildOptions, EdgeList, Graph};
/// use gsl_core::ops::{LaplacianKind, laplacian};
///
/// # fn main() -> gsl_core::Result<()> {
/// let device = gsl_core::device::device_from_name("flex")?;
/// let edges = EdgeList::from_pairs(3, &[(0, 1), (1, 2)])?;
/// let graph = Graph::from_edges(&edges, BuildOptions::default(), &device)?;
/// let l = laplacian(&graph, LaplacianKind::Combinatorial)?.to_dense();
/// assert_eq!(
///     gsl_core::tensor::to_vec_f32(l),
///     vec![1.0, -1.0, 0.0, -1.0, 2.0, -1.0, 0.0, -1.0, 1.0]
/// );
/// # Ok(())
/// # }
/// ```
pub fn laplacian(graph: &Graph, kind: LaplacianKind) -> Result<Graph> {
    let n = graph.num_nodes();
    if n == 0 {
        return Err(GslError::EmptyGraph("laplacian: graph has no nodes".into()));
    }
    ensure_non_negative_weights(graph)?;
    let device = graph.device();
    let w = graph.weights_or_ones();
    let deg = degree(graph);
    let (off_diagonal, diagonal) = match kind {
        LaplacianKind::Combinatorial => (w.neg(), deg),
        LaplacianKind::SymmetricNormalized => {
            let dinv = inv_sqrt_or_zero(deg);
            let scaled = dinv
                .clone()
                .select(0, graph.src())
                .mul(w)
                .mul(dinv.select(0, graph.dst()));
            (scaled.neg(), Tensor::ones([n], &device))
        }
        LaplacianKind::RandomWalk => {
            let positive = deg.clone().greater_elem(0.0);
            let dinv = deg
                .clamp_min(f32::MIN_POSITIVE)
                .recip()
                .mask_fill(positive.bool_not(), 0.0);
            (
                dinv.select(0, graph.src()).mul(w).neg(),
                Tensor::ones([n], &device),
            )
        }
    };
    let nodes = Tensor::<1, Int>::arange(0..n as i64, &device);
    let diagonal_index = Tensor::stack::<2>(vec![nodes.clone(), nodes], 0);
    let edge_index = Tensor::cat(vec![graph.edge_index().clone(), diagonal_index], 1);
    Graph::new(
        n,
        edge_index,
        Some(Tensor::cat(vec![off_diagonal, diagonal], 0)),
    )
}

/// `d^{-1/2}` of batched degrees `[B, N, 1]`, with `0` where `d ≤ 0` (isolated nodes, and the
/// negative degrees of signed matrices such as covariances). The factor of the symmetric
/// normalisation `D^{-1/2} A D^{-1/2}`.
pub fn inverse_sqrt_degrees(deg: Tensor<3>) -> Tensor<3> {
    let positive = deg.clone().greater_elem(0.0);
    deg.clamp_min(f32::MIN_POSITIVE)
        .sqrt()
        .recip()
        .mask_fill(positive.bool_not(), 0.0)
}

/// The Laplacian of every adjacency in a dense batch `[B, N, N]`, as `[B, N, N]`.
///
/// Same conventions as [`laplacian`]: degrees are row sums, and isolated nodes get `0` for
/// `d^{-1/2}` / `d^{-1}` in the normalised forms (an identity row). Differentiable w.r.t. `a`.
///
/// Errors: a non-square or empty batch, non-finite entries, negative entries.
pub fn laplacian_dense(a: Tensor<3>, kind: LaplacianKind) -> Result<Tensor<3>> {
    let (_, n) = check_square_batch(&a, "laplacian_dense")?;
    let min = a.clone().min().into_scalar::<f32>();
    if min < 0.0 {
        return Err(GslError::invalid(
            "adjacency",
            format!("Laplacians need non-negative entries, found {min}"),
        ));
    }
    let device = a.device();
    let eye = eye_batch(n, &device);
    let deg = a.clone().sum_dim(2); // [B, N, 1]
    Ok(match kind {
        LaplacianKind::Combinatorial => eye.mul(deg).sub(a),
        LaplacianKind::SymmetricNormalized => {
            let dinv = inverse_sqrt_degrees(deg);
            let normalized = dinv.clone().mul(a).mul(dinv.swap_dims(1, 2));
            eye.sub(normalized)
        }
        LaplacianKind::RandomWalk => {
            let positive = deg.clone().greater_elem(0.0);
            let dinv = deg
                .clamp_min(f32::MIN_POSITIVE)
                .recip()
                .mask_fill(positive.bool_not(), 0.0);
            eye.sub(dinv.mul(a))
        }
    })
}
