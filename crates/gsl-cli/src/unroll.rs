//! `gsl unroll`: train an unrolled network (GLAD, GDN, unrolled PDS / L2G) or a GNN baseline
//! (GCN, GIN) on a supervised dataset recipe, apply a trained one to new observations, and plot
//! the estimate of every layer for one graph.
//!
//! `train` writes a checkpoint directory: `model.bpk` (weights), `meta.json` (method, settings,
//! the validation-chosen threshold) and `history.json` (per-epoch losses and validation metrics,
//! the final threshold and the test metrics). `predict` reads one observation matrix
//! (`.npy`/`.csv`, `N × N`) and writes the last layer's estimate: `.npy` (dense) or
//! `.csv`/`.npz` (edges `i < j` above the stored threshold). `plot` rebuilds a recipe's dataset
//! and writes the per-layer heat-maps of graph `--index` next to its true graph (PNG).

use std::path::{Path, PathBuf};

use clap::{Subcommand, ValueEnum};
use gsl::burn::module::Module;
use gsl::burn::tensor::{Device, Tensor, TensorData};
use gsl::core::dense::{halfvec, upper_triangle_pairs};
use gsl::core::metrics::ThresholdMetric;
use gsl::core::tensor::to_vec_f32;
use gsl::core::train::{LrSchedule, save_json};
use gsl::core::{EdgeList, GslError, Result};
use gsl::data::loaders::{Matrix, read_matrix, write_matrix};
use gsl::data::supervised::{Recipe, SplitSizes, SupervisedDataset};
use gsl::unroll::gdn::{GdnLayer, GdnSpec};
use gsl::unroll::glad::{GladLayer, GladSpec};
use gsl::unroll::gnn::{GcnBaseline, GcnSpec, GinBaseline, GinSpec};
use gsl::unroll::l2g::{L2gLayer, L2gSpec, L2gVaeLayer, L2gVaeSpec};
use gsl::unroll::layer::UnrollingLayer;
use gsl::unroll::loss::{LayerWeighting, LossKind};
use gsl::unroll::plot::{PlotOptions, plot_layers};
use gsl::unroll::train::{
    EpochLog, SplitMetrics, TrainConfig, checkpoint_method, load_model, save_model, train,
};
use gsl::unroll::unrolled::{UnrollConfig, Unrolled};

use crate::io;

/// Arguments of `gsl unroll`.
#[derive(clap::Args, Debug)]
pub struct UnrollArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: UnrollCommand,
}

/// `gsl unroll train | predict`.
#[derive(Subcommand, Debug)]
pub enum UnrollCommand {
    /// Train a model on a dataset recipe; write a checkpoint directory.
    Train(TrainArgs),
    /// Apply a trained model to one observation matrix.
    Predict(PredictArgs),
    /// Plot every layer's estimate of one graph next to the true graph (PNG).
    Plot(PlotArgs),
}

/// The unrolled methods.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModelArg {
    /// GLAD (λ- and ρ-networks around alternating minimisation).
    Glad,
    /// Graph Deconvolution Network.
    Gdn,
    /// Unrolled primal–dual splitting of the log model (L2G's unrolling).
    L2g,
    /// The full L2G: unrolled PDS whose last layer is the TopoDiffVAE.
    L2gVae,
    /// GCN baseline (degree features, inner-product decoder, BCE; depth 1).
    Gcn,
    /// GIN baseline (GIN-0 with batch norm, inner-product decoder, BCE; depth 1).
    Gin,
}

impl ModelArg {
    /// Whether the model is a one-shot GNN baseline rather than an unrolled iteration.
    fn is_baseline(self) -> bool {
        matches!(self, ModelArg::Gcn | ModelArg::Gin)
    }
}

/// The dataset recipes of `gsl::data::supervised`.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum DatasetArg {
    /// L2G: Barabási–Albert N = 20, mean squared distances of smooth signals.
    L2gBa20,
    /// L2G: Watts–Strogatz N = 50.
    L2gWs50,
    /// GDN: geometric graphs N = 68, covariance of diffused signals.
    GdnDiffusion,
    /// GLAD: ER Gaussian graphical models, sample covariance, target Θ.
    GladGaussian,
}

