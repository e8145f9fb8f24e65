//! A hand-written training loop: loss closure → backward → global-norm clipping → Adam/AdamW
//! step with a scheduled learning rate, with history, NaN checks, early stopping, a progress
//! bar and a caller callback.

use std::collections::BTreeMap;
use std::ops::ControlFlow;
use std::path::PathBuf;

use burn::config::Config;
use burn::module::{Module, ModuleVisitor, Param};
use burn::optim::{AdamWConfig, GradientsParams, ModuleOptimizer};
use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};

use super::adam::adam_optimizer;

use super::clip::{clip_grad_norm, grad_norm};
use super::early_stopping::{Decision, EarlyStopping, EarlyStoppingConfig, Monitor};
use super::loss::{EpochRecord, History, LossOutput, LossRecord, StopReason};
use super::progress::Progress;
use super::rng::{derive_seed, seed_device};
use super::schedule::LrSchedule;
use super::state::StateDir;
use crate::error::{GslError, Result};

/// Sub-stream of the run seed used to seed the device at the start of [`Trainer::fit`].
const DEVICE_STREAM: u64 = 0;
/// Base sub-stream of the per-epoch seeds handed to the step ([`StepContext::seed`]).
const EPOCH_STREAM: u64 = 1 << 32;
/// Version of the trainer's state file.
const STATE_VERSION: u32 = 1;

/// The optimiser of a training run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum OptimizerKind {
    /// Adam (Kingma & Ba, 2015); `weight_decay` is an L2 penalty added to the gradient, as in
    /// PyTorch's `Adam`. Burn's Adam arithmetic; on plain Flex each parameter is updated in one
    /// fused host pass (bit-identical updates, fewer buffers written).
    #[default]
    Adam,
    /// AdamW (Loshchilov & Hutter, 2019); `weight_decay` is decoupled:
    /// `θ ← θ − lr·wd·θ − lr·adam_step`.
    AdamW,
}

/// Hyperparameters of a training run. Defaults follow PyTorch's Adam (lr 1e-3, betas
/// (0.9, 0.999), eps 1e-8, no weight decay).
#[derive(Config, Debug, PartialEq)]
pub struct TrainConfig {
    /// Number of epochs (≥ 1).
    pub epochs: usize,
    /// Optimiser steps per epoch: the step closure is called with `batch = 0..batches_per_epoch`.
    #[config(default = 1)]
    pub batches_per_epoch: usize,
    /// Adam or AdamW.
    #[config(default = "OptimizerKind::Adam")]
    pub optimizer: OptimizerKind,
    /// Base learning rate η₀ (> 0); the schedule scales it per epoch.
    #[config(default = 1e-3)]
    pub learning_rate: f64,
    /// Weight decay (≥ 0): L2 penalty for Adam, decoupled decay for AdamW.
    #[config(default = 0.0)]
    pub weight_decay: f64,
    /// Adam β₁ in [0, 1).
    #[config(default = 0.9)]
    pub beta_1: f32,
    /// Adam β₂ in [0, 1).
    #[config(default = 0.999)]
    pub beta_2: f32,
    /// Adam ε (> 0).
    #[config(default = 1e-8)]
    pub epsilon: f32,
    /// Clip the global gradient norm to this value (PyTorch `clip_grad_norm_`); none if unset.
    pub max_grad_norm: Option<f64>,
    /// Learning-rate schedule over epochs.
    #[config(default = "LrSchedule::Constant")]
    pub schedule: LrSchedule,
    /// Early stopping; without it every epoch runs and the best epoch is tracked on the loss.
    pub early_stopping: Option<EarlyStoppingConfig>,
    /// Seed of the run: seeds the device at the start of `fit` and the per-epoch step seeds.
    #[config(default = 0)]
    pub seed: u64,
    /// Hide the progress bar.
    #[config(default = false)]
    pub quiet: bool,
    /// Keep the run's resumable state in this directory ([`StateDir`]): after every epoch the
    /// weights, the optimiser's moments, the history, the early-stopping tracker and the best
    /// weights are saved, and a run started on a directory that holds a state continues after
    /// its last saved epoch. Only `epochs` (and `quiet`) may differ between a run and its
    /// continuation; anything else is refused. Saving costs a write of the model and twice its
    /// size in optimiser state per epoch. None (default): nothing is saved.
    pub state_dir: Option<PathBuf>,
}

