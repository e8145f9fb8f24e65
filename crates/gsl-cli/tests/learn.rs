//! End-to-end tests of `gsl learn`.

mod common;

use common::{gsl, read_edges_csv};

use std::path::Path;
use std::process::Output;

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Deterministic uniform numbers in [-0.5, 0.5) (a small LCG, so the test needs no RNG crate).
fn noise(state: &mut u64) -> f32 {
    *state = state
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    ((*state >> 33) as f32 / (1u64 << 31) as f32) - 0.5
}

/// Six nodes, 200 samples: nodes 0–2 follow one latent signal, nodes 3–5 another, plus noise.
/// One row per node.
fn write_signals(path: &Path) {
    let mut state = 7u64;
    let samples = 200;
    let latent: Vec<Vec<f32>> = (0..2)
        .map(|_| (0..samples).map(|_| 4.0 * noise(&mut state)).collect())
        .collect();
    let mut csv = String::new();
    for node in 0..6 {
        let row: Vec<String> = (0..samples)
            .map(|t| format!("{}", latent[node / 3][t] + 0.3 * noise(&mut state)))
            .collect();
        csv.push_str(&row.join(","));
        csv.push('\n');
    }
    std::fs::write(path, csv).unwrap();
}

#[test]
fn log_model_links_nodes_of_the_same_group() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("x.csv");
    let output = dir.path().join("g.csv");
    write_signals(&input);
    let out = gsl(&[
        "learn",
        "--method",
        "log",
        "--input",
        input.to_str().unwrap(),
        "--output",
        output.to_str().unwrap(),
        "--alpha",
        "10",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("converged true"), "{}", text(&out));
    let edges = read_edges_csv(&output);
    assert!(!edges.is_empty());
    // The strong edges are inside the groups: the heaviest cross-group weight is far below the
    // lightest within-group one.
    let within = edges
        .iter()
        .filter(|e| e.0 / 3 == e.1 / 3)
        .map(|e| e.2)
        .fold(f32::INFINITY, f32::min);
    let across = edges
        .iter()
        .filter(|e| e.0 / 3 != e.1 / 3)
        .map(|e| e.2)
        .fold(0.0f32, f32::max);
    assert!(edges.iter().all(|e| e.0 < e.1));
    assert!(within > 10.0 * across, "within {within}, across {across}");
}

#[test]
fn glasso_writes_a_symmetric_precision_matrix() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("x.csv");
    let output = dir.path().join("theta.npy");
    write_signals(&input);
    let args = [
        "learn",
        "--method",
        "glasso",
        "--input",
        input.to_str().unwrap(),
        "--output",
        output.to_str().unwrap(),
        "--alpha",
        "0.05",
        "--quiet",
    ];
    let out = gsl(&args);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("iterations"), "{}", text(&out));
    let m = gsl::data::loaders::read_matrix(&output).unwrap();
    assert_eq!((m.rows, m.cols), (6, 6));
    for i in 0..6 {
        assert!(m.values[i * 6 + i] > 0.0);
        for j in 0..6 {
            assert!((m.values[i * 6 + j] - m.values[j * 6 + i]).abs() < 1e-4);
            if i / 3 != j / 3 {
                // Groups are independent given the latent signals: no cross-group edge.
                assert!(
                    m.values[i * 6 + j].abs() < 0.05,
                    "Θ[{i},{j}] = {}",
                    m.values[i * 6 + j]
                );
            }
        }
    }
    // A second run without --overwrite refuses to replace the file.
    let again = gsl(&args);
    assert!(!again.status.success());
    assert!(text(&again).contains("--overwrite"), "{}", text(&again));
}

