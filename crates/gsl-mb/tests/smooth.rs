//! Smooth-signal models (log and ℓ2) and the large-scale log model: closed forms on tiny cases,
//! KKT conditions at the returned solution, agreement of the degree operator with gsl-core's,
//! recovery of a planted graph from smooth signals (fixture from `make_fixtures.py`), batching
//! and bad input.

use burn::tensor::{Device, Tensor, TensorData};
use gsl_core::metrics::{ThresholdMetric, best_threshold};
use gsl_core::ops::{degree_op, degree_op_adjoint};
use gsl_core::tensor::to_vec_f32;
use gsl_mb::large::{LargeScaleConfig, automatic_theta, large_scale_log_model};
use gsl_mb::smooth::{
    PairSupport, SmoothConfig, SmoothState, fbf_step, learn_smooth, smooth_objective,
};
use serde_json::Value;

fn device() -> Device {
    gsl_core::device::device_from_name("flex").unwrap()
}

fn row(values: Vec<f32>) -> Tensor<2> {
    let m = values.len();
    Tensor::from_data(TensorData::new(values, [1, m]), &device())
}

fn tight(mut c: SmoothConfig) -> SmoothConfig {
    c.tol = 1e-7;
    c.max_iter = 20_000;
    c
}

#[test]
fn log_model_closed_forms() {
    let (alpha, beta) = (1.5f64, 0.7f64);
    // N = 2: 2wz − 2α log w + βw² → βw² + zw − α = 0.
    let z = 0.8f64;
    let support = PairSupport::complete(2, &device()).unwrap();
    let r = learn_smooth(
        row(vec![z as f32]),
        &support,
        &tight(SmoothConfig::log(alpha, beta)),
        false,
        None,
    )
    .unwrap();
    let w = f64::from(to_vec_f32(r.estimate.w)[0]);
    let expected = (-z + (z * z + 4.0 * alpha * beta).sqrt()) / (2.0 * beta);
    assert!((w - expected).abs() < 1e-4, "{w} vs {expected}");
    // N = 3 with equal distances: 2βw² + 2zw − α = 0.
    let support = PairSupport::complete(3, &device()).unwrap();
    let r = learn_smooth(
        row(vec![z as f32; 3]),
        &support,
        &tight(SmoothConfig::log(alpha, beta)),
        false,
        None,
    )
    .unwrap();
    let expected = (-2.0 * z + (4.0 * z * z + 8.0 * alpha * beta).sqrt()) / (4.0 * beta);
    for w in to_vec_f32(r.estimate.w) {
        assert!((f64::from(w) - expected).abs() < 1e-4, "{w} vs {expected}");
    }
}

#[test]
fn l2_model_closed_forms() {
    // The constraint ‖W‖₁,₁ = N fixes w = 1 for N = 2 and, by symmetry, w = 1/2 for N = 3
    // with equal distances.
    let support = PairSupport::complete(2, &device()).unwrap();
    let r = learn_smooth(
        row(vec![3.0]),
        &support,
        &tight(SmoothConfig::l2(0.5)),
        false,
        None,
    )
    .unwrap();
    assert!((to_vec_f32(r.estimate.w)[0] - 1.0).abs() < 1e-4);
    let support = PairSupport::complete(3, &device()).unwrap();
    let r = learn_smooth(
        row(vec![2.0; 3]),
        &support,
        &tight(SmoothConfig::l2(0.5)),
        false,
        None,
    )
    .unwrap();
    for w in to_vec_f32(r.estimate.w) {
        assert!((w - 0.5).abs() < 1e-4, "{w}");
    }
    // Unequal distances: the constraint holds and the far pair gets the smallest weight.
    let r = learn_smooth(
        row(vec![0.1, 1.0, 1.0]),
        &support,
        &tight(SmoothConfig::l2(0.5)),
        false,
        None,
    )
    .unwrap();
    let w = to_vec_f32(r.estimate.w);
    assert!((2.0 * w.iter().sum::<f32>() - 3.0).abs() < 1e-3, "{w:?}");
    assert!(w[0] > w[1] && (w[1] - w[2]).abs() < 1e-4);
}

