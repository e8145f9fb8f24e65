//! The clustering metrics against scikit-learn and networkx values stored in
//! `fixtures/metrics.json` (made by `fixtures/metrics_reference.py`).

use gsl_cluster::metrics::{
    accuracy, ari, average_conductance, completeness, evaluate, global_conductance, homogeneity,
    macro_f1, modularity, nmi,
};
use gsl_core::{BuildOptions, EdgeList};
use serde_json::Value;

fn fixture() -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/metrics.json"
    ))
    .unwrap();
    serde_json::from_str(&text).unwrap()
}

fn labels(v: &Value) -> Vec<usize> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap() as usize)
        .collect()
}

fn close(got: f64, want: &Value, what: &str) {
    let want = want.as_f64().unwrap();
    assert!(
        (got - want).abs() < 1e-9,
        "{what}: got {got}, scikit-learn/networkx {want}"
    );
}

#[test]
fn label_metrics_equal_scikit_learn() {
    for case in fixture()["labels"].as_array().unwrap() {
        let (t, p) = (labels(&case["truth"]), labels(&case["pred"]));
        close(accuracy(&t, &p).unwrap(), &case["acc"], "acc");
        close(macro_f1(&t, &p).unwrap(), &case["f1"], "f1");
        close(nmi(&t, &p).unwrap(), &case["nmi"], "nmi");
        close(ari(&t, &p).unwrap(), &case["ari"], "ari");
        close(
            homogeneity(&t, &p).unwrap(),
            &case["homogeneity"],
            "homogeneity",
        );
        close(
            completeness(&t, &p).unwrap(),
            &case["completeness"],
            "completeness",
        );
    }
}

#[test]
fn structure_metrics_equal_networkx() {
    for case in fixture()["graphs"].as_array().unwrap() {
        let n = case["n"].as_u64().unwrap() as usize;
        let pairs: Vec<(usize, usize)> = case["edges"]
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
        let edges = EdgeList::from_pairs(n, &pairs)
            .unwrap()
            .build(BuildOptions::default())
            .unwrap();
        let parts = labels(&case["parts"]);
        close(
            modularity(&edges, &parts).unwrap(),
            &case["modularity"],
            "modularity",
        );
        close(
            global_conductance(&edges, &parts).unwrap(),
            &case["conductance"],
            "conductance",
        );
        close(
            average_conductance(&edges, &parts).unwrap(),
            &case["avg_conductance"],
            "average conductance",
        );
    }
}

#[test]
fn metrics_are_invariant_to_renaming_clusters() {
    let case = &fixture()["labels"][1];
    let (t, p) = (labels(&case["truth"]), labels(&case["pred"]));
    // A permutation of the cluster ids (with gaps) changes nothing.
    let renamed: Vec<usize> = p.iter().map(|&c| 100 - 3 * c).collect();
    assert_eq!(accuracy(&t, &p).unwrap(), accuracy(&t, &renamed).unwrap());
    assert!((nmi(&t, &p).unwrap() - nmi(&t, &renamed).unwrap()).abs() < 1e-12);
    assert!((ari(&t, &p).unwrap() - ari(&t, &renamed).unwrap()).abs() < 1e-12);
}

#[test]
fn evaluate_skips_unlabelled_nodes_for_label_metrics() {
    let truth = [Some(0), Some(0), None, Some(1), Some(1)];
    let pred = [1, 1, 0, 0, 0];
    let edges = EdgeList::from_pairs(5, &[(0, 1), (1, 2), (2, 3), (3, 4)])
        .unwrap()
        .build(BuildOptions::default())
        .unwrap();
    let s = evaluate(&truth, &pred, Some(&edges)).unwrap();
    assert_eq!(s.acc, 1.0);
    assert!((s.nmi - 1.0).abs() < 1e-12);
    // Only the edge 1–2 crosses clusters: 2 of the 8 stored directions.
    assert!((s.conductance.unwrap() - 0.25).abs() < 1e-12);
    assert!(evaluate(&truth, &pred[..4], None).is_err());
}
