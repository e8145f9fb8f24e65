//! Approximate k-nearest-neighbour graphs by NN-descent (Dong, Moses & Li 2011, "Efficient
//! k-nearest neighbor graph construction for generic similarity measures", WWW, Alg. 2 with
//! its sampling and new/old flags).
//!
//! The idea: a neighbour of a neighbour is likely a neighbour. Every node starts with `k`
//! random neighbours; each round, every node introduces its neighbours (and the nodes that list
//! it, the reverse neighbours) to one another (the *local join*), and each node keeps the `k`
//! closest it has been introduced to. Only pairs with at least one entry that is new since the
//! last round are joined, and at most `ρk` new and `ρk` old entries per node take part (the
//! sample rate `ρ`). It stops when a round changes fewer than `δ·N·k` list entries.
//!
//! The cost per round is `O(N (ρk)² d)` distance work instead of the `O(N² d)` of an exact
//! search, so building the candidate support of the large-scale log model drops from
//! quadratic to about `O(N log N)` rounds-times-work, as Kalofolias & Perraudin (2019) intend.
//!
//! The local join is combinatorial, so it runs on the host with rayon: joins are computed in
//! parallel over blocks of nodes, and the resulting updates are applied in parallel over
//! disjoint ranges of the neighbour lists (each range scans the block's updates). Every random
//! choice comes from a generator seeded by `(seed, round, node)`, so the result does not depend
//! on the number of threads.

use burn::tensor::Tensor;
use gsl_core::similarity::KnnWeighting;
use gsl_core::tensor::{ensure_finite, to_vec_f32};
use gsl_core::train::{derive_seed, seeded_rng};
use gsl_core::{BuildOptions, EdgeList, Graph, GslError, Result};
use rand::RngExt;
use rand::seq::SliceRandom;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::solver::{IterationInfo, ProgressFn};

/// Nodes per local-join block: bounds the memory of the pending updates.
const JOIN_BLOCK: usize = 4096;

/// Hyperparameters of [`nn_descent`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct NnDescentConfig {
    /// Neighbours per node, `1 <= k < N`.
    pub k: usize,
    /// Sample rate `ρ ∈ (0, 1]`: at most `⌈ρk⌉` new and `⌈ρk⌉` old entries (and as many reverse
    /// ones) per node join each round.
    pub sample_rate: f64,
    /// Stop when a round changes fewer than `δ·N·k` entries, `δ >= 0`.
    pub delta: f64,
    /// Maximum number of rounds.
    pub max_iter: usize,
    /// Seed of every random choice.
    pub seed: u64,
}

impl NnDescentConfig {
    /// `k` neighbours with `ρ = 1`, `δ = 0.001` (Dong et al.'s stopping threshold), at most
    /// 30 rounds, seed 0.
    pub fn new(k: usize) -> Self {
        Self {
            k,
            sample_rate: 1.0,
            delta: 0.001,
            max_iter: 30,
            seed: 0,
        }
    }

    /// Checks `k >= 1`, `0 < ρ <= 1`, `δ >= 0` finite, `max_iter >= 1`. (`k < N` is checked
    /// against the data.)
    pub fn validate(&self) -> Result<()> {
        if self.k == 0 {
            return Err(GslError::invalid("k", "need at least one neighbour"));
        }
        if !(self.sample_rate > 0.0 && self.sample_rate <= 1.0) {
            return Err(GslError::invalid(
                "sample_rate",
                format!("must be in (0, 1], got {}", self.sample_rate),
            ));
        }
        if !(self.delta.is_finite() && self.delta >= 0.0) {
            return Err(GslError::invalid(
                "delta",
                format!("must be finite and non-negative, got {}", self.delta),
            ));
        }
        if self.max_iter == 0 {
            return Err(GslError::invalid("max_iter", "must be at least 1"));
        }
        Ok(())
    }

    /// Entries per node and kind that join each round, `⌈ρk⌉`.
    fn samples(&self) -> usize {
        ((self.sample_rate * self.k as f64).ceil() as usize).clamp(1, self.k)
    }
}

