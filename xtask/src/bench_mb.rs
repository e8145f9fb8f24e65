//! `cargo xtask bench mb`: model-based graph learning against its Python references.
//!
//! - graphical lasso (G-ISTA, batched) against scikit-learn's `graphical_lasso` (mode 'cd',
//!   tol 1e-4) on the same covariances at N = 100, 200, 500, and a batch of 64 problems at
//!   N = 100 against the time scikit-learn needs for 8 of them (targets: ≥ 5× per problem at
//!   N = 500; the batch of 64 faster than scikit-learn's 8; objectives within 1e-4 relative);
//! - the dense log model at N = 1000 against the same FBF iterations in numpy (target ≥ 10×),
//!   and its time per iteration against one pass over the N(N−1)/2 variables at copy bandwidth;
//! - the large-scale log model at N = 10⁴ and 10⁵, d = 100: total time including the kNN
//!   support, and the process's peak memory (targets at 10⁵: < 2 min, < 8 GiB).
//!
//! The Python script writes the covariances and distances it used to `target/bench/mb-data/`,
//! so both sides solve exactly the same problems.

use std::path::Path;
use std::time::Instant;

use gsl::burn::tensor::{Device, Tensor, TensorData};
use gsl::data::loaders::read_matrix;
use gsl::mb::glasso::{GlassoConfig, graphical_lasso};
use gsl::mb::large::{CandidateSearch, LargeScaleConfig, large_scale_log_model};
use gsl::mb::smooth::{PairSupport, SmoothConfig, learn_smooth};
use rand::{RngExt, SeedableRng, rngs::StdRng};
use serde::Serialize;

use crate::report::{Row, machine, print_table, run_python_reference, workspace_root, write_json};

struct Sizes {
    glasso: Vec<usize>,
    batch: usize,
    batch_timed: usize,
    log_n: usize,
    large: Vec<usize>,
}

