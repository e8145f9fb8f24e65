//! Node2Vec (Grover & Leskovec, KDD 2016): biased second-order random walks, then skip-gram
//! with negative sampling, as in PyG's / PyAGC's `Node2Vec` (one embedding table for centres
//! and contexts, windows of `context_size` nodes cut from walks of `walk_length` nodes, uniform
//! negative "walks").
//!
//! - Walks run on the host in parallel (rayon) over gsl-core's [`Csr`]. The first-order step
//!   draws a neighbour `x` of `v` with probability `w(v, x)/Σ w` from a per-node alias table
//!   ([`AliasTable`], Walker 1977 / Vose 1991; skipped for unweighted graphs, where it is
//!   uniform). The second-order bias of §3.2.2 — `1/p` back to the previous node `t`, `1` to a
//!   common neighbour of `t`, `1/q` further away — is applied by rejection: accept the proposal
//!   with probability `β(t, x)/max(1/p, 1, 1/q)`, which samples exactly the node2vec transition
//!   `∝ β(t, x)·w(v, x)` with `O(E)` memory (instead of node2vec's `O(Σ d²)` edge alias
//!   tables). Every walk has its own generator seeded from `(seed, walk index)`, so the walks
//!   do not depend on the number of threads.
//! - Training minimises `−log σ(h_uᵀh_v)` over (centre, context) pairs of the windows and
//!   `−log σ(−h_uᵀh_n)` over uniform negatives with Adam, in mini-batches of start nodes, with
//!   early stopping on the training loss (PyAGC: patience 20). The table lives on the device
//!   (Burn autodiff, gsl-core's [`Trainer`]), or with `host_embeddings` in host memory: each
//!   batch then uploads only the rows it touches and a lazy (sparse) Adam updates them on the
//!   host, as PyTorch's `SparseAdam` does, for graphs whose table does not fit on the device.
//!
//! Defaults are PyAGC's (`embedding_dim 128`, `walk_length = context_size = 10`, 10 walks per
//! node, 1 negative, `p = q = 1`, batch 128, lr 0.01, 200 epochs, Cora 100).

use std::collections::HashMap;

use burn::config::Config;
use burn::module::{Module, Param};
use burn::tensor::activation::log_sigmoid;
use burn::tensor::{Device, Int, Tensor, TensorData};
use gsl_core::tensor::to_vec_f32;
use gsl_core::train::{
    EarlyStopping, EarlyStoppingConfig, LossOutput, Progress, StepOutput, TrainConfig, Trainer,
    derive_seed, seeded_rng,
};
use gsl_core::{AttributedGraph, Csr, EdgeList, GslError, Result};
use rand::RngExt;
use rand::seq::SliceRandom;
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;

use crate::framework::Embed;

/// Walker's alias table for sampling an index `i` with probability `w_i / Σ w` in `O(1)`.
#[derive(Debug, Clone, PartialEq)]
pub struct AliasTable {
    prob: Vec<f32>,
    alias: Vec<u32>,
}

impl AliasTable {
    /// Builds the table for non-negative finite weights with a positive sum (Vose's `O(n)`
    /// construction).
    ///
    /// Errors: empty weights, a negative or non-finite weight, a zero sum.
    pub fn new(weights: &[f32]) -> Result<Self> {
        let n = weights.len();
        if n == 0 {
            return Err(GslError::invalid("weights", "need at least one weight"));
        }
        if let Some(w) = weights.iter().find(|w| !(w.is_finite() && **w >= 0.0)) {
            return Err(GslError::invalid(
                "weights",
                format!("must be finite and >= 0, got {w}"),
            ));
        }
        let total: f64 = weights.iter().map(|&w| f64::from(w)).sum();
        if total <= 0.0 {
            return Err(GslError::invalid("weights", "the weights sum to zero"));
        }
        let mut scaled: Vec<f64> = weights
            .iter()
            .map(|&w| f64::from(w) * n as f64 / total)
            .collect();
        let mut prob = vec![1.0f32; n];
        let mut alias: Vec<u32> = (0..n as u32).collect();
        let (mut small, mut large): (Vec<usize>, Vec<usize>) =
            (0..n).partition(|&i| scaled[i] < 1.0);
        while let (Some(s), Some(&l)) = (small.pop(), large.last()) {
            prob[s] = scaled[s] as f32;
            alias[s] = l as u32;
            scaled[l] -= 1.0 - scaled[s];
            if scaled[l] < 1.0 {
                large.pop();
                small.push(l);
            }
        }
        // Whatever is left has probability one up to rounding.
        Ok(Self { prob, alias })
    }

