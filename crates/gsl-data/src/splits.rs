//! Splits and streams: random node splits, Planetoid's public split, edge splits with negative
//! sampling for link prediction, and GraphFLEx's expanding-graph stream.
//!
//! Everything is seeded: the same seed gives the same split.
//!
//! ```
//! use gsl_data::ensembles::{ErdosRenyi, Generator};
//! use gsl_data::splits::{ExpandingStream, edge_split, random_node_split};
//!
//! # fn main() -> gsl_core::Result<()> {
//! // 60/20/20 node split (GraphFLEx's evaluation protocol).
//! let split = random_node_split(100, 0.6, 0.2, 0)?;
//! assert_eq!((split.train.len(), split.val.len(), split.test.len()), (60, 20, 20));
//!
//! // 85/5/10 edge split with as many negatives as positives.
//! let g = ErdosRenyi::new(50, 0.2).sample(1)?;
//! let edges = edge_split(&g, 0.05, 0.1, 2)?;
//! assert_eq!(edges.test_negative.len(), edges.test_positive.len());
//!
//! // 50% static nodes, the rest arriving in 25 batches.
//! let stream = ExpandingStream::new(1000, 0.5, 25, 3)?;
//! assert_eq!(stream.static_nodes.len(), 500);
//! assert_eq!(stream.batches.len(), 25);
//! # Ok(())
//! # }
//! ```

use std::collections::HashSet;

use burn::tensor::{Bool, Device, Int, Tensor, TensorData};
use gsl_core::{EdgeList, GslError, Result};
use rand::RngExt;
use rand::seq::SliceRandom;

use crate::ensembles::{check_probability, rng_from_seed, undirected_pairs};
use crate::loaders::{NodeDataset, PlanetoidSplit};

/// A train / validation / test partition of node ids (the same type as Planetoid's split).
pub type NodeSplit = PlanetoidSplit;

/// A uniformly random split of `0..num_nodes`: `round(train·N)` training nodes,
/// `round(val·N)` validation nodes and the rest for testing (GraphFLEx / UGC use 0.6 / 0.2).
///
/// Errors: no nodes, fractions outside [0, 1] or adding up to more than 1.
pub fn random_node_split(num_nodes: usize, train: f64, val: f64, seed: u64) -> Result<NodeSplit> {
    if num_nodes == 0 {
        return Err(GslError::EmptyGraph("cannot split zero nodes".into()));
    }
    check_probability("train", train)?;
    check_probability("val", val)?;
    if train + val > 1.0 + 1e-12 {
        return Err(GslError::invalid(
            "train + val",
            format!("must not exceed 1, got {}", train + val),
        ));
    }
    let n_train = (train * num_nodes as f64).round() as usize;
    let n_val = ((val * num_nodes as f64).round() as usize).min(num_nodes - n_train);
    let mut order: Vec<usize> = (0..num_nodes).collect();
    order.shuffle(&mut rng_from_seed(seed));
    Ok(NodeSplit {
        train: order[..n_train].to_vec(),
        val: order[n_train..n_train + n_val].to_vec(),
        test: order[n_train + n_val..].to_vec(),
    })
}

/// Planetoid's public split of a loaded dataset (140/500/1000 nodes for Cora).
///
/// Errors: the dataset defines no public split (e.g. the `.npz` versions).
pub fn planetoid_public_split(dataset: &NodeDataset) -> Result<NodeSplit> {
    dataset.split.clone().ok_or_else(|| {
        GslError::invalid(
            "dataset",
            format!(
                "{} has no public split (only the Planetoid files define one)",
                dataset.name
            ),
        )
    })
}

/// Boolean masks `[N]` (train, val, test) of a node split on `device`.
///
/// Errors: a node id `>= num_nodes`.
pub fn node_masks(
    split: &NodeSplit,
    num_nodes: usize,
    device: &Device,
) -> Result<[Tensor<1, Bool>; 3]> {
    let mask = |ids: &[usize]| -> Result<Tensor<1, Bool>> {
        let mut m = vec![false; num_nodes];
        for &i in ids {
            *m.get_mut(i).ok_or(GslError::NodeOutOfRange {
                id: i as i64,
                num_nodes,
            })? = true;
        }
        Ok(Tensor::from_data(TensorData::new(m, [num_nodes]), device))
    };
    Ok([mask(&split.train)?, mask(&split.val)?, mask(&split.test)?])
}

/// An edge split for link prediction.
#[derive(Debug, Clone, PartialEq)]
pub struct EdgeSplit {
    /// The message-passing graph: the training edges, both directions, original weights.
    pub train_graph: EdgeList,
    /// Training edges, one `(i, j)` with `i < j` per undirected edge.
    pub train_positive: Vec<(usize, usize)>,
    /// Validation edges (held out of `train_graph`).
    pub val_positive: Vec<(usize, usize)>,
    /// Validation non-edges, as many as `val_positive`.
    pub val_negative: Vec<(usize, usize)>,
    /// Test edges (held out of `train_graph`).
    pub test_positive: Vec<(usize, usize)>,
    /// Test non-edges, as many as `test_positive`.
    pub test_negative: Vec<(usize, usize)>,
}

