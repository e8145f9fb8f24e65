//! Training and evaluation of unrolled networks on supervised datasets, for every method alike.
//!
//! One epoch (pyGSL's `graph_unrolling_base`, with its defects fixed):
//!
//! 1. for every training batch: the per-layer loss ([`crate::loss::unrolled_loss`]) plus
//!    the layers' auxiliary terms ([`crate::layer::UnrollingLayer::forward_train`]) plus
//!    `l2_reg · Σθ²`, backward, optional global-norm clipping, an Adam step, the layers'
//!    projections ([`crate::layer::UnrollingLayer::project`]), and the **resampling** of the
//!    shallowest layer whose output collapsed to all zeros;
//! 2. the **threshold** is chosen on the training set (the exact optimum of
//!    `threshold_metric` over every cut of `|ŷ|`, gsl-core's [`best_threshold`], instead of
//!    pyGSL's 200-point grid);
//! 3. validation metrics at that threshold: mean ± standard error over graphs;
//! 4. early stopping on the validation loss or a validation metric; with `checkpoint_dir`,
//!    the best model so far is written (atomically) with a threshold chosen on the
//!    **validation** set;
//! 5. with `state_dir`, the training state (weights, Adam's moments, the epoch logs, the
//!    early-stopping tracker, the best model) is saved, so that a later call continues an
//!    interrupted or shorter run exactly ([`train`]).
//!
//! After training the final threshold is chosen on the validation set, stored in the
//! checkpoint, and used for the test metrics.

use std::path::{Path, PathBuf};
use std::time::Instant;

use burn::module::Module;
use burn::optim::{GradientsParams, ModuleOptimizer};
use burn::tensor::{Device, Tensor};
use gsl_core::metrics::{
    MeanStdErr, ThresholdChoice, ThresholdMetric, best_threshold, confusion, ranking, regression,
};
use gsl_core::tensor::to_vec_f32;
use gsl_core::train::{
    EarlyStopping, EarlyStoppingConfig, LossRecord, LrSchedule, Monitor, Progress, Restored,
    StateDir, StopReason, adam_optimizer, clip_grad_norm, derive_seed, grad_norm, load_checkpoint,
    load_json, save_checkpoint, save_json,
};
use gsl_core::{GslError, Result};
use gsl_data::supervised::{Batch, Split, SupervisedDataset};
use serde::{Deserialize, Serialize};

use crate::layer::UnrollingLayer;
use crate::loss::{LayerWeighting, LossKind, unrolled_loss};
use crate::unrolled::{UnrollConfig, Unrolled};

/// Hyperparameters of [`train`]. Defaults follow pyGSL's unrolling base class: Adam with
/// lr 0.01, squared-error loss with intermediate discount 0.8, accuracy as threshold metric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    /// Number of epochs (≥ 1).
    pub epochs: usize,
    /// Graphs per optimiser step (≥ 1).
    pub batch_size: usize,
    /// Adam learning rate (> 0).
    pub learning_rate: f64,
    /// Adam β₁.
    pub beta_1: f32,
    /// Adam β₂.
    pub beta_2: f32,
    /// Adam's `ε` in `m̂ / (√v̂ + ε)` (> 0): PyTorch's `1e-8`, which the original code of
    /// GLAD, GDN, pyGSL and L2G all use. Burn's default is `1e-5`; with it, a parameter whose
    /// gradient is smaller than about `1e-5` moves by a fraction of the learning rate instead
    /// of about the learning rate, which slows late training (runs written before this field
    /// existed used `1e-5`, and read back as such).
    #[serde(default = "legacy_epsilon")]
    pub epsilon: f32,
    /// Learning-rate schedule over epochs (L2G: exponential, γ = 0.95).
    pub schedule: LrSchedule,
    /// Per-sample loss.
    pub loss: LossKind,
    /// Weights of the layers' losses.
    pub weighting: LayerWeighting,
    /// Weight of `Σθ²` over the unrolled parameters (≥ 0).
    pub l2_reg: f64,
    /// Metric the thresholds optimise.
    pub threshold_metric: ThresholdMetric,
    /// Resample a layer whose output collapses to all zeros.
    pub resample_collapsed: bool,
    /// Clip the global gradient norm to this value.
    pub max_grad_norm: Option<f64>,
    /// Early stopping; `Monitor::Loss` watches the validation loss, `Monitor::Metric(name)` a
    /// validation metric (`f1`, `mcc`, `accuracy`, `error`, `nse`, `se`, `gmse`, `auc`).
    pub early_stopping: Option<EarlyStoppingConfig>,
    /// Write the best model so far into this directory (see [`save_model`]).
    pub checkpoint_dir: Option<PathBuf>,
    /// Allow replacing an existing checkpoint in `checkpoint_dir`.
    pub overwrite: bool,
    /// Keep a resumable training state in this directory, rewritten after every epoch. When
    /// it already holds one (an interrupted run, or a shorter one, of the same model and
    /// settings), training continues after its last epoch with the saved weights, Adam
    /// moments, logs and early-stopping state: exactly as if it had not stopped, except that
    /// layers drawing from the device generator (the full L2G's VAE noise) continue with a
    /// stream seeded from the resume epoch (reproducible, but not the uninterrupted run's).
    #[serde(default)]
    pub state_dir: Option<PathBuf>,
    /// Seed of batch shuffling.
    pub seed: u64,
    /// Hide the progress bar.
    pub quiet: bool,
}

