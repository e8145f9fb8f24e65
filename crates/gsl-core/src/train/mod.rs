//! Training utilities shared by every trained model in gsl (GNN clustering, unrolled solvers,
//! graph generators).
//!
//! - [`Trainer`] runs a hand-written loop over a loss closure: backward, optional global-norm
//!   clipping ([`clip_grad_norm`]), an Adam/AdamW step with a scheduled learning rate
//!   ([`LrSchedule`]), NaN/Inf checks, early stopping ([`EarlyStopping`]), a progress bar
//!   ([`Progress`]) and a caller callback that can stop the run.
//! - Losses carry named parts ([`LossOutput`]); the host-side [`History`] keeps one
//!   [`EpochRecord`] per epoch and serialises to JSON.
//! - Randomness is explicit: [`seeded_rng`], independent sub-streams with [`derive_seed`], and
//!   [`seed_device`] (with [`materialize_params`] to draw lazily initialised parameters at once).
//! - Files are written atomically: [`save_checkpoint`] / [`load_checkpoint`] for module
//!   weights, [`save_json`] / [`load_json`] for configs and histories.
//! - Runs resume: with [`TrainConfig::state_dir`] the trainer keeps its state in a
//!   [`StateDir`] after every epoch and continues from it when started again.
//!
//! ## Example
//!
//! Fit `y = 2x` with one weight and keep the history of the two loss parts.
//!
//! ```
//! use burn::module::{Module, Param};
//! use burn::tensor::Tensor;
//! use gsl_core::train::{LossOutput, StepOutput, TrainConfig, Trainer};
//!
//! #[derive(Module, Debug)]
//! struct Slope {
//!     w: Param<Tensor<1>>,
//! }
//!
//! # fn main() -> gsl_core::Result<()> {
//! let device = gsl_core::device::device_from_name("flex")?.autodiff();
//! let x = Tensor::<1>::from_floats([1.0, 2.0, 3.0], &device);
//! let y = x.clone() * 2.0;
//! let model = Slope { w: Param::from_tensor(Tensor::zeros([1], &device)) };
//!
//! let config = TrainConfig::new(200).with_learning_rate(0.05).with_quiet(true);
//! let (model, history) = Trainer::new(config)?.fit(model, |m: &Slope, _ctx| {
//!     let fit = (x.clone() * m.w.val() - y.clone()).powi_scalar(2).mean();
//!     let ridge = m.w.val().powi_scalar(2).mul_scalar(1e-4);
//!     let loss = LossOutput::sum(vec![("fit".into(), fit), ("ridge".into(), ridge)])?;
//!     Ok(StepOutput::new(loss))
//! })?;
//! assert_eq!(history.part("fit").map(|v| v.len()), Some(200));
//! assert!((gsl_core::tensor::to_vec_f32(model.w.val())[0] - 2.0).abs() < 1e-2);
//! # Ok(())
//! # }
//! ```

mod adam;
mod checkpoint;
mod clip;
mod early_stopping;
mod loss;
mod progress;
mod rng;
mod schedule;
mod state;
mod trainer;

pub use adam::adam_optimizer;
pub use checkpoint::{load_checkpoint, load_json, save_checkpoint, save_json, write_file_atomic};
pub use clip::{clip_grad_norm, grad_norm};
pub use early_stopping::{Decision, EarlyStopping, EarlyStoppingConfig, Mode, Monitor};
pub use loss::{EpochRecord, History, LossOutput, LossRecord, StopReason};
pub use progress::Progress;
pub use rng::{derive_seed, materialize_params, seed_device, seeded_rng};
pub use schedule::LrSchedule;
pub use state::{Restored, STATE_FILE, StateDir};
pub use trainer::{OptimizerKind, StepContext, StepOutput, TrainConfig, Trainer};
