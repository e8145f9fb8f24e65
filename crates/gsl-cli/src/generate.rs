//! `gsl gen`: graph generation — train a model on a graph set, sample graphs from a
//! checkpoint, and compare two graph sets with the MMD suite.
//!
//! ```text
//! gsl gen train  --model er --dataset lobster --out er.json [--test-out DIR]
//! gsl gen train  --model bigg --dataset grid --out bigg.json [--epochs 100 --embed-dim 256 …]
//!                [--state-dir S]   (resumable: run again to continue after the last epoch)
//! gsl gen sample --checkpoint er.json --num 20 --out DIR
//! gsl gen eval   --generated DIR --reference DIR|name [--weighted] [--mmd]
//! ```

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};
use gsl::burn::tensor::Device;
use gsl::core::{GslError, Result};
use gsl::generation::bigg::{Bigg, BiggConfig, NodeOrder};
use gsl::generation::datasets::{BENCHMARK_NAMES, gran_split, graphs_from_spec};
use gsl::generation::er::{ErConfig, ErdosRenyiBaseline};
use gsl::generation::eval::io::{read_graph_dir, write_graph_dir};
use gsl::generation::eval::{
    EvalConfig, MmdForm, Protocol, SimpleGraph, Statistic, Validity, evaluate,
};
use gsl::generation::{FitContext, GraphModel, checkpoint_model_name};

/// Arguments of `gsl gen`.
#[derive(Args, Debug)]
pub struct GenArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: GenCommand,
}

/// The `gsl gen` subcommands.
#[derive(Subcommand, Debug)]
pub enum GenCommand {
    /// Fit a model on the training split of a graph set and save it.
    Train(TrainArgs),
    /// Sample graphs from a checkpoint into a directory of edge-list files.
    Sample(SampleArgs),
    /// Compare generated graphs with reference graphs (prints the MMD² table).
    Eval(EvalArgs),
}

/// Which model to train.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModelArg {
    /// Erdős–Rényi baseline (pooled p, node counts and weights from the training set).
    Er,
    /// BiGG (Dai et al. 2020): edge-binary trees with a Fenwick-tree row history.
    Bigg,
}

/// Arguments of `gsl gen train`.
#[derive(Args, Debug)]
pub struct TrainArgs {
    /// Model to fit.
    #[arg(long, value_enum, default_value_t = ModelArg::Er)]
    pub model: ModelArg,
    /// Benchmark name (grid, lobster, tree, firstmm_db, dd) or a directory of edge-list files.
    #[arg(long)]
    pub dataset: String,
    /// Checkpoint to write.
    #[arg(long)]
    pub out: PathBuf,
    /// Fit on every graph instead of GRAN's training split (first 80 %).
    #[arg(long)]
    pub all: bool,
    /// Also write the test split (last 20 %) to this directory, for `gsl gen eval`.
    #[arg(long)]
    pub test_out: Option<PathBuf>,
    /// Seed of the fit.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Replace existing files.
    #[arg(long)]
    pub overwrite: bool,
    /// Hide the progress bar.
    #[arg(long)]
    pub quiet: bool,
    /// Keep BiGG's resumable training state here (weights, Adam's moments, the loss history,
    /// after every epoch); the same command run again continues after the last saved epoch.
    /// Only `--epochs` may change between the two.
    #[arg(long)]
    pub state_dir: Option<PathBuf>,
    /// BiGG hyperparameters (defaults: BiGG's `configs.py`).
    #[command(flatten)]
    pub bigg: BiggArgs,
}

/// BiGG hyperparameters settable from the command line; unset ones keep BiGG's defaults.
#[derive(Args, Debug)]
pub struct BiggArgs {
    /// Training epochs (BiGG: 100 steps each).
    #[arg(long)]
    pub epochs: Option<usize>,
    /// Optimiser steps per epoch (BiGG's `epoch_save`).
    #[arg(long)]
    pub steps_per_epoch: Option<usize>,
    /// Graphs per step.
    #[arg(long)]
    pub batch_size: Option<usize>,
    /// State width d.
    #[arg(long)]
    pub embed_dim: Option<usize>,
    /// Subtrees of at most this many columns use bit features (≤ embed_dim; 0: off).
    #[arg(long)]
    pub bits_compress: Option<usize>,
    /// Adam learning rate.
    #[arg(long)]
    pub learning_rate: Option<f64>,
    /// Node ordering of the training graphs: identity, bfs, dfs.
    #[arg(long)]
    pub order: Option<String>,
    /// Block-wise training, this many rows at a time with boundary gradients (BiGG's
    /// `-blksize`; 0: off, whole graphs in one pass).
    #[arg(long)]
    pub block_size: Option<usize>,
}