/// The `ε` of runs and checkpoints written before [`TrainConfig::epsilon`] existed (Burn's
/// default, which training then used).
fn legacy_epsilon() -> f32 {
    1e-5
}

impl TrainConfig {
    /// `epochs` with pyGSL's defaults.
    pub fn new(epochs: usize) -> Self {
        Self {
            epochs,
            batch_size: 32,
            learning_rate: 0.01,
            beta_1: 0.9,
            beta_2: 0.999,
            epsilon: 1e-8,
            schedule: LrSchedule::Constant,
            loss: LossKind::Se,
            weighting: LayerWeighting::Discounted { discount: 0.8 },
            l2_reg: 0.0,
            threshold_metric: ThresholdMetric::Accuracy,
            resample_collapsed: true,
            max_grad_norm: None,
            early_stopping: None,
            checkpoint_dir: None,
            overwrite: false,
            state_dir: None,
            seed: 0,
            quiet: true,
        }
    }

    /// Checks every hyperparameter (the optimiser's through gsl-core's `TrainConfig`).
    pub fn validate(&self) -> Result<()> {
        if self.batch_size == 0 {
            return Err(GslError::invalid("batch_size", "must be at least 1"));
        }
        if !(self.l2_reg.is_finite() && self.l2_reg >= 0.0) {
            return Err(GslError::invalid(
                "l2_reg",
                format!("must be finite and >= 0, got {}", self.l2_reg),
            ));
        }
        gsl_core::train::TrainConfig::new(self.epochs)
            .with_learning_rate(self.learning_rate)
            .with_beta_1(self.beta_1)
            .with_beta_2(self.beta_2)
            .with_epsilon(self.epsilon)
            .with_schedule(self.schedule)
            .with_max_grad_norm(self.max_grad_norm)
            .with_early_stopping(self.early_stopping.clone())
            .validate()?;
        self.weighting.weights(1).map(|_| ())
    }
}

/// Metrics of a model on one split: mean ± standard error over its graphs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SplitMetrics {
    /// Number of graphs.
    pub graphs: usize,
    /// The training loss (weighted over layers) on this split, mean over graphs; without the
    /// layers' auxiliary terms, which need the true graph inside the model.
    pub loss: f64,
    /// The threshold of the classification metrics (`|ŷ| > threshold` is an edge).
    pub threshold: f32,
    /// Squared error (on the vectors the loss compares: with the diagonal for GLAD).
    pub se: MeanStdErr,
    /// Normalised squared error.
    pub nse: MeanStdErr,
    /// NSE in dB (GLAD's NMSE); `None` if a graph was recovered exactly.
    pub nse_db: Option<MeanStdErr>,
    /// NSE of the non-negative part (L2G's GMSE is its mean).
    pub gmse: MeanStdErr,
    /// Error rate `1 − accuracy` on the strict upper triangle.
    pub error: MeanStdErr,
    /// F1 score.
    pub f1: MeanStdErr,
    /// Matthews correlation coefficient.
    pub mcc: MeanStdErr,
    /// Precision.
    pub precision: MeanStdErr,
    /// Recall.
    pub recall: MeanStdErr,
    /// ROC AUC; `None` when a graph has no edge or no non-edge.
    pub auc: Option<MeanStdErr>,
    /// Average precision (AUPR); `None` as for `auc`.
    pub average_precision: Option<MeanStdErr>,
    /// Mean NSE of every layer's output, first layer first.
    pub layer_nse: Vec<f64>,
    /// Mean NSE in dB of every layer's output (GLAD's per-layer NMSE curve).
    pub layer_nse_db: Vec<f64>,
}

