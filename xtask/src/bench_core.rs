//! `cargo xtask bench core`: sparse × dense product and exact kNN on the chosen device, beside
//! this machine's sgemm rate and copy bandwidth and the same operations in numpy/scipy.
//!
//! Targets (issue "Workspace foundation"): the kNN distance part at >= 50% of the sgemm rate;
//! the sparse product within 3x of scipy's CSR @ dense.

use gsl::burn::tensor::{Distribution, Tensor};
use gsl::core::EdgeList;
use gsl::core::similarity::{KNN_TILE_COLUMNS, KnnOptions, knn, pairwise_sq_distances};
use rand::{RngExt, SeedableRng, rngs::StdRng};
use serde::Serialize;

use crate::report::{Row, machine, median_secs, print_table, run_python_reference, write_json};

struct Sizes {
    gemm: usize,
    nodes: usize,
    edges: usize,
    features: usize,
    knn_n: usize,
    knn_d: usize,
    knn_k: usize,
    chunk: usize,
    reps: usize,
}

#[derive(Serialize)]
struct Output {
    suite: &'static str,
    machine: String,
    device: String,
    rows: Vec<Row>,
    sgemm_gflops: f64,
    copy_gbps: f64,
    knn_distance_fraction_of_sgemm: f64,
    spmm_ratio_to_scipy: Option<f64>,
    python: Option<serde_json::Value>,
}

/// Forces the device to finish the work behind `t` by reading one element back.
fn sync(t: Tensor<2>) {
    let _: f32 = t.slice([0..1, 0..1]).into_scalar();
}