struct Planted {
    n: usize,
    z: Vec<f32>,
    truth: Vec<f32>,
}

fn planted() -> Planted {
    let json: Value = serde_json::from_str(include_str!("fixtures/smooth.json")).unwrap();
    let floats = |v: &Value| -> Vec<f32> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap() as f32)
            .collect()
    };
    Planted {
        n: json["n"].as_u64().unwrap() as usize,
        z: floats(&json["z"]),
        truth: floats(&json["w_true"]),
    }
}

/// Every node's squared distances to the others, sorted ascending.
fn sorted_rows(n: usize, z: &[f32]) -> Vec<Vec<f32>> {
    let mut rows = vec![Vec::new(); n];
    let mut k = 0;
    for i in 0..n {
        for j in i + 1..n {
            rows[i].push(z[k]);
            rows[j].push(z[k]);
            k += 1;
        }
    }
    for r in &mut rows {
        r.sort_by(f32::total_cmp);
    }
    rows
}

#[test]
fn log_model_satisfies_kkt_and_recovers_the_planted_graph() {
    let p = planted();
    let edges = p.truth.iter().filter(|&&w| w > 0.0).count();
    let k = ((2 * edges) as f64 / p.n as f64).round() as usize;
    let theta = automatic_theta(&sorted_rows(p.n, &p.z), k).unwrap();
    let z: Vec<f32> = p.z.iter().map(|v| v * theta as f32).collect();
    let support = PairSupport::complete(p.n, &device()).unwrap();
    let mut config = tight(SmoothConfig::log(1.0, 1.0));
    config.tol = 1e-6;
    let report = learn_smooth(row(z.clone()), &support, &config, true, None).unwrap();
    assert!(report.converged);
    let w = report.estimate.w.clone();

    // KKT of 2wᵀz − Σ log(Sw) + ‖w‖² over w ≥ 0: g = 2z − Sᵀ(1/Sw) + 2w is 0 where w > 0 and
    // ≥ 0 where w = 0. Checked to 1% of the largest |g|: the f32 iteration stalls there (the
    // relative change reaches 1e-6 while the smallest active weights still move slowly).
    let d = support.degrees(w.clone());
    let g = to_vec_f32(
        row(z)
            .mul_scalar(2.0)
            .sub(support.adjoint(d.recip()))
            .add(w.clone().mul_scalar(2.0)),
    );
    let wv = to_vec_f32(w.clone());
    let scale = g.iter().fold(0.0f32, |m, v| m.max(v.abs())).max(1.0);
    let w_max = wv.iter().fold(0.0f32, |m, &v| m.max(v));
    for (&gi, &wi) in g.iter().zip(&wv) {
        if wi > 1e-3 * w_max {
            assert!(gi.abs() < 1e-2 * scale, "active pair gradient {gi}");
        } else {
            assert!(gi > -1e-2 * scale, "inactive pair gradient {gi}");
        }
    }

    // Recovery of the planted random geometric graph (52 edges on 20 nodes) from 2000 smooth
    // signals: F1 at the best threshold at least 0.8.
    let truth = row(p.truth.clone());
    let choice = best_threshold(w, truth, ThresholdMetric::F1).unwrap();
    assert!(choice.value >= 0.8, "F1 {}", choice.value);
}

#[test]
fn l2_model_recovers_the_planted_graph() {
    let p = planted();
    let support = PairSupport::complete(p.n, &device()).unwrap();
    // z is around 20 here, so α = 10 (α/z ≈ 0.5) gives a graph of about the true density.
    // The iteration is slow on this problem (~16k steps): a looser tolerance stops it early.
    let config = tight(SmoothConfig::l2(10.0));
    let report = learn_smooth(row(p.z.clone()), &support, &config, false, None).unwrap();
    assert!(report.converged);
    let choice = best_threshold(report.estimate.w, row(p.truth), ThresholdMetric::F1).unwrap();
    assert!(choice.value >= 0.8, "F1 {}", choice.value);
}

