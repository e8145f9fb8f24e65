//! The large-scale log model (Kalofolias & Perraudin 2019, "Large scale graph learning from
//! smooth signals", ICLR): the log model of [`crate::smooth`] with
//!
//! 1. its variables restricted to a **candidate support**: the pairs among each node's `kk`
//!    nearest neighbours, default `kk = 3k` as in pygsp. The neighbours come from gsl-core's
//!    exact kNN on the device (chunked, so memory is `O(chunk·N + N·kk)`, never `N²`, but time
//!    `O(N²d)`), or from NN-descent ([`crate::ann`], [`CandidateSearch::NnDescent`]), the
//!    approximate search the paper relies on for its `O(N log N)` cost;
//! 2. **automatic θ** for a desired average degree `k` (§3, Theorem 1): with node `j`'s sorted
//!    squared distances `z₁ ≤ z₂ ≤ …` and `b_k = Σ_{i≤k} z_i`, node `j` gets exactly `k` edges in
//!    the log model with `α = β = 1` on `θZ` for `θ ∈ (1/√(k z²_{k+1} − b_k z_{k+1}),
//!    1/√(k z²_k − b_k z_k)]`. Averaging each bound over nodes gives `[θ_l, θ_u]`; this crate
//!    takes their geometric mean;
//! 3. the FBF iteration of [`crate::smooth::fbf_step`] on `θ·z` with `α = β = 1`, one variable
//!    per candidate pair.
//!
//! Weights below `rel_edge · max w` are dropped from the returned sparse graph (pygsp's
//! `rel_edge`, default `1e-5`).

use burn::tensor::{Int, Tensor, TensorData};
use gsl_core::similarity::{KnnOptions, knn};
use gsl_core::tensor::{to_vec_f32, to_vec_i64};
use gsl_core::{EdgeList, Graph, GslError, Result};
use serde::{Deserialize, Serialize};

use crate::ann::{NnDescentConfig, nn_descent};
use crate::smooth::{PairSupport, SmoothConfig, SmoothState, learn_smooth};
use crate::solver::{ProgressFn, SolveReport};

/// How [`large_scale_log_model`] finds each node's `kk` candidate neighbours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum CandidateSearch {
    /// gsl-core's exact kNN on the device, `O(N²d)` work.
    #[default]
    Exact,
    /// NN-descent on the host ([`crate::ann::nn_descent`] with its defaults and the config's
    /// seed): approximate, about `O(N log N)` work.
    NnDescent,
}

/// Hyperparameters of [`large_scale_log_model`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LargeScaleConfig {
    /// Desired average number of edges per node, `k >= 1`.
    pub k: usize,
    /// Candidate neighbours per node; `None` means `3k` (pygsp's default).
    pub candidates: Option<usize>,
    /// `θ` to use instead of the automatic value.
    pub theta: Option<f64>,
    /// FBF step as a fraction of `1/μ`.
    pub step: f64,
    /// Relative-change tolerance.
    pub tol: f64,
    /// Maximum FBF steps.
    pub max_iter: usize,
    /// Drop weights below this fraction of the largest.
    pub rel_edge: f64,
    /// Query rows per kNN block (exact search).
    pub chunk_size: usize,
    /// Exact or approximate candidate search.
    #[serde(default)]
    pub search: CandidateSearch,
    /// Seed of the approximate search.
    #[serde(default)]
    pub seed: u64,
}

impl LargeScaleConfig {
    /// Average degree `k`, `kk = 3k` candidates, automatic θ, step 0.5, `tol = 1e-5`,
    /// 1000 iterations, `rel_edge = 1e-5`, exact kNN in blocks of 1024 rows, seed 0.
    pub fn new(k: usize) -> Self {
        Self {
            k,
            candidates: None,
            theta: None,
            step: 0.5,
            tol: 1e-5,
            max_iter: 1000,
            rel_edge: 1e-5,
            chunk_size: 1024,
            search: CandidateSearch::Exact,
            seed: 0,
        }
    }

    /// The number of candidate neighbours `kk`.
    pub fn num_candidates(&self) -> usize {
        self.candidates.unwrap_or(3 * self.k)
    }

    /// Checks `k >= 1`, `kk > k`, a given θ finite and positive, `0 <= rel_edge < 1`, and the
    /// solver settings. (`kk < N` is checked against the data.)
    pub fn validate(&self) -> Result<()> {
        if self.k == 0 {
            return Err(GslError::invalid("k", "need at least one edge per node"));
        }
        if self.num_candidates() <= self.k {
            return Err(GslError::invalid(
                "candidates",
                format!(
                    "need more candidates than k = {} (θ uses the (k+1)-th neighbour), got {}",
                    self.k,
                    self.num_candidates()
                ),
            ));
        }
        if let Some(t) = self.theta
            && !(t.is_finite() && t > 0.0)
        {
            return Err(GslError::invalid(
                "theta",
                format!("must be finite and positive, got {t}"),
            ));
        }
        if !(0.0..1.0).contains(&self.rel_edge) {
            return Err(GslError::invalid(
                "rel_edge",
                format!("must be in [0, 1), got {}", self.rel_edge),
            ));
        }
        if self.chunk_size == 0 {
            return Err(GslError::invalid("chunk_size", "must be at least 1"));
        }
        self.smooth().validate()
    }

