//! The Erdős–Rényi baseline of BiGG-E (`ADJ_LSTM/util/baseline_train.py`, adapted from
//! GraphRNN's `baseline_simple.py`).
//!
//! Fitting pools the edge probability over the training set, `p̂ = Σ m / Σ n(n − 1)/2` (the
//! maximum-likelihood estimate of G(n, p) with a shared p), keeps the training node counts and,
//! when every training graph is weighted, all training edge weights. Sampling draws n from the
//! training node counts, a G(n, p̂) graph (gsl-data's O(n + m) geometric-skip sampler), and each
//! edge weight independently from the pooled training weights. Graphs without edges are
//! redrawn (BiGG-E discards them), so exactly the number asked for comes back.
//!
//! GRAN's ER baseline differs (`p = Σ m / Σ n²`, always `max_num_nodes` nodes); this one is
//! BiGG-E's.

use std::path::Path;

use burn::tensor::Device;
use gsl_core::train::{derive_seed, load_json, save_json, seeded_rng};
use gsl_core::{EdgeList, GslError, Result};
use gsl_data::ensembles::{ErdosRenyi, Generator};
use rand::RngExt;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::eval::SimpleGraph;
use crate::model::{FitContext, GraphModel, NodeCountDistribution};

/// Hyperparameters of the baseline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErConfig {
    /// How many draws a sampled graph may take before giving up on getting an edge.
    pub max_attempts: usize,
}

impl Default for ErConfig {
    fn default() -> Self {
        Self { max_attempts: 100 }
    }
}

/// The fitted baseline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErdosRenyiBaseline {
    /// Pooled edge probability p̂.
    pub p: f64,
    /// Node counts of the training graphs.
    pub node_counts: NodeCountDistribution,
    /// Pooled training edge weights; `None` when some training graph is unweighted.
    pub weights: Option<Vec<f32>>,
    /// Sampling settings.
    pub config: ErConfig,
}

/// The checkpoint file: the model plus its kind and format version.
#[derive(Serialize, Deserialize)]
struct Checkpoint {
    model: String,
    version: u32,
    baseline: ErdosRenyiBaseline,
}

const CHECKPOINT_VERSION: u32 = 1;

impl ErdosRenyiBaseline {
    /// Fits with the default config (no device needed).
    ///
    /// Errors: an empty list, a graph without nodes, or no node pair at all (every graph has one
    /// node).
    pub fn from_graphs(train: &[SimpleGraph]) -> Result<Self> {
        Self::from_graphs_with(&ErConfig::default(), train)
    }

    /// Fits with `config`.
    pub fn from_graphs_with(config: &ErConfig, train: &[SimpleGraph]) -> Result<Self> {
        if config.max_attempts == 0 {
            return Err(GslError::invalid("max_attempts", "must be at least 1"));
        }
        if train.is_empty() {
            return Err(GslError::invalid("train", "the training set is empty"));
        }
        let node_counts = NodeCountDistribution::from_graphs(train)?;
        let edges: u64 = train.iter().map(|g| g.num_edges() as u64).sum();
        let pairs: u64 = train
            .iter()
            .map(|g| (g.num_nodes() as u64) * (g.num_nodes() as u64 - 1) / 2)
            .sum();
        if pairs == 0 {
            return Err(GslError::invalid(
                "train",
                "every training graph has a single node; the edge probability is undefined",
            ));
        }
        let weights = train.iter().all(SimpleGraph::is_weighted).then(|| {
            train
                .iter()
                .flat_map(SimpleGraph::edge_weights)
                .collect::<Vec<f32>>()
        });
        let model = Self {
            p: edges as f64 / pairs as f64,
            node_counts,
            weights: weights.filter(|w| !w.is_empty()),
            config: config.clone(),
        };
        model.validate()?;
        Ok(model)
    }