#[test]
fn degree_operator_matches_gsl_core() {
    let n = 7;
    let m = n * (n - 1) / 2;
    let w: Vec<f32> = (0..2 * m).map(|k| ((k * 37) % 11) as f32 / 3.0).collect();
    let w = Tensor::<2>::from_data(TensorData::new(w, [2, m]), &device());
    let v: Vec<f32> = (0..2 * n).map(|k| ((k * 13) % 5) as f32 - 2.0).collect();
    let v = Tensor::<2>::from_data(TensorData::new(v, [2, n]), &device());
    let support = PairSupport::complete(n, &device()).unwrap();
    // Equal up to the order of the f32 sums (the host kernel and the scatter-add differ).
    let ours = to_vec_f32(support.degrees(w.clone()));
    let core = to_vec_f32(degree_op(w, n).unwrap());
    for (a, b) in ours.iter().zip(&core) {
        assert!((a - b).abs() <= 1e-5 * b.abs().max(1.0), "{a} vs {b}");
    }
    assert_eq!(
        to_vec_f32(support.adjoint(v.clone())),
        to_vec_f32(degree_op_adjoint(v).unwrap())
    );
    assert!((support.operator_norm_bound() - 12f64.sqrt()).abs() < 1e-12);
}

/// The plain-Flex host kernels of `S w` and `Sᵀ v` equal the differentiable tensor-op path (taken
/// on the autodiff device), on a support large enough to be split into several host tasks
/// (`M = 79 800 > 65 536`), for a batch of two problems, and on a sparse support; the complete
/// support's row walk too.
#[test]
fn host_kernels_equal_the_tensor_op_path() {
    let plain = device();
    let autodiff = plain.clone().autodiff();
    let n = 400;
    let complete: Vec<(usize, usize)> = (0..n)
        .flat_map(|i| (i + 1..n).map(move |j| (i, j)))
        .collect();
    let sparse: Vec<(usize, usize)> = (0..n - 3).map(|i| (i, i + 1 + (i * 7) % 3)).collect();
    for pairs in [complete, sparse] {
        let m = pairs.len();
        let w: Vec<f32> = (0..2 * m).map(|k| ((k * 37) % 101) as f32 / 7.0).collect();
        let v: Vec<f32> = (0..2 * n).map(|k| ((k * 13) % 17) as f32 - 8.0).collect();
        let mut results = Vec::new();
        for dev in [&plain, &autodiff] {
            let support = PairSupport::from_pairs(n, &pairs, dev).unwrap();
            let wt = Tensor::<2>::from_data(TensorData::new(w.clone(), [2, m]), dev);
            let vt = Tensor::<2>::from_data(TensorData::new(v.clone(), [2, n]), dev);
            results.push((
                to_vec_f32(support.degrees(wt)),
                to_vec_f32(support.adjoint(vt)),
            ));
        }
        if m == n * (n - 1) / 2 {
            // The complete support's row walk (`PairSupport::complete`) as a third path.
            let support = PairSupport::complete(n, &plain).unwrap();
            let wt = Tensor::<2>::from_data(TensorData::new(w.clone(), [2, m]), &plain);
            let vt = Tensor::<2>::from_data(TensorData::new(v.clone(), [2, n]), &plain);
            results.push((
                to_vec_f32(support.degrees(wt)),
                to_vec_f32(support.adjoint(vt)),
            ));
        }
        let ops = &results[1];
        for host in results.iter().take(1).chain(results.iter().skip(2)) {
            for (a, b) in host.0.iter().zip(&ops.0) {
                assert!(
                    (a - b).abs() <= 1e-5 * b.abs().max(1.0),
                    "degree {a} vs {b}"
                );
            }
            assert_eq!(host.1, ops.1);
        }
        let host = &results[0];
        // And the degrees are right: pair k adds w_k to both ends.
        let mut expected = vec![0.0f64; 2 * n];
        for (k, &(i, j)) in pairs.iter().enumerate() {
            for b in 0..2 {
                expected[b * n + i] += f64::from(w[b * m + k]);
                expected[b * n + j] += f64::from(w[b * m + k]);
            }
        }
        for (a, e) in host.0.iter().zip(&expected) {
            assert!((f64::from(*a) - e).abs() <= 1e-5 * e.abs().max(1.0));
        }
    }
}

