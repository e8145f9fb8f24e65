//! Structure-recovery metrics: how well a predicted graph matches the true one.
//!
//! Graphs are compared on the strict upper triangle, batched: `pred` and `truth` are half-vectors
//! `[B, M]` (see [`dense::halfvec`]; [`halfvec_pair`] converts dense `[B, N, N]` batches). Every
//! metric is computed **per graph** and then averaged over the batch with its standard error
//! ([`MeanStdErr`]), the protocol of pyGSL (`misc/metrics.py`) and L2G.
//!
//! Conventions, shared by every function here:
//!
//! - a pair is a **true edge** when `truth != 0` (weights may be signed);
//! - a pair is a **predicted edge** when `|pred| > threshold` (strict), so signed predictions such
//!   as precision matrices count by magnitude;
//! - ranking metrics score each pair by `|pred|`, so the ROC and precision–recall curves are
//!   exactly the sweeps of that threshold.
//!
//! Four families:
//!
//! 1. **classification** at a threshold: the [`Confusion`] counts and the rates built from them
//!    (precision, recall, F1, MCC, accuracy, error, SHD), with scikit-learn's `zero_division=0`
//!    conventions;
//! 2. **ranking** ([`ranking`]): exact ROC AUC and average precision, ties as in scikit-learn;
//! 3. **regression** ([`regression`], [`gmse`]): squared error, NSE, NSE in dB, GMSE;
//! 4. **threshold selection** ([`best_threshold`]): the exact optimum of a classification metric
//!    over every distinct cut of the scores.
//!
//! [`evaluate`] computes everything at once into a [`RecoveryReport`].
//!
//! ## Example
//!
//! ```
//! use burn::tensor::Tensor;
//! use gsl_core::metrics::{best_threshold, evaluate, ThresholdMetric};
//!
//! # fn main() -> gsl_core::Result<()> {
//! let device = gsl_core::device::device_from_name("flex")?;
//! // Two graphs on 3 nodes: half-vectors over the pairs (0,1), (0,2), (1,2).
//! let truth = Tensor::<2>::from_floats([[1.0, 0.0, 2.0], [0.0, 1.0, 1.0]], &device);
//! let pred = Tensor::<2>::from_floats([[0.9, 0.2, 1.5], [0.1, 0.6, 0.3]], &device);
//!
//! let choice = best_threshold(pred.clone(), truth.clone(), ThresholdMetric::F1)?;
//! assert_eq!(choice.value, 1.0); // one common threshold separates both graphs
//! let report = evaluate(pred, truth, choice.threshold)?;
//! assert_eq!(report.shd.mean, 0.0);
//! assert_eq!(report.auc.mean, 1.0);
//! # Ok(())
//! # }
//! ```
//!
//! [`dense::halfvec`]: crate::dense::halfvec

use burn::tensor::{Bool, Tensor};
use serde::{Deserialize, Serialize};

use crate::error::{GslError, Result};
use crate::tensor::{ensure_finite, ensure_shape, to_vec_f32, to_vec_i64};

/// Int tensors are 32-bit on some backends (Flex), so sort indices and counts must fit in `i32`.
const MAX_ENTRIES: usize = i32::MAX as usize;

/// Checks a `(pred, truth)` pair of half-vector batches and returns `(B, M)`.
fn check_pair(pred: &Tensor<2>, truth: &Tensor<2>, context: &str) -> Result<(usize, usize)> {
    let dims = pred.dims();
    ensure_shape(
        truth,
        dims,
        &format!("{context}: truth must have the shape of pred"),
    )?;
    let [b, m] = dims;
    if b == 0 {
        return Err(GslError::EmptyGraph(format!(
            "{context}: the batch holds no graphs"
        )));
    }
    if m == 0 {
        return Err(GslError::EmptyGraph(format!(
            "{context}: graphs have no node pairs (N < 2)"
        )));
    }
    if b.saturating_mul(m) > MAX_ENTRIES {
        return Err(GslError::invalid(
            "pred",
            format!("{b} x {m} entries exceed the 2^31 - 1 supported by 32-bit int tensors"),
        ));
    }
    ensure_finite(pred, &format!("{context}: pred"))?;
    ensure_finite(truth, &format!("{context}: truth"))?;
    Ok((b, m))
}

