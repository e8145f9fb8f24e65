//! Graphical lasso and GLAD's AM step: agreement with scikit-learn's `graphical_lasso`
//! (fixtures from `tests/fixtures/make_fixtures.py`), duality gap, monotone objective, recovery
//! of planted precision supports, closed forms and bad input.

use burn::tensor::{Device, Tensor, TensorData};
use gsl_core::dense::halfvec;
use gsl_core::metrics::confusion;
use gsl_core::tensor::to_vec_f32;
use gsl_mb::glad::{AmConfig, alternating_minimisation, glad_theta_update};
use gsl_mb::glasso::{GlassoConfig, gista_step, glasso_certificate, graphical_lasso};
use gsl_mb::linalg::cholesky;
use serde_json::Value;

fn device() -> Device {
    gsl_core::device::device_from_name("flex").unwrap()
}

struct Case {
    n: usize,
    alpha: f64,
    covariance: Vec<f32>,
    truth: Vec<f32>,
    sklearn: Vec<f32>,
    sklearn_objective: f64,
}

fn cases() -> Vec<Case> {
    let text = include_str!("fixtures/glasso.json");
    let json: Value = serde_json::from_str(text).unwrap();
    let floats = |v: &Value| -> Vec<f32> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap() as f32)
            .collect()
    };
    json["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| Case {
            n: c["n"].as_u64().unwrap() as usize,
            alpha: c["alpha"].as_f64().unwrap(),
            covariance: floats(&c["covariance"]),
            truth: floats(&c["precision_true"]),
            sklearn: floats(&c["precision_sklearn"]),
            sklearn_objective: c["objective_sklearn"].as_f64().unwrap(),
        })
        .collect()
}

fn batch(values: Vec<f32>, b: usize, n: usize) -> Tensor<3> {
    Tensor::from_data(TensorData::new(values, [b, n, n]), &device())
}

fn config(alpha: f64) -> GlassoConfig {
    let mut c = GlassoConfig::new(alpha);
    c.tol = 1e-6;
    c.max_iter = 2000;
    c
}

#[test]
fn agrees_with_scikit_learn_and_certifies_the_gap() {
    for case in cases() {
        let s = batch(case.covariance.clone(), 1, case.n);
        let report = graphical_lasso(s.clone(), &config(case.alpha), None).unwrap();
        assert!(report.converged, "n = {} α = {}", case.n, case.alpha);
        let sol = &report.estimate;
        // Objectives within 1e-4 relative (the target).
        let rel = (sol.objective[0] - case.sklearn_objective).abs() / case.sklearn_objective.abs();
        assert!(
            rel < 1e-4,
            "n = {} α = {}: objective {} vs scikit-learn {}",
            case.n,
            case.alpha,
            sol.objective[0],
            case.sklearn_objective
        );
        // The gap is an upper bound on the suboptimality, so we cannot be worse than sklearn
        // by more than it (plus f32 rounding).
        assert!(sol.objective[0] <= case.sklearn_objective + sol.duality_gap[0] + 1e-4);
        let theta = to_vec_f32(sol.precision.clone());
        let scale = case.sklearn.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        let worst = theta
            .iter()
            .zip(&case.sklearn)
            .fold(0.0f32, |m, (a, b)| m.max((a - b).abs()));
        assert!(worst < 2e-2 * scale, "n = {}: max |ΔΘ| = {worst}", case.n);
        // Independent re-evaluation of the certificate at the returned solution.
        let (obj, gap) = glasso_certificate(s, sol.precision.clone(), case.alpha).unwrap();
        assert!(
            gap[0] <= 1e-6 * obj[0].abs().max(1.0) * 10.0,
            "gap {}",
            gap[0]
        );
    }
}

#[test]
fn objective_decreases_monotonically() {
    let case = &cases()[3];
    let s = batch(case.covariance.clone(), 1, case.n);
    let report = graphical_lasso(s, &config(case.alpha), None).unwrap();
    assert!(report.iterations > 3);
    for w in report.objective.windows(2) {
        // G-ISTA's backtracking guarantees descent; allow f32 rounding of sums of size ~|P|.
        assert!(w[1][0] <= w[0][0] + 1e-5 * w[0][0].abs(), "{:?}", w);
    }
}

