//! Signal models: closed forms on tiny graphs, agreement with numpy on a 5-node graph, Monte
//! Carlo covariance against the definition, reproducibility, attributed graphs and errors.

use burn::tensor::{Device, Tensor, TensorData};
use gsl_core::similarity::covariance;
use gsl_core::tensor::to_vec_f32;
use gsl_core::{EdgeList, GslError};
use gsl_data::ensembles::{ErdosRenyi, Generator, StochasticBlockModel, WattsStrogatz};
use gsl_data::signals::{
    ClassFeatures, LabelledFamily, SignalModel, analytic_correlation, graph_factors,
    mean_squared_distances, unit_sphere_coefficients,
};

fn device() -> Device {
    gsl_core::device::device_from_name("flex").unwrap()
}

fn weighted(n: usize, edges: &[(usize, usize, f32)]) -> EdgeList {
    EdgeList::from_weighted(n, edges)
        .unwrap()
        .build(gsl_core::BuildOptions::default())
        .unwrap()
}

fn single_edge() -> EdgeList {
    weighted(2, &[(0, 1, 1.0)])
}

fn assert_close(got: &[f32], want: &[f64], tol: f64, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (k, (g, w)) in got.iter().zip(want).enumerate() {
        let err = (f64::from(*g) - w).abs();
        assert!(
            err <= tol * (1.0 + w.abs()),
            "{what}[{k}]: got {g}, want {w}"
        );
    }
}

#[test]
fn smooth_model_on_one_edge_is_the_pseudo_inverse_of_the_normalised_laplacian() {
    // L = [[1, −1], [−1, 1]], eigenvalues 0 and 2: L† = L/4, √(L†) = L/(2√2).
    let f = graph_factors(&[single_edge()], &SignalModel::Smooth, 0).unwrap();
    assert_close(&f.covariances, &[0.25, -0.25, -0.25, 0.25], 1e-6, "Σ");
    let s = 1.0 / (2.0 * 2f64.sqrt());
    assert_close(&f.factors, &[s, -s, -s, s], 1e-6, "F");
    assert!(f.precisions.is_none());
}

#[test]
fn gaussian_smooth_on_one_edge_is_the_inverse_of_the_loaded_laplacian() {
    // Θ = [[1+ε, −1], [−1, 1+ε]]: Σ = [[1+ε, 1], [1, 1+ε]] / (ε(2+ε)).
    let eps = 1e-4;
    let f = graph_factors(&[single_edge()], &SignalModel::l2g(), 0).unwrap();
    let det = eps * (2.0 + eps);
    let want = [(1.0 + eps) / det, 1.0 / det, 1.0 / det, (1.0 + eps) / det];
    assert_close(&f.covariances, &want, 1e-4, "Σ");
    assert_close(
        f.precisions.as_ref().unwrap(),
        &[1.0 + eps, -1.0, -1.0, 1.0 + eps],
        1e-6,
        "Θ",
    );
}

#[test]
fn diffusion_on_one_edge_matches_the_polynomial_closed_form() {
    // A² = I on one edge: H = (α0 + α2) I + α1 A, Σ = H².
    let coefficients = vec![0.3, -0.5, 0.8];
    let model = SignalModel::Diffusion {
        coefficients: coefficients.clone(),
    };
    let f = graph_factors(&[single_edge()], &model, 0).unwrap();
    let (d, o) = (coefficients[0] + coefficients[2], coefficients[1]);
    assert_close(&f.factors, &[d, o, o, d], 1e-6, "H");
    let (dd, oo) = (d * d + o * o, 2.0 * d * o);
    assert_close(&f.covariances, &[dd, oo, oo, dd], 1e-6, "Σ");
}

