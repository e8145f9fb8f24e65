//! GraphSAGE-style neighbour sampling (Hamilton et al. 2017, Algorithm 2): mini-batches of seed
//! nodes with a sampled, bounded computation subgraph around them.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use burn::tensor::{Device, Int, Tensor, TensorData};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

use crate::error::{GslError, Result};
use crate::graph::{Csr, EdgeList, Graph};

/// How many neighbours of each frontier node one layer samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fanout {
    /// Keep every neighbour.
    All,
    /// Sample at most this many neighbours, without replacement (must be at least 1).
    Sample(usize),
}

impl From<usize> for Fanout {
    /// `usize::MAX` means [`Fanout::All`]; any other value `k` is [`Fanout::Sample`]`(k)`.
    fn from(k: usize) -> Self {
        if k == usize::MAX {
            Fanout::All
        } else {
            Fanout::Sample(k)
        }
    }
}

/// A sampled computation subgraph around a batch of seed nodes.
///
/// Local node `l` is global node `nodes[l]`; the seeds are local nodes `0..num_seeds`, in the
/// order they were given. A stored edge `(a, b)` of [`SubgraphBatch::graph`] (local ids) is a
/// sampled edge of the original graph along which `a` aggregates `b`, with its original weight.
#[derive(Debug, Clone)]
pub struct SubgraphBatch {
    /// The sampled edges, in local ids.
    pub graph: Graph,
    /// Global id of every local node; the seeds come first.
    pub nodes: Vec<usize>,
    /// Number of seed nodes (the first rows of every layer output).
    pub num_seeds: usize,
    /// Number of nodes of the original graph.
    pub num_global_nodes: usize,
}

impl SubgraphBatch {
    /// Global ids of all local nodes as a device tensor `[n_local]`.
    pub fn node_index(&self, device: &Device) -> Tensor<1, Int> {
        index_tensor(&self.nodes, device)
    }

    /// Global ids of the seeds as a device tensor `[num_seeds]`, e.g. to gather their labels.
    pub fn seed_index(&self, device: &Device) -> Tensor<1, Int> {
        index_tensor(&self.nodes[..self.num_seeds], device)
    }

    /// The rows of the full feature matrix `x` `[N, F]` that belong to the subgraph's nodes, in
    /// local order: `[n_local, F]`. Differentiable with respect to `x`.
    ///
    /// # Errors
    /// `x` does not have one row per node of the original graph.
    pub fn features(&self, x: &Tensor<2>) -> Result<Tensor<2>> {
        let [n, f] = x.dims();
        if n != self.num_global_nodes {
            return Err(GslError::shape(
                "SubgraphBatch::features",
                format!("[{}, F]", self.num_global_nodes),
                format!("[{n}, {f}]"),
            ));
        }
        Ok(x.clone().select(0, self.node_index(&x.device())))
    }
}

fn index_tensor(ids: &[usize], device: &Device) -> Tensor<1, Int> {
    let data: Vec<i64> = ids.iter().map(|&v| v as i64).collect();
    Tensor::from_data(TensorData::new(data, [ids.len()]), device)
}

/// Samples layer-wise neighbourhoods on a host-side [`Csr`] (GraphSAGE, Hamilton et al. 2017,
/// Algorithm 2).
///
/// For layer `l`, every node of the current frontier (the seeds for the first layer) gets up to
/// `fanouts[l]` of its neighbours drawn uniformly without replacement; neighbours not seen
/// before form the next frontier. Each node is expanded once, at the first hop it is reached,
/// so with an `L`-entry fan-out an `L`-layer model run on [`SubgraphBatch::graph`] computes
/// the seed outputs from exactly the sampled neighbourhoods. With [`Fanout::All`] everywhere,
/// layers whose aggregation over node `i` only depends on `i`'s own edges ([`Sage`](super::Sage),
/// [`Gat`](super::Gat), [`Gin`](super::Gin)) reproduce the full-graph seed outputs exactly.
/// [`Gcn`](super::Gcn)'s symmetric normalisation also uses the degree of the neighbour, which is
/// truncated for nodes reached at the last hop, so its sampled outputs differ.
///
/// Sampling is deterministic for a given `seed`.
///
/// # Example
/// ```
/// use gsl_core::nn::{Fanout, NeighborSampler};
/// use gsl_core::{BuildOptions, EdgeList};
///
/// # fn main() -> gsl_core::Result<()> {
/// let device = gsl_core::device::device_from_name("flex")?;
/// // A star: node 0 linked to 1..=5.
/// let pairs: Vec<_> = (1..=5).map(|j| (0, j)).collect();
/// let csr = EdgeList::from_pairs(6, &pairs)?.build(BuildOptions::default())?.to_csr();
/// let sampler = NeighborSampler::new(csr, vec![Fanout::Sample(2), Fanout::All])?;
/// let batch = sampler.sample(&[0], 7, &device)?;
/// assert_eq!(batch.nodes[0], 0);
/// assert_eq!(batch.num_seeds, 1);
/// // Two sampled neighbours of the seed, each of which aggregates its only neighbour, 0.
/// assert_eq!(batch.graph.num_edges(), 4);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct NeighborSampler {
    csr: Csr,
    fanouts: Vec<Fanout>,
}