fn check_threshold(threshold: f32) -> Result<()> {
    if threshold.is_nan() {
        Err(GslError::invalid("threshold", "must not be NaN"))
    } else {
        Ok(())
    }
}

/// Half-vectors (strict upper triangles) of a predicted and a true dense batch `[B, N, N]`.
///
/// Only the strict upper triangles are read: the diagonal and the lower triangle are ignored,
/// so non-symmetric inputs are scored on the pairs `i < j`.
pub fn halfvec_pair(pred: Tensor<3>, truth: Tensor<3>) -> Result<(Tensor<2>, Tensor<2>)> {
    ensure_shape(
        &truth,
        pred.dims(),
        "halfvec_pair: truth must have the shape of pred",
    )?;
    Ok((crate::dense::halfvec(pred)?, crate::dense::halfvec(truth)?))
}

/// `num / den`, with `0/0 = 0` (scikit-learn's `zero_division=0`).
fn ratio(num: u64, den: u64) -> f64 {
    if den == 0 {
        0.0
    } else {
        num as f64 / den as f64
    }
}

/// Confusion counts of one thresholded graph against its true edge set.
///
/// The rates follow scikit-learn with `zero_division=0`: a ratio whose denominator is zero is 0
/// (precision when nothing is predicted, recall when there is no true edge, F1 when both are
/// empty), and MCC is 0 whenever one of its four marginals is empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Confusion {
    /// Pairs that are edges and are predicted as edges.
    pub true_positives: u64,
    /// Pairs that are not edges but are predicted as edges.
    pub false_positives: u64,
    /// Pairs that are not edges and are predicted as non-edges.
    pub true_negatives: u64,
    /// Pairs that are edges but are predicted as non-edges.
    pub false_negatives: u64,
}

impl Confusion {
    /// Builds the counts from per-graph totals: `tp`, predicted positives, true positives
    /// (edges), and the number of pairs.
    fn from_totals(tp: u64, predicted: u64, actual: u64, pairs: u64) -> Self {
        let fp = predicted - tp;
        let fn_ = actual - tp;
        Confusion {
            true_positives: tp,
            false_positives: fp,
            true_negatives: pairs - tp - fp - fn_,
            false_negatives: fn_,
        }
    }

    /// Number of pairs counted, `tp + fp + tn + fn`.
    pub fn total(&self) -> u64 {
        self.true_positives + self.false_positives + self.true_negatives + self.false_negatives
    }

    /// Precision `tp / (tp + fp)`; 0 when nothing is predicted.
    pub fn precision(&self) -> f64 {
        ratio(
            self.true_positives,
            self.true_positives + self.false_positives,
        )
    }

    /// Recall (true-positive rate) `tp / (tp + fn)`; 0 when the graph has no edge.
    pub fn recall(&self) -> f64 {
        ratio(
            self.true_positives,
            self.true_positives + self.false_negatives,
        )
    }

    /// F1 score `tp / (tp + ½(fp + fn))`; 0 when there are neither true nor predicted edges.
    pub fn f1(&self) -> f64 {
        ratio(
            2 * self.true_positives,
            2 * self.true_positives + self.false_positives + self.false_negatives,
        )
    }

    /// Matthews correlation coefficient
    /// `(tp·tn − fp·fn) / √((tp+fp)(tp+fn)(tn+fp)(tn+fn))`; 0 when a marginal is empty.
    ///
    /// The numerator and the two pairwise products of marginals are formed exactly in 128-bit
    /// integers and only their product in `f64` (at most ~1e77), so nothing overflows for any
    /// count that fits in `u64`; rounding is clamped back into `[−1, 1]`.
    pub fn mcc(&self) -> f64 {
        let (tp, fp, tn, fn_) = (
            u128::from(self.true_positives),
            u128::from(self.false_positives),
            u128::from(self.true_negatives),
            u128::from(self.false_negatives),
        );
        let (pred_pos, true_pos) = (tp + fp, tp + fn_);
        let (pred_neg, true_neg) = (tn + fn_, tn + fp);
        if pred_pos == 0 || true_pos == 0 || pred_neg == 0 || true_neg == 0 {
            return 0.0;
        }
        let (agree, disagree) = (tp * tn, fp * fn_);
        let num = if agree >= disagree {
            (agree - disagree) as f64
        } else {
            -((disagree - agree) as f64)
        };
        let den = ((pred_pos * true_pos) as f64 * (pred_neg * true_neg) as f64).sqrt();
        (num / den).clamp(-1.0, 1.0)
    }