impl SplitMetrics {
    /// The value of a metric by name (for early stopping): `loss`, `f1`, `mcc`, `accuracy`,
    /// `error`, `nse`, `se`, `gmse`, `auc`.
    pub fn value(&self, name: &str) -> Result<f64> {
        Ok(match name {
            "loss" => self.loss,
            "f1" => self.f1.mean,
            "mcc" => self.mcc.mean,
            "accuracy" => 1.0 - self.error.mean,
            "error" => self.error.mean,
            "nse" => self.nse.mean,
            "se" => self.se.mean,
            "gmse" => self.gmse.mean,
            "auc" => self
                .auc
                .map(|a| a.mean)
                .ok_or_else(|| GslError::invalid("metric", "AUC is undefined on this split"))?,
            other => {
                return Err(GslError::invalid(
                    "metric",
                    format!("unknown metric `{other}`"),
                ));
            }
        })
    }
}

/// What happened in one epoch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochLog {
    /// Epoch index, from 0.
    pub epoch: usize,
    /// Learning rate of the epoch.
    pub lr: f64,
    /// Training loss, mean over batches, with the per-layer parts.
    pub train_loss: LossRecord,
    /// Mean global gradient norm (before clipping).
    pub grad_norm: f64,
    /// Layers resampled during the epoch (indices, possibly repeated).
    pub resampled: Vec<usize>,
    /// Threshold chosen on the training set.
    pub train_threshold: ThresholdChoice,
    /// Validation metrics at that threshold.
    pub val: SplitMetrics,
    /// Wall time of the epoch in seconds.
    pub seconds: f64,
}

/// The outcome of [`train`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainReport {
    /// One log per epoch that ran.
    pub epochs: Vec<EpochLog>,
    /// Why training ended.
    pub stop_reason: StopReason,
    /// The epoch with the best monitored value.
    pub best_epoch: Option<usize>,
    /// The final threshold, chosen on the validation set.
    pub threshold: ThresholdChoice,
    /// Test metrics at the final threshold (when the test split is not empty).
    pub test: Option<SplitMetrics>,
}

/// Checks a batch's observation and target shapes: both `[B, N, N]` with the same `B`, `N`.
fn check_batch(batch: &Batch) -> Result<()> {
    let [b, n, n2] = batch.observation.dims();
    let [tb, tn, tn2] = batch.target.dims();
    if n != n2 {
        return Err(GslError::shape(
            "observation",
            "[B, N, N] (square summaries; unrolled methods take S(X), not raw signals)",
            format!("[{b}, {n}, {n2}]"),
        ));
    }
    if (tb, tn, tn2) != (b, n, n) {
        return Err(GslError::shape(
            "target (observation and label must describe the same nodes)",
            format!("[{b}, {n}, {n}]"),
            format!("[{tb}, {tn}, {tn2}]"),
        ));
    }
    Ok(())
}

/// The vectors compared by the loss: the strict upper triangle, or the whole matrix.
fn loss_vectors<L: UnrollingLayer>(a: Tensor<3>) -> Result<Tensor<2>> {
    if L::LOSS_ON_DIAGONAL {
        let [b, n, _] = a.dims();
        Ok(a.reshape([b, n * n]))
    } else {
        gsl_core::dense::halfvec(a)
    }
}

fn check_dataset(data: &SupervisedDataset, split: Split) -> Result<()> {
    if data.is_empty() {
        return Err(GslError::invalid("dataset", "the dataset holds no graph"));
    }
    if data.indices(split).is_empty() {
        return Err(GslError::invalid(
            "dataset",
            format!("the {split:?} split is empty"),
        ));
    }
    Ok(())
}

/// Predictions of a model over a split: every layer's loss vectors, the final layer's
/// half-vectors, and the targets, concatenated over batches (`layers` empty and `target`
/// `None` when only the last layer was kept).
struct SplitPredictions {
    layers: Vec<Tensor<2>>,
    last_half: Tensor<2>,
    target: Option<Tensor<2>>,
    target_half: Tensor<2>,
}