/// The batched tensor iteration (taken on an autodiff device, as on a GPU) solves every
/// problem of a batch as a separate run does.
#[test]
fn batch_equals_separate_runs() {
    let all = cases();
    let small: Vec<&Case> = all.iter().filter(|c| c.n == 10).collect();
    let values: Vec<f32> = small.iter().flat_map(|c| c.covariance.clone()).collect();
    let b = small.len();
    let ad = device().autodiff();
    let s = Tensor::<3>::from_data(TensorData::new(values, [b, 10, 10]), &ad);
    let joint = graphical_lasso(s, &config(0.1), None).unwrap();
    let joint_theta = to_vec_f32(joint.estimate.precision.inner());
    for (i, c) in small.iter().enumerate() {
        let single =
            graphical_lasso(batch(c.covariance.clone(), 1, 10), &config(0.1), None).unwrap();
        let theta = to_vec_f32(single.estimate.precision);
        let worst = theta
            .iter()
            .zip(&joint_theta[i * 100..(i + 1) * 100])
            .fold(0.0f32, |m, (a, b)| m.max((a - b).abs()));
        assert!(worst < 1e-3, "problem {i}: {worst}");
    }
}

/// On plain Flex a batch of small problems runs as independent problems; the merged report
/// holds each problem's own answer, the longest run's length, and per step the largest
/// residual, where a problem that stopped early contributes its last one.
#[test]
fn split_batch_report_merges_the_problems() {
    let all = cases();
    let small: Vec<&Case> = all.iter().filter(|c| c.n == 10).collect();
    let values: Vec<f32> = small.iter().flat_map(|c| c.covariance.clone()).collect();
    let b = small.len();
    assert!(b >= 2);
    let mut seen = Vec::new();
    let mut callback = |info: &gsl_mb::solver::IterationInfo| seen.push(info.iteration);
    let joint = graphical_lasso(batch(values, b, 10), &config(0.1), Some(&mut callback)).unwrap();
    let singles: Vec<_> = small
        .iter()
        .map(|c| graphical_lasso(batch(c.covariance.clone(), 1, 10), &config(0.1), None).unwrap())
        .collect();
    let longest = singles.iter().map(|r| r.iterations).max().unwrap();
    assert_eq!(joint.iterations, longest);
    assert_eq!(seen, (1..=longest).collect::<Vec<_>>());
    assert!(joint.converged);
    assert_eq!(joint.residual.len(), longest);
    assert_eq!(joint.objective.len(), longest);
    for it in 0..longest {
        let worst = singles
            .iter()
            .map(|r| r.residual[it.min(r.residual.len() - 1)])
            .fold(0.0, f64::max);
        assert_eq!(joint.residual[it], worst);
        assert_eq!(joint.objective[it].len(), b);
    }
    let theta = to_vec_f32(joint.estimate.precision);
    for (i, single) in singles.iter().enumerate() {
        assert_eq!(joint.estimate.objective[i], single.estimate.objective[0]);
        assert_eq!(
            joint.estimate.duality_gap[i],
            single.estimate.duality_gap[0]
        );
        assert_eq!(
            &theta[i * 100..(i + 1) * 100],
            &to_vec_f32(single.estimate.precision.clone())[..]
        );
        let last = joint.objective.last().unwrap()[i];
        assert_eq!(last, *single.objective.last().unwrap().first().unwrap());
    }
}

#[test]
fn recovers_the_planted_support() {
    // GLAD's recipe, N = 30, 38 true edges, 1000 samples; scikit-learn reaches F1 0.84 at
    // α = 0.05 with zero as the cut. We require F1 >= 0.8 on the exact zeros of Θ̂.
    let case = cases().into_iter().find(|c| c.n == 30).unwrap();
    let report = graphical_lasso(
        batch(case.covariance.clone(), 1, 30),
        &config(case.alpha),
        None,
    )
    .unwrap();
    let pred = halfvec(report.estimate.precision).unwrap();
    let truth = halfvec(batch(case.truth.clone(), 1, 30)).unwrap();
    let c = confusion(pred, truth, 1e-6).unwrap()[0];
    assert!(c.f1() >= 0.8, "F1 {}", c.f1());
}