#[test]
fn bad_arguments_and_input_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("x.csv");
    write_signals(&input);
    let out_path = dir.path().join("g.csv");
    let run = |extra: &[&str]| {
        let mut args = vec![
            "learn",
            "--input",
            input.to_str().unwrap(),
            "--output",
            out_path.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        gsl(&args)
    };
    // α <= 0, a parameter the method does not have, k >= N.
    let out = run(&["--method", "glasso", "--alpha=-1"]);
    assert!(
        !out.status.success() && text(&out).contains("alpha"),
        "{}",
        text(&out)
    );
    let out = run(&["--method", "glasso", "--beta", "2"]);
    assert!(
        !out.status.success() && text(&out).contains("beta"),
        "{}",
        text(&out)
    );
    let out = run(&["--method", "knn", "--k", "6"]);
    assert!(
        !out.status.success() && text(&out).contains("k"),
        "{}",
        text(&out)
    );
    // Options of other methods, and both scales of network deconvolution at once.
    let out = run(&["--method", "knn", "--approximate"]);
    assert!(
        !out.status.success() && text(&out).contains("approximate"),
        "{}",
        text(&out)
    );
    let out = run(&["--method", "nd", "--alpha", "1", "--beta", "0.9"]);
    assert!(
        !out.status.success() && text(&out).contains("alpha"),
        "{}",
        text(&out)
    );
    let out = run(&["--method", "nd", "--beta", "1.5"]);
    assert!(
        !out.status.success() && text(&out).contains("beta"),
        "{}",
        text(&out)
    );
    // NaN signals.
    let nan = dir.path().join("nan.csv");
    std::fs::write(&nan, "1,2,3\nnan,1,2\n0,1,0\n").unwrap();
    let out = gsl(&[
        "learn",
        "--method",
        "l2",
        "--input",
        nan.to_str().unwrap(),
        "--output",
        out_path.to_str().unwrap(),
    ]);
    assert!(!out.status.success(), "{}", text(&out));
    // Unsupported output extension.
    let out = gsl(&[
        "learn",
        "--method",
        "covar",
        "--input",
        input.to_str().unwrap(),
        "--output",
        dir.path().join("g.txt").to_str().unwrap(),
    ]);
    assert!(
        !out.status.success() && text(&out).contains("extension"),
        "{}",
        text(&out)
    );
}

#[test]
fn knn_and_covar_baselines_write_edge_lists() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("x.csv");
    write_signals(&input);
    for (method, extra) in [
        ("knn", vec!["--k", "2"]),
        ("ann", vec!["--k", "2", "--seed", "3"]),
        ("corr", vec!["--threshold", "0.5"]),
    ] {
        let output = dir.path().join(format!("{method}.csv"));
        let mut args = vec![
            "learn",
            "--method",
            method,
            "--input",
            input.to_str().unwrap(),
            "--output",
            output.to_str().unwrap(),
        ];
        args.extend(extra);
        let out = gsl(&args);
        assert!(out.status.success(), "{method}: {}", text(&out));
        let edges = read_edges_csv(&output);
        // All three baselines find exactly the 6 within-group pairs.
        let mut pairs: Vec<(usize, usize)> = edges.iter().map(|e| (e.0, e.1)).collect();
        pairs.sort();
        assert_eq!(
            pairs,
            vec![(0, 1), (0, 2), (1, 2), (3, 4), (3, 5), (4, 5)],
            "{method}"
        );
    }
}