#[test]
fn models_agree_with_numpy_on_a_weighted_five_node_graph() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/signals_reference.json"
    ))
    .unwrap();
    let r: serde_json::Value = serde_json::from_str(&text).unwrap();
    let floats = |key: &str| -> Vec<f64> {
        r[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect()
    };
    let edges: Vec<(usize, usize, f32)> = r["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e[0].as_u64().unwrap() as usize,
                e[1].as_u64().unwrap() as usize,
                e[2].as_f64().unwrap() as f32,
            )
        })
        .collect();
    let g = weighted(5, &edges);
    let smooth = graph_factors(std::slice::from_ref(&g), &SignalModel::Smooth, 0).unwrap();
    assert_close(&smooth.covariances, &floats("smooth_cov"), 1e-5, "smooth Σ");
    assert_close(&smooth.factors, &floats("smooth_factor"), 1e-5, "smooth F");
    let eps = r["epsilon"].as_f64().unwrap();
    let gauss = graph_factors(
        std::slice::from_ref(&g),
        &SignalModel::GaussianSmooth { epsilon: eps },
        0,
    )
    .unwrap();
    assert_close(
        &gauss.covariances,
        &floats("gaussian_smooth_cov"),
        1e-5,
        "gaussian Σ",
    );
    let diffusion = graph_factors(
        std::slice::from_ref(&g),
        &SignalModel::Diffusion {
            coefficients: floats("coefficients"),
        },
        0,
    )
    .unwrap();
    assert_close(
        &diffusion.covariances,
        &floats("diffusion_cov"),
        1e-5,
        "diffusion Σ",
    );
}

#[test]
fn ggm_precision_has_the_planted_minimum_eigenvalue_and_support() {
    let graphs = ErdosRenyi::new(12, 0.3).sample_many(3, 4).unwrap();
    let u = 0.7;
    let f = graph_factors(&graphs, &SignalModel::Ggm { u }, 9).unwrap();
    let theta = f.precisions.as_ref().unwrap();
    let n = 12;
    for (b, g) in graphs.iter().enumerate() {
        let t = &theta[b * n * n..(b + 1) * n * n];
        let m = nalgebra::DMatrix::from_row_slice(n, n, t).map(f64::from);
        let eig = nalgebra::SymmetricEigen::new(m.clone());
        assert!((eig.eigenvalues.min() - u).abs() < 1e-4, "λ_min");
        let mut edge = vec![false; n * n];
        for (s, d, _) in g.iter() {
            edge[s * n + d] = true;
        }
        for i in 0..n {
            for j in 0..n {
                if i != j {
                    assert_eq!(m[(i, j)], m[(j, i)]);
                    assert!(m[(i, j)].abs() <= 1.0);
                    assert_eq!(m[(i, j)] != 0.0, edge[i * n + j], "support at ({i}, {j})");
                }
            }
        }
        // Σ Θ = I.
        let s = nalgebra::DMatrix::from_row_slice(n, n, &f.covariances[b * n * n..(b + 1) * n * n])
            .map(f64::from);
        let prod = s * m;
        assert!((prod - nalgebra::DMatrix::<f64>::identity(n, n)).amax() < 1e-3);
    }
}

/// Largest |S − Σ| / sd(S_ij), with sd(S_ij)² = (Σ_ii Σ_jj + Σ_ij²)/P for Gaussian data.
fn max_standardised_error(sample: &[f32], cov: &[f32], n: usize, p: usize) -> f64 {
    let mut worst: f64 = 0.0;
    for i in 0..n {
        for j in 0..n {
            let s = f64::from(cov[i * n + j]);
            let var = (f64::from(cov[i * n + i]) * f64::from(cov[j * n + j]) + s * s) / p as f64;
            let z = (f64::from(sample[i * n + j]) - s).abs() / var.sqrt();
            worst = worst.max(z);
        }
    }
    worst
}

#[test]
fn monte_carlo_covariance_matches_the_definition_for_every_model() {
    // A weighted path plus a chord, 5 nodes; 20 000 signals. Each entry of the sample covariance
    // is within 5 standard errors of Σ (a wrong Σ or factor is off by many more).
    let g = weighted(
        5,
        &[
            (0, 1, 1.0),
            (1, 2, 0.5),
            (2, 3, 2.0),
            (3, 4, 1.0),
            (0, 3, 0.3),
        ],
    );
    let device = device();
    let p = 20_000;
    let models = [
        SignalModel::Smooth,
        SignalModel::GaussianSmooth { epsilon: 0.5 },
        SignalModel::Diffusion {
            coefficients: vec![0.5, 0.7, -0.2],
        },
        SignalModel::Ggm { u: 1.0 },
    ];
    for (k, model) in models.iter().enumerate() {
        let f = graph_factors(std::slice::from_ref(&g), model, 3).unwrap();
        let x = f.sample(0..1, p, 0.0, 100 + k as u64, &device).unwrap();
        let s = to_vec_f32(covariance(x).unwrap());
        let z = max_standardised_error(&s, &f.covariances, 5, p);
        assert!(z < 5.0, "{model:?}: max standardised error {z}");
    }
}