/// `keep_layers: false` keeps only the last layer's half-vectors and the target half-vectors
/// (`layers` comes back empty, `target` `None`): the threshold needs no more, and on a large
/// training split the every-layer copy is hundreds of megabytes.
fn predict_split<L: UnrollingLayer>(
    model: &Unrolled<L>,
    data: &SupervisedDataset,
    split: Split,
    batch_size: usize,
    keep_layers: bool,
    device: &Device,
) -> Result<SplitPredictions> {
    check_dataset(data, split)?;
    let mut layers: Vec<Vec<Tensor<2>>> = vec![Vec::new(); model.depth()];
    let (mut last_half, mut target, mut target_half) = (Vec::new(), Vec::new(), Vec::new());
    for batch in data.batches(split, batch_size, None, device)? {
        check_batch(&batch)?;
        let outputs = model.forward_layers(batch.observation.clone())?;
        if keep_layers {
            for (l, out) in outputs.iter().enumerate() {
                layers[l].push(loss_vectors::<L>(out.clone())?.detach());
            }
            target.push(loss_vectors::<L>(batch.target.clone())?);
        }
        let last = outputs.last().cloned().expect("depth >= 1");
        last_half.push(gsl_core::dense::halfvec(last)?.detach());
        target_half.push(batch.target_halfvec()?);
    }
    Ok(SplitPredictions {
        layers: if keep_layers {
            layers.into_iter().map(|l| Tensor::cat(l, 0)).collect()
        } else {
            Vec::new()
        },
        last_half: Tensor::cat(last_half, 0),
        target: keep_layers.then(|| Tensor::cat(target, 0)),
        target_half: Tensor::cat(target_half, 0),
    })
}

/// The threshold optimising `metric` on a split (pyGSL's `best_threshold_by_metric`, exact).
///
/// Errors: an empty dataset or split, mismatched observation and target shapes, a forward
/// error.
pub fn choose_threshold<L: UnrollingLayer>(
    model: &Unrolled<L>,
    data: &SupervisedDataset,
    split: Split,
    metric: ThresholdMetric,
    device: &Device,
) -> Result<ThresholdChoice> {
    let p = predict_split(model, data, split, 64, false, device)?;
    best_threshold(p.last_half, p.target_half, metric)
}

/// Metrics of `model` on `split` at `threshold`, with the loss of `config`.
///
/// Errors: as [`choose_threshold`], plus a NaN threshold and a graph without edge weight (NSE).
pub fn evaluate_split<L: UnrollingLayer>(
    model: &Unrolled<L>,
    data: &SupervisedDataset,
    split: Split,
    threshold: f32,
    config: &TrainConfig,
    device: &Device,
) -> Result<SplitMetrics> {
    let p = predict_split(model, data, split, config.batch_size.max(16), true, device)?;
    let target = p.target.expect("kept with the layers");
    let graphs = target.dims()[0];
    let loss = unrolled_loss(config.loss, config.weighting, &p.layers, target.clone())?;
    let loss = f64::from(to_vec_f32(loss.total)[0]);
    let over = |v: Vec<f64>| MeanStdErr::from_values(&v);
    let reg = regression(p.layers[p.layers.len() - 1].clone(), target.clone())?;
    let conf = confusion(p.last_half.clone(), p.target_half.clone(), threshold)?;
    let rank = ranking(p.last_half, p.target_half).ok();
    let mut layer_nse = Vec::with_capacity(p.layers.len());
    let mut layer_nse_db = Vec::with_capacity(p.layers.len());
    for layer in &p.layers {
        let r = regression(layer.clone(), target.clone())?;
        layer_nse.push(r.iter().map(|g| g.nse).sum::<f64>() / graphs as f64);
        layer_nse_db.push(r.iter().map(|g| g.nse_db).sum::<f64>() / graphs as f64);
    }
    let nse_db: Vec<f64> = reg.iter().map(|g| g.nse_db).collect();
    Ok(SplitMetrics {
        graphs,
        loss,
        threshold,
        se: over(reg.iter().map(|g| g.se).collect())?,
        nse: over(reg.iter().map(|g| g.nse).collect())?,
        nse_db: if nse_db.iter().all(|v| v.is_finite()) {
            Some(over(nse_db)?)
        } else {
            None
        },
        gmse: over(reg.iter().map(|g| g.nse_nonneg).collect())?,
        error: over(conf.iter().map(|c| c.error()).collect())?,
        f1: over(conf.iter().map(|c| c.f1()).collect())?,
        mcc: over(conf.iter().map(|c| c.mcc()).collect())?,
        precision: over(conf.iter().map(|c| c.precision()).collect())?,
        recall: over(conf.iter().map(|c| c.recall()).collect())?,
        auc: match &rank {
            Some(r) => Some(over(r.iter().map(|g| g.auc).collect())?),
            None => None,
        },
        average_precision: match &rank {
            Some(r) => Some(over(r.iter().map(|g| g.average_precision).collect())?),
            None => None,
        },
        layer_nse,
        layer_nse_db,
    })
}