impl TrainConfig {
    /// Checks every hyperparameter; [`Trainer::new`] calls it.
    pub fn validate(&self) -> Result<()> {
        if self.epochs == 0 {
            return Err(GslError::invalid("epochs", "must be at least 1"));
        }
        if self.batches_per_epoch == 0 {
            return Err(GslError::invalid("batches_per_epoch", "must be at least 1"));
        }
        self.schedule.validate(self.learning_rate)?;
        if !(self.weight_decay.is_finite() && self.weight_decay >= 0.0) {
            return Err(GslError::invalid(
                "weight_decay",
                format!("must be finite and ≥ 0, got {}", self.weight_decay),
            ));
        }
        for (name, beta) in [("beta_1", self.beta_1), ("beta_2", self.beta_2)] {
            if !(0.0..1.0).contains(&beta) {
                return Err(GslError::invalid(
                    name,
                    format!("must lie in [0, 1), got {beta}"),
                ));
            }
        }
        if !(self.epsilon.is_finite() && self.epsilon > 0.0) {
            return Err(GslError::invalid(
                "epsilon",
                format!("must be finite and > 0, got {}", self.epsilon),
            ));
        }
        if let Some(max) = self.max_grad_norm
            && !(max.is_finite() && max > 0.0)
        {
            return Err(GslError::invalid(
                "max_grad_norm",
                format!("must be finite and > 0, got {max}"),
            ));
        }
        if let Some(early) = &self.early_stopping {
            early.validate()?;
        }
        Ok(())
    }

    /// The seed [`StepContext::seed`] carries in `epoch` (derived from `seed`): steps that
    /// keep host state across epochs use it to replay earlier epochs after a resume.
    pub fn epoch_seed(&self, epoch: usize) -> u64 {
        derive_seed(self.seed, EPOCH_STREAM + epoch as u64)
    }

    /// The Burn optimiser these hyperparameters describe.
    fn build_optimizer(&self) -> ModuleOptimizer {
        match self.optimizer {
            // Burn's Adam arithmetic, fused into one host pass per parameter on Flex.
            OptimizerKind::Adam => adam_optimizer(
                self.beta_1,
                self.beta_2,
                self.epsilon,
                (self.weight_decay > 0.0).then_some(self.weight_decay as f32),
            ),
            OptimizerKind::AdamW => AdamWConfig::new()
                .with_beta_1(self.beta_1)
                .with_beta_2(self.beta_2)
                .with_epsilon(self.epsilon)
                .with_weight_decay(self.weight_decay as f32)
                .init(),
        }
    }
}

/// Where the loop is when it calls the step closure.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepContext {
    /// Epoch index, from 0.
    pub epoch: usize,
    /// Batch index within the epoch, `0..batches_per_epoch`.
    pub batch: usize,
    /// Learning rate of this epoch.
    pub lr: f64,
    /// A seed for this epoch's host randomness (minibatch shuffling, negative sampling, …),
    /// derived from the run seed: the same for every batch of the epoch, different across epochs.
    pub seed: u64,
}

/// What the step closure returns: the loss to minimise and optional host-side metrics.
#[derive(Debug, Clone)]
pub struct StepOutput {
    /// The loss (differentiated) and its named parts (reported).
    pub loss: LossOutput,
    /// Scalar metrics to record (and possibly monitor), e.g. a validation score.
    pub metrics: BTreeMap<String, f64>,
}

impl StepOutput {
    /// A step output without metrics.
    pub fn new(loss: LossOutput) -> Self {
        Self {
            loss,
            metrics: BTreeMap::new(),
        }
    }