    /// Accuracy `(tp + tn) / total`; 0 for an empty count.
    pub fn accuracy(&self) -> f64 {
        ratio(self.true_positives + self.true_negatives, self.total())
    }

    /// Error rate `1 − accuracy = (fp + fn) / total`; 0 for an empty count.
    pub fn error(&self) -> f64 {
        ratio(self.false_positives + self.false_negatives, self.total())
    }

    /// Structural Hamming distance: the number of pairs whose edge status differs, `fp + fn`.
    pub fn shd(&self) -> u64 {
        self.false_positives + self.false_negatives
    }

    /// The value of `metric` for these counts.
    pub fn value(&self, metric: ThresholdMetric) -> f64 {
        match metric {
            ThresholdMetric::Accuracy => self.accuracy(),
            ThresholdMetric::Error => self.error(),
            ThresholdMetric::F1 => self.f1(),
            ThresholdMetric::Mcc => self.mcc(),
            ThresholdMetric::Precision => self.precision(),
            ThresholdMetric::Recall => self.recall(),
        }
    }
}

/// Per-graph `[tp, predicted, actual]` counts, `[B, 3]`, from the boolean masks on the device.
fn confusion_checked(
    pred: Tensor<2>,
    truth: Tensor<2>,
    threshold: f32,
    m: usize,
) -> Vec<Confusion> {
    let predicted: Tensor<2, Bool> = pred.abs().greater_elem(threshold);
    let actual: Tensor<2, Bool> = truth.not_equal_elem(0.0);
    let tp = predicted.clone().bool_and(actual.clone()).int().sum_dim(1);
    let counts = Tensor::cat(
        vec![tp, predicted.int().sum_dim(1), actual.int().sum_dim(1)],
        1,
    );
    to_vec_i64(counts)
        .chunks_exact(3)
        .map(|c| Confusion::from_totals(c[0] as u64, c[1] as u64, c[2] as u64, m as u64))
        .collect()
}

/// Confusion counts of every graph after thresholding: predicted edge = `|pred| > threshold`,
/// true edge = `truth != 0`.
///
/// `pred` and `truth` are half-vectors `[B, M]` (any `M` node pairs; usually `N(N−1)/2`).
/// Errors: shapes differ, `B = 0` or `M = 0`,
/// NaN/Inf in either input, NaN threshold.
///
/// ```
/// use burn::tensor::Tensor;
/// # fn main() -> gsl_core::Result<()> {
/// let device = gsl_core::device::device_from_name("flex")?;
/// let truth = Tensor::<2>::from_floats([[1.0, 0.0, 0.0, 1.0]], &device);
/// let pred = Tensor::<2>::from_floats([[0.8, 0.6, 0.1, -0.2]], &device);
/// let c = gsl_core::metrics::confusion(pred, truth, 0.5)?[0];
/// // A hit, a false alarm, a correct rejection and a miss (|−0.2| ≤ 0.5).
/// assert_eq!((c.true_positives, c.false_positives, c.true_negatives, c.false_negatives), (1, 1, 1, 1));
/// assert_eq!(c.shd(), 2);
/// assert_eq!(c.f1(), 0.5);
/// # Ok(())
/// # }
/// ```
pub fn confusion(pred: Tensor<2>, truth: Tensor<2>, threshold: f32) -> Result<Vec<Confusion>> {
    let (_, m) = check_pair(&pred, &truth, "confusion")?;
    check_threshold(threshold)?;
    Ok(confusion_checked(pred, truth, threshold, m))
}

/// Threshold-free ranking scores of one graph.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Ranking {
    /// Area under the ROC curve (trapezoidal, exact), as scikit-learn's `roc_auc_score`.
    pub auc: f64,
    /// Average precision `Σ_k (R_k − R_{k−1}) P_k` over the distinct score levels, as
    /// scikit-learn's `average_precision_score` (the AUPR of L2G).
    pub average_precision: f64,
}

