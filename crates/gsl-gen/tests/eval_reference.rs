//! The evaluation descriptors agree with networkx / numpy / scipy on the graphs of
//! `fixtures/eval_reference.json` (computed once by `fixtures/eval_reference.py`).

use gsl_core::EdgeList;
use gsl_gen::eval::SimpleGraph;
use gsl_gen::eval::descriptors::{
    clustering_coefficients, clustering_histogram, degree_histogram, normalized_laplacian_spectrum,
    spectral_histogram,
};
use gsl_gen::eval::kernels::wasserstein_1d;
use serde_json::Value;

fn fixture() -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/eval_reference.json"
    ))
    .expect("fixture present");
    serde_json::from_str(&text).expect("fixture is JSON")
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_f64().expect("number"))
        .collect()
}

fn graph(case: &Value) -> SimpleGraph {
    let n = case["num_nodes"].as_u64().unwrap() as usize;
    let weighted = case["weighted"].as_bool().unwrap();
    let triples: Vec<(usize, usize, f32)> = case["edges"]
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
    let edges = if weighted {
        EdgeList::from_weighted(n, &triples).unwrap()
    } else {
        let pairs: Vec<(usize, usize)> = triples.iter().map(|t| (t.0, t.1)).collect();
        EdgeList::from_pairs(n, &pairs).unwrap()
    };
    SimpleGraph::from_edges(&edges).unwrap()
}

fn assert_close(got: &[f64], want: &[f64], tol: f64, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (a, b)) in got.iter().zip(want).enumerate() {
        assert!((a - b).abs() <= tol, "{what}[{i}]: {a} vs {b}");
    }
}

#[test]
fn degree_and_clustering_match_networkx() {
    let data = fixture();
    for case in data["graphs"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let g = graph(case);
        assert_close(
            &degree_histogram(&g).unwrap(),
            &floats(&case["degree_histogram"]),
            0.0,
            &format!("{name} degree histogram"),
        );
        assert_close(
            &clustering_coefficients(&g),
            &floats(&case["clustering"]),
            1e-12,
            &format!("{name} clustering"),
        );
        assert_close(
            &clustering_histogram(&g, 100).unwrap(),
            &floats(&case["clustering_histogram"]),
            0.0,
            &format!("{name} clustering histogram"),
        );
    }
}

#[test]
fn laplacian_spectra_match_scipy() {
    let data = fixture();
    for case in data["graphs"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let g = graph(case);
        assert_close(
            &normalized_laplacian_spectrum(&g, false).unwrap(),
            &floats(&case["spectrum"]),
            1e-9,
            &format!("{name} spectrum"),
        );
        assert_close(
            &spectral_histogram(&g, 200, false).unwrap(),
            &floats(&case["spectral_pmf"]),
            1e-12,
            &format!("{name} spectral pmf"),
        );
        if case["weighted"].as_bool().unwrap() {
            // Weights went through f32 in the fixture, so the match is to f32 precision.
            assert_close(
                &normalized_laplacian_spectrum(&g, true).unwrap(),
                &floats(&case["weighted_spectrum"]),
                1e-6,
                &format!("{name} weighted spectrum"),
            );
            assert_close(
                &spectral_histogram(&g, 200, true).unwrap(),
                &floats(&case["weighted_spectral_pmf"]),
                1e-12,
                &format!("{name} weighted spectral pmf"),
            );
        }
    }
}

#[test]
fn wasserstein_matches_scipy() {
    let data = fixture();
    let centers = floats(&data["wasserstein_centers"]);
    for case in data["wasserstein"].as_array().unwrap() {
        let got = wasserstein_1d(&centers, &floats(&case["x"]), &floats(&case["y"])).unwrap();
        let want = case["distance"].as_f64().unwrap();
        assert!((got - want).abs() < 1e-12, "{got} vs {want}");
    }
}