impl BiggArgs {
    /// The config these flags describe (BiGG's defaults elsewhere).
    pub fn config(&self) -> Result<BiggConfig> {
        let mut c = BiggConfig::new();
        if let Some(v) = self.epochs {
            c.epochs = v;
        }
        if let Some(v) = self.steps_per_epoch {
            c.steps_per_epoch = v;
        }
        if let Some(v) = self.batch_size {
            c.batch_size = v;
        }
        if let Some(v) = self.embed_dim {
            c.embed_dim = v;
            // Keep BiGG's bits_compress = embed_dim relation unless asked otherwise.
            c.bits_compress = c.bits_compress.min(v);
        }
        if let Some(v) = self.bits_compress {
            c.bits_compress = v;
        }
        if let Some(v) = self.learning_rate {
            c.learning_rate = v;
        }
        if let Some(v) = &self.order {
            c.node_order = NodeOrder::from_name(v)?;
        }
        c.block_size = self.block_size.filter(|&b| b > 0);
        c.validate()?;
        Ok(c)
    }
}

/// Arguments of `gsl gen sample`.
#[derive(Args, Debug)]
pub struct SampleArgs {
    /// Checkpoint written by `gsl gen train`.
    #[arg(long)]
    pub checkpoint: PathBuf,
    /// Number of graphs.
    #[arg(long, default_value_t = 20)]
    pub num: usize,
    /// Output directory (one `graph_NNNNN.csv` per graph).
    #[arg(long)]
    pub out: PathBuf,
    /// Sampling seed.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Replace existing files.
    #[arg(long)]
    pub overwrite: bool,
}

/// Kernel family for degree, clustering and orbits.
#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum ProtocolArg {
    /// GRAN / BiGG: gaussian_tv everywhere.
    Gran,
    /// GraphRNN: gaussian_emd for histograms, RBF for orbits.
    Graphrnn,
}

/// Arguments of `gsl gen eval`.
#[derive(Args, Debug)]
pub struct EvalArgs {
    /// Directory of generated graphs.
    #[arg(long)]
    pub generated: PathBuf,
    /// Directory of reference graphs, or a benchmark name (its GRAN test split is used).
    #[arg(long)]
    pub reference: String,
    /// Statistics, comma-separated (default: degree,clustering,orbit,spectral).
    #[arg(long, value_delimiter = ',')]
    pub stats: Vec<String>,
    /// Add BiGG-E's weighted statistics (weighted spectrum, edge weights, weighted degree).
    #[arg(long)]
    pub weighted: bool,
    /// Kernel family.
    #[arg(long, value_enum, default_value_t = ProtocolArg::Gran)]
    pub protocol: ProtocolArg,
    /// Report MMD (square root) instead of the published MMD².
    #[arg(long)]
    pub mmd: bool,
    /// Validity rules, comma-separated: tree, bifurcating_tree, lobster_gran, lobster_bigge,
    /// cycle, cycle_dgmg.
    #[arg(long, value_delimiter = ',')]
    pub validity: Vec<String>,
    /// σ of the edge-weight kernel (default √bin width; BiGG-E uses 2 for its trees).
    #[arg(long)]
    pub edge_weight_sigma: Option<f64>,
    /// Also write the report as JSON here.
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Replace an existing JSON report.
    #[arg(long)]
    pub overwrite: bool,
}

/// Runs `gsl gen …`.
pub fn run(args: &GenArgs, device: &Device) -> Result<()> {
    match &args.command {
        GenCommand::Train(a) => train(a, device),
        GenCommand::Sample(a) => sample(a, device),
        GenCommand::Eval(a) => eval(a, device),
    }
}

