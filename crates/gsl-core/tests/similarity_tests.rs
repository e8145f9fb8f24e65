//! Similarity: covariance/correlation and pairwise matrices against numpy/scipy
//! (`fixtures/similarity_reference.json`, written by `fixtures/ops_similarity_reference.py`),
//! and the exact kNN graph against a brute-force host search.

use std::collections::BTreeMap;

mod common;

use common::{assert_close, device, flatten, parse_fixture, tensor};

use burn::tensor::{Device, Tensor, TensorData};
use gsl_core::GslError;
use gsl_core::similarity::{
    KnnMetric, KnnOptions, KnnWeighting, correlation, cosine_similarity, cosine_similarity_chunks,
    covariance, knn, knn_graph, pairwise_sq_distances, pairwise_sq_distances_chunks,
};
use gsl_core::tensor::{to_vec_f32, to_vec_i64};
use serde_json::Value;

fn fixture() -> Value {
    parse_fixture(include_str!("fixtures/similarity_reference.json"))
}

/// Deterministic continuous test points (xorshift + sum of uniforms), so distances never tie.
fn random_points(n: usize, d: usize, seed: u64) -> Vec<f32> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut uniform = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    (0..n * d)
        .map(|_| ((0..4).map(|_| uniform()).sum::<f64>() - 2.0) as f32)
        .collect()
}

fn points(n: usize, d: usize, seed: u64, dev: &Device) -> (Vec<f32>, Tensor<2>) {
    let host = random_points(n, d, seed);
    let t = Tensor::from_data(TensorData::new(host.clone(), [n, d]), dev);
    (host, t)
}

/// Brute-force kNN on the host in f64: for every point, the other points sorted by distance.
fn brute_force(
    x: &[f32],
    n: usize,
    d: usize,
    k: usize,
    metric: KnnMetric,
) -> Vec<Vec<(usize, f64)>> {
    let row = |i: usize| &x[i * d..(i + 1) * d];
    let dist = |i: usize, j: usize| -> f64 {
        let (a, b) = (row(i), row(j));
        match metric {
            KnnMetric::SquaredEuclidean => a
                .iter()
                .zip(b)
                .map(|(p, q)| (*p as f64 - *q as f64).powi(2))
                .sum(),
            KnnMetric::Cosine => {
                let dot: f64 = a.iter().zip(b).map(|(p, q)| *p as f64 * *q as f64).sum();
                let na: f64 = a.iter().map(|p| (*p as f64).powi(2)).sum::<f64>().sqrt();
                let nb: f64 = b.iter().map(|p| (*p as f64).powi(2)).sum::<f64>().sqrt();
                1.0 - dot / (na * nb)
            }
        }
    };
    (0..n)
        .map(|i| {
            let mut others: Vec<(usize, f64)> = (0..n)
                .filter(|&j| j != i)
                .map(|j| (j, dist(i, j)))
                .collect();
            others.sort_by(|a, b| a.1.partial_cmp(&b.1).unwrap());
            others.truncate(k);
            others
        })
        .collect()
}

#[test]
fn covariance_and_correlation_match_numpy() {
    let dev = device();
    let fx = fixture();
    let x = tensor::<3>(&fx["signals"], &dev);
    let cov = to_vec_f32(covariance(x.clone()).unwrap());
    assert_close(&cov, &flatten(&fx["cov"]).0, 1e-5, "np.cov");
    let corr = to_vec_f32(correlation(x).unwrap());
    assert_close(&corr, &flatten(&fx["corrcoef"]).0, 1e-5, "np.corrcoef");
}