/// The fused host FBF step (plain Flex) equals the tensor-op step (autodiff device) for both
/// models, a batch of two problems with their own parameters, over several steps, on a support
/// split into several host tasks; and `learn_smooth` takes the same number of iterations to the
/// same graph on both devices.
#[test]
fn fused_host_step_equals_the_tensor_step() {
    let plain = device();
    let autodiff = plain.clone().autodiff();
    let n = 400;
    let m = n * (n - 1) / 2;
    let z: Vec<f32> = (0..2 * m)
        .map(|k| ((k * 31) % 97) as f32 / 50.0 + 0.1)
        .collect();
    let params = |dev: &Device, a: [f32; 2]| {
        Tensor::<2>::from_data(TensorData::new(a.to_vec(), [2, 1]), dev)
    };
    for config in [SmoothConfig::log(2.0, 0.5), SmoothConfig::l2(0.7)] {
        let mut states = Vec::new();
        for dev in [&plain, &autodiff] {
            let support = PairSupport::complete(n, dev).unwrap();
            let zt = Tensor::<2>::from_data(TensorData::new(z.clone(), [2, m]), dev);
            let mut state = SmoothState {
                w: Tensor::<2>::zeros([2, m], dev),
                v: Tensor::<2>::zeros([2, n], dev),
            };
            for _ in 0..5 {
                state = fbf_step(
                    &config.model,
                    &state,
                    zt.clone(),
                    &support,
                    params(dev, [1.0, 2.0]),
                    params(dev, [0.5, 0.25]),
                    params(dev, [0.01, 0.02]),
                )
                .unwrap();
            }
            states.push((to_vec_f32(state.w), to_vec_f32(state.v)));
        }
        let (host, ops) = (&states[0], &states[1]);
        let close = |a: &[f32], b: &[f32], what: &str| {
            let scale = b.iter().fold(0f32, |s, x| s.max(x.abs())).max(1e-6);
            for (x, y) in a.iter().zip(b) {
                assert!((x - y).abs() <= 1e-4 * scale, "{what}: {x} vs {y}");
            }
        };
        close(&host.0, &ops.0, "w");
        close(&host.1, &ops.1, "v");
        assert!(host.0.iter().any(|&x| x > 0.0), "the steps moved w");
    }
    // Whole runs: same iteration count, same weights.
    let sig = two_clusters(6);
    let z = gsl_mb::smooth::squared_distance_halfvec(sig.clone().unsqueeze::<3>()).unwrap();
    let mut runs = Vec::new();
    for dev in [&plain, &autodiff] {
        let nn = sig.dims()[0];
        let support = PairSupport::complete(nn, dev).unwrap();
        let zd = Tensor::<2>::from_data(z.to_data(), dev);
        let report = learn_smooth(zd, &support, &SmoothConfig::log(1.0, 1.0), false, None).unwrap();
        runs.push((report.iterations, to_vec_f32(report.estimate.w)));
    }
    assert_eq!(runs[0].0, runs[1].0);
    for (x, y) in runs[0].1.iter().zip(&runs[1].1) {
        assert!((x - y).abs() <= 1e-4 * y.abs().max(1.0), "{x} vs {y}");
    }
}