/// One graph's ranking metrics from its labels sorted by descending score.
///
/// Equal scores form one threshold step (scikit-learn's `_binary_clf_curve`): the ROC curve
/// moves diagonally across a tie group, so the trapezoid gives each tied (positive, negative)
/// pair half credit (the Mann–Whitney statistic), and the precision–recall step of a tie group
/// is taken at the precision of the whole group.
fn ranking_from_sorted(scores: &[f32], labels: &[i64], graph: usize) -> Result<Ranking> {
    let positives = labels.iter().filter(|&&l| l != 0).count() as u64;
    let negatives = labels.len() as u64 - positives;
    if positives == 0 || negatives == 0 {
        return Err(GslError::invalid(
            "truth",
            format!(
                "graph {graph} has {positives} edges and {negatives} non-edges: ROC AUC and \
                 average precision need both classes"
            ),
        ));
    }
    let (mut tp, mut fp) = (0u64, 0u64);
    // Twice the unnormalised ROC area, kept exact in integers.
    let mut twice_area: u128 = 0;
    let mut ap = 0.0f64;
    let mut i = 0;
    while i < scores.len() {
        let (tp0, fp0) = (tp, fp);
        let level = scores[i];
        while i < scores.len() && scores[i] == level {
            if labels[i] != 0 {
                tp += 1;
            } else {
                fp += 1;
            }
            i += 1;
        }
        twice_area += u128::from(fp - fp0) * u128::from(tp + tp0);
        ap += (tp - tp0) as f64 * (tp as f64 / (tp + fp) as f64);
    }
    Ok(Ranking {
        auc: twice_area as f64 / (2 * u128::from(positives) * u128::from(negatives)) as f64,
        average_precision: ap / positives as f64,
    })
}

fn ranking_checked(pred: Tensor<2>, truth: Tensor<2>, m: usize) -> Result<Vec<Ranking>> {
    // Sort each graph's scores on the device; only the O(M) sweeps run on the host.
    let (sorted, order) = pred.abs().sort_descending_with_indices(1);
    let labels = truth.not_equal_elem(0.0).int().gather(1, order);
    let scores = to_vec_f32(sorted);
    let labels = to_vec_i64(labels);
    scores
        .chunks_exact(m)
        .zip(labels.chunks_exact(m))
        .enumerate()
        .map(|(g, (s, l))| ranking_from_sorted(s, l, g))
        .collect()
}

/// Exact ROC AUC and average precision of every graph, scoring each pair by `|pred|`.
///
/// Errors: those of [`confusion`], and [`GslError::InvalidArgument`] when a graph of `truth`
/// has no edge or no non-edge (both scores are undefined; scikit-learn raises for the AUC too).
///
/// ```
/// use burn::tensor::Tensor;
/// # fn main() -> gsl_core::Result<()> {
/// let device = gsl_core::device::device_from_name("flex")?;
/// let truth = Tensor::<2>::from_floats([[1.0, 0.0, 1.0, 0.0]], &device);
/// // The positives score 0.9 and 0.4, the negatives 0.4 and 0.1: one tie across classes.
/// let pred = Tensor::<2>::from_floats([[0.9, 0.4, 0.4, 0.1]], &device);
/// let r = gsl_core::metrics::ranking(pred, truth)?[0];
/// assert_eq!(r.auc, 0.875); // 3 ordered pairs of 4, plus half of the tied one
/// # Ok(())
/// # }
/// ```
pub fn ranking(pred: Tensor<2>, truth: Tensor<2>) -> Result<Vec<Ranking>> {
    let (_, m) = check_pair(&pred, &truth, "ranking")?;
    ranking_checked(pred, truth, m)
}

/// Regression errors of one graph's predicted weights `ŵ` against the true weights `w`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Regression {
    /// Squared error `‖ŵ − w‖²`.
    pub se: f64,
    /// Normalised squared error `‖ŵ − w‖² / ‖w‖²`.
    pub nse: f64,
    /// NSE in decibels, `10·log10(NSE)` (the NMSE of GLAD); `−∞` for an exact recovery.
    pub nse_db: f64,
    /// NSE of the non-negative part of the prediction, `‖max(ŵ, 0) − w‖² / ‖w‖²`: the per-graph
    /// term of L2G's GMSE.
    pub nse_nonneg: f64,
}

