//! BiGG (Dai, Nazi, Li, Dai & Schuurmans, "Scalable Deep Generative Modeling for Sparse
//! Graphs", ICML 2020): an autoregressive model of the lower-triangular adjacency that
//! generates each row through an edge-binary tree, conditioned on a Fenwick-tree summary of
//! the rows before it.
//!
//! Factorisation (paper §3): `p(A) = Π_i p(row_i | rows_{<i})`. Row `i`'s edges to `[0, i)`
//! are generated top-down in a binary tree over the column interval (split at the midpoint):
//! the root decides whether the row has an edge; each internal node decides has-left, then
//! has-right (forced when there is no left edge). The top-down state is an LSTM; after the left
//! subtree it is merged with the left subtree's bottom-up summary (binary Tree-LSTM) before
//! the has-right decision. Row summaries enter a Fenwick tree whose O(log i) block states are
//! folded into the controller state of the next row; a sinusoidal encoding of `n − i` is added.
//! Subtrees of at most `bits_compress` columns are summarised by a fixed ±1 bit vector
//! (`BitsRepNet`).
//!
//! - [`tree`]: host bookkeeping (row trees, Fenwick blocks, the level schedule of a batch);
//! - `cells` (private): LSTM / Tree-LSTM cells and the positional encoding;
//! - [`config`]: [`BiggConfig`] with BiGG's defaults;
//! - [`net`]: [`BiggNet`], with the sequential teacher-forced log-likelihood, the sequential
//!   sampler and the level-batched log-likelihood used in training;
//! - [`host`]: [`HostBigg`], the same sampler on host arrays (taken on plain Flex);
//! - [`Bigg`]: the [`GraphModel`] (fit with Adam, sample, save / load).
//!
//! ```
//! use gsl_data::ensembles::{Generator, Grid2d};
//! use gsl_gen::bigg::{Bigg, BiggConfig, NodeOrder};
//! use gsl_gen::eval::SimpleGraph;
//! use gsl_gen::{FitContext, GraphModel};
//!
//! # fn main() -> gsl_core::Result<()> {
//! let device = gsl_core::device::device_from_name("flex")?;
//! let grids: Vec<SimpleGraph> = [(2, 3), (3, 3), (2, 4), (3, 4)]
//!     .iter()
//!     .map(|&(a, b)| SimpleGraph::from_edges(&Grid2d::new(a, b).sample(0)?))
//!     .collect::<gsl_core::Result<_>>()?;
//! // A small model for the example; BiggConfig::new() has BiGG's defaults (d = 256).
//! let config = BiggConfig::new()
//!     .with_embed_dim(16)
//!     .with_bits_compress(8)
//!     .with_node_order(NodeOrder::Bfs)
//!     .with_epochs(2)
//!     .with_steps_per_epoch(3);
//! let context = FitContext {
//!     device: &device,
//!     seed: 1,
//!     quiet: true,
//!     state_dir: None,
//! };
//! let model = Bigg::fit(&config, &grids, &context)?;
//! let samples = model.sample(3, 7)?;
//! assert_eq!(samples.len(), 3);
//! assert!(model.log_likelihood(&grids)? < 0.0);
//! # Ok(())
//! # }
//! ```
//!
//! Training batches `batch_size` random graphs per step and evaluates their log-likelihood
//! level by level (O(log n) sequential stages per phase). With
//! [`BiggConfig::block_size`] set, each graph is evaluated a block of rows at a time with the
//! gradient of the Fenwick states passed across block boundaries
//! ([`BiggNet::blockwise_gradients`], BiGG's `-blksize`): the same gradients with the
//! autodiff graph of one block alive at a time. Not built: per-depth parameters
//! (`share_param = False`), the tree positional encoding (`tree_pos_enc`, off by default),
//! edge-count bounds in sampling, and `bfs_permute`.