    fn smooth(&self) -> SmoothConfig {
        let mut c = SmoothConfig::log(1.0, 1.0);
        c.step = self.step;
        c.tol = self.tol;
        c.max_iter = self.max_iter;
        c
    }
}

/// The θ interval `(θ_l, θ_u)` of Kalofolias & Perraudin (2019, Theorem 1) for `k` edges per
/// node, averaged over nodes, from each node's sorted squared distances to its nearest
/// neighbours (`sorted[i]` ascending, at least `k + 1` of them). Nodes whose bound is not finite
/// (e.g. ties, where `k z² − b z = 0`) are left out of that bound's mean.
///
/// Errors: `k = 0`, a row with fewer than `k + 1` distances, negative or non-finite distances,
/// no node with a finite bound.
pub fn theta_bounds(sorted: &[Vec<f32>], k: usize) -> Result<(f64, f64)> {
    if k == 0 {
        return Err(GslError::invalid("k", "need k >= 1"));
    }
    let bound = |z: &[f32], kk: usize| -> f64 {
        // 1/√(kk z²_kk − b_kk z_kk) with 1-based kk.
        let b: f64 = z[..kk].iter().map(|&v| f64::from(v)).sum();
        let zk = f64::from(z[kk - 1]);
        let d = kk as f64 * zk * zk - b * zk;
        if d > 0.0 { 1.0 / d.sqrt() } else { f64::NAN }
    };
    let (mut lower, mut nl, mut upper, mut nu) = (0.0, 0usize, 0.0, 0usize);
    for (i, z) in sorted.iter().enumerate() {
        if z.len() < k + 1 {
            return Err(GslError::invalid(
                "sorted",
                format!("node {i} has {} distances, need k + 1 = {}", z.len(), k + 1),
            ));
        }
        if z.iter().any(|v| !v.is_finite() || *v < 0.0) {
            return Err(GslError::NonFinite(format!(
                "theta_bounds: distances of node {i}"
            )));
        }
        let u = bound(z, k);
        if u.is_finite() {
            upper += u;
            nu += 1;
        }
        let l = bound(z, k + 1);
        if l.is_finite() {
            lower += l;
            nl += 1;
        }
    }
    if nl == 0 {
        return Err(GslError::invalid(
            "sorted",
            "no node has a finite lower θ bound (all neighbour distances tie)",
        ));
    }
    let lower = lower / nl as f64;
    // For k = 1 the upper bound is infinite at every node; any θ above the lower bound works.
    let upper = if nu == 0 {
        f64::INFINITY
    } else {
        upper / nu as f64
    };
    Ok((lower, upper))
}

/// The θ that [`large_scale_log_model`] uses: the geometric mean of [`theta_bounds`] (twice the
/// lower bound when the upper one is infinite).
pub fn automatic_theta(sorted: &[Vec<f32>], k: usize) -> Result<f64> {
    let (lower, upper) = theta_bounds(sorted, k)?;
    Ok(if upper.is_finite() {
        (lower * upper).sqrt()
    } else {
        2.0 * lower
    })
}

/// The candidate support and its squared distances from a kNN search: the pairs `{i, j}` with
/// `j` among `i`'s neighbours (or `i` among `j`'s), once each. `idx`, `dist` are `[N, kk]`.
fn candidate_support(n: usize, idx: &[usize], dist: &[f32], kk: usize) -> Vec<(usize, usize, f32)> {
    let mut pairs: Vec<(usize, usize, f32)> = (0..n * kk)
        .map(|e| {
            let (i, j) = (e / kk, idx[e]);
            (i.min(j), i.max(j), dist[e])
        })
        .collect();
    pairs.sort_unstable_by_key(|p| (p.0, p.1));
    pairs.dedup_by_key(|p| (p.0, p.1));
    pairs
}

