//! k-means on the device: greedy k-means++ seeding, `n_init` restarts and Lloyd iterations,
//! with the `N × K` distances computed in row chunks so that no more than `chunk_size × K`
//! values exist at once (k-means on 2.5M × 100 points with K = 47 runs in `O(N·d)` memory).
//!
//! ```
//! use burn::tensor::{Tensor, TensorData};
//! use gsl_cluster::kmeans::{KMeansConfig, kmeans};
//!
//! # fn main() -> gsl_core::Result<()> {
//! let device = gsl_core::device::device_from_name("flex")?;
//! let points = vec![0.0f32, 0.0, 0.1, 0.0, 10.0, 10.0, 10.1, 10.0];
//! let x = Tensor::<2>::from_data(TensorData::new(points, [4, 2]), &device);
//! let result = kmeans(x, &KMeansConfig::new(2))?;
//! assert_eq!(result.labels[0], result.labels[1]);
//! assert_ne!(result.labels[0], result.labels[2]);
//! # Ok(())
//! # }
//! ```

use burn::config::Config;
use burn::tensor::{IndexingUpdateOp, Int, Tensor, TensorData};
use gsl_core::tensor::{ensure_finite, to_vec_f32, to_vec_i64};
use gsl_core::train::{derive_seed, seeded_rng};
use gsl_core::{GslError, Result};
use rand::RngExt;
use serde::{Deserialize, Serialize};

/// The potential that k-means++ samples from and that restarts are compared by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Potential {
    /// Squared Euclidean distances: the k-means objective (scikit-learn).
    SquaredDistance,
    /// PyAGC's `TorchKMeans` (`pyagc/clusters/torch_kmeans.py`), which measures plain
    /// Euclidean distances (`torch.cdist`, `p = 2`) throughout: seeding draws ∝ distance; a
    /// restart stops when no label changes or when the *sum of the centres' (plain) shifts* is
    /// at most `tol · mean(var(x))`; an empty cluster's centre is the origin (no relocation);
    /// and the result is the iterate — over every Lloyd step of every restart, the assignment
    /// from the seeds excluded — with the smallest sum of distances, not the last step of the
    /// best restart. Use it to reproduce PyAGC's tables.
    Distance,
}

/// Hyperparameters of [`kmeans`]; the defaults are scikit-learn's and PyAGC's (`n_init = 10`,
/// `max_iter = 300`, `tol = 1e-4`).
#[derive(Config, Debug, PartialEq)]
pub struct KMeansConfig {
    /// Number of clusters (1 ≤ k ≤ N).
    pub k: usize,
    /// Number of restarts from independent k-means++ seedings; the lowest inertia wins.
    #[config(default = 10)]
    pub n_init: usize,
    /// Lloyd iterations per restart.
    #[config(default = 300)]
    pub max_iter: usize,
    /// Convergence when the squared centre shift is at most `tol` times the mean per-feature
    /// variance of the data (scikit-learn's rule), or when no label changes. With
    /// [`Potential::Distance`] the shift is the sum of the centres' plain shifts (PyAGC's rule).
    #[config(default = 1e-4)]
    pub tol: f64,
    /// Rows per distance block (memory `O(chunk_size · k)`).
    #[config(default = 65536)]
    pub chunk_size: usize,
    /// Seed of the seedings (restart `i` uses `derive_seed(seed, i)`).
    #[config(default = 0)]
    pub seed: u64,
    /// Potential of the seeding and of the choice among restarts.
    #[config(default = "Potential::SquaredDistance")]
    pub potential: Potential,
}

impl KMeansConfig {
    /// Checks the parameters against `n` points.
    pub fn validate(&self, n: usize) -> Result<()> {
        if self.k == 0 {
            return Err(GslError::invalid("k", "need at least one cluster"));
        }
        if self.k > n {
            return Err(GslError::invalid(
                "k",
                format!("k = {} exceeds the number of points ({n})", self.k),
            ));
        }
        if self.n_init == 0 {
            return Err(GslError::invalid("n_init", "need at least one restart"));
        }
        if self.max_iter == 0 {
            return Err(GslError::invalid("max_iter", "need at least one iteration"));
        }
        if !(self.tol.is_finite() && self.tol >= 0.0) {
            return Err(GslError::invalid(
                "tol",
                format!("must be finite and >= 0, got {}", self.tol),
            ));
        }
        if self.chunk_size == 0 {
            return Err(GslError::invalid("chunk_size", "must be at least 1"));
        }
        Ok(())
    }
}