mod cells;
pub mod config;
pub mod host;
mod kernels;
pub mod net;
pub mod tree;

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use burn::module::Module;
use burn::optim::{GradientsAccumulator, GradientsParams};
use burn::tensor::{Device, Tensor};
use gsl_core::train::{
    EpochRecord, History, LossOutput, Progress, StepContext, StepOutput, TrainConfig, Trainer,
    derive_seed, load_checkpoint, load_json, save_checkpoint, save_json, seed_device, seeded_rng,
};
use gsl_core::{GslError, Result};
use rand::seq::SliceRandom;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

pub use config::{BiggConfig, NodeOrder};
pub use host::HostBigg;
pub use net::{BiggNet, BlockwiseGradients};
pub use tree::{BatchPlan, OrderedGraph};

use crate::eval::SimpleGraph;
use crate::model::{FitContext, GraphModel, NodeCountDistribution};

/// Sub-stream of the fit seed that initialises the network.
const INIT_STREAM: u64 = 1;
/// Sub-stream of the fit seed handed to the training loop.
const TRAIN_STREAM: u64 = 2;
/// Checkpoint format version.
const CHECKPOINT_VERSION: u32 = 1;

/// A fitted BiGG model: hyperparameters, network (on a device without autodiff) and the
/// training node-count distribution.
#[derive(Debug)]
pub struct Bigg {
    /// Hyperparameters.
    pub config: BiggConfig,
    /// The network.
    pub net: BiggNet,
    /// Node counts of the training graphs (sampling draws n from them).
    pub node_counts: NodeCountDistribution,
    /// Per-epoch training loss `−ll / #nodes` (empty for an untrained or loaded model).
    pub losses: Vec<f64>,
}

/// The JSON half of a checkpoint; the weights sit next to it in a burnpack file.
#[derive(Serialize, Deserialize)]
struct Checkpoint {
    model: String,
    version: u32,
    config: BiggConfig,
    node_counts: NodeCountDistribution,
    losses: Vec<f64>,
    weights: String,
}

/// Orders `graph` by `order` and reads its rows. Errors: fewer than two nodes.
pub fn ordered_graph(graph: &SimpleGraph, order: NodeOrder) -> Result<OrderedGraph> {
    if graph.num_nodes() < 2 {
        return Err(GslError::invalid(
            "graphs",
            format!(
                "BiGG needs graphs with at least two nodes, got one with {}",
                graph.num_nodes()
            ),
        ));
    }
    let permutation = match order {
        NodeOrder::Identity => (0..graph.num_nodes()).collect(),
        NodeOrder::Bfs => gsl_data::ordering::bfs_order(&graph.to_edge_list())?,
        NodeOrder::Dfs => gsl_data::ordering::dfs_order(&graph.to_edge_list())?,
    };
    OrderedGraph::from_simple(graph, &permutation)
}

/// What a resumable BiGG fit must share with the run whose state it continues.
#[derive(Serialize)]
struct StateKey {
    model: &'static str,
    /// The hyperparameters with `epochs` set to 0 (the one that may change).
    config: BiggConfig,
    graphs: usize,
    fingerprint: String,
}

/// A 64-bit FNV-1a hash of the graphs' node counts and adjacency lists: equal lists of graphs
/// hash equally; a changed edge, node count or order almost surely changes it.
fn graphs_fingerprint(graphs: &[SimpleGraph]) -> u64 {
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |value: usize| {
        for byte in (value as u64).to_le_bytes() {
            hash = (hash ^ byte as u64).wrapping_mul(PRIME);
        }
    };
    for graph in graphs {
        feed(graph.num_nodes());
        for v in 0..graph.num_nodes() {
            feed(graph.degree(v));
            graph.neighbors(v).iter().for_each(|&u| feed(u));
        }
    }
    hash
}

fn weights_path(path: &Path) -> Result<PathBuf> {
    let weights = path.with_extension("bpk");
    if weights == path {
        return Err(GslError::invalid(
            "path",
            "the checkpoint must not end in .bpk (that name is used for its weights)",
        ));
    }
    Ok(weights)
}

