//! `gsl learn`: learn a graph from node signals with a model-based method of `gsl::mb`.
//!
//! Input: a matrix with one row per node and one column per sample (`--samples-as-rows` for the
//! transposed layout, e.g. scikit-learn's `n_samples × n_features`). Output by extension:
//! `.csv` (`src,dst,weight`, one row per undirected edge with `src < dst`), `.npz` (the same
//! edges as arrays) or `.npy` (the dense `N × N` estimate; for the graphical lasso the full
//! precision matrix, diagonal included). `nd` deconvolves the magnitude of the sample
//! correlation (zero diagonal); `gdn` deconvolves the sample covariance with GDN's model-based
//! proximal gradient for a given filter `--filter h0,h1[,h2]`.

use std::path::{Path, PathBuf};

use clap::ValueEnum;
use gsl::burn::tensor::{Device, Tensor, TensorData};
use gsl::core::similarity::{KnnOptions, KnnWeighting};
use gsl::core::tensor::to_vec_f32;
use gsl::core::train::Progress;
use gsl::core::{EdgeList, GslError, Result};
use gsl::data::loaders::{Matrix, read_matrix, write_matrix};
use gsl::mb::ann::NnDescentConfig;
use gsl::mb::baselines::Moment;
use gsl::mb::deconv::DeconvScale;
use gsl::mb::gdn::GdnConfig;
use gsl::mb::glasso::GlassoConfig;
use gsl::mb::large::{CandidateSearch, LargeScaleConfig};
use gsl::mb::learn::{Estimate, Method, learn};
use gsl::mb::smooth::SmoothConfig;
use gsl::mb::solver::IterationInfo;

use crate::io;

/// Arguments of `gsl learn`.
#[derive(clap::Args, Debug)]
pub struct LearnArgs {
    /// The method.
    #[arg(long, value_enum)]
    pub method: MethodArg,
    /// Signals: .npy (2-D) or .csv, one row per node, one column per sample.
    #[arg(long)]
    pub input: PathBuf,
    /// Output: .csv / .npz (edges with src < dst) or .npy (dense N × N estimate).
    #[arg(long)]
    pub output: PathBuf,
    /// The input has one row per sample and one column per node.
    #[arg(long)]
    pub samples_as_rows: bool,
    /// glasso: ℓ1 weight; log: log-barrier weight; l2: penalty weight; nd: fixed scale α of
    /// the eigenvalue map μ → μ/(1 + αμ) instead of the spectral bound; gdn: ℓ1 weight
    /// (default 0.01).
    #[arg(long)]
    pub alpha: Option<f64>,
    /// log: ℓ2 weight (default 1); nd: bound β ∈ (0, 1) on the direct spectrum (default 0.99).
    #[arg(long)]
    pub beta: Option<f64>,
    /// gdn: taps `h0,h1[,h2]` of the filter H(A) = h0·I + h1·A + h2·A² that produced the
    /// observed covariance from the latent graph (required for gdn).
    #[arg(long, value_delimiter = ',')]
    pub filter: Option<Vec<f64>>,
    /// knn, ann: neighbours per node; large: desired average degree (default 10).
    #[arg(long)]
    pub k: Option<usize>,
    /// large: take the candidate neighbours from NN-descent instead of the exact kNN.
    #[arg(long)]
    pub approximate: bool,
    /// ann, large --approximate: seed of NN-descent (default 0).
    #[arg(long)]
    pub seed: Option<u64>,
    /// covar/corr: keep entries with magnitude above this (default 0.1); log, l2: drop learned
    /// weights at or below this in the edge-list output (default 1e-4 · largest weight).
    #[arg(long)]
    pub threshold: Option<f32>,
    /// Stopping tolerance of iterative methods (method default when absent).
    #[arg(long)]
    pub tol: Option<f64>,
    /// Iteration budget of iterative methods (method default when absent).
    #[arg(long)]
    pub max_iter: Option<usize>,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
    /// Replace the output file if it exists.
    #[arg(long)]
    pub overwrite: bool,
}

/// The methods `gsl learn` offers.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum MethodArg {
    /// Graphical lasso (G-ISTA, duality-gap certified); output: precision matrix.
    Glasso,
    /// Kalofolias (2016) log-degree model.
    Log,
    /// Dong et al. (2016) ℓ2 model.
    L2,
    /// Large-scale log model on a kNN candidate support with automatic θ.
    Large,
    /// Thresholded sample covariance.
    Covar,
    /// Thresholded Pearson correlation.
    Corr,
    /// Exact kNN graph (symmetrised, Gaussian weights).
    Knn,
    /// Approximate kNN graph by NN-descent (symmetrised, Gaussian weights).
    Ann,
    /// Network deconvolution of the sample correlation (Feizi et al. 2013).
    Nd,
    /// GDN's model-based deconvolution of the sample covariance (truncated proximal gradient,
    /// Wasserman et al. 2023) for a known filter `--filter`.
    Gdn,
}