/// What [`kmeans`] found (the best restart).
#[derive(Debug, Clone)]
pub struct KMeansResult {
    /// Cluster of every point, `0..k`.
    pub labels: Vec<usize>,
    /// Centres `[k, d]`.
    pub centroids: Tensor<2>,
    /// Sum of squared distances of the points to their centres.
    pub inertia: f64,
    /// Lloyd iterations of the best restart.
    pub iterations: usize,
    /// Whether the best restart met the tolerance before `max_iter`.
    pub converged: bool,
    /// Inertia after every assignment step of the best restart (non-increasing).
    pub history: Vec<f64>,
    /// Sum of plain distances `Σ‖x_i − c(i)‖` after every update step of the best restart
    /// (the assignment to the seeds excluded). With [`Potential::Distance`] the returned state
    /// is the first minimum of this sequence.
    pub distance_history: Vec<f64>,
    /// Index of the best restart.
    pub best_init: usize,
}

/// Points `[N, d]` with their squared norms `[N, 1]`, computed once for every iteration.
struct Points {
    x: Tensor<2>,
    x_sq: Tensor<2>,
    chunk: usize,
}

/// One assignment step: nearest centre of every point, per-centre sums and counts.
struct Assignment {
    labels: Tensor<1, Int>,
    min_dist: Tensor<1>,
    sums: Tensor<2>,
    counts: Tensor<1>,
}

impl Points {
    fn n(&self) -> usize {
        self.x.dims()[0]
    }

    /// Squared distances of rows `start..start + c` to `centres` `[m, d]`: one matmul,
    /// `‖x‖² − 2x·c + ‖c‖²`, clamped at zero against rounding.
    fn block(&self, start: usize, c: usize, centres_t: &Tensor<2>, c_sq: &Tensor<2>) -> Tensor<2> {
        self.x
            .clone()
            .narrow(0, start, c)
            .matmul(centres_t.clone())
            .mul_scalar(-2.0)
            .add(self.x_sq.clone().narrow(0, start, c))
            .add(c_sq.clone())
            .clamp_min(0.0)
    }

    fn chunks(&self) -> impl Iterator<Item = (usize, usize)> + use<> {
        let (n, chunk) = (self.n(), self.chunk);
        (0..n.div_ceil(chunk)).map(move |i| (i * chunk, chunk.min(n - i * chunk)))
    }

    fn transposed(centres: &Tensor<2>) -> (Tensor<2>, Tensor<2>) {
        let c_sq = centres.clone().square().sum_dim(1).transpose();
        (centres.clone().transpose(), c_sq)
    }

    /// Squared distance of every point to its nearest centre, `[N]`.
    fn min_dist(&self, centres: &Tensor<2>) -> Tensor<1> {
        let (ct, c_sq) = Self::transposed(centres);
        let parts: Vec<Tensor<1>> = self
            .chunks()
            .map(|(s, c)| self.block(s, c, &ct, &c_sq).min_dim(1).reshape([c]))
            .collect();
        Tensor::cat(parts, 0)
    }

    fn assign(&self, centres: &Tensor<2>) -> Assignment {
        let [k, d] = centres.dims();
        let device = self.x.device();
        let (ct, c_sq) = Self::transposed(centres);
        let mut sums = Tensor::<2>::zeros([k, d], &device);
        let mut counts = Tensor::<1>::zeros([k], &device);
        let mut labels = Vec::new();
        let mut dists = Vec::new();
        for (s, c) in self.chunks() {
            let (dist, idx) = self.block(s, c, &ct, &c_sq).min_dim_with_indices(1);
            let idx = idx.reshape([c]);
            sums = sums.select_assign(
                0,
                idx.clone(),
                self.x.clone().narrow(0, s, c),
                IndexingUpdateOp::Add,
            );
            counts = counts.select_assign(
                0,
                idx.clone(),
                Tensor::ones([c], &device),
                IndexingUpdateOp::Add,
            );
            labels.push(idx);
            dists.push(dist.reshape([c]));
        }
        Assignment {
            labels: Tensor::cat(labels, 0),
            min_dist: Tensor::cat(dists, 0),
            sums,
            counts,
        }
    }
}

