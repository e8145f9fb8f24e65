//! Non-iterative baselines: hard thresholding of an observed matrix (pyGSL's ad-hoc baseline)
//! and thresholded empirical covariance or correlation ("COVAR", GraphFLEx's emp-Covar). The kNN
//! baseline is gsl-core's exact [`gsl_core::similarity::knn_graph`], used as is by
//! [`crate::learn`].

use burn::tensor::Tensor;
use gsl_core::similarity::{correlation, covariance};
use gsl_core::{GslError, Result};
use serde::{Deserialize, Serialize};

use crate::linalg::{check_square, off_diagonal_mask};

/// Keeps the off-diagonal entries of `a` `[B, N, N]` whose magnitude exceeds `threshold`
/// (strictly, as gsl-core's metrics count an edge), zeroing the rest and the diagonal. With
/// `binary` the kept entries become 1 (pyGSL's `1[x > t]` on magnitudes).
///
/// Errors: non-square or empty input, NaN/Inf, a NaN or negative threshold.
pub fn hard_threshold(a: Tensor<3>, threshold: f32, binary: bool) -> Result<Tensor<3>> {
    let (_, n) = check_square(&a, 1, "hard_threshold")?;
    if threshold.is_nan() || threshold < 0.0 {
        return Err(GslError::invalid(
            "threshold",
            format!("must be a non-negative number, got {threshold}"),
        ));
    }
    let keep = a.clone().abs().greater_elem(threshold).float();
    let mask = off_diagonal_mask(n, &a.device());
    Ok(if binary {
        keep.mul(mask)
    } else {
        a.mul(keep).mul(mask)
    })
}

/// Which second-moment matrix [`covariance_graph`] thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Moment {
    /// Sample covariance (`np.cov`).
    Covariance,
    /// Pearson correlation (`np.corrcoef`).
    Correlation,
}

/// The COVAR graph of signals `[B, N, P]`: weights `|C_ij|` of the covariance or correlation
/// (gsl-core's [`covariance`] / [`correlation`]) where `|C_ij| > threshold`, zero diagonal.
///
/// Errors: those of gsl-core's covariance/correlation (empty batch, `P < 2`, NaN/Inf, a
/// zero-variance node for correlation), a NaN or negative threshold.
pub fn covariance_graph(signals: Tensor<3>, moment: Moment, threshold: f32) -> Result<Tensor<3>> {
    hard_threshold(second_moment(signals, moment)?.abs(), threshold, false)
}

/// The sample covariance or correlation `[B, N, N]` of signals `[B, N, P]` (gsl-core's
/// [`covariance`] / [`correlation`]), with their errors.
pub fn second_moment(signals: Tensor<3>, moment: Moment) -> Result<Tensor<3>> {
    match moment {
        Moment::Covariance => covariance(signals),
        Moment::Correlation => correlation(signals),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::TensorData;
    use gsl_core::tensor::to_vec_f32;

    fn device() -> burn::tensor::Device {
        gsl_core::device::device_from_name("flex").unwrap()
    }

    #[test]
    fn threshold_keeps_strictly_larger_off_diagonal() {
        let a = Tensor::<3>::from_data(
            TensorData::new(
                vec![5.0f32, -0.7, 0.2, -0.7, 5.0, 0.5, 0.2, 0.5, 5.0],
                [1, 3, 3],
            ),
            &device(),
        );
        let kept = hard_threshold(a.clone(), 0.5, false).unwrap();
        assert_eq!(
            to_vec_f32(kept),
            vec![0.0, -0.7, 0.0, -0.7, 0.0, 0.0, 0.0, 0.0, 0.0]
        );
        let binary = hard_threshold(a.clone(), 0.1, true).unwrap();
        assert_eq!(
            to_vec_f32(binary),
            vec![0.0, 1.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1.0, 0.0]
        );
        assert!(hard_threshold(a.clone(), f32::NAN, false).is_err());
        assert!(hard_threshold(a, -1.0, false).is_err());
    }

    #[test]
    fn correlation_graph_links_the_correlated_pair() {
        // Node 1 = 2 · node 0 (correlation 1); node 2 is orthogonal to both (correlation 0).
        let x = Tensor::<3>::from_data(
            TensorData::new(
                vec![
                    1.0f32, -1.0, 1.0, -1.0, 2.0, -2.0, 2.0, -2.0, 1.0, 1.0, -1.0, -1.0,
                ],
                [1, 3, 4],
            ),
            &device(),
        );
        let g = covariance_graph(x.clone(), Moment::Correlation, 0.5).unwrap();
        let v = to_vec_f32(g);
        assert!((v[1] - 1.0).abs() < 1e-5 && (v[3] - 1.0).abs() < 1e-5);
        assert_eq!(v.iter().filter(|&&w| w != 0.0).count(), 2);
        let nan = x.clone().mul_scalar(f32::NAN);
        assert!(covariance_graph(nan, Moment::Covariance, 0.1).is_err());
    }
}