/// Arguments of `gsl unroll train`.
#[derive(clap::Args, Debug)]
pub struct TrainArgs {
    /// The method.
    #[arg(long, value_enum)]
    pub model: ModelArg,
    /// The dataset recipe and its sizes.
    #[command(flatten)]
    pub recipe: RecipeArgs,
    /// Checkpoint directory to write.
    #[arg(long)]
    pub out: PathBuf,
    /// Epochs.
    #[arg(long, default_value_t = 10)]
    pub epochs: usize,
    /// Unrolled layers (default 10; the gcn / gin baselines have exactly 1).
    #[arg(long)]
    pub depth: Option<usize>,
    /// Share one parameter set across the layers.
    #[arg(long)]
    pub shared: bool,
    /// GDN: channels per layer.
    #[arg(long, default_value_t = 1)]
    pub channels: usize,
    /// Graphs per optimiser step.
    #[arg(long, default_value_t = 32)]
    pub batch_size: usize,
    /// Learning rate (method default when absent: 0.03 GLAD, 0.01 GDN, 0.03 L2G, 0.01 L2G-VAE,
    /// 0.01 GCN/GIN).
    #[arg(long)]
    pub lr: Option<f64>,
    /// Adam's ε (default 1e-8: PyTorch's, which the methods' original code uses; Burn's own
    /// default is 1e-5).
    #[arg(long)]
    pub adam_epsilon: Option<f32>,
    /// Loss: se, nse, ae, hinge or bce (method default when absent: se GLAD/GDN, nse L2G,
    /// bce GCN/GIN).
    #[arg(long)]
    pub loss: Option<String>,
    /// Seed of the data, the initialisation and the shuffling.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
    /// Replace an existing checkpoint in `--out`.
    #[arg(long)]
    pub overwrite: bool,
    /// Keep a resumable training state in this directory, rewritten after every epoch; the
    /// same command run again continues an interrupted run (or extends a finished one to more
    /// `--epochs`).
    #[arg(long)]
    pub state_dir: Option<PathBuf>,
}

/// The dataset recipe and its sizes, shared by `train` and `plot`.
#[derive(clap::Args, Debug)]
pub struct RecipeArgs {
    /// The dataset recipe.
    #[arg(long, value_enum)]
    pub dataset: DatasetArg,
    /// Training graphs.
    #[arg(long, default_value_t = 64)]
    pub train: usize,
    /// Validation graphs.
    #[arg(long, default_value_t = 16)]
    pub val: usize,
    /// Test graphs.
    #[arg(long, default_value_t = 16)]
    pub test: usize,
    /// Signals per graph (recipe default when absent: 3000 L2G, 50 GDN, 500 GLAD).
    #[arg(long)]
    pub signals: Option<usize>,
    /// glad-gaussian: nodes per graph.
    #[arg(long, default_value_t = 20)]
    pub nodes: usize,
}

impl RecipeArgs {
    /// The dataset of the recipe, drawn from `seed`.
    fn build(&self, seed: u64, device: &Device) -> Result<SupervisedDataset> {
        let sizes = SplitSizes::new(self.train, self.val, self.test);
        let signals = self.signals;
        let recipe = match self.dataset {
            DatasetArg::L2gBa20 => Recipe::l2g_ba20(sizes, signals.unwrap_or(3000), seed),
            DatasetArg::L2gWs50 => Recipe::l2g_ws50(sizes, signals.unwrap_or(3000), seed),
            DatasetArg::GdnDiffusion => Recipe::gdn_diffusion(sizes, signals.unwrap_or(50), seed)?,
            DatasetArg::GladGaussian => {
                Recipe::glad_gaussian(sizes, self.nodes, signals.unwrap_or(500), seed)
            }
        };
        recipe.build(device)
    }
}