/// The answer of [`nn_descent`]: `k` neighbours per node, nearest first.
#[derive(Debug, Clone, PartialEq)]
pub struct Neighbours {
    /// Number of nodes `N`.
    pub n: usize,
    /// Neighbours per node `k`.
    pub k: usize,
    /// Neighbour ids, row-major `[N, k]`, sorted by distance.
    pub indices: Vec<usize>,
    /// Squared Euclidean distances `[N, k]`, ascending per row.
    pub distances: Vec<f32>,
    /// Rounds taken.
    pub iterations: usize,
    /// Whether the update count fell below `δ·N·k` (otherwise `max_iter` was reached).
    pub converged: bool,
}

/// Squared Euclidean distance; eight accumulators so the loop vectorises.
fn sq_distance(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0.0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for l in 0..8 {
            let t = x[l] - y[l];
            acc[l] += t * t;
        }
    }
    let tail: f32 = ra.iter().zip(rb).map(|(x, y)| (x - y) * (x - y)).sum();
    acc.iter().sum::<f32>() + tail
}

/// One node's neighbour list as a max-heap on distance (the root is the current worst), with
/// a "new" flag per entry.
struct Row<'a> {
    idx: &'a mut [u32],
    dist: &'a mut [f32],
    new: &'a mut [bool],
}

impl Row<'_> {
    /// Inserts `j` at distance `d` if it beats the worst entry and is not listed yet.
    fn push(&mut self, j: u32, d: f32) -> bool {
        if d >= self.dist[0] || self.idx.contains(&j) {
            return false;
        }
        self.idx[0] = j;
        self.dist[0] = d;
        self.new[0] = true;
        let k = self.idx.len();
        let mut i = 0;
        loop {
            let (l, r) = (2 * i + 1, 2 * i + 2);
            let mut m = i;
            if l < k && self.dist[l] > self.dist[m] {
                m = l;
            }
            if r < k && self.dist[r] > self.dist[m] {
                m = r;
            }
            if m == i {
                return true;
            }
            self.idx.swap(i, m);
            self.dist.swap(i, m);
            self.new.swap(i, m);
            i = m;
        }
    }
}

/// The neighbour lists of all nodes, `[N, k]` each.
struct Lists {
    k: usize,
    idx: Vec<u32>,
    dist: Vec<f32>,
    new: Vec<bool>,
}

impl Lists {
    /// Applies `(p, q, d)` updates to both ends, in parallel over disjoint ranges of rows.
    /// Returns the number of entries changed.
    fn apply(&mut self, updates: &[(u32, u32, f32)]) -> usize {
        let k = self.k;
        let n = self.idx.len() / k;
        let shards = rayon::current_num_threads().max(1) * 4;
        let rows_per_shard = n.div_ceil(shards).max(1);
        self.idx
            .par_chunks_mut(rows_per_shard * k)
            .zip(self.dist.par_chunks_mut(rows_per_shard * k))
            .zip(self.new.par_chunks_mut(rows_per_shard * k))
            .enumerate()
            .map(|(s, ((idx, dist), new))| {
                let first = (s * rows_per_shard) as u32;
                let last = first + (idx.len() / k) as u32;
                let mut changed = 0;
                for &(p, q, d) in updates {
                    for (a, b) in [(p, q), (q, p)] {
                        if a >= first && a < last {
                            let o = (a - first) as usize * k;
                            let mut row = Row {
                                idx: &mut idx[o..o + k],
                                dist: &mut dist[o..o + k],
                                new: &mut new[o..o + k],
                            };
                            changed += usize::from(row.push(b, d));
                        }
                    }
                }
                changed
            })
            .sum()
    }
}

/// Up to `m` of `items`, chosen uniformly at random.
fn sample(mut items: Vec<u32>, m: usize, rng: &mut rand::rngs::StdRng) -> Vec<u32> {
    if items.len() > m {
        items.shuffle(rng);
        items.truncate(m);
    }
    items
}

