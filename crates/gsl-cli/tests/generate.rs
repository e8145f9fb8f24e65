//! End-to-end tests of `gsl gen`: train the ER baseline, sample, evaluate.

mod common;

use common::{assert_fails_with, gsl};

use std::process::Output;

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn train_sample_eval_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let ckpt = dir.path().join("er.json");
    let test_dir = dir.path().join("test");
    let gen_dir = dir.path().join("gen");
    let s = |p: &std::path::Path| p.to_str().unwrap().to_string();

    let out = gsl(&[
        "gen",
        "train",
        "--model",
        "er",
        "--dataset",
        "lobster",
        "--out",
        &s(&ckpt),
        "--test-out",
        &s(&test_dir),
    ]);
    let (_, err) = text(&out);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("fitted er on 80 graphs"), "{err}");
    assert_eq!(std::fs::read_dir(&test_dir).unwrap().count(), 20);

    let out = gsl(&[
        "gen",
        "sample",
        "--checkpoint",
        &s(&ckpt),
        "--num",
        "6",
        "--out",
        &s(&gen_dir),
    ]);
    assert!(out.status.success(), "{}", text(&out).1);
    assert_eq!(std::fs::read_dir(&gen_dir).unwrap().count(), 6);
    // No silent overwrite.
    let again = gsl(&[
        "gen",
        "sample",
        "--checkpoint",
        &s(&ckpt),
        "--num",
        "6",
        "--out",
        &s(&gen_dir),
    ]);
    assert!(!again.status.success());

    let json = dir.path().join("report.json");
    let out = gsl(&[
        "gen",
        "eval",
        "--generated",
        &s(&gen_dir),
        "--reference",
        &s(&test_dir),
        "--validity",
        "lobster_gran,tree",
        "--json",
        &s(&json),
    ]);
    let (stdout, err) = text(&out);
    assert!(out.status.success(), "{err}");
    assert!(
        stdout.contains("MMD²") && stdout.contains("squared"),
        "{stdout}"
    );
    for stat in ["degree", "clustering", "orbit", "spectral"] {
        assert!(stdout.contains(stat), "{stdout}");
    }
    let report = std::fs::read_to_string(&json).unwrap();
    assert_eq!(report.matches("\"kernel\"").count(), 4, "{report}");
    assert!(report.contains("\"LobsterGran\""), "{report}");
    // A test set against itself: every MMD² is zero.
    let out = gsl(&[
        "gen",
        "eval",
        "--generated",
        &s(&test_dir),
        "--reference",
        &s(&test_dir),
        "--mmd",
        "--stats",
        "degree,clustering",
    ]);
    let (stdout, err) = text(&out);
    assert!(out.status.success(), "{err}");
    assert!(stdout.contains("MMD (square root"), "{stdout}");
    assert!(stdout.contains("0.000000e0"), "{stdout}");
}

#[test]
fn bad_inputs_fail_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let out = gsl(&[
        "gen",
        "train",
        "--dataset",
        "nope",
        "--out",
        &format!("{d}/x.json"),
    ]);
    assert_fails_with(&out, "unknown benchmark");

    let bad = dir.path().join("bad");
    std::fs::create_dir(&bad).unwrap();
    std::fs::write(bad.join("g.csv"), "0,1\n1,oops\n").unwrap();
    let out = gsl(&[
        "gen",
        "eval",
        "--generated",
        bad.to_str().unwrap(),
        "--reference",
        bad.to_str().unwrap(),
    ]);
    assert_fails_with(&out, "line 2");

    let out = gsl(&[
        "gen",
        "sample",
        "--checkpoint",
        &format!("{d}/absent.json"),
        "--out",
        d,
    ]);
    assert!(!out.status.success());
}

#[test]
fn bigg_trains_samples_and_refuses_bad_sets() {
    let dir = tempfile::tempdir().unwrap();
    let s = |p: &std::path::Path| p.to_str().unwrap().to_string();
    // Six small cycles as a directory of edge-list files.
    let data = dir.path().join("cycles");
    std::fs::create_dir(&data).unwrap();
    for n in 4..10 {
        let rows: String = (0..n).map(|i| format!("{i},{}\n", (i + 1) % n)).collect();
        std::fs::write(data.join(format!("c{n}.csv")), rows).unwrap();
    }
    let ckpt = dir.path().join("bigg.json");
    let train = |out: &std::path::Path, extra: &[&str]| {
        let mut args = vec![
            "gen",
            "train",
            "--model",
            "bigg",
            "--dataset",
            data.to_str().unwrap(),
            "--all",
            "--epochs",
            "2",
            "--steps-per-epoch",
            "3",
            "--embed-dim",
            "8",
            "--quiet",
        ];
        let out = out.to_str().unwrap().to_string();
        let mut owned: Vec<String> = args.drain(..).map(String::from).collect();
        owned.push("--out".into());
        owned.push(out);
        owned.extend(extra.iter().map(|e| e.to_string()));
        let refs: Vec<&str> = owned.iter().map(String::as_str).collect();
        gsl(&refs)
    };
    let out = train(&ckpt, &[]);
    let (_, err) = text(&out);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("fitted bigg on 6 graphs"), "{err}");
    assert!(dir.path().join("bigg.bpk").exists());
    // No silent overwrite of the checkpoint.
    assert!(!train(&ckpt, &[]).status.success());
    // bits_compress above embed_dim is refused with a message.
    let out = train(&dir.path().join("b.json"), &["--bits-compress", "64"]);
    assert_fails_with(&out, "bits_compress");
    // Block-wise training is recorded in the checkpoint's config.
    let blocks = dir.path().join("blocks.json");
    let out = train(&blocks, &["--block-size", "3"]);
    assert!(out.status.success(), "{}", text(&out).1);
    let json = std::fs::read_to_string(&blocks).unwrap();
    assert!(json.contains("\"block_size\": 3"), "{json}");

    // A resumable run: run again on its state, it continues (here: nothing left to train) and
    // writes the same model; other settings on the same state are refused.
    let state = dir.path().join("state");
    let (first, again) = (dir.path().join("r1.json"), dir.path().join("r2.json"));
    for out_path in [&first, &again] {
        let out = train(out_path, &["--state-dir", &s(&state)]);
        assert!(out.status.success(), "{}", text(&out).1);
    }
    assert!(state.join("state.json").exists());
    let losses = |path: &std::path::Path| {
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        json["losses"].clone()
    };
    assert_eq!(losses(&first), losses(&again));
    assert_eq!(losses(&first).as_array().map(Vec::len), Some(2));
    let out = train(
        &dir.path().join("r3.json"),
        &["--state-dir", &s(&state), "--learning-rate", "0.5"],
    );
    assert_fails_with(&out, "state_dir");
    let out = gsl(&[
        "gen",
        "train",
        "--model",
        "er",
        "--dataset",
        &s(&data),
        "--out",
        &s(&dir.path().join("er.json")),
        "--state-dir",
        &s(&state),
    ]);
    assert_fails_with(&out, "--state-dir");

    let gen_dir = dir.path().join("gen");
    let out = gsl(&[
        "gen",
        "sample",
        "--checkpoint",
        &s(&ckpt),
        "--num",
        "3",
        "--out",
        &s(&gen_dir),
    ]);
    assert!(out.status.success(), "{}", text(&out).1);
    assert_eq!(std::fs::read_dir(&gen_dir).unwrap().count(), 3);

    // An edge-list file without edges (no graph to model) is refused.
    std::fs::write(data.join("single.csv"), "").unwrap();
    let out = train(&dir.path().join("c.json"), &[]);
    assert!(!out.status.success());
}