    /// Adds a metric.
    pub fn with_metric(mut self, name: impl Into<String>, value: f64) -> Self {
        self.metrics.insert(name.into(), value);
        self
    }
}

impl From<LossOutput> for StepOutput {
    fn from(loss: LossOutput) -> Self {
        Self::new(loss)
    }
}

impl From<Tensor<1>> for StepOutput {
    fn from(total: Tensor<1>) -> Self {
        Self::new(LossOutput::new(total))
    }
}

/// Counts the parameters that will receive gradients.
struct TrainableCounter {
    trainable: usize,
    devices: Vec<Device>,
}

impl ModuleVisitor for TrainableCounter {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        if param.is_require_grad() {
            self.trainable += 1;
            let device = param.lazy_device();
            if !self.devices.contains(&device) {
                self.devices.push(device);
            }
        }
    }
}

/// Runs training loops described by a [`TrainConfig`].
///
/// The step closure `FnMut(&M, &StepContext) -> Result<StepOutput>` computes the loss of the
/// current module; the loop does everything else. It fits
/// - a full-batch loss (a GNN on one graph): ignore `ctx.batch`, keep `batches_per_epoch = 1`;
/// - minibatches: set `batches_per_epoch`, pick batch `ctx.batch` of an order shuffled with
///   `ctx.seed` (one optimiser step per batch; the epoch record is the mean over batches);
/// - an unrolled solver: the closure runs the unrolled layers on (a batch of) training pairs
///   and returns the supervised loss, with per-layer terms as named parts.
///
/// ```
/// use burn::module::{Module, Param};
/// use burn::tensor::Tensor;
/// use gsl_core::train::{LossOutput, StepOutput, TrainConfig, Trainer};
///
/// #[derive(Module, Debug)]
/// struct Scalar {
///     x: Param<Tensor<1>>,
/// }
///
/// # fn main() -> gsl_core::Result<()> {
/// let device = gsl_core::device::device_from_name("flex")?.autodiff();
/// let model = Scalar { x: Param::from_tensor(Tensor::from_floats([0.0], &device)) };
/// // Minimise (x − 3)².
/// let config = TrainConfig::new(300).with_learning_rate(0.1).with_quiet(true);
/// let (model, history) = Trainer::new(config)?.fit(model, |m: &Scalar, _ctx| {
///     let loss = (m.x.val() - 3.0).powi_scalar(2);
///     Ok(StepOutput::new(LossOutput::new(loss)))
/// })?;
/// assert_eq!(history.len(), 300);
/// let x = gsl_core::tensor::to_vec_f32(model.x.val())[0];
/// assert!((x - 3.0).abs() < 1e-2, "x = {x}");
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Trainer {
    config: TrainConfig,
    state_key: serde_json::Value,
}

/// What [`Trainer`] keeps in its [`StateDir`] besides the weight files.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct TrainerState {
    version: u32,
    /// The settings a continuation must share: the config without `epochs`, `quiet` and
    /// `state_dir`.
    run: TrainConfig,
    /// The caller's description of the model and data ([`Trainer::with_state_key`]).
    key: serde_json::Value,
    epochs_done: usize,
    history: History,
    stopper: EarlyStopping,
    has_best: bool,
    /// Early stopping ended the run: a continuation trains no further.
    early_stopped: bool,
}

impl Trainer {
    /// A trainer for `config` (validated here).
    pub fn new(config: TrainConfig) -> Result<Self> {
        config.validate()?;
        Ok(Self {
            config,
            state_key: serde_json::Value::Null,
        })
    }

    /// Describes what is trained (model structure, settings, data) for
    /// [`TrainConfig::state_dir`]: the description is saved with the state, and a run whose
    /// description differs from the saved one is refused instead of continuing someone else's
    /// weights. Errors: `key` cannot be serialised.
    pub fn with_state_key(mut self, key: &impl Serialize) -> Result<Self> {
        self.state_key = serde_json::to_value(key)
            .map_err(|e| GslError::invalid("state_key", format!("cannot be serialised: {e}")))?;
        Ok(self)
    }