impl Bigg {
    /// A model with freshly initialised weights (untrained) and the node counts of `graphs`.
    pub fn untrained(config: &BiggConfig, graphs: &[SimpleGraph], device: &Device) -> Result<Self> {
        config.validate()?;
        if graphs.is_empty() {
            return Err(GslError::invalid("graphs", "the training set is empty"));
        }
        for g in graphs {
            ordered_graph(g, NodeOrder::Identity)?;
        }
        Ok(Self {
            config: config.clone(),
            net: BiggNet::new(config, device)?,
            node_counts: NodeCountDistribution::from_graphs(graphs)?,
            losses: Vec::new(),
        })
    }

    /// [`GraphModel::fit`] with a callback after every epoch (its record: loss, learning rate,
    /// gradient norm); return `ControlFlow::Break(())` to stop early. With
    /// `config.block_size` set, a step whose batch has more nodes than one block processes
    /// every graph block-wise ([`BiggNet::blockwise_gradients`]) and sums the gradients of the
    /// batch loss over graphs and blocks (a smaller batch takes one batched pass, as BiGG's
    /// `batch_train.py`).
    pub fn fit_with(
        config: &BiggConfig,
        train: &[SimpleGraph],
        context: &FitContext<'_>,
        callback: impl FnMut(&EpochRecord) -> ControlFlow<()>,
    ) -> Result<Self> {
        config.validate()?;
        if train.is_empty() {
            return Err(GslError::invalid("train", "the training set is empty"));
        }
        let device = context.device.clone().inner().autodiff();
        // Burn's initialisers draw lazily, at a parameter's first use (the first training
        // step), from the device generator: on Flex that generator is process-global, so two
        // fits running at once in one process interleave their draws.
        seed_device(&device, derive_seed(context.seed, INIT_STREAM));
        let net = BiggNet::new(config, &device)?;
        Self::fit_net(net, config, train, context, callback)
    }