/// What a checkpoint directory stores next to the weights (`meta.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckpointMeta<S> {
    /// The method's name ([`UnrollingLayer::NAME`]).
    pub method: String,
    /// The method's settings.
    pub spec: S,
    /// The network's structure.
    pub config: UnrollConfig,
    /// The test threshold (chosen on the validation set).
    pub threshold: f32,
}

const WEIGHTS_FILE: &str = "model.bpk";
const META_FILE: &str = "meta.json";

/// Writes `model` (weights, `model.bpk`) and its settings and `threshold` (`meta.json`) into
/// directory `dir` (created if missing), each file atomically; refuses to replace an existing
/// checkpoint unless `overwrite`.
pub fn save_model<L: UnrollingLayer>(
    model: &Unrolled<L>,
    threshold: f32,
    dir: &Path,
    overwrite: bool,
) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| GslError::io(dir, e))?;
    let meta = CheckpointMeta {
        method: L::NAME.to_string(),
        spec: model.spec.clone(),
        config: model.config,
        threshold,
    };
    if !overwrite && dir.join(META_FILE).exists() {
        return Err(GslError::io(
            dir.join(META_FILE),
            std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                "a checkpoint exists; pass overwrite = true to replace it",
            ),
        ));
    }
    save_checkpoint(model, dir.join(WEIGHTS_FILE), overwrite)?;
    save_json(&meta, dir.join(META_FILE), overwrite)
}

/// The method name stored in a checkpoint directory.
pub fn checkpoint_method(dir: &Path) -> Result<String> {
    let meta: CheckpointMeta<serde_json::Value> = load_json(dir.join(META_FILE))?;
    Ok(meta.method)
}

/// Loads a model written by [`save_model`] onto `device`, with its threshold.
///
/// Errors: unreadable files, a checkpoint of another method, weights that do not match.
pub fn load_model<L: UnrollingLayer>(dir: &Path, device: &Device) -> Result<(Unrolled<L>, f32)> {
    let meta: CheckpointMeta<L::Spec> = load_json(dir.join(META_FILE))?;
    if meta.method != L::NAME {
        return Err(GslError::invalid(
            "checkpoint",
            format!("holds a `{}` model, not `{}`", meta.method, L::NAME),
        ));
    }
    let fresh = Unrolled::<L>::new(meta.spec, meta.config, device)?;
    let model = load_checkpoint(fresh, dir.join(WEIGHTS_FILE), device)?;
    Ok((model, meta.threshold))
}

/// What a continuation needs besides the weight files of its [`StateDir`] (whose JSON
/// description this is).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct TrainState {
    /// The method, its settings and the network structure, which a continuation must share.
    method: String,
    spec: serde_json::Value,
    config: UnrollConfig,
    /// The hyperparameters a continuation must share (those of [`run_key`]).
    run: TrainConfig,
    /// Epochs completed; the files are tagged with this number.
    epochs_done: usize,
    logs: Vec<EpochLog>,
    stopper: EarlyStopping,
    /// Resampling draws so far (each draw has its own seed).
    draws: u64,
    has_best: bool,
    early_stopped: bool,
}

/// `config` without what may change between a run and its continuation (the number of epochs,
/// where files go, the progress bar).
fn run_key(config: &TrainConfig) -> TrainConfig {
    TrainConfig {
        epochs: 0,
        checkpoint_dir: None,
        overwrite: false,
        state_dir: None,
        quiet: true,
        ..config.clone()
    }
}

