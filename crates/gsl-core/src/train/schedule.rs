//! Learning-rate schedules as a small serialisable enum.
//!
//! Burn's schedulers are stateful iterators; a training run only needs "the learning rate of
//! epoch `t`", and a plain enum can be stored in a JSON config next to the model.

use serde::{Deserialize, Serialize};

use crate::error::{GslError, Result};

/// How the learning rate evolves over epochs (epoch `t` counts from 0, `η₀` is the base rate).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
pub enum LrSchedule {
    /// `η_t = η₀`.
    #[default]
    Constant,
    /// Step decay: `η_t = η₀ · γ^⌊t / step_size⌋` (PyTorch `StepLR`).
    Step {
        /// Number of epochs between two decays (≥ 1).
        step_size: usize,
        /// Multiplicative factor applied at each decay (> 0).
        gamma: f64,
    },
    /// Exponential decay: `η_t = η₀ · γ^t` (PyTorch `ExponentialLR`).
    Exponential {
        /// Multiplicative factor applied every epoch (> 0).
        gamma: f64,
    },
    /// Cosine annealing without restarts (Loshchilov & Hutter, "SGDR", ICLR 2017, eq. 5):
    /// `η_t = η_min + ½ (η₀ − η_min) (1 + cos(π · min(t, T) / T))`. The rate reaches `η_min`
    /// at `t = T` and stays there (no warm restart).
    Cosine {
        /// Length `T` of the annealing period, in epochs (≥ 1).
        t_max: usize,
        /// Final learning rate `η_min` (0 ≤ η_min ≤ η₀).
        min_lr: f64,
    },
}

impl LrSchedule {
    /// Checks the schedule's parameters against the base learning rate `base_lr`.
    pub fn validate(&self, base_lr: f64) -> Result<()> {
        if !(base_lr.is_finite() && base_lr > 0.0) {
            return Err(GslError::invalid(
                "learning_rate",
                format!("must be finite and > 0, got {base_lr}"),
            ));
        }
        let positive_gamma = |gamma: f64| {
            if gamma.is_finite() && gamma > 0.0 {
                Ok(())
            } else {
                Err(GslError::invalid(
                    "gamma",
                    format!("must be finite and > 0, got {gamma}"),
                ))
            }
        };
        match *self {
            LrSchedule::Constant => Ok(()),
            LrSchedule::Step { step_size, gamma } => {
                if step_size == 0 {
                    return Err(GslError::invalid("step_size", "must be at least 1"));
                }
                positive_gamma(gamma)
            }
            LrSchedule::Exponential { gamma } => positive_gamma(gamma),
            LrSchedule::Cosine { t_max, min_lr } => {
                if t_max == 0 {
                    return Err(GslError::invalid("t_max", "must be at least 1"));
                }
                if !(min_lr.is_finite() && (0.0..=base_lr).contains(&min_lr)) {
                    return Err(GslError::invalid(
                        "min_lr",
                        format!("must lie in [0, learning_rate = {base_lr}], got {min_lr}"),
                    ));
                }
                Ok(())
            }
        }
    }

    /// The learning rate of epoch `epoch` (from 0) for base rate `base_lr`.
    ///
    /// ```
    /// use gsl_core::train::LrSchedule;
    ///
    /// let step = LrSchedule::Step { step_size: 10, gamma: 0.5 };
    /// assert_eq!(step.lr_at(0.1, 9)?, 0.1);
    /// assert_eq!(step.lr_at(0.1, 10)?, 0.05);
    /// let cosine = LrSchedule::Cosine { t_max: 100, min_lr: 0.0 };
    /// assert!((cosine.lr_at(0.1, 50)? - 0.05).abs() < 1e-12);
    /// # Ok::<(), gsl_core::GslError>(())
    /// ```
    pub fn lr_at(&self, base_lr: f64, epoch: usize) -> Result<f64> {
        self.validate(base_lr)?;
        let lr = match *self {
            LrSchedule::Constant => base_lr,
            LrSchedule::Step { step_size, gamma } => base_lr * pow_epochs(gamma, epoch / step_size),
            LrSchedule::Exponential { gamma } => base_lr * pow_epochs(gamma, epoch),
            LrSchedule::Cosine { t_max, min_lr } => {
                let progress = epoch.min(t_max) as f64 / t_max as f64;
                min_lr + 0.5 * (base_lr - min_lr) * (1.0 + (std::f64::consts::PI * progress).cos())
            }
        };
        Ok(lr)
    }
}

/// `base^exp` for an epoch count that may exceed `i32::MAX` (the rate then underflows to 0 or
/// saturates, which is what the formula says).
fn pow_epochs(base: f64, exp: usize) -> f64 {
    base.powf(exp as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_parameters_are_rejected() {
        let bad = [
            (
                LrSchedule::Step {
                    step_size: 0,
                    gamma: 0.5,
                },
                0.1,
            ),
            (
                LrSchedule::Step {
                    step_size: 3,
                    gamma: 0.0,
                },
                0.1,
            ),
            (LrSchedule::Exponential { gamma: f64::NAN }, 0.1),
            (
                LrSchedule::Cosine {
                    t_max: 0,
                    min_lr: 0.0,
                },
                0.1,
            ),
            (
                LrSchedule::Cosine {
                    t_max: 5,
                    min_lr: 0.2,
                },
                0.1,
            ),
            (LrSchedule::Constant, 0.0),
            (LrSchedule::Constant, f64::INFINITY),
        ];
        for (schedule, lr) in bad {
            assert!(
                matches!(schedule.lr_at(lr, 1), Err(GslError::InvalidArgument { .. })),
                "{schedule:?} with lr {lr} was accepted"
            );
        }
    }
}
