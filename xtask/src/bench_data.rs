//! `cargo xtask bench data`: random graph ensembles and the L2G BA20 supervised set, beside the
//! same generation in networkx/numpy (`benches/python/data_reference.py`) in the same run.
//!
//! Target (issue 3): at least 20× faster than the Python version. Peak memory is reported for
//! both processes (this one from `VmHWM` in `/proc/self/status`, Python's from
//! its own `VmHWM`, else `resource.getrusage`).

use std::time::Instant;

use gsl::data::ensembles::{ErdosRenyi, Generator};
use gsl::data::supervised::{Recipe, SplitSizes};
use serde::Serialize;

use crate::report::{Row, machine, peak_rss_kib, print_table, run_python_reference, write_json};

struct Sizes {
    er_count: usize,
    er_n: usize,
    er_p: f64,
    l2g: SplitSizes,
    signals: usize,
}

#[derive(Serialize)]
struct Output {
    suite: &'static str,
    machine: String,
    device: String,
    rows: Vec<Row>,
    er_secs: f64,
    l2g_secs: f64,
    peak_rss_kib: Option<u64>,
    speedup_er: Option<f64>,
    speedup_l2g: Option<f64>,
    python: Option<serde_json::Value>,
}

pub fn run(quick: bool, device_name: &str, with_python: bool) -> Result<(), String> {
    let s = if quick {
        Sizes {
            er_count: 100,
            er_n: 500,
            er_p: 0.05,
            l2g: SplitSizes::new(400, 100, 12),
            signals: 3000,
        }
    } else {
        Sizes {
            er_count: 1000,
            er_n: 500,
            er_p: 0.05,
            l2g: SplitSizes::l2g(),
            signals: 3000,
        }
    };
    let device = gsl::core::device::device_from_name(device_name).map_err(|e| e.to_string())?;
    let mut rows = Vec::new();

    let er = ErdosRenyi::new(s.er_n, s.er_p);
    let t = Instant::now();
    let graphs = er.sample_many(s.er_count, 0).map_err(|e| e.to_string())?;
    let er_secs = t.elapsed().as_secs_f64();
    let er_edges: usize = graphs.iter().map(|g| g.num_edges() / 2).sum();
    drop(graphs);
    rows.push(Row {
        name: "Erdős–Rényi (gsl, rayon)".into(),
        size: format!("{} graphs, N={} p={}", s.er_count, s.er_n, s.er_p),
        millis: er_secs * 1e3,
        rate: er_edges as f64 / er_secs / 1e6,
        unit: "M edges/s".into(),
        note: format!("{er_edges} undirected edges"),
    });

    let recipe = Recipe::l2g_ba20(s.l2g, s.signals, 0);
    let t = Instant::now();
    let data = recipe.build(&device).map_err(|e| e.to_string())?;
    let l2g_secs = t.elapsed().as_secs_f64();
    let total = s.l2g.total();
    rows.push(Row {
        name: "L2G BA20 set (gsl)".into(),
        size: format!("{total} graphs × {} signals", s.signals),
        millis: l2g_secs * 1e3,
        rate: (total * s.signals * 20) as f64 / l2g_secs / 1e6,
        unit: "M samples/s".into(),
        note: format!(
            "observations {}×20×20 kept; z drawn by Bartlett (law of 3000 signals)",
            data.len()
        ),
    });
    drop(data);
    let peak = peak_rss_kib();

    let python = if with_python { run_python(&s) } else { None };
    let (mut speedup_er, mut speedup_l2g) = (None, None);
    if let Some(py) = &python {
        let num = |key: &str| py.get(key).and_then(serde_json::Value::as_f64);
        let verdict = |x: f64| if x >= 20.0 { "met" } else { "NOT met" };
        if let Some(secs) = num("er_secs") {
            let ratio = secs / er_secs;
            speedup_er = Some(ratio);
            rows.push(Row {
                name: "Erdős–Rényi (networkx fast_gnp)".into(),
                size: format!("{} graphs, N={} p={}", s.er_count, s.er_n, s.er_p),
                millis: secs * 1e3,
                rate: num("er_edges").unwrap_or(0.0) / secs / 1e6,
                unit: "M edges/s".into(),
                note: format!(
                    "python/gsl time = {ratio:.1} (target >= 20): {}",
                    verdict(ratio)
                ),
            });
        }
        if let Some(secs) = num("l2g_secs") {
            let ratio = secs / l2g_secs;
            speedup_l2g = Some(ratio);
            rows.push(Row {
                name: "L2G BA20 set (networkx/numpy)".into(),
                size: format!("{total} graphs × {} signals", s.signals),
                millis: secs * 1e3,
                rate: (total * s.signals * 20) as f64 / secs / 1e6,
                unit: "M samples/s".into(),
                note: format!(
                    "python/gsl time = {ratio:.1} (target >= 20): {}",
                    verdict(ratio)
                ),
            });
        }
    }

    print_table(&format!("bench data on {device:?} ({})", machine()), &rows);
    if let Some(kib) = peak {
        println!("peak memory (gsl, VmHWM): {:.1} MiB", kib as f64 / 1024.0);
    }
    if let Some(kib) = python
        .as_ref()
        .and_then(|p| p.get("peak_rss_kib"))
        .and_then(serde_json::Value::as_f64)
    {
        println!("peak memory (python, VmHWM): {:.1} MiB", kib / 1024.0);
    }
    let out = Output {
        suite: "data",
        machine: machine(),
        device: format!("{device:?}"),
        rows,
        er_secs,
        l2g_secs,
        peak_rss_kib: peak,
        speedup_er,
        speedup_l2g,
        python,
    };
    let path = write_json("data", &out)?;
    println!("\nwrote {}", path.display());
    Ok(())
}

/// Runs `benches/python/data_reference.py` with the same sizes; `None` (with a message) when
/// Python, networkx, numpy or scipy is missing.
fn run_python(s: &Sizes) -> Option<serde_json::Value> {
    let args = [
        "--er-count".to_string(),
        s.er_count.to_string(),
        "--er-n".into(),
        s.er_n.to_string(),
        "--er-p".into(),
        s.er_p.to_string(),
        "--l2g-count".into(),
        s.l2g.total().to_string(),
        "--signals".into(),
        s.signals.to_string(),
    ];
    run_python_reference("data_reference.py", &args, "networkx/numpy")
}