    /// Number of outcomes.
    pub fn len(&self) -> usize {
        self.prob.len()
    }

    /// Whether the table is empty (never, for a table built by [`AliasTable::new`]).
    pub fn is_empty(&self) -> bool {
        self.prob.is_empty()
    }

    /// The probability of every outcome implied by the table (for checking it).
    pub fn probabilities(&self) -> Vec<f64> {
        let n = self.len() as f64;
        let mut p = vec![0.0; self.len()];
        for (i, (&keep, &other)) in self.prob.iter().zip(&self.alias).enumerate() {
            p[i] += f64::from(keep) / n;
            p[other as usize] += (1.0 - f64::from(keep)) / n;
        }
        p
    }

    /// Draws one index.
    pub fn sample<R: rand::Rng + ?Sized>(&self, rng: &mut R) -> usize {
        let i = rng.random_range(0..self.len());
        if rng.random::<f32>() < self.prob[i] {
            i
        } else {
            self.alias[i] as usize
        }
    }
}

/// Biased (p, q) random walks on a host graph.
#[derive(Debug, Clone)]
pub struct Node2VecWalker {
    csr: Csr,
    /// One alias table per node over its out-edges (weighted graphs only).
    alias: Option<Vec<AliasTable>>,
    p: f64,
    q: f64,
}

impl Node2VecWalker {
    /// A walker on `edges` (store both directions for an undirected graph) with return
    /// parameter `p` and in-out parameter `q`.
    ///
    /// Errors: `p` or `q` not positive and finite, an empty graph, negative edge weights or a
    /// node whose out-weights sum to zero.
    pub fn new(edges: &EdgeList, p: f64, q: f64) -> Result<Self> {
        for (name, v) in [("p", p), ("q", q)] {
            if !(v.is_finite() && v > 0.0) {
                return Err(GslError::invalid(
                    name,
                    format!("must be positive, got {v}"),
                ));
            }
        }
        if edges.num_nodes() == 0 {
            return Err(GslError::invalid("edges", "the graph has no nodes"));
        }
        let csr = Csr::from_edge_list(edges);
        let alias = match edges.weights() {
            Some(w) if w.iter().any(|&x| x != 1.0) => Some(
                (0..csr.num_nodes())
                    .into_par_iter()
                    .map(|i| {
                        let w = csr.neighbor_weights(i);
                        if w.is_empty() {
                            Ok(AliasTable {
                                prob: Vec::new(),
                                alias: Vec::new(),
                            })
                        } else {
                            AliasTable::new(w)
                        }
                    })
                    .collect::<Result<Vec<_>>>()?,
            ),
            _ => None,
        };
        Ok(Self { csr, alias, p, q })
    }

    /// Number of nodes.
    pub fn num_nodes(&self) -> usize {
        self.csr.num_nodes()
    }

    /// A first-order step from `v`: a neighbour drawn ∝ edge weight, or `v` itself when `v` has
    /// no out-edges (a walk stays at a dead end, as PyG's walker does).
    fn first_order<R: rand::Rng>(&self, v: usize, rng: &mut R) -> usize {
        let nbrs = self.csr.neighbors(v);
        if nbrs.is_empty() {
            return v;
        }
        let j = match &self.alias {
            Some(tables) => tables[v].sample(rng),
            None => rng.random_range(0..nbrs.len()),
        };
        nbrs[j]
    }