#[test]
fn batch_equals_separate_runs() {
    let support = PairSupport::complete(4, &device()).unwrap();
    let a = vec![0.2f32, 1.0, 3.0, 0.5, 2.0, 0.1];
    let b = vec![1.0f32, 0.3, 0.3, 2.0, 0.7, 1.5];
    let config = tight(SmoothConfig::log(1.0, 0.5));
    let joint = Tensor::<2>::from_data(
        TensorData::new([a.clone(), b.clone()].concat(), [2, 6]),
        &device(),
    );
    let joint = to_vec_f32(
        learn_smooth(joint, &support, &config, false, None)
            .unwrap()
            .estimate
            .w,
    );
    let sa = to_vec_f32(
        learn_smooth(row(a), &support, &config, false, None)
            .unwrap()
            .estimate
            .w,
    );
    let sb = to_vec_f32(
        learn_smooth(row(b), &support, &config, false, None)
            .unwrap()
            .estimate
            .w,
    );
    for (x, y) in joint.iter().zip(sa.iter().chain(&sb)) {
        assert!((x - y).abs() < 1e-4);
    }
}

#[test]
fn objective_drops_from_early_to_final_iterate() {
    let p = planted();
    let support = PairSupport::complete(p.n, &device()).unwrap();
    let config = SmoothConfig::log(1.0, 1.0);
    let report = learn_smooth(row(p.z.clone()), &support, &config, true, None).unwrap();
    let finite: Vec<f64> = report
        .objective
        .iter()
        .map(|v| v[0])
        .filter(|v| *v < f64::MAX)
        .collect();
    let first = finite[0];
    let last = *finite.last().unwrap();
    assert!(last < first, "{first} -> {last}");
    let direct = smooth_objective(&config.model, report.estimate.w, row(p.z), &support).unwrap();
    assert!((direct[0] - last).abs() < 1e-6 * last.abs().max(1.0));
}

#[test]
fn bad_input_is_an_error() {
    let support = PairSupport::complete(3, &device()).unwrap();
    let ok = SmoothConfig::log(1.0, 1.0);
    assert!(learn_smooth(row(vec![1.0, -1.0, 1.0]), &support, &ok, false, None).is_err());
    assert!(learn_smooth(row(vec![1.0, f32::NAN, 1.0]), &support, &ok, false, None).is_err());
    assert!(learn_smooth(row(vec![1.0, 1.0]), &support, &ok, false, None).is_err());
    for bad in [
        SmoothConfig::log(0.0, 1.0),
        SmoothConfig::log(1.0, -1.0),
        SmoothConfig::l2(f64::NAN),
    ] {
        assert!(learn_smooth(row(vec![1.0; 3]), &support, &bad, false, None).is_err());
    }
    let mut step = ok;
    step.step = 1.0;
    assert!(learn_smooth(row(vec![1.0; 3]), &support, &step, false, None).is_err());
    assert!(PairSupport::complete(1, &device()).is_err());
    // The step function checks shapes.
    let state = SmoothState {
        w: Tensor::zeros([1, 3], &device()),
        v: Tensor::zeros([1, 3], &device()),
    };
    let p = Tensor::<2>::ones([1, 1], &device());
    let step = |z: Tensor<2>| {
        fbf_step(
            &ok.model,
            &state,
            z,
            &support,
            p.clone(),
            p.clone(),
            p.clone(),
        )
    };
    assert!(step(Tensor::zeros([1, 3], &device())).is_ok());
    assert!(step(Tensor::zeros([1, 4], &device())).is_err());
    assert!(PairSupport::from_pairs(3, &[(0, 3)], &device()).is_err());
    assert!(PairSupport::from_pairs(3, &[(1, 0)], &device()).is_err());
    assert!(PairSupport::from_pairs(3, &[(0, 1), (0, 1)], &device()).is_err());
}