#[derive(Serialize)]
struct Output {
    suite: &'static str,
    machine: String,
    device: String,
    rows: Vec<Row>,
    python: Option<serde_json::Value>,
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

fn load_batch(path: &Path, n: usize, device: &Device) -> Result<Tensor<3>, String> {
    let m = read_matrix(path).map_err(err)?;
    let b = m.rows / n;
    Ok(Tensor::from_data(
        TensorData::new(m.values, [b, n, n]),
        device,
    ))
}

/// A random Wishart covariance batch `[b, n, n]` (used when Python is unavailable).
fn wishart(b: usize, n: usize, rng: &mut StdRng, device: &Device) -> Tensor<3> {
    let p = 2 * n;
    let x: Vec<f32> = (0..b * n * p).map(|_| rng.random::<f32>() - 0.5).collect();
    let x = Tensor::<3>::from_data(TensorData::new(x, [b, n, p]), device);
    x.clone()
        .matmul(x.swap_dims(1, 2))
        .div_scalar(p as f32 / 12.0)
}

fn row(name: &str, size: String, seconds: f64, rate: f64, unit: &str, note: String) -> Row {
    Row {
        name: name.into(),
        size,
        millis: seconds * 1e3,
        rate,
        unit: unit.into(),
        note,
    }
}

pub fn run(quick: bool, device_name: &str, with_python: bool) -> Result<(), String> {
    let s = if quick {
        Sizes {
            glasso: vec![100, 200],
            batch: 16,
            batch_timed: 2,
            log_n: 300,
            large: vec![2_000],
        }
    } else {
        Sizes {
            glasso: vec![100, 200, 500],
            batch: 64,
            batch_timed: 8,
            log_n: 1000,
            large: vec![10_000, 100_000],
        }
    };
    let device = gsl::core::device::device_from_name(device_name).map_err(err)?;
    let data_dir = workspace_root().join("target/bench/mb-data");
    std::fs::create_dir_all(&data_dir).map_err(err)?;
    let python = if with_python {
        run_python(&s, &data_dir)
    } else {
        None
    };
    let mut rng = StdRng::seed_from_u64(0);
    let mut rows = Vec::new();
    let alpha = 0.05;

    // Graphical lasso, one problem per size.
    for (i, &n) in s.glasso.iter().enumerate() {
        let file = data_dir.join(format!("glasso_{n}_1.npy"));
        let cov = if python.is_some() {
            load_batch(&file, n, &device)?
        } else {
            wishart(1, n, &mut rng, &device)
        };
        let start = Instant::now();
        let report = graphical_lasso(cov, &GlassoConfig::new(alpha), None).map_err(err)?;
        let t = start.elapsed().as_secs_f64();
        let ours = report.estimate.objective[0];
        let mut note = format!(
            "{} it, converged {}, rel. gap {:.1e}",
            report.iterations,
            report.converged,
            report.final_residual().unwrap_or(f64::NAN)
        );
        if let Some(py) = python.as_ref().and_then(|p| p["glasso"].get(i)) {
            let sk_t = py["seconds"].as_f64().unwrap_or(f64::NAN);
            let sk_obj = py["objectives"][0].as_f64().unwrap_or(f64::NAN);
            rows.push(row(
                "scikit-learn graphical_lasso (cd)",
                format!("N={n}"),
                sk_t,
                1.0 / sk_t,
                "problems/s",
                format!("objective {sk_obj:.6}"),
            ));
            let rel = (ours - sk_obj).abs() / sk_obj.abs();
            note.push_str(&format!(
                "; speed-up {:.1}x{}; objective rel. diff {rel:.1e} (target 1e-4)",
                sk_t / t,
                if n == 500 { " (target >= 5x)" } else { "" }
            ));
        }
        rows.push(row(
            "gsl graphical_lasso (G-ISTA)",
            format!("N={n}"),
            t,
            1.0 / t,
            "problems/s",
            note,
        ));
    }

    // Graphical lasso, a batch at N = 100.
    let n = 100;
    let cov = if python.is_some() {
        load_batch(
            &data_dir.join(format!("glasso_{n}_{}.npy", s.batch)),
            n,
            &device,
        )?
    } else {
        wishart(s.batch, n, &mut rng, &device)
    };
    let start = Instant::now();
    let report = graphical_lasso(cov, &GlassoConfig::new(alpha), None).map_err(err)?;
    let t = start.elapsed().as_secs_f64();
    let mut note = format!("{} it, converged {}", report.iterations, report.converged);
    if let Some(py) = python.as_ref().map(|p| &p["glasso_batch"]) {
        let sk_t = py["seconds"].as_f64().unwrap_or(f64::NAN);
        rows.push(row(
            "scikit-learn graphical_lasso (cd), sequential",
            format!("{} of the batch, N={n}", s.batch_timed),
            sk_t,
            s.batch_timed as f64 / sk_t,
            "problems/s",
            String::new(),
        ));
        note.push_str(&format!(
            "; batch of {} in {:.2}x the time sklearn needs for {} (target < 1)",
            s.batch,
            t / sk_t,
            s.batch_timed
        ));
    }
    rows.push(row(
        "gsl graphical_lasso, batched",
        format!("B={} N={n}", s.batch),
        t,
        s.batch as f64 / t,
        "problems/s",
        note,
    ));

    // Dense log model.
    let n = s.log_n;
    let m = n * (n - 1) / 2;
    let z = if python.is_some() {
        let mat = read_matrix(data_dir.join("log_z.npy")).map_err(err)?;
        Tensor::<2>::from_data(TensorData::new(mat.values, [1, m]), &device)
    } else {
        let v: Vec<f32> = (0..m).map(|_| rng.random::<f32>() * 2.0).collect();
        Tensor::<2>::from_data(TensorData::new(v, [1, m]), &device)
    };
    let support = PairSupport::complete(n, &device).map_err(err)?;
    let config = SmoothConfig::log(1.0, 1.0);
    let start = Instant::now();
    let report = learn_smooth(z, &support, &config, false, None).map_err(err)?;
    let t = start.elapsed().as_secs_f64();
    let per_iter = t / report.iterations.max(1) as f64;
    // The memory floor: one pass over the M variables (read and write M f32 values), timed
    // here as a host copy of M floats (best of 20).
    let source = vec![1.0f32; m];
    let pass = (0..20)
        .map(|_| {
            let start = Instant::now();
            let copy = std::hint::black_box(source.clone());
            let t = start.elapsed().as_secs_f64();
            drop(copy);
            t
        })
        .fold(f64::INFINITY, f64::min);
    let mut note = format!(
        "{} it, converged {}; {:.2} ms/it = {:.0}x one pass over the M variables ({:.3} ms, \
         {:.1} GB/s copy)",
        report.iterations,
        report.converged,
        per_iter * 1e3,
        per_iter / pass,
        pass * 1e3,
        8.0 * m as f64 / pass / 1e9
    );
    if let Some(py) = python.as_ref().map(|p| &p["log"]) {
        let np_t = py["seconds"].as_f64().unwrap_or(f64::NAN);
        let np_it = py["iterations"].as_u64().unwrap_or(0);
        rows.push(row(
            "numpy FBF log model",
            format!("N={n}"),
            np_t,
            np_it as f64 / np_t,
            "it/s",
            format!("{np_it} it"),
        ));
        note.push_str(&format!("; speed-up {:.1}x (target >= 10x)", np_t / t));
    }
    rows.push(row(
        "gsl log model (FBF, dense)",
        format!("N={n} M={m}"),
        t,
        report.iterations as f64 / t,
        "it/s",
        note,
    ));

    // Large-scale log model on clustered Gaussian-ish points, d = 100.
    for &n in &s.large {
        let d = 100;
        let clusters = 50;
        let centres: Vec<f32> = (0..clusters * d)
            .map(|_| 6.0 * (rng.random::<f32>() - 0.5))
            .collect();
        let x: Vec<f32> = (0..n)
            .flat_map(|i| {
                let c = i % clusters;
                let centre = centres[c * d..(c + 1) * d].to_vec();
                centre
                    .into_iter()
                    .map(|v| v + rng.random::<f32>() - 0.5)
                    .collect::<Vec<_>>()
            })
            .collect();
        let x = Tensor::<2>::from_data(TensorData::new(x, [n, d]), &device);
        if n <= 20_000 {
            // Recall of the approximate candidate lists against the exact ones.
            let kk = 30;
            let start = Instant::now();
            let (exact, _) =
                gsl::core::similarity::knn(x.clone(), &gsl::core::similarity::KnnOptions::new(kk))
                    .map_err(err)?;
            let exact_t = start.elapsed().as_secs_f64();
            let exact: Vec<usize> = gsl::core::tensor::to_vec_i64(exact)
                .into_iter()
                .map(|j| j as usize)
                .collect();
            let start = Instant::now();
            let nn =
                gsl::mb::ann::nn_descent(x.clone(), &gsl::mb::ann::NnDescentConfig::new(kk), None)
                    .map_err(err)?;
            let ann_t = start.elapsed().as_secs_f64();
            let recall = gsl::mb::ann::recall(&nn.indices, &exact, kk).map_err(err)?;
            rows.push(row(
                "gsl NN-descent kNN lists (k=30)",
                format!("N={n} d={d}"),
                ann_t,
                n as f64 / ann_t,
                "nodes/s",
                format!(
                    "{} rounds, recall {recall:.3} vs exact kNN ({exact_t:.2} s on the device)",
                    nn.iterations
                ),
            ));
        }
        // NN-descent first: the peak RSS read after each run is the process's high-water mark.
        for (search, label) in [
            (CandidateSearch::NnDescent, "NN-descent support"),
            (CandidateSearch::Exact, "exact kNN support"),
        ] {
            let mut config = LargeScaleConfig::new(10);
            config.search = search;
            let start = Instant::now();
            let (graph, report) = large_scale_log_model(x.clone(), &config, None).map_err(err)?;
            let t = start.elapsed().as_secs_f64();
            let peak = crate::report::peak_rss_kib()
                .map(|kib| kib as f64 / (1024.0 * 1024.0))
                .unwrap_or(f64::NAN);
            rows.push(row(
                &format!("gsl large-scale log model (k=10, kk=30), {label}"),
                format!("N={n} d={d}"),
                t,
                n as f64 / t,
                "nodes/s",
                format!(
                    "support + θ {:.1} s, {} FBF it {:.1} s, converged {}, avg degree {:.1}, \
                     peak RSS so far {peak:.2} GiB{}",
                    t - report.seconds,
                    report.iterations,
                    report.seconds,
                    report.converged,
                    graph.num_edges() as f64 / n as f64,
                    if n >= 100_000 {
                        " (targets < 120 s, < 8 GiB)"
                    } else {
                        ""
                    }
                ),
            ));
        }
    }

    print_table(&format!("bench mb on {device:?} ({})", machine()), &rows);
    let out = Output {
        suite: "mb",
        machine: machine(),
        device: format!("{device:?}"),
        rows,
        python,
    };
    let path = write_json("mb", &out)?;
    println!("\nwrote {}", path.display());
    Ok(())
}

/// Runs `benches/python/mb_reference.py`; `None` (with a message) when it cannot run.
fn run_python(s: &Sizes, out: &Path) -> Option<serde_json::Value> {
    let sizes: Vec<String> = s.glasso.iter().map(|n| n.to_string()).collect();
    let args = [
        "--out".to_string(),
        out.display().to_string(),
        "--glasso-sizes".into(),
        sizes.join(","),
        "--batch".into(),
        s.batch.to_string(),
        "--batch-timed".into(),
        s.batch_timed.to_string(),
        "--log-n".into(),
        s.log_n.to_string(),
    ];
    run_python_reference("mb_reference.py", &args, "Python")
}