    /// One walk of `length` nodes from `start` (`length ≥ 1`).
    pub fn walk<R: rand::Rng>(&self, start: usize, length: usize, rng: &mut R) -> Vec<usize> {
        let mut walk = Vec::with_capacity(length);
        walk.push(start);
        if length < 2 {
            return walk;
        }
        walk.push(self.first_order(start, rng));
        let biased = self.p != 1.0 || self.q != 1.0;
        let (inv_p, inv_q) = (1.0 / self.p, 1.0 / self.q);
        let max_bias = inv_p.max(1.0).max(inv_q);
        while walk.len() < length {
            let (t, v) = (walk[walk.len() - 2], walk[walk.len() - 1]);
            let next = if !biased || self.csr.degree(v) == 0 {
                self.first_order(v, rng)
            } else {
                loop {
                    let x = self.first_order(v, rng);
                    let bias = if x == t {
                        inv_p
                    } else if self.csr.neighbors(t).binary_search(&x).is_ok() {
                        1.0
                    } else {
                        inv_q
                    };
                    if rng.random::<f64>() * max_bias < bias {
                        break x;
                    }
                }
            };
            walk.push(next);
        }
        walk
    }

    /// Walks of `length` nodes from every node of `starts`, concatenated (`starts.len() ×
    /// length` ids). Walk `i` uses a generator seeded with `derive_seed(seed, i)` and the walks
    /// run in parallel, so the result does not depend on the number of threads.
    ///
    /// Errors: `length = 0`, a start id out of range.
    pub fn walks(&self, starts: &[usize], length: usize, seed: u64) -> Result<Vec<usize>> {
        if length == 0 {
            return Err(GslError::invalid("length", "a walk has at least one node"));
        }
        let n = self.num_nodes();
        if let Some(&bad) = starts.iter().find(|&&s| s >= n) {
            return Err(GslError::NodeOutOfRange {
                id: bad as i64,
                num_nodes: n,
            });
        }
        let mut out = vec![0usize; starts.len() * length];
        out.par_chunks_mut(length)
            .zip(starts.par_iter())
            .enumerate()
            .for_each(|(i, (slot, &s))| {
                let mut rng = seeded_rng(derive_seed(seed, i as u64));
                slot.copy_from_slice(&self.walk(s, length, &mut rng));
            });
        Ok(out)
    }
}

/// Hyperparameters of [`Node2Vec`]; defaults are PyAGC's.
#[derive(Config, Debug, PartialEq)]
pub struct Node2VecConfig {
    /// Embedding dimension.
    #[config(default = 128)]
    pub embedding_dim: usize,
    /// Nodes per walk.
    #[config(default = 10)]
    pub walk_length: usize,
    /// Nodes per window (centre + `context_size − 1` contexts), `2 ≤ context_size ≤
    /// walk_length`.
    #[config(default = 10)]
    pub context_size: usize,
    /// Walks started from every node of a batch.
    #[config(default = 10)]
    pub walks_per_node: usize,
    /// Negative windows per positive window.
    #[config(default = 1)]
    pub negatives: usize,
    /// Return parameter p.
    #[config(default = 1.0)]
    pub p: f64,
    /// In-out parameter q.
    #[config(default = 1.0)]
    pub q: f64,
    /// Training epochs (each visits every node once as a start node).
    #[config(default = 200)]
    pub epochs: usize,
    /// Start nodes per mini-batch.
    #[config(default = 128)]
    pub batch_size: usize,
    /// Adam learning rate.
    #[config(default = 0.01)]
    pub learning_rate: f64,
    /// Early-stopping patience on the epoch's training loss; `None` runs every epoch.
    #[config(default = "Some(20)")]
    pub patience: Option<usize>,
    /// Keep the embedding table in host memory (lazy Adam on the touched rows) instead of on
    /// the device.
    #[config(default = false)]
    pub host_embeddings: bool,
    /// Seed of the initial table, the batches, the walks and the negatives.
    #[config(default = 0)]
    pub seed: u64,
    /// Hide the progress bar.
    #[config(default = true)]
    pub quiet: bool,
}