fn regression_checked(pred: Tensor<2>, truth: Tensor<2>) -> Result<Vec<Regression>> {
    let se = (pred.clone() - truth.clone()).square().sum_dim(1);
    let se_nonneg = (pred.clamp_min(0.0) - truth.clone()).square().sum_dim(1);
    let energy = truth.square().sum_dim(1);
    let sums = to_vec_f32(Tensor::cat(vec![se, se_nonneg, energy], 1));
    sums.chunks_exact(3)
        .enumerate()
        .map(|(g, s)| {
            let (se, se_nonneg, energy) = (f64::from(s[0]), f64::from(s[1]), f64::from(s[2]));
            if !(se.is_finite() && se_nonneg.is_finite() && energy.is_finite()) {
                return Err(GslError::NonFinite(format!(
                    "regression: the squared sums of graph {g} overflow the float type"
                )));
            }
            if energy == 0.0 {
                return Err(GslError::invalid(
                    "truth",
                    format!("graph {g} has ‖w‖² = 0 (no edge weight): NSE is undefined"),
                ));
            }
            let nse = se / energy;
            Ok(Regression {
                se,
                nse,
                nse_db: 10.0 * nse.log10(),
                nse_nonneg: se_nonneg / energy,
            })
        })
        .collect()
}

/// Squared error, NSE, NSE in dB and non-negative NSE of every graph.
///
/// Sums are accumulated on the device in the tensors' float type (f32 by default).
/// Errors: those of [`ranking`] except the class check, and [`GslError::InvalidArgument`] when a
/// graph of `truth` has `‖w‖ = 0`.
///
/// ```
/// use burn::tensor::Tensor;
/// # fn main() -> gsl_core::Result<()> {
/// let device = gsl_core::device::device_from_name("flex")?;
/// let truth = Tensor::<2>::from_floats([[2.0, 0.0, 1.0]], &device);
/// let pred = Tensor::<2>::from_floats([[1.0, -1.0, 1.0]], &device);
/// let r = gsl_core::metrics::regression(pred, truth)?[0];
/// assert_eq!((r.se, r.nse), (2.0, 0.4));
/// assert_eq!(r.nse_nonneg, 0.2); // the −1 is clamped to 0 first
/// # Ok(())
/// # }
/// ```
pub fn regression(pred: Tensor<2>, truth: Tensor<2>) -> Result<Vec<Regression>> {
    check_pair(&pred, &truth, "regression")?;
    regression_checked(pred, truth)
}

/// GMSE of L2G (Pu et al. 2021, §5): the mean over graphs of `‖max(ŵ, 0) − w‖² / ‖w‖²`.
///
/// Errors: those of [`regression`].
pub fn gmse(pred: Tensor<2>, truth: Tensor<2>) -> Result<f64> {
    let per_graph = regression(pred, truth)?;
    Ok(per_graph.iter().map(|r| r.nse_nonneg).sum::<f64>() / per_graph.len() as f64)
}

/// A classification metric that [`best_threshold`] optimises (pyGSL's `threshold_metric`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ThresholdMetric {
    /// Accuracy, maximised.
    Accuracy,
    /// Error rate `1 − accuracy`, minimised (the same threshold as [`Self::Accuracy`]).
    Error,
    /// F1 score, maximised.
    F1,
    /// Matthews correlation coefficient, maximised.
    Mcc,
    /// Precision, maximised.
    Precision,
    /// Recall, maximised.
    Recall,
}

impl ThresholdMetric {
    /// Whether smaller values are better.
    pub fn minimise(self) -> bool {
        matches!(self, ThresholdMetric::Error)
    }
}

/// The outcome of [`best_threshold`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ThresholdChoice {
    /// The chosen threshold: predicted edge = `|pred| > threshold`.
    pub threshold: f32,
    /// The mean over the batch's graphs of the metric at that threshold.
    pub value: f64,
}

