//! Early stopping on a monitored value (the total loss or a metric returned by the step).

use burn::config::Config;
use serde::{Deserialize, Serialize};

use crate::error::{GslError, Result};

/// Whether smaller or larger values of the monitored quantity are better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Mode {
    /// Smaller is better (losses).
    #[default]
    Min,
    /// Larger is better (accuracies, NMI, …).
    Max,
}

/// The quantity early stopping (and "best epoch" tracking) watches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Monitor {
    /// The epoch's total training loss.
    #[default]
    Loss,
    /// A metric the step closure returns under this name (e.g. a validation score).
    Metric(String),
}

/// Early-stopping hyperparameters (Keras/PyTorch-Lightning semantics).
///
/// A value *improves* on the best so far when it beats it by more than `min_delta`
/// (`v < best − min_delta` in [`Mode::Min`], `v > best + min_delta` in [`Mode::Max`]); the first
/// value always improves. Training stops after `patience` consecutive epochs without
/// improvement, so it never stops before epoch index `patience` (0-based).
#[derive(Config, Debug, PartialEq)]
pub struct EarlyStoppingConfig {
    /// Number of epochs without improvement after which training stops.
    #[config(default = 10)]
    pub patience: usize,
    /// Minimum change that counts as an improvement (≥ 0).
    #[config(default = 0.0)]
    pub min_delta: f64,
    /// Whether smaller or larger is better.
    #[config(default = "Mode::Min")]
    pub mode: Mode,
    /// The watched quantity.
    #[config(default = "Monitor::Loss")]
    pub monitor: Monitor,
    /// Return the module of the best epoch instead of the last one (costs one module copy).
    #[config(default = false)]
    pub restore_best: bool,
}

impl EarlyStoppingConfig {
    /// Checks the hyperparameters.
    pub fn validate(&self) -> Result<()> {
        if !(self.min_delta.is_finite() && self.min_delta >= 0.0) {
            return Err(GslError::invalid(
                "min_delta",
                format!("must be finite and ≥ 0, got {}", self.min_delta),
            ));
        }
        if let Monitor::Metric(name) = &self.monitor
            && name.is_empty()
        {
            return Err(GslError::invalid("monitor", "metric name is empty"));
        }
        Ok(())
    }
}

/// What [`EarlyStopping::update`] concluded for one epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// The value is the best so far.
    Improved,
    /// No improvement, but patience is not exhausted.
    Wait,
    /// Patience is exhausted: stop training.
    Stop,
}

/// Tracks the best monitored value and decides when to stop.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EarlyStopping {
    patience: Option<usize>,
    min_delta: f64,
    mode: Mode,
    best: Option<(usize, f64)>,
    wait: usize,
}

impl EarlyStopping {
    /// A tracker that stops according to `config`.
    ///
    /// ```
    /// use gsl_core::train::{Decision, EarlyStopping, EarlyStoppingConfig};
    ///
    /// let mut stop = EarlyStopping::new(&EarlyStoppingConfig::new().with_patience(2))?;
    /// assert_eq!(stop.update(0, 1.0)?, Decision::Improved);
    /// assert_eq!(stop.update(1, 1.5)?, Decision::Wait);
    /// assert_eq!(stop.update(2, 1.2)?, Decision::Stop);
    /// assert_eq!(stop.best(), Some((0, 1.0)));
    /// # Ok::<(), gsl_core::GslError>(())
    /// ```
    pub fn new(config: &EarlyStoppingConfig) -> Result<Self> {
        config.validate()?;
        Ok(Self {
            patience: Some(config.patience),
            min_delta: config.min_delta,
            mode: config.mode,
            best: None,
            wait: 0,
        })
    }

    /// What a training loop needs from an optional config: the monitored quantity, the tracker,
    /// and whether to restore the best parameters at the end. Without a config it tracks the
    /// training loss (minimised) and never stops.
    ///
    /// Errors: an invalid config.
    pub fn setup(config: Option<&EarlyStoppingConfig>) -> Result<(Monitor, Self, bool)> {
        Ok(match config {
            Some(early) => (early.monitor.clone(), Self::new(early)?, early.restore_best),
            None => (Monitor::Loss, Self::tracking_only(Mode::Min), false),
        })
    }

    /// A tracker that records the best value under `mode` but never asks to stop.
    pub fn tracking_only(mode: Mode) -> Self {
        Self {
            patience: None,
            min_delta: 0.0,
            mode,
            best: None,
            wait: 0,
        }
    }

    /// Feeds the value of epoch `epoch`; fails with [`GslError::NonFinite`] on NaN/∞.
    pub fn update(&mut self, epoch: usize, value: f64) -> Result<Decision> {
        if !value.is_finite() {
            return Err(GslError::NonFinite(format!(
                "monitored value at epoch {epoch} ({value})"
            )));
        }
        let improved = match self.best {
            None => true,
            Some((_, best)) => match self.mode {
                Mode::Min => value < best - self.min_delta,
                Mode::Max => value > best + self.min_delta,
            },
        };
        if improved {
            self.best = Some((epoch, value));
            self.wait = 0;
            return Ok(Decision::Improved);
        }
        self.wait += 1;
        match self.patience {
            Some(patience) if self.wait >= patience => Ok(Decision::Stop),
            _ => Ok(Decision::Wait),
        }
    }

    /// The best `(epoch, value)` seen so far.
    pub fn best(&self) -> Option<(usize, f64)> {
        self.best
    }

    /// Number of consecutive epochs without improvement.
    pub fn epochs_without_improvement(&self) -> usize {
        self.wait
    }
}