#[test]
fn two_by_two_closed_form() {
    // N = 2: the dual solution is W = [[S11, soft(S12, α)], [·, S22]] and Θ = W⁻¹.
    let s = batch(vec![1.0, 0.5, 0.5, 2.0], 1, 2);
    let report = graphical_lasso(s, &config(0.1), None).unwrap();
    let theta = to_vec_f32(report.estimate.precision);
    let det = 2.0 - 0.16;
    let expected = [2.0 / det, -0.4 / det, -0.4 / det, 1.0 / det];
    // The gap certifies the objective to ~1e-6; the minimiser itself is then accurate to about
    // its square root (the objective is strongly convex near Θ*).
    for (a, b) in theta.iter().zip(expected) {
        assert!((a - b).abs() < 3e-3, "{theta:?} vs {expected:?}");
    }
    let (obj, _) = glasso_certificate(
        batch(vec![1.0, 0.5, 0.5, 2.0], 1, 2),
        batch(expected.to_vec(), 1, 2),
        0.1,
    )
    .unwrap();
    assert!((report.estimate.objective[0] - obj[0]).abs() < 1e-5);
}

#[test]
fn bad_input_is_an_error() {
    let good = batch(vec![1.0, 0.2, 0.2, 1.0], 1, 2);
    let cfg = GlassoConfig::new(0.1);
    let non_symmetric = batch(vec![1.0, 0.5, 0.1, 1.0], 1, 2);
    assert!(graphical_lasso(non_symmetric, &cfg, None).is_err());
    let not_psd = batch(vec![1.0, 2.0, 2.0, 1.0], 1, 2);
    let err = graphical_lasso(not_psd, &cfg, None).unwrap_err();
    assert!(err.to_string().contains("positive semi-definite"), "{err}");
    let nan = batch(vec![1.0, f32::NAN, f32::NAN, 1.0], 1, 2);
    assert!(graphical_lasso(nan, &cfg, None).is_err());
    for alpha in [0.0, -1.0, f64::NAN] {
        assert!(graphical_lasso(good.clone(), &GlassoConfig::new(alpha), None).is_err());
    }
    assert!(graphical_lasso(batch(vec![1.0], 1, 1), &cfg, None).is_err());
    let rect = Tensor::<3>::zeros([1, 2, 3], &device());
    assert!(graphical_lasso(rect, &cfg, None).is_err());
    // Step functions check shapes: a per-problem α for 3 problems against a batch of 1.
    let a3 = Tensor::<3>::ones([3, 1, 1], &device());
    let t = Tensor::<3>::ones([1, 1, 1], &device());
    assert!(gista_step(good.clone(), good.clone(), good.clone(), a3, t.clone()).is_err());
    assert!(
        gista_step(
            good.clone(),
            good.clone(),
            good.clone(),
            t.clone(),
            t.clone()
        )
        .is_ok()
    );
    let z3 = Tensor::<3>::zeros([1, 3, 3], &device());
    assert!(glad_theta_update(good, z3, t, 10).is_err());
}

#[test]
fn glad_theta_update_solves_its_subproblem() {
    // Θ⁺ minimises tr(SΘ) − log det Θ + (λ/2)‖Z − Θ‖²: S − Θ⁻¹ + λ(Θ − Z) = 0.
    let case = &cases()[0];
    let n = case.n;
    let s = batch(case.covariance.clone(), 1, n);
    let z = batch(case.sklearn.clone(), 1, n);
    let lambda = 2.0f32;
    let l = Tensor::<3>::full([1, 1, 1], lambda, &device());
    let theta = glad_theta_update(s.clone(), z.clone(), l, 40).unwrap();
    let inv = cholesky(theta.clone()).unwrap().inverse();
    let residual = s.sub(inv).add(theta.sub(z).mul_scalar(lambda));
    let worst: f32 = residual.abs().max().into_scalar();
    assert!(worst < 1e-3, "stationarity residual {worst}");
}

