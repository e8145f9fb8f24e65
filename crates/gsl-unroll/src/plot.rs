//! Per-layer plots (pyGSL / GDN paper, Figure 3): the estimate of every layer of an unrolled
//! network for one graph of a dataset, next to the true graph, as a grid of heat-maps in a PNG.
//!
//! Panels run left to right, top to bottom: layer 1, …, layer `D`, then the target (framed in
//! grey). Each panel is scaled by its own largest magnitude: white is 0, red positive, blue
//! negative (GLAD's precision matrices are signed), so the panels show where each layer puts
//! its weight rather than its scale. The picture is drawn with `plotters` (no text: the bitmap
//! backend is built without font support) into a temporary file and then written atomically.

use std::path::Path;

use burn::tensor::{Device, Tensor};
use gsl_core::tensor::to_vec_f32;
use gsl_core::train::write_file_atomic;
use gsl_core::{GslError, Result};
use gsl_data::supervised::SupervisedDataset;
use plotters::prelude::*;

use crate::layer::UnrollingLayer;
use crate::unrolled::Unrolled;

/// Pixels between panels and around the grid.
const GAP: u32 = 8;

/// Layout and file settings of [`plot_layers`].
#[derive(Debug, Clone, PartialEq)]
pub struct PlotOptions {
    /// Side of one panel in pixels (≥ 16); every matrix entry gets `max(1, panel_size / N)`
    /// pixels.
    pub panel_size: u32,
    /// Panels per row; `None` picks `⌈√(D + 1)⌉`.
    pub columns: Option<usize>,
    /// Replace an existing file.
    pub overwrite: bool,
}

impl Default for PlotOptions {
    fn default() -> Self {
        Self {
            panel_size: 200,
            columns: None,
            overwrite: false,
        }
    }
}

/// What [`plot_layers`] drew.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlotSummary {
    /// Number of panels (layers + the target).
    pub panels: usize,
    /// Image width in pixels.
    pub width: u32,
    /// Image height in pixels.
    pub height: u32,
}

/// The matrices of a per-layer plot for graph `index` of `data`: every layer's estimate `[N, N]`
/// and, last, the target, as row-major host vectors, with `N`.
///
/// Errors: `index` outside the dataset, observations the model refuses.
pub fn layer_matrices<L: UnrollingLayer>(
    model: &Unrolled<L>,
    data: &SupervisedDataset,
    index: usize,
    device: &Device,
) -> Result<(Vec<Vec<f32>>, usize)> {
    if index >= data.len() {
        return Err(GslError::invalid(
            "index",
            format!(
                "graph {index} does not exist: the dataset holds {} graphs",
                data.len()
            ),
        ));
    }
    let batch = data.batch(&[index], device)?;
    let [_, n, n2] = batch.observation.dims();
    if n != n2 {
        return Err(GslError::shape(
            "observation",
            "[N, N] (a square summary)",
            format!("[{n}, {n2}]"),
        ));
    }
    let outputs = model.forward_layers(batch.observation)?;
    let mut panels: Vec<Vec<f32>> = outputs
        .into_iter()
        .map(|o: Tensor<3>| to_vec_f32(o.detach()))
        .collect();
    panels.push(to_vec_f32(batch.target));
    Ok((panels, n))
}

/// Draws the per-layer plot of graph `index` of `data` into the PNG file `path` (see the module
/// docs); refuses to replace an existing file unless `options.overwrite`.
///
/// Errors: a bad `index`, a model error, `panel_size < 16`, `columns = Some(0)`, a path that
/// exists (without overwrite) or cannot be written, non-finite layer outputs.
pub fn plot_layers<L: UnrollingLayer>(
    model: &Unrolled<L>,
    data: &SupervisedDataset,
    index: usize,
    path: &Path,
    options: &PlotOptions,
    device: &Device,
) -> Result<PlotSummary> {
    check_options(options, path)?;
    let (panels, n) = layer_matrices(model, data, index, device)?;
    plot_matrices(&panels, n, path, options)
}

fn check_options(options: &PlotOptions, path: &Path) -> Result<()> {
    if options.panel_size < 16 {
        return Err(GslError::invalid(
            "panel_size",
            format!("at least 16 pixels, got {}", options.panel_size),
        ));
    }
    if options.columns == Some(0) {
        return Err(GslError::invalid("columns", "at least 1"));
    }
    if !options.overwrite && std::fs::symlink_metadata(path).is_ok() {
        return Err(GslError::io(
            path,
            std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                "the file exists; pass overwrite to replace it",
            ),
        ));
    }
    Ok(())
}

