//! One entry point for every method: [`learn`] takes node signals `[B, N, P]` (N nodes observed
//! in P samples, B independent problems) and a [`Method`], and returns the learned graphs with a
//! [`Summary`] of the run. The CLI's `gsl learn` is a thin layer over it.

use burn::tensor::Tensor;
use gsl_core::Graph;
use gsl_core::dense::from_halfvec;
use gsl_core::similarity::{KnnOptions, KnnWeighting, covariance, knn_graph};
use gsl_core::{GslError, Result};
use serde::{Deserialize, Serialize};

use crate::ann::{NnDescentConfig, ann_graph};
use crate::baselines::second_moment;
use crate::baselines::{Moment, covariance_graph};
use crate::deconv::{DeconvScale, deconvolve_signals};
use crate::gdn::{GdnConfig, deconvolve};
use crate::glasso::{GlassoConfig, graphical_lasso};
use crate::large::{LargeScaleConfig, large_scale_log_model};
use crate::smooth::{PairSupport, SmoothConfig, learn_smooth, squared_distance_halfvec};
use crate::solver::{ProgressFn, SolveReport};

/// A graph-learning method with its parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Method {
    /// Graphical lasso on the sample covariance; the estimate is the precision matrix.
    GraphicalLasso(GlassoConfig),
    /// A smooth-signal model (log or ℓ2) on all pairs; the estimate is the weight matrix.
    Smooth(SmoothConfig),
    /// The large-scale log model on a kNN candidate support (one problem at a time).
    LargeScale(LargeScaleConfig),
    /// Thresholded sample covariance or correlation.
    Covar {
        /// Covariance or correlation.
        moment: Moment,
        /// Entries with magnitude at or below this are dropped.
        threshold: f32,
    },
    /// Exact kNN graph of the node signals (rows).
    Knn(KnnOptions),
    /// Approximate kNN graph of the node signals by NN-descent (undirected), see
    /// [`ann_graph`].
    Ann {
        /// NN-descent settings (`k`, sample rate, stop rule, seed).
        config: NnDescentConfig,
        /// Edge weights.
        weighting: KnnWeighting,
    },
    /// Network deconvolution of the magnitude of the sample covariance or correlation (zero
    /// diagonal), see [`deconvolve_signals`]; the estimate is the dense direct matrix.
    Deconvolution {
        /// Covariance or correlation as the observed dependency matrix.
        moment: Moment,
        /// The scale of the eigenvalue map.
        scale: DeconvScale,
    },
    /// GDN's model-based deconvolution (truncated proximal gradient, see [`crate::gdn`]) of
    /// the sample covariance or correlation as the observed graph `A_O = H(A_L)`; the estimate
    /// is the dense non-negative, hollow latent graph.
    Gdn {
        /// Covariance or correlation as the observed graph.
        moment: Moment,
        /// Filter taps, ℓ1 weight, step and stop rule.
        config: GdnConfig,
    },
}

impl Method {
    /// Short name (`glasso`, `log`, `l2`, `large`, `covar`, `knn`, `ann`, `nd`, `gdn`).
    pub fn name(&self) -> &'static str {
        match self {
            Method::GraphicalLasso(_) => "glasso",
            Method::Smooth(c) => match c.model {
                crate::smooth::SmoothModel::Log { .. } => "log",
                crate::smooth::SmoothModel::L2 { .. } => "l2",
            },
            Method::LargeScale(_) => "large",
            Method::Covar { .. } => "covar",
            Method::Knn(_) => "knn",
            Method::Ann { .. } => "ann",
            Method::Deconvolution { .. } => "nd",
            Method::Gdn { .. } => "gdn",
        }
    }
}

/// The graphs a method returns: dense `[B, N, N]` or one sparse graph per problem.
#[derive(Debug, Clone)]
pub enum Estimate {
    /// Dense symmetric matrices `[B, N, N]` (for the graphical lasso: the precision matrices).
    /// Boxed: a tensor handle is much larger than a `Vec`.
    Dense(Box<Tensor<3>>),
    /// Sparse graphs, one per problem (kNN, large-scale model).
    Sparse(Vec<Graph>),
}

/// What happened in a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// The method's short name.
    pub method: String,
    /// Iterations taken (0 for direct methods).
    pub iterations: usize,
    /// Whether the stopping tolerance was met (true for direct methods).
    pub converged: bool,
    /// Mean final objective over the batch, when the method has one.
    pub objective: Option<f64>,
    /// Final residual (largest over the batch), for iterative methods.
    pub residual: Option<f64>,
    /// Wall time in seconds.
    pub seconds: f64,
}

impl Summary {
    fn from_report<T>(method: &str, report: &SolveReport<T>) -> Self {
        Self {
            method: method.to_string(),
            iterations: report.iterations,
            converged: report.converged,
            objective: report.final_objective(),
            residual: report.final_residual(),
            seconds: report.seconds,
        }
    }

