//! Tests of `gsl_core::metrics`: agreement with scikit-learn (fixture made by
//! `fixtures/gen_metrics.py`), closed forms, exhaustive threshold search, and error cases.

use burn::tensor::{Device, Tensor, TensorData};
use gsl_core::GslError;
use gsl_core::metrics::{
    Confusion, MeanStdErr, RecoveryReport, ThresholdMetric, best_threshold, best_threshold_dense,
    confusion, evaluate, evaluate_dense, gmse, halfvec_pair, ranking, regression,
};
use serde_json::Value;

fn device() -> Device {
    gsl_core::device::device_from_name("flex").unwrap()
}

fn batch(rows: &[Vec<f32>], device: &Device) -> Tensor<2> {
    let (b, m) = (rows.len(), rows[0].len());
    let flat: Vec<f32> = rows.iter().flatten().copied().collect();
    Tensor::from_data(TensorData::new(flat, [b, m]), device)
}

fn assert_close(got: f64, want: f64, tol: f64, what: &str) {
    assert!(
        (got - want).abs() <= tol * want.abs().max(1.0),
        "{what}: got {got}, want {want}"
    );
}

/// One batch of the scikit-learn fixture.
struct Case {
    name: String,
    threshold: f32,
    pred: Vec<Vec<f32>>,
    truth: Vec<Vec<f32>>,
    graphs: Vec<Value>,
}

fn fixture_cases() -> Vec<Case> {
    let json: Value = serde_json::from_str(include_str!("fixtures/metrics_sklearn.json")).unwrap();
    let rows = |v: &Value| -> Vec<Vec<f32>> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|r| {
                r.as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_f64().unwrap() as f32)
                    .collect()
            })
            .collect()
    };
    json["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| Case {
            name: c["name"].as_str().unwrap().to_string(),
            threshold: c["threshold"].as_f64().unwrap() as f32,
            pred: rows(&c["pred"]),
            truth: rows(&c["truth"]),
            graphs: c["graphs"].as_array().unwrap().clone(),
        })
        .collect()
}

fn num(v: &Value, key: &str) -> f64 {
    v[key].as_f64().unwrap()
}

#[test]
fn fixture_is_nontrivial() {
    let cases = fixture_cases();
    assert_eq!(cases.len(), 6);
    // The tie cases really hold tied scores across the two classes.
    let ties = cases.iter().find(|c| c.name == "ties").unwrap();
    let row = &ties.pred[0];
    let distinct: std::collections::BTreeSet<u32> = row.iter().map(|v| v.to_bits()).collect();
    assert!(distinct.len() < row.len() / 2);
}

#[test]
fn classification_matches_sklearn() {
    let device = device();
    for case in fixture_cases() {
        let pred = batch(&case.pred, &device);
        let truth = batch(&case.truth, &device);
        let counts = confusion(pred, truth, case.threshold).unwrap();
        assert_eq!(counts.len(), case.graphs.len());
        for (g, (c, want)) in counts.iter().zip(&case.graphs).enumerate() {
            let what = format!("{} graph {g}", case.name);
            let exact = |key: &str| want[key].as_u64().unwrap();
            assert_eq!(c.true_positives, exact("tp"), "{what} tp");
            assert_eq!(c.false_positives, exact("fp"), "{what} fp");
            assert_eq!(c.true_negatives, exact("tn"), "{what} tn");
            assert_eq!(c.false_negatives, exact("fn"), "{what} fn");
            assert_eq!(c.total() as usize, case.pred[0].len());
            assert_close(c.precision(), num(want, "precision"), 1e-12, &what);
            assert_close(c.recall(), num(want, "recall"), 1e-12, &what);
            assert_close(c.f1(), num(want, "f1"), 1e-12, &what);
            assert_close(c.mcc(), num(want, "mcc"), 1e-12, &what);
            assert_close(c.accuracy(), num(want, "accuracy"), 1e-12, &what);
            assert_close(c.error(), 1.0 - num(want, "accuracy"), 1e-12, &what);
            assert_eq!(c.shd(), exact("fp") + exact("fn"));
        }
    }
}

