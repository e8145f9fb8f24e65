//! Kernels between descriptor vectors, as the graph-generation papers define them.
//!
//! | kernel | `k(x, y)` | used by |
//! |---|---|---|
//! | [`Kernel::GaussianTv`] | `exp(−TV(x, y)² / 2σ²)`, `TV = ½‖x − y‖₁` | GRAN (all four statistics), BiGG-E |
//! | [`Kernel::GaussianEmd`] | `exp(−EMD(x, y)² / 2σ²)`, ground distance `|i − j| / scaling` | GraphRNN (degree, clustering) |
//! | [`Kernel::Rbf`] | `exp(−‖x − y‖₂² / 2σ²)` | GraphRNN (orbits) |
//! | [`Kernel::GaussianWasserstein`] | `exp(−W₁(x, y)² / 2σ²)` over given bin centres | BiGG-E (edge weights, weighted degree) |
//!
//! Vectors of different lengths are zero-padded to the longer one (all but the Wasserstein
//! kernel, whose support is fixed). Note (O'Bray et al., ICLR 2022) that the TV and EMD
//! "Gaussian" kernels are not positive definite in general, so MMD² computed with them can be
//! slightly negative; the values are still what the papers report.

use gsl_core::{GslError, Result};
use serde::{Deserialize, Serialize};

/// A kernel between two descriptor vectors (histograms or orbit-count vectors).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Kernel {
    /// Gaussian of the total-variation distance (GRAN's `gaussian_tv`).
    GaussianTv {
        /// Bandwidth σ.
        sigma: f64,
    },
    /// Gaussian of the earth mover's distance between two pmfs on `0, 1, …` with ground
    /// distance `|i − j| / distance_scaling` (GraphRNN's `gaussian_emd`, pyemd).
    GaussianEmd {
        /// Bandwidth σ.
        sigma: f64,
        /// Divides the ground distance (GraphRNN passes the number of bins for clustering).
        distance_scaling: f64,
    },
    /// Gaussian radial basis function of the Euclidean distance (GraphRNN's `gaussian`).
    Rbf {
        /// Bandwidth σ.
        sigma: f64,
    },
    /// Gaussian of the 1-Wasserstein distance between two histograms on the same bins, located
    /// at `centers` (BiGG-E's `gaussian_wasserstein`, `scipy.stats.wasserstein_distance`).
    GaussianWasserstein {
        /// Bandwidth σ.
        sigma: f64,
        /// Bin centres, strictly increasing, one per histogram entry.
        centers: Vec<f64>,
    },
}

impl Kernel {
    /// The bandwidth σ.
    pub fn sigma(&self) -> f64 {
        match self {
            Kernel::GaussianTv { sigma }
            | Kernel::GaussianEmd { sigma, .. }
            | Kernel::Rbf { sigma }
            | Kernel::GaussianWasserstein { sigma, .. } => *sigma,
        }
    }