#[test]
fn covariance_and_correlation_reject_bad_signals() {
    let dev = device();
    let one_sample = Tensor::<3>::ones([1, 3, 1], &dev);
    assert!(matches!(
        covariance(one_sample.clone()),
        Err(GslError::InvalidArgument { .. })
    ));
    assert!(matches!(
        correlation(one_sample),
        Err(GslError::InvalidArgument { .. })
    ));
    assert!(matches!(
        covariance(Tensor::zeros([1, 0, 4], &dev)),
        Err(GslError::EmptyGraph(_))
    ));
    assert!(matches!(
        covariance(Tensor::full([1, 2, 3], f32::NAN, &dev)),
        Err(GslError::NonFinite(_))
    ));
    // A constant variable (here 0.1, whose f32 mean is not exactly 0.1) has no correlation.
    let constant = Tensor::<3>::from_floats([[[1.0, 2.0, 4.0], [0.1, 0.1, 0.1]]], &dev);
    assert!(matches!(
        correlation(constant),
        Err(GslError::InvalidArgument { .. })
    ));
}

#[test]
fn pairwise_matrices_match_scipy_and_chunks_reassemble_them() {
    let dev = device();
    let fx = &fixture()["pairwise"];
    let x = tensor::<2>(&fx["x"], &dev);
    let y = tensor::<2>(&fx["y"], &dev);
    let sq = to_vec_f32(pairwise_sq_distances(x.clone(), y.clone()).unwrap());
    assert_close(
        &sq,
        &flatten(&fx["sqeuclidean"]).0,
        1e-5,
        "cdist sqeuclidean",
    );
    let cos = to_vec_f32(cosine_similarity(x.clone(), y.clone()).unwrap());
    assert_close(
        &cos,
        &flatten(&fx["cosine_similarity"]).0,
        1e-5,
        "1 - cdist cosine",
    );
    for chunk in [1, 2, 3, 7, 100] {
        let chunks: Vec<_> = pairwise_sq_distances_chunks(x.clone(), y.clone(), chunk)
            .unwrap()
            .collect();
        assert_eq!(chunks.len(), 7usize.div_ceil(chunk));
        let mut expected_start = 0;
        for (start, block) in &chunks {
            assert_eq!(*start, expected_start);
            assert!(block.dims()[0] <= chunk && block.dims()[1] == 5);
            expected_start += block.dims()[0];
        }
        let joined = Tensor::cat(chunks.into_iter().map(|(_, b)| b).collect(), 0);
        assert_close(&to_vec_f32(joined), &sq, 1e-6, "sq chunks");
        let joined = Tensor::cat(
            cosine_similarity_chunks(x.clone(), y.clone(), chunk)
                .unwrap()
                .map(|(_, b)| b)
                .collect(),
            0,
        );
        assert_close(&to_vec_f32(joined), &cos, 1e-6, "cosine chunks");
    }
}

#[test]
fn pairwise_matrices_reject_bad_input() {
    let dev = device();
    let x = Tensor::<2>::ones([3, 2], &dev);
    assert!(matches!(
        pairwise_sq_distances_chunks(x.clone(), x.clone(), 0),
        Err(GslError::InvalidArgument { .. })
    ));
    assert!(matches!(
        pairwise_sq_distances(x.clone(), Tensor::ones([3, 4], &dev)),
        Err(GslError::ShapeMismatch { .. })
    ));
    assert!(matches!(
        pairwise_sq_distances(x.clone(), Tensor::full([2, 2], f32::NAN, &dev)),
        Err(GslError::NonFinite(_))
    ));
    assert!(matches!(
        pairwise_sq_distances(Tensor::zeros([0, 2], &dev), x.clone()),
        Err(GslError::InvalidArgument { .. })
    ));
    let with_zero_row = Tensor::<2>::from_floats([[1.0, 0.0], [0.0, 0.0]], &dev);
    assert!(matches!(
        cosine_similarity(x, with_zero_row),
        Err(GslError::InvalidArgument { .. })
    ));
}