#[test]
fn ranking_matches_sklearn_with_ties() {
    let device = device();
    for case in fixture_cases() {
        let pred = batch(&case.pred, &device);
        let truth = batch(&case.truth, &device);
        let scores = ranking(pred, truth).unwrap();
        for (g, (r, want)) in scores.iter().zip(&case.graphs).enumerate() {
            let what = format!("{} graph {g}", case.name);
            assert_close(r.auc, num(want, "auc"), 1e-12, &what);
            assert_close(
                r.average_precision,
                num(want, "average_precision"),
                1e-12,
                &what,
            );
        }
    }
}

#[test]
fn regression_matches_numpy() {
    let device = device();
    for case in fixture_cases() {
        let pred = batch(&case.pred, &device);
        let truth = batch(&case.truth, &device);
        let errors = regression(pred.clone(), truth.clone()).unwrap();
        for (g, (r, want)) in errors.iter().zip(&case.graphs).enumerate() {
            let what = format!("{} graph {g}", case.name);
            // Sums run in f32 on the device; numpy summed in f64.
            assert_close(r.se, num(want, "se"), 1e-5, &what);
            assert_close(r.nse, num(want, "nse"), 1e-5, &what);
            assert_close(r.nse_nonneg, num(want, "nse_nonneg"), 1e-5, &what);
            assert_close(r.nse_db, 10.0 * num(want, "nse").log10(), 1e-4, &what);
        }
        let mean_nonneg = case
            .graphs
            .iter()
            .map(|g| num(g, "nse_nonneg"))
            .sum::<f64>()
            / case.graphs.len() as f64;
        assert_close(gmse(pred, truth).unwrap(), mean_nonneg, 1e-5, &case.name);
    }
}

/// Mean and standard error written out directly, for comparison with `MeanStdErr`.
fn direct_mean_std_err(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    if values.len() == 1 {
        return (mean, 0.0);
    }
    let ss: f64 = values.iter().map(|v| (v - mean) * (v - mean)).sum();
    (mean, (ss / (n - 1.0)).sqrt() / n.sqrt())
}

fn check_aggregate(agg: &MeanStdErr, values: &[f64], what: &str) {
    let (mean, se) = direct_mean_std_err(values);
    assert_eq!(agg.n, values.len(), "{what} n");
    assert_close(agg.mean, mean, 1e-12, what);
    assert_close(agg.std_err, se, 1e-12, what);
}

#[test]
fn evaluate_agrees_with_sklearn_and_aggregates_directly() {
    let device = device();
    for case in fixture_cases() {
        let pred = batch(&case.pred, &device);
        let truth = batch(&case.truth, &device);
        let report: RecoveryReport = evaluate(pred, truth, case.threshold).unwrap();
        assert_eq!(report.threshold, case.threshold);
        assert_eq!(report.graphs.len(), case.graphs.len());
        for (g, want) in report.graphs.iter().zip(&case.graphs) {
            let what = &case.name;
            assert_eq!(
                g.shd,
                want["fp"].as_u64().unwrap() + want["fn"].as_u64().unwrap()
            );
            assert_close(g.precision, num(want, "precision"), 1e-12, what);
            assert_close(g.recall, num(want, "recall"), 1e-12, what);
            assert_close(g.f1, num(want, "f1"), 1e-12, what);
            assert_close(g.mcc, num(want, "mcc"), 1e-12, what);
            assert_close(g.accuracy, num(want, "accuracy"), 1e-12, what);
            assert_close(g.auc, num(want, "auc"), 1e-12, what);
            assert_close(
                g.average_precision,
                num(want, "average_precision"),
                1e-12,
                what,
            );
            assert_close(g.nse, num(want, "nse"), 1e-5, what);
        }
        let col = |f: &dyn Fn(&gsl_core::metrics::GraphMetrics) -> f64| -> Vec<f64> {
            report.graphs.iter().map(f).collect()
        };
        check_aggregate(&report.precision, &col(&|g| g.precision), "precision");
        check_aggregate(&report.recall, &col(&|g| g.recall), "recall");
        check_aggregate(&report.f1, &col(&|g| g.f1), "f1");
        check_aggregate(&report.mcc, &col(&|g| g.mcc), "mcc");
        check_aggregate(&report.accuracy, &col(&|g| g.accuracy), "accuracy");
        check_aggregate(&report.error, &col(&|g| g.error), "error");
        check_aggregate(&report.shd, &col(&|g| g.shd as f64), "shd");
        check_aggregate(&report.auc, &col(&|g| g.auc), "auc");
        check_aggregate(
            &report.average_precision,
            &col(&|g| g.average_precision),
            "ap",
        );
        check_aggregate(&report.se, &col(&|g| g.se), "se");
        check_aggregate(&report.nse, &col(&|g| g.nse), "nse");
        check_aggregate(report.nse_db.as_ref().unwrap(), &col(&|g| g.nse_db), "db");
        check_aggregate(&report.gmse, &col(&|g| g.nse_nonneg), "gmse");
        // And the aggregates agree with the fixture's per-graph sklearn values.
        let sk: Vec<f64> = case.graphs.iter().map(|g| num(g, "mcc")).collect();
        check_aggregate(&report.mcc, &sk, "mcc vs sklearn");
    }
}

