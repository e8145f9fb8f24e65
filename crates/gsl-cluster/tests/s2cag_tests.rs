//! S2CAG and M-S2CAG: agreement with exact numpy decompositions of the official definitions and
//! of PyAGC's normalisation ([`Normalization::PyAgc`]), fused = materialised, recovery of a
//! planted SBM, reproducibility and input errors.

use burn::tensor::{Device, Tensor, TensorData};
use gsl_cluster::framework::Embed;
use gsl_cluster::metrics::nmi;
use gsl_cluster::pipeline::{FeatureNorm, Method, PipelineOptions, run};
use gsl_cluster::s2cag::{
    Ms2cag, Ms2cagConfig, Normalization, Rounding, S2cag, S2cagConfig, SvdPath,
    normalize_nsr_features, nsr, nsr_with, random_walk_operator, smoothing_operator,
};
use gsl_core::tensor::to_vec_f32;
use gsl_core::{AttributedGraph, BuildOptions, EdgeList, Graph, GslError};
use gsl_data::ensembles::{Generator, StochasticBlockModel};
use rand_distr::{Distribution, Normal};

fn device() -> Device {
    gsl_core::device::device_from_name("flex").unwrap()
}

struct Fixture {
    data: AttributedGraph,
    k: usize,
    cases: Vec<serde_json::Value>,
}

fn fixture() -> Fixture {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/s2cag.json"
    ))
    .unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let (n, f) = (
        v["n"].as_u64().unwrap() as usize,
        v["f"].as_u64().unwrap() as usize,
    );
    let pairs: Vec<(usize, usize)> = v["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e[0].as_u64().unwrap() as usize,
                e[1].as_u64().unwrap() as usize,
            )
        })
        .collect();
    let edges = EdgeList::from_pairs(n, &pairs).unwrap();
    let graph = Graph::from_edges(&edges, BuildOptions::default(), &device()).unwrap();
    let x = Tensor::from_data(TensorData::new(matrix(&v["features"]), [n, f]), &device());
    Fixture {
        data: AttributedGraph::new(graph, x, None).unwrap(),
        k: v["k"].as_u64().unwrap() as usize,
        cases: v["cases"].as_array().unwrap().clone(),
    }
}

fn matrix(v: &serde_json::Value) -> Vec<f32> {
    v.as_array()
        .unwrap()
        .iter()
        .flat_map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap() as f32)
        })
        .collect()
}

fn projector(u: Tensor<2>) -> Vec<f32> {
    to_vec_f32(u.clone().matmul(u.transpose()))
}

fn assert_close(got: &[f32], want: &[f32], tol: f32, what: &str) {
    assert_eq!(got.len(), want.len());
    let worst = got
        .iter()
        .zip(want)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f32::max);
    assert!(worst < tol, "{what}: max deviation {worst}");
}

#[test]
fn nsr_and_subspaces_match_numpy() {
    let fx = fixture();
    let p = smoothing_operator(&fx.data.graph).unwrap();
    let x_hat = normalize_nsr_features(fx.data.features.clone());
    for case in &fx.cases {
        let (t, alpha, gamma) = (
            case["t"].as_u64().unwrap() as usize,
            case["alpha"].as_f64().unwrap(),
            case["gamma"].as_f64().unwrap(),
        );
        let z = nsr(&p, x_hat.clone(), t, alpha).unwrap();
        assert_close(&to_vec_f32(z), &matrix(&case["z"]), 1e-5, "Z");
        for path in [SvdPath::Materialise, SvdPath::Fused] {
            let s2 = S2cag::new(
                fx.k,
                S2cagConfig::new()
                    .with_t(t)
                    .with_alpha(alpha)
                    .with_path(path),
            )
            .unwrap();
            let u = s2.embed(&fx.data).unwrap();
            assert_eq!(u.dims(), [24, fx.k]);
            assert_close(
                &projector(u),
                &matrix(&case["s2cag_projector"]),
                2e-3,
                "S2CAG",
            );
            let m = Ms2cag::new(
                fx.k,
                Ms2cagConfig::new()
                    .with_t(t)
                    .with_alpha(alpha)
                    .with_gamma(gamma)
                    .with_path(path),
            )
            .unwrap();
            let q = m.embed(&fx.data).unwrap();
            assert_close(
                &projector(q),
                &matrix(&case["ms2cag_projector"]),
                2e-3,
                "M-S2CAG",
            );
        }
    }
}