    /// Checks p ∈ [0, 1], the node counts and the weights (after loading).
    pub fn validate(&self) -> Result<()> {
        if !self.p.is_finite() || !(0.0..=1.0).contains(&self.p) {
            return Err(GslError::invalid(
                "p",
                format!("must be in [0, 1], got {}", self.p),
            ));
        }
        self.node_counts.validate()?;
        if let Some(w) = &self.weights {
            if w.is_empty() {
                return Err(GslError::invalid("weights", "empty weight pool"));
            }
            gsl_core::tensor::ensure_finite_slice(w, "ER baseline weights")?;
        }
        if self.config.max_attempts == 0 {
            return Err(GslError::invalid("max_attempts", "must be at least 1"));
        }
        Ok(())
    }

    /// Draws one graph from `seed`.
    fn sample_one(&self, seed: u64) -> Result<SimpleGraph> {
        for attempt in 0..self.config.max_attempts {
            let mut rng = seeded_rng(derive_seed(seed, attempt as u64));
            let n = self.node_counts.sample(&mut rng);
            let graph = ErdosRenyi::new(n, self.p).sample(rng.random())?;
            if graph.num_edges() == 0 {
                continue;
            }
            let graph = match &self.weights {
                None => graph,
                Some(pool) => {
                    // One draw per undirected edge (the list stores both directions).
                    let triples: Vec<(usize, usize, f32)> = graph
                        .iter()
                        .filter(|(s, d, _)| s < d)
                        .map(|(s, d, _)| (s, d, pool[rng.random_range(0..pool.len())]))
                        .collect();
                    EdgeList::from_weighted(n, &triples)?
                }
            };
            return SimpleGraph::from_edges(&graph);
        }
        Err(GslError::invalid(
            "p",
            format!(
                "no graph with an edge in {} draws (p = {:.3e} is too small for the node counts)",
                self.config.max_attempts, self.p
            ),
        ))
    }
}

impl GraphModel for ErdosRenyiBaseline {
    type Config = ErConfig;
    const NAME: &'static str = "er";

    fn fit(config: &ErConfig, train: &[SimpleGraph], _context: &FitContext<'_>) -> Result<Self> {
        Self::from_graphs_with(config, train)
    }

    /// Graph `i` is drawn from [`derive_seed`]`(seed, i)`, in parallel.
    fn sample(&self, count: usize, seed: u64) -> Result<Vec<SimpleGraph>> {
        self.validate()?;
        if count == 0 {
            return Err(GslError::invalid("count", "must be at least 1"));
        }
        (0..count)
            .into_par_iter()
            .map(|i| self.sample_one(derive_seed(seed, i as u64)))
            .collect()
    }

    fn save(&self, path: &Path, overwrite: bool) -> Result<()> {
        let checkpoint = Checkpoint {
            model: Self::NAME.to_string(),
            version: CHECKPOINT_VERSION,
            baseline: self.clone(),
        };
        save_json(&checkpoint, path, overwrite)
    }

    fn load(path: &Path, _device: &Device) -> Result<Self> {
        let checkpoint: Checkpoint = load_json(path)?;
        let bad = crate::model::check_checkpoint_header(
            path,
            &checkpoint.model,
            checkpoint.version,
            Self::NAME,
            CHECKPOINT_VERSION,
        )?;
        checkpoint
            .baseline
            .validate()
            .map_err(|e| bad(e.to_string()))?;
        Ok(checkpoint.baseline)
    }
}

#[cfg(test)]
// Tests build one-graph slices by cloning, which reads better than `slice::from_ref`.
#[allow(clippy::cloned_ref_to_slice_refs)]
mod tests {
    use super::*;
    use gsl_core::device::device_from_name;
    use gsl_data::ensembles::{Generator, Lobster};

    fn lobsters() -> Vec<SimpleGraph> {
        Lobster::default()
            .sample_many(30, 4)
            .unwrap()
            .iter()
            .map(|e| SimpleGraph::from_edges(e).unwrap())
            .collect()
    }