#[test]
fn additive_noise_adds_its_variance_to_the_diagonal() {
    let g = weighted(3, &[(0, 1, 1.0), (1, 2, 1.0)]);
    let f = graph_factors(&[g], &SignalModel::GaussianSmooth { epsilon: 1.0 }, 0).unwrap();
    let sigma = 0.8;
    let p = 20_000;
    let x = f.sample(0..1, p, sigma, 5, &device()).unwrap();
    let s = to_vec_f32(covariance(x).unwrap());
    let mut cov = f.covariances.clone();
    for i in 0..3 {
        cov[i * 3 + i] += (sigma * sigma) as f32;
    }
    let z = max_standardised_error(&s, &cov, 3, p);
    assert!(z < 5.0, "max standardised error {z}");
}

#[test]
fn same_seed_same_signals_and_chunking_does_not_change_them() {
    let graphs = ErdosRenyi::new(8, 0.4).sample_many(4, 1).unwrap();
    let device = device();
    let f = graph_factors(&graphs, &SignalModel::Ggm { u: 0.5 }, 2).unwrap();
    let again = graph_factors(&graphs, &SignalModel::Ggm { u: 0.5 }, 2).unwrap();
    assert_eq!(f, again);
    let other = graph_factors(&graphs, &SignalModel::Ggm { u: 0.5 }, 3).unwrap();
    assert_ne!(f.precisions, other.precisions);

    let all = to_vec_f32(f.sample(0..4, 16, 0.1, 11, &device).unwrap());
    assert_eq!(
        all,
        to_vec_f32(f.sample(0..4, 16, 0.1, 11, &device).unwrap())
    );
    let head = to_vec_f32(f.sample(0..2, 16, 0.1, 11, &device).unwrap());
    let tail = to_vec_f32(f.sample(2..4, 16, 0.1, 11, &device).unwrap());
    assert_eq!(all, [head, tail].concat());
    assert_ne!(
        all,
        to_vec_f32(f.sample(0..4, 16, 0.1, 12, &device).unwrap())
    );
}

#[test]
fn mean_squared_distances_and_correlation_closed_forms() {
    let device = device();
    // Node signals (1, 1), (0, 2), (3, 3): ‖x0−x1‖² = 2, ‖x0−x2‖² = 8, ‖x1−x2‖² = 10; P = 2.
    let x = Tensor::<3>::from_data(
        TensorData::new(vec![1.0f32, 1.0, 0.0, 2.0, 3.0, 3.0], [1, 3, 2]),
        &device,
    );
    let z = to_vec_f32(mean_squared_distances(x).unwrap());
    assert_close(
        &z,
        &[0.0, 1.0, 4.0, 1.0, 0.0, 5.0, 4.0, 5.0, 0.0],
        1e-6,
        "Z",
    );
    let cov = Tensor::<3>::from_data(
        TensorData::new(vec![4.0f32, 2.0, 2.0, 9.0], [1, 2, 2]),
        &device,
    );
    let c = to_vec_f32(analytic_correlation(cov).unwrap());
    assert_close(&c, &[1.0, 1.0 / 3.0, 1.0 / 3.0, 1.0], 1e-6, "corr");
}

#[test]
fn unit_sphere_coefficients_have_unit_norm_and_are_seeded() {
    let a = unit_sphere_coefficients(3, 50).unwrap();
    assert_eq!(a.len(), 3);
    assert!((a.iter().map(|x| x * x).sum::<f64>() - 1.0).abs() < 1e-12);
    assert_eq!(a, unit_sphere_coefficients(3, 50).unwrap());
    assert_ne!(a, unit_sphere_coefficients(3, 51).unwrap());
    assert!(unit_sphere_coefficients(0, 0).is_err());
}

