//! Network deconvolution (Feizi, Marbach, Médard & Kellis, Nature Biotechnology 2013).
//!
//! An observed dependency matrix is modelled as the direct one plus every indirect path,
//! `G_obs = G_dir + G_dir² + … = G_dir (I − G_dir)⁻¹`, so on the eigenvalues `μ = λ / (1 − λ)`
//! and the direct matrix follows by the map `μ → μ / (1 + μ)`. With a scale `α` on the observed
//! matrix (the paper scales it so the direct spectrum stays below a chosen bound), the map is
//! `μ → μ / (1 + αμ)`, applied in the eigenbasis of `G_obs`.
//!
//! Feizi et al. choose the scale per matrix from its spectrum so that the direct matrix's
//! eigenvalues stay within `[−β, β]` (`β < 1`): with `λ₊ = max(μ_max, 0)`, `λ₋ = max(−μ_min, 0)`,
//! `m = max(λ₊(1 − β)/β, λ₋(1 + β)/β)` they deconvolve the scaled matrix `G_obs/m`, i.e. map
//! `μ → μ/(m + μ)`, whose largest magnitude over the spectrum is exactly `β`
//! ([`DeconvScale::SpectralBound`]; this is `α = 1/m` with the result scaled by `α`).
//!
//! The symmetric eigendecomposition runs on the host in f64 with nalgebra, one problem after the
//! other: Burn has no batched eigendecomposition, and network deconvolution is used on small
//! matrices (tens to a few hundred nodes). The result is uploaded to the input's device.

use burn::tensor::{Tensor, TensorData};
use gsl_core::tensor::{ensure_finite, to_vec_f32};
use gsl_core::{GslError, Result};
use nalgebra::{DMatrix, SymmetricEigen};
use serde::{Deserialize, Serialize};

use crate::baselines::{Moment, second_moment};
use crate::linalg::{check_square, check_symmetric, off_diagonal_mask};

/// Smallest `|1 + αμ|` accepted: closer to zero the map blows up (the observed matrix has an
/// eigenvalue at `−1/α`, which no direct matrix produces).
const POLE_TOLERANCE: f64 = 1e-9;

/// How the observed matrix is scaled before the eigenvalue map `μ → μ/(1 + αμ)`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum DeconvScale {
    /// A fixed `α > 0` for every problem (`α = 1` inverts the path sum exactly).
    Alpha(f64),
    /// Feizi et al.'s scaling: per problem, the observed matrix is divided by the `m` of the
    /// module docs and deconvolved exactly (`μ → μ/(m + μ)`), so the direct spectrum lies in
    /// `[−β, β]` with largest magnitude `β`, `0 < β < 1` (their default 0.99).
    SpectralBound(f64),
}

impl DeconvScale {
    /// Checks `α` finite and positive, or `0 < β < 1`.
    pub fn validate(&self) -> Result<()> {
        match *self {
            DeconvScale::Alpha(alpha) if !(alpha.is_finite() && alpha > 0.0) => Err(
                GslError::invalid("alpha", format!("must be finite and positive, got {alpha}")),
            ),
            DeconvScale::SpectralBound(beta) if !(beta > 0.0 && beta < 1.0) => Err(
                GslError::invalid("beta", format!("must be in (0, 1), got {beta}")),
            ),
            _ => Ok(()),
        }
    }

    /// The `α` for a spectrum `eigenvalues` (problem `k`, for messages).
    fn alpha(&self, eigenvalues: &[f64], k: usize) -> Result<f64> {
        match *self {
            DeconvScale::Alpha(alpha) => Ok(alpha),
            DeconvScale::SpectralBound(beta) => {
                let largest = eigenvalues.iter().fold(0.0f64, |m, &v| m.max(v));
                let smallest = eigenvalues.iter().fold(0.0f64, |m, &v| m.min(v));
                let m = (largest * (1.0 - beta) / beta).max(-smallest * (1.0 + beta) / beta);
                if m > 0.0 {
                    Ok(1.0 / m)
                } else {
                    Err(GslError::invalid(
                        "network_deconvolution input",
                        format!("problem {k} is the zero matrix; it has no spectrum to scale"),
                    ))
                }
            }
        }
    }
}