fn method(args: &LearnArgs) -> Result<Method> {
    let unused = |name: &str, given: bool| -> Result<()> {
        if given {
            Err(GslError::invalid(
                name,
                format!("not a parameter of --method {:?}", args.method).to_lowercase(),
            ))
        } else {
            Ok(())
        }
    };
    let iterative = matches!(
        args.method,
        MethodArg::Glasso
            | MethodArg::Log
            | MethodArg::L2
            | MethodArg::Large
            | MethodArg::Ann
            | MethodArg::Gdn
    );
    unused(
        "filter",
        args.method != MethodArg::Gdn && args.filter.is_some(),
    )?;
    unused("tol", !iterative && args.tol.is_some())?;
    unused("max-iter", !iterative && args.max_iter.is_some())?;
    unused(
        "beta",
        !matches!(args.method, MethodArg::Log | MethodArg::Nd) && args.beta.is_some(),
    )?;
    unused(
        "k",
        !matches!(
            args.method,
            MethodArg::Knn | MethodArg::Large | MethodArg::Ann
        ) && args.k.is_some(),
    )?;
    unused(
        "approximate",
        args.method != MethodArg::Large && args.approximate,
    )?;
    unused(
        "seed",
        !(args.method == MethodArg::Ann || args.method == MethodArg::Large && args.approximate)
            && args.seed.is_some(),
    )?;
    let method = match args.method {
        MethodArg::Glasso => {
            unused("threshold", args.threshold.is_some())?;
            let mut c = GlassoConfig::new(args.alpha.unwrap_or(0.1));
            c.tol = args.tol.unwrap_or(c.tol);
            c.max_iter = args.max_iter.unwrap_or(c.max_iter);
            Method::GraphicalLasso(c)
        }
        MethodArg::Log | MethodArg::L2 => {
            let mut c = if args.method == MethodArg::Log {
                SmoothConfig::log(args.alpha.unwrap_or(1.0), args.beta.unwrap_or(1.0))
            } else {
                SmoothConfig::l2(args.alpha.unwrap_or(1.0))
            };
            c.tol = args.tol.unwrap_or(c.tol);
            c.max_iter = args.max_iter.unwrap_or(c.max_iter);
            Method::Smooth(c)
        }
        MethodArg::Large => {
            unused("alpha", args.alpha.is_some())?;
            unused("threshold", args.threshold.is_some())?;
            let mut c = LargeScaleConfig::new(args.k.unwrap_or(10));
            if args.approximate {
                c.search = CandidateSearch::NnDescent;
            }
            c.seed = args.seed.unwrap_or(c.seed);
            c.tol = args.tol.unwrap_or(c.tol);
            c.max_iter = args.max_iter.unwrap_or(c.max_iter);
            Method::LargeScale(c)
        }
        MethodArg::Covar | MethodArg::Corr => {
            unused("alpha", args.alpha.is_some())?;
            let moment = if args.method == MethodArg::Covar {
                Moment::Covariance
            } else {
                Moment::Correlation
            };
            Method::Covar {
                moment,
                threshold: args.threshold.unwrap_or(0.1),
            }
        }
        MethodArg::Knn => {
            unused("alpha", args.alpha.is_some())?;
            unused("threshold", args.threshold.is_some())?;
            let mut o = KnnOptions::new(args.k.unwrap_or(10));
            o.symmetrize = true;
            o.weighting = KnnWeighting::Gaussian { sigma: None };
            Method::Knn(o)
        }
        MethodArg::Ann => {
            unused("alpha", args.alpha.is_some())?;
            unused("threshold", args.threshold.is_some())?;
            let mut c = NnDescentConfig::new(args.k.unwrap_or(10));
            c.seed = args.seed.unwrap_or(c.seed);
            c.delta = args.tol.unwrap_or(c.delta);
            c.max_iter = args.max_iter.unwrap_or(c.max_iter);
            Method::Ann {
                config: c,
                weighting: KnnWeighting::Gaussian { sigma: None },
            }
        }
        MethodArg::Nd => {
            unused("threshold", args.threshold.is_some())?;
            let scale = match (args.alpha, args.beta) {
                (Some(_), Some(_)) => {
                    return Err(GslError::invalid(
                        "alpha",
                        "--method nd takes either --alpha (fixed scale) or --beta (spectral bound)",
                    ));
                }
                (Some(a), None) => DeconvScale::Alpha(a),
                (None, b) => DeconvScale::SpectralBound(b.unwrap_or(0.99)),
            };
            Method::Deconvolution {
                moment: Moment::Correlation,
                scale,
            }
        }
        MethodArg::Gdn => {
            unused("threshold", args.threshold.is_some())?;
            let filter = args.filter.clone().ok_or_else(|| {
                GslError::invalid("filter", "--method gdn needs --filter h0,h1[,h2]")
            })?;
            let mut c = GdnConfig::new(filter, args.alpha.unwrap_or(0.01));
            c.tol = args.tol.unwrap_or(c.tol);
            c.max_iter = args.max_iter.unwrap_or(c.max_iter);
            Method::Gdn {
                moment: Moment::Covariance,
                config: c,
            }
        }
    };
    Ok(method)
}