/// `k` blocks of `size` nodes, features = block indicator (2 columns per block) plus Gaussian
/// noise, clipped at zero (S2CAG's normalisation is meant for non-negative features such as
/// TF-IDF): informative, but neither source alone is perfect.
fn attributed_sbm(k: usize, size: usize, seed: u64) -> (AttributedGraph, Vec<usize>) {
    let sbm = StochasticBlockModel::planted(vec![size; k], &vec![0.12; k], 0.03).unwrap();
    let edges = sbm.sample(seed).unwrap();
    let truth = sbm.labels();
    let d = 2 * k;
    let mut rng = gsl_core::train::seeded_rng(seed + 100);
    let normal = Normal::new(0.0f32, 0.8).unwrap();
    let x: Vec<f32> = truth
        .iter()
        .flat_map(|&c| (0..d).map(move |j| if j % k == c { 1.0 } else { 0.0 }))
        .map(|m| (m + normal.sample(&mut rng)).max(0.0))
        .collect();
    let n = truth.len();
    let x = Tensor::from_data(TensorData::new(x, [n, d]), &device());
    (
        AttributedGraph::new(edges.to_graph(&device()), x, None).unwrap(),
        truth,
    )
}

#[test]
fn fused_and_materialised_runs_give_the_same_clusters() {
    let (data, truth) = attributed_sbm(3, 60, 5);
    let random: Vec<usize> = (0..truth.len()).map(|i| (i * 7919 + 13) % 3).collect();
    let random_nmi = nmi(&truth, &random).unwrap();
    for name in ["s2cag", "ms2cag"] {
        let mut labels = Vec::new();
        for path in [SvdPath::Materialise, SvdPath::Fused] {
            let method = match Method::from_name(name).unwrap() {
                Method::S2cag(c) => Method::S2cag(c.with_path(path)),
                Method::Ms2cag(c) => Method::Ms2cag(c.with_path(path)),
                _ => unreachable!(),
            };
            let out = run(&method, &data, &PipelineOptions::new(3).with_seed(4)).unwrap();
            let score = nmi(&truth, &out.labels).unwrap();
            // Stated margin: at least 0.5 NMI above a random assignment.
            assert!(score > random_nmi + 0.5, "{name} {path:?}: NMI {score}");
            labels.push(out.labels);
        }
        assert_eq!(labels[0], labels[1], "{name}");
    }
}

#[test]
fn kmeans_rounding_is_available_and_seeds_reproduce() {
    let (data, truth) = attributed_sbm(3, 50, 7);
    let options = PipelineOptions::new(3)
        .with_seed(11)
        .with_n_init(2)
        .with_feature_norm(FeatureNorm::None);
    for method in [
        Method::S2cag(S2cagConfig::new()),
        Method::Ms2cag(Ms2cagConfig::new().with_rounding(Rounding::KMeans)),
    ] {
        let a = run(&method, &data, &options).unwrap();
        let b = run(&method, &data, &options).unwrap();
        assert_eq!(a.labels, b.labels, "{}", method.name());
        assert!(nmi(&truth, &a.labels).unwrap() > 0.5);
        assert_eq!(a.inertia.is_some(), method.snem_iterations().is_none());
    }
}

#[test]
fn bad_input_is_a_clear_error() {
    let (data, _) = attributed_sbm(2, 10, 8);
    let invalid =
        |r: gsl_core::Result<Tensor<2>>| matches!(r, Err(GslError::InvalidArgument { .. }));
    assert!(S2cag::new(0, S2cagConfig::new()).is_err());
    assert!(S2cag::new(2, S2cagConfig::new().with_t(0)).is_err());
    assert!(S2cag::new(2, S2cagConfig::new().with_alpha(-1.0)).is_err());
    assert!(S2cag::new(2, S2cagConfig::new().with_alpha(f64::NAN)).is_err());
    assert!(Ms2cag::new(2, Ms2cagConfig::new().with_gamma(-0.1)).is_err());
    assert!(Ms2cag::new(2, Ms2cagConfig::new().with_tau(0)).is_err());
    // F = 4 features: S2CAG needs k + 1 <= F, M-S2CAG k <= F; k < N always.
    assert!(invalid(
        S2cag::new(4, S2cagConfig::new()).unwrap().embed(&data)
    ));
    assert!(invalid(
        Ms2cag::new(5, Ms2cagConfig::new()).unwrap().embed(&data)
    ));
    let nan = AttributedGraph {
        graph: data.graph.clone(),
        features: data.features.clone().mul_scalar(f32::NAN),
        labels: None,
    };
    assert!(matches!(
        S2cag::new(2, S2cagConfig::new()).unwrap().embed(&nan),
        Err(GslError::NonFinite(_))
    ));
    let short = AttributedGraph {
        graph: data.graph.clone(),
        features: data.features.clone().narrow(0, 0, 5),
        labels: None,
    };
    assert!(matches!(
        Ms2cag::new(2, Ms2cagConfig::new()).unwrap().embed(&short),
        Err(GslError::ShapeMismatch { .. })
    ));
}