    /// A short name: `gaussian_tv`, `gaussian_emd`, `rbf`, `gaussian_wasserstein`.
    pub fn name(&self) -> &'static str {
        match self {
            Kernel::GaussianTv { .. } => "gaussian_tv",
            Kernel::GaussianEmd { .. } => "gaussian_emd",
            Kernel::Rbf { .. } => "rbf",
            Kernel::GaussianWasserstein { .. } => "gaussian_wasserstein",
        }
    }

    /// Checks σ > 0 (finite), the EMD scaling and the Wasserstein bin centres.
    pub fn validate(&self) -> Result<()> {
        let sigma = self.sigma();
        if !sigma.is_finite() || sigma <= 0.0 {
            return Err(GslError::invalid(
                "sigma",
                format!("must be finite and positive, got {sigma}"),
            ));
        }
        match self {
            Kernel::GaussianEmd {
                distance_scaling, ..
            } if !distance_scaling.is_finite() || *distance_scaling <= 0.0 => {
                Err(GslError::invalid(
                    "distance_scaling",
                    format!("must be finite and positive, got {distance_scaling}"),
                ))
            }
            Kernel::GaussianWasserstein { centers, .. } => {
                if centers.is_empty() {
                    return Err(GslError::invalid("centers", "needs at least one bin"));
                }
                if centers.iter().any(|c| !c.is_finite()) {
                    return Err(GslError::NonFinite("bin centres".into()));
                }
                if centers.windows(2).any(|w| w[0] >= w[1]) {
                    return Err(GslError::invalid("centers", "must be strictly increasing"));
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// The distance inside the Gaussian (TV, EMD, L2 or W₁) between `x` and `y`.
    ///
    /// Errors: non-finite entries; for EMD, negative entries or unequal total mass; for
    /// Wasserstein, lengths other than the number of centres, negative entries or a zero
    /// total.
    pub fn distance(&self, x: &[f64], y: &[f64]) -> Result<f64> {
        if x.iter().chain(y).any(|v| !v.is_finite()) {
            return Err(GslError::NonFinite("kernel input".into()));
        }
        let len = x.len().max(y.len());
        let at = |v: &[f64], i: usize| v.get(i).copied().unwrap_or(0.0);
        match self {
            Kernel::GaussianTv { .. } => {
                Ok((0..len).map(|i| (at(x, i) - at(y, i)).abs()).sum::<f64>() / 2.0)
            }
            Kernel::Rbf { .. } => Ok((0..len)
                .map(|i| (at(x, i) - at(y, i)).powi(2))
                .sum::<f64>()
                .sqrt()),
            Kernel::GaussianEmd {
                distance_scaling, ..
            } => {
                check_mass(x, y)?;
                // In one dimension with ground distance |i − j| the optimal transport cost is
                // the L1 distance between the cumulative sums.
                let (mut cx, mut cy, mut emd) = (0.0, 0.0, 0.0);
                for i in 0..len {
                    cx += at(x, i);
                    cy += at(y, i);
                    emd += (cx - cy).abs();
                }
                Ok(emd / distance_scaling)
            }
            Kernel::GaussianWasserstein { centers, .. } => {
                for (name, v) in [("x", x), ("y", y)] {
                    if v.len() != centers.len() {
                        return Err(GslError::shape(
                            format!("gaussian_wasserstein {name}"),
                            centers.len(),
                            v.len(),
                        ));
                    }
                }
                wasserstein_1d(centers, x, y)
            }
        }
    }

    /// `k(x, y)`; see [`Kernel::distance`] for the errors.
    ///
    /// ```
    /// use gsl_gen::eval::Kernel;
    /// # fn main() -> gsl_core::Result<()> {
    /// let k = Kernel::GaussianTv { sigma: 1.0 };
    /// // TV([1, 0], [0, 1]) = 1, so k = exp(−1/2).
    /// assert!((k.eval(&[1.0, 0.0], &[0.0, 1.0])? - (-0.5f64).exp()).abs() < 1e-12);
    /// # Ok(())
    /// # }
    /// ```
    pub fn eval(&self, x: &[f64], y: &[f64]) -> Result<f64> {
        let d = self.distance(x, y)?;
        let s = self.sigma();
        Ok((-d * d / (2.0 * s * s)).exp())
    }
}

/// Fails unless both histograms are non-negative with the same total mass (the EMD between
/// unequal masses is not what GraphRNN computes after normalising).
fn check_mass(x: &[f64], y: &[f64]) -> Result<()> {
    if x.iter().chain(y).any(|&v| v < 0.0) {
        return Err(GslError::invalid(
            "histogram",
            "EMD needs non-negative entries",
        ));
    }
    let (sx, sy): (f64, f64) = (x.iter().sum(), y.iter().sum());
    if (sx - sy).abs() > 1e-9 * sx.abs().max(sy.abs()).max(1.0) {
        return Err(GslError::invalid(
            "histogram",
            format!("EMD needs equal total mass, got {sx} and {sy} (normalise first)"),
        ));
    }
    Ok(())
}

/// The 1-Wasserstein distance between the distributions with weights `x` and `y` on the points
/// `centers` (sorted): each weight vector is normalised to sum one, as
/// `scipy.stats.wasserstein_distance(centers, centers, x, y)` does, and
/// `W₁ = Σ_k |F_x(k) − F_y(k)| (c_{k+1} − c_k)`.
///
/// Errors: lengths that differ from `centers`, negative weights, a zero total.
pub fn wasserstein_1d(centers: &[f64], x: &[f64], y: &[f64]) -> Result<f64> {
    if x.len() != centers.len() || y.len() != centers.len() {
        return Err(GslError::shape(
            "wasserstein_1d",
            centers.len(),
            format!("{} and {}", x.len(), y.len()),
        ));
    }
    if x.iter().chain(y).chain(centers).any(|v| !v.is_finite()) {
        return Err(GslError::NonFinite("wasserstein_1d input".into()));
    }
    if x.iter().chain(y).any(|&v| v < 0.0) {
        return Err(GslError::invalid("weights", "must be non-negative"));
    }
    let (sx, sy): (f64, f64) = (x.iter().sum(), y.iter().sum());
    if sx <= 0.0 || sy <= 0.0 {
        return Err(GslError::invalid(
            "weights",
            "each distribution needs a positive total weight",
        ));
    }
    let (mut fx, mut fy, mut w) = (0.0, 0.0, 0.0);
    for k in 0..centers.len().saturating_sub(1) {
        fx += x[k] / sx;
        fy += y[k] / sy;
        w += (fx - fy).abs() * (centers[k + 1] - centers[k]);
    }
    Ok(w)
}

#[cfg(test)]
// Tests build one-graph slices by cloning, which reads better than `slice::from_ref`.
#[allow(clippy::cloned_ref_to_slice_refs)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-12, "{a} vs {b}");
    }

    #[test]
    fn gaussian_tv_by_hand() {
        // TV([0.5, 0.5], [1, 0, 0]) = (0.5 + 0.5 + 0) / 2 = 0.5 (the shorter one is padded).
        let k = Kernel::GaussianTv { sigma: 0.5 };
        close(k.distance(&[0.5, 0.5], &[1.0, 0.0, 0.0]).unwrap(), 0.5);
        close(k.eval(&[0.5, 0.5], &[1.0]).unwrap(), (-0.25f64 / 0.5).exp());
    }

    #[test]
    fn gaussian_emd_by_hand() {
        // Moving mass 1 from bin 0 to bin 2 costs 2 (ground distance |i − j|); scaled by 4 → 0.5.
        let k = Kernel::GaussianEmd {
            sigma: 1.0,
            distance_scaling: 4.0,
        };
        close(k.distance(&[1.0, 0.0, 0.0], &[0.0, 0.0, 1.0]).unwrap(), 0.5);
        // [0.5, 0.5] → [0, 0.5, 0.5]: 0.5 moves by one and 0.5 by one: cost 1 (unscaled).
        let k1 = Kernel::GaussianEmd {
            sigma: 2.0,
            distance_scaling: 1.0,
        };
        close(
            k1.eval(&[0.5, 0.5], &[0.0, 0.5, 0.5]).unwrap(),
            (-1.0f64 / 8.0).exp(),
        );
        assert!(k1.eval(&[1.0], &[0.5]).is_err(), "unequal mass");
    }

    #[test]
    fn rbf_by_hand() {
        // ‖(3, 4)‖ = 5, σ = 5: exp(−25 / 50).
        let k = Kernel::Rbf { sigma: 5.0 };
        close(k.eval(&[3.0, 4.0], &[0.0, 0.0]).unwrap(), (-0.5f64).exp());
        close(k.eval(&[1.0, 2.0], &[1.0, 2.0]).unwrap(), 1.0);
    }

    #[test]
    fn gaussian_wasserstein_by_hand() {
        // Point masses at 0 and 3 (centres 0, 1, 3): W₁ = 3; σ = 3 → exp(−1/2).
        let k = Kernel::GaussianWasserstein {
            sigma: 3.0,
            centers: vec![0.0, 1.0, 3.0],
        };
        close(k.distance(&[2.0, 0.0, 0.0], &[0.0, 0.0, 5.0]).unwrap(), 3.0);
        close(
            k.eval(&[1.0, 0.0, 0.0], &[0.0, 0.0, 1.0]).unwrap(),
            (-0.5f64).exp(),
        );
        // Half the mass moves from 1 to 3: W₁ = 1.
        close(k.distance(&[0.0, 1.0, 0.0], &[0.0, 0.5, 0.5]).unwrap(), 1.0);
    }

    #[test]
    fn bad_inputs_are_errors() {
        assert!(Kernel::GaussianTv { sigma: 0.0 }.validate().is_err());
        assert!(Kernel::Rbf { sigma: f64::NAN }.validate().is_err());
        assert!(
            Kernel::GaussianWasserstein {
                sigma: 1.0,
                centers: vec![1.0, 1.0]
            }
            .validate()
            .is_err()
        );
        let k = Kernel::GaussianTv { sigma: 1.0 };
        assert!(k.eval(&[f64::NAN], &[1.0]).is_err());
        let w = Kernel::GaussianWasserstein {
            sigma: 1.0,
            centers: vec![0.0, 1.0],
        };
        assert!(w.eval(&[1.0], &[1.0, 0.0]).is_err(), "length");
        assert!(w.eval(&[0.0, 0.0], &[1.0, 0.0]).is_err(), "zero mass");
    }
}