    /// The settings a saved state must share with this run.
    fn run_key(&self) -> TrainConfig {
        TrainConfig {
            epochs: 0,
            quiet: true,
            state_dir: None,
            ..self.config.clone()
        }
    }

    /// The run's hyperparameters.
    pub fn config(&self) -> &TrainConfig {
        &self.config
    }

    /// Trains `model` with the loss computed by `step`; returns the trained module (the best
    /// one when early stopping restores it) and the history.
    ///
    /// Errors: [`GslError::InvalidArgument`] when the module has no parameter requiring
    /// gradients (build it on `device.autodiff()`); [`GslError::Training`] naming the epoch and
    /// batch when the loss, a part, a metric or the gradient is NaN/∞, when the loss does not
    /// depend on any parameter, or when a monitored metric is missing; any error of `step`.
    /// With [`TrainConfig::state_dir`]: [`GslError::InvalidArgument`] on `state_dir` when the
    /// directory holds the state of another run (settings other than `epochs`, or another
    /// [`state key`](Self::with_state_key)); [`GslError::Parse`] or [`GslError::Io`] naming
    /// the file when a state file is corrupt, missing or does not match the module.
    pub fn fit<M, F>(&self, model: M, step: F) -> Result<(M, History)>
    where
        M: Module,
        F: FnMut(&M, &StepContext) -> Result<StepOutput>,
    {
        self.fit_with(model, step, |_, _| Ok(ControlFlow::Continue(())))
    }

    /// [`fit`](Self::fit) with a callback run after every epoch with the epoch's record and the
    /// updated module: return `ControlFlow::Break(())` to stop (recorded as
    /// [`StopReason::Callback`]), or an error to abort. Use it to log, evaluate or checkpoint.
    pub fn fit_with<M, F, C>(&self, model: M, mut step: F, callback: C) -> Result<(M, History)>
    where
        M: Module,
        F: FnMut(&M, &StepContext) -> Result<StepOutput>,
        C: FnMut(&EpochRecord, &M) -> Result<ControlFlow<()>>,
    {
        self.run(model, |m, ctx| step(m, ctx).map(Step::Loss), callback)
    }

    /// [`fit_with`](Self::fit_with) for steps that compute their own gradients, e.g. by
    /// several backward passes whose gradients they accumulate (block-wise training of a model
    /// too large for one autodiff graph). The step returns the gradients of its loss with
    /// respect to the module's parameters (`GradientsParams::from_grads(.., module)`, summed
    /// with burn's `GradientsAccumulator`) and a [`StepOutput`] whose loss is only recorded,
    /// so it need not be tracked by autodiff. Clipping and the optimiser step are the same as
    /// in [`fit`](Self::fit).
    ///
    /// Errors: those of [`fit_with`](Self::fit_with); [`GslError::Training`] when the step
    /// returns no gradient.
    pub fn fit_with_gradients<M, F, C>(
        &self,
        model: M,
        mut step: F,
        callback: C,
    ) -> Result<(M, History)>
    where
        M: Module,
        F: FnMut(&M, &StepContext) -> Result<(StepOutput, GradientsParams)>,
        C: FnMut(&EpochRecord, &M) -> Result<ControlFlow<()>>,
    {
        self.run(
            model,
            |m, ctx| step(m, ctx).map(|(output, grads)| Step::Gradients(output, grads)),
            callback,
        )
    }