impl Node2VecConfig {
    /// Checks the sizes, `p`, `q` and the learning rate.
    pub fn validate(&self) -> Result<()> {
        for (name, v) in [
            ("embedding_dim", self.embedding_dim),
            ("walks_per_node", self.walks_per_node),
            ("negatives", self.negatives),
            ("epochs", self.epochs),
            ("batch_size", self.batch_size),
        ] {
            if v == 0 {
                return Err(GslError::invalid(name, "must be at least 1"));
            }
        }
        if self.context_size < 2 || self.context_size > self.walk_length {
            return Err(GslError::invalid(
                "context_size",
                format!(
                    "need 2 <= context_size <= walk_length = {}, got {}",
                    self.walk_length, self.context_size
                ),
            ));
        }
        for (name, v) in [
            ("p", self.p),
            ("q", self.q),
            ("learning_rate", self.learning_rate),
        ] {
            if !(v.is_finite() && v > 0.0) {
                return Err(GslError::invalid(
                    name,
                    format!("must be positive, got {v}"),
                ));
            }
        }
        Ok(())
    }
}

/// The embedding table trained on the device.
#[derive(Module, Debug)]
struct Table {
    weight: Param<Tensor<2>>,
}

/// Index tensors `[windows, context_size]` of one mini-batch: positive windows cut from
/// biased walks, negative windows `[start, uniform nodes…]`.
struct Windows {
    pos: Vec<usize>,
    neg: Vec<usize>,
    rows: usize,
    neg_rows: usize,
}

/// The skip-gram negative-sampling loss of windows `[w, c]` whose ids index `table` rows:
/// `mean −log σ(h_0ᵀh_j)` over positive windows plus `mean −log σ(−h_0ᵀh_j)` over negative ones.
fn skipgram_loss(table: Tensor<2>, pos: Tensor<2, Int>, neg: Tensor<2, Int>) -> LossOutput {
    let part = |idx: Tensor<2, Int>, sign: f32| {
        let [w, c] = idx.dims();
        let d = table.dims()[1];
        let h = table
            .clone()
            .select(0, idx.reshape([w * c]))
            .reshape([w, c, d]);
        let centre = h.clone().narrow(1, 0, 1);
        let context = h.narrow(1, 1, c - 1);
        let dots = centre.mul(context).sum_dim(2).mul_scalar(sign); // [w, c-1, 1]
        log_sigmoid(dots).mean().neg()
    };
    let pos_loss = part(pos, 1.0);
    let neg_loss = part(neg, -1.0);
    LossOutput::new(pos_loss.clone().add(neg_loss.clone()))
        .with_part("positive", pos_loss)
        .with_part("negative", neg_loss)
}

/// Node2Vec embeddings, trained when [`Embed::embed`] is called.
#[derive(Debug, Clone, PartialEq)]
pub struct Node2Vec {
    /// Its hyperparameters.
    pub config: Node2VecConfig,
}

impl Node2Vec {
    /// A Node2Vec model with `config` (validated here).
    pub fn new(config: Node2VecConfig) -> Result<Self> {
        config.validate()?;
        Ok(Self { config })
    }

    /// The windows of the batch of start nodes `starts`, drawn with `seed`.
    fn windows(&self, walker: &Node2VecWalker, starts: &[usize], seed: u64) -> Result<Windows> {
        let c = &self.config;
        let (len, ctx) = (c.walk_length, c.context_size);
        let per_walk = len + 1 - ctx;
        let repeated: Vec<usize> = (0..c.walks_per_node)
            .flat_map(|_| starts.iter().copied())
            .collect();
        let walks = walker.walks(&repeated, len, derive_seed(seed, 0))?;
        let mut pos = Vec::with_capacity(repeated.len() * per_walk * ctx);
        for walk in walks.chunks(len) {
            for j in 0..per_walk {
                pos.extend_from_slice(&walk[j..j + ctx]);
            }
        }
        let n = walker.num_nodes();
        let mut rng = seeded_rng(derive_seed(seed, 1));
        let mut neg = Vec::with_capacity(repeated.len() * c.negatives * per_walk * ctx);
        for _ in 0..c.negatives {
            for &s in &repeated {
                let mut walk = Vec::with_capacity(len);
                walk.push(s);
                walk.extend((1..len).map(|_| rng.random_range(0..n)));
                for j in 0..per_walk {
                    neg.extend_from_slice(&walk[j..j + ctx]);
                }
            }
        }
        Ok(Windows {
            rows: pos.len() / ctx,
            neg_rows: neg.len() / ctx,
            pos,
            neg,
        })
    }