/// A threshold strictly between the score levels `lower` and `upper` (`lower < upper`) when f32
/// can represent one, else `lower` itself: either way `|pred| > t` selects exactly the scores
/// `>= upper`.
fn threshold_between(lower: f32, upper: f32) -> f32 {
    let mid = ((f64::from(lower) + f64::from(upper)) / 2.0) as f32;
    if mid >= lower && mid < upper {
        mid
    } else {
        lower
    }
}

/// The threshold, among those with the best mean of `metric` over the graphs, that is found
/// exactly by sweeping every distinct value of `|pred|`.
///
/// One threshold is shared by all graphs of the batch and the mean of the per-graph metric is
/// optimised, as in pyGSL's threshold protocol, but without its fixed grid: the scores of the
/// whole batch are sorted on the device, and the sweep visits each of the `K + 1` distinct cuts
/// (none predicted, then each distinct score level added in descending order), updating the
/// counts of the graphs a level touches, so it costs `O(BM log BM)` for the sort and `O(BM)` for
/// the sweep.
///
/// The returned threshold lies in the middle of its cut: halfway between the two adjacent
/// distinct scores; `s_min / 2` below the smallest score `s_min > 0` (−1 if `s_min = 0`); and
/// `2 s_max` above the largest (1 if every score is 0). Among equally good cuts the highest
/// threshold (the sparsest prediction) wins. `value` is recomputed from the exact counts at the
/// returned threshold.
///
/// Errors: those of [`confusion`].
///
/// ```
/// use burn::tensor::Tensor;
/// use gsl_core::metrics::{best_threshold, ThresholdMetric};
/// # fn main() -> gsl_core::Result<()> {
/// let device = gsl_core::device::device_from_name("flex")?;
/// let truth = Tensor::<2>::from_floats([[1.0, 0.0, 1.0, 0.0]], &device);
/// let pred = Tensor::<2>::from_floats([[0.9, 0.3, 0.7, 0.1]], &device);
/// let choice = best_threshold(pred, truth, ThresholdMetric::Accuracy)?;
/// assert_eq!(choice.threshold, 0.5); // halfway between 0.3 and 0.7
/// assert_eq!(choice.value, 1.0);
/// # Ok(())
/// # }
/// ```
pub fn best_threshold(
    pred: Tensor<2>,
    truth: Tensor<2>,
    metric: ThresholdMetric,
) -> Result<ThresholdChoice> {
    let (b, m) = check_pair(&pred, &truth, "best_threshold")?;
    Ok(best_threshold_checked(pred, truth, metric, b, m))
}

fn best_threshold_checked(
    pred: Tensor<2>,
    truth: Tensor<2>,
    metric: ThresholdMetric,
    b: usize,
    m: usize,
) -> ThresholdChoice {
    let (sorted, order) = pred
        .clone()
        .abs()
        .reshape([b * m])
        .sort_descending_with_indices(0);
    let labels = truth
        .clone()
        .not_equal_elem(0.0)
        .int()
        .reshape([b * m])
        .gather(0, order.clone());
    let scores = to_vec_f32(sorted);
    let order = to_vec_i64(order);
    let labels = to_vec_i64(labels);

    let mut positives = vec![0u64; b];
    for (&idx, &label) in order.iter().zip(&labels) {
        positives[idx as usize / m] += u64::from(label != 0);
    }
    let mut tp = vec![0u64; b];
    let mut predicted = vec![0u64; b];
    let value_of = |g: usize, tp: &[u64], predicted: &[u64]| {
        Confusion::from_totals(tp[g], predicted[g], positives[g], m as u64).value(metric)
    };
    let sign = if metric.minimise() { -1.0 } else { 1.0 };
    let mut sum: f64 = (0..b).map(|g| value_of(g, &tp, &predicted)).sum();
    // Sums of up to B metrics in [-1, 1] drift by far less than this over the sweep; a cut must
    // beat the best by more to replace it, so exact ties keep the higher threshold.
    let tolerance = 1e-12 * b as f64;
    let mut best = sign * sum;
    // `None`: the cut above every score; `Some(i)`: the cut selecting the levels of `scores[..i]`.
    let mut best_end: Option<usize> = None;
    let mut i = 0;
    while i < scores.len() {
        let level = scores[i];
        while i < scores.len() && scores[i] == level {
            let g = order[i] as usize / m;
            sum -= value_of(g, &tp, &predicted);
            tp[g] += u64::from(labels[i] != 0);
            predicted[g] += 1;
            sum += value_of(g, &tp, &predicted);
            i += 1;
        }
        if sign * sum > best + tolerance {
            best = sign * sum;
            best_end = Some(i);
        }
    }

    let threshold = match best_end {
        None => {
            let top = scores[0];
            if top > 0.0 {
                (2.0 * f64::from(top)).min(f64::from(f32::MAX)) as f32
            } else {
                1.0
            }
        }
        Some(end) if end < scores.len() => threshold_between(scores[end], scores[end - 1]),
        Some(end) => {
            let bottom = scores[end - 1];
            if bottom > 0.0 { bottom / 2.0 } else { -1.0 }
        }
    };
    let value = confusion_checked(pred, truth, threshold, m)
        .iter()
        .map(|c| c.value(metric))
        .sum::<f64>()
        / b as f64;
    ThresholdChoice { threshold, value }
}