fn train(args: &TrainArgs, device: &Device) -> Result<()> {
    let graphs = graphs_from_spec(&args.dataset, device)?;
    let (train, test) = if args.all {
        (graphs, Vec::new())
    } else {
        let split = gran_split(&graphs)?;
        (split.train, split.test)
    };
    if args.state_dir.is_some() && args.model == ModelArg::Er {
        return Err(GslError::invalid(
            "--state-dir",
            "only BiGG trains by epochs; the ER baseline is fitted in one pass",
        ));
    }
    let context = FitContext {
        device,
        seed: args.seed,
        quiet: args.quiet,
        state_dir: args.state_dir.as_deref(),
    };
    match args.model {
        ModelArg::Er => {
            let model = ErdosRenyiBaseline::fit(&ErConfig::default(), &train, &context)?;
            model.save(&args.out, args.overwrite)?;
            eprintln!(
                "fitted er on {} graphs: p = {:.6}, {} node counts, {}; wrote {}",
                train.len(),
                model.p,
                model.node_counts.counts().len(),
                if model.weights.is_some() {
                    "weighted"
                } else {
                    "unweighted"
                },
                args.out.display()
            );
        }
        ModelArg::Bigg => {
            let config = args.bigg.config()?;
            let model = Bigg::fit(&config, &train, &context)?;
            model.save(&args.out, args.overwrite)?;
            eprintln!(
                "fitted bigg on {} graphs ({} epochs × {} steps, d = {}): loss {:.4} -> {:.4}; \
                 wrote {}",
                train.len(),
                config.epochs,
                config.steps_per_epoch,
                config.embed_dim,
                model.losses.first().copied().unwrap_or(f64::NAN),
                model.losses.last().copied().unwrap_or(f64::NAN),
                args.out.display()
            );
        }
    }
    if let Some(dir) = &args.test_out {
        if test.is_empty() {
            return Err(GslError::invalid(
                "test_out",
                "--all leaves no test split to write",
            ));
        }
        write_graph_dir(dir, &test, args.overwrite)?;
        eprintln!("wrote {} test graphs to {}", test.len(), dir.display());
    }
    Ok(())
}

fn sample(args: &SampleArgs, device: &Device) -> Result<()> {
    let graphs = match checkpoint_model_name(&args.checkpoint)?.as_str() {
        "er" => ErdosRenyiBaseline::load(&args.checkpoint, device)?.sample(args.num, args.seed)?,
        "bigg" => Bigg::load(&args.checkpoint, device)?.sample(args.num, args.seed)?,
        other => {
            return Err(GslError::invalid(
                "checkpoint",
                format!("model `{other}` is not supported by this build"),
            ));
        }
    };
    write_graph_dir(&args.out, &graphs, args.overwrite)?;
    eprintln!("wrote {} graphs to {}", graphs.len(), args.out.display());
    Ok(())
}

fn validity_rule(name: &str) -> Result<Validity> {
    Ok(match name {
        "tree" => Validity::Tree,
        "bifurcating_tree" => Validity::BifurcatingTree,
        "lobster_gran" => Validity::LobsterGran,
        "lobster_bigge" => Validity::LobsterBigge,
        "cycle" => Validity::Cycle,
        "cycle_dgmg" => Validity::CycleDgmg,
        other => {
            return Err(GslError::invalid(
                "validity",
                format!(
                    "unknown rule `{other}`; known: tree, bifurcating_tree, lobster_gran, \
                     lobster_bigge, cycle, cycle_dgmg"
                ),
            ));
        }
    })
}

fn reference_graphs(spec: &str, device: &Device) -> Result<Vec<SimpleGraph>> {
    let path = std::path::Path::new(spec);
    if path.is_dir() {
        return read_graph_dir(path);
    }
    if !BENCHMARK_NAMES.contains(&spec) {
        return Err(GslError::invalid(
            "reference",
            format!(
                "`{spec}` is neither a directory nor a benchmark ({})",
                BENCHMARK_NAMES.join(", ")
            ),
        ));
    }
    Ok(gran_split(&graphs_from_spec(spec, device)?)?.test)
}

fn eval(args: &EvalArgs, device: &Device) -> Result<()> {
    let mut config = if args.weighted {
        EvalConfig::weighted()
    } else {
        EvalConfig::default()
    };
    if !args.stats.is_empty() {
        config.statistics = args
            .stats
            .iter()
            .map(|s| Statistic::from_name(s.trim()))
            .collect::<Result<_>>()?;
    }
    config.protocol = match args.protocol {
        ProtocolArg::Gran => Protocol::Gran,
        ProtocolArg::Graphrnn => Protocol::GraphRnn,
    };
    config.form = if args.mmd {
        MmdForm::Root
    } else {
        MmdForm::Squared
    };
    config.validity = args
        .validity
        .iter()
        .map(|v| validity_rule(v.trim()))
        .collect::<Result<_>>()?;
    config.edge_weight_sigma = args.edge_weight_sigma;
    let generated = read_graph_dir(&args.generated)?;
    let reference = reference_graphs(&args.reference, device)?;
    let report = evaluate(&reference, &generated, &config)?;
    print!("{report}");
    if let Some(path) = &args.json {
        gsl::core::train::save_json(&report, path, args.overwrite)?;
    }
    Ok(())
}