#[test]
fn knn_equals_brute_force_for_any_chunk_size() {
    let dev = device();
    // (N, d, k): group sizes 2 and 7 with padding, k = 1, and k = 40 (sort-based selection).
    for (n, d, k, seed) in [
        (53usize, 6usize, 5usize, 1u64),
        (200, 4, 3, 2),
        (31, 3, 1, 3),
        (120, 3, 40, 4),
    ] {
        let (host, x) = points(n, d, seed, &dev);
        for metric in [KnnMetric::SquaredEuclidean, KnnMetric::Cosine] {
            let want = brute_force(&host, n, d, k, metric);
            for chunk in [1, 7, 16, n, 1024] {
                let options = KnnOptions {
                    metric,
                    chunk_size: chunk,
                    ..KnnOptions::new(k)
                };
                let (idx, dist) = knn(x.clone(), &options).unwrap();
                assert_eq!(idx.dims(), [n, k]);
                let idx = to_vec_i64(idx);
                let dist = to_vec_f32(dist);
                for i in 0..n {
                    for r in 0..k {
                        let (j, dj) = want[i][r];
                        assert_eq!(
                            idx[i * k + r] as usize,
                            j,
                            "N={n} {metric:?} chunk={chunk}: point {i}, rank {r}"
                        );
                        assert!(
                            (dist[i * k + r] as f64 - dj).abs() < 1e-4 * (1.0 + dj),
                            "distance {} vs {dj}",
                            dist[i * k + r]
                        );
                    }
                }
            }
        }
    }
}

/// Large enough for several matmul tiles: N = 4170, k = 4 gives groups of 28 columns, tiles of
/// 74 groups and a last tile of a single group; the joined tiles must give the exact neighbours.
#[test]
fn knn_over_several_matmul_tiles_is_exact() {
    let dev = device();
    let (n, d, k) = (4170usize, 3usize, 4usize);
    let (host, x) = points(n, d, 11, &dev);
    let want = brute_force(&host, n, d, k, KnnMetric::SquaredEuclidean);
    let (idx, dist) = knn(x, &KnnOptions::new(k)).unwrap();
    let idx = to_vec_i64(idx);
    let dist = to_vec_f32(dist);
    for i in 0..n {
        for r in 0..k {
            let (j, dj) = want[i][r];
            assert_eq!(idx[i * k + r] as usize, j, "point {i}, rank {r}");
            assert!((dist[i * k + r] as f64 - dj).abs() < 1e-4 * (1.0 + dj));
        }
    }
}

#[test]
fn knn_never_returns_the_point_itself_even_with_duplicates() {
    let dev = device();
    let (mut host, _) = points(20, 3, 7, &dev);
    // Rows 10..20 duplicate rows 0..10: each point's nearest neighbour is its twin at distance 0.
    let (first, second) = host.split_at_mut(30);
    second.copy_from_slice(first);
    let x = Tensor::<2>::from_data(TensorData::new(host, [20, 3]), &dev);
    let (idx, dist) = knn(x, &KnnOptions::new(2)).unwrap();
    let idx = to_vec_i64(idx);
    let dist = to_vec_f32(dist);
    for i in 0..20 {
        assert!(!idx[2 * i..2 * i + 2].contains(&(i as i64)));
        assert_eq!(idx[2 * i] as usize, (i + 10) % 20);
        assert!(dist[2 * i].abs() < 1e-5);
    }
}

#[test]
fn knn_graph_weights_follow_the_options() {
    let dev = device();
    let (n, d, k) = (40, 5, 4);
    let (host, x) = points(n, d, 11, &dev);
    let want = brute_force(&host, n, d, k, KnnMetric::SquaredEuclidean);
    let euclid: Vec<f64> = want.iter().flatten().map(|(_, d2)| d2.sqrt()).collect();
    let sigma_mean = euclid.iter().sum::<f64>() / euclid.len() as f64;
    type WeightOf = Box<dyn Fn(f64) -> f64>;
    let cases: [(KnnWeighting, WeightOf); 3] = [
        (KnnWeighting::Distance, Box::new(|e| e)),
        (
            KnnWeighting::Gaussian { sigma: None },
            Box::new(move |e| (-e * e / (2.0 * sigma_mean * sigma_mean)).exp()),
        ),
        (
            KnnWeighting::Gaussian { sigma: Some(0.5) },
            Box::new(|e| (-e * e / 0.5).exp()),
        ),
    ];
    for (weighting, weight_of) in cases {
        let options = KnnOptions {
            weighting,
            chunk_size: 9,
            ..KnnOptions::new(k)
        };
        let graph = knn_graph(x.clone(), &options).unwrap();
        assert_eq!((graph.num_nodes(), graph.num_edges()), (n, n * k));
        let edges = graph.to_edge_list();
        for (e, (s, t, w)) in edges.iter().enumerate() {
            assert_eq!(s, e / k);
            assert_eq!(t, want[s][e % k].0);
            let expected = weight_of(euclid[e]);
            assert!(
                (w as f64 - expected).abs() < 1e-4,
                "{weighting:?}: edge {s}→{t} weight {w} vs {expected}"
            );
        }
    }
    let binary = KnnOptions {
        weighting: KnnWeighting::Binary,
        ..KnnOptions::new(k)
    };
    assert!(knn_graph(x, &binary).unwrap().edge_weight().is_none());
}

