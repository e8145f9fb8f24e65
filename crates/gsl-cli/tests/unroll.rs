//! End-to-end tests of `gsl unroll train | predict`.

mod common;

use common::{gsl, read_edges_csv, stderr};

use std::path::Path;

/// A 20 × 20 matrix of squared distances between points on a line (an L2G observation).
fn write_observation(path: &Path) {
    let rows: Vec<String> = (0..20)
        .map(|i| {
            (0..20)
                .map(|j| {
                    let d = (i as f32 - j as f32) / 10.0;
                    format!("{}", d * d)
                })
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect();
    std::fs::write(path, rows.join("\n")).unwrap();
}

#[test]
fn train_writes_a_checkpoint_that_predict_uses() {
    let dir = tempfile::tempdir().unwrap();
    let ckpt = dir.path().join("ckpt");
    let ckpt_s = ckpt.to_str().unwrap();
    let train = |extra: &[&str]| {
        let mut args = vec![
            "unroll",
            "train",
            "--model",
            "l2g",
            "--dataset",
            "l2g-ba20",
            "--out",
            ckpt_s,
            "--epochs",
            "2",
            "--depth",
            "3",
            "--train",
            "8",
            "--val",
            "4",
            "--test",
            "4",
            "--signals",
            "200",
            "--batch-size",
            "4",
            "--quiet",
        ];
        args.extend_from_slice(extra);
        gsl(&args)
    };
    let out = train(&[]);
    assert!(out.status.success(), "{}", stderr(&out));
    for file in ["model.bpk", "meta.json", "history.json"] {
        assert!(ckpt.join(file).exists(), "{file} missing");
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("test: graphs 4"), "{stdout}");
    // A second run into the same directory needs --overwrite.
    let again = train(&[]);
    assert!(!again.status.success());
    assert!(stderr(&again).contains("overwrite"), "{}", stderr(&again));

    let input = dir.path().join("obs.csv");
    write_observation(&input);
    let predict = |output: &Path| {
        gsl(&[
            "unroll",
            "predict",
            "--checkpoint",
            ckpt_s,
            "--input",
            input.to_str().unwrap(),
            "--output",
            output.to_str().unwrap(),
        ])
    };
    let out = predict(&dir.path().join("w.npy"));
    assert!(out.status.success(), "{}", stderr(&out));
    let edges = dir.path().join("w.csv");
    let out = predict(&edges);
    assert!(out.status.success(), "{}", stderr(&out));
    // The output is never replaced silently.
    assert!(!predict(&edges).status.success());
    let edges = read_edges_csv(&edges);
    assert!(edges.iter().all(|&(i, j, w)| i < j && j < 20 && w > 0.0));
    // Closer points get larger weights from the log model: the estimate is not empty.
    assert!(!edges.is_empty());
}

#[test]
fn bad_unroll_inputs_fail_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let out = gsl(&[
        "unroll",
        "train",
        "--model",
        "l2g",
        "--dataset",
        "l2g-ba20",
        "--out",
        dir.path().join("c").to_str().unwrap(),
        "--depth",
        "0",
        "--train",
        "4",
        "--val",
        "2",
        "--test",
        "0",
        "--signals",
        "100",
        "--quiet",
    ]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("depth"), "{}", stderr(&out));
    let out = gsl(&[
        "unroll",
        "train",
        "--model",
        "l2g",
        "--dataset",
        "l2g-ba20",
        "--out",
        dir.path().join("c").to_str().unwrap(),
        "--channels",
        "2",
        "--quiet",
    ]);
    assert!(!out.status.success());
    let out = gsl(&[
        "unroll",
        "predict",
        "--checkpoint",
        dir.path().join("missing").to_str().unwrap(),
        "--input",
        "x.csv",
        "--output",
        dir.path().join("w.npy").to_str().unwrap(),
    ]);
    assert!(!out.status.success());
}