#[test]
fn attributed_sbm_features_separate_the_planted_classes() {
    let device = device();
    let family = LabelledFamily::Sbm(
        StochasticBlockModel::planted(vec![40, 40, 40], &[0.3, 0.3, 0.3], 0.02).unwrap(),
    );
    let spec = ClassFeatures {
        num_features: 8,
        separation: 3.0,
        std: 0.3,
    };
    let g = family.sample_attributed(&spec, 5, &device).unwrap();
    assert_eq!(g.num_nodes(), 120);
    assert_eq!(g.num_features(), 8);
    let x = to_vec_f32(g.features.clone());
    let labels = gsl_core::tensor::to_vec_i64(g.labels.clone().unwrap());
    // Class means from the data; every node is nearest to its own class mean.
    let mut means = vec![0.0f64; 3 * 8];
    for (i, &l) in labels.iter().enumerate() {
        for k in 0..8 {
            means[l as usize * 8 + k] += f64::from(x[i * 8 + k]) / 40.0;
        }
    }
    for (i, &l) in labels.iter().enumerate() {
        let dist = |c: usize| -> f64 {
            (0..8)
                .map(|k| (f64::from(x[i * 8 + k]) - means[c * 8 + k]).powi(2))
                .sum()
        };
        let best = (0..3).min_by(|&a, &b| dist(a).total_cmp(&dist(b))).unwrap();
        assert_eq!(best, l as usize, "node {i}");
    }
    // Within-class spread is the configured std.
    let var: f64 = labels
        .iter()
        .enumerate()
        .flat_map(|(i, &l)| {
            let (x, means) = (&x, &means);
            (0..8).map(move |k| (f64::from(x[i * 8 + k]) - means[l as usize * 8 + k]).powi(2))
        })
        .sum::<f64>()
        / (120.0 * 8.0);
    assert!((var.sqrt() - 0.3).abs() < 0.03, "std {}", var.sqrt());
}

#[test]
fn watts_strogatz_classes_are_contiguous_arcs() {
    let family = LabelledFamily::WattsStrogatz {
        graph: WattsStrogatz::new(10, 4, 0.1),
        num_classes: 3,
    };
    let (g, labels) = family.sample_labelled(0).unwrap();
    assert_eq!(g.num_nodes(), 10);
    assert_eq!(labels, vec![0, 0, 0, 0, 1, 1, 1, 2, 2, 2]);
    let bad = LabelledFamily::WattsStrogatz {
        graph: WattsStrogatz::new(10, 4, 0.1),
        num_classes: 11,
    };
    assert!(matches!(
        bad.sample_labelled(0),
        Err(GslError::InvalidArgument { .. })
    ));
}