/// Index `i` with `cum[i−1] <= r < cum[i]` (the point drawn with probability ∝ its weight).
fn draw(cum: &[f64], r: f64) -> usize {
    cum.partition_point(|&c| c <= r).min(cum.len() - 1)
}

fn cumulative(weights: &[f32]) -> Vec<f64> {
    let mut acc = 0.0f64;
    weights
        .iter()
        .map(|&w| {
            acc += w.max(0.0) as f64;
            acc
        })
        .collect()
}

/// Greedy k-means++ seeding (Arthur & Vassilvitskii 2007, with scikit-learn's
/// `2 + ⌊ln k⌋` local trials per centre): each new centre is the best, by resulting potential,
/// of a few candidates drawn with probability ∝ squared distance to the chosen centres.
fn kmeans_plus_plus(points: &Points, k: usize, seed: u64, potential_kind: Potential) -> Tensor<2> {
    let plain = potential_kind == Potential::Distance;
    let n = points.n();
    let mut rng = seeded_rng(seed);
    let trials = 2 + (k as f64).ln().floor() as usize;
    let first = rng.random_range(0..n);
    let mut chosen = vec![first];
    let select = |ids: &[usize]| {
        let idx: Vec<i64> = ids.iter().map(|&i| i as i64).collect();
        let idx =
            Tensor::<1, Int>::from_data(TensorData::new(idx, [ids.len()]), &points.x.device());
        points.x.clone().select(0, idx)
    };
    let mut min_dist = points.min_dist(&select(&chosen));
    for _ in 1..k {
        let mut host = to_vec_f32(min_dist.clone());
        if plain {
            host.iter_mut().for_each(|d| *d = d.max(0.0).sqrt());
        }
        let cum = cumulative(&host);
        let total = *cum.last().expect("n >= 1");
        let candidates: Vec<usize> = if total > 0.0 {
            (0..trials)
                .map(|_| draw(&cum, rng.random::<f64>() * total))
                .collect()
        } else {
            // Every point coincides with a chosen centre: any point is as good as another.
            vec![rng.random_range(0..n)]
        };
        let cand = select(&candidates);
        let (ct, c_sq) = Points::transposed(&cand);
        // Potential of each candidate: Σ_i min(current_i, dist(i, candidate)).
        let mut potential = Tensor::<1>::zeros([candidates.len()], &points.x.device());
        let mut updated = Vec::new();
        for (s, c) in points.chunks() {
            let current = min_dist
                .clone()
                .narrow(0, s, c)
                .reshape([c, 1])
                .expand([c, candidates.len()]);
            let block = points.block(s, c, &ct, &c_sq).min_pair(current);
            let cost = if plain {
                block.clone().sqrt()
            } else {
                block.clone()
            };
            potential = potential.add(cost.sum_dim(0).reshape([candidates.len()]));
            updated.push(block);
        }
        let best = to_vec_f32(potential)
            .iter()
            .enumerate()
            .min_by(|a, b| a.1.total_cmp(b.1))
            .map_or(0, |(i, _)| i);
        chosen.push(candidates[best]);
        min_dist = Tensor::cat(
            updated
                .into_iter()
                .map(|b| {
                    let c = b.dims()[0];
                    b.narrow(1, best, 1).reshape([c])
                })
                .collect(),
            0,
        );
    }
    select(&chosen)
}

