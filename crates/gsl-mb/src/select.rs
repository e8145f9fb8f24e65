//! Parameter selection on a validation set (pyGSL's protocol): for every value of a grid, learn
//! the validation graphs, pick the edge threshold exactly with gsl-core's
//! [`gsl_core::metrics::best_threshold`], and keep the value whose metric is
//! best.

use burn::tensor::Tensor;
use gsl_core::metrics::{ThresholdMetric, best_threshold};
use gsl_core::{GslError, Result};
use serde::{Deserialize, Serialize};

/// One point of the sweep.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SweepPoint {
    /// The parameter value.
    pub value: f64,
    /// The best edge threshold for it (predicted edge = `|w| > threshold`).
    pub threshold: f32,
    /// The mean metric over the validation graphs at that threshold.
    pub score: f64,
}

/// The outcome of [`select_parameter`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Selection {
    /// The chosen point (the first of the best, in grid order).
    pub best: SweepPoint,
    /// Every point, in grid order.
    pub points: Vec<SweepPoint>,
}

/// Sweeps `grid`: `learn(value)` returns the predicted half-vectors `[B, M]` of the validation
/// problems, scored against `truth` `[B, M]` by `metric` at the best threshold.
///
/// Errors: an empty grid, a non-finite grid value, `learn`'s errors, those of
/// [`best_threshold`] (shapes, NaN).
///
/// # Example
///
/// ```
/// use burn::tensor::Tensor;
/// use gsl_core::metrics::ThresholdMetric;
/// use gsl_mb::select::select_parameter;
///
/// # fn main() -> gsl_core::Result<()> {
/// let device = gsl_core::device::device_from_name("flex")?;
/// let truth = Tensor::<2>::from_floats([[1.0, 0.0, 1.0]], &device);
/// // A toy "method": the prediction gets the right ranking only for value 2.
/// let pick = select_parameter(&[1.0, 2.0, 3.0], truth, ThresholdMetric::F1, |v| {
///     let row = if v == 2.0 { [0.9, 0.1, 0.8] } else { [0.1, 0.9, 0.2] };
///     Ok(Tensor::<2>::from_floats([row], &device))
/// })?;
/// assert_eq!(pick.best.value, 2.0);
/// assert_eq!(pick.best.score, 1.0);
/// # Ok(())
/// # }
/// ```
pub fn select_parameter(
    grid: &[f64],
    truth: Tensor<2>,
    metric: ThresholdMetric,
    mut learn: impl FnMut(f64) -> Result<Tensor<2>>,
) -> Result<Selection> {
    if grid.is_empty() {
        return Err(GslError::invalid("grid", "needs at least one value"));
    }
    if let Some(v) = grid.iter().find(|v| !v.is_finite()) {
        return Err(GslError::invalid("grid", format!("non-finite value {v}")));
    }
    let mut points = Vec::with_capacity(grid.len());
    for &value in grid {
        let pred = learn(value)?;
        let choice = best_threshold(pred, truth.clone(), metric)?;
        points.push(SweepPoint {
            value,
            threshold: choice.threshold,
            score: choice.value,
        });
    }
    let better = |a: f64, b: f64| {
        if metric.minimise() { a < b } else { a > b }
    };
    let mut best = points[0];
    for p in &points[1..] {
        if better(p.score, best.score) {
            best = *p;
        }
    }
    Ok(Selection { best, points })
}