/// Draws square matrices `N × N` (row-major) as a grid of heat-maps into the PNG file `path`,
/// the last one framed as the target. The building block of [`plot_layers`].
///
/// Errors: no panel, a panel of the wrong length, non-finite values, bad options, file errors.
pub fn plot_matrices(
    panels: &[Vec<f32>],
    n: usize,
    path: &Path,
    options: &PlotOptions,
) -> Result<PlotSummary> {
    check_options(options, path)?;
    if panels.is_empty() || n == 0 {
        return Err(GslError::EmptyGraph("plot: nothing to draw".into()));
    }
    for (i, p) in panels.iter().enumerate() {
        if p.len() != n * n {
            return Err(GslError::shape(
                format!("plot panel {i}"),
                format!("{} values ({n} × {n})", n * n),
                p.len().to_string(),
            ));
        }
        if p.iter().any(|v| !v.is_finite()) {
            return Err(GslError::NonFinite(format!(
                "plot panel {i} holds NaN or infinite values"
            )));
        }
    }
    let cell = (options.panel_size / n as u32).max(1);
    let side = cell * n as u32;
    let count = panels.len();
    let columns = options
        .columns
        .unwrap_or_else(|| (count as f64).sqrt().ceil() as usize)
        .min(count);
    let rows = count.div_ceil(columns);
    let width = GAP + columns as u32 * (side + GAP);
    let height = GAP + rows as u32 * (side + GAP);

    // plotters writes the file itself (format from the extension): draw into a hidden
    // temporary PNG next to the target, then publish its bytes atomically.
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let temp = dir.join(format!(
        ".{}.{}.plot.png",
        path.file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default(),
        std::process::id()
    ));
    let drawn = draw(panels, n, cell, side, columns, (width, height), &temp);
    let bytes = drawn.and_then(|()| std::fs::read(&temp).map_err(|e| GslError::io(&temp, e)));
    let _ = std::fs::remove_file(&temp);
    write_file_atomic(path, &bytes?, options.overwrite)?;
    Ok(PlotSummary {
        panels: count,
        width,
        height,
    })
}

/// Diverging colour of `v ∈ [−1, 1]`: white at 0, red towards +1, blue towards −1.
fn colour(v: f32) -> RGBColor {
    let t = v.clamp(-1.0, 1.0);
    let fade = |s: f32| (255.0 * (1.0 - s)).round() as u8;
    if t >= 0.0 {
        RGBColor(255 - ((255.0 - 180.0) * t).round() as u8, fade(t), fade(t))
    } else {
        let s = -t;
        RGBColor(fade(s), fade(s), 255 - ((255.0 - 180.0) * s).round() as u8)
    }
}

fn draw(
    panels: &[Vec<f32>],
    n: usize,
    cell: u32,
    side: u32,
    columns: usize,
    size: (u32, u32),
    temp: &Path,
) -> Result<()> {
    let plot_err = |e: String| GslError::io(temp, std::io::Error::other(e));
    let root = BitMapBackend::new(temp, size).into_drawing_area();
    root.fill(&WHITE).map_err(|e| plot_err(e.to_string()))?;
    let last = panels.len() - 1;
    for (k, values) in panels.iter().enumerate() {
        let x0 = (GAP + (k % columns) as u32 * (side + GAP)) as i32;
        let y0 = (GAP + (k / columns) as u32 * (side + GAP)) as i32;
        let scale = values.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        let scale = if scale > 0.0 { scale } else { 1.0 };
        let frame = if k == last {
            RGBColor(110, 110, 110)
        } else {
            RGBColor(200, 200, 200)
        };
        let border = (GAP / 2) as i32;
        root.draw(&Rectangle::new(
            [
                (x0 - border, y0 - border),
                (x0 + side as i32 + border - 1, y0 + side as i32 + border - 1),
            ],
            frame.filled(),
        ))
        .map_err(|e| plot_err(e.to_string()))?;
        for i in 0..n {
            for j in 0..n {
                let c = colour(values[i * n + j] / scale);
                let (x, y) = (x0 + (j as u32 * cell) as i32, y0 + (i as u32 * cell) as i32);
                root.draw(&Rectangle::new(
                    [(x, y), (x + cell as i32 - 1, y + cell as i32 - 1)],
                    c.filled(),
                ))
                .map_err(|e| plot_err(e.to_string()))?;
            }
        }
    }
    root.present().map_err(|e| plot_err(e.to_string()))?;
    Ok(())
}