impl NeighborSampler {
    /// A sampler over `csr` with one fan-out per layer (the first entry is used for the seeds).
    ///
    /// # Errors
    /// No fan-outs, a fan-out of zero, a graph without nodes, or an inconsistent `Csr`.
    pub fn new(csr: Csr, fanouts: Vec<Fanout>) -> Result<Self> {
        if fanouts.is_empty() {
            return Err(GslError::invalid(
                "fanouts",
                "need at least one layer fan-out",
            ));
        }
        if let Some(layer) = fanouts.iter().position(|f| *f == Fanout::Sample(0)) {
            return Err(GslError::invalid(
                "fanouts",
                format!("fan-out of layer {layer} is 0; use at least 1 (or Fanout::All)"),
            ));
        }
        check_csr(&csr)?;
        Ok(Self { csr, fanouts })
    }

    /// [`NeighborSampler::new`] with fan-outs given as numbers (`usize::MAX` = all neighbours).
    ///
    /// # Errors
    /// As [`NeighborSampler::new`].
    pub fn with_sizes(csr: Csr, fanouts: &[usize]) -> Result<Self> {
        Self::new(csr, fanouts.iter().map(|&k| Fanout::from(k)).collect())
    }

    /// The per-layer fan-outs.
    pub fn fanouts(&self) -> &[Fanout] {
        &self.fanouts
    }

    /// The graph being sampled.
    pub fn csr(&self) -> &Csr {
        &self.csr
    }

    /// Samples the computation subgraph of `seeds`, with randomness from `seed`, and uploads it
    /// to `device`.
    ///
    /// # Errors
    /// Empty seed list, a seed id out of range, or a repeated seed.
    pub fn sample(&self, seeds: &[usize], seed: u64, device: &Device) -> Result<SubgraphBatch> {
        self.check_seeds(seeds)?;
        self.sample_checked(seeds, seed, device)
    }