/// What one Lloyd run returns.
struct LloydRun {
    labels: Tensor<1, Int>,
    centres: Tensor<2>,
    history: Vec<f64>,
    distance_history: Vec<f64>,
    iterations: usize,
    converged: bool,
    /// Σ_i ‖x_i − c(i)‖ (plain distances) of the returned state.
    distance_sum: f64,
    /// Σ_i ‖x_i − c(i)‖² of the returned state.
    inertia: f64,
}

/// The iterate with the smallest sum of distances seen so far ([`Potential::Distance`]).
struct BestIterate {
    distance_sum: f64,
    inertia: f64,
    labels: Tensor<1, Int>,
    centres: Tensor<2>,
}

/// One Lloyd run from `centres`.
fn lloyd(points: &Points, mut centres: Tensor<2>, config: &KMeansConfig, tol: f64) -> LloydRun {
    let k = config.k;
    let pyagc = config.potential == Potential::Distance;
    let mut history = Vec::new();
    let mut distance_history = Vec::new();
    let mut previous: Option<Tensor<1, Int>> = None;
    let mut converged = false;
    let mut iterations = 0;
    let mut best: Option<BestIterate> = None;
    let mut step = points.assign(&centres);
    loop {
        history.push(step.min_dist.clone().sum().into_scalar::<f64>());
        if let Some(prev) = &previous
            && prev
                .clone()
                .equal(step.labels.clone())
                .all()
                .into_scalar::<bool>()
        {
            converged = true;
            break;
        }
        if iterations == config.max_iter {
            break;
        }
        iterations += 1;
        // Update step: the mean of each cluster; an empty cluster is moved onto the point
        // farthest from its centre (scikit-learn's relocation), which can only lower the
        // objective because that point's cost drops to zero.
        let counts = step.counts.clone();
        let mut new_centres = step
            .sums
            .clone()
            .div(counts.clone().clamp_min(1.0).reshape([k, 1]));
        let empty: Vec<usize> = to_vec_f32(counts)
            .iter()
            .enumerate()
            .filter(|&(_, &c)| c == 0.0)
            .map(|(i, _)| i)
            .collect();
        // PyAGC leaves an empty cluster's centre at the origin (its sums are zero).
        if !empty.is_empty() && !pyagc {
            let (_, far) = step.min_dist.clone().topk_with_indices(empty.len(), 0);
            let far_points = points.x.clone().select(0, far);
            let idx: Vec<i64> = empty.iter().map(|&i| i as i64).collect();
            let idx = Tensor::<1, Int>::from_data(
                TensorData::new(idx, [empty.len()]),
                &points.x.device(),
            );
            new_centres = new_centres.select_assign(0, idx, far_points, IndexingUpdateOp::Assign);
        }
        let moved = new_centres.clone().sub(centres).square();
        let shift = if pyagc {
            moved.sum_dim(1).sqrt().sum().into_scalar::<f64>()
        } else {
            moved.sum().into_scalar::<f64>()
        };
        centres = new_centres;
        previous = Some(step.labels);
        step = points.assign(&centres);
        let distance_sum = step.min_dist.clone().sqrt().sum().into_scalar::<f64>();
        distance_history.push(distance_sum);
        if pyagc {
            // TorchKMeans keeps the state of any step that lowers the sum of distances.
            if best.as_ref().is_none_or(|b| distance_sum < b.distance_sum) {
                best = Some(BestIterate {
                    distance_sum,
                    inertia: step.min_dist.clone().sum().into_scalar::<f64>(),
                    labels: step.labels.clone(),
                    centres: centres.clone(),
                });
            }
        }
        if shift <= tol {
            history.push(step.min_dist.clone().sum().into_scalar::<f64>());
            converged = true;
            break;
        }
    }
    let last_inertia = *history.last().expect("at least one assignment");
    match best {
        Some(b) => LloydRun {
            distance_sum: b.distance_sum,
            inertia: b.inertia,
            labels: b.labels,
            centres: b.centres,
            history,
            distance_history,
            iterations,
            converged,
        },
        // Squared potential: the last step (PyAGC's always takes a step, as max_iter ≥ 1).
        None => LloydRun {
            distance_sum: distance_history
                .last()
                .copied()
                .unwrap_or_else(|| step.min_dist.clone().sqrt().sum().into_scalar::<f64>()),
            inertia: last_inertia,
            labels: step.labels,
            centres,
            history,
            distance_history,
            iterations,
            converged,
        },
    }
}