    /// The initial table `N(0, 1)` (PyTorch's `Embedding` initialisation), drawn on the host.
    fn initial_table(&self, n: usize) -> Vec<f32> {
        let mut rng = seeded_rng(derive_seed(self.config.seed, 2));
        (0..n * self.config.embedding_dim)
            .map(|_| StandardNormal.sample(&mut rng))
            .collect()
    }

    /// Trains on `edges` and returns the table `[N, embedding_dim]` on `device`.
    ///
    /// Errors: those of [`Node2VecWalker::new`], and a non-finite loss.
    pub fn fit(&self, edges: &EdgeList, device: &Device) -> Result<Tensor<2>> {
        let c = &self.config;
        let walker = Node2VecWalker::new(edges, c.p, c.q)?;
        let n = walker.num_nodes();
        if c.host_embeddings {
            let table = self.fit_host(&walker, device)?;
            return Ok(Tensor::from_data(
                TensorData::new(table, [n, c.embedding_dim]),
                device,
            ));
        }
        let train_device = device.clone().autodiff();
        let table = Table {
            weight: Param::from_tensor(Tensor::from_data(
                TensorData::new(self.initial_table(n), [n, c.embedding_dim]),
                &train_device,
            )),
        };
        let batches = n.div_ceil(c.batch_size);
        let mut config = TrainConfig::new(c.epochs)
            .with_batches_per_epoch(batches)
            .with_learning_rate(c.learning_rate)
            .with_seed(c.seed)
            .with_quiet(c.quiet);
        if let Some(patience) = c.patience {
            config = config
                .with_early_stopping(Some(EarlyStoppingConfig::new().with_patience(patience)));
        }
        let mut order: Vec<usize> = (0..n).collect();
        let ctx = c.context_size;
        let (table, _) = Trainer::new(config)?.fit(table, |m: &Table, step| {
            if step.batch == 0 {
                order = (0..n).collect();
                order.shuffle(&mut seeded_rng(step.seed));
            }
            let lo = step.batch * c.batch_size;
            let starts = &order[lo..(lo + c.batch_size).min(n)];
            let w = self.windows(
                &walker,
                starts,
                derive_seed(step.seed, 1 + step.batch as u64),
            )?;
            let pos = index_tensor(&w.pos, [w.rows, ctx], &train_device);
            let neg = index_tensor(&w.neg, [w.neg_rows, ctx], &train_device);
            Ok(StepOutput::new(skipgram_loss(m.weight.val(), pos, neg)))
        })?;
        Ok(table.valid().weight.val().to_device(device))
    }