/// The approximate `k` nearest neighbours (squared Euclidean) of every row of `x` `[N, d]`
/// among the other rows, by NN-descent (see the module docs). A point is never its own
/// neighbour. `progress` sees every round (`residual` = changed entries / `N·k`).
///
/// Errors: an invalid config, `N = 0`, `d = 0`, `k >= N`, NaN/Inf in `x`.
///
/// # Example
///
/// ```
/// use burn::tensor::Tensor;
/// use gsl_mb::ann::{NnDescentConfig, nn_descent};
///
/// # fn main() -> gsl_core::Result<()> {
/// let device = gsl_core::device::device_from_name("flex")?;
/// let x: Vec<f32> = (0..50).map(|i| i as f32).collect();
/// let x = Tensor::<2>::from_data(burn::tensor::TensorData::new(x, [50, 1]), &device);
/// let nn = nn_descent(x, &NnDescentConfig::new(2), None)?;
/// // On a line the two nearest neighbours of point 10 are 9 and 11.
/// let mut row: Vec<usize> = nn.indices[20..22].to_vec();
/// row.sort();
/// assert_eq!(row, vec![9, 11]);
/// # Ok(())
/// # }
/// ```
pub fn nn_descent(
    x: Tensor<2>,
    config: &NnDescentConfig,
    mut progress: Option<ProgressFn<'_>>,
) -> Result<Neighbours> {
    config.validate()?;
    let [n, d] = x.dims();
    if n == 0 || d == 0 {
        return Err(GslError::EmptyGraph(format!(
            "nn_descent: need points with features, got [{n}, {d}]"
        )));
    }
    let k = config.k;
    if k >= n {
        return Err(GslError::invalid(
            "k",
            format!("need k < N (a point is not its own neighbour), got k = {k}, N = {n}"),
        ));
    }
    if n > u32::MAX as usize {
        return Err(GslError::invalid(
            "x",
            format!("at most {} points, got {n}", u32::MAX),
        ));
    }
    ensure_finite(&x, "nn_descent points")?;
    let points = to_vec_f32(x);
    let point = |i: u32| &points[i as usize * d..(i as usize + 1) * d];

    // Random initial lists: k distinct other nodes per node.
    let mut lists = Lists {
        k,
        idx: vec![u32::MAX; n * k],
        dist: vec![f32::INFINITY; n * k],
        new: vec![true; n * k],
    };
    lists
        .idx
        .par_chunks_mut(k)
        .zip(lists.dist.par_chunks_mut(k))
        .zip(lists.new.par_chunks_mut(k))
        .enumerate()
        .for_each(|(i, ((idx, dist), new))| {
            let mut rng = seeded_rng(derive_seed(config.seed, i as u64));
            let mut row = Row { idx, dist, new };
            let mut filled = 0;
            while filled < k {
                let j = rng.random_range(0..n - 1);
                let j = if j >= i { j + 1 } else { j } as u32;
                if !row.idx.contains(&j) {
                    let dj = sq_distance(point(i as u32), point(j));
                    // Equal distances would be rejected by `push`: place directly instead.
                    row.idx[filled] = j;
                    row.dist[filled] = dj;
                    filled += 1;
                }
            }
            heapify(&mut row);
        });

    let m = config.samples();
    let threshold = config.delta * (n * k) as f64;
    let mut converged = false;
    let mut iterations = 0;
    for round in 1..=config.max_iter {
        // Forward candidates: old entries, and up to m new ones (which stop being new).
        let fwd: Vec<(Vec<u32>, Vec<u32>)> = lists
            .idx
            .par_chunks(k)
            .zip(lists.new.par_chunks_mut(k))
            .enumerate()
            .map(|(i, (idx, new))| {
                let mut rng =
                    seeded_rng(derive_seed(config.seed, (round * n + i) as u64 ^ (1 << 62)));
                let old: Vec<u32> = (0..k).filter(|&e| !new[e]).map(|e| idx[e]).collect();
                let fresh: Vec<usize> = (0..k).filter(|&e| new[e]).collect();
                let mut chosen = fresh;
                if chosen.len() > m {
                    chosen.shuffle(&mut rng);
                    chosen.truncate(m);
                }
                for &e in &chosen {
                    new[e] = false;
                }
                (
                    sample(old, m, &mut rng),
                    chosen.iter().map(|&e| idx[e]).collect(),
                )
            })
            .collect();
        // Reverse candidates.
        let mut rev_old = vec![Vec::new(); n];
        let mut rev_new = vec![Vec::new(); n];
        for (i, (old, new)) in fwd.iter().enumerate() {
            for &j in old {
                rev_old[j as usize].push(i as u32);
            }
            for &j in new {
                rev_new[j as usize].push(i as u32);
            }
        }
        let candidates: Vec<(Vec<u32>, Vec<u32>)> = fwd
            .into_par_iter()
            .zip(rev_old.into_par_iter().zip(rev_new.into_par_iter()))
            .enumerate()
            .map(|(i, ((mut old, mut new), (r_old, r_new)))| {
                let mut rng =
                    seeded_rng(derive_seed(config.seed, (round * n + i) as u64 ^ (1 << 61)));
                old.extend(sample(r_old, m, &mut rng));
                new.extend(sample(r_new, m, &mut rng));
                old.sort_unstable();
                old.dedup();
                new.sort_unstable();
                new.dedup();
                (old, new)
            })
            .collect();
        // Local join, block by block.
        let mut changed = 0;
        for block in candidates.chunks(JOIN_BLOCK) {
            let worst: Vec<f32> = lists.dist.par_chunks(k).map(|r| r[0]).collect();
            let updates: Vec<(u32, u32, f32)> = block
                .par_iter()
                .flat_map_iter(|(old, new)| {
                    let mut out = Vec::new();
                    let mut consider = |p: u32, q: u32| {
                        let dpq = sq_distance(point(p), point(q));
                        if dpq < worst[p as usize] || dpq < worst[q as usize] {
                            out.push((p, q, dpq));
                        }
                    };
                    for (a, &p) in new.iter().enumerate() {
                        for &q in &new[a + 1..] {
                            consider(p, q);
                        }
                        for &q in old {
                            if p != q {
                                consider(p, q);
                            }
                        }
                    }
                    out
                })
                .collect();
            changed += lists.apply(&updates);
        }
        iterations = round;
        if let Some(callback) = progress.as_mut() {
            callback(&IterationInfo {
                method: "nn_descent",
                iteration: round,
                residual: changed as f64 / (n * k) as f64,
                objective: None,
                max_iter: config.max_iter,
            });
        }
        if (changed as f64) <= threshold {
            converged = true;
            break;
        }
    }

    // Sort every list nearest first.
    let mut indices = vec![0usize; n * k];
    let mut distances = vec![0.0f32; n * k];
    indices
        .par_chunks_mut(k)
        .zip(distances.par_chunks_mut(k))
        .zip(lists.idx.par_chunks(k).zip(lists.dist.par_chunks(k)))
        .for_each(|((out_idx, out_dist), (idx, dist))| {
            let mut order: Vec<usize> = (0..k).collect();
            order.sort_by(|&a, &b| dist[a].total_cmp(&dist[b]).then(idx[a].cmp(&idx[b])));
            for (slot, &e) in order.iter().enumerate() {
                out_idx[slot] = idx[e] as usize;
                out_dist[slot] = dist[e];
            }
        });
    Ok(Neighbours {
        n,
        k,
        indices,
        distances,
        iterations,
        converged,
    })
}