/// Arguments of `gsl unroll predict`.
#[derive(clap::Args, Debug)]
pub struct PredictArgs {
    /// Checkpoint directory written by `gsl unroll train`.
    #[arg(long)]
    pub checkpoint: PathBuf,
    /// Observation: an N × N matrix (.npy or .csv) of the kind the model was trained on.
    #[arg(long)]
    pub input: PathBuf,
    /// Output: .npy (dense estimate) or .csv / .npz (edges above the threshold).
    #[arg(long)]
    pub output: PathBuf,
    /// Keep edges with |estimate| above this instead of the checkpoint's validated threshold
    /// (e.g. one re-validated on graphs of the size predicted; GDN's threshold does not carry
    /// over from N = 68 to N = 500, see docs/gsl-unroll.md). Edge-list outputs only.
    #[arg(long)]
    pub threshold: Option<f32>,
    /// Replace the output file if it exists.
    #[arg(long)]
    pub overwrite: bool,
}

/// Arguments of `gsl unroll plot`.
#[derive(clap::Args, Debug)]
pub struct PlotArgs {
    /// Checkpoint directory written by `gsl unroll train`.
    #[arg(long)]
    pub checkpoint: PathBuf,
    /// The dataset recipe to draw the graph from (the sizes and seed training used rebuild
    /// its data).
    #[command(flatten)]
    pub recipe: RecipeArgs,
    /// Graph index in the dataset (`0 ≤ I < train + val + test`).
    #[arg(long)]
    pub index: usize,
    /// PNG file to write.
    #[arg(long)]
    pub output: PathBuf,
    /// Seed of the data.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Side of one heat-map in pixels.
    #[arg(long, default_value_t = 200)]
    pub panel_size: u32,
    /// Replace the output file if it exists.
    #[arg(long)]
    pub overwrite: bool,
}

/// Runs `gsl unroll` on `device`.
pub fn run(args: &UnrollArgs, device: &Device) -> Result<()> {
    match &args.command {
        UnrollCommand::Train(a) => run_train(a, device),
        UnrollCommand::Predict(a) => run_predict(a, device),
        UnrollCommand::Plot(a) => run_plot(a, device),
    }
}

fn train_config(args: &TrainArgs) -> Result<TrainConfig> {
    let mut c = TrainConfig::new(args.epochs);
    c.batch_size = args.batch_size;
    c.seed = args.seed;
    c.quiet = args.quiet;
    c.state_dir = args.state_dir.clone();
    match args.model {
        // GLAD (Shrivastava et al.): γ^(D−d)/D with γ = 0.8, F1 threshold, lr 0.03 (pyGSL).
        ModelArg::Glad => {
            c.weighting = LayerWeighting::Glad { gamma: 0.8 };
            c.threshold_metric = ThresholdMetric::F1;
            c.learning_rate = 0.03;
        }
        // GDN (pyGSL): Adam betas (0.85, 0.99), lr 0.01.
        ModelArg::Gdn => {
            c.beta_1 = 0.85;
            c.beta_2 = 0.99;
        }
        // L2G: normalised loss, discount 0.9, exponential decay 0.95.
        ModelArg::L2g => {
            c.loss = LossKind::Nse;
            c.weighting = LayerWeighting::Discounted { discount: 0.9 };
            c.schedule = LrSchedule::Exponential { gamma: 0.95 };
            c.learning_rate = 0.03;
        }
        // Full L2G (authors' main_L2G.py): as L2G, with Adam lr 1e-2.
        ModelArg::L2gVae => {
            c.loss = LossKind::Nse;
            c.weighting = LayerWeighting::Discounted { discount: 0.9 };
            c.schedule = LrSchedule::Exponential { gamma: 0.95 };
        }
        // pyGSL's GCN / GIN: binary cross-entropy on the only layer, Adam lr 0.01.
        ModelArg::Gcn | ModelArg::Gin => {
            c.loss = LossKind::Bce;
            c.weighting = LayerWeighting::LastOnly;
        }
    }
    if let Some(lr) = args.lr {
        c.learning_rate = lr;
    }
    if let Some(epsilon) = args.adam_epsilon {
        c.epsilon = epsilon;
    }
    if let Some(loss) = &args.loss {
        c.loss = LossKind::parse(loss)?;
    }
    c.validate()?;
    Ok(c)
}

