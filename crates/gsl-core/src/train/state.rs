//! The on-disk state of a resumable training run.

use std::fs;
use std::path::{Path, PathBuf};

use burn::module::Module;
use burn::optim::ModuleOptimizer;
use burn::tensor::{Bytes, Device};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::checkpoint::{
    load_checkpoint, load_json, save_checkpoint, save_json, write_file_atomic,
};
use super::rng::{derive_seed, seed_device};
use crate::error::{GslError, Result};

/// Base seed sub-stream (plus the resume epoch) of the device generator after a resume.
const RESUME_STREAM: u64 = 1 << 40;

/// What [`StateDir::restore`] brings back: the module after the saved epoch, the best module
/// when one was saved, and the optimiser's state.
pub struct Restored<M> {
    /// The weights after the last saved epoch.
    pub model: M,
    /// The best weights, when the state holds them.
    pub best: Option<M>,
    /// The optimiser, with its saved moments and step counts.
    pub optimizer: ModuleOptimizer,
}

impl<M: std::fmt::Debug> std::fmt::Debug for Restored<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Restored")
            .field("model", &self.model)
            .field("best", &self.best)
            .finish_non_exhaustive()
    }
}

/// The file that describes the saved state; the weight files it refers to are tagged with the
/// number of completed epochs.
pub const STATE_FILE: &str = "state.json";

/// The module files kept in a state directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StateModule {
    /// The weights after the last completed epoch.
    Current,
    /// The best weights so far (kept when early stopping restores them).
    Best,
}

impl StateModule {
    fn tag(self) -> &'static str {
        match self {
            Self::Current => "model",
            Self::Best => "best",
        }
    }
}

/// A directory that holds the resumable state of one training run: a JSON description of the
/// run (its settings, logs and counters, chosen by the trainer that writes it) and, next to it,
/// epoch-tagged burnpack files of the weights, the best weights and the optimiser's state
/// (Adam's moments and step count).
///
/// [`save`](Self::save) writes the weight files first and the JSON last, atomically, then
/// removes the previous epoch's files, so a run stopped at any moment (killed, out of time)
/// leaves a consistent state: the JSON always names files that exist.
///
/// ```
/// use burn::module::{Module, Param};
/// use burn::tensor::Tensor;
/// use gsl_core::train::{StateDir, adam_optimizer};
///
/// #[derive(Module, Debug)]
/// struct Line {
///     w: Param<Tensor<1>>,
/// }
///
/// # fn main() -> gsl_core::Result<()> {
/// let device = gsl_core::device::device_from_name("flex")?.autodiff();
/// let tmp = tempfile::tempdir().unwrap();
/// let state = StateDir::new(tmp.path().join("run"));
/// assert!(!state.has_state());
///
/// let line = Line { w: Param::from_tensor(Tensor::from_floats([1.0, 2.0], &device)) };
/// let optimizer = adam_optimizer(0.9, 0.999, 1e-8, None);
/// state.save(3, &"three epochs done", &line, None, &optimizer)?;
///
/// assert_eq!(state.load_json::<String>()?, "three epochs done");
/// let fresh = Line { w: Param::from_tensor(Tensor::zeros([2], &device)) };
/// let optimizer = adam_optimizer(0.9, 0.999, 1e-8, None);
/// let restored = state.restore(3, false, fresh, optimizer, &device)?;
/// assert_eq!(gsl_core::tensor::to_vec_f32(restored.model.w.val()), vec![1.0, 2.0]);
/// assert!(restored.best.is_none());
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateDir {
    dir: PathBuf,
}

impl StateDir {
    /// The state kept in `dir` (created by the first [`save`](Self::save)).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Whether the directory holds a saved state (its [`STATE_FILE`]).
    pub fn has_state(&self) -> bool {
        self.dir.join(STATE_FILE).exists()
    }

    fn module_file(&self, epochs_done: usize, what: &str) -> PathBuf {
        self.dir.join(format!("state-{epochs_done}-{what}.bpk"))
    }