    /// Trains `net` (built from `config` on an autodiff device) as [`Bigg::fit_with`] does.
    fn fit_net(
        net: BiggNet,
        config: &BiggConfig,
        train: &[SimpleGraph],
        context: &FitContext<'_>,
        mut callback: impl FnMut(&EpochRecord) -> ControlFlow<()>,
    ) -> Result<Self> {
        let graphs: Vec<OrderedGraph> = train
            .iter()
            .map(|g| ordered_graph(g, config.node_order))
            .collect::<Result<_>>()?;
        let plain = context.device.clone().inner();
        let mut train_config = TrainConfig::new(config.epochs)
            .with_batches_per_epoch(config.steps_per_epoch)
            .with_learning_rate(config.learning_rate)
            .with_weight_decay(config.weight_decay)
            .with_seed(derive_seed(context.seed, TRAIN_STREAM))
            .with_quiet(context.quiet);
        if config.grad_clip > 0.0 {
            train_config = train_config.with_max_grad_norm(Some(config.grad_clip));
        }
        train_config = train_config.with_state_dir(context.state_dir.map(Path::to_path_buf));
        let mut order: Vec<usize> = (0..graphs.len()).collect();
        let batch_size = config.batch_size.min(graphs.len());
        let steps = config.steps_per_epoch;
        let seeds = train_config.clone();
        // Optimiser steps whose shuffle `order` has seen.
        let mut shuffled = 0;
        // BiGG's batch_train.py: every optimiser step shuffles the same index list in place
        // and takes its head. The list is host state that a resumed fit does not save, so the
        // first step after a resume replays the shuffles of the steps before it.
        let mut pick = move |step: &StepContext| -> Vec<usize> {
            let current = step.epoch * steps + step.batch;
            while shuffled <= current {
                // `epoch_seed` of the step's own epoch is `step.seed`.
                let (epoch, batch) = (shuffled / steps, shuffled % steps);
                let seed = derive_seed(seeds.epoch_seed(epoch), batch as u64);
                order.shuffle(&mut seeded_rng(seed));
                shuffled += 1;
            }
            order[..batch_size].to_vec()
        };
        // A saved state continues only the same model, settings and training graphs.
        let state_key = StateKey {
            model: Self::NAME,
            config: BiggConfig {
                epochs: 0,
                ..config.clone()
            },
            graphs: train.len(),
            fingerprint: format!("{:016x}", graphs_fingerprint(train)),
        };
        let trainer = Trainer::new(train_config)?.with_state_key(&state_key)?;
        let epoch_callback = |record: &EpochRecord, _: &BiggNet| Ok(callback(record));
        let (net, history): (BiggNet, History) = match config.block_size {
            None => trainer.fit_with(
                net,
                |net: &BiggNet, step| {
                    let batch: Vec<&OrderedGraph> =
                        pick(step).into_iter().map(|i| &graphs[i]).collect();
                    let num_nodes: usize = batch.iter().map(|g| g.num_nodes()).sum();
                    let plan = BatchPlan::build(&batch, config.bits_compress)?;
                    let ll = net.log_likelihood_batched(&plan)?;
                    Ok(StepOutput::new(LossOutput::new(
                        ll.neg().div_scalar(num_nodes as f64),
                    )))
                },
                epoch_callback,
            )?,
            // Block-wise (BiGG's `-blksize`): each graph of the batch block by block, the
            // gradients of the same loss `−ll / #nodes` summed over graphs and blocks.
            Some(block_size) => trainer.fit_with_gradients(
                net,
                |net: &BiggNet, step| {
                    let batch = pick(step);
                    let num_nodes: usize = batch.iter().map(|&i| graphs[i].num_nodes()).sum();
                    let weight = -1.0 / num_nodes as f64;
                    if num_nodes <= block_size {
                        // The whole batch fits one block: one batched pass (as BiGG does).
                        let refs: Vec<&OrderedGraph> = batch.iter().map(|&i| &graphs[i]).collect();
                        let plan = BatchPlan::build(&refs, config.bits_compress)?;
                        let loss = net.log_likelihood_batched(&plan)?.mul_scalar(weight);
                        let grads = GradientsParams::from_grads(loss.clone().backward(), net);
                        return Ok((StepOutput::new(LossOutput::new(loss.detach())), grads));
                    }
                    let mut accumulator = GradientsAccumulator::<BiggNet>::new();
                    let mut ll = 0.0;
                    for &i in &batch {
                        let out = net.blockwise_gradients(&graphs[i], block_size, weight)?;
                        ll += out.log_likelihood;
                        accumulator.accumulate(net, out.gradients);
                    }
                    let loss = Tensor::<1>::from_floats([(-ll / num_nodes as f64) as f32], &plain);
                    Ok((StepOutput::new(LossOutput::new(loss)), accumulator.grads()))
                },
                epoch_callback,
            )?,
        };
        Ok(Self {
            config: config.clone(),
            net: net.valid(),
            node_counts: NodeCountDistribution::from_graphs(train)?,
            losses: history.totals(),
        })
    }

    /// The total log-likelihood of `graphs` (ordered by the config's node order), computed by
    /// the level-batched path over all graphs at once, or, when the config has a `block_size`,
    /// graph by graph and block by block ([`BiggNet::blockwise_log_likelihood`]: the memory
    /// of one block). Errors: an empty list or a graph with fewer than two nodes.
    pub fn log_likelihood(&self, graphs: &[SimpleGraph]) -> Result<f64> {
        if graphs.is_empty() {
            return Err(GslError::invalid("graphs", "the list is empty"));
        }
        let ordered: Vec<OrderedGraph> = graphs
            .iter()
            .map(|g| ordered_graph(g, self.config.node_order))
            .collect::<Result<_>>()?;
        if let Some(block_size) = self.config.block_size {
            // Graph by graph, block by block: the memory of one block (as in training).
            return ordered
                .iter()
                .map(|g| self.net.blockwise_log_likelihood(g, block_size))
                .sum();
        }
        let refs: Vec<&OrderedGraph> = ordered.iter().collect();
        let plan = BatchPlan::build(&refs, self.config.bits_compress)?;
        let ll = self.net.log_likelihood_batched(&plan)?;
        let value = gsl_core::tensor::to_vec_f32(ll)[0] as f64;
        if !value.is_finite() {
            return Err(GslError::NonFinite("BiGG log-likelihood".into()));
        }
        Ok(value)
    }

