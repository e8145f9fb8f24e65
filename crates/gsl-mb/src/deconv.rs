//! Network deconvolution (Feizi, Marbach, Médard & Kellis, Nature Biotechnology 2013).
//!
//! An observed dependency matrix is modelled as the direct one plus every indirect path,
//! `G_obs = G_dir + G_dir² + … = G_dir (I − G_dir)⁻¹`, so on the eigenvalues `μ = λ / (1 − λ)`
//! and the direct matrix follows by the map `μ → μ / (1 + μ)`. With a scale `α` on the observed
//! matrix (the paper scales it so the direct spectrum stays below a chosen bound), the map is
//! `μ → μ / (1 + αμ)`, applied in the eigenbasis of `G_obs`.
//!
//! The symmetric eigendecomposition runs on the host in f64 with nalgebra, one problem after the
//! other: Burn has no batched eigendecomposition, and network deconvolution is used on small
//! matrices (tens to a few hundred nodes). The result is uploaded to the input's device.

use burn::tensor::{Tensor, TensorData};
use gsl_core::tensor::{ensure_finite, to_vec_f32};
use gsl_core::{GslError, Result};
use nalgebra::{DMatrix, SymmetricEigen};

use crate::linalg::{check_square, check_symmetric};

/// Smallest `|1 + αμ|` accepted: closer to zero the map blows up (the observed matrix has an
/// eigenvalue at `−1/α`, which no direct matrix produces).
const POLE_TOLERANCE: f64 = 1e-9;

/// Deconvolves a batch of symmetric observed matrices `g` `[B, N, N]`: each becomes
/// `U diag(μ_k / (1 + αμ_k)) Uᵀ` for its eigendecomposition `U diag(μ) Uᵀ`. With `α = 1` this
/// inverts `G_obs = G_dir (I − G_dir)⁻¹` exactly; smaller `α` removes less of the indirect
/// signal.
///
/// Errors: a non-square, empty or non-finite batch, a non-symmetric matrix (relative `1e-4`),
/// `α` not finite and positive, or an eigenvalue with `1 + αμ ≈ 0`.
///
/// # Example
///
/// ```
/// use burn::tensor::Tensor;
/// use gsl_core::tensor::to_vec_f32;
/// use gsl_mb::deconv::network_deconvolution;
///
/// # fn main() -> gsl_core::Result<()> {
/// let device = gsl_core::device::device_from_name("flex")?;
/// // A single edge of weight 0.5 seen through all its paths: G_obs = G (I − G)⁻¹.
/// let observed = Tensor::<3>::from_floats([[[1.0 / 3.0, 2.0 / 3.0], [2.0 / 3.0, 1.0 / 3.0]]], &device);
/// let direct = to_vec_f32(network_deconvolution(observed, 1.0)?);
/// assert!((direct[1] - 0.5).abs() < 1e-5 && direct[0].abs() < 1e-5);
/// # Ok(())
/// # }
/// ```
pub fn network_deconvolution(g: Tensor<3>, alpha: f64) -> Result<Tensor<3>> {
    if !(alpha.is_finite() && alpha > 0.0) {
        return Err(GslError::invalid(
            "alpha",
            format!("must be finite and positive, got {alpha}"),
        ));
    }
    let (b, n) = check_square(&g, 1, "network_deconvolution input")?;
    ensure_finite(&g, "network_deconvolution input")?;
    check_symmetric(&g, 1e-4, "network_deconvolution input")?;
    let device = g.device();
    let host = to_vec_f32(g);
    let mut out = Vec::with_capacity(host.len());
    for (k, block) in host.chunks_exact(n * n).enumerate() {
        // Symmetrise exactly in f64 before the decomposition (the input is symmetric to 1e-4).
        let m = DMatrix::<f64>::from_fn(n, n, |i, j| {
            0.5 * (block[i * n + j] as f64 + block[j * n + i] as f64)
        });
        let eig = SymmetricEigen::new(m);
        let mut mapped = eig.eigenvalues.clone();
        for mu in mapped.iter_mut() {
            let denominator = 1.0 + alpha * *mu;
            if denominator.abs() < POLE_TOLERANCE {
                return Err(GslError::invalid(
                    "alpha",
                    format!(
                        "problem {k}: eigenvalue {mu} sits at the pole −1/α of the map \
                         μ → μ/(1 + αμ); choose another α"
                    ),
                ));
            }
            *mu /= denominator;
        }
        let u = &eig.eigenvectors;
        let direct = u * DMatrix::from_diagonal(&mapped) * u.transpose();
        out.extend((0..n * n).map(|idx| direct[(idx / n, idx % n)] as f32));
    }
    debug_assert_eq!(out.len(), b * n * n);
    Ok(Tensor::from_data(TensorData::new(out, [b, n, n]), &device))
}