// PyAGC's normalisation.

#[test]
fn pyagc_normalisation_matches_numpy() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/s2cag_pyagc.json"
    ))
    .unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let (n, f, k) = (
        v["n"].as_u64().unwrap() as usize,
        v["f"].as_u64().unwrap() as usize,
        v["k"].as_u64().unwrap() as usize,
    );
    let pairs: Vec<(usize, usize)> = v["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e[0].as_u64().unwrap() as usize,
                e[1].as_u64().unwrap() as usize,
            )
        })
        .collect();
    let edges = EdgeList::from_pairs(n, &pairs).unwrap();
    let graph = Graph::from_edges(&edges, BuildOptions::default(), &device()).unwrap();
    let x = Tensor::from_data(TensorData::new(matrix(&v["features"]), [n, f]), &device());
    let data = AttributedGraph::new(graph, x, None).unwrap();

    let p = Normalization::PyAgc.operator(&data.graph).unwrap();
    assert_close(
        &to_vec_f32(p.to_dense()),
        &matrix(&v["p"]),
        1e-6,
        "D^-1(A+I)",
    );
    assert_close(
        &to_vec_f32(random_walk_operator(&data.graph).unwrap().to_dense()),
        &matrix(&v["p"]),
        1e-6,
        "random_walk_operator",
    );
    let x_hat = Normalization::PyAgc.features(data.features.clone());
    // Includes an all-zero feature row, which must stay zero (not NaN).
    assert_close(&to_vec_f32(x_hat.clone()), &matrix(&v["x_hat"]), 1e-6, "X^");

    for case in v["cases"].as_array().unwrap() {
        let (t, alpha, gamma) = (
            case["t"].as_u64().unwrap() as usize,
            case["alpha"].as_f64().unwrap(),
            case["gamma"].as_f64().unwrap(),
        );
        let z = nsr_with(&p, x_hat.clone(), t, alpha, Normalization::PyAgc).unwrap();
        assert_close(&to_vec_f32(z), &matrix(&case["z"]), 1e-5, "Z");
        for path in [SvdPath::Materialise, SvdPath::Fused] {
            let s2 = S2cag::new(
                k,
                S2cagConfig::pyagc()
                    .with_t(t)
                    .with_alpha(alpha)
                    .with_path(path),
            )
            .unwrap();
            assert_close(
                &projector(s2.embed(&data).unwrap()),
                &matrix(&case["s2cag_projector"]),
                2e-3,
                "S2CAG (PyAGC)",
            );
            let m = Ms2cag::new(
                k,
                Ms2cagConfig::pyagc()
                    .with_t(t)
                    .with_alpha(alpha)
                    .with_gamma(gamma)
                    .with_path(path),
            )
            .unwrap();
            let q = m.embed(&data).unwrap();
            assert_eq!(q.dims(), [n, k]);
            assert_close(
                &projector(q),
                &matrix(&case["ms2cag_projector"]),
                2e-3,
                &format!("M-S2CAG (PyAGC) {path:?}"),
            );
        }
    }
}