#[test]
fn symmetrized_knn_graph_is_the_max_union_of_both_directions() {
    let dev = device();
    let (n, d, k) = (30, 4, 3);
    let (host, x) = points(n, d, 5, &dev);
    let want = brute_force(&host, n, d, k, KnnMetric::Cosine);
    let mut union: BTreeMap<(usize, usize), f64> = BTreeMap::new();
    for (i, list) in want.iter().enumerate() {
        for &(j, dist) in list {
            for key in [(i, j), (j, i)] {
                let entry = union.entry(key).or_insert(dist);
                *entry = entry.max(dist);
            }
        }
    }
    let options = KnnOptions {
        metric: KnnMetric::Cosine,
        symmetrize: true,
        ..KnnOptions::new(k)
    };
    let edges = knn_graph(x, &options).unwrap().to_edge_list();
    assert_eq!(edges.num_edges(), union.len());
    for (s, t, w) in edges.iter() {
        let expected = union[&(s, t)];
        assert!(
            (w as f64 - expected).abs() < 1e-4,
            "({s}, {t}): {w} vs {expected}"
        );
    }
}

#[test]
fn knn_rejects_every_invalid_input() {
    let dev = device();
    let (_, x) = points(6, 2, 9, &dev);
    let invalid = |options: KnnOptions, x: Tensor<2>| {
        matches!(knn(x, &options), Err(GslError::InvalidArgument { .. }))
    };
    assert!(invalid(KnnOptions::new(0), x.clone()));
    assert!(invalid(KnnOptions::new(6), x.clone()));
    assert!(invalid(KnnOptions::new(7), x.clone()));
    assert!(invalid(
        KnnOptions {
            chunk_size: 0,
            ..KnnOptions::new(2)
        },
        x.clone()
    ));
    for sigma in [0.0, -1.0, f32::NAN] {
        let options = KnnOptions {
            weighting: KnnWeighting::Gaussian { sigma: Some(sigma) },
            ..KnnOptions::new(2)
        };
        assert!(options.validate().is_err());
        assert!(invalid(options, x.clone()));
    }
    let with_zero_row = Tensor::<2>::from_floats([[1.0, 0.0], [0.0, 0.0], [0.5, 0.5]], &dev);
    let cosine = KnnOptions {
        metric: KnnMetric::Cosine,
        ..KnnOptions::new(1)
    };
    assert!(invalid(cosine, with_zero_row));
    assert!(matches!(
        knn(Tensor::zeros([0, 3], &dev), &KnnOptions::new(1)),
        Err(GslError::EmptyGraph(_))
    ));
    let nan = Tensor::<2>::from_floats([[1.0, f32::NAN], [0.0, 1.0], [2.0, 2.0]], &dev);
    assert!(matches!(
        knn_graph(nan, &KnnOptions::new(1)),
        Err(GslError::NonFinite(_))
    ));
    assert!(KnnOptions::new(3).validate().is_ok());
}

#[test]
fn knn_options_round_trip_through_json() {
    let options = KnnOptions {
        metric: KnnMetric::Cosine,
        weighting: KnnWeighting::Gaussian { sigma: Some(0.25) },
        symmetrize: true,
        ..KnnOptions::new(7)
    };
    let json = serde_json::to_string(&options).unwrap();
    let back: KnnOptions = serde_json::from_str(&json).unwrap();
    assert_eq!(back, options);
}