fn transpose(m: &Matrix) -> Matrix {
    let mut values = vec![0.0f32; m.values.len()];
    for r in 0..m.rows {
        for c in 0..m.cols {
            values[c * m.rows + r] = m.values[r * m.cols + c];
        }
    }
    Matrix {
        rows: m.cols,
        cols: m.rows,
        values,
    }
}

fn extension(path: &Path) -> String {
    path.extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// The edges `i < j` of a dense symmetric `n × n` estimate whose magnitude exceeds `cut`.
fn upper_edges(values: &[f32], n: usize, cut: f32) -> Result<EdgeList> {
    let (mut src, mut dst, mut w) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..n {
        for j in i + 1..n {
            let v = values[i * n + j];
            if v.abs() > cut {
                src.push(i);
                dst.push(j);
                w.push(v);
            }
        }
    }
    EdgeList::new(n, src, dst, Some(w))
}

/// Runs `gsl learn` on `device`.
pub fn run(args: &LearnArgs, device: &Device) -> Result<()> {
    let ext = extension(&args.output);
    if !matches!(ext.as_str(), "csv" | "npz" | "npy") {
        return Err(GslError::invalid(
            "output",
            format!(
                "{}: unsupported extension `.{ext}` (expected .csv, .npz or .npy)",
                args.output.display()
            ),
        ));
    }
    crate::io::refuse_existing("output", &args.output, args.overwrite)?;
    let method = method(args)?;
    let matrix = read_matrix(&args.input)?;
    let matrix = if args.samples_as_rows {
        transpose(&matrix)
    } else {
        matrix
    };
    let (n, p) = (matrix.rows, matrix.cols);
    let signals = Tensor::<3>::from_data(TensorData::new(matrix.values, [1, n, p]), device);

    let max_iter = match &method {
        Method::GraphicalLasso(c) => c.max_iter,
        Method::Smooth(c) => c.max_iter,
        Method::LargeScale(c) => c.max_iter,
        Method::Ann { config, .. } => config.max_iter,
        _ => 0,
    };
    let bar = Progress::new(max_iter as u64, method.name(), args.quiet || max_iter == 0);
    let mut on_step = |info: &IterationInfo| {
        let objective = info
            .objective
            .filter(|o| *o < f64::MAX)
            .map(|o| format!(" objective {o:.6e}"))
            .unwrap_or_default();
        bar.update(
            info.iteration as u64,
            format!("residual {:.3e}{objective}", info.residual),
        );
    };
    let learned = learn(&method, signals, Some(&mut on_step))?;
    bar.finish();

    let edges = match (&learned.estimate, ext.as_str()) {
        (Estimate::Dense(a), "npy") => {
            write_matrix(
                &args.output,
                &Matrix::new(n, n, to_vec_f32((**a).clone()))?,
                args.overwrite,
            )?;
            None
        }
        (Estimate::Sparse(graphs), "npy") => {
            let dense = to_vec_f32(graphs[0].to_dense());
            write_matrix(&args.output, &Matrix::new(n, n, dense)?, args.overwrite)?;
            None
        }
        (Estimate::Dense(a), _) => {
            let values = to_vec_f32((**a).clone());
            let cut = match (&method, args.threshold) {
                (Method::Smooth(_), Some(t)) => t,
                (Method::Smooth(_), None) => {
                    1e-4 * values.iter().fold(0.0f32, |m, v| m.max(v.abs()))
                }
                _ => 0.0,
            };
            Some(upper_edges(&values, n, cut)?)
        }
        (Estimate::Sparse(graphs), _) => {
            let all = graphs[0].to_edge_list();
            let triples: Vec<(usize, usize, f32)> = all.iter().filter(|(i, j, _)| i < j).collect();
            Some(EdgeList::from_weighted(n, &triples)?)
        }
    };
    if let Some(edges) = &edges {
        io::write_graph(&args.output, edges, args.overwrite)?;
    }
    let s = &learned.summary;
    let objective = s
        .objective
        .filter(|o| *o < f64::MAX)
        .map(|o| format!("{o:.6e}"))
        .unwrap_or_else(|| "-".into());
    let edge_text = edges
        .map(|e| format!("{} edges", e.num_edges()))
        .unwrap_or_else(|| format!("{n} x {n} matrix"));
    println!(
        "learn {}: {n} nodes, {p} samples -> {edge_text} in {}; iterations {}, converged {}, objective {objective}, time {:.3} s",
        s.method,
        args.output.display(),
        s.iterations,
        s.converged,
        s.seconds
    );
    Ok(())
}