#[test]
fn pyagc_variant_beats_random_on_an_informative_sbm_and_seeds_reproduce() {
    let (data, truth) = attributed_sbm(3, 60, 5);
    let random: Vec<usize> = (0..truth.len()).map(|i| (i * 7919 + 13) % 3).collect();
    let random_nmi = nmi(&truth, &random).unwrap();
    let options = PipelineOptions::new(3)
        .with_seed(4)
        .with_n_init(3)
        .with_feature_norm(FeatureNorm::None);
    for rounding in [Rounding::KMeans, Rounding::Snem] {
        let mut labels = Vec::new();
        for path in [SvdPath::Materialise, SvdPath::Fused] {
            let method = Method::Ms2cag(
                Ms2cagConfig::pyagc()
                    .with_rounding(rounding)
                    .with_path(path),
            );
            let out = run(&method, &data, &options).unwrap();
            let score = nmi(&truth, &out.labels).unwrap();
            // Stated margin: at least 0.5 NMI above a random assignment.
            assert!(
                score > random_nmi + 0.5,
                "{rounding:?} {path:?}: NMI {score}"
            );
            let again = run(&method, &data, &options).unwrap();
            assert_eq!(out.labels, again.labels, "{rounding:?} {path:?}: same seed");
            labels.push(out.labels);
        }
        assert_eq!(labels[0], labels[1], "{rounding:?}: fused = materialised");
    }
    let s2 = run(&Method::S2cag(S2cagConfig::pyagc()), &data, &options).unwrap();
    assert!(nmi(&truth, &s2.labels).unwrap() > random_nmi + 0.5);
}

#[test]
fn pyagc_variant_differs_from_the_official_one() {
    // Not a mere relabelling of the official computation: the NSR itself differs.
    let (data, _) = attributed_sbm(2, 12, 3);
    let official = Normalization::Official;
    let pyagc = Normalization::PyAgc;
    let z_official = nsr_with(
        &official.operator(&data.graph).unwrap(),
        official.features(data.features.clone()),
        4,
        0.9,
        official,
    )
    .unwrap();
    let z_pyagc = nsr_with(
        &pyagc.operator(&data.graph).unwrap(),
        pyagc.features(data.features.clone()),
        4,
        0.9,
        pyagc,
    )
    .unwrap();
    let diff: f32 = z_official.sub(z_pyagc).abs().max().into_scalar();
    assert!(diff > 1e-3, "{diff}");
    assert_eq!(Ms2cagConfig::new().normalization, Normalization::Official);
    let cora = Ms2cagConfig::pyagc_cora();
    assert_eq!(
        (cora.t, cora.alpha, cora.gamma, cora.tau, cora.rounding),
        (16, 1.2, 1.0, 100, Rounding::KMeans)
    );
}

#[test]
fn pyagc_variant_errors_like_the_official_one() {
    let (data, _) = attributed_sbm(2, 10, 8);
    let invalid =
        |r: gsl_core::Result<Tensor<2>>| matches!(r, Err(GslError::InvalidArgument { .. }));
    assert!(Ms2cag::new(0, Ms2cagConfig::pyagc()).is_err());
    assert!(Ms2cag::new(2, Ms2cagConfig::pyagc().with_t(0)).is_err());
    assert!(Ms2cag::new(2, Ms2cagConfig::pyagc().with_alpha(f64::NAN)).is_err());
    assert!(Ms2cag::new(2, Ms2cagConfig::pyagc().with_gamma(-0.1)).is_err());
    assert!(Ms2cag::new(2, Ms2cagConfig::pyagc().with_tau(0)).is_err());
    assert!(S2cag::new(2, S2cagConfig::pyagc().with_alpha(-1.0)).is_err());
    // F = 4 features: S2CAG needs k + 1 <= F, M-S2CAG k <= F.
    assert!(invalid(
        S2cag::new(4, S2cagConfig::pyagc()).unwrap().embed(&data)
    ));
    assert!(invalid(
        Ms2cag::new(5, Ms2cagConfig::pyagc()).unwrap().embed(&data)
    ));
    let nan = AttributedGraph {
        graph: data.graph.clone(),
        features: data.features.clone().mul_scalar(f32::NAN),
        labels: None,
    };
    assert!(matches!(
        Ms2cag::new(2, Ms2cagConfig::pyagc()).unwrap().embed(&nan),
        Err(GslError::NonFinite(_))
    ));
    let short = AttributedGraph {
        graph: data.graph.clone(),
        features: data.features.clone().narrow(0, 0, 5),
        labels: None,
    };
    assert!(matches!(
        Ms2cag::new(2, Ms2cagConfig::pyagc()).unwrap().embed(&short),
        Err(GslError::ShapeMismatch { .. })
    ));
    // All-zero features: the normalised NSR is zero, so the affinity has no weight.
    let zero = AttributedGraph {
        graph: data.graph.clone(),
        features: data.features.zeros_like(),
        labels: None,
    };
    assert!(invalid(
        Ms2cag::new(2, Ms2cagConfig::pyagc()).unwrap().embed(&zero)
    ));
}