#[test]
fn network_deconvolution_recovers_a_chain() {
    // A random walk over 6 nodes (x_{i+1} = x_i + noise): correlation is highest between far
    // nodes late in the walk, but the deconvolved graph's 5 heaviest edges are the chain.
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("walk.csv");
    let output = dir.path().join("nd.csv");
    let (n, samples) = (6, 4000);
    let mut state = 11u64;
    let mut rows = vec![Vec::with_capacity(samples); n];
    for _ in 0..samples {
        let mut level = 0.0f32;
        for row in rows.iter_mut() {
            level += noise(&mut state);
            row.push(format!("{level}"));
        }
    }
    let csv: String = rows.iter().map(|r| r.join(",") + "\n").collect();
    std::fs::write(&input, csv).unwrap();
    let out = gsl(&[
        "learn",
        "--method",
        "nd",
        "--input",
        input.to_str().unwrap(),
        "--output",
        output.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("learn nd"), "{}", text(&out));
    let mut edges = read_edges_csv(&output);
    edges.sort_by(|a, b| b.2.total_cmp(&a.2));
    let mut top: Vec<(usize, usize)> = edges[..n - 1].iter().map(|e| (e.0, e.1)).collect();
    top.sort();
    assert_eq!(top, vec![(0, 1), (1, 2), (2, 3), (3, 4), (4, 5)]);
}

#[test]
fn gdn_deconvolves_a_known_filter() {
    // Signals with covariance C = I + 0.4·A for the path 0–1–…–5 (x = L w, L Lᵀ = C, white w).
    // With the two-tap filter (1, 0.4) GDN's iteration is exact proximal gradient and its fixed
    // point is max(0, (h₁·C_ij − τ)/h₁²) off the diagonal: ≈ (0.16 − 0.02)/0.16 = 0.875 on the
    // path, 0 elsewhere (sample noise ≈ 0.016 stays under τ/h₁ = 0.05).
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("diffused.csv");
    let output = dir.path().join("gdn.csv");
    let (n, samples) = (6, 4000);
    let mut c = vec![0.0f64; n * n];
    for i in 0..n {
        c[i * n + i] = 1.0;
        if i + 1 < n {
            c[i * n + i + 1] = 0.4;
            c[(i + 1) * n + i] = 0.4;
        }
    }
    // Cholesky of C (positive definite: the path's eigenvalues are above −2).
    let mut l = vec![0.0f64; n * n];
    for i in 0..n {
        for j in 0..=i {
            let s: f64 = (0..j).map(|k| l[i * n + k] * l[j * n + k]).sum();
            l[i * n + j] = if i == j {
                (c[i * n + i] - s).sqrt()
            } else {
                (c[i * n + j] - s) / l[j * n + j]
            };
        }
    }
    let mut state = 5u64;
    let mut rows = vec![Vec::with_capacity(samples); n];
    for _ in 0..samples {
        // Uniform noise of variance 1 (U[-0.5, 0.5) has variance 1/12).
        let w: Vec<f64> = (0..n)
            .map(|_| f64::from(noise(&mut state)) * 12f64.sqrt())
            .collect();
        for (i, row) in rows.iter_mut().enumerate() {
            let x: f64 = (0..=i).map(|k| l[i * n + k] * w[k]).sum();
            row.push(format!("{x}"));
        }
    }
    let csv: String = rows.iter().map(|r| r.join(",") + "\n").collect();
    std::fs::write(&input, csv).unwrap();
    let out = gsl(&[
        "learn",
        "--method",
        "gdn",
        "--filter",
        "1,0.4",
        "--alpha",
        "0.02",
        "--input",
        input.to_str().unwrap(),
        "--output",
        output.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("learn gdn"), "{}", text(&out));
    let mut edges = read_edges_csv(&output);
    edges.sort_by_key(|a| (a.0, a.1));
    let pairs: Vec<(usize, usize)> = edges.iter().map(|e| (e.0, e.1)).collect();
    assert_eq!(pairs, vec![(0, 1), (1, 2), (2, 3), (3, 4), (4, 5)]);
    for e in &edges {
        assert!((e.2 - 0.875).abs() < 0.15, "edge {e:?}");
    }
    // The filter is required, and belongs to gdn only.
    let missing = gsl(&[
        "learn",
        "--method",
        "gdn",
        "--input",
        input.to_str().unwrap(),
        "--output",
        dir.path().join("x.csv").to_str().unwrap(),
    ]);
    assert!(!missing.status.success());
    assert!(text(&missing).contains("--filter"), "{}", text(&missing));
    let stray = gsl(&[
        "learn",
        "--method",
        "knn",
        "--filter",
        "1,2",
        "--input",
        input.to_str().unwrap(),
        "--output",
        dir.path().join("y.csv").to_str().unwrap(),
    ]);
    assert!(!stray.status.success());
}