fn print_metrics(label: &str, m: &SplitMetrics) {
    let auc = m
        .auc
        .map(|a| format!("  auc {:.4} ± {:.4}", a.mean, a.std_err))
        .unwrap_or_default();
    let db = m
        .nse_db
        .map(|a| format!("  nmse {:.2} dB", a.mean))
        .unwrap_or_default();
    println!(
        "{label}: graphs {}  threshold {:.4}  nse {:.4} ± {:.4}  gmse {:.4}{db}  error {:.4}  \
         f1 {:.4} ± {:.4}  mcc {:.4}{auc}",
        m.graphs,
        m.threshold,
        m.nse.mean,
        m.nse.std_err,
        m.gmse.mean,
        m.error.mean,
        m.f1.mean,
        m.f1.std_err,
        m.mcc.mean
    );
}

fn fit<L: UnrollingLayer>(
    spec: L::Spec,
    args: &TrainArgs,
    data: &SupervisedDataset,
    device: &Device,
) -> Result<()> {
    let config = train_config(args)?;
    let default_depth = if args.model.is_baseline() { 1 } else { 10 };
    let mut structure = UnrollConfig::new(args.depth.unwrap_or(default_depth));
    structure.shared = args.shared;
    structure.seed = args.seed;
    let autodiff = device.clone().autodiff();
    let model = Unrolled::<L>::new(spec, structure, &autodiff)?;
    let quiet = args.quiet;
    let (model, report) = train(model, data, &config, &autodiff, |log: &EpochLog| {
        if !quiet {
            eprintln!(
                "epoch {:>3}  loss {:.4e}  val nse {:.4}  val f1 {:.4}  ({:.2}s)",
                log.epoch, log.train_loss.total, log.val.nse.mean, log.val.f1.mean, log.seconds
            );
        }
    })?;
    save_model(
        &model.valid(),
        report.threshold.threshold,
        &args.out,
        args.overwrite,
    )?;
    save_json(&report, args.out.join("history.json"), args.overwrite)?;
    if let Some(last) = report.epochs.last() {
        print_metrics("validation", &last.val);
    }
    if let Some(test) = &report.test {
        print_metrics("test", test);
    }
    eprintln!("wrote checkpoint to {}", args.out.display());
    Ok(())
}

fn run_train(args: &TrainArgs, device: &Device) -> Result<()> {
    if args.model != ModelArg::Gdn && args.channels != 1 {
        return Err(GslError::invalid(
            "channels",
            "only a parameter of --model gdn",
        ));
    }
    if args.out.join("meta.json").exists() && !args.overwrite {
        return Err(GslError::invalid(
            "out",
            format!(
                "{} already holds a checkpoint; pass --overwrite to replace it",
                args.out.display()
            ),
        ));
    }
    let data = args.recipe.build(args.seed, device)?;
    match args.model {
        ModelArg::Glad => fit::<GladLayer>(GladSpec::default(), args, &data, device),
        ModelArg::Gdn => {
            let spec = GdnSpec {
                channels: args.channels,
                ..GdnSpec::default()
            };
            fit::<GdnLayer>(spec, args, &data, device)
        }
        ModelArg::L2g => fit::<L2gLayer>(L2gSpec::default(), args, &data, device),
        ModelArg::L2gVae => {
            fit::<L2gVaeLayer>(L2gVaeSpec::new(data.num_nodes), args, &data, device)
        }
        ModelArg::Gcn => fit::<GcnBaseline>(GcnSpec::default(), args, &data, device),
        ModelArg::Gin => fit::<GinBaseline>(GinSpec::default(), args, &data, device),
    }
}

fn predict_with<L: UnrollingLayer>(
    dir: &Path,
    obs: Tensor<3>,
    device: &Device,
) -> Result<(Vec<f32>, f32)> {
    let (model, threshold) = load_model::<L>(dir, device)?;
    Ok((to_vec_f32(model.forward(obs)?), threshold))
}