    /// The loop shared by [`fit_with`](Self::fit_with) and
    /// [`fit_with_gradients`](Self::fit_with_gradients).
    fn run<M, F, C>(&self, model: M, mut step: F, mut callback: C) -> Result<(M, History)>
    where
        M: Module,
        F: FnMut(&M, &StepContext) -> Result<Step>,
        C: FnMut(&EpochRecord, &M) -> Result<ControlFlow<()>>,
    {
        let config = &self.config;
        let mut counter = TrainableCounter {
            trainable: 0,
            devices: Vec::new(),
        };
        model.visit(&mut counter);
        if counter.trainable == 0 {
            return Err(GslError::invalid(
                "model",
                "no parameter requires gradients: build the module on an autodiff device \
                 (`device.autodiff()`) and do not freeze all of it",
            ));
        }
        for device in &counter.devices {
            seed_device(device, derive_seed(config.seed, DEVICE_STREAM));
        }

        let (monitor, mut stopper, restore_best) =
            EarlyStopping::setup(config.early_stopping.as_ref())?;

        let mut optimizer = config.build_optimizer();
        let mut history = History::default();
        let mut best_model: Option<M> = None;
        let mut model = model;
        let mut first_epoch = 0;
        let state_dir = config.state_dir.as_ref().map(StateDir::new);
        if let Some(dir) = state_dir.as_ref().filter(|dir| dir.has_state()) {
            let [device] = counter.devices.as_slice() else {
                return Err(GslError::invalid(
                    "state_dir",
                    "a module whose parameters sit on several devices cannot be resumed",
                ));
            };
            let state: TrainerState = dir.load_json()?;
            if state.version != STATE_VERSION {
                return Err(dir.mismatch(&format!("state format {}", state.version)));
            }
            if state.key != self.state_key {
                return Err(dir.mismatch("another model or dataset"));
            }
            if state.run != self.run_key() {
                return Err(dir.mismatch("other training settings (only `epochs` may change)"));
            }
            let done = state.epochs_done;
            let restored = dir.restore(done, state.has_best, model, optimizer, device)?;
            (model, best_model, optimizer) = (restored.model, restored.best, restored.optimizer);
            history = state.history;
            stopper = state.stopper;
            // A callback's stop (a time budget, say) is where a continuation picks up.
            history.stop_reason = StopReason::Completed;
            first_epoch = if state.early_stopped {
                history.stop_reason = StopReason::EarlyStopped;
                config.epochs.max(done)
            } else {
                done
            };
            StateDir::reseed_device(device, config.seed, done);
        }
        let progress = Progress::new(config.epochs as u64, "train", config.quiet);

        for epoch in first_epoch..config.epochs {
            let lr = config.schedule.lr_at(config.learning_rate, epoch)?;
            let epoch_seed = config.epoch_seed(epoch);
            // The parameters the epoch's (first) loss is evaluated with: the ones to return if
            // this epoch turns out best.
            let snapshot = restore_best.then(|| model.clone());

            let mut losses: Vec<LossRecord> = Vec::with_capacity(config.batches_per_epoch);
            let mut metric_sums: BTreeMap<String, (f64, usize)> = BTreeMap::new();
            let mut norm_sum = 0.0;
            for batch in 0..config.batches_per_epoch {
                let ctx = StepContext {
                    epoch,
                    batch,
                    lr,
                    seed: epoch_seed,
                };
                let position = || {
                    if config.batches_per_epoch > 1 {
                        format!("epoch {epoch}, batch {batch}")
                    } else {
                        format!("epoch {epoch}")
                    }
                };
                let output = step(&model, &ctx)?;
                let (updated, record, norm) =
                    optimizer_step(config, &mut optimizer, model, output, lr, &mut metric_sums)
                        .map_err(|e| match e {
                            GslError::Training(msg) => {
                                GslError::Training(format!("{}: {msg}", position()))
                            }
                            other => other,
                        })?;
                model = updated;
                norm_sum += norm;
                losses.push(record);
            }

            let loss = LossRecord::mean(&losses)?;
            let metrics: BTreeMap<String, f64> = metric_sums
                .into_iter()
                .map(|(name, (sum, count))| (name, sum / count as f64))
                .collect();
            let monitored = match &monitor {
                Monitor::Loss => loss.total,
                Monitor::Metric(name) => *metrics.get(name).ok_or_else(|| {
                    GslError::Training(format!(
                        "epoch {epoch}: early stopping monitors metric `{name}` but the step \
                         returned only {:?}",
                        metrics.keys().collect::<Vec<_>>()
                    ))
                })?,
            };
            let record = EpochRecord {
                epoch,
                loss,
                metrics,
                monitor: monitored,
                lr,
                grad_norm: norm_sum / config.batches_per_epoch as f64,
            };
            progress.update(
                epoch as u64 + 1,
                format!("loss {:.4e}  lr {:.2e}", record.loss.total, lr),
            );

            let decision = stopper
                .update(epoch, monitored)
                .map_err(|e| GslError::Training(format!("epoch {epoch}: {e}")))?;
            if decision == Decision::Improved {
                best_model = snapshot;
            }
            let flow = callback(&record, &model)?;
            history.records.push(record);
            if let Some(dir) = &state_dir {
                let state = TrainerState {
                    version: STATE_VERSION,
                    run: self.run_key(),
                    key: self.state_key.clone(),
                    epochs_done: epoch + 1,
                    history: history.clone(),
                    stopper: stopper.clone(),
                    has_best: best_model.is_some(),
                    early_stopped: decision == Decision::Stop,
                };
                dir.save(epoch + 1, &state, &model, best_model.as_ref(), &optimizer)?;
            }
            if decision == Decision::Stop {
                history.stop_reason = StopReason::EarlyStopped;
                break;
            }
            if flow.is_break() {
                history.stop_reason = StopReason::Callback;
                break;
            }
        }
        progress.finish();

        if let Some((epoch, value)) = stopper.best() {
            history.best_epoch = Some(epoch);
            history.best_value = Some(value);
        }
        let model = best_model.unwrap_or(model);
        Ok((model, history))
    }
}