    /// Samples one graph with `num_nodes` nodes from `seed` (node ids in generation order).
    ///
    /// On plain Flex it runs on the host ([`HostBigg`], same graphs as the tensor sampler,
    /// without per-op dispatch); on other devices through tensor ops. The recursion multiplies
    /// single rows, where handing work to other threads costs more than it saves (measured
    /// 1.5× slower with two threads at d = 32–128), so it runs on one thread;
    /// [`GraphModel::sample`] runs graphs in parallel instead.
    pub fn sample_with_nodes(&self, num_nodes: usize, seed: u64) -> Result<SimpleGraph> {
        self.sample_with_progress(num_nodes, seed, true)
    }

    /// [`Bigg::sample_with_nodes`] with a progress bar over rows (hidden when `quiet` or when
    /// stderr is not a terminal): large graphs take minutes.
    pub fn sample_with_progress(
        &self,
        num_nodes: usize,
        seed: u64,
        quiet: bool,
    ) -> Result<SimpleGraph> {
        let host = self.host_sampler()?;
        self.sample_one(host.as_ref(), num_nodes, seed, quiet)
    }

    /// The host copy of the network when it lives on plain Flex (see [`HostBigg`]), else
    /// `None`.
    pub fn host_sampler(&self) -> Result<Option<HostBigg>> {
        if gsl_core::device::is_plain_flex(&self.net.device()) {
            HostBigg::from_net(&self.net).map(Some)
        } else {
            Ok(None)
        }
    }

    fn sample_one(
        &self,
        host: Option<&HostBigg>,
        num_nodes: usize,
        seed: u64,
        quiet: bool,
    ) -> Result<SimpleGraph> {
        let progress = Progress::new(num_nodes as u64, "sample", quiet);
        let on_row = |i: usize| {
            if i.is_multiple_of(256) {
                progress.update(i as u64 + 1, "rows");
            }
            ControlFlow::Continue(())
        };
        let mut rng = seeded_rng(seed);
        let graph = match host {
            Some(host) => {
                host.sample_graph_with(num_nodes, self.config.greedy_frac, &mut rng, on_row)?
            }
            None => {
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(1)
                    .build()
                    .map_err(|e| {
                        GslError::Device(format!("cannot start a sampling thread: {e}"))
                    })?;
                pool.install(|| {
                    self.net
                        .sample_graph_with(num_nodes, self.config.greedy_frac, &mut rng, on_row)
                })?
            }
        };
        progress.finish();
        graph.to_simple()
    }
}

impl GraphModel for Bigg {
    type Config = BiggConfig;
    const NAME: &'static str = "bigg";

    /// Trains with Adam on random batches (see [`BiggConfig`]); progress bar unless quiet.
    /// Errors: an invalid config, an empty list, a graph with fewer than two nodes, a
    /// non-finite loss.
    fn fit(config: &BiggConfig, train: &[SimpleGraph], context: &FitContext<'_>) -> Result<Self> {
        Self::fit_with(config, train, context, |_| ControlFlow::Continue(()))
    }

    /// Graph `i` draws its node count and its edges from [`derive_seed`]`(seed, i)`; graphs
    /// are sampled in parallel. Every sampled node is kept, isolated ones included.
    fn sample(&self, count: usize, seed: u64) -> Result<Vec<SimpleGraph>> {
        if count == 0 {
            return Err(GslError::invalid("count", "must be at least 1"));
        }
        let host = self.host_sampler()?;
        (0..count)
            .into_par_iter()
            .map(|i| {
                let graph_seed = derive_seed(seed, i as u64);
                let n = self.node_counts.sample(&mut seeded_rng(graph_seed));
                self.sample_one(host.as_ref(), n, derive_seed(graph_seed, 1), true)
            })
            .collect()
    }

