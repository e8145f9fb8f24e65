//! What every graph generator of this crate implements, and the pieces they share.
//!
//! A [`GraphModel`] is fitted on a list of graphs, samples graphs from a seed, and saves itself
//! to (and loads from) one file. The Erdős–Rényi baseline ([`crate::er`]) is the first
//! implementor; the deep autoregressive models (BiGG and its weighted variants) plug in with a
//! `#[derive(Config)]` hyperparameter struct as [`GraphModel::Config`] and the device from
//! [`FitContext`].

use std::path::Path;

use burn::tensor::Device;
use gsl_core::{GslError, Result};
use rand::{Rng, RngExt};
use serde::{Deserialize, Serialize};

use crate::eval::SimpleGraph;

/// Where and how a model is fitted.
#[derive(Clone, Copy)]
pub struct FitContext<'a> {
    /// Device for tensor work (models without tensors ignore it).
    pub device: &'a Device,
    /// Seed of every random choice made while fitting.
    pub seed: u64,
    /// Hide progress bars.
    pub quiet: bool,
    /// Keep a resumable training state here (models trained by epochs: BiGG): a fit started
    /// on a directory that holds the state of the same model, settings and data continues
    /// after its last completed epoch; only the number of epochs may differ. `None`: nothing
    /// is saved. Models fitted in one pass (ER) ignore it.
    pub state_dir: Option<&'a Path>,
}

impl std::fmt::Debug for FitContext<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FitContext")
            .field("device", self.device)
            .field("seed", &self.seed)
            .field("quiet", &self.quiet)
            .field("state_dir", &self.state_dir)
            .finish()
    }
}

/// A generative model over graphs.
pub trait GraphModel: Sized {
    /// Hyperparameters, checked by `fit`.
    type Config;

    /// Short name stored in checkpoints and used by the CLI (`"er"`, `"bigg"`, …).
    const NAME: &'static str;

    /// Fits the model on `train`. Errors: an empty list, graphs the model cannot represent,
    /// invalid hyperparameters.
    fn fit(config: &Self::Config, train: &[SimpleGraph], context: &FitContext<'_>) -> Result<Self>;

    /// Draws `count` graphs; the same seed gives the same graphs.
    fn sample(&self, count: usize, seed: u64) -> Result<Vec<SimpleGraph>>;

    /// Writes the model to `path` atomically; an existing file is replaced only when
    /// `overwrite`.
    fn save(&self, path: &Path, overwrite: bool) -> Result<()>;

    /// Reads a model written by [`GraphModel::save`], onto `device` where it has tensors.
    fn load(path: &Path, device: &Device) -> Result<Self>;
}

/// The empirical distribution of node counts of a training set: sampling picks the count of a
/// uniformly chosen training graph (BiGG's `get_node_dist` + multinomial draw, GRAN's
/// `num_nodes_pmf`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeCountDistribution {
    counts: Vec<usize>,
}

impl NodeCountDistribution {
    /// The distribution of `counts`. Errors: an empty list or a zero count.
    pub fn new(counts: Vec<usize>) -> Result<Self> {
        if counts.is_empty() {
            return Err(GslError::invalid("node counts", "need at least one graph"));
        }
        if counts.contains(&0) {
            return Err(GslError::invalid(
                "node counts",
                "a training graph has no nodes",
            ));
        }
        Ok(Self { counts })
    }

    /// The node counts of `graphs`.
    pub fn from_graphs(graphs: &[SimpleGraph]) -> Result<Self> {
        Self::new(graphs.iter().map(SimpleGraph::num_nodes).collect())
    }

    /// Checks the invariants of [`NodeCountDistribution::new`] (after deserialising).
    pub fn validate(&self) -> Result<()> {
        Self::new(self.counts.clone()).map(|_| ())
    }

    /// The training node counts, in training order.
    pub fn counts(&self) -> &[usize] {
        &self.counts
    }

    /// Draws one node count.
    pub fn sample<R: Rng>(&self, rng: &mut R) -> usize {
        self.counts[rng.random_range(0..self.counts.len())]
    }
}

/// Reads the model kind stored in a checkpoint written by a [`GraphModel`] of this crate.
pub fn checkpoint_model_name(path: &Path) -> Result<String> {
    #[derive(Deserialize)]
    struct Head {
        model: String,
    }
    Ok(gsl_core::train::load_json::<Head>(path)?.model)
}

/// Checks a checkpoint's header: it must hold model `expected` at format version
/// `expected_version`. Returns the error constructor for further checks of the same file
/// (a [`GslError::Parse`] naming `path`).
///
/// Errors: another model or another version, as [`GslError::Parse`].
pub(crate) fn check_checkpoint_header<'p>(
    path: &'p Path,
    model: &str,
    version: u32,
    expected: &str,
    expected_version: u32,
) -> Result<impl Fn(String) -> GslError + 'p> {
    let bad = move |message: String| GslError::Parse {
        path: path.to_path_buf(),
        line: None,
        message,
    };
    if model != expected {
        return Err(bad(format!(
            "checkpoint holds model `{model}`, expected `{expected}`"
        )));
    }
    if version != expected_version {
        return Err(bad(format!(
            "checkpoint version {version} is not supported (expected {expected_version})"
        )));
    }
    Ok(bad)
}