/// Learns a sparse graph on the rows of `x` `[N, d]` with the large-scale log model (see the
/// module docs). Returns the undirected weighted graph (both directions stored) and the FBF
/// report, whose estimate holds the weights on the candidate pairs.
///
/// `progress` sees the FBF steps (and, with [`CandidateSearch::NnDescent`], first the
/// NN-descent rounds).
///
/// Errors: an invalid config, `kk >= N`, NaN/Inf in `x`, divergence.
///
/// # Example
///
/// ```
/// use burn::tensor::Tensor;
/// use gsl_mb::large::{LargeScaleConfig, large_scale_log_model};
///
/// # fn main() -> gsl_core::Result<()> {
/// let device = gsl_core::device::device_from_name("flex")?;
/// // Points on a line at 0, 1, 2, …, 11: a sparse graph between nearby points.
/// let x: Vec<f32> = (0..12).map(|i| i as f32).collect();
/// let x = Tensor::<2>::from_data(burn::tensor::TensorData::new(x, [12, 1]), &device);
/// let (graph, report) = large_scale_log_model(x, &LargeScaleConfig::new(2), None)?;
/// assert!(report.converged);
/// assert!(graph.to_edge_list().iter().all(|(i, j, _)| i.abs_diff(j) <= 6));
/// # Ok(())
/// # }
/// ```
pub fn large_scale_log_model(
    x: Tensor<2>,
    config: &LargeScaleConfig,
    mut progress: Option<ProgressFn<'_>>,
) -> Result<(Graph, SolveReport<SmoothState>)> {
    config.validate()?;
    let [n, _] = x.dims();
    let kk = config.num_candidates();
    if kk >= n {
        return Err(GslError::invalid(
            "candidates",
            format!("need kk < N, got kk = {kk}, N = {n}"),
        ));
    }
    let device = x.device();
    let (idx, dist) = match config.search {
        CandidateSearch::Exact => {
            let mut options = KnnOptions::new(kk);
            options.chunk_size = config.chunk_size;
            let (idx, dist) = knn(x, &options)?;
            let idx = to_vec_i64(idx).into_iter().map(|j| j as usize).collect();
            (idx, to_vec_f32(dist))
        }
        CandidateSearch::NnDescent => {
            let mut ann = NnDescentConfig::new(kk);
            ann.seed = config.seed;
            let nn = nn_descent(x, &ann, progress.as_mut().map(|f| &mut **f as _))?;
            (nn.indices, nn.distances)
        }
    };
    let theta = match config.theta {
        Some(t) => t,
        None => {
            let sorted: Vec<Vec<f32>> = dist
                .chunks(kk)
                .map(|row| row[..=config.k].to_vec())
                .collect();
            automatic_theta(&sorted, config.k)?
        }
    };
    let pairs = candidate_support(n, &idx, &dist, kk);
    let m = pairs.len();
    let ij: Vec<(usize, usize)> = pairs.iter().map(|p| (p.0, p.1)).collect();
    let support = PairSupport::from_pairs(n, &ij, &device)?;
    let z: Vec<f32> = pairs.iter().map(|p| p.2 * theta as f32).collect();
    let z = Tensor::<2>::from_data(TensorData::new(z, [1, m]), &device);
    let report = learn_smooth(z, &support, &config.smooth(), false, progress)?;
    let w = report.estimate.w.clone().reshape([m]);
    let max_w: f32 = w.clone().max().into_scalar();
    let keep = w.clone().greater_elem(max_w * config.rel_edge as f32);
    let kept = keep.clone().int().sum().into_scalar::<i64>() as usize;
    let (rows, cols) = support.pairs();
    let graph = if kept == 0 {
        EdgeList::new(n, vec![], vec![], None)?.to_graph(&device)
    } else {
        let positions = keep.argwhere().reshape([kept]);
        let src = rows.clone().select(0, positions.clone());
        let dst = cols.clone().select(0, positions.clone());
        let weights = w.select(0, positions);
        let edge_index = Tensor::<2, Int>::cat(
            vec![
                Tensor::stack::<2>(vec![src.clone(), dst.clone()], 0),
                Tensor::stack::<2>(vec![dst, src], 0),
            ],
            1,
        );
        Graph::new(
            n,
            edge_index,
            Some(Tensor::cat(vec![weights.clone(), weights], 0)),
        )?
    };
    Ok((graph, report))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn theta_interval_closed_form() {
        // One node with neighbours at squared distances 1, 2, 4, k = 2:
        // upper = 1/√(2·4 − 3·2) = 1/√2, lower = 1/√(3·16 − 7·4) = 1/√20.
        let (l, u) = theta_bounds(&[vec![1.0, 2.0, 4.0]], 2).unwrap();
        assert!((u - 0.5f64.sqrt()).abs() < 1e-12);
        assert!((l - 1.0 / 20f64.sqrt()).abs() < 1e-12);
        assert!(
            (automatic_theta(&[vec![1.0, 2.0, 4.0]], 2).unwrap() - (l * u).sqrt()).abs() < 1e-12
        );
        assert!(theta_bounds(&[vec![1.0, 2.0]], 2).is_err());
        assert!(theta_bounds(&[vec![1.0, f32::NAN, 3.0]], 2).is_err());
        assert!(theta_bounds(&[vec![1.0, 1.0, 1.0]], 2).is_err());
    }

    #[test]
    fn support_is_symmetric_and_deduplicated() {
        // Node 0's neighbours 1, 2; node 1's 0, 2; node 2's 1, 0: three pairs.
        let pairs = candidate_support(3, &[1, 2, 0, 2, 1, 0], &[1.0, 4.0, 1.0, 1.0, 1.0, 4.0], 2);
        assert_eq!(pairs, vec![(0, 1, 1.0), (0, 2, 4.0), (1, 2, 1.0)]);
    }
}