pub fn run(quick: bool, device_name: &str, with_python: bool) -> Result<(), String> {
    let s = if quick {
        Sizes {
            gemm: 1024,
            nodes: 10_000,
            edges: 100_000,
            features: 64,
            knn_n: 4_000,
            knn_d: 128,
            knn_k: 10,
            chunk: 256,
            reps: 3,
        }
    } else {
        Sizes {
            gemm: 4096,
            nodes: 100_000,
            edges: 1_000_000,
            features: 64,
            knn_n: 20_000,
            knn_d: 128,
            knn_k: 10,
            chunk: 256,
            reps: 5,
        }
    };
    let device = gsl::core::device::device_from_name(device_name).map_err(|e| e.to_string())?;
    device.seed(0);
    let mut rows = Vec::new();

    // Machine roofline: sgemm and memcpy.
    let a = Tensor::<2>::random([s.gemm, s.gemm], Distribution::Normal(0.0, 1.0), &device);
    let b = Tensor::<2>::random([s.gemm, s.gemm], Distribution::Normal(0.0, 1.0), &device);
    let t = median_secs(s.reps, || sync(a.clone().matmul(b.clone())));
    let sgemm = 2.0 * (s.gemm as f64).powi(3) / t / 1e9;
    rows.push(Row {
        name: "sgemm (device)".into(),
        size: format!("{0}x{0} @ {0}x{0}", s.gemm),
        millis: t * 1e3,
        rate: sgemm,
        unit: "GFLOP/s".into(),
        note: "roofline for compute-bound work".into(),
    });
    let bytes = 256usize << 20;
    let src = vec![1u8; bytes];
    let mut dst = vec![0u8; bytes];
    let t = median_secs(s.reps, || {
        dst.copy_from_slice(&src);
        std::hint::black_box(&mut dst);
    });
    let copy = 2.0 * bytes as f64 / t / 1e9;
    rows.push(Row {
        name: "memcpy (host)".into(),
        size: "256 MiB".into(),
        millis: t * 1e3,
        rate: copy,
        unit: "GB/s".into(),
        note: "read + write bytes; roofline for memory-bound work".into(),
    });

    // Sparse × dense: random graph with E edges.
    let mut rng = StdRng::seed_from_u64(0);
    let esrc: Vec<usize> = (0..s.edges).map(|_| rng.random_range(0..s.nodes)).collect();
    let edst: Vec<usize> = (0..s.edges).map(|_| rng.random_range(0..s.nodes)).collect();
    let w: Vec<f32> = (0..s.edges).map(|_| rng.random::<f32>()).collect();
    let graph = EdgeList::new(s.nodes, esrc, edst, Some(w))
        .map_err(|e| e.to_string())?
        .to_graph(&device);
    let x = Tensor::<2>::random(
        [s.nodes, s.features],
        Distribution::Normal(0.0, 1.0),
        &device,
    );
    let t_spmm = median_secs(s.reps, || {
        sync(graph.spmm(x.clone()).expect("shapes agree"));
    });
    let flops = 2.0 * s.edges as f64 * s.features as f64;
    // Bytes that must move at least once: gathered rows, output, indices and weights.
    let traffic = (s.edges * s.features * 4 + s.nodes * s.features * 4 + s.edges * 12) as f64;
    rows.push(Row {
        name: "spmm A·X (row-parallel CSR on Flex)".into(),
        size: format!("N={} E={} F={}", s.nodes, s.edges, s.features),
        millis: t_spmm * 1e3,
        rate: traffic / t_spmm / 1e9,
        unit: "GB/s".into(),
        note: format!(
            "{:.2} GFLOP/s; {:.0}% of memcpy",
            flops / t_spmm / 1e9,
            100.0 * traffic / t_spmm / 1e9 / copy
        ),
    });

    // Exact kNN. Its distance part is one gemm per (chunk of rows, tile of columns),
    // [c, d+1] x [d+1, tile] (the squared norms ride in the extra column), with tiles of whole
    // groups exactly as `knn` cuts them; time those gemms alone, then the whole kNN.
    let pts = Tensor::<2>::random([s.knn_n, s.knn_d], Distribution::Normal(0.0, 1.0), &device);
    let knn_flops = 2.0 * (s.knn_n as f64).powi(2) * (s.knn_d + 1) as f64;
    let augmented = Tensor::cat(vec![pts.clone(), Tensor::ones([s.knn_n, 1], &device)], 1);
    let augmented_t = Tensor::<2>::from_data(augmented.clone().transpose().into_data(), &device);
    let group = ((s.knn_n as f64 / (s.knn_k + 1) as f64).sqrt().floor() as usize).max(1);
    let tile = group * (s.knn_k + 1).max(KNN_TILE_COLUMNS.div_ceil(group));
    let mut fraction = 0.0f64;
    let mut t_knn = f64::NAN;
    for chunk in [s.chunk, 4 * s.chunk] {
        let t_dist = median_secs(s.reps.div_ceil(2), || {
            let mut start = 0;
            while start < s.knn_n {
                let len = chunk.min(s.knn_n - start);
                let block = augmented.clone().narrow(0, start, len);
                let mut col = 0;
                while col < s.knn_n {
                    let width = tile.min(s.knn_n - col);
                    sync(
                        block
                            .clone()
                            .matmul(augmented_t.clone().narrow(1, col, width)),
                    );
                    col += width;
                }
                start += len;
            }
        });
        let rate = knn_flops / t_dist / 1e9;
        fraction = fraction.max(rate / sgemm);
        rows.push(Row {
            name: "kNN distance part (tiled gemm)".into(),
            size: format!("N={} d={} chunk={chunk} tile={tile}", s.knn_n, s.knn_d),
            millis: t_dist * 1e3,
            rate,
            unit: "GFLOP/s".into(),
            note: format!(
                "{:.0}% of sgemm (target >= 50%): {}",
                100.0 * rate / sgemm,
                if rate / sgemm >= 0.5 {
                    "met"
                } else {
                    "NOT met"
                }
            ),
        });
        let mut options = KnnOptions::new(s.knn_k);
        options.chunk_size = chunk;
        let t = median_secs(s.reps.div_ceil(2), || {
            let (idx, _) = knn(pts.clone(), &options).expect("valid options");
            let _: i64 = idx.slice([0..1, 0..1]).into_scalar();
        });
        if chunk == s.chunk {
            t_knn = t;
        }
        rows.push(Row {
            name: "kNN total (distances + selection)".into(),
            size: format!("N={} d={} k={} chunk={chunk}", s.knn_n, s.knn_d, s.knn_k),
            millis: t * 1e3,
            rate: knn_flops / t / 1e9,
            unit: "GFLOP/s".into(),
            note: format!(
                "selection share {:.0}%",
                100.0 * (1.0 - t_dist / t).max(0.0)
            ),
        });
    }
    let t_pairwise = median_secs(1, || {
        let mut start = 0;
        while start < s.knn_n {
            let len = s.chunk.min(s.knn_n - start);
            let block = pts.clone().narrow(0, start, len);
            sync(pairwise_sq_distances(block, pts.clone()).expect("shapes agree"));
            start += len;
        }
    });
    rows.push(Row {
        name: "pairwise_sq_distances (chunked)".into(),
        size: format!("N={} d={} chunk={}", s.knn_n, s.knn_d, s.chunk),
        millis: t_pairwise * 1e3,
        rate: 2.0 * (s.knn_n as f64).powi(2) * s.knn_d as f64 / t_pairwise / 1e9,
        unit: "GFLOP/s".into(),
        note: "full distance matrix blocks (norms added, clamped)".into(),
    });

    let python = if with_python { run_python(&s) } else { None };
    let mut spmm_ratio = None;
    if let Some(py) = &python {
        let num = |key: &str| py.get(key).and_then(serde_json::Value::as_f64);
        if let Some(g) = num("sgemm_gflops") {
            rows.push(reference_row(
                "numpy sgemm",
                format!("{0}x{0}", s.gemm),
                2.0 * (s.gemm as f64).powi(3) / g / 1e6,
                g,
                "GFLOP/s",
                "",
            ));
        }
        if let Some(ms) = num("spmm_ms") {
            let ratio = t_spmm * 1e3 / ms;
            spmm_ratio = Some(ratio);
            rows.push(reference_row(
                "scipy CSR @ dense",
                format!("N={} E={} F={}", s.nodes, s.edges, s.features),
                ms,
                flops / (ms / 1e3) / 1e9,
                "GFLOP/s",
                &format!(
                    "gsl/scipy time = {ratio:.2} (target <= 3): {}",
                    if ratio <= 3.0 { "met" } else { "NOT met" }
                ),
            ));
        }
        if let Some(ms) = num("knn_distance_ms") {
            rows.push(reference_row(
                "numpy kNN distances",
                format!("N={} d={}", s.knn_n, s.knn_d),
                ms,
                2.0 * (s.knn_n as f64).powi(2) * s.knn_d as f64 / (ms / 1e3) / 1e9,
                "GFLOP/s",
                &format!("gsl pairwise/numpy time = {:.2}", t_pairwise * 1e3 / ms),
            ));
        }
        if let Some(ms) = num("knn_ms") {
            rows.push(reference_row(
                "numpy kNN total (argpartition)",
                format!("N={} d={} k={}", s.knn_n, s.knn_d, s.knn_k),
                ms,
                2.0 * (s.knn_n as f64).powi(2) * s.knn_d as f64 / (ms / 1e3) / 1e9,
                "GFLOP/s",
                &format!("gsl/numpy time = {:.2}", t_knn * 1e3 / ms),
            ));
        }
    }

    print_table(&format!("bench core on {device:?} ({})", machine()), &rows);
    let out = Output {
        suite: "core",
        machine: machine(),
        device: format!("{device:?}"),
        rows,
        sgemm_gflops: sgemm,
        copy_gbps: copy,
        knn_distance_fraction_of_sgemm: fraction,
        spmm_ratio_to_scipy: spmm_ratio,
        python,
    };
    let path = write_json("core", &out)?;
    println!("\nwrote {}", path.display());
    Ok(())
}

fn reference_row(name: &str, size: String, millis: f64, rate: f64, unit: &str, note: &str) -> Row {
    Row {
        name: name.into(),
        size,
        millis,
        rate,
        unit: unit.into(),
        note: note.into(),
    }
}

/// Runs `benches/python/core_reference.py` with the same sizes; `None` (with a message) when
/// Python, numpy or scipy is missing.
fn run_python(s: &Sizes) -> Option<serde_json::Value> {
    let args = [
        ("--gemm", s.gemm),
        ("--nodes", s.nodes),
        ("--edges", s.edges),
        ("--features", s.features),
        ("--knn-n", s.knn_n),
        ("--knn-d", s.knn_d),
        ("--knn-k", s.knn_k),
        ("--chunk", s.chunk),
        ("--reps", s.reps),
    ]
    .iter()
    .flat_map(|(flag, v)| [flag.to_string(), v.to_string()])
    .collect::<Vec<_>>();
    run_python_reference("core_reference.py", &args, "numpy/scipy")
}
