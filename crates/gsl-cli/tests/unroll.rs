//! End-to-end tests of `gsl unroll train | predict | plot`.

mod common;

use common::{gsl, read_edges_csv, stderr};

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

/// `gsl unroll train` of `model` on a tiny BA20 set (8 / 4 / 4 graphs, 3 layers, 2 epochs
/// unless `extra` sets `--epochs`).
fn train_tiny<'a>(model: &'a str, ckpt: &'a str, extra: &[&'a str]) -> std::process::Output {
    let mut args = vec![
        "unroll",
        "train",
        "--model",
        model,
        "--dataset",
        "l2g-ba20",
        "--out",
        ckpt,
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
    if !extra.contains(&"--epochs") {
        args.extend_from_slice(&["--epochs", "2"]);
    }
    args.extend_from_slice(extra);
    gsl(&args)
}

/// `gsl unroll predict` with a checkpoint, an input matrix and an output path.
fn predict(ckpt: &str, input: &Path, output: &Path) -> std::process::Output {
    predict_with(ckpt, input, output, &[])
}

/// `gsl unroll predict` with extra arguments.
fn predict_with(ckpt: &str, input: &Path, output: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "unroll",
        "predict",
        "--checkpoint",
        ckpt,
        "--input",
        input.to_str().unwrap(),
        "--output",
        output.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    gsl(&args)
}

#[test]
fn train_writes_a_checkpoint_that_predict_uses() {
    let dir = tempfile::tempdir().unwrap();
    let ckpt = dir.path().join("ckpt");
    let ckpt_s = ckpt.to_str().unwrap();
    let train = |extra: &[&str]| train_tiny("l2g", ckpt_s, extra);
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
    write_observation(&input, 20);
    let predict = |output: &Path| predict(ckpt_s, &input, output);
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

    // --threshold replaces the stored one: above the largest weight nothing is kept, at 0
    // every non-zero entry is.
    let with_threshold = |t: &str, name: &str| {
        let output = dir.path().join(name);
        // `=` form: clap would read a bare `-1` as a flag.
        let flag = format!("--threshold={t}");
        (predict_with(ckpt_s, &input, &output, &[&flag]), output)
    };
    let max_w = edges.iter().map(|e| e.2).fold(0.0f32, f32::max);
    let (out, path) = with_threshold(&format!("{}", max_w * 1.01), "none.csv");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(read_edges_csv(&path).is_empty());
    let (out, path) = with_threshold("0", "all.csv");
    assert!(out.status.success(), "{}", stderr(&out));
    let all = read_edges_csv(&path);
    assert!(all.len() >= edges.len());
    assert!(all.iter().all(|e| e.2.abs() > 0.0));
    for (t, name) in [("-1", "neg.csv"), ("NaN", "nan.csv"), ("0.1", "dense.npy")] {
        let (out, path) = with_threshold(t, name);
        assert!(!out.status.success(), "{t} {name}");
        assert!(stderr(&out).contains("threshold"), "{}", stderr(&out));
        assert!(!path.exists());
    }
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

/// Width and height of a PNG file (after checking its signature).
fn png_size(path: &Path) -> (u32, u32) {
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    (be(&bytes[16..20]), be(&bytes[20..24]))
}

#[test]
fn gnn_baselines_train_predict_and_plot() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("obs.csv");
    write_observation(&input, 20);
    for model in ["gcn", "gin"] {
        let ckpt = dir.path().join(model);
        let ckpt_s = ckpt.to_str().unwrap();
        let data = [
            "--dataset",
            "l2g-ba20",
            "--train",
            "4",
            "--val",
            "2",
            "--test",
            "2",
            "--signals",
            "100",
        ];
        let mut args = vec![
            "unroll", "train", "--model", model, "--out", ckpt_s, "--epochs", "2", "--quiet",
        ];
        args.extend_from_slice(&data);
        let out = gsl(&args);
        assert!(out.status.success(), "{model}: {}", stderr(&out));
        let meta = std::fs::read_to_string(ckpt.join("meta.json")).unwrap();
        assert!(meta.contains(&format!("\"method\": \"{model}\"")), "{meta}");
        // The baselines are one network: a deeper stack is refused.
        let mut deep = args.clone();
        deep.extend_from_slice(&["--depth", "2", "--overwrite"]);
        let out = gsl(&deep);
        assert!(!out.status.success());
        assert!(stderr(&out).contains("depth"), "{}", stderr(&out));

        let w = dir.path().join(format!("{model}.npy"));
        let out = predict(ckpt_s, &input, &w);
        assert!(out.status.success(), "{model}: {}", stderr(&out));

        let png = dir.path().join(format!("{model}.png"));
        let mut plot = vec![
            "unroll",
            "plot",
            "--checkpoint",
            ckpt_s,
            "--index",
            "1",
            "--panel-size",
            "40",
            "--output",
            png.to_str().unwrap(),
        ];
        plot.extend_from_slice(&data);
        let out = gsl(&plot);
        assert!(out.status.success(), "{model}: {}", stderr(&out));
        // One layer + the target side by side: 2 panels of 20 × 2 px with 8 px gaps.
        assert_eq!(png_size(&png), (8 + 2 * 48, 8 + 48));
        // Never replaced without --overwrite; a graph index past the dataset is an error.
        assert!(!gsl(&plot).status.success());
        plot.push("--overwrite");
        assert!(gsl(&plot).status.success());
        let bad: Vec<&str> = plot
            .iter()
            .map(|a| if *a == "1" { "8" } else { a })
            .collect();
        let out = gsl(&bad);
        assert!(!out.status.success());
        assert!(stderr(&out).contains("index"), "{}", stderr(&out));
    }
}

#[test]
fn l2g_vae_trains_and_predicts_deterministically() {
    let dir = tempfile::tempdir().unwrap();
    let ckpt = dir.path().join("ckpt");
    let ckpt_s = ckpt.to_str().unwrap();
    let out = train_tiny("l2g-vae", ckpt_s, &[]);
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
    let (a, b) = (dir.path().join("a.npy"), dir.path().join("b.npy"));
    for path in [&a, &b] {
        let out = predict(ckpt_s, &input, path);
        assert!(out.status.success(), "{}", stderr(&out));
    }
    // Evaluation decodes the prior mean: two predictions are identical.
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());

    // The VAE fixes N: a 10-node observation is rejected with a clear error.
    let small = dir.path().join("small.csv");
    write_observation(&small, 10);
    let out = predict(ckpt_s, &small, &dir.path().join("c.npy"));
    assert!(!out.status.success());
    assert!(stderr(&out).contains("fixed N"), "{}", stderr(&out));
}

#[test]
fn a_training_state_lets_a_second_command_continue_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let state_s = state.to_str().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    let out = train_tiny("l2g", a.to_str().unwrap(), &["--state-dir", state_s]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(state.join("state.json").exists() && state.join("state-2-optimizer.bpk").exists());
    // Two more epochs: the second command runs only epochs 2 and 3.
    let out = train_tiny(
        "l2g",
        b.to_str().unwrap(),
        &["--state-dir", state_s, "--epochs", "4"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let history = std::fs::read_to_string(b.join("history.json")).unwrap();
    for epoch in 0..4 {
        assert!(
            history.contains(&format!("\"epoch\": {epoch},")),
            "{history}"
        );
    }
    assert!(!history.contains("\"epoch\": 4,"));
    assert!(state.join("state-4-model.bpk").exists());
    assert!(!state.join("state-2-model.bpk").exists());
    // A state of another method is refused with a message.
    let out = train_tiny(
        "gdn",
        dir.path().join("c").to_str().unwrap(),
        &["--state-dir", state_s],
    );
    assert!(!out.status.success());
    assert!(stderr(&out).contains("state"), "{}", stderr(&out));
}
