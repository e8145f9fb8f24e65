//! Matrix polynomials on dense batches: the monomial basis `Σ c_k A^k` and the Chebyshev basis
//! `Σ c_k T_k(L̃)` of ChebNet (Defferrard, Bresson & Vandergheynst 2016, eq. 4–5).

use burn::tensor::Tensor;

use super::{check_square_batch, eye_batch};
use crate::error::{GslError, Result};
use crate::graph::Graph;
use crate::tensor::ensure_finite;

/// Checks coefficients `[B or 1, K+1]` against a batch of `b` and returns them expanded to
/// `[b, K+1]`.
fn expand_coeffs(coeffs: Tensor<2>, b: usize, context: &str) -> Result<Tensor<2>> {
    let [cb, terms] = coeffs.dims();
    if terms == 0 || (cb != b && cb != 1) {
        return Err(GslError::shape(
            context,
            format!("[{b} or 1, K+1] with K+1 >= 1"),
            format!("[{cb}, {terms}]"),
        ));
    }
    ensure_finite(&coeffs, context)?;
    Ok(coeffs.expand([b, terms]))
}

/// Coefficient `k` of every batch member, shaped `[B, 1, 1]` to scale whole matrices.
fn coeff(coeffs: &Tensor<2>, k: usize) -> Tensor<3> {
    coeffs.clone().narrow(1, k, 1).unsqueeze_dim::<3>(2)
}

/// Checks `lambda_max` (`[B]` or `[1]`, finite, positive) and returns it as `[B', 1, 1]`.
fn check_lambda_max(lambda_max: Tensor<1>, b: usize) -> Result<Tensor<3>> {
    let [lb] = lambda_max.dims();
    if lb != b && lb != 1 {
        return Err(GslError::shape(
            "chebyshev lambda_max",
            format!("[{b}] or [1]"),
            format!("[{lb}]"),
        ));
    }
    ensure_finite(&lambda_max, "chebyshev lambda_max")?;
    let min = lambda_max.clone().min().into_scalar::<f32>();
    if min <= 0.0 {
        return Err(GslError::invalid(
            "lambda_max",
            format!("must be positive, got {min}"),
        ));
    }
    Ok(lambda_max.reshape([lb, 1, 1]))
}

/// `Σ_k c[b, k] A_b^k` for a batch `a` `[B, N, N]` and coefficients `[B, K+1]` (or `[1, K+1]`,
/// shared by the whole batch), evaluated by Horner's rule with `K` batched matmuls.
///
/// Differentiable w.r.t. `a` and `coeffs`. Errors: a non-square or empty batch, non-finite
/// input, coefficients of the wrong shape (including `K + 1 = 0`).
///
/// # Example
///
/// ```
/// use burn::tensor::Tensor;
/// use gsl_core::ops::monomial_polynomial;
///
/// # fn main() -> gsl_core::Result<()> {
/// let device = gsl_core::device::device_from_name("flex")?;
/// // 1 + 2A + A² for A = [[0, 1], [1, 0]] (A² = I): [[2, 2], [2, 2]].
/// let a = Tensor::<3>::from_floats([[[0.0, 1.0], [1.0, 0.0]]], &device);
/// let c = Tensor::<2>::from_floats([[1.0, 2.0, 1.0]], &device);
/// let p = monomial_polynomial(a, c)?;
/// assert_eq!(gsl_core::tensor::to_vec_f32(p), vec![2.0, 2.0, 2.0, 2.0]);
/// # Ok(())
/// # }
/// ```
pub fn monomial_polynomial(a: Tensor<3>, coeffs: Tensor<2>) -> Result<Tensor<3>> {
    let (b, n) = check_square_batch(&a, "monomial_polynomial")?;
    let coeffs = expand_coeffs(coeffs, b, "monomial_polynomial coeffs")?;
    let terms = coeffs.dims()[1];
    let eye = eye_batch(n, &a.device());
    let mut p = coeff(&coeffs, terms - 1).mul(eye.clone());
    for k in (0..terms - 1).rev() {
        p = p.matmul(a.clone()).add(coeff(&coeffs, k).mul(eye.clone()));
    }
    Ok(p)
}

/// `Σ_k c[b, k] T_k(L̃_b)` with the rescaled operator `L̃ = 2L/λ_max − I` and the Chebyshev
/// recurrence `T_0 = I`, `T_1 = L̃`, `T_k = 2 L̃ T_{k−1} − T_{k−2}` (Defferrard et al. 2016,
/// eq. 4). `lambda_max` is `[B]` (or `[1]`, shared) and must be positive; with the true largest
/// eigenvalue of a symmetric `L`, the spectrum of `L̃` lies in `[−1, 1]`.
///
/// Differentiable w.r.t. `l`, `coeffs` and `lambda_max`. Errors as for
/// [`monomial_polynomial`], plus a non-positive or mis-shaped `lambda_max`.
pub fn chebyshev_polynomial(
    l: Tensor<3>,
    coeffs: Tensor<2>,
    lambda_max: Tensor<1>,
) -> Result<Tensor<3>> {
    let (b, n) = check_square_batch(&l, "chebyshev_polynomial")?;
    let coeffs = expand_coeffs(coeffs, b, "chebyshev_polynomial coeffs")?;
    let lambda = check_lambda_max(lambda_max, b)?;
    let eye = eye_batch(n, &l.device()).expand([b, n, n]);
    let scaled = l.mul_scalar(2.0).div(lambda).sub(eye.clone());
    Ok(chebyshev_sum(&scaled, eye, || scaled.clone(), &coeffs))
}