    /// Writes `path` (JSON: model name, version, config, node counts, losses) and the weights
    /// to `path` with extension `.bpk` (burnpack), both atomically; refuses to replace either
    /// unless `overwrite`.
    fn save(&self, path: &Path, overwrite: bool) -> Result<()> {
        let weights = weights_path(path)?;
        if !overwrite {
            for p in [path, weights.as_path()] {
                if p.exists() {
                    return Err(GslError::io(
                        p,
                        std::io::Error::new(
                            std::io::ErrorKind::AlreadyExists,
                            "file already exists; pass overwrite = true to replace it",
                        ),
                    ));
                }
            }
        }
        save_checkpoint(&self.net, &weights, overwrite)?;
        let checkpoint = Checkpoint {
            model: Self::NAME.to_string(),
            version: CHECKPOINT_VERSION,
            config: self.config.clone(),
            node_counts: self.node_counts.clone(),
            losses: self.losses.clone(),
            weights: weights
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        };
        save_json(&checkpoint, path, overwrite)
    }

    fn load(path: &Path, device: &Device) -> Result<Self> {
        let checkpoint: Checkpoint = load_json(path)?;
        let bad = crate::model::check_checkpoint_header(
            path,
            &checkpoint.model,
            checkpoint.version,
            Self::NAME,
            CHECKPOINT_VERSION,
        )?;
        checkpoint
            .config
            .validate()
            .map_err(|e| bad(e.to_string()))?;
        checkpoint
            .node_counts
            .validate()
            .map_err(|e| bad(e.to_string()))?;
        if checkpoint.node_counts.counts().contains(&1) {
            return Err(bad("a training node count is 1".into()));
        }
        let weights = path
            .parent()
            .unwrap_or_else(|| Path::new("."))
            .join(&checkpoint.weights);
        let device = device.clone().inner();
        let net = BiggNet::new(&checkpoint.config, &device)?;
        let net = load_checkpoint(net, &weights, &device)?;
        Ok(Self {
            config: checkpoint.config,
            net,
            node_counts: checkpoint.node_counts,
            losses: checkpoint.losses,
        })
    }
}

#[cfg(test)]
#[allow(clippy::cloned_ref_to_slice_refs)]
mod tests {
    use super::*;
    use crate::eval::validity::is_bifurcating_tree;
    use crate::eval::{EvalConfig, Statistic, evaluate};
    use gsl_core::device::device_from_name;
    use gsl_core::train::materialize_params;
    use gsl_data::ensembles::{Generator, Grid2d};

    fn small_config() -> BiggConfig {
        BiggConfig::new()
            .with_embed_dim(16)
            .with_bits_compress(8)
            .with_node_order(NodeOrder::Bfs)
            .with_batch_size(4)
            .with_steps_per_epoch(5)
            .with_epochs(6)
            .with_learning_rate(1e-2)
            .with_pos_base(100.0)
    }

    fn grids() -> Vec<SimpleGraph> {
        let mut out = Vec::new();
        for (a, b) in [(2, 3), (3, 3), (2, 4), (3, 4), (2, 5), (3, 2)] {
            let e = Grid2d::new(a, b).sample(0).unwrap();
            out.push(SimpleGraph::from_edges(&e).unwrap());
        }
        out
    }