    /// Shuffles `seeds` with `shuffle_seed` and yields them in mini-batches of at most
    /// `batch_size`, each with its sampled subgraph. The sampling randomness of every batch is
    /// drawn from the same seed, so the whole epoch is reproducible; use a new `shuffle_seed`
    /// per epoch for fresh batches.
    ///
    /// # Errors
    /// `batch_size == 0`, and the seed errors of [`NeighborSampler::sample`].
    pub fn batches(
        &self,
        seeds: &[usize],
        batch_size: usize,
        shuffle_seed: u64,
        device: &Device,
    ) -> Result<SeedBatches<'_>> {
        if batch_size == 0 {
            return Err(GslError::invalid("batch_size", "must be at least 1"));
        }
        self.check_seeds(seeds)?;
        let mut rng = StdRng::seed_from_u64(shuffle_seed);
        let mut order = seeds.to_vec();
        order.shuffle(&mut rng);
        let num_batches = order.len().div_ceil(batch_size);
        let sample_seeds = (0..num_batches).map(|_| rng.next_u64()).collect();
        Ok(SeedBatches {
            sampler: self,
            order,
            batch_size,
            sample_seeds,
            next: 0,
            device: device.clone(),
        })
    }

    fn check_seeds(&self, seeds: &[usize]) -> Result<()> {
        if seeds.is_empty() {
            return Err(GslError::invalid("seeds", "need at least one seed node"));
        }
        let n = self.csr.num_nodes();
        let mut seen = vec![false; n];
        for &s in seeds {
            if s >= n {
                return Err(GslError::NodeOutOfRange {
                    id: s as i64,
                    num_nodes: n,
                });
            }
            if std::mem::replace(&mut seen[s], true) {
                return Err(GslError::invalid(
                    "seeds",
                    format!("node {s} appears more than once"),
                ));
            }
        }
        Ok(())
    }

    fn sample_checked(&self, seeds: &[usize], seed: u64, device: &Device) -> Result<SubgraphBatch> {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut nodes = seeds.to_vec();
        let mut local: HashMap<usize, usize> =
            seeds.iter().enumerate().map(|(l, &g)| (g, l)).collect();
        let (mut src, mut dst, mut weights) = (Vec::new(), Vec::new(), Vec::new());
        let mut frontier = 0..nodes.len();
        for fanout in &self.fanouts {
            for a in frontier.clone() {
                let global = nodes[a];
                let start = self.csr.indptr[global];
                let degree = self.csr.degree(global);
                let picks = match *fanout {
                    Fanout::Sample(k) if k < degree => {
                        rand::seq::index::sample(&mut rng, degree, k).into_vec()
                    }
                    _ => (0..degree).collect(),
                };
                for offset in picks {
                    let neighbour = self.csr.indices[start + offset];
                    let b = match local.entry(neighbour) {
                        Entry::Occupied(slot) => *slot.get(),
                        Entry::Vacant(slot) => {
                            nodes.push(neighbour);
                            *slot.insert(nodes.len() - 1)
                        }
                    };
                    src.push(a);
                    dst.push(b);
                    weights.push(self.csr.weights[start + offset]);
                }
            }
            // New nodes were appended after the old frontier: they are the next frontier.
            frontier = frontier.end..nodes.len();
        }
        let graph = EdgeList::new(nodes.len(), src, dst, Some(weights))?.to_graph(device);
        Ok(SubgraphBatch {
            graph,
            nodes,
            num_seeds: seeds.len(),
            num_global_nodes: self.csr.num_nodes(),
        })
    }
}

/// Checks that a `Csr` (whose fields are public) is self-consistent.
fn check_csr(csr: &Csr) -> Result<()> {
    let bad = |reason: String| Err(GslError::invalid("csr", reason));
    if csr.indptr.is_empty() {
        return bad("indptr must hold num_nodes + 1 offsets".into());
    }
    let n = csr.num_nodes();
    if n == 0 {
        return Err(GslError::EmptyGraph(
            "NeighborSampler: the graph has no nodes".into(),
        ));
    }
    if csr.indptr[0] != 0 || csr.indptr.windows(2).any(|w| w[0] > w[1]) {
        return bad("indptr must start at 0 and be non-decreasing".into());
    }
    if csr.indptr[n] != csr.indices.len() || csr.weights.len() != csr.indices.len() {
        return bad(format!(
            "indptr ends at {} but there are {} indices and {} weights",
            csr.indptr[n],
            csr.indices.len(),
            csr.weights.len()
        ));
    }
    if let Some(&id) = csr.indices.iter().find(|&&j| j >= n) {
        return Err(GslError::NodeOutOfRange {
            id: id as i64,
            num_nodes: n,
        });
    }
    Ok(())
}

/// Iterator over the mini-batches of [`NeighborSampler::batches`]; yields one sampled
/// [`SubgraphBatch`] per batch of seeds.
#[derive(Debug)]
pub struct SeedBatches<'a> {
    sampler: &'a NeighborSampler,
    order: Vec<usize>,
    batch_size: usize,
    sample_seeds: Vec<u64>,
    next: usize,
    device: Device,
}

impl Iterator for SeedBatches<'_> {
    type Item = Result<SubgraphBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        let seed = *self.sample_seeds.get(self.next)?;
        let start = self.next * self.batch_size;
        let end = (start + self.batch_size).min(self.order.len());
        self.next += 1;
        Some(
            self.sampler
                .sample_checked(&self.order[start..end], seed, &self.device),
        )
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.sample_seeds.len() - self.next;
        (left, Some(left))
    }
}

impl ExactSizeIterator for SeedBatches<'_> {}
