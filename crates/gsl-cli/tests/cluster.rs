//! End-to-end tests of `gsl cluster`.

mod common;

use common::gsl;

use std::path::Path;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Two 4-cliques joined by one edge; features and labels follow the cliques.
fn write_inputs(dir: &Path) {
    let mut edges = String::new();
    for block in [0, 4] {
        for i in 0..4 {
            for j in i + 1..4 {
                edges.push_str(&format!("{} {}\n", block + i, block + j));
            }
        }
    }
    edges.push_str("3 4\n");
    std::fs::write(dir.join("g.txt"), edges).unwrap();
    let features: String = (0..8)
        .map(|i| {
            if i < 4 {
                format!("1,0.{i}\n")
            } else {
                format!("0.{i},1\n")
            }
        })
        .collect();
    std::fs::write(dir.join("x.csv"), features).unwrap();
    let labels: String = (0..8).map(|i| format!("{}\n", i / 4)).collect();
    std::fs::write(dir.join("y.csv"), labels).unwrap();
}

#[test]
fn clusters_files_writes_the_assignment_and_prints_the_table() {
    let dir = tempfile::tempdir().unwrap();
    write_inputs(dir.path());
    let out_csv = dir.path().join("assign.csv");
    let emb = dir.path().join("emb.npy");
    let p = |f: &str| dir.path().join(f).to_str().unwrap().to_string();
    let args = [
        "cluster",
        "--method",
        "sgc",
        "--dataset",
        "files",
        "--edges",
        &p("g.txt"),
        "--features",
        &p("x.csv"),
        "--labels",
        &p("y.csv"),
        "--output",
        out_csv.to_str().unwrap(),
        "--embeddings",
        emb.to_str().unwrap(),
    ];
    let out = gsl(&args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("| NMI | 100.00 |"), "{stdout}");
    assert!(stdout.contains("| ACC | 100.00 |"), "{stdout}");
    let assignment = std::fs::read_to_string(&out_csv).unwrap();
    let rows: Vec<&str> = assignment.lines().collect();
    assert_eq!(rows[0], "node,cluster");
    assert_eq!(rows.len(), 9);
    let cluster = |r: &str| r.split(',').nth(1).unwrap().to_string();
    assert_eq!(cluster(rows[1]), cluster(rows[4]));
    assert_ne!(cluster(rows[1]), cluster(rows[8]));
    assert!(emb.is_file());

    // Existing outputs are not replaced without --overwrite.
    let again = gsl(&args);
    assert!(!again.status.success());
    assert!(text(&again.stderr).contains("--overwrite"));
}

#[test]
fn clusters_a_synthetic_sbm() {
    let out = gsl(&[
        "cluster",
        "--method",
        "spectral",
        "--dataset",
        "sbm-400",
        "--k",
        "10",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("Modularity"));
}

#[test]
fn s2cag_and_ms2cag_cluster_files_with_snem_rounding() {
    let dir = tempfile::tempdir().unwrap();
    write_inputs(dir.path());
    let p = |f: &str| dir.path().join(f).to_str().unwrap().to_string();
    // Two feature columns: M-S2CAG (k ≤ F) runs; S2CAG needs k + 1 ≤ F and reports it.
    let args = |method: &'static str| {
        vec![
            "cluster".to_string(),
            "--method".into(),
            method.into(),
            "--dataset".into(),
            "files".into(),
            "--edges".into(),
            p("g.txt"),
            "--features".into(),
            p("x.csv"),
            "--labels".into(),
            p("y.csv"),
            "--feature-norm".into(),
            "none".into(),
        ]
    };
    let run = |method| {
        let a = args(method);
        let refs: Vec<&str> = a.iter().map(String::as_str).collect();
        gsl(&refs)
    };
    let out = run("ms2cag");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("| NMI | 100.00 |"),
        "{}",
        text(&out.stdout)
    );
    let out = run("s2cag");
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("k"), "{}", text(&out.stderr));
    let out = gsl(&[
        "cluster",
        "--method",
        "s2cag",
        "--dataset",
        "sbm-300",
        "--k",
        "3",
        "--feature-norm",
        "rowsum",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[test]
fn bad_arguments_fail_with_a_message() {
    let out = gsl(&["cluster", "--method", "louvain", "--dataset", "sbm-100"]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("unknown method"));
    let out = gsl(&[
        "cluster",
        "--method",
        "sgc",
        "--dataset",
        "sbm-100",
        "--k",
        "0",
    ]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("k"));
}