/// `count` distinct node pairs `(i, j)`, `i < j`, drawn uniformly among the pairs that are not
/// in `exclude` (rejection sampling: expected work O(count) when the graph is sparse).
///
/// Errors: fewer than `count` pairs available.
pub fn negative_samples(
    num_nodes: usize,
    exclude: &HashSet<(usize, usize)>,
    count: usize,
    seed: u64,
) -> Result<Vec<(usize, usize)>> {
    let total = num_nodes * num_nodes.saturating_sub(1) / 2;
    let blocked = exclude
        .iter()
        .filter(|(i, j)| i < j && *j < num_nodes)
        .count();
    if total.saturating_sub(blocked) < count {
        return Err(GslError::invalid(
            "count",
            format!(
                "asked for {count} non-edges but only {} node pairs are not edges",
                total.saturating_sub(blocked)
            ),
        ));
    }
    let mut rng = rng_from_seed(seed);
    let mut chosen = HashSet::with_capacity(count);
    let mut out = Vec::with_capacity(count);
    if 2 * (blocked + count) > total {
        // Dense case: enumerate the free pairs and shuffle, so rejection cannot stall.
        let mut free: Vec<(usize, usize)> = (0..num_nodes)
            .flat_map(|i| (i + 1..num_nodes).map(move |j| (i, j)))
            .filter(|p| !exclude.contains(p))
            .collect();
        free.shuffle(&mut rng);
        free.truncate(count);
        return Ok(free);
    }
    while out.len() < count {
        let i = rng.random_range(0..num_nodes);
        let j = rng.random_range(0..num_nodes);
        if i == j {
            continue;
        }
        let pair = (i.min(j), i.max(j));
        if !exclude.contains(&pair) && chosen.insert(pair) {
            out.push(pair);
        }
    }
    Ok(out)
}

/// Splits the undirected edges of `edges` at random into train / val / test
/// (`round(val·E)`, `round(test·E)`, the rest) and draws as many negatives (non-edges of the
/// whole graph, distinct, disjoint between val and test) as positives for val and test.
///
/// Errors: a graph without edges, fractions outside [0, 1] or adding up to more than 1, too few
/// non-edges.
pub fn edge_split(edges: &EdgeList, val: f64, test: f64, seed: u64) -> Result<EdgeSplit> {
    check_probability("val", val)?;
    check_probability("test", test)?;
    if val + test > 1.0 + 1e-12 {
        return Err(GslError::invalid(
            "val + test",
            format!("must not exceed 1, got {}", val + test),
        ));
    }
    let mut pairs = undirected_pairs(edges);
    if pairs.is_empty() {
        return Err(GslError::EmptyGraph(
            "edge_split: the graph has no edges".into(),
        ));
    }
    let m = pairs.len();
    let mut rng = rng_from_seed(seed);
    pairs.shuffle(&mut rng);
    let n_val = (val * m as f64).round() as usize;
    let n_test = ((test * m as f64).round() as usize).min(m - n_val);
    let val_positive = pairs[..n_val].to_vec();
    let test_positive = pairs[n_val..n_val + n_test].to_vec();
    let mut train_positive = pairs[n_val + n_test..].to_vec();
    train_positive.sort_unstable();

    let exclude: HashSet<(usize, usize)> = pairs.iter().copied().collect();
    let n = edges.num_nodes();
    // One draw of distinct non-edges, cut in two, so val and test negatives are disjoint.
    let negatives = negative_samples(n, &exclude, n_val + n_test, rng.random())?;
    let (val_negative, test_negative) = negatives.split_at(n_val);

    let keep: HashSet<(usize, usize)> = train_positive.iter().copied().collect();
    let (mut src, mut dst, mut w) = (Vec::new(), Vec::new(), Vec::new());
    for (s, d, weight) in edges.iter() {
        if s != d && keep.contains(&(s.min(d), s.max(d))) {
            src.push(s);
            dst.push(d);
            w.push(weight);
        }
    }
    let weights = edges.weights().map(|_| w);
    Ok(EdgeSplit {
        train_graph: EdgeList::new(n, src, dst, weights)?,
        train_positive,
        val_positive,
        val_negative: val_negative.to_vec(),
        test_positive,
        test_negative: test_negative.to_vec(),
    })
}