#[test]
fn mean_std_err_closed_forms_and_errors() {
    let s = MeanStdErr::from_values(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]).unwrap();
    // Sum 40, mean 5, Σ(x − 5)² = 32, sample variance 32/7.
    assert_eq!(s.mean, 5.0);
    assert_close(s.std_err, (32.0f64 / 7.0 / 8.0).sqrt(), 1e-15, "std_err");
    let one = MeanStdErr::from_values(&[3.5]).unwrap();
    assert_eq!((one.mean, one.std_err, one.n), (3.5, 0.0, 1));
    assert!(matches!(
        MeanStdErr::from_values(&[]),
        Err(GslError::InvalidArgument { .. })
    ));
    assert!(matches!(
        MeanStdErr::from_values(&[1.0, f64::NAN]),
        Err(GslError::NonFinite(_))
    ));
    assert!(matches!(
        MeanStdErr::from_values(&[f64::NEG_INFINITY]),
        Err(GslError::NonFinite(_))
    ));
}

#[test]
fn perfect_prediction_scores_perfectly() {
    let device = device();
    let truth_rows = vec![
        vec![1.5, 0.0, 0.7, 0.0, 0.0, 2.0],
        vec![0.0, 0.3, 0.0, 1.0, 0.0, 0.0],
    ];
    let truth = batch(&truth_rows, &device);
    let report = evaluate(truth.clone(), truth, 0.0).unwrap();
    for g in &report.graphs {
        assert_eq!(
            (g.f1, g.mcc, g.auc, g.average_precision),
            (1.0, 1.0, 1.0, 1.0)
        );
        assert_eq!(
            (g.precision, g.recall, g.accuracy, g.error),
            (1.0, 1.0, 1.0, 0.0)
        );
        assert_eq!(g.shd, 0);
        assert_eq!((g.se, g.nse, g.nse_nonneg), (0.0, 0.0, 0.0));
        assert_eq!(g.nse_db, f64::NEG_INFINITY);
    }
    assert_eq!(report.shd.mean, 0.0);
    assert_eq!(report.f1.std_err, 0.0);
    // An exact recovery has −∞ dB, which has no mean ± standard error.
    assert!(report.nse_db.is_none());
}

#[test]
fn inverted_prediction_scores_worst() {
    let device = device();
    let labels = vec![vec![1.0, 0.0, 0.0, 1.0, 1.0, 0.0]];
    let inverted: Vec<Vec<f32>> = labels
        .iter()
        .map(|r| r.iter().map(|v| 1.0 - v).collect())
        .collect();
    let report = evaluate(batch(&inverted, &device), batch(&labels, &device), 0.5).unwrap();
    let g = report.graphs[0];
    assert_eq!((g.f1, g.mcc, g.auc), (0.0, -1.0, 0.0));
    assert_eq!(
        (g.precision, g.recall, g.accuracy, g.error),
        (0.0, 0.0, 0.0, 1.0)
    );
    assert_eq!(g.shd, 6);
    // The positives tie at the bottom: one precision-recall step, to recall 1 at precision 3/6.
    assert_eq!(g.average_precision, 0.5);
}

