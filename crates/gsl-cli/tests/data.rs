//! End-to-end tests of `gsl data gen` and `gsl data info`.

mod common;

use common::{gsl, stderr};

#[test]
fn gen_writes_one_edge_list_per_graph_and_the_signals() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("ba");
    let out = out_dir.to_str().unwrap();
    let run = gsl(&[
        "data",
        "gen",
        "ba",
        "--n",
        "12",
        "--m",
        "2",
        "--count",
        "3",
        "--weights",
        "l2g",
        "--signals",
        "40",
        "--out",
        out,
    ]);
    assert!(run.status.success(), "{}", stderr(&run));
    for i in 0..3 {
        let text = std::fs::read_to_string(out_dir.join(format!("graph_{i:05}.csv"))).unwrap();
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some("i,j,weight"));
        let rows: Vec<(usize, usize, f32)> = lines
            .map(|l| {
                let f: Vec<&str> = l.split(',').collect();
                (
                    f[0].parse().unwrap(),
                    f[1].parse().unwrap(),
                    f[2].parse().unwrap(),
                )
            })
            .collect();
        // BA(12, 2) from a star: m(n − m) = 20 undirected edges, i < j, weights sum to N / 2
        // over one direction (ΣW = N over the symmetric matrix).
        assert_eq!(rows.len(), 20);
        assert!(rows.iter().all(|&(a, b, _)| a < b && b < 12));
        let total: f32 = rows.iter().map(|r| r.2).sum();
        assert!((total - 6.0).abs() < 1e-3, "{total}");
    }
    let bytes = std::fs::read(out_dir.join("signals.npy")).unwrap();
    let npy = npyz::NpyFile::new(&bytes[..]).unwrap();
    assert_eq!(npy.shape(), &[3, 12, 40]);
    let values: Vec<f32> = npy.into_vec().unwrap();
    assert!(values.iter().all(|v| v.is_finite()));

    // A second run refuses to overwrite, then succeeds with --overwrite.
    let again = gsl(&["data", "gen", "ba", "--n", "12", "--m", "2", "--out", out]);
    assert!(!again.status.success());
    assert!(stderr(&again).contains("--overwrite"), "{}", stderr(&again));
    let forced = gsl(&[
        "data",
        "gen",
        "ba",
        "--n",
        "12",
        "--m",
        "2",
        "--out",
        out,
        "--overwrite",
    ]);
    assert!(forced.status.success(), "{}", stderr(&forced));
}

#[test]
fn info_reports_statistics_of_a_generated_graph() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let run = gsl(&[
        "data", "gen", "grid", "--rows", "3", "--cols", "4", "--out", out,
    ]);
    assert!(run.status.success(), "{}", stderr(&run));
    let file = dir.path().join("graph_00000.csv");
    let info = gsl(&["data", "info", file.to_str().unwrap()]);
    assert!(info.status.success(), "{}", stderr(&info));
    let text = String::from_utf8_lossy(&info.stdout);
    // A 3 × 4 grid: 12 nodes, 3·3 + 2·4 = 17 edges, one component, degrees 2..4.
    assert!(text.contains("nodes: 12"), "{text}");
    assert!(text.contains("undirected edges: 17"), "{text}");
    assert!(
        text.contains("connected components: 1 (largest 12)"),
        "{text}"
    );
    assert!(text.contains("degree: min 2"), "{text}");
}

#[test]
fn bad_arguments_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let bad_p = gsl(&["data", "gen", "er", "--p", "1.5", "--out", out]);
    assert!(!bad_p.status.success());
    assert!(stderr(&bad_p).contains("error"), "{}", stderr(&bad_p));
    let bad_blocks = gsl(&[
        "data", "gen", "sbm", "--n", "10", "--blocks", "3", "--out", out,
    ]);
    assert!(!bad_blocks.status.success());
    let missing = gsl(&["data", "info", "no-such-dataset-or-file"]);
    assert!(!missing.status.success());
    assert!(stderr(&missing).contains("neither"), "{}", stderr(&missing));
}