/// [`best_threshold`] on dense batches `[B, N, N]`, scored on their strict upper triangles.
pub fn best_threshold_dense(
    pred: Tensor<3>,
    truth: Tensor<3>,
    metric: ThresholdMetric,
) -> Result<ThresholdChoice> {
    let (pred, truth) = halfvec_pair(pred, truth)?;
    best_threshold(pred, truth, metric)
}

/// Mean of a per-graph metric over a batch, with its standard error.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MeanStdErr {
    /// Arithmetic mean.
    pub mean: f64,
    /// Standard error of the mean: sample standard deviation (divisor `n − 1`) over `√n`;
    /// 0 when `n = 1`.
    pub std_err: f64,
    /// Number of values.
    pub n: usize,
}

impl MeanStdErr {
    /// Mean and standard error of `values`.
    ///
    /// Errors: [`GslError::InvalidArgument`] for no values, [`GslError::NonFinite`] for a NaN or
    /// infinite value.
    ///
    /// ```
    /// let s = gsl_core::metrics::MeanStdErr::from_values(&[1.0, 2.0, 3.0])?;
    /// assert_eq!((s.mean, s.n), (2.0, 3));
    /// assert!((s.std_err - 1.0 / 3f64.sqrt()).abs() < 1e-15); // sample std 1, over √3
    /// # Ok::<(), gsl_core::GslError>(())
    /// ```
    pub fn from_values(values: &[f64]) -> Result<Self> {
        if values.is_empty() {
            return Err(GslError::invalid("values", "need at least one value"));
        }
        if !values.iter().all(|v| v.is_finite()) {
            return Err(GslError::NonFinite("MeanStdErr::from_values".into()));
        }
        let n = values.len();
        let mean = values.iter().sum::<f64>() / n as f64;
        let std_err = if n == 1 {
            0.0
        } else {
            let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
            (var / n as f64).sqrt()
        };
        Ok(MeanStdErr { mean, std_err, n })
    }
}

/// Every metric of one graph, as computed by [`evaluate`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GraphMetrics {
    /// Confusion counts at the report's threshold.
    pub confusion: Confusion,
    /// See [`Confusion::precision`].
    pub precision: f64,
    /// See [`Confusion::recall`].
    pub recall: f64,
    /// See [`Confusion::f1`].
    pub f1: f64,
    /// See [`Confusion::mcc`].
    pub mcc: f64,
    /// See [`Confusion::accuracy`].
    pub accuracy: f64,
    /// See [`Confusion::error`].
    pub error: f64,
    /// See [`Confusion::shd`].
    pub shd: u64,
    /// See [`Ranking::auc`].
    pub auc: f64,
    /// See [`Ranking::average_precision`].
    pub average_precision: f64,
    /// See [`Regression::se`].
    pub se: f64,
    /// See [`Regression::nse`].
    pub nse: f64,
    /// See [`Regression::nse_db`].
    pub nse_db: f64,
    /// See [`Regression::nse_nonneg`].
    pub nse_nonneg: f64,
}