fn run_predict(args: &PredictArgs, device: &Device) -> Result<()> {
    let ext = args
        .output
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    if !matches!(ext.as_str(), "csv" | "npz" | "npy") {
        return Err(GslError::invalid(
            "output",
            format!("unsupported extension `.{ext}` (expected .csv, .npz or .npy)"),
        ));
    }
    if let Some(t) = args.threshold {
        if !t.is_finite() || t < 0.0 {
            return Err(GslError::invalid(
                "threshold",
                format!("must be finite and ≥ 0, got {t}"),
            ));
        }
        if ext == "npy" {
            return Err(GslError::invalid(
                "threshold",
                "a .npy output is the dense estimate, not thresholded: use .csv or .npz",
            ));
        }
    }
    crate::io::refuse_existing("output", &args.output, args.overwrite)?;
    let matrix = read_matrix(&args.input)?;
    if matrix.rows != matrix.cols {
        return Err(GslError::shape(
            "observation",
            "an N × N matrix",
            format!("{} × {}", matrix.rows, matrix.cols),
        ));
    }
    let n = matrix.rows;
    let obs = Tensor::<3>::from_data(TensorData::new(matrix.values, [1, n, n]), device);
    let (values, stored) = match checkpoint_method(&args.checkpoint)?.as_str() {
        "glad" => predict_with::<GladLayer>(&args.checkpoint, obs, device)?,
        "gdn" => predict_with::<GdnLayer>(&args.checkpoint, obs, device)?,
        "l2g" => predict_with::<L2gLayer>(&args.checkpoint, obs, device)?,
        "l2g-vae" => predict_with::<L2gVaeLayer>(&args.checkpoint, obs, device)?,
        "gcn" => predict_with::<GcnBaseline>(&args.checkpoint, obs, device)?,
        "gin" => predict_with::<GinBaseline>(&args.checkpoint, obs, device)?,
        other => {
            return Err(GslError::invalid(
                "checkpoint",
                format!("unknown method `{other}`"),
            ));
        }
    };
    let threshold = args.threshold.unwrap_or(stored);
    if ext == "npy" {
        write_matrix(&args.output, &Matrix::new(n, n, values)?, args.overwrite)?;
    } else {
        // Edges i < j in half-vector order, kept where |estimate| exceeds the threshold.
        let half = halfvec(Tensor::<3>::from_data(
            TensorData::new(values, [1, n, n]),
            device,
        ))?;
        let (rows, cols) = upper_triangle_pairs(n);
        let kept: Vec<(usize, usize, f32)> = to_vec_f32(half)
            .into_iter()
            .zip(rows.into_iter().zip(cols))
            .filter(|(v, _)| v.abs() > threshold)
            .map(|(v, (i, j))| (i, j, v))
            .collect();
        let src = kept.iter().map(|e| e.0).collect();
        let dst = kept.iter().map(|e| e.1).collect();
        let w = kept.iter().map(|e| e.2).collect();
        io::write_graph(
            &args.output,
            &EdgeList::new(n, src, dst, Some(w))?,
            args.overwrite,
        )?;
    }
    eprintln!("wrote {}", args.output.display());
    Ok(())
}

fn plot_with<L: UnrollingLayer>(
    args: &PlotArgs,
    data: &SupervisedDataset,
    device: &Device,
) -> Result<usize> {
    let (model, _) = load_model::<L>(&args.checkpoint, device)?;
    let options = PlotOptions {
        panel_size: args.panel_size,
        columns: None,
        overwrite: args.overwrite,
    };
    let summary = plot_layers(&model, data, args.index, &args.output, &options, device)?;
    Ok(summary.panels)
}

fn run_plot(args: &PlotArgs, device: &Device) -> Result<()> {
    crate::io::refuse_existing("output", &args.output, args.overwrite)?;
    let method = checkpoint_method(&args.checkpoint)?;
    let data = args.recipe.build(args.seed, device)?;
    let panels = match method.as_str() {
        "glad" => plot_with::<GladLayer>(args, &data, device)?,
        "gdn" => plot_with::<GdnLayer>(args, &data, device)?,
        "l2g" => plot_with::<L2gLayer>(args, &data, device)?,
        "l2g-vae" => plot_with::<L2gVaeLayer>(args, &data, device)?,
        "gcn" => plot_with::<GcnBaseline>(args, &data, device)?,
        "gin" => plot_with::<GinBaseline>(args, &data, device)?,
        other => {
            return Err(GslError::invalid(
                "checkpoint",
                format!("unknown method `{other}`"),
            ));
        }
    };
    eprintln!(
        "wrote {} ({} layer panels + the true graph)",
        args.output.display(),
        panels - 1
    );
    Ok(())
}