#[test]
fn zero_prediction_has_unit_nse() {
    let device = device();
    let truth = batch(&[vec![0.5, 0.0, 2.0], vec![0.0, 1.0, 3.0]], &device);
    let zeros = Tensor::<2>::zeros([2, 3], &device);
    for r in regression(zeros.clone(), truth.clone()).unwrap() {
        assert_eq!(r.nse, 1.0);
        assert_eq!(r.nse_db, 0.0);
        assert_eq!(r.nse_nonneg, 1.0);
    }
    assert_eq!(gmse(zeros, truth.clone()).unwrap(), 1.0);
    // Negative predictions cost their square in NSE but nothing in GMSE (clamped to 0 first).
    let negative = batch(&[vec![-1.0, -1.0, 0.0], vec![0.0, 0.0, -2.0]], &device);
    let r = regression(negative.clone(), truth.clone()).unwrap();
    assert_close(r[0].nse, (1.5f64.powi(2) + 1.0 + 4.0) / 4.25, 1e-6, "nse");
    assert_close(r[1].nse, (1.0 + 25.0) / 10.0, 1e-6, "nse");
    assert_eq!(gmse(negative, truth).unwrap(), 1.0);
}

#[test]
fn mcc_is_overflow_safe() {
    // The marginals' product (4e12)^4 = 2.56e50 overflows every integer type.
    let c = Confusion {
        true_positives: 3_000_000_000_000,
        false_positives: 1_000_000_000_000,
        true_negatives: 3_000_000_000_000,
        false_negatives: 1_000_000_000_000,
    };
    assert_close(c.mcc(), 0.5, 1e-12, "mcc");
    // Empty marginals give 0, not NaN (scikit-learn's convention).
    let one_class = Confusion {
        true_positives: 0,
        false_positives: 0,
        true_negatives: 5,
        false_negatives: 3,
    };
    assert_eq!(one_class.mcc(), 0.0);
    assert_eq!((one_class.precision(), one_class.f1()), (0.0, 0.0));
    let nothing = Confusion {
        true_negatives: 4,
        ..Confusion::default()
    };
    // No true and no predicted edge: F1's 0/0 is 0 (zero_division=0), accuracy is 1.
    assert_eq!(
        (nothing.f1(), nothing.recall(), nothing.accuracy()),
        (0.0, 0.0, 1.0)
    );
}

/// Deterministic host-side generator (splitmix64), so test inputs are the same on every backend.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Random truths (weighted) and predictions on a coarse grid of signed values, so scores tie
/// within and across graphs and classes. Every graph has an edge and a non-edge.
fn random_tied_batch(rng: &mut SplitMix, b: usize, m: usize) -> (Vec<Vec<f32>>, Vec<Vec<f32>>) {
    let mut pred = Vec::new();
    let mut truth = Vec::new();
    for _ in 0..b {
        let mut t: Vec<f32> = (0..m)
            .map(|_| {
                if rng.below(3) == 0 {
                    0.5 + rng.below(4) as f32 * 0.5
                } else {
                    0.0
                }
            })
            .collect();
        t[0] = 1.0;
        t[1] = 0.0;
        let p: Vec<f32> = t
            .iter()
            .map(|&w| {
                let level = rng.below(8) as f32 + if w != 0.0 { 3.0 } else { 0.0 };
                let sign = if rng.below(4) == 0 { -1.0 } else { 1.0 };
                sign * level / 8.0
            })
            .collect();
        pred.push(p);
        truth.push(t);
    }
    (pred, truth)
}

/// Confusion counts computed on the host, independently of the library's device code.
fn host_confusions(pred: &[Vec<f32>], truth: &[Vec<f32>], t: f32) -> Vec<Confusion> {
    pred.iter()
        .zip(truth)
        .map(|(p, w)| {
            let mut c = Confusion::default();
            for (&s, &y) in p.iter().zip(w) {
                match (s.abs() > t, y != 0.0) {
                    (true, true) => c.true_positives += 1,
                    (true, false) => c.false_positives += 1,
                    (false, false) => c.true_negatives += 1,
                    (false, true) => c.false_negatives += 1,
                }
            }
            c
        })
        .collect()
}