    fn direct(method: &str, seconds: f64) -> Self {
        Self {
            method: method.to_string(),
            iterations: 0,
            converged: true,
            objective: None,
            residual: None,
            seconds,
        }
    }
}

/// The outcome of [`learn`].
#[derive(Debug, Clone)]
pub struct Learned {
    /// The learned graphs.
    pub estimate: Estimate,
    /// The run's summary.
    pub summary: Summary,
}

/// Learns graphs from signals `[B, N, P]` with `method`. Iterative methods call `progress`
/// after every step.
///
/// Errors: those of the method (invalid parameters, `N < 2`, `k >= N`, NaN signals, …).
pub fn learn(
    method: &Method,
    signals: Tensor<3>,
    progress: Option<ProgressFn<'_>>,
) -> Result<Learned> {
    let [b, n, p] = signals.dims();
    if b == 0 || n < 2 || p == 0 {
        return Err(GslError::invalid(
            "signals",
            format!("need [B >= 1, N >= 2, P >= 1], got [{b}, {n}, {p}]"),
        ));
    }
    let start = std::time::Instant::now();
    let name = method.name();
    match method {
        Method::GraphicalLasso(config) => {
            let report = graphical_lasso(covariance(signals)?, config, progress)?;
            let summary = Summary::from_report(name, &report);
            Ok(Learned {
                estimate: Estimate::Dense(Box::new(report.estimate.precision)),
                summary,
            })
        }
        Method::Smooth(config) => {
            let z = squared_distance_halfvec(signals.clone())?;
            let support = PairSupport::complete(n, &signals.device())?;
            let report = learn_smooth(z, &support, config, true, progress)?;
            let summary = Summary::from_report(name, &report);
            Ok(Learned {
                estimate: Estimate::Dense(Box::new(from_halfvec(report.estimate.w)?)),
                summary,
            })
        }
        Method::LargeScale(config) => {
            let mut graphs = Vec::with_capacity(b);
            let mut progress = progress;
            let mut summary = None;
            for i in 0..b {
                let x = signals
                    .clone()
                    .slice([i..i + 1, 0..n, 0..p])
                    .reshape([n, p]);
                let (graph, report) =
                    large_scale_log_model(x, config, progress.as_mut().map(|f| &mut **f as _))?;
                summary = Some(Summary::from_report(name, &report));
                graphs.push(graph);
            }
            let mut summary = summary.expect("b >= 1");
            summary.seconds = start.elapsed().as_secs_f64();
            Ok(Learned {
                estimate: Estimate::Sparse(graphs),
                summary,
            })
        }
        Method::Covar { moment, threshold } => {
            let g = covariance_graph(signals, *moment, *threshold)?;
            Ok(Learned {
                estimate: Estimate::Dense(Box::new(g)),
                summary: Summary::direct(name, start.elapsed().as_secs_f64()),
            })
        }
        Method::Ann { config, weighting } => {
            let mut graphs = Vec::with_capacity(b);
            let mut progress = progress;
            let mut summary = Summary::direct(name, 0.0);
            for i in 0..b {
                let x = signals
                    .clone()
                    .slice([i..i + 1, 0..n, 0..p])
                    .reshape([n, p]);
                let (graph, nn) = ann_graph(
                    x,
                    config,
                    *weighting,
                    progress.as_mut().map(|f| &mut **f as _),
                )?;
                summary.iterations = summary.iterations.max(nn.iterations);
                summary.converged &= nn.converged;
                graphs.push(graph);
            }
            summary.seconds = start.elapsed().as_secs_f64();
            Ok(Learned {
                estimate: Estimate::Sparse(graphs),
                summary,
            })
        }
        Method::Deconvolution { moment, scale } => {
            let g = deconvolve_signals(signals, *moment, *scale)?;
            Ok(Learned {
                estimate: Estimate::Dense(Box::new(g)),
                summary: Summary::direct(name, start.elapsed().as_secs_f64()),
            })
        }
        Method::Gdn { moment, config } => {
            let report = deconvolve(second_moment(signals, *moment)?, config, progress)?;
            let summary = Summary::from_report(name, &report);
            Ok(Learned {
                estimate: Estimate::Dense(Box::new(report.estimate)),
                summary,
            })
        }
        Method::Knn(options) => {
            let mut graphs = Vec::with_capacity(b);
            for i in 0..b {
                let x = signals
                    .clone()
                    .slice([i..i + 1, 0..n, 0..p])
                    .reshape([n, p]);
                graphs.push(knn_graph(x, options)?);
            }
            Ok(Learned {
                estimate: Estimate::Sparse(graphs),
                summary: Summary::direct(name, start.elapsed().as_secs_f64()),
            })
        }
    }
}
