//! End-to-end test of `gsl unroll train --model l2g-vae` (the full L2G) and `predict`.

mod common;

use common::{gsl, stderr};

use std::path::Path;

/// An `n × n` matrix of squared distances between points on a line (an L2G observation).
fn write_observation(path: &Path, n: usize) {
    let rows: Vec<String> = (0..n)
        .map(|i| {
            (0..n)
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
fn l2g_vae_trains_and_predicts_deterministically() {
    let dir = tempfile::tempdir().unwrap();
    let ckpt = dir.path().join("ckpt");
    let ckpt_s = ckpt.to_str().unwrap();
    let out = gsl(&[
        "unroll",
        "train",
        "--model",
        "l2g-vae",
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
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let meta = std::fs::read_to_string(ckpt.join("meta.json")).unwrap();
    assert!(meta.contains("\"l2g-vae\""), "{meta}");
    // The VAE's loss terms are logged with the training loss.
    let history = std::fs::read_to_string(ckpt.join("history.json")).unwrap();
    assert!(history.contains("vae_recon") && history.contains("vae_kl"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("test: graphs 4"), "{stdout}");

    let input = dir.path().join("obs.csv");
    write_observation(&input, 20);
    let predict = |input: &Path, output: &Path| {
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
    let (a, b) = (dir.path().join("a.npy"), dir.path().join("b.npy"));
    for path in [&a, &b] {
        let out = predict(&input, path);
        assert!(out.status.success(), "{}", stderr(&out));
    }
    // Evaluation decodes the prior mean: two predictions are identical.
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());

    // The VAE fixes N: a 10-node observation is rejected with a clear error.
    let small = dir.path().join("small.csv");
    write_observation(&small, 10);
    let out = predict(&small, &dir.path().join("c.npy"));
    assert!(!out.status.success());
    assert!(stderr(&out).contains("fixed N"), "{}", stderr(&out));
}