fn host_mean(pred: &[Vec<f32>], truth: &[Vec<f32>], t: f32, metric: ThresholdMetric) -> f64 {
    let cs = host_confusions(pred, truth, t);
    cs.iter().map(|c| c.value(metric)).sum::<f64>() / cs.len() as f64
}

const METRICS: [ThresholdMetric; 6] = [
    ThresholdMetric::Accuracy,
    ThresholdMetric::Error,
    ThresholdMetric::F1,
    ThresholdMetric::Mcc,
    ThresholdMetric::Precision,
    ThresholdMetric::Recall,
];

#[test]
fn best_threshold_equals_exhaustive_search() {
    let device = device();
    let mut rng = SplitMix(7);
    for trial in 0..6 {
        let (b, m) = (2 + trial % 3, [10, 15, 21][trial % 3]);
        let (pred, truth) = random_tied_batch(&mut rng, b, m);
        // Every distinct cut: each distinct |pred| value as threshold (selects what is above
        // it), plus one below everything.
        let mut candidates: Vec<f32> = pred.iter().flatten().map(|v| v.abs()).collect();
        candidates.push(-1.0);
        candidates.sort_by(|a, b| b.total_cmp(a));
        candidates.dedup();
        for metric in METRICS {
            let sign = if metric.minimise() { -1.0 } else { 1.0 };
            let values: Vec<f64> = candidates
                .iter()
                .map(|&t| host_mean(&pred, &truth, t, metric))
                .collect();
            let best = values
                .iter()
                .map(|v| sign * v)
                .fold(f64::NEG_INFINITY, f64::max);
            // Candidates run from the highest threshold down: the first optimum is the sparsest.
            let first = values
                .iter()
                .position(|v| sign * v >= best - 1e-12)
                .unwrap();

            let choice =
                best_threshold(batch(&pred, &device), batch(&truth, &device), metric).unwrap();
            let what = format!("trial {trial} {metric:?}");
            assert_close(sign * choice.value, best, 1e-12, &what);
            assert_close(
                choice.value,
                host_mean(&pred, &truth, choice.threshold, metric),
                1e-12,
                &what,
            );
            // The same cut as the sparsest optimal candidate…
            assert_eq!(
                host_confusions(&pred, &truth, choice.threshold),
                host_confusions(&pred, &truth, candidates[first]),
                "{what}"
            );
            // …with the threshold strictly inside it, away from every score.
            assert!(
                pred.iter().flatten().all(|v| v.abs() != choice.threshold),
                "{what}: threshold {} sits on a score",
                choice.threshold
            );
        }
    }
}

#[test]
fn best_threshold_closed_forms() {
    let device = device();
    // Separable: positives score 0.6 and above, negatives 0.4 and below, in both graphs.
    let truth = batch(
        &[vec![1.0, 0.0, 2.0, 0.0], vec![0.0, 3.0, 0.0, 1.0]],
        &device,
    );
    let pred = batch(
        &[vec![0.8, 0.4, 0.6, 0.0], vec![0.2, 0.9, 0.4, 0.7]],
        &device,
    );
    for metric in [
        ThresholdMetric::Accuracy,
        ThresholdMetric::F1,
        ThresholdMetric::Mcc,
    ] {
        let c = best_threshold(pred.clone(), truth.clone(), metric).unwrap();
        assert_eq!(c.value, 1.0);
        assert_eq!(c.threshold, 0.5);
    }
    let c = best_threshold(pred.clone(), truth.clone(), ThresholdMetric::Error).unwrap();
    assert_eq!((c.value, c.threshold), (0.0, 0.5));
    // Precision 1 is first reached by predicting only the top score 0.9 (graph 0 then has
    // precision 0); the highest cut with precision 1 in both graphs is between 0.7 and 0.8.
    let c = best_threshold(pred.clone(), truth.clone(), ThresholdMetric::Precision).unwrap();
    assert_eq!(c.value, 1.0);
    assert_eq!(c.threshold, 0.75);
    // Recall 1 needs every positive: the highest such cut is between 0.4 and 0.6.
    let c = best_threshold(pred, truth.clone(), ThresholdMetric::Recall).unwrap();
    assert_eq!(c.value, 1.0);
    assert_eq!(c.threshold, 0.5);

    // Constant scores: only "nothing" or "everything" can be predicted. Recall prefers all
    // (threshold below the scores), accuracy prefers nothing here (more non-edges).
    let flat = Tensor::<2>::full([2, 4], 0.3, &device);
    let sparse = batch(
        &[vec![1.0, 0.0, 0.0, 0.0], vec![0.0, 0.0, 0.0, 1.0]],
        &device,
    );
    let c = best_threshold(flat.clone(), sparse.clone(), ThresholdMetric::Recall).unwrap();
    assert_eq!((c.value, c.threshold), (1.0, 0.15));
    let c = best_threshold(flat, sparse.clone(), ThresholdMetric::Accuracy).unwrap();
    assert_eq!((c.value, c.threshold), (0.75, 0.6));
    // All-zero scores: the cut below them needs a negative threshold.
    let zeros = Tensor::<2>::zeros([2, 4], &device);
    let c = best_threshold(zeros.clone(), sparse.clone(), ThresholdMetric::Recall).unwrap();
    assert_eq!((c.value, c.threshold), (1.0, -1.0));
    let c = best_threshold(zeros, sparse, ThresholdMetric::Accuracy).unwrap();
    assert_eq!((c.value, c.threshold), (0.75, 1.0));
}