/// What a step hands to the optimiser: a loss to differentiate, or a recorded loss with the
/// gradients the step computed itself.
enum Step {
    Loss(StepOutput),
    Gradients(StepOutput, GradientsParams),
}

/// One optimiser step on the loss of `step`: checks the loss and metrics for NaN/∞ (before
/// anything is changed), adds the metrics to `metric_sums`, back-propagates (unless the step
/// brought its gradients), clips, and updates `model`. Returns the updated module, the loss
/// record and the pre-clipping gradient norm. [`GslError::Training`] messages leave the
/// epoch/batch prefix to the caller.
fn optimizer_step<M: Module>(
    config: &TrainConfig,
    optimizer: &mut ModuleOptimizer,
    model: M,
    step: Step,
    lr: f64,
    metric_sums: &mut BTreeMap<String, (f64, usize)>,
) -> Result<(M, LossRecord, f64)> {
    let (output, precomputed) = match step {
        Step::Loss(output) => (output, None),
        Step::Gradients(output, grads) => (output, Some(grads)),
    };
    let record = output.loss.record()?;
    record
        .check_finite()
        .map_err(|e| GslError::Training(e.to_string()))?;
    if let Some((name, value)) = output.metrics.iter().find(|(_, v)| !v.is_finite()) {
        return Err(GslError::Training(format!("metric `{name}` = {value}")));
    }
    for (name, value) in output.metrics {
        let entry = metric_sums.entry(name).or_insert((0.0, 0));
        entry.0 += value;
        entry.1 += 1;
    }

    let mut grads = match precomputed {
        Some(grads) => grads,
        None => {
            // `backward` panics on an untracked loss; that is a caller error, not a bug.
            if !output.loss.total.is_tracked() {
                return Err(GslError::Training(
                    "the loss is not tracked by autodiff, so it does not depend on any \
                     trainable parameter"
                        .into(),
                ));
            }
            GradientsParams::from_grads(output.loss.total.backward(), &model)
        }
    };
    if grads.is_empty() {
        return Err(GslError::Training(
            "the loss does not depend on any trainable parameter".into(),
        ));
    }
    let norm = match config.max_grad_norm {
        Some(max) => clip_grad_norm(&model, &mut grads, max),
        None => grad_norm(&model, &grads),
    }
    .map_err(|e| GslError::Training(e.to_string()))?;
    let model = optimizer.step(lr, model, grads);
    Ok((model, record, norm))
}
