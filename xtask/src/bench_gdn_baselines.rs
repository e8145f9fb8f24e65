//! The model-based baselines of GDN's comparison (Wasserman et al., TMLR 2023; pyGSL's
//! baseline sweeps, `shared/refs/gsl.md` §1.4), each at its best validated parameter:
//!
//! - **graphical lasso** on the observation (the normalised sample covariance), α from pyGSL's
//!   diffusion sweep `linspace(5e-3, 0.0161, 10)`, edges from `|Θ̂_ij|`;
//! - **network deconvolution** of the observation, `λ ← λ/(1 + αλ)`, α from pyGSL's grid
//!   `np.logspace(1e-4, 0.5, 5)` — exponents, so α runs from 1.0002 to 3.16 (taken as written) —
//!   plus Feizi's spectral-bound scaling (β = 0.99);
//! - hard thresholding of the observation is in `bench_unroll` itself.
//!
//! For every grid value the edge threshold is chosen exactly on the validation graphs
//! (`gsl::mb::select::select_parameter`, metric: error, as pyGSL does); the best (value,
//! threshold) is then scored on the test graphs. A grid value where the solver fails (e.g. an
//! eigenvalue at deconvolution's pole) is skipped and named in the row's note.

use std::time::Instant;

use gsl::burn::tensor::{Device, Tensor};
use gsl::core::dense::halfvec;
use gsl::core::metrics::{ThresholdMetric, confusion};
use gsl::data::supervised::{Split, SupervisedDataset};
use gsl::mb::deconv::{DeconvScale, network_deconvolution_scaled};
use gsl::mb::glasso::{GlassoConfig, graphical_lasso};
use gsl::mb::select::select_parameter;

use crate::report::Row;

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// One baseline: predicts `[B, N, N]` for a parameter value.
type Method<'a> = &'a dyn Fn(Tensor<3>, f64) -> gsl::core::Result<Tensor<3>>;

/// Sweeps `grid` on the validation split, scores the winner on the test split: the row and a
/// JSON record.
fn validated(
    name: &str,
    size: &str,
    data: &SupervisedDataset,
    device: &Device,
    grid: &[f64],
    describe: &dyn Fn(f64) -> String,
    method: Method<'_>,
) -> Result<(Row, serde_json::Value), String> {
    let split = |s: Split| data.batch(data.indices(s), device).map_err(err);
    let val = split(Split::Val)?;
    let truth = val.target_halfvec().map_err(err)?;
    let start = Instant::now();
    // Grid points where the method fails are left out (and reported).
    let mut failed = Vec::new();
    let mut usable = Vec::new();
    for &value in grid {
        match method(val.observation.clone(), value) {
            Ok(_) => usable.push(value),
            Err(e) => failed.push(format!("{}: {e}", describe(value))),
        }
    }
    if usable.is_empty() {
        return Err(format!(
            "{name}: every grid value failed: {}",
            failed.join("; ")
        ));
    }
    let pick = select_parameter(&usable, truth, ThresholdMetric::Accuracy, |value| {
        halfvec(method(val.observation.clone(), value)?)
    })
    .map_err(err)?;
    let sweep_ms = start.elapsed().as_secs_f64() * 1e3;
    let test = split(Split::Test)?;
    let start = Instant::now();
    let pred =
        halfvec(method(test.observation.clone(), pick.best.value).map_err(err)?).map_err(err)?;
    let test_ms = start.elapsed().as_secs_f64() * 1e3;
    let c = confusion(
        pred,
        test.target_halfvec().map_err(err)?,
        pick.best.threshold,
    )
    .map_err(err)?;
    let mean = |f: &dyn Fn(&gsl::core::metrics::Confusion) -> f64| {
        c.iter().map(f).sum::<f64>() / c.len().max(1) as f64
    };
    let (error, f1) = (mean(&|c| c.error()), mean(&|c| c.f1()));
    let mut note = format!(
        "F1 {f1:.4} at validated {} and threshold {:.4}; sweep {sweep_ms:.0} ms",
        describe(pick.best.value),
        pick.best.threshold
    );
    if !failed.is_empty() {
        note.push_str(&format!("; skipped: {}", failed.join("; ")));
    }
    let row = Row {
        name: format!("{name}: test error"),
        size: size.to_string(),
        millis: test_ms,
        rate: 100.0 * error,
        unit: "% error".into(),
        note,
    };
    let json = serde_json::json!({
        "method": name,
        "selection": pick,
        "test_error": error,
        "test_f1": f1,
        "failed": failed,
    });
    Ok((row, json))
}

/// The graphical lasso and network-deconvolution rows for a GDN dataset (`size` describes it);
/// times in the rows are the test-set solve.
pub fn gdn_model_based_rows(
    data: &SupervisedDataset,
    device: &Device,
    size: &str,
) -> Result<(Vec<Row>, serde_json::Value), String> {
    let mut rows = Vec::new();
    let mut json = Vec::new();
    // pyGSL's diffusion sweep for GLASSO: alpha in linspace(5e-3, .0161, 10).
    let glasso_grid: Vec<f64> = (0..10)
        .map(|k| 5e-3 + k as f64 * (0.0161 - 5e-3) / 9.0)
        .collect();
    let glasso = |s: Tensor<3>, alpha: f64| {
        let mut config = GlassoConfig::new(alpha);
        config.max_iter = 200;
        Ok(graphical_lasso(s, &config, None)?.estimate.precision)
    };
    let (row, j) = validated(
        "graphical lasso",
        size,
        data,
        device,
        &glasso_grid,
        &|a| format!("α = {a:.4}"),
        &glasso,
    )?;
    rows.push(row);
    json.push(j);
    // Network deconvolution: pyGSL's alpha grid np.logspace(1e-4, .5, 5) = 10^[1e-4 … 0.5],
    // then Feizi's spectral bound (encoded as the value 0.0 of the grid).
    let mut nd_grid: Vec<f64> = (0..5)
        .map(|k| 10f64.powf(1e-4 + k as f64 * (0.5 - 1e-4) / 4.0))
        .collect();
    nd_grid.push(0.0);
    let scale = |v: f64| {
        if v == 0.0 {
            DeconvScale::SpectralBound(0.99)
        } else {
            DeconvScale::Alpha(v)
        }
    };
    let nd = |g: Tensor<3>, v: f64| network_deconvolution_scaled(g, scale(v));
    let (row, j) = validated(
        "network deconvolution",
        size,
        data,
        device,
        &nd_grid,
        &|v| {
            if v == 0.0 {
                "spectral bound β = 0.99".to_string()
            } else {
                format!("α = {v:.4}")
            }
        },
        &nd,
    )?;
    rows.push(row);
    json.push(j);
    Ok((rows, serde_json::Value::Array(json)))
}