/// Symmetric dense batch `[B, N, N]` from half-vectors, with junk on the diagonal and, when
/// `junk_lower`, an unrelated lower triangle (which must be ignored).
fn dense_from_rows(rows: &[Vec<f32>], n: usize, junk_lower: bool, device: &Device) -> Tensor<3> {
    let b = rows.len();
    let mut data = vec![0.0f32; b * n * n];
    for (g, row) in rows.iter().enumerate() {
        let mut k = 0;
        for i in 0..n {
            data[g * n * n + i * n + i] = 9.0;
            for j in i + 1..n {
                data[g * n * n + i * n + j] = row[k];
                data[g * n * n + j * n + i] = if junk_lower { -7.0 } else { row[k] };
                k += 1;
            }
        }
    }
    Tensor::from_data(TensorData::new(data, [b, n, n]), device)
}

#[test]
fn dense_helpers_read_the_upper_triangle() {
    let device = device();
    let case = fixture_cases()
        .into_iter()
        .find(|c| c.name == "continuous")
        .unwrap();
    let n = 12;
    let pred = dense_from_rows(&case.pred, n, true, &device);
    let truth = dense_from_rows(&case.truth, n, false, &device);
    let (hp, ht) = halfvec_pair(pred.clone(), truth.clone()).unwrap();
    assert_eq!(gsl_core::tensor::to_vec_f32(hp), case.pred.concat());
    assert_eq!(gsl_core::tensor::to_vec_f32(ht), case.truth.concat());

    let dense = evaluate_dense(pred.clone(), truth.clone(), case.threshold).unwrap();
    let flat = evaluate(
        batch(&case.pred, &device),
        batch(&case.truth, &device),
        case.threshold,
    )
    .unwrap();
    assert_eq!(dense, flat);
    let d = best_threshold_dense(pred, truth, ThresholdMetric::Mcc).unwrap();
    let f = best_threshold(
        batch(&case.pred, &device),
        batch(&case.truth, &device),
        ThresholdMetric::Mcc,
    )
    .unwrap();
    assert_eq!(d, f);
}

fn shape<T>(r: Result<T, GslError>) -> bool {
    matches!(r, Err(GslError::ShapeMismatch { .. }))
}

fn non_finite<T>(r: Result<T, GslError>) -> bool {
    matches!(r, Err(GslError::NonFinite(_)))
}

fn empty<T>(r: Result<T, GslError>) -> bool {
    matches!(r, Err(GslError::EmptyGraph(_)))
}

fn invalid<T>(r: Result<T, GslError>) -> bool {
    matches!(r, Err(GslError::InvalidArgument { .. }))
}