/// GraphFLEx's expanding-graph setting (Kataria et al. 2025, §3.1): a static part holding a
/// fraction `r` of the nodes, then `T` timestamps at which batches of new nodes arrive with
/// their features. Node order is a seeded random permutation; the incoming nodes are cut into
/// `T` batches whose sizes differ by at most one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpandingStream {
    /// Total number of nodes.
    pub num_nodes: usize,
    /// Nodes present from the start (`round(r · N)`).
    pub static_nodes: Vec<usize>,
    /// `batches[t]`: the nodes arriving at timestamp `t`.
    pub batches: Vec<Vec<usize>>,
}

impl ExpandingStream {
    /// A stream over `num_nodes` nodes with static fraction `static_fraction` (GraphFLEx uses
    /// 0.5 or 0.7) and `timestamps` batches (25).
    ///
    /// Errors: no nodes, a fraction outside (0, 1], `timestamps = 0`, or more timestamps than
    /// incoming nodes.
    pub fn new(
        num_nodes: usize,
        static_fraction: f64,
        timestamps: usize,
        seed: u64,
    ) -> Result<Self> {
        if num_nodes == 0 {
            return Err(GslError::EmptyGraph(
                "a stream needs at least one node".into(),
            ));
        }
        if !static_fraction.is_finite() || static_fraction <= 0.0 || static_fraction > 1.0 {
            return Err(GslError::invalid(
                "static_fraction",
                format!("must be in (0, 1], got {static_fraction}"),
            ));
        }
        if timestamps == 0 {
            return Err(GslError::invalid("timestamps", "must be at least 1"));
        }
        let n_static = ((static_fraction * num_nodes as f64).round() as usize).clamp(1, num_nodes);
        let incoming = num_nodes - n_static;
        if incoming < timestamps {
            return Err(GslError::invalid(
                "timestamps",
                format!("{timestamps} timestamps but only {incoming} incoming nodes"),
            ));
        }
        let mut order: Vec<usize> = (0..num_nodes).collect();
        order.shuffle(&mut rng_from_seed(seed));
        let static_nodes = order[..n_static].to_vec();
        let batches = (0..timestamps)
            .map(|t| {
                let start = n_static + t * incoming / timestamps;
                let end = n_static + (t + 1) * incoming / timestamps;
                order[start..end].to_vec()
            })
            .collect();
        Ok(Self {
            num_nodes,
            static_nodes,
            batches,
        })
    }

    /// Number of timestamps T.
    pub fn num_timestamps(&self) -> usize {
        self.batches.len()
    }

    fn check_graph(&self, edges: &EdgeList) -> Result<()> {
        if edges.num_nodes() != self.num_nodes {
            return Err(GslError::shape(
                "stream graph node count",
                self.num_nodes,
                edges.num_nodes(),
            ));
        }
        Ok(())
    }

    /// Which nodes are present after the batches `0..t` arrived (`t = 0`: the static part).
    fn present(&self, t: usize) -> Vec<bool> {
        let mut present = vec![false; self.num_nodes];
        for &v in self
            .static_nodes
            .iter()
            .chain(self.batches[..t].iter().flatten())
        {
            present[v] = true;
        }
        present
    }

    /// The graph among the nodes present after `t` batches (original node ids, `t = 0` is the
    /// static graph `G_0`): the edges of `edges` whose endpoints are both present.
    ///
    /// Errors: `t > T`, a graph of another size.
    pub fn snapshot(&self, edges: &EdgeList, t: usize) -> Result<EdgeList> {
        self.check_graph(edges)?;
        if t > self.num_timestamps() {
            return Err(GslError::invalid(
                "t",
                format!("must be at most {}, got {t}", self.num_timestamps()),
            ));
        }
        let present = self.present(t);
        let (mut src, mut dst, mut w) = (Vec::new(), Vec::new(), Vec::new());
        for (s, d, weight) in edges.iter() {
            if present[s] && present[d] {
                src.push(s);
                dst.push(d);
                w.push(weight);
            }
        }
        EdgeList::new(self.num_nodes, src, dst, edges.weights().map(|_| w))
    }

    /// The features `[|batch t|, F]` of the nodes arriving at timestamp `t`, gathered on the
    /// device from the full feature matrix `[N, F]`.
    ///
    /// Errors: `t >= T`, a feature matrix with another number of rows.
    pub fn batch_features(&self, t: usize, features: Tensor<2>) -> Result<Tensor<2>> {
        let batch = self.batches.get(t).ok_or_else(|| {
            GslError::invalid(
                "t",
                format!("must be below {}, got {t}", self.num_timestamps()),
            )
        })?;
        let [n, _] = features.dims();
        if n != self.num_nodes {
            return Err(GslError::shape("stream features rows", self.num_nodes, n));
        }
        let ids: Vec<i64> = batch.iter().map(|&v| v as i64).collect();
        let index =
            Tensor::<1, Int>::from_data(TensorData::new(ids, [batch.len()]), &features.device());
        Ok(features.select(0, index))
    }
}