    fn context(device: &Device) -> FitContext<'_> {
        FitContext {
            device,
            seed: 3,
            quiet: true,
            state_dir: None,
        }
    }

    #[test]
    fn training_lowers_the_loss_and_moves_samples_towards_the_data() {
        let device = device_from_name("flex").unwrap();
        let train = grids();
        let config = small_config();
        let trained = Bigg::fit(&config, &train, &context(&device)).unwrap();
        assert_eq!(trained.losses.len(), 6);
        let (first, last) = (trained.losses[0], *trained.losses.last().unwrap());
        assert!(last < 0.7 * first, "loss {first} -> {last}");

        // Same architecture and seed, no training.
        seed_device(&device, derive_seed(3, INIT_STREAM));
        let untrained = Bigg::untrained(&config, &train, &device).unwrap();
        assert!(
            trained.log_likelihood(&train).unwrap() > untrained.log_likelihood(&train).unwrap()
        );

        let eval = EvalConfig {
            statistics: vec![Statistic::Degree],
            ..EvalConfig::default()
        };
        let mmd = |m: &Bigg| {
            let samples = m.sample(12, 11).unwrap();
            evaluate(&train, &samples, &eval)
                .unwrap()
                .value(Statistic::Degree)
                .unwrap()
        };
        let (good, bad) = (mmd(&trained), mmd(&untrained));
        assert!(good < bad, "degree MMD² trained {good} vs untrained {bad}");
    }

    #[test]
    fn a_model_that_memorised_one_tree_samples_that_tree() {
        // Training and sampling must agree on every decision and on the node order: a model
        // that puts nearly all its mass on one bifurcating tree reproduces it, edge for edge,
        // in the order it was trained on (DFS), and a bifurcating tree needs every one of its
        // ~100 decisions right.
        use gsl_data::ensembles::BifurcatingTree;
        let device = device_from_name("flex").unwrap();
        let tree = SimpleGraph::from_edges(&BifurcatingTree::new(10).sample(5).unwrap()).unwrap();
        let config = BiggConfig::new()
            .with_embed_dim(16)
            .with_bits_compress(16)
            .with_node_order(NodeOrder::Dfs)
            .with_batch_size(1)
            .with_steps_per_epoch(200)
            .with_epochs(1)
            .with_learning_rate(1e-2);
        let model = Bigg::fit(&config, std::slice::from_ref(&tree), &context(&device)).unwrap();
        let ll = model.log_likelihood(std::slice::from_ref(&tree)).unwrap();
        assert!(
            ll > 0.95f64.ln(),
            "log-likelihood of the training tree {ll}"
        );
        let trained_order = ordered_graph(&tree, NodeOrder::Dfs).unwrap().edges();
        let samples = model.sample(20, 1).unwrap();
        let copies = samples
            .iter()
            .filter(|g| {
                let ordered = ordered_graph(g, NodeOrder::Identity).unwrap();
                ordered.edges() == trained_order
            })
            .count();
        // With probability ≥ 0.95 per sample, 14 or more copies of 20 fail once in ~10⁴ fits.
        assert!(copies >= 14, "{copies} of 20 samples are the training tree");
        assert!(samples.iter().filter(|g| is_bifurcating_tree(g)).count() >= copies);
    }

    #[test]
    fn blockwise_training_follows_one_pass_training() {
        let device = device_from_name("flex").unwrap();
        let train = grids();
        let config = small_config().with_epochs(4).with_steps_per_epoch(3);
        // One initial network for all runs, its parameters drawn before it is copied (the
        // device generator is shared with the tests running beside this one).
        let initial = BiggNet::new(&config, &device.clone().autodiff()).unwrap();
        materialize_params(&initial);
        let fit = |config: &BiggConfig| {
            Bigg::fit_net(initial.clone(), config, &train, &context(&device), |_| {
                ControlFlow::Continue(())
            })
            .unwrap()
        };
        let one_pass = fit(&config);
        // Blocks of 5 rows cut every grid (6–15 nodes) at rows that are not powers of two;
        // blocks of 1000 rows hold a whole batch (one batched pass per step).
        for block in [5, 1000] {
            let blocks = config.clone().with_block_size(Some(block));
            let blockwise = fit(&blocks);
            let (first, last) = (blockwise.losses[0], *blockwise.losses.last().unwrap());
            assert!(last < 0.8 * first, "loss {first} -> {last}");
            // Same gradients, same Adam steps: the two runs stay together.
            for (a, b) in one_pass.losses.iter().zip(&blockwise.losses) {
                assert!((a - b).abs() < 1e-3 * a.abs(), "block {block}: {a} vs {b}");
            }
            assert_eq!(blockwise.config.block_size, Some(block));
            // Evaluation follows the config's blocks and gives the one-pass value.
            let (by_blocks, whole) = (
                blockwise.log_likelihood(&train).unwrap(),
                Bigg {
                    config: config.clone(),
                    ..blockwise
                }
                .log_likelihood(&train)
                .unwrap(),
            );
            assert!(
                (by_blocks - whole).abs() < 1e-4 * whole.abs(),
                "block {block}: {by_blocks} vs {whole}"
            );
        }
        let bad = config.with_block_size(Some(0));
        assert!(Bigg::fit(&bad, &train, &context(&device)).is_err());
    }

    #[test]
    fn a_fit_continued_from_its_state_equals_the_uninterrupted_fit() {
        let device = device_from_name("flex").unwrap();
        let train = grids();
        let config = small_config().with_epochs(4).with_steps_per_epoch(3);
        // One initial network, drawn before copying (see the block-wise test).
        let initial = BiggNet::new(&config, &device.clone().autodiff()).unwrap();
        materialize_params(&initial);
        let dir = tempfile::tempdir().unwrap();
        let fit = |config: &BiggConfig, train: &[SimpleGraph], state: Option<&Path>| {
            let context = FitContext {
                state_dir: state,
                ..context(&device)
            };
            Bigg::fit_net(initial.clone(), config, train, &context, |_| {
                ControlFlow::Continue(())
            })
        };
        let whole = fit(&config, &train, None).unwrap();
        let state = Some(dir.path());
        let first = fit(&config.clone().with_epochs(2), &train, state).unwrap();
        assert_eq!(first.losses, whole.losses[..2]);
        let resumed = fit(&config, &train, state).unwrap();
        assert_eq!(resumed.losses, whole.losses);
        assert_eq!(
            resumed.log_likelihood(&train).unwrap(),
            whole.log_likelihood(&train).unwrap()
        );
        // Another training set or other settings are refused, not continued.
        let refused = |result: Result<Bigg>| match result {
            Err(GslError::InvalidArgument { name, .. }) => assert_eq!(name, "state_dir"),
            other => panic!("expected a refusal, got {:?}", other.map(|m| m.losses)),
        };
        refused(fit(&config, &train[1..], state));
        refused(fit(&config.clone().with_embed_dim(8), &train, state));
        refused(fit(&config.clone().with_learning_rate(0.1), &train, state));
    }

    #[test]
    fn checkpoint_round_trip_reproduces_the_likelihood() {
        let device = device_from_name("flex").unwrap();
        let train = grids();
        let config = small_config().with_epochs(1).with_steps_per_epoch(2);
        let model = Bigg::fit(&config, &train, &context(&device)).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bigg.json");
        model.save(&path, false).unwrap();
        assert!(dir.path().join("bigg.bpk").exists());
        assert!(model.save(&path, false).is_err(), "no silent overwrite");
        model.save(&path, true).unwrap();
        assert_eq!(crate::model::checkpoint_model_name(&path).unwrap(), "bigg");
        let back = Bigg::load(&path, &device).unwrap();
        assert_eq!(
            back.log_likelihood(&train).unwrap(),
            model.log_likelihood(&train).unwrap()
        );
        assert_eq!(back.sample(3, 4).unwrap(), model.sample(3, 4).unwrap());
        assert_eq!(back.config, model.config);
        // Corrupt or foreign files are errors.
        std::fs::write(dir.path().join("bigg.bpk"), b"garbage").unwrap();
        assert!(Bigg::load(&path, &device).is_err());
        std::fs::write(&path, "{\"model\": \"er\", \"version\": 1}").unwrap();
        assert!(Bigg::load(&path, &device).is_err());
        assert!(model.save(&dir.path().join("w.bpk"), true).is_err());
    }

    #[test]
    fn bad_input_is_an_error() {
        let device = device_from_name("flex").unwrap();
        let config = small_config();
        let ctx = context(&device);
        assert!(Bigg::fit(&config, &[], &ctx).is_err());
        let single = SimpleGraph::from_pairs(1, &[]).unwrap();
        assert!(Bigg::fit(&config, &[single.clone()], &ctx).is_err());
        let mut with_single = grids();
        with_single.push(single);
        assert!(Bigg::fit(&config, &with_single, &ctx).is_err());
        let bad = config.clone().with_bits_compress(32);
        assert!(Bigg::fit(&bad, &grids(), &ctx).is_err());
        let model = Bigg::untrained(&config, &grids(), &device).unwrap();
        assert!(model.sample(0, 1).is_err());
        assert!(model.log_likelihood(&[]).is_err());
        // Self-loops never reach the model: the graph type refuses them.
        assert!(SimpleGraph::from_pairs(3, &[(1, 1)]).is_err());
        assert!(OrderedGraph::new(3, &[(2, 2)]).is_err());
    }
}
