//! The implicit degree operator `S` of the smooth-signal graph-learning models.
//!
//! For a symmetric weight matrix with zero diagonal stored as its half-vector `w` (order of
//! [`crate::dense::upper_triangle_pairs`]), the degree vector is `d = S w` with
//! `S ∈ {0,1}^{N × N(N−1)/2}` (Kalofolias 2016, "How to learn a graph from smooth signals",
//! §3, the operator written `S` there). `S` is never materialised: `S w` scatter-adds every pair
//! weight onto both of its ends, and `Sᵀ v` gathers `v_i + v_j` for every pair.

use burn::tensor::{Device, IndexingUpdateOp, Int, Tensor, TensorData};

use crate::dense::{halfvec_len, upper_triangle_pairs};
use crate::error::{GslError, Result};
use crate::tensor::ensure_finite;

/// Row and column ids of every half-vector position, as device tensors `[M]`.
fn pair_index(n: usize, device: &Device) -> (Tensor<1, Int>, Tensor<1, Int>) {
    let (rows, cols) = upper_triangle_pairs(n);
    let m = rows.len();
    let to_tensor = |v: Vec<usize>| {
        let v: Vec<i64> = v.into_iter().map(|x| x as i64).collect();
        Tensor::<1, Int>::from_data(TensorData::new(v, [m]), device)
    };
    (to_tensor(rows), to_tensor(cols))
}

/// Degrees `S·w` `[B, N]` of half-vectors `w` `[B, N(N−1)/2]`: `d_i = Σ_{j≠i} w_ij`.
/// Differentiable w.r.t. `w`.
///
/// Errors: `n < 2`, a length other than `n(n−1)/2`, non-finite `w`.
///
/// # Example
///
/// ```
/// use burn::tensor::Tensor;
/// use gsl_core::ops::degree_op;
///
/// # fn main() -> gsl_core::Result<()> {
/// let device = gsl_core::device::device_from_name("flex")?;
/// // Pairs (0,1), (0,2), (1,2) with weights 1, 2, 3.
/// let w = Tensor::<2>::from_floats([[1.0, 2.0, 3.0]], &device);
/// let d = degree_op(w, 3)?;
/// assert_eq!(gsl_core::tensor::to_vec_f32(d), vec![3.0, 4.0, 5.0]);
/// # Ok(())
/// # }
/// ```
pub fn degree_op(w: Tensor<2>, n: usize) -> Result<Tensor<2>> {
    let [b, m] = w.dims();
    if n < 2 {
        return Err(GslError::invalid("n", format!("need n >= 2, got {n}")));
    }
    if m != halfvec_len(n) {
        return Err(GslError::shape(
            "degree_op half-vectors",
            format!("[B, {}]", halfvec_len(n)),
            format!("[{b}, {m}]"),
        ));
    }
    ensure_finite(&w, "degree_op half-vectors")?;
    let (rows, cols) = pair_index(n, &w.device());
    Ok(Tensor::<2>::zeros([b, n], &w.device())
        .select_assign(1, rows, w.clone(), IndexingUpdateOp::Add)
        .select_assign(1, cols, w, IndexingUpdateOp::Add))
}

/// The adjoint `Sᵀ·v` `[B, N(N−1)/2]` of [`degree_op`] for `v` `[B, N]`: entry `(i, j)` is
/// `v_i + v_j`. Satisfies `⟨S w, v⟩ = ⟨w, Sᵀ v⟩`. Differentiable w.r.t. `v`.
///
/// Errors: `N < 2`, non-finite `v`.
pub fn degree_op_adjoint(v: Tensor<2>) -> Result<Tensor<2>> {
    let [b, n] = v.dims();
    if n < 2 {
        return Err(GslError::invalid(
            "v",
            format!("need at least 2 nodes, got [{b}, {n}]"),
        ));
    }
    ensure_finite(&v, "degree_op_adjoint")?;
    let (rows, cols) = pair_index(n, &v.device());
    Ok(v.clone().select(1, rows).add(v.select(1, cols)))
}