    /// The host-memory variant: every batch uploads the rows it touches, computes the loss and
    /// its gradient on the device, and a lazy Adam (PyTorch `SparseAdam`: moments of a row are
    /// updated only when the row is touched; bias correction by the global step) updates those
    /// rows on the host.
    fn fit_host(&self, walker: &Node2VecWalker, device: &Device) -> Result<Vec<f32>> {
        let c = &self.config;
        let (n, d, ctx) = (walker.num_nodes(), c.embedding_dim, c.context_size);
        let train_device = device.clone().autodiff();
        let mut table = self.initial_table(n);
        let (mut m1, mut m2) = (vec![0.0f32; n * d], vec![0.0f32; n * d]);
        let (beta1, beta2, eps, lr) = (0.9f32, 0.999f32, 1e-8f32, c.learning_rate as f32);
        let mut stopper = match c.patience {
            Some(p) => EarlyStopping::new(&EarlyStoppingConfig::new().with_patience(p))?,
            None => EarlyStopping::tracking_only(gsl_core::train::Mode::Min),
        };
        let batches = n.div_ceil(c.batch_size);
        let progress = Progress::new(c.epochs as u64, "node2vec", c.quiet);
        let mut step_count = 0i32;
        for epoch in 0..c.epochs {
            let epoch_seed = derive_seed(c.seed, (1 << 32) + epoch as u64);
            let mut order: Vec<usize> = (0..n).collect();
            order.shuffle(&mut seeded_rng(epoch_seed));
            let mut epoch_loss = 0.0;
            for b in 0..batches {
                let starts = &order[b * c.batch_size..((b + 1) * c.batch_size).min(n)];
                let w = self.windows(walker, starts, derive_seed(epoch_seed, 1 + b as u64))?;
                // Local ids of the touched rows.
                let mut local: HashMap<usize, usize> = HashMap::new();
                let mut touched = Vec::new();
                let mut remap = |ids: &[usize]| -> Vec<usize> {
                    ids.iter()
                        .map(|&g| {
                            *local.entry(g).or_insert_with(|| {
                                touched.push(g);
                                touched.len() - 1
                            })
                        })
                        .collect()
                };
                let pos = remap(&w.pos);
                let neg = remap(&w.neg);
                let rows: Vec<f32> = touched
                    .iter()
                    .flat_map(|&g| table[g * d..(g + 1) * d].iter().copied())
                    .collect();
                let u = touched.len();
                let rows = Tensor::<2>::from_data(TensorData::new(rows, [u, d]), &train_device)
                    .require_grad();
                let loss = skipgram_loss(
                    rows.clone(),
                    index_tensor(&pos, [w.rows, ctx], &train_device),
                    index_tensor(&neg, [w.neg_rows, ctx], &train_device),
                );
                let value: f32 = loss.total.clone().into_scalar();
                if !value.is_finite() {
                    return Err(GslError::NonFinite(format!(
                        "node2vec loss at epoch {epoch}"
                    )));
                }
                epoch_loss += f64::from(value);
                let grads = loss.total.backward();
                let g = rows
                    .grad(&grads)
                    .ok_or_else(|| GslError::Training("no gradient for the table rows".into()))?;
                let g = to_vec_f32(g);
                step_count += 1;
                let (c1, c2) = (1.0 - beta1.powi(step_count), 1.0 - beta2.powi(step_count));
                for (r, &gid) in touched.iter().enumerate() {
                    for j in 0..d {
                        let (k, gr) = (gid * d + j, g[r * d + j]);
                        m1[k] = beta1 * m1[k] + (1.0 - beta1) * gr;
                        m2[k] = beta2 * m2[k] + (1.0 - beta2) * gr * gr;
                        table[k] -= lr * (m1[k] / c1) / ((m2[k] / c2).sqrt() + eps);
                    }
                }
            }
            let mean = epoch_loss / batches as f64;
            progress.update(epoch as u64 + 1, format!("loss {mean:.4}"));
            if stopper.update(epoch, mean)? == gsl_core::train::Decision::Stop {
                break;
            }
        }
        progress.finish();
        Ok(table)
    }
}

fn index_tensor(ids: &[usize], shape: [usize; 2], device: &Device) -> Tensor<2, Int> {
    let v: Vec<i64> = ids.iter().map(|&i| i as i64).collect();
    Tensor::from_data(TensorData::new(v, shape), device)
}

impl Embed for Node2Vec {
    /// Trains on the structure of `data` (features are not used) and returns the table.
    fn embed(&self, data: &AttributedGraph) -> Result<Tensor<2>> {
        self.fit(&data.graph.to_edge_list(), &data.features.device())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alias_table_implies_the_weights_and_samples_them() {
        let w = [1.0f32, 2.0, 0.0, 4.0, 3.0];
        let table = AliasTable::new(&w).unwrap();
        for (p, &wi) in table.probabilities().iter().zip(&w) {
            assert!((p - f64::from(wi) / 10.0).abs() < 1e-6, "{p} vs {wi}");
        }
        let mut rng = seeded_rng(3);
        let mut counts = [0usize; 5];
        let draws = 200_000;
        for _ in 0..draws {
            counts[table.sample(&mut rng)] += 1;
        }
        for (c, &wi) in counts.iter().zip(&w) {
            let freq = *c as f64 / draws as f64;
            assert!(
                (freq - f64::from(wi) / 10.0).abs() < 0.005,
                "{freq} vs {wi}"
            );
        }
        assert!(AliasTable::new(&[]).is_err());
        assert!(AliasTable::new(&[0.0, 0.0]).is_err());
        assert!(AliasTable::new(&[1.0, -1.0]).is_err());
        assert!(AliasTable::new(&[1.0, f32::NAN]).is_err());
    }
}