#[test]
fn invalid_inputs_are_errors() {
    let device = device();
    let g = single_edge();
    // Models.
    for model in [
        SignalModel::GaussianSmooth { epsilon: 0.0 },
        SignalModel::GaussianSmooth { epsilon: f64::NAN },
        SignalModel::Diffusion {
            coefficients: vec![],
        },
        SignalModel::Diffusion {
            coefficients: vec![0.0, 0.0],
        },
        SignalModel::Diffusion {
            coefficients: vec![1.0, f64::INFINITY],
        },
        SignalModel::Ggm { u: -1.0 },
    ] {
        assert!(
            graph_factors(std::slice::from_ref(&g), &model, 0).is_err(),
            "{model:?}"
        );
    }
    // Graph batches.
    assert!(graph_factors(&[], &SignalModel::Smooth, 0).is_err());
    let three = weighted(3, &[(0, 1, 1.0)]);
    assert!(matches!(
        graph_factors(&[g.clone(), three], &SignalModel::Smooth, 0),
        Err(GslError::ShapeMismatch { .. })
    ));
    let directed = EdgeList::from_pairs(3, &[(0, 1)]).unwrap();
    assert!(graph_factors(&[directed], &SignalModel::Smooth, 0).is_err());
    let negative = weighted(2, &[(0, 1, -1.0)]);
    assert!(graph_factors(std::slice::from_ref(&negative), &SignalModel::l2g(), 0).is_err());
    // Sampling.
    let f = graph_factors(&[g], &SignalModel::Smooth, 0).unwrap();
    assert!(f.sample(0..0, 3, 0.0, 0, &device).is_err());
    assert!(f.sample(0..2, 3, 0.0, 0, &device).is_err());
    assert!(f.sample(0..1, 0, 0.0, 0, &device).is_err());
    assert!(f.sample(0..1, 3, -0.1, 0, &device).is_err());
    assert!(f.precision_tensor(0..1, &device).is_err());
    // Summaries.
    let nan_x = Tensor::<3>::from_data(TensorData::new(vec![f32::NAN; 4], [1, 2, 2]), &device);
    assert!(matches!(
        mean_squared_distances(nan_x),
        Err(GslError::NonFinite(_))
    ));
    let zero_var = Tensor::<3>::from_data(
        TensorData::new(vec![0.0f32, 0.0, 0.0, 1.0], [1, 2, 2]),
        &device,
    );
    assert!(analytic_correlation(zero_var).is_err());
    let not_square = Tensor::<3>::zeros([1, 2, 3], &device);
    assert!(analytic_correlation(not_square).is_err());
    // Features.
    let spec = ClassFeatures {
        num_features: 0,
        ..ClassFeatures::default()
    };
    assert!(spec.sample(&[0, 1], 2, 0).is_err());
    assert!(ClassFeatures::default().sample(&[0, 2], 2, 0).is_err());
    assert!(ClassFeatures::default().sample(&[], 2, 0).is_err());
}

/// Bartlett's sampler of L2G's distance summary has the law of the signal path: for one pair,
/// `z = (1/P) Σ_p d_p²` with `d_p ~ N(0, v)`, `v = Σ_ii + Σ_jj − 2Σ_ij`, so `E z = v` and
/// `Var z = 2v²/P`. Checked over 3000 draws (P = 8, N = 4) against those closed forms, and the
/// signal path gives the same moments; P < N is an error.
#[test]
fn bartlett_distances_have_the_law_of_sampled_signals() {
    let dev = device();
    let g = weighted(4, &[(0, 1, 1.0), (1, 2, 2.0), (2, 3, 0.5), (0, 3, 1.5)]);
    let reps = 3000;
    let graphs = vec![g; reps];
    let model = SignalModel::GaussianSmooth { epsilon: 0.5 };
    let factors = graph_factors(&graphs, &model, 0).unwrap();
    let cov = &factors.covariances[..16];
    let p = 8usize;
    let fast = to_vec_f32(
        factors
            .sample_mean_squared_distances(0..reps, p, 3, &dev)
            .unwrap(),
    );
    let slow = to_vec_f32(
        mean_squared_distances(factors.sample(0..reps, p, 0.0, 4, &dev).unwrap()).unwrap(),
    );
    for (i, j) in [(0usize, 1usize), (0, 2), (1, 3)] {
        let v = (cov[i * 4 + i] + cov[j * 4 + j] - 2.0 * cov[i * 4 + j]) as f64;
        let var = 2.0 * v * v / p as f64;
        for (name, z) in [("bartlett", &fast), ("signals", &slow)] {
            let xs: Vec<f64> = (0..reps).map(|r| z[r * 16 + i * 4 + j] as f64).collect();
            let mean = xs.iter().sum::<f64>() / reps as f64;
            let sample_var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (reps - 1) as f64;
            // Standard error of the mean is sqrt(var / reps); of the variance about var·sqrt(2/reps)
            // times a kurtosis factor (≤ 3 here): allow 5 of each.
            assert!(
                (mean - v).abs() < 5.0 * (var / reps as f64).sqrt(),
                "{name} ({i},{j}): mean {mean} vs {v}"
            );
            assert!(
                (sample_var - var).abs() < 5.0 * 3.0 * var * (2.0 / reps as f64).sqrt(),
                "{name} ({i},{j}): variance {sample_var} vs {var}"
            );
        }
        assert_eq!(fast[i * 4 + i], 0.0);
    }
    assert!(matches!(
        factors.sample_mean_squared_distances(0..2, 3, 0, &dev),
        Err(GslError::InvalidArgument { .. })
    ));
}
