//! `cargo xtask bench gen-er`: the Erdős–Rényi baseline under the GRAN protocol, and the speed
//! of the evaluation suite.
//!
//! For grid, lobster and bifurcating trees (and FIRSTMM_DB when `GSL_DATA_DIR` holds it, full
//! run only): GRAN's unshuffled split (train = first 80 %, test = last 20 %), the ER baseline
//! fitted on train, as many samples as test graphs, then MMD² (GRAN kernels) of degree,
//! clustering, 4-orbit and spectral statistics against the test split, and validity rates.
//! Each MMD row's time is the wall time of its descriptors plus the MMD on both sets.

use std::time::Instant;

use gsl::generation::datasets::{benchmark_graphs, gran_split};
use gsl::generation::eval::{EvalConfig, Validity, evaluate};
use gsl::generation::{ErdosRenyiBaseline, GraphModel};
use serde::Serialize;

use crate::report::{Row, machine, print_table, write_json};

/// Everything the suite measured on one dataset.
#[derive(Serialize)]
struct DatasetResult {
    dataset: String,
    train: usize,
    test: usize,
    fit_ms: f64,
    sample_ms: f64,
    eval_ms: f64,
    report: gsl::generation::eval::EvalReport,
}

fn validity_rules(dataset: &str) -> Vec<Validity> {
    match dataset {
        "lobster" => vec![Validity::LobsterGran, Validity::LobsterBigge],
        "tree" => vec![Validity::Tree, Validity::BifurcatingTree],
        _ => Vec::new(),
    }
}

/// Runs the suite; `quick` leaves out FIRSTMM_DB (its spectra are the slow part).
pub fn run(quick: bool, device_name: &str) -> Result<(), String> {
    let device = gsl::core::device::device_from_name(device_name).map_err(|e| e.to_string())?;
    let mut names = vec!["grid", "lobster", "tree"];
    if !quick {
        names.push("firstmm_db");
    }
    let mut results = Vec::new();
    let mut rows = Vec::new();
    for name in names {
        let graphs = match benchmark_graphs(name, &device) {
            Ok(g) => g,
            Err(e) if name == "firstmm_db" => {
                println!("skipping {name}: {e}");
                continue;
            }
            Err(e) => return Err(e.to_string()),
        };
        let split = gran_split(&graphs).map_err(|e| e.to_string())?;
        let t = Instant::now();
        let model = ErdosRenyiBaseline::from_graphs(&split.train).map_err(|e| e.to_string())?;
        let fit_ms = t.elapsed().as_secs_f64() * 1e3;
        let t = Instant::now();
        let samples = model
            .sample(split.test.len(), 0)
            .map_err(|e| e.to_string())?;
        let sample_ms = t.elapsed().as_secs_f64() * 1e3;
        let config = EvalConfig {
            validity: validity_rules(name),
            ..EvalConfig::default()
        };
        let t = Instant::now();
        let report = evaluate(&split.test, &samples, &config).map_err(|e| e.to_string())?;
        let eval_ms = t.elapsed().as_secs_f64() * 1e3;
        let size = format!(
            "{} train / {} test, p̂ = {:.4}",
            split.train.len(),
            split.test.len(),
            model.p
        );
        for r in &report.statistics {
            rows.push(Row {
                name: format!("{name} {}", r.statistic.name()),
                size: size.clone(),
                millis: r.seconds * 1e3,
                rate: r.value,
                unit: report.form.label().to_string(),
                note: format!("{} σ = {}", r.kernel, r.sigma),
            });
        }
        for v in &report.validity {
            rows.push(Row {
                name: format!("{name} validity"),
                size: size.clone(),
                millis: 0.0,
                rate: v.rate,
                unit: "fraction".into(),
                note: v.rule.name().to_string(),
            });
        }
        rows.push(Row {
            name: format!("{name} fit + sample"),
            size: size.clone(),
            millis: fit_ms + sample_ms,
            rate: split.test.len() as f64 / (sample_ms / 1e3).max(1e-9),
            unit: "graphs/s".into(),
            note: format!("eval total {eval_ms:.1} ms"),
        });
        results.push(DatasetResult {
            dataset: name.to_string(),
            train: split.train.len(),
            test: split.test.len(),
            fit_ms,
            sample_ms,
            eval_ms,
            report,
        });
    }
    print_table(
        &format!(
            "gen-er: ER baseline, GRAN protocol, MMD² vs the test split ({})",
            machine()
        ),
        &rows,
    );
    let path = write_json(
        "gen-er",
        &serde_json::json!({ "machine": machine(), "quick": quick, "datasets": results }),
    )?;
    println!("\nwrote {}", path.display());
    Ok(())
}