/// Checks a point set `[N, d]`: non-empty and finite.
pub(crate) fn check_points(x: &Tensor<2>, context: &str) -> Result<[usize; 2]> {
    let [n, d] = x.dims();
    if n == 0 || d == 0 {
        return Err(GslError::invalid(
            context,
            format!("need at least one point and one dimension, got [{n}, {d}]"),
        ));
    }
    ensure_finite(x, context)?;
    Ok([n, d])
}

/// k-means of the rows of `x` `[N, d]` (Lloyd 1982) on `x`'s device.
///
/// Each restart seeds with greedy k-means++ and runs Lloyd iterations until no label changes,
/// the squared centre shift falls below `tol · mean(var(x))`, or `max_iter`; the restart with
/// the lowest inertia is returned (with [`Potential::Distance`]: PyAGC's rules, see there —
/// the Lloyd iterate with the lowest sum of distances over all restarts). Distances are
/// computed in blocks of `chunk_size` rows. Deterministic for a given seed (the seeding draws
/// on the host).
///
/// Errors: an empty or non-finite `x`, `k = 0`, `k > N`, and the other parameter checks of
/// [`KMeansConfig::validate`].
pub fn kmeans(x: Tensor<2>, config: &KMeansConfig) -> Result<KMeansResult> {
    let [n, _] = check_points(&x, "kmeans input")?;
    config.validate(n)?;
    let x_sq = x.clone().square().sum_dim(1);
    let mean_var = x.clone().var(0).mean().into_scalar::<f64>();
    let tol = config.tol * mean_var;
    let points = Points {
        x,
        x_sq,
        chunk: config.chunk_size,
    };
    let mut best: Option<(f64, KMeansResult)> = None;
    for init in 0..config.n_init {
        let seed = derive_seed(config.seed, init as u64);
        let centres = kmeans_plus_plus(&points, config.k, seed, config.potential);
        let run = lloyd(&points, centres, config, tol);
        let inertia = run.inertia;
        let score = match config.potential {
            Potential::SquaredDistance => inertia,
            Potential::Distance => run.distance_sum,
        };
        if best.as_ref().is_none_or(|(b, _)| score < *b) {
            best = Some((
                score,
                KMeansResult {
                    labels: to_vec_i64(run.labels)
                        .into_iter()
                        .map(|l| l as usize)
                        .collect(),
                    centroids: run.centres,
                    inertia,
                    iterations: run.iterations,
                    converged: run.converged,
                    history: run.history,
                    distance_history: run.distance_history,
                    best_init: init,
                },
            ));
        }
    }
    Ok(best.expect("n_init >= 1").1)
}

/// Nearest centre of every row of `x` `[N, d]` among `centroids` `[k, d]`, in row chunks;
/// returns the labels and the inertia.
///
/// Errors: empty or non-finite inputs, different dimensions, `chunk_size = 0`.
pub fn assign_to_centroids(
    x: Tensor<2>,
    centroids: Tensor<2>,
    chunk_size: usize,
) -> Result<(Vec<usize>, f64)> {
    let [_, d] = check_points(&x, "assign_to_centroids x")?;
    let [k, dc] = check_points(&centroids, "assign_to_centroids centroids")?;
    if d != dc {
        return Err(GslError::shape(
            "assign_to_centroids centroids",
            format!("[{k}, {d}]"),
            format!("[{k}, {dc}]"),
        ));
    }
    if chunk_size == 0 {
        return Err(GslError::invalid("chunk_size", "must be at least 1"));
    }
    let points = Points {
        x_sq: x.clone().square().sum_dim(1),
        x,
        chunk: chunk_size,
    };
    let step = points.assign(&centroids);
    let inertia = step.min_dist.sum().into_scalar::<f64>();
    let labels = to_vec_i64(step.labels)
        .into_iter()
        .map(|l| l as usize)
        .collect();
    Ok((labels, inertia))
}