/// The state in `dir` (which holds one), checked against this run; with the model, best model
/// and optimiser restored from it.
fn load_state<L: UnrollingLayer>(
    dir: &StateDir,
    model: &Unrolled<L>,
    spec: &serde_json::Value,
    config: &TrainConfig,
    optimizer: ModuleOptimizer,
    device: &Device,
) -> Result<(TrainState, Restored<Unrolled<L>>)> {
    let state: TrainState = dir.load_json()?;
    if state.method != L::NAME {
        return Err(dir.mismatch(&format!("a `{}` model, not `{}`", state.method, L::NAME)));
    }
    if state.spec != *spec || state.config != model.config {
        return Err(dir.mismatch("another network structure or method settings"));
    }
    if state.run != run_key(config) {
        return Err(dir.mismatch("other training settings (only `epochs` may change)"));
    }
    let restored = dir.restore(
        state.epochs_done,
        state.has_best,
        model.clone(),
        optimizer,
        device,
    )?;
    Ok((state, restored))
}

/// Trains `model` (built on `device`, which must be an autodiff device) on the training split
/// of `data`, with the protocol of the module docs. `on_epoch` sees every epoch's log.
///
/// Errors: an invalid config; an empty dataset, training or validation split; observation and
/// target of different node counts; a non-finite loss or gradient (naming the epoch); file
/// errors of the checkpoint.
pub fn train<L: UnrollingLayer>(
    model: Unrolled<L>,
    data: &SupervisedDataset,
    config: &TrainConfig,
    device: &Device,
    mut on_epoch: impl FnMut(&EpochLog),
) -> Result<(Unrolled<L>, TrainReport)> {
    config.validate()?;
    check_dataset(data, Split::Train)?;
    check_dataset(data, Split::Val)?;
    if !device.is_autodiff() {
        return Err(GslError::invalid(
            "device",
            "training needs an autodiff device (`device.autodiff()`)",
        ));
    }
    let state_dir = config.state_dir.as_ref().map(StateDir::new);
    let resuming = state_dir.as_ref().is_some_and(StateDir::has_state);
    // A continuation rewrites its own run's best-model checkpoint.
    if let Some(dir) = &config.checkpoint_dir
        && !config.overwrite
        && !resuming
        && dir.join(META_FILE).exists()
    {
        return Err(GslError::io(
            dir.join(META_FILE),
            std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                "a checkpoint exists; set overwrite to replace it",
            ),
        ));
    }
    let (monitor, mut stopper, restore_best) =
        EarlyStopping::setup(config.early_stopping.as_ref())?;
    // Burn's Adam, fused on Flex: the same updates, fewer buffers.
    let mut optimizer = adam_optimizer(config.beta_1, config.beta_2, config.epsilon, None);
    let eval_device = device.clone().inner();
    let progress = Progress::new(config.epochs as u64, L::NAME, config.quiet);
    let mut model = model;
    let mut best: Option<Unrolled<L>> = None;
    let mut logs = Vec::with_capacity(config.epochs);
    let mut stop_reason = StopReason::Completed;
    let mut draws = 0u64;
    let mut first_epoch = 0;
    // The method settings as stored in a state (computed once; they do not change).
    let spec = match &config.state_dir {
        Some(dir) => serde_json::to_value(&model.spec)
            .map_err(|e| GslError::io(dir, std::io::Error::other(e)))?,
        None => serde_json::Value::Null,
    };
    if let Some(dir) = state_dir.as_ref().filter(|_| resuming) {
        let (state, restored) = load_state(dir, &model, &spec, config, optimizer, device)?;
        (model, best, optimizer) = (restored.model, restored.best, restored.optimizer);
        logs = state.logs;
        stopper = state.stopper;
        draws = state.draws;
        first_epoch = state.epochs_done;
        StateDir::reseed_device(device, config.seed, first_epoch);
        if state.early_stopped {
            stop_reason = StopReason::EarlyStopped;
            first_epoch = config.epochs.max(first_epoch);
        }
    }

    for epoch in first_epoch..config.epochs {
        let start = Instant::now();
        let lr = config.schedule.lr_at(config.learning_rate, epoch)?;
        let mut records = Vec::new();
        let mut norms = 0.0;
        let mut resampled = Vec::new();
        let shuffle = derive_seed(config.seed, epoch as u64);
        for batch in data.batches(Split::Train, config.batch_size, Some(shuffle), device)? {
            check_batch(&batch)?;
            let forward = model.forward_train(batch.observation.clone(), batch.target.clone())?;
            let outputs = forward.outputs;
            let preds = outputs
                .iter()
                .map(|o| loss_vectors::<L>(o.clone()))
                .collect::<Result<Vec<_>>>()?;
            let target = loss_vectors::<L>(batch.target.clone())?;
            let mut loss = unrolled_loss(config.loss, config.weighting, &preds, target)?;
            // Layers' own terms (L2G's VAE reconstruction and KL), added as they come.
            for (name, term) in forward.auxiliary {
                loss.parts.push((name, term.clone().detach()));
                loss.total = loss.total.add(term);
            }
            if config.l2_reg > 0.0 {
                let penalty = model.squared_norm(device).mul_scalar(config.l2_reg);
                loss.parts.push(("l2".into(), penalty.clone().detach()));
                loss.total = loss.total.add(penalty);
            }
            let record = loss.record()?;
            record
                .check_finite()
                .map_err(|e| GslError::Training(format!("epoch {epoch}: {e}")))?;
            let mut grads = GradientsParams::from_grads(loss.total.backward(), &model);
            let norm = match config.max_grad_norm {
                Some(max) => clip_grad_norm(&model, &mut grads, max),
                None => grad_norm(&model, &grads),
            }
            .map_err(|e| GslError::Training(format!("epoch {epoch}: {e}")))?;
            norms += norm;
            model = optimizer.step(lr, model, grads).project();
            records.push(record);
            if config.resample_collapsed {
                let peaks = Tensor::cat(
                    outputs
                        .iter()
                        .map(|o| o.clone().detach().abs().max())
                        .collect(),
                    0,
                );
                if let Some(layer) = to_vec_f32(peaks).iter().position(|&p| p == 0.0) {
                    model = model.resample_layer(layer, draws);
                    draws += 1;
                    resampled.push(layer);
                }
            }
        }
        let train_loss = LossRecord::mean(&records)?;
        let eval_model = model.valid();
        let train_threshold = choose_threshold(
            &eval_model,
            data,
            Split::Train,
            config.threshold_metric,
            &eval_device,
        )?;
        let val = evaluate_split(
            &eval_model,
            data,
            Split::Val,
            train_threshold.threshold,
            config,
            &eval_device,
        )?;
        let monitored = match &monitor {
            Monitor::Loss => val.loss,
            Monitor::Metric(name) => val.value(name)?,
        };
        let log = EpochLog {
            epoch,
            lr,
            grad_norm: norms / records.len() as f64,
            train_loss,
            resampled,
            train_threshold,
            val,
            seconds: start.elapsed().as_secs_f64(),
        };
        progress.update(
            epoch as u64 + 1,
            format!(
                "loss {:.4e}  val nse {:.4}  val f1 {:.3}",
                log.train_loss.total, log.val.nse.mean, log.val.f1.mean
            ),
        );
        on_epoch(&log);
        logs.push(log);
        let decision = stopper.update(epoch, monitored)?;
        if decision == gsl_core::train::Decision::Improved {
            if restore_best {
                best = Some(model.clone());
            }
            if let Some(dir) = &config.checkpoint_dir {
                let t = choose_threshold(
                    &eval_model,
                    data,
                    Split::Val,
                    config.threshold_metric,
                    &eval_device,
                )?;
                save_model(&eval_model, t.threshold, dir, true)?;
            }
        }
        let stop = decision == gsl_core::train::Decision::Stop;
        if let Some(dir) = &state_dir {
            let state = TrainState {
                method: L::NAME.to_string(),
                spec: spec.clone(),
                config: model.config,
                run: run_key(config),
                epochs_done: epoch + 1,
                logs: logs.clone(),
                stopper: stopper.clone(),
                draws,
                has_best: best.is_some(),
                early_stopped: stop,
            };
            dir.save(epoch + 1, &state, &model, best.as_ref(), &optimizer)?;
        }
        if stop {
            stop_reason = StopReason::EarlyStopped;
            break;
        }
    }
    progress.finish();
    let model = best.unwrap_or(model);
    let eval_model = model.valid();
    let threshold = choose_threshold(
        &eval_model,
        data,
        Split::Val,
        config.threshold_metric,
        &eval_device,
    )?;
    let test = if data.indices(Split::Test).is_empty() {
        None
    } else {
        Some(evaluate_split(
            &eval_model,
            data,
            Split::Test,
            threshold.threshold,
            config,
            &eval_device,
        )?)
    };
    Ok((
        model,
        TrainReport {
            epochs: logs,
            stop_reason,
            best_epoch: stopper.best().map(|(e, _)| e),
            threshold,
            test,
        },
    ))
}