#[test]
fn invalid_inputs_are_errors() {
    let device = device();
    let ok = batch(&[vec![1.0, 0.0, 0.5]], &device);
    let other_shape = Tensor::<2>::zeros([1, 4], &device);
    assert!(shape(confusion(ok.clone(), other_shape.clone(), 0.1)));
    assert!(shape(ranking(ok.clone(), other_shape.clone())));
    assert!(shape(regression(other_shape.clone(), ok.clone())));
    assert!(shape(gmse(ok.clone(), other_shape.clone())));
    assert!(shape(best_threshold(
        ok.clone(),
        other_shape.clone(),
        ThresholdMetric::F1
    )));
    assert!(shape(evaluate(ok.clone(), other_shape, 0.1)));

    // NaN / Inf in either input.
    let nan = batch(&[vec![1.0, f32::NAN, 0.5]], &device);
    let inf = batch(&[vec![1.0, 0.0, f32::INFINITY]], &device);
    assert!(non_finite(confusion(nan.clone(), ok.clone(), 0.1)));
    assert!(non_finite(confusion(ok.clone(), inf.clone(), 0.1)));
    assert!(non_finite(ranking(nan.clone(), ok.clone())));
    assert!(non_finite(regression(ok.clone(), inf.clone())));
    assert!(non_finite(best_threshold(
        inf.clone(),
        ok.clone(),
        ThresholdMetric::Mcc
    )));
    assert!(non_finite(evaluate(ok.clone(), nan, 0.1)));
    // Finite inputs whose squares overflow f32 are reported, not turned into inf/NaN.
    let huge = batch(&[vec![3e38, 0.0, 3e38]], &device);
    assert!(non_finite(regression(huge, ok.clone())));

    // Empty half-vectors (N < 2) and empty batches.
    let no_pairs = Tensor::<2>::zeros([2, 0], &device);
    let no_graphs = Tensor::<2>::zeros([0, 3], &device);
    assert!(empty(confusion(no_pairs.clone(), no_pairs.clone(), 0.1)));
    assert!(empty(ranking(no_pairs.clone(), no_pairs.clone())));
    assert!(empty(regression(no_graphs.clone(), no_graphs.clone())));
    assert!(empty(best_threshold(
        no_pairs.clone(),
        no_pairs.clone(),
        ThresholdMetric::F1
    )));
    assert!(empty(evaluate(no_graphs.clone(), no_graphs, 0.1)));
    let one_node = Tensor::<3>::zeros([2, 1, 1], &device);
    assert!(empty(evaluate_dense(one_node.clone(), one_node, 0.1)));
    let not_square = Tensor::<3>::zeros([1, 3, 4], &device);
    assert!(shape(halfvec_pair(not_square.clone(), not_square)));
    let (d3, d4) = (
        Tensor::<3>::zeros([1, 3, 3], &device),
        Tensor::<3>::zeros([1, 4, 4], &device),
    );
    assert!(shape(best_threshold_dense(d3, d4, ThresholdMetric::F1)));

    // NaN threshold.
    assert!(invalid(confusion(ok.clone(), ok.clone(), f32::NAN)));
    assert!(invalid(evaluate(ok.clone(), ok.clone(), f32::NAN)));

    // One class only: ranking metrics are undefined.
    let all_edges = batch(&[vec![1.0, 0.0, 0.5], vec![1.0, 2.0, 3.0]], &device);
    let no_edges = batch(&[vec![1.0, 0.0, 0.5], vec![0.0, 0.0, 0.0]], &device);
    let scores = batch(&[vec![0.3, 0.2, 0.1], vec![0.3, 0.2, 0.1]], &device);
    assert!(invalid(ranking(scores.clone(), all_edges.clone())));
    assert!(invalid(ranking(scores.clone(), no_edges.clone())));
    assert!(invalid(evaluate(scores.clone(), all_edges, 0.1)));
    // ‖w‖ = 0: NSE is undefined.
    assert!(invalid(regression(scores.clone(), no_edges.clone())));
    assert!(invalid(gmse(scores.clone(), no_edges.clone())));
    assert!(invalid(evaluate(scores.clone(), no_edges.clone(), 0.1)));
    // Classification stays defined on an edgeless graph (zero_division conventions).
    let c = confusion(scores, no_edges, 0.15).unwrap();
    assert_eq!(
        (c[1].precision(), c[1].recall(), c[1].mcc()),
        (0.0, 0.0, 0.0)
    );
}