/// The Chebyshev filter of [`chebyshev_polynomial`] applied to signals `x` `[B, N, F]` without
/// forming the matrix powers: `X_0 = X`, `X_1 = L̃X`, `X_k = 2 L̃ X_{k−1} − X_{k−2}`, output
/// `Σ c_k X_k` `[B, N, F]`. Costs `K` batched products with `[N, F]` signals instead of `K`
/// `N × N` matmuls.
///
/// Differentiable w.r.t. `l`, `x`, `coeffs` and `lambda_max`. Errors as for
/// [`chebyshev_polynomial`], plus signals whose batch or node count disagrees with `l`.
pub fn chebyshev_filter(
    l: Tensor<3>,
    x: Tensor<3>,
    coeffs: Tensor<2>,
    lambda_max: Tensor<1>,
) -> Result<Tensor<3>> {
    let (b, n) = check_square_batch(&l, "chebyshev_filter")?;
    let [xb, xn, f] = x.dims();
    if xb != b || xn != n {
        return Err(GslError::shape(
            "chebyshev_filter signals",
            format!("[{b}, {n}, F]"),
            format!("[{xb}, {xn}, {f}]"),
        ));
    }
    ensure_finite(&x, "chebyshev_filter signals")?;
    let coeffs = expand_coeffs(coeffs, b, "chebyshev_filter coeffs")?;
    let lambda = check_lambda_max(lambda_max, b)?;
    let eye = eye_batch(n, &l.device());
    let scaled = l.mul_scalar(2.0).div(lambda).sub(eye);
    Ok(chebyshev_sum(
        &scaled,
        x.clone(),
        || scaled.clone().matmul(x),
        &coeffs,
    ))
}

/// `Σ_k c[b, k] X_k` for the Chebyshev recurrence `X_k = 2 L̃ X_{k−1} − X_{k−2}` started from
/// `X_0` and `X_1` (computed only when there are at least two terms). Shared by the matrix form
/// (`X_0 = I`, `X_1 = L̃`) and the filter form (`X_0 = X`, `X_1 = L̃X`).
fn chebyshev_sum(
    scaled: &Tensor<3>,
    x0: Tensor<3>,
    x1: impl FnOnce() -> Tensor<3>,
    coeffs: &Tensor<2>,
) -> Tensor<3> {
    let terms = coeffs.dims()[1];
    let mut sum = coeff(coeffs, 0).mul(x0.clone());
    if terms == 1 {
        return sum;
    }
    let (mut prev, mut cur) = (x0, x1());
    sum = sum.add(coeff(coeffs, 1).mul(cur.clone()));
    for k in 2..terms {
        let next = scaled.clone().matmul(cur.clone()).mul_scalar(2.0).sub(prev);
        sum = sum.add(coeff(coeffs, k).mul(next.clone()));
        prev = cur;
        cur = next;
    }
    sum
}

/// The Chebyshev filter on a sparse operator: `Σ_k c_k T_k(L̃) X` for `X` `[N, F]`, with
/// `L̃ = 2L/λ_max − I` applied through [`Graph::spmm`], so memory stays `O(E·F)` (the ChebNet
/// layer of Defferrard et al. 2016, eq. 5). `laplacian` is usually [`super::laplacian`]'s output
/// and `coeffs` is `[K+1]`.
///
/// Differentiable w.r.t. `x`, `coeffs` and the operator's edge weights. Errors: mismatched `x`,
/// empty or non-finite `coeffs`, non-finite `x`, `lambda_max` not finite and positive.
pub fn chebyshev_filter_sparse(
    laplacian: &Graph,
    x: Tensor<2>,
    coeffs: Tensor<1>,
    lambda_max: f32,
) -> Result<Tensor<2>> {
    let [n, f] = x.dims();
    if n != laplacian.num_nodes() {
        return Err(GslError::shape(
            "chebyshev_filter_sparse signals",
            format!("[{}, F]", laplacian.num_nodes()),
            format!("[{n}, {f}]"),
        ));
    }
    ensure_finite(&x, "chebyshev_filter_sparse signals")?;
    let [terms] = coeffs.dims();
    if terms == 0 {
        return Err(GslError::shape(
            "chebyshev_filter_sparse coeffs",
            "[K+1] with K+1 >= 1",
            "[0]",
        ));
    }
    ensure_finite(&coeffs, "chebyshev_filter_sparse coeffs")?;
    if !(lambda_max.is_finite() && lambda_max > 0.0) {
        return Err(GslError::invalid(
            "lambda_max",
            format!("must be finite and positive, got {lambda_max}"),
        ));
    }
    let apply = |h: Tensor<2>| -> Result<Tensor<2>> {
        Ok(laplacian
            .spmm(h.clone())?
            .mul_scalar(2.0 / lambda_max)
            .sub(h))
    };
    let c = |k: usize| coeffs.clone().narrow(0, k, 1).unsqueeze_dim::<2>(0);
    let mut sum = c(0).mul(x.clone());
    if terms == 1 {
        return Ok(sum);
    }
    let (mut prev, mut cur) = (x.clone(), apply(x)?);
    sum = sum.add(c(1).mul(cur.clone()));
    for k in 2..terms {
        let next = apply(cur.clone())?.mul_scalar(2.0).sub(prev);
        sum = sum.add(c(k).mul(next.clone()));
        prev = cur;
        cur = next;
    }
    Ok(sum)
}