/// Two tight clusters of `per` points on a grid, far apart.
fn two_clusters(per: usize) -> Tensor<2> {
    let mut x = Vec::new();
    for c in 0..2 {
        for i in 0..per {
            x.push((i % 5) as f32 + 100.0 * c as f32);
            x.push((i / 5) as f32 + 0.01 * i as f32);
        }
    }
    Tensor::from_data(TensorData::new(x, [2 * per, 2]), &device())
}

#[test]
fn large_scale_model_stays_within_clusters_near_the_target_degree() {
    let per = 30;
    let config = LargeScaleConfig::new(4);
    let (graph, report) = large_scale_log_model(two_clusters(per), &config, None).unwrap();
    assert!(report.converged);
    let edges = graph.to_edge_list();
    assert!(
        edges
            .iter()
            .all(|(i, j, w)| (i < per) == (j < per) && w > 0.0)
    );
    let avg = edges.num_edges() as f64 / (2 * per) as f64;
    assert!((2.0..=8.0).contains(&avg), "average degree {avg}");
}

#[test]
fn large_scale_on_full_support_equals_the_dense_model() {
    // With kk = N − 1 candidates the support is every pair, so the large-scale model is the
    // dense log model on θz.
    let x = two_clusters(6);
    let n = 12;
    let mut config = LargeScaleConfig::new(3);
    config.candidates = Some(n - 1);
    config.theta = Some(0.7);
    config.tol = 1e-7;
    config.max_iter = 20_000;
    config.rel_edge = 0.0;
    let (graph, _) = large_scale_log_model(x.clone(), &config, None).unwrap();
    let sparse = graph.to_dense();

    let z = gsl_mb::smooth::squared_distance_halfvec(x.unsqueeze_dim::<3>(0)).unwrap();
    let support = PairSupport::complete(n, &device()).unwrap();
    let dense = learn_smooth(
        z.mul_scalar(0.7),
        &support,
        &tight(SmoothConfig::log(1.0, 1.0)),
        false,
        None,
    )
    .unwrap();
    let dense = gsl_core::dense::from_halfvec(dense.estimate.w)
        .unwrap()
        .reshape([n, n]);
    let diff: f32 = sparse.sub(dense).abs().max().into_scalar();
    assert!(diff < 1e-3, "{diff}");
}

#[test]
fn large_scale_bad_input() {
    let x = two_clusters(3);
    assert!(large_scale_log_model(x.clone(), &LargeScaleConfig::new(2), None).is_err()); // kk = 6 = N
    assert!(large_scale_log_model(x.clone(), &LargeScaleConfig::new(0), None).is_err());
    let nan = x.mul_scalar(f32::NAN);
    assert!(large_scale_log_model(nan, &LargeScaleConfig::new(1), None).is_err());
}

#[test]
fn validation_sweep_picks_the_best_scale() {
    // Sweep θ (the scale of z) of the log model on the planted graph: the chosen point is the
    // best of the sweep and recovers the graph.
    let p = planted();
    let support = PairSupport::complete(p.n, &device()).unwrap();
    let truth = row(p.truth.clone());
    let grid = [0.01, 0.1, 1.0];
    let pick = gsl_mb::select::select_parameter(&grid, truth, ThresholdMetric::F1, |theta| {
        let z = row(p.z.iter().map(|v| v * theta as f32).collect());
        Ok(
            learn_smooth(z, &support, &SmoothConfig::log(1.0, 1.0), false, None)?
                .estimate
                .w,
        )
    })
    .unwrap();
    assert_eq!(pick.points.len(), 3);
    assert!(pick.points.iter().all(|q| q.score <= pick.best.score));
    assert!(pick.best.score >= 0.7, "{:?}", pick.points);
    let empty = gsl_mb::select::select_parameter(
        &[],
        row(p.truth),
        ThresholdMetric::F1,
        |_| unreachable!(),
    );
    assert!(empty.is_err());
}