    #[test]
    fn pooled_probability_is_total_edges_over_total_pairs() {
        // A triangle (3 of 3 pairs) and a 4-path (3 of 6 pairs): p̂ = 6 / 9.
        let tri = SimpleGraph::from_pairs(3, &[(0, 1), (1, 2), (0, 2)]).unwrap();
        let path = SimpleGraph::from_pairs(4, &[(0, 1), (1, 2), (2, 3)]).unwrap();
        let m = ErdosRenyiBaseline::from_graphs(&[tri, path]).unwrap();
        assert!((m.p - 6.0 / 9.0).abs() < 1e-15);
        assert_eq!(m.node_counts.counts(), &[3, 4]);
        assert!(m.weights.is_none());
    }

    #[test]
    fn samples_follow_the_fitted_distribution() {
        let train = lobsters();
        let model = ErdosRenyiBaseline::from_graphs(&train).unwrap();
        let samples = model.sample(400, 1).unwrap();
        let counts = model.node_counts.counts();
        assert!(samples.iter().all(|g| counts.contains(&g.num_nodes())));
        // The pooled density of the samples estimates p̂ (binomial standard error ≈ 1 %).
        let m: usize = samples.iter().map(|g| g.num_edges()).sum();
        let pairs: usize = samples
            .iter()
            .map(|g| g.num_nodes() * (g.num_nodes() - 1) / 2)
            .sum();
        let density = m as f64 / pairs as f64;
        assert!(
            (density - model.p).abs() < 0.1 * model.p,
            "{density} vs {}",
            model.p
        );
        assert!(samples.iter().all(|g| g.num_edges() > 0));
        // Same seed, same graphs; another seed, other graphs.
        assert_eq!(model.sample(5, 9).unwrap(), model.sample(5, 9).unwrap());
        assert_ne!(model.sample(5, 9).unwrap(), model.sample(5, 10).unwrap());
    }

    #[test]
    fn weights_are_resampled_from_the_training_pool() {
        let tri = SimpleGraph::from_edges(
            &EdgeList::from_weighted(3, &[(0, 1, 0.5), (1, 2, 1.5), (0, 2, 4.0)]).unwrap(),
        )
        .unwrap();
        let model = ErdosRenyiBaseline::from_graphs(&[tri]).unwrap();
        assert_eq!(model.p, 1.0);
        for g in model.sample(20, 3).unwrap() {
            assert!(g.is_weighted());
            assert!(g.edge_weights().iter().all(|w| [0.5, 1.5, 4.0].contains(w)));
        }
    }

    #[test]
    fn checkpoint_round_trip_and_refusals() {
        let device = device_from_name("flex").unwrap();
        let model = ErdosRenyiBaseline::from_graphs(&lobsters()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("er.json");
        model.save(&path, false).unwrap();
        assert!(
            model.save(&path, false).is_err(),
            "no overwrite without the flag"
        );
        let back = ErdosRenyiBaseline::load(&path, &device).unwrap();
        assert_eq!(back, model);
        assert_eq!(back.sample(3, 5).unwrap(), model.sample(3, 5).unwrap());
        assert_eq!(crate::model::checkpoint_model_name(&path).unwrap(), "er");
        std::fs::write(&path, "{\"model\": \"bigg\", \"version\": 1}").unwrap();
        assert!(ErdosRenyiBaseline::load(&path, &device).is_err());
        std::fs::write(&path, "not json").unwrap();
        assert!(ErdosRenyiBaseline::load(&path, &device).is_err());
    }

    #[test]
    fn bad_inputs_are_errors() {
        assert!(ErdosRenyiBaseline::from_graphs(&[]).is_err());
        let single = SimpleGraph::from_pairs(1, &[]).unwrap();
        assert!(ErdosRenyiBaseline::from_graphs(&[single]).is_err());
        let none = SimpleGraph::from_pairs(0, &[]).unwrap();
        assert!(ErdosRenyiBaseline::from_graphs(&[none]).is_err());
        let model = ErdosRenyiBaseline::from_graphs(&lobsters()).unwrap();
        assert!(model.sample(0, 1).is_err());
        // No edges in the training set: p̂ = 0 and no sample can have an edge.
        let empty = SimpleGraph::from_pairs(4, &[]).unwrap();
        let zero = ErdosRenyiBaseline::from_graphs(&[empty]).unwrap();
        assert!(zero.sample(1, 0).is_err());
    }
}
