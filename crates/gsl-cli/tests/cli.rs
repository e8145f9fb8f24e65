//! End-to-end tests of the `gsl` binary.

mod common;

use common::{gsl, read_edges_csv, stderr};

use std::path::Path;

use npyz::WriterBuilder;

/// Points on a line: two groups far apart, so every 2-NN set is known.
fn write_points(path: &Path) {
    std::fs::write(path, "x,y\n0,0\n1,0\n3,0\n100,0\n101,0\n103,0\n").unwrap();
}

#[test]
fn knn_csv_to_csv_finds_the_true_neighbours() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("x.csv");
    let output = dir.path().join("g.csv");
    write_points(&input);
    let out = gsl(&[
        "knn",
        "--input",
        input.to_str().unwrap(),
        "--k",
        "2",
        "--output",
        output.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut edges = read_edges_csv(&output);
    edges.sort_by_key(|e| (e.0, e.1));
    let expected = [
        (0, 1, 1.0),
        (0, 2, 3.0),
        (1, 0, 1.0),
        (1, 2, 2.0),
        (2, 0, 3.0),
        (2, 1, 2.0),
        (3, 4, 1.0),
        (3, 5, 3.0),
        (4, 3, 1.0),
        (4, 5, 2.0),
        (5, 3, 3.0),
        (5, 4, 2.0),
    ];
    assert_eq!(edges.len(), expected.len());
    for (got, want) in edges.iter().zip(expected) {
        assert_eq!((got.0, got.1), (want.0, want.1));
        assert!((got.2 - want.2).abs() < 1e-4, "{got:?} vs {want:?}");
    }
}

#[test]
fn knn_npy_to_npz_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("x.npy");
    let output = dir.path().join("g.npz");
    let values: Vec<f64> = vec![0.0, 0.0, 1.0, 0.0, 3.0, 0.0, 100.0, 0.0];
    let mut buf = Vec::new();
    {
        let mut w = npyz::WriteOptions::<f64>::new()
            .default_dtype()
            .shape(&[4, 2])
            .writer(&mut buf)
            .begin_nd()
            .unwrap();
        w.extend(values).unwrap();
        w.finish().unwrap();
    }
    std::fs::write(&input, buf).unwrap();
    let out = gsl(&[
        "knn",
        "--input",
        input.to_str().unwrap(),
        "--k",
        "1",
        "--weight",
        "binary",
        "--output",
        output.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut npz = npyz::npz::NpzArchive::open(&output).unwrap();
    let src: Vec<i64> = npz.by_name("src").unwrap().unwrap().into_vec().unwrap();
    let dst: Vec<i64> = npz.by_name("dst").unwrap().unwrap().into_vec().unwrap();
    let w: Vec<f32> = npz.by_name("weight").unwrap().unwrap().into_vec().unwrap();
    let n: Vec<i64> = npz
        .by_name("num_nodes")
        .unwrap()
        .unwrap()
        .into_vec()
        .unwrap();
    let mut pairs: Vec<(i64, i64)> = src.into_iter().zip(dst).collect();
    pairs.sort();
    assert_eq!(pairs, vec![(0, 1), (1, 0), (2, 1), (3, 2)]);
    assert_eq!(w, vec![1.0; 4]);
    assert_eq!(n, vec![4]);
}

#[test]
fn bad_input_gives_one_line_and_nonzero_exit() {
    let dir = tempfile::tempdir().unwrap();
    let ragged = dir.path().join("ragged.csv");
    std::fs::write(&ragged, "1,2\n3\n").unwrap();
    let out_path = dir.path().join("g.csv");
    let cases: Vec<(Vec<String>, &str)> = vec![
        (vec![ragged.display().to_string()], "line 2"),
        (
            vec![dir.path().join("missing.npy").display().to_string()],
            "missing.npy",
        ),
        (
            vec![dir.path().join("x.txt").display().to_string()],
            "unsupported extension",
        ),
    ];
    for (input, needle) in cases {
        let out = gsl(&[
            "knn",
            "--input",
            &input[0],
            "--k",
            "1",
            "--output",
            out_path.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(1));
        let err = stderr(&out);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.starts_with("error: ") && err.contains(needle), "{err}");
    }
    assert!(!out_path.exists(), "no output is written on failure");
}

#[test]
fn k_too_large_and_existing_output_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("x.csv");
    write_points(&input);
    let output = dir.path().join("g.csv");
    let run = |k: &str, extra: &[&str]| {
        let mut args = vec![
            "knn",
            "--input",
            input.to_str().unwrap(),
            "--k",
            k,
            "--output",
            output.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        gsl(&args)
    };
    let out = run("6", &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("`k`"), "{}", stderr(&out));

    std::fs::write(&output, "keep me").unwrap();
    let out = run("2", &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("--overwrite"));
    assert_eq!(std::fs::read_to_string(&output).unwrap(), "keep me");
    let out = run("2", &["--overwrite"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(read_edges_csv(&output).len(), 12);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn info_lists_flex() {
    let out = gsl(&["info"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("flex: ok"), "{text}");
}

#[test]
fn demo_recovers_clusters() {
    let out = gsl(&["demo", "--clusters", "3", "--per-cluster", "40", "--k", "5"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    let precision: f64 = text
        .split("precision ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .and_then(|s| s.parse().ok())
        .expect("the demo prints a precision");
    assert!(precision > 0.95, "{text}");
}