/// Per-graph metrics of a batch and their means ± standard errors over the graphs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecoveryReport {
    /// The threshold the classification metrics were computed at.
    pub threshold: f32,
    /// The metrics of each graph, in batch order.
    pub graphs: Vec<GraphMetrics>,
    /// Precision over the graphs.
    pub precision: MeanStdErr,
    /// Recall over the graphs.
    pub recall: MeanStdErr,
    /// F1 over the graphs.
    pub f1: MeanStdErr,
    /// MCC over the graphs.
    pub mcc: MeanStdErr,
    /// Accuracy over the graphs.
    pub accuracy: MeanStdErr,
    /// Error rate over the graphs.
    pub error: MeanStdErr,
    /// Structural Hamming distance over the graphs.
    pub shd: MeanStdErr,
    /// ROC AUC over the graphs.
    pub auc: MeanStdErr,
    /// Average precision over the graphs.
    pub average_precision: MeanStdErr,
    /// Squared error over the graphs.
    pub se: MeanStdErr,
    /// NSE over the graphs.
    pub nse: MeanStdErr,
    /// NSE in dB over the graphs; `None` when a graph was recovered exactly (its NSE in dB is
    /// `−∞`, which has no mean ± standard error).
    pub nse_db: Option<MeanStdErr>,
    /// Non-negative NSE over the graphs: its mean is L2G's GMSE (see [`gmse`]).
    pub gmse: MeanStdErr,
}

/// Computes every metric of every graph at `threshold`, and their aggregates.
///
/// `pred` and `truth` are half-vectors `[B, M]`. Each graph of `truth` needs at least one edge
/// and one non-edge (for the ranking metrics and the NSE).
///
/// Errors: those of [`confusion`], [`ranking`] and [`regression`].
pub fn evaluate(pred: Tensor<2>, truth: Tensor<2>, threshold: f32) -> Result<RecoveryReport> {
    let (_, m) = check_pair(&pred, &truth, "evaluate")?;
    check_threshold(threshold)?;
    let confusions = confusion_checked(pred.clone(), truth.clone(), threshold, m);
    let rankings = ranking_checked(pred.clone(), truth.clone(), m)?;
    let regressions = regression_checked(pred, truth)?;
    let graphs: Vec<GraphMetrics> = confusions
        .iter()
        .zip(&rankings)
        .zip(&regressions)
        .map(|((c, r), s)| GraphMetrics {
            confusion: *c,
            precision: c.precision(),
            recall: c.recall(),
            f1: c.f1(),
            mcc: c.mcc(),
            accuracy: c.accuracy(),
            error: c.error(),
            shd: c.shd(),
            auc: r.auc,
            average_precision: r.average_precision,
            se: s.se,
            nse: s.nse,
            nse_db: s.nse_db,
            nse_nonneg: s.nse_nonneg,
        })
        .collect();
    let over = |f: fn(&GraphMetrics) -> f64| {
        MeanStdErr::from_values(&graphs.iter().map(f).collect::<Vec<_>>())
    };
    let nse_db = if graphs.iter().all(|g| g.nse_db.is_finite()) {
        Some(over(|g| g.nse_db)?)
    } else {
        None
    };
    Ok(RecoveryReport {
        threshold,
        precision: over(|g| g.precision)?,
        recall: over(|g| g.recall)?,
        f1: over(|g| g.f1)?,
        mcc: over(|g| g.mcc)?,
        accuracy: over(|g| g.accuracy)?,
        error: over(|g| g.error)?,
        shd: over(|g| g.shd as f64)?,
        auc: over(|g| g.auc)?,
        average_precision: over(|g| g.average_precision)?,
        se: over(|g| g.se)?,
        nse: over(|g| g.nse)?,
        nse_db,
        gmse: over(|g| g.nse_nonneg)?,
        graphs,
    })
}

/// [`evaluate`] on dense batches `[B, N, N]`, scored on their strict upper triangles.
pub fn evaluate_dense(pred: Tensor<3>, truth: Tensor<3>, threshold: f32) -> Result<RecoveryReport> {
    let (pred, truth) = halfvec_pair(pred, truth)?;
    evaluate(pred, truth, threshold)
}
