//! Maximum mean discrepancy between two sets of descriptor vectors.
//!
//! GraphRNN, GRAN, BiGG and BiGG-E all report the biased V-statistic of the **squared** MMD
//! (diagonal terms included, no square root; see GRAN issue #17):
//! `MMD² = mean k(X, X) + mean k(Y, Y) − 2 mean k(X, Y)`. [`mmd`] computes that value or its
//! square root, as asked by [`MmdForm`].

use gsl_core::{GslError, Result};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::kernels::Kernel;

/// Which number to report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum MmdForm {
    /// The squared MMD, as published in the graph-generation literature (the default).
    #[default]
    Squared,
    /// Its square root, `sqrt(max(MMD², 0))` (MMD² can be slightly negative with kernels that
    /// are not positive definite).
    Root,
}

impl MmdForm {
    /// `"MMD²"` or `"MMD"`.
    pub fn label(self) -> &'static str {
        match self {
            MmdForm::Squared => "MMD²",
            MmdForm::Root => "MMD",
        }
    }
}

/// Mean of `k(a, b)` over all pairs of `xs × ys`: rows in parallel (rayon), then summed in row
/// order so the result does not depend on how the work was split.
fn mean_kernel(xs: &[Vec<f64>], ys: &[Vec<f64>], kernel: &Kernel) -> Result<f64> {
    let rows: Vec<f64> = xs
        .par_iter()
        .map(|a| ys.iter().map(|b| kernel.eval(a, b)).sum::<Result<f64>>())
        .collect::<Result<_>>()?;
    Ok(rows.iter().sum::<f64>() / (xs.len() * ys.len()) as f64)
}

/// The squared MMD (biased V-statistic) between the samples `xs` and `ys` under `kernel`.
///
/// Errors: an empty sample, an invalid kernel, or a kernel error on some pair.
///
/// ```
/// use gsl_gen::eval::{Kernel, mmd::mmd_squared};
/// # fn main() -> gsl_core::Result<()> {
/// let k = Kernel::GaussianTv { sigma: 1.0 };
/// let x = vec![vec![1.0, 0.0]];
/// let y = vec![vec![0.0, 1.0]];
/// // 1 + 1 − 2·exp(−1/2)
/// assert!((mmd_squared(&x, &y, &k)? - (2.0 - 2.0 * (-0.5f64).exp())).abs() < 1e-12);
/// assert_eq!(mmd_squared(&x, &x, &k)?, 0.0);
/// # Ok(())
/// # }
/// ```
pub fn mmd_squared(xs: &[Vec<f64>], ys: &[Vec<f64>], kernel: &Kernel) -> Result<f64> {
    if xs.is_empty() || ys.is_empty() {
        return Err(GslError::invalid(
            "samples",
            format!(
                "MMD needs two non-empty samples, got {} and {}",
                xs.len(),
                ys.len()
            ),
        ));
    }
    kernel.validate()?;
    let kxx = mean_kernel(xs, xs, kernel)?;
    let kyy = mean_kernel(ys, ys, kernel)?;
    let kxy = mean_kernel(xs, ys, kernel)?;
    Ok(kxx + kyy - 2.0 * kxy)
}

/// [`mmd_squared`] reported in the requested form.
pub fn mmd(xs: &[Vec<f64>], ys: &[Vec<f64>], kernel: &Kernel, form: MmdForm) -> Result<f64> {
    let m2 = mmd_squared(xs, ys, kernel)?;
    Ok(match form {
        MmdForm::Squared => m2,
        MmdForm::Root => m2.max(0.0).sqrt(),
    })
}

/// Divides every histogram by its total (GraphRNN's `is_hist=True`), leaving all-zero
/// histograms as they are.
pub fn normalize_histograms(hists: &mut [Vec<f64>]) {
    for h in hists {
        let total: f64 = h.iter().sum();
        if total > 0.0 {
            h.iter_mut().for_each(|v| *v /= total);
        }
    }
}

#[cfg(test)]
// Tests build one-graph slices by cloning, which reads better than `slice::from_ref`.
#[allow(clippy::cloned_ref_to_slice_refs)]
mod tests {
    use super::*;

    #[test]
    fn mmd_squared_by_hand() {
        // X = {a, b}, Y = {c} with TV(a, b) = 1, TV(a, c) = 0, TV(b, c) = 1, σ = 1:
        // mean k(X, X) = (2 + 2e^{−1/2}) / 4, k(Y, Y) = 1, mean k(X, Y) = (1 + e^{−1/2}) / 2.
        let k = Kernel::GaussianTv { sigma: 1.0 };
        let a = vec![1.0, 0.0];
        let b = vec![0.0, 1.0];
        let e = (-0.5f64).exp();
        let want = (2.0 + 2.0 * e) / 4.0 + 1.0 - (1.0 + e);
        let got = mmd_squared(&[a.clone(), b], &[a], &k).unwrap();
        assert!((got - want).abs() < 1e-12, "{got} vs {want}");
        let root = mmd(&[vec![1.0, 0.0]], &[vec![0.0, 1.0]], &k, MmdForm::Root).unwrap();
        assert!((root - (2.0 - 2.0 * e).sqrt()).abs() < 1e-12);
    }

    #[test]
    fn a_set_against_itself_is_zero() {
        let set = vec![vec![0.2, 0.8], vec![0.5, 0.25, 0.25], vec![1.0]];
        for k in [
            Kernel::GaussianTv { sigma: 0.3 },
            Kernel::Rbf { sigma: 2.0 },
            Kernel::GaussianEmd {
                sigma: 1.0,
                distance_scaling: 1.0,
            },
        ] {
            assert!(mmd_squared(&set, &set, &k).unwrap().abs() < 1e-12);
        }
    }

    #[test]
    fn empty_samples_are_errors() {
        let k = Kernel::Rbf { sigma: 1.0 };
        assert!(mmd_squared(&[], &[vec![1.0]], &k).is_err());
        assert!(mmd_squared(&[vec![1.0]], &[], &k).is_err());
    }

    #[test]
    fn normalisation_keeps_zero_histograms() {
        let mut h = vec![vec![1.0, 3.0], vec![0.0, 0.0]];
        normalize_histograms(&mut h);
        assert_eq!(h, vec![vec![0.25, 0.75], vec![0.0, 0.0]]);
    }
}