/// The undirected approximate kNN graph of the rows of `x` `[N, d]`: an edge between `i` and
/// each of its NN-descent neighbours, both directions stored, a pair found from both sides
/// keeping the larger weight. Weights as gsl-core's kNN graph: [`KnnWeighting::Distance`] is the
/// Euclidean distance, [`KnnWeighting::Gaussian`] `exp(−d²/(2σ²))` with `σ` the mean neighbour
/// distance when not given, [`KnnWeighting::Binary`] none. Returns the graph and the lists.
///
/// Errors: those of [`nn_descent`], a given Gaussian `σ` not finite and positive.
pub fn ann_graph(
    x: Tensor<2>,
    config: &NnDescentConfig,
    weighting: KnnWeighting,
    progress: Option<ProgressFn<'_>>,
) -> Result<(Graph, Neighbours)> {
    if let KnnWeighting::Gaussian { sigma: Some(s) } = weighting
        && !(s.is_finite() && s > 0.0)
    {
        return Err(GslError::invalid(
            "sigma",
            format!("must be finite and positive, got {s}"),
        ));
    }
    let device = x.device();
    let nn = nn_descent(x, config, progress)?;
    let (n, k) = (nn.n, nn.k);
    let distance: Vec<f32> = nn.distances.iter().map(|d| d.sqrt()).collect();
    let weights = match weighting {
        KnnWeighting::Binary => None,
        KnnWeighting::Distance => Some(distance),
        KnnWeighting::Gaussian { sigma } => {
            let sigma =
                sigma.unwrap_or_else(|| distance.iter().sum::<f32>() / distance.len() as f32);
            Some(if sigma > 0.0 {
                let scale = -1.0 / (2.0 * sigma * sigma);
                distance.iter().map(|d| (d * d * scale).exp()).collect()
            } else {
                vec![1.0; distance.len()]
            })
        }
    };
    let src: Vec<usize> = (0..n * k).map(|e| e / k).collect();
    let edges = EdgeList::new(n, src, nn.indices.clone(), weights)?;
    let graph = Graph::from_edges(&edges, BuildOptions::default(), &device)?;
    Ok((graph, nn))
}

