//! NN-descent: recall against gsl-core's exact kNN, determinism, the large-scale model on an
//! approximate support, and input errors.

use burn::tensor::{Tensor, TensorData};
use gsl_core::GslError;
use gsl_core::similarity::{KnnOptions, knn};
use gsl_core::tensor::to_vec_i64;
use gsl_mb::ann::{NnDescentConfig, nn_descent, recall};
use gsl_mb::large::{CandidateSearch, LargeScaleConfig, large_scale_log_model};

fn device() -> burn::tensor::Device {
    gsl_core::device::device_from_name("flex").unwrap()
}

/// `n` points uniform in the cube `[0, 1)^d` (a small LCG keeps the test free of RNG crates).
fn uniform_points(n: usize, d: usize, seed: u64) -> Tensor<2> {
    let mut state = seed;
    let v: Vec<f32> = (0..n * d)
        .map(|_| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 40) as f32 / (1u64 << 24) as f32
        })
        .collect();
    Tensor::from_data(TensorData::new(v, [n, d]), &device())
}

#[test]
fn recall_against_exact_knn_on_random_data() {
    // 2000 uniform points in 8 dimensions (no ties), k = 10: NN-descent with the default
    // settings finds more than 95% of the exact neighbours (typically about 99%).
    let (n, d, k) = (2000, 8, 10);
    let x = uniform_points(n, d, 3);
    let (exact, exact_dist) = knn(x.clone(), &KnnOptions::new(k)).unwrap();
    let exact: Vec<usize> = to_vec_i64(exact).into_iter().map(|v| v as usize).collect();
    let mut rounds = Vec::new();
    let mut on_round = |info: &gsl_mb::solver::IterationInfo| rounds.push(info.residual);
    let nn = nn_descent(x, &NnDescentConfig::new(k), Some(&mut on_round)).unwrap();
    let r = recall(&nn.indices, &exact, k).unwrap();
    assert!(r > 0.95, "recall {r}");
    assert!(nn.converged, "{} rounds", nn.iterations);
    assert_eq!(rounds.len(), nn.iterations);
    // Lists are sorted nearest first, never contain the node itself, and the distances are
    // never below the exact ones (an approximate j-th neighbour is at least as far).
    let exact_dist = gsl_core::tensor::to_vec_f32(exact_dist);
    for i in 0..n {
        let row = &nn.distances[i * k..(i + 1) * k];
        assert!(row.windows(2).all(|w| w[0] <= w[1]));
        assert!(!nn.indices[i * k..(i + 1) * k].contains(&i));
        for j in 0..k {
            assert!(row[j] >= exact_dist[i * k + j] * (1.0 - 1e-4) - 1e-6);
        }
    }
}

#[test]
fn same_seed_same_lists_and_a_poor_budget_is_reported() {
    let x = uniform_points(500, 4, 9);
    let config = NnDescentConfig::new(5);
    let a = nn_descent(x.clone(), &config, None).unwrap();
    let b = nn_descent(x.clone(), &config, None).unwrap();
    assert_eq!(a, b);
    let mut one_round = config;
    one_round.max_iter = 1;
    one_round.delta = 0.0;
    let c = nn_descent(x, &one_round, None).unwrap();
    assert_eq!(c.iterations, 1);
    assert!(!c.converged);
}

#[test]
fn bad_input_is_an_error() {
    let x = uniform_points(10, 3, 1);
    assert!(matches!(
        nn_descent(x.clone(), &NnDescentConfig::new(10), None),
        Err(GslError::InvalidArgument { .. })
    ));
    assert!(nn_descent(x.clone(), &NnDescentConfig::new(0), None).is_err());
    let mut c = NnDescentConfig::new(3);
    c.sample_rate = 0.0;
    assert!(nn_descent(x.clone(), &c, None).is_err());
    c.sample_rate = 1.5;
    assert!(nn_descent(x.clone(), &c, None).is_err());
    let mut c = NnDescentConfig::new(3);
    c.max_iter = 0;
    assert!(nn_descent(x.clone(), &c, None).is_err());
    let nan = x.mul_scalar(f32::NAN);
    assert!(matches!(
        nn_descent(nan, &NnDescentConfig::new(3), None),
        Err(GslError::NonFinite(_))
    ));
    let empty = Tensor::<2>::zeros([0, 3], &device());
    assert!(nn_descent(empty, &NnDescentConfig::new(1), None).is_err());
}

#[test]
fn large_scale_model_on_an_approximate_support_matches_the_exact_one() {
    // Same data, exact vs NN-descent candidates: the learned graphs agree on almost every edge.
    let x = uniform_points(600, 3, 5);
    let exact_config = LargeScaleConfig::new(5);
    let mut approx_config = exact_config;
    approx_config.search = CandidateSearch::NnDescent;
    let (exact, _) = large_scale_log_model(x.clone(), &exact_config, None).unwrap();
    let (approx, report) = large_scale_log_model(x, &approx_config, None).unwrap();
    assert!(report.converged);
    let edges = |g: &gsl_core::Graph| {
        let mut e: Vec<(usize, usize)> = g
            .to_edge_list()
            .iter()
            .filter(|(i, j, _)| i < j)
            .map(|(i, j, _)| (i, j))
            .collect();
        e.sort();
        e
    };
    let (a, b) = (edges(&exact), edges(&approx));
    let shared = a.iter().filter(|e| b.binary_search(e).is_ok()).count();
    let jaccard = shared as f64 / (a.len() + b.len() - shared) as f64;
    assert!(
        jaccard > 0.9,
        "jaccard {jaccard}, {} vs {} edges",
        a.len(),
        b.len()
    );
}