#[test]
fn glad_am_approaches_the_graphical_lasso() {
    // With a strong coupling λ the AM fixed point's Z is near the graphical-lasso solution.
    let case = &cases()[0];
    let s = batch(case.covariance.clone(), 1, case.n);
    let mut cfg = AmConfig::new(case.alpha, 50.0);
    cfg.tol = 1e-6;
    cfg.max_iter = 3000;
    let report = alternating_minimisation(s.clone(), &cfg, None).unwrap();
    assert!(report.converged, "{} iterations", report.iterations);
    let (obj, _) = glasso_certificate(s, report.estimate.z.clone(), case.alpha).unwrap();
    let rel = (obj[0] - case.sklearn_objective) / case.sklearn_objective.abs();
    assert!(
        rel.abs() < 1e-2,
        "AM objective {} vs {}",
        obj[0],
        case.sklearn_objective
    );
}

#[test]
fn budget_stop_after_a_skipped_certificate_still_reports_the_gap() {
    // One step from diag(S)⁻¹ lowers the objective by far more than tol, so that step's
    // certificate is skipped; the returned gap must still be the one of the returned Θ.
    let case = cases().into_iter().find(|c| c.n > 2).unwrap();
    let s = batch(case.covariance.clone(), 1, case.n);
    let mut c = config(case.alpha);
    c.max_iter = 1;
    let report = graphical_lasso(s.clone(), &c, None).unwrap();
    assert!(!report.converged);
    assert!(report.residual[0] > c.tol);
    let sol = &report.estimate;
    let (obj, gap) = glasso_certificate(s, sol.precision.clone(), case.alpha).unwrap();
    assert!((sol.objective[0] - obj[0]).abs() < 1e-4 * obj[0].abs().max(1.0));
    assert!((sol.duality_gap[0] - gap[0]).abs() < 1e-3 * gap[0].max(1e-3));
    assert!(gap[0] > c.tol * obj[0].abs().max(1.0));
}

#[test]
fn every_problem_of_a_batch_is_certified_at_its_returned_precision() {
    // Problems are frozen one by one as their gaps pass; each returned Θ must still carry a
    // gap below tol when re-evaluated independently.
    let all = cases();
    let small: Vec<&Case> = all.iter().filter(|c| c.n == 10).collect();
    let values: Vec<f32> = small.iter().flat_map(|c| c.covariance.clone()).collect();
    let b = small.len();
    let s = batch(values, b, 10);
    let c = config(0.1);
    let report = graphical_lasso(s.clone(), &c, None).unwrap();
    assert!(report.converged);
    let (obj, gap) = glasso_certificate(s, report.estimate.precision.clone(), 0.1).unwrap();
    for i in 0..b {
        assert!(
            gap[i] / obj[i].abs().max(1.0) < 1.5 * c.tol,
            "problem {i}: gap {}",
            gap[i]
        );
        assert!((report.estimate.duality_gap[i] - gap[i]).abs() < 1e-3 * obj[i].abs().max(1.0));
    }
}

/// Regression: on GLAD's Gaussian recipe (N = 20, 500 samples) the first G-ISTA step used to
/// be rejected 40 times because f32 rounding of `tr(SΘ) − log det Θ` exceeded the line search's
/// slack, so `graphical_lasso` failed with "no acceptable step". Every α of a validation grid
/// must now solve and certify every problem.
#[test]
fn glad_gaussian_covariances_solve_at_every_alpha() {
    use gsl_data::supervised::{Recipe, Split, SplitSizes};
    let device = device();
    let data = Recipe::glad_gaussian(SplitSizes::new(64, 16, 16), 20, 500, 0)
        .build(&device)
        .unwrap();
    let s = data
        .batch(data.indices(Split::Val), &device)
        .unwrap()
        .observation;
    for alpha in [0.01, 0.02, 0.05, 0.1, 0.2, 0.3] {
        let report = graphical_lasso(s.clone(), &GlassoConfig::new(alpha), None)
            .unwrap_or_else(|e| panic!("alpha {alpha}: {e}"));
        assert!(
            report.converged,
            "alpha {alpha} did not converge: {} iterations, residual {:?}",
            report.iterations,
            report.final_residual(),
        );
    }
}