    /// Saves the state after `epochs_done` epochs: `model`, `best` when given, the optimiser's
    /// state, then `state` as the JSON description (atomically, last); then removes the files
    /// of epoch `epochs_done − 1`. Errors: file errors, naming the file.
    pub fn save<S: Serialize + ?Sized, M: Module>(
        &self,
        epochs_done: usize,
        state: &S,
        model: &M,
        best: Option<&M>,
        optimizer: &ModuleOptimizer,
    ) -> Result<()> {
        fs::create_dir_all(&self.dir).map_err(|e| GslError::io(&self.dir, e))?;
        save_checkpoint(
            model,
            self.module_file(epochs_done, StateModule::Current.tag()),
            true,
        )?;
        if let Some(best) = best {
            save_checkpoint(
                best,
                self.module_file(epochs_done, StateModule::Best.tag()),
                true,
            )?;
        }
        let path = self.module_file(epochs_done, "optimizer");
        let bytes = optimizer
            .into_bytes()
            .map_err(|e| GslError::io(&path, std::io::Error::other(e.to_string())))?;
        write_file_atomic(&path, &bytes, true)?;
        save_json(state, self.dir.join(STATE_FILE), true)?;
        if epochs_done > 0 {
            for what in ["model", "best", "optimizer"] {
                let old = self.module_file(epochs_done - 1, what);
                if old.exists() {
                    fs::remove_file(&old).map_err(|e| GslError::io(&old, e))?;
                }
            }
        }
        Ok(())
    }

    /// The JSON description saved by the last [`save`](Self::save). Errors: no state, or
    /// not the expected JSON ([`GslError::Parse`] with the line).
    pub fn load_json<S: DeserializeOwned>(&self) -> Result<S> {
        load_json(self.dir.join(STATE_FILE))
    }

    /// Restores what [`save`](Self::save) wrote after `epochs_done` epochs: the weights into
    /// `template` (a module of the same structure, placed on `device`), the best weights too
    /// when `has_best`, and the optimiser's state into `optimizer` (built with the same
    /// hyperparameters). Errors: a file cannot be read or does not match ([`GslError::Io`],
    /// [`GslError::Parse`] naming it).
    pub fn restore<M: Module>(
        &self,
        epochs_done: usize,
        has_best: bool,
        template: M,
        optimizer: ModuleOptimizer,
        device: &Device,
    ) -> Result<Restored<M>> {
        let best = if has_best {
            let best =
                self.load_module(epochs_done, StateModule::Best, template.clone(), device)?;
            Some(best)
        } else {
            None
        };
        Ok(Restored {
            model: self.load_module(epochs_done, StateModule::Current, template, device)?,
            best,
            optimizer: self.load_optimizer(epochs_done, optimizer)?,
        })
    }

    /// Reseeds `device`'s generator for a run resumed after `epochs_done` epochs, from the
    /// run's `seed`: the generator's position cannot be saved, so steps that draw from it
    /// (dropout, noise) continue with a stream of their own, reproducible but not the
    /// uninterrupted run's.
    pub fn reseed_device(device: &Device, seed: u64, epochs_done: usize) {
        seed_device(
            device,
            derive_seed(seed, RESUME_STREAM + epochs_done as u64),
        );
    }

    /// Loads the saved weights of `which` after `epochs_done` epochs into `template`.
    fn load_module<M: Module>(
        &self,
        epochs_done: usize,
        which: StateModule,
        template: M,
        device: &Device,
    ) -> Result<M> {
        load_checkpoint(template, self.module_file(epochs_done, which.tag()), device)
    }

    /// Restores the optimiser's state saved after `epochs_done` epochs into `optimizer`.
    fn load_optimizer(
        &self,
        epochs_done: usize,
        optimizer: ModuleOptimizer,
    ) -> Result<ModuleOptimizer> {
        let path = self.module_file(epochs_done, "optimizer");
        let bytes = fs::read(&path).map_err(|e| GslError::io(&path, e))?;
        optimizer
            .from_bytes(Bytes::from_bytes_vec(bytes))
            .map_err(|e| GslError::Parse {
                path: path.clone(),
                line: None,
                message: format!("not a valid optimiser state: {e}"),
            })
    }

    /// [`GslError::InvalidArgument`] on `state_dir` saying that the directory holds the state
    /// of `what` (another run), for trainers that compare a saved state with their own run.
    pub fn mismatch(&self, what: &str) -> GslError {
        GslError::invalid(
            "state_dir",
            format!(
                "`{}` holds the state of {what}; remove it or choose another directory",
                self.dir.display()
            ),
        )
    }
}