/// Turns a filled row into a max-heap on distance.
fn heapify(row: &mut Row<'_>) {
    let k = row.idx.len();
    for start in (0..k / 2).rev() {
        let mut i = start;
        loop {
            let (l, r) = (2 * i + 1, 2 * i + 2);
            let mut m = i;
            if l < k && row.dist[l] > row.dist[m] {
                m = l;
            }
            if r < k && row.dist[r] > row.dist[m] {
                m = r;
            }
            if m == i {
                break;
            }
            row.idx.swap(i, m);
            row.dist.swap(i, m);
            row.new.swap(i, m);
            i = m;
        }
    }
}

/// The recall of approximate neighbour lists against exact ones: the fraction of the exact
/// `k` neighbours of every node that the approximate lists contain (both `[N, k]` row-major,
/// any order within a row). With ties at the `k`-th distance an exact list is one of several
/// valid answers, so compare on data without ties.
///
/// Errors: lists of different or zero length, `k = 0`, a length not divisible by `k`.
pub fn recall(approximate: &[usize], exact: &[usize], k: usize) -> Result<f64> {
    if k == 0
        || exact.is_empty()
        || approximate.len() != exact.len()
        || !exact.len().is_multiple_of(k)
    {
        return Err(GslError::shape(
            "recall",
            format!("two equal non-empty [N, {k}] lists"),
            format!("{} and {} entries", approximate.len(), exact.len()),
        ));
    }
    let found: usize = approximate
        .par_chunks(k)
        .zip(exact.par_chunks(k))
        .map(|(a, e)| e.iter().filter(|j| a.contains(j)).count())
        .sum();
    Ok(found as f64 / exact.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heap_keeps_the_k_smallest() {
        let (mut idx, mut dist, mut new) = (vec![u32::MAX; 3], vec![f32::INFINITY; 3], [false; 3]);
        let mut row = Row {
            idx: &mut idx,
            dist: &mut dist,
            new: &mut new,
        };
        for (j, d) in [(1, 5.0), (2, 1.0), (3, 4.0), (4, 2.0), (2, 1.0), (5, 9.0)] {
            row.push(j, d);
        }
        let mut kept: Vec<u32> = row.idx.to_vec();
        kept.sort();
        assert_eq!(kept, vec![2, 3, 4]);
        assert_eq!(row.dist[0], 4.0);
    }

    #[test]
    fn distance_matches_the_naive_sum() {
        let a: Vec<f32> = (0..19).map(|i| i as f32 * 0.5).collect();
        let b: Vec<f32> = (0..19).map(|i| (i * i) as f32 * 0.1).collect();
        let naive: f32 = a.iter().zip(&b).map(|(x, y)| (x - y) * (x - y)).sum();
        assert!((sq_distance(&a, &b) - naive).abs() < 1e-3 * naive);
    }

    #[test]
    fn recall_counts_shared_entries() {
        assert_eq!(recall(&[1, 2, 0, 3], &[2, 1, 0, 2], 2).unwrap(), 0.75);
        assert!(recall(&[1, 2], &[1, 2, 3, 4], 2).is_err());
        assert!(recall(&[1, 2], &[1, 2], 0).is_err());
    }
}