/// Deconvolves a batch of symmetric observed matrices `g` `[B, N, N]` with a fixed `α`: each
/// becomes `U diag(μ_k / (1 + αμ_k)) Uᵀ` for its eigendecomposition `U diag(μ) Uᵀ`. With `α = 1`
/// this inverts `G_obs = G_dir (I − G_dir)⁻¹` exactly; smaller `α` removes less of the indirect
/// signal. Same as [`network_deconvolution_scaled`] with [`DeconvScale::Alpha`].
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
    network_deconvolution_scaled(g, DeconvScale::Alpha(alpha))
}

/// Deconvolves a batch of symmetric observed matrices `g` `[B, N, N]` (see the module docs),
/// with the scale `α` fixed or chosen per problem from its spectrum.
///
/// Errors: a non-square, empty or non-finite batch, a non-symmetric matrix (relative `1e-4`),
/// an invalid scale, an eigenvalue at the pole `1 + αμ ≈ 0`, a zero matrix with
/// [`DeconvScale::SpectralBound`].
pub fn network_deconvolution_scaled(g: Tensor<3>, scale: DeconvScale) -> Result<Tensor<3>> {
    scale.validate()?;
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
        let alpha = scale.alpha(eig.eigenvalues.as_slice(), k)?;
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
            if let DeconvScale::SpectralBound(_) = scale {
                // Deconvolving G_obs/m: (αμ)/(1 + αμ) with α = 1/m.
                *mu *= alpha;
            }
        }
        let u = &eig.eigenvectors;
        let direct = u * DMatrix::from_diagonal(&mapped) * u.transpose();
        out.extend((0..n * n).map(|idx| direct[(idx / n, idx % n)] as f32));
    }
    debug_assert_eq!(out.len(), b * n * n);
    Ok(Tensor::from_data(TensorData::new(out, [b, n, n]), &device))
}

/// Network deconvolution of node signals `[B, N, P]` as Feizi et al. apply it: the observed
/// dependency matrix is the magnitude of the sample covariance or correlation with a zero
/// diagonal (no self-dependence, non-negative entries), it is deconvolved with `scale`, and the
/// returned direct matrix `[B, N, N]` has a zero diagonal again.
///
/// Errors: those of gsl-core's covariance/correlation (empty batch, `P < 2`, NaN/Inf, a
/// zero-variance node for correlation), `N < 2`, and those of [`network_deconvolution_scaled`].
pub fn deconvolve_signals(
    signals: Tensor<3>,
    moment: Moment,
    scale: DeconvScale,
) -> Result<Tensor<3>> {
    scale.validate()?;
    let [_, n, _] = signals.dims();
    if n < 2 {
        return Err(GslError::invalid(
            "signals",
            format!("need N >= 2 nodes, got {n}"),
        ));
    }
    let mask = off_diagonal_mask(n, &signals.device());
    let observed = second_moment(signals, moment)?.abs().mul(mask.clone());
    Ok(network_deconvolution_scaled(observed, scale)?.mul(mask))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spectral_bound_scale_closed_form() {
        // Spectrum {3, −1}, β = 0.5: m = max(3·1, 1·3) = 3, α = 1/3.
        let s = DeconvScale::SpectralBound(0.5);
        assert!((s.alpha(&[3.0, -1.0], 0).unwrap() - 1.0 / 3.0).abs() < 1e-12);
        assert!(s.alpha(&[0.0, 0.0], 0).is_err());
        assert!(DeconvScale::SpectralBound(1.0).validate().is_err());
        assert!(DeconvScale::SpectralBound(0.0).validate().is_err());
        assert!(DeconvScale::Alpha(-1.0).validate().is_err());
    }
}
