//! Largest eigenvalue of symmetric matrices by batched power iteration, and normalisation by it.

use burn::tensor::{Device, Tensor, TensorData};

use super::check_square_batch;
use crate::error::{GslError, Result};

/// Iteration cap used by [`normalize_by_largest_eigenvalue`].
pub const DEFAULT_POWER_ITERATIONS: usize = 1000;
/// Relative tolerance used by [`normalize_by_largest_eigenvalue`].
pub const DEFAULT_POWER_TOLERANCE: f32 = 1e-6;

/// What [`largest_eigenvalue`] found, for every matrix of the batch.
#[derive(Debug, Clone)]
pub struct EigReport {
    /// Rayleigh quotient `vᵀAv` at the final vector, `[B]`: the signed eigenvalue of largest
    /// magnitude when that eigenvalue is unique in magnitude. When both `λ` and `−λ` are
    /// eigenvalues (e.g. the adjacency of a bipartite graph) the iterate does not settle and this
    /// value is meaningless; `spectral_radius` is still right.
    pub eigenvalue: Tensor<1>,
    /// `‖Av‖` at the final unit vector `v`, `[B]`: the spectral radius `max |λ|`. It increases
    /// monotonically with the iterations, so before convergence it is a lower bound.
    pub spectral_radius: Tensor<1>,
    /// The final unit iterate `v`, `[B, N]`.
    pub eigenvector: Tensor<2>,
    /// Number of matrix-vector products done.
    pub iterations: usize,
    /// Whether every batch member met the tolerance before the iteration cap.
    pub converged: bool,
}

/// The deterministic start vector `1 + ½·frac((i+1)·φ⁻¹)`, normalised: built on the host so it is
/// identical on every device, and a low-discrepancy sequence rather than a ramp so it is not
/// orthogonal to the eigenvectors of structured (e.g. path or ring) graphs.
fn start_vector(b: usize, n: usize, device: &Device) -> Tensor<3> {
    const INV_GOLDEN: f64 = 0.618_033_988_749_894_8;
    let v: Vec<f32> = (0..n)
        .map(|i| (1.0 + 0.5 * ((i as f64 + 1.0) * INV_GOLDEN).fract()) as f32)
        .collect();
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    let v: Vec<f32> = v.into_iter().map(|x| x / norm).collect();
    Tensor::<3>::from_data(TensorData::new(v, [1, n, 1]), device).expand([b, n, 1])
}

/// Largest-magnitude eigenvalue of every symmetric matrix in `a` `[B, N, N]` by power iteration
/// `v ← Av / ‖Av‖` (Golub & Van Loan, *Matrix Computations*, §8.2.1), all batch members at once.
///
/// Stops when the relative change of `‖Av‖` is at most `tol` for every member, or after `iters`
/// products. The start vector is fixed (see the source), so results are reproducible across
/// devices. No gradient flows through the iteration (the input is detached).
///
/// Errors: a non-square or empty batch, non-finite entries, a non-symmetric matrix (relative
/// asymmetry above `1e-4`), `iters = 0`, `tol` negative or not finite.
///
/// # Example
///
/// ```
/// use burn::tensor::Tensor;
/// use gsl_core::ops::largest_eigenvalue;
///
/// # fn main() -> gsl_core::Result<()> {
/// let device = gsl_core::device::device_from_name("flex")?;
/// // Eigenvalues 3 and 1.
/// let a = Tensor::<3>::from_floats([[[2.0, 1.0], [1.0, 2.0]]], &device);
/// let report = largest_eigenvalue(a, 200, 1e-7)?;
/// let lambda = gsl_core::tensor::to_vec_f32(report.eigenvalue)[0];
/// assert!(report.converged && (lambda - 3.0).abs() < 1e-4);
/// # Ok(())
/// # }
/// ```
pub fn largest_eigenvalue(a: Tensor<3>, iters: usize, tol: f32) -> Result<EigReport> {
    let (b, n) = check_square_batch(&a, "largest_eigenvalue")?;
    if iters == 0 {
        return Err(GslError::invalid("iters", "need at least one iteration"));
    }
    if !(tol.is_finite() && tol >= 0.0) {
        return Err(GslError::invalid(
            "tol",
            format!("must be finite and >= 0, got {tol}"),
        ));
    }
    let a = a.detach();
    let scale = a.clone().abs().max().into_scalar::<f32>();
    let asym = a
        .clone()
        .sub(a.clone().swap_dims(1, 2))
        .abs()
        .max()
        .into_scalar::<f32>();
    if asym > 1e-4 * scale {
        return Err(GslError::invalid(
            "a",
            format!("power iteration needs symmetric matrices; max |A − Aᵀ| = {asym}"),
        ));
    }
    let mut v = start_vector(b, n, &a.device());
    let mut prev_radius: Option<Tensor<1>> = None;
    let mut converged = false;
    let mut iterations = 0;
    let (mut radius, mut rayleigh) = (
        Tensor::<1>::zeros([b], &a.device()),
        Tensor::zeros([b], &a.device()),
    );
    while iterations < iters {
        iterations += 1;
        let av = a.clone().matmul(v.clone());
        radius = av.clone().square().sum_dim(1).sqrt().reshape([b]);
        rayleigh = v.clone().mul(av.clone()).sum_dim(1).reshape([b]);
        v = av.div(
            radius
                .clone()
                .clamp_min(f32::MIN_POSITIVE)
                .reshape([b, 1, 1]),
        );
        if let Some(prev) = prev_radius {
            // Relative test; the `<=` also accepts a zero matrix (0 ≤ tol·0).
            let done = radius
                .clone()
                .sub(prev)
                .abs()
                .lower_equal(radius.clone().mul_scalar(tol))
                .all()
                .into_scalar::<bool>();
            if done {
                converged = true;
                break;
            }
        }
        prev_radius = Some(radius.clone());
    }
    Ok(EigReport {
        eigenvalue: rayleigh,
        spectral_radius: radius,
        eigenvector: v.reshape([b, n]),
        iterations,
        converged,
    })
}

/// `A / ρ(A)` for every symmetric matrix of the batch, with the spectral radius `ρ` estimated by
/// [`largest_eigenvalue`] (`DEFAULT_POWER_ITERATIONS`, `DEFAULT_POWER_TOLERANCE`), so the
/// spectrum of the result lies in `[−1, 1]` (up to the estimate's tolerance). The estimate is a
/// constant for autodiff: gradients flow through `A` only.
///
/// Errors: those of [`largest_eigenvalue`], and a zero matrix (radius 0) in the batch.
pub fn normalize_by_largest_eigenvalue(a: Tensor<3>) -> Result<Tensor<3>> {
    let report = largest_eigenvalue(a.clone(), DEFAULT_POWER_ITERATIONS, DEFAULT_POWER_TOLERANCE)?;
    let b = a.dims()[0];
    let min = report.spectral_radius.clone().min().into_scalar::<f32>();
    if min <= 0.0 {
        return Err(GslError::invalid(
            "a",
            "a matrix of the batch is zero; it has no eigenvalue to normalise by",
        ));
    }
    Ok(a.div(report.spectral_radius.reshape([b, 1, 1])))
}
