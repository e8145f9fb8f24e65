//! Similarity of signals and points: sample covariance and correlation of node signals, pairwise
//! squared distances and cosine similarities (in row chunks), and the exact k-nearest-neighbour
//! graph computed on the device.
//!
//! # Example
//!
//! ```
//! use burn::tensor::Tensor;
//! use gsl_core::similarity::{KnnOptions, knn_graph};
//!
//! # fn main() -> gsl_core::Result<()> {
//! let device = gsl_core::device::device_from_name("flex")?;
//! // Two tight pairs on a line: each point's nearest neighbour is its partner.
//! let x = Tensor::<2>::from_floats([[0.0], [0.1], [5.0], [5.2]], &device);
//! let graph = knn_graph(x, &KnnOptions::new(1))?;
//! let edges = graph.to_edge_list();
//! assert_eq!(edges.dst(), &[1, 0, 3, 2]);
//! # Ok(())
//! # }
//! ```

use burn::tensor::{IndexingUpdateOp, Int, Tensor};

use crate::error::{GslError, Result};
use crate::graph::{Duplicates, Graph};
use crate::ops::symmetrize_graph;
use crate::tensor::ensure_finite;

/// Checks a signal batch `[B, N, P]` (`B, N >= 1`, `P >= 2`, finite) and centres every row.
fn centred_signals(x: Tensor<3>, context: &str) -> Result<(Tensor<3>, usize)> {
    let [b, n, p] = x.dims();
    if b == 0 || n == 0 {
        return Err(GslError::EmptyGraph(format!(
            "{context}: need B >= 1 and N >= 1, got [{b}, {n}, {p}]"
        )));
    }
    if p < 2 {
        return Err(GslError::invalid(
            "x",
            format!("{context} needs at least 2 samples per variable, got P = {p}"),
        ));
    }
    ensure_finite(&x, context)?;
    let mean = x.clone().mean_dim(2);
    Ok((x.sub(mean), p))
}

/// Sample covariance `[B, N, N]` of signals `x` `[B, N, P]` (N variables/nodes observed in P
/// samples): `C = (X − X̄)(X − X̄)ᵀ / (P − 1)`, numpy's `np.cov` default (unbiased). One batched
/// matmul; differentiable.
///
/// Errors: an empty batch, `P < 2`, non-finite input.
///
/// # Example
///
/// ```
/// use burn::tensor::Tensor;
/// use gsl_core::similarity::covariance;
///
/// # fn main() -> gsl_core::Result<()> {
/// let device = gsl_core::device::device_from_name("flex")?;
/// // The second variable is twice the first: variances 1 and 4, covariance 2.
/// let x = Tensor::<3>::from_floats([[[0.0, 1.0, 2.0], [0.0, 2.0, 4.0]]], &device);
/// let c = covariance(x)?;
/// assert_eq!(gsl_core::tensor::to_vec_f32(c), vec![1.0, 2.0, 2.0, 4.0]);
/// # Ok(())
/// # }
/// ```
pub fn covariance(x: Tensor<3>) -> Result<Tensor<3>> {
    let (centred, p) = centred_signals(x, "covariance")?;
    Ok(centred
        .clone()
        .matmul(centred.swap_dims(1, 2))
        .div_scalar((p - 1) as f32))
}

/// Pearson correlation `[B, N, N]` of signals `[B, N, P]`: the covariance scaled by
/// `1/(σ_i σ_j)`, clipped to `[−1, 1]` (as `np.corrcoef` does).
///
/// A variable with zero variance has no correlation; rather than returning NaN (numpy) or an
/// arbitrary value, this returns [`GslError::InvalidArgument`]. A standard deviation below
/// `1e-6` times the largest magnitude in that variable's row (or exactly zero) counts as zero,
/// because f32 rounding in the mean of a constant row leaves a tiny non-zero spread.
///
/// Errors: those of [`covariance`], and a zero-variance variable.
pub fn correlation(x: Tensor<3>) -> Result<Tensor<3>> {
    let scale = x.clone().abs().max_dim(2); // [B, N, 1]
    let (centred, p) = centred_signals(x, "correlation")?;
    let std = centred
        .clone()
        .square()
        .sum_dim(2)
        .div_scalar((p - 1) as f32)
        .sqrt(); // [B, N, 1]
    let degenerate = std
        .clone()
        .lower_equal(scale.mul_scalar(1e-6))
        .any()
        .into_scalar::<bool>();
    if degenerate {
        return Err(GslError::invalid(
            "x",
            "correlation is undefined for a variable with zero variance",
        ));
    }
    let normalised = centred.div(std.mul_scalar(((p - 1) as f32).sqrt()));
    Ok(normalised
        .clone()
        .matmul(normalised.swap_dims(1, 2))
        .clamp(-1.0, 1.0))
}

/// Checks a point set `[N, d]` with `N, d >= 1` and finite entries.
fn check_points(x: &Tensor<2>, name: &str) -> Result<[usize; 2]> {
    let [n, d] = x.dims();
    if n == 0 || d == 0 {
        return Err(GslError::invalid(
            name,
            format!("need at least one point and one dimension, got [{n}, {d}]"),
        ));
    }
    ensure_finite(x, name)?;
    Ok([n, d])
}

/// Checks that `x` `[N, d]` and `y` `[M, d]` are valid point sets of the same dimension.
fn check_pair(x: &Tensor<2>, y: &Tensor<2>) -> Result<()> {
    let [_, d] = check_points(x, "x")?;
    let [m, dy] = check_points(y, "y")?;
    if d != dy {
        return Err(GslError::shape(
            "pairwise y",
            format!("[M, {d}]"),
            format!("[{m}, {dy}]"),
        ));
    }
    Ok(())
}

/// Rows scaled to unit Euclidean norm; a zero row is an error (its direction is undefined).
fn unit_rows(x: Tensor<2>, name: &str) -> Result<Tensor<2>> {
    let norm = x.clone().square().sum_dim(1).sqrt();
    let zero = norm.clone().equal_elem(0.0).any().into_scalar::<bool>();
    if zero {
        return Err(GslError::invalid(
            name,
            "cosine similarity is undefined for a zero vector",
        ));
    }
    Ok(x.div(norm))
}

/// Which pairwise quantity a [`PairwiseChunks`] produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pairwise {
    SquaredDistance,
    Cosine,
}

/// Row chunks of a pairwise matrix between `x` `[N, d]` and `y` `[M, d]`: each item is
/// `(first_row, block)` with `block` `[c, M]` for rows `first_row..first_row + c` of `x`, so at
/// most `chunk_size × M` values are held at once. Made by [`pairwise_sq_distances_chunks`] and
/// [`cosine_similarity_chunks`].
#[derive(Debug, Clone)]
pub struct PairwiseChunks {
    kind: Pairwise,
    /// `x`, already unit-normalised for cosine.
    x: Tensor<2>,
    /// `yᵀ` `[d, M]`, already unit-normalised for cosine.
    y_t: Tensor<2>,
    /// `‖y_j‖²` as `[1, M]` (squared distances only).
    y_sq: Option<Tensor<2>>,
    chunk_size: usize,
    next_row: usize,
}

impl Iterator for PairwiseChunks {
    type Item = (usize, Tensor<2>);

    fn next(&mut self) -> Option<Self::Item> {
        let n = self.x.dims()[0];
        if self.next_row >= n {
            return None;
        }
        let start = self.next_row;
        let c = self.chunk_size.min(n - start);
        self.next_row += c;
        let xc = self.x.clone().narrow(0, start, c);
        let block = match self.kind {
            Pairwise::Cosine => xc.matmul(self.y_t.clone()).clamp(-1.0, 1.0),
            Pairwise::SquaredDistance => {
                let x_sq = xc.clone().square().sum_dim(1);
                let y_sq = self.y_sq.clone().expect("set for squared distances");
                xc.matmul(self.y_t.clone())
                    .mul_scalar(-2.0)
                    .add(x_sq)
                    .add(y_sq)
                    .clamp_min(0.0)
            }
        };
        Some((start, block))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.x.dims()[0].saturating_sub(self.next_row);
        let chunks = left.div_ceil(self.chunk_size);
        (chunks, Some(chunks))
    }
}

impl ExactSizeIterator for PairwiseChunks {}

fn check_chunk_size(chunk_size: usize) -> Result<()> {
    if chunk_size == 0 {
        return Err(GslError::invalid("chunk_size", "must be at least 1"));
    }
    Ok(())
}

/// Squared Euclidean distances between the rows of `x` `[N, d]` and `y` `[M, d]`, in row chunks
/// of `x` (see [`PairwiseChunks`]). Each block is `‖x_i‖² + ‖y_j‖² − 2 x_i·y_j` from one matmul,
/// clamped at 0 against rounding.
///
/// Errors: empty or non-finite inputs, different dimensions, `chunk_size = 0`.
pub fn pairwise_sq_distances_chunks(
    x: Tensor<2>,
    y: Tensor<2>,
    chunk_size: usize,
) -> Result<PairwiseChunks> {
    check_pair(&x, &y)?;
    check_chunk_size(chunk_size)?;
    let y_sq = y.clone().square().sum_dim(1).transpose();
    Ok(PairwiseChunks {
        kind: Pairwise::SquaredDistance,
        x,
        y_t: y.transpose(),
        y_sq: Some(y_sq),
        chunk_size,
        next_row: 0,
    })
}

/// Cosine similarities between the rows of `x` `[N, d]` and `y` `[M, d]`, in row chunks of `x`
/// (see [`PairwiseChunks`]), clamped to `[−1, 1]`.
///
/// Errors: empty or non-finite inputs, a zero row, different dimensions, `chunk_size = 0`.
pub fn cosine_similarity_chunks(
    x: Tensor<2>,
    y: Tensor<2>,
    chunk_size: usize,
) -> Result<PairwiseChunks> {
    check_pair(&x, &y)?;
    check_chunk_size(chunk_size)?;
    Ok(PairwiseChunks {
        kind: Pairwise::Cosine,
        x: unit_rows(x, "x")?,
        y_t: unit_rows(y, "y")?.transpose(),
        y_sq: None,
        chunk_size,
        next_row: 0,
    })
}

/// The full `[N, M]` matrix of squared Euclidean distances between the rows of `x` and `y`
/// (for small inputs; use [`pairwise_sq_distances_chunks`] when `N × M` is large).
/// Differentiable.
///
/// Errors: as for [`pairwise_sq_distances_chunks`].
pub fn pairwise_sq_distances(x: Tensor<2>, y: Tensor<2>) -> Result<Tensor<2>> {
    let n = x.dims()[0].max(1);
    let blocks: Vec<Tensor<2>> = pairwise_sq_distances_chunks(x, y, n)?
        .map(|(_, b)| b)
        .collect();
    Ok(Tensor::cat(blocks, 0))
}

/// The full `[N, M]` matrix of cosine similarities between the rows of `x` and `y` (for small
/// inputs; use [`cosine_similarity_chunks`] when `N × M` is large). Differentiable.
///
/// Errors: as for [`cosine_similarity_chunks`].
pub fn cosine_similarity(x: Tensor<2>, y: Tensor<2>) -> Result<Tensor<2>> {
    let n = x.dims()[0].max(1);
    let blocks: Vec<Tensor<2>> = cosine_similarity_chunks(x, y, n)?.map(|(_, b)| b).collect();
    Ok(Tensor::cat(blocks, 0))
}

/// The distance a kNN search ranks by.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum KnnMetric {
    /// `‖x_i − x_j‖²`.
    SquaredEuclidean,
    /// `1 − cos(x_i, x_j)`, in `[0, 2]`; zero vectors are rejected.
    Cosine,
}

/// How the edges of a kNN graph are weighted.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum KnnWeighting {
    /// No weights (every edge weighs one).
    Binary,
    /// The distance `d`: the Euclidean distance `‖x_i − x_j‖` for
    /// [`KnnMetric::SquaredEuclidean`], `1 − cos` for [`KnnMetric::Cosine`].
    Distance,
    /// The Gaussian kernel `exp(−d² / (2σ²))` of that distance. `None`: `σ` is the mean of the
    /// `N·k` neighbour distances (all-zero distances then give weight 1, the kernel's limit).
    Gaussian {
        /// Kernel width; must be finite and positive when given.
        sigma: Option<f32>,
    },
}

/// Parameters of [`knn`] and [`knn_graph`].
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct KnnOptions {
    /// Neighbours per point, `1 <= k < N`.
    pub k: usize,
    /// The distance to rank by.
    pub metric: KnnMetric,
    /// Edge weights of [`knn_graph`].
    pub weighting: KnnWeighting,
    /// Make [`knn_graph`] undirected: the union of both directions, weights merged with max.
    pub symmetrize: bool,
    /// Query rows per block: memory is `O(chunk_size · N)`.
    pub chunk_size: usize,
}

impl KnnOptions {
    /// `k` neighbours by squared Euclidean distance, weighted by distance, directed, in blocks
    /// of 256 rows.
    pub fn new(k: usize) -> Self {
        Self {
            k,
            metric: KnnMetric::SquaredEuclidean,
            weighting: KnnWeighting::Distance,
            symmetrize: false,
            chunk_size: 256,
        }
    }

    /// Checks what can be checked without the data: `k >= 1`, `chunk_size >= 1`, and a given
    /// Gaussian `sigma` finite and positive. (`k < N` is checked by [`knn`].)
    pub fn validate(&self) -> Result<()> {
        if self.k == 0 {
            return Err(GslError::invalid("k", "need at least one neighbour"));
        }
        check_chunk_size(self.chunk_size)?;
        if let KnnWeighting::Gaussian { sigma: Some(s) } = self.weighting
            && !(s.is_finite() && s > 0.0)
        {
            return Err(GslError::invalid(
                "sigma",
                format!("must be finite and positive, got {s}"),
            ));
        }
        Ok(())
    }
}

/// The `k` nearest neighbours of every row of `x` `[N, d]` among the other rows: indices
/// `[N, k]` and distances `[N, k]` in the metric's own units (squared Euclidean, or `1 − cos`),
/// sorted nearest first. A point is never its own neighbour.
///
/// Exact, on the device, in blocks of `chunk_size` query rows (memory `O(chunk_size · N)`):
///
/// 1. matmuls give the block's scores against all points, `‖x_j‖² − 2 x_i·x_j` (or `−cos`): the
///    per-row constant is added only to the winners, and the `‖x_j‖²` term rides in the matmul as
///    an extra column. The matmul runs over column tiles of about [`KNN_TILE_COLUMNS`] points so
///    that its output stays in cache (on a CPU this doubles its rate against one
///    block-by-`N` product);
/// 2. each row is cut into groups of `g ≈ sqrt(N/(k+1))` columns (minima taken per tile) and the
///    `k+1` groups with the smallest minima are kept: they contain the `k+1` smallest scores,
///    because every group holding one of them has a minimum no larger than it (so a full sort of
///    `N` values per row becomes two selections over about `sqrt(N·(k+1))` values each);
/// 3. among those `(k+1)·g` candidates the point itself is masked and the `k` best are taken.
///
/// The per-block results stay on the device and are concatenated at the end.
///
/// Ties: equal distances may be returned in any order, and when several points tie for the
/// `k`-th place, which of them is returned is unspecified (it follows the backend's row-minimum
/// selection).
/// The distances themselves are exact (up to f32 rounding of the matmul).
///
/// Errors: [`KnnOptions::validate`]'s, `N = 0` ([`GslError::EmptyGraph`]), `k >= N`, non-finite
/// `x`, a zero row with [`KnnMetric::Cosine`].
///
/// # Example
///
/// ```
/// use burn::tensor::Tensor;
/// use gsl_core::similarity::{KnnOptions, knn};
/// use gsl_core::tensor::{to_vec_f32, to_vec_i64};
///
/// # fn main() -> gsl_core::Result<()> {
/// let device = gsl_core::device::device_from_name("flex")?;
/// let x = Tensor::<2>::from_floats([[0.0], [1.0], [3.0]], &device);
/// let (idx, dist) = knn(x, &KnnOptions::new(2))?;
/// // Point 0: 1 at squared distance 1, then 2 at 9; point 2: 1 at 4, then 0 at 9.
/// assert_eq!(to_vec_i64(idx), vec![1, 2, 0, 2, 1, 0]);
/// assert_eq!(to_vec_f32(dist), vec![1.0, 9.0, 1.0, 4.0, 4.0, 9.0]);
/// # Ok(())
/// # }
/// ```
pub fn knn(x: Tensor<2>, options: &KnnOptions) -> Result<(Tensor<2, Int>, Tensor<2>)> {
    options.validate()?;
    let [n, d] = x.dims();
    if n == 0 {
        return Err(GslError::EmptyGraph("knn: no points".into()));
    }
    check_points(&x, "knn points")?;
    let k = options.k;
    if k >= n {
        return Err(GslError::invalid(
            "k",
            format!("need k < N (a point is not its own neighbour), got k = {k}, N = {n}"),
        ));
    }
    let x = x.detach();
    let device = x.device();

    // Group size and padded width: ceil(N / g) >= k + 1 groups since g <= sqrt(N / (k + 1)).
    let g = ((n as f64 / (k + 1) as f64).sqrt().floor() as usize).max(1);
    let groups = n.div_ceil(g);
    let padded = groups * g;
    // Column tiles of whole groups for the matmul (the last one may be smaller).
    let tile_groups = groups.min(KNN_TILE_COLUMNS.div_ceil(g));

    // Scores s_ij = lhs_i · rhs_j with an extra column: lhs = [−2x, 1], rhs = [x, ‖x‖²] (or
    // [−x̂, 1], [x̂, 0] for cosine); padding columns have rhs = [0, +inf] so they never win.
    let (points, lhs_scale, offset) = match options.metric {
        KnnMetric::SquaredEuclidean => {
            let sq = x.clone().square().sum_dim(1);
            (x.clone(), -2.0, Some(sq))
        }
        KnnMetric::Cosine => (unit_rows(x.clone(), "knn points")?, -1.0, None),
    };
    let extra = match &offset {
        Some(sq) => sq.clone(),
        None => Tensor::zeros([n, 1], &device),
    };
    let lhs = Tensor::cat(
        vec![
            points.clone().mul_scalar(lhs_scale),
            Tensor::ones([n, 1], &device),
        ],
        1,
    );
    let mut rhs = Tensor::cat(vec![points, extra], 1);
    if padded > n {
        let pad = Tensor::cat(
            vec![
                Tensor::zeros([padded - n, d], &device),
                Tensor::full([padded - n, 1], f32::INFINITY, &device),
            ],
            1,
        );
        rhs = Tensor::cat(vec![rhs, pad], 0);
    }
    // Stored contiguous as [d + 1, padded]: gemm then streams each tile's columns.
    let rhs_t = Tensor::<2>::from_data(rhs.transpose().into_data(), &device);
    let within_group = Tensor::<1, Int>::arange(0..g as i64, &device).reshape([1, 1, g]);

    let mut all_idx = Vec::with_capacity(n.div_ceil(options.chunk_size));
    let mut all_dist = Vec::with_capacity(all_idx.capacity());
    let mut start = 0;
    while start < n {
        let c = options.chunk_size.min(n - start);
        let block = lhs.clone().narrow(0, start, c);
        let self_id =
            Tensor::<1, Int>::arange(start as i64..(start + c) as i64, &device).reshape([c, 1]);
        // Scores tile by tile, so each matmul writes a cache-sized block; each tile's group
        // minima are taken while it is hot. The tiles are then joined for the gather below.
        let mut tiles = Vec::with_capacity(groups.div_ceil(tile_groups));
        let mut minima = Vec::with_capacity(tiles.capacity());
        let mut first_group = 0;
        while first_group < groups {
            let tg = tile_groups.min(groups - first_group);
            let scores = block
                .clone()
                .matmul(rhs_t.clone().narrow(1, first_group * g, tg * g)); // [c, tg·g]
            minima.push(
                scores
                    .clone()
                    .reshape([c, tg, g])
                    .min_dim(2)
                    .reshape([c, tg]),
            );
            tiles.push(scores);
            first_group += tg;
        }
        let scores = Tensor::cat(tiles, 1); // [c, padded]
        let group_min = Tensor::cat(minima, 1); // [c, groups]
        let (_, best_groups) = smallest_per_row(group_min, k + 1); // [c, k+1]
        let candidates = best_groups
            .reshape([c, k + 1, 1])
            .mul_scalar(g as i64)
            .add(within_group.clone())
            .reshape([c, (k + 1) * g]);
        let is_self = candidates.clone().equal(self_id.expand([c, (k + 1) * g]));
        let candidate_scores = scores
            .gather(1, candidates.clone())
            .mask_fill(is_self, f32::INFINITY);
        let (best, pos) = smallest_per_row(candidate_scores, k);
        let idx = candidates.gather(1, pos);
        let dist = match &offset {
            Some(sq) => best.add(sq.clone().narrow(0, start, c)).clamp_min(0.0),
            None => best.add_scalar(1.0).clamp(0.0, 2.0),
        };
        all_idx.push(idx);
        all_dist.push(dist);
        start += c;
    }
    let dist = Tensor::cat(all_dist, 0);
    // Finite inputs whose squared norms overflow f32 would surface here as inf/NaN distances.
    ensure_finite(&dist, "knn distances (squared norms overflow f32)")?;
    Ok((Tensor::cat(all_idx, 0), dist))
}

/// Columns per matmul tile of [`knn`] (rounded up to whole groups): with the default 256-row
/// blocks a tile is 2 MiB of f32, small enough for the matmul to write it at compute speed.
pub const KNN_TILE_COLUMNS: usize = 2048;

/// Up to this many selections, [`smallest_per_row`] extracts row minima one at a time; above it,
/// a sort-based top-k is cheaper.
const ITERATIVE_SELECTION_MAX: usize = 32;

/// The `m` smallest entries of every row of `t` `[R, C]` and their columns, ascending.
///
/// For small `m` this takes `m` rounds of row-minimum extraction (each round reads the rows once
/// and overwrites the winner with `+inf`), which on Flex is several times faster than its
/// sort-based `topk`; equal values come out in the order `min_dim_with_indices` picks them.
fn smallest_per_row(t: Tensor<2>, m: usize) -> (Tensor<2>, Tensor<2, Int>) {
    if m > ITERATIVE_SELECTION_MAX {
        let (neg, idx) = t.neg().topk_with_indices(m, 1);
        return (neg.neg(), idx);
    }
    let mut rest = t;
    let mut values = Vec::with_capacity(m);
    let mut indices = Vec::with_capacity(m);
    for _ in 0..m {
        let (v, i) = rest.clone().min_dim_with_indices(1); // [R, 1]
        rest = rest.scatter(
            1,
            i.clone(),
            v.clone().full_like(f32::INFINITY),
            IndexingUpdateOp::Add,
        );
        values.push(v);
        indices.push(i);
    }
    (Tensor::cat(values, 1), Tensor::cat(indices, 1))
}

/// The exact kNN graph of the rows of `x` `[N, d]`: an edge `i → j` for each of the `k` nearest
/// neighbours `j` of `i` (see [`knn`]), weighted by `options.weighting`. With
/// `options.symmetrize` the result is undirected: the union of both directions, a pair found
/// from both sides keeping the larger weight (that step runs on the host, `O(N·k log(N·k))`).
///
/// Errors: those of [`knn`].
pub fn knn_graph(x: Tensor<2>, options: &KnnOptions) -> Result<Graph> {
    let n = x.dims()[0];
    let (idx, dist) = knn(x, options)?;
    let k = options.k;
    let device = idx.device();
    // The distance used by the weights: Euclidean (not squared) or 1 − cos.
    let distance = || match options.metric {
        KnnMetric::SquaredEuclidean => dist.clone().sqrt(),
        KnnMetric::Cosine => dist.clone(),
    };
    let weights = match options.weighting {
        KnnWeighting::Binary => None,
        KnnWeighting::Distance => Some(distance()),
        KnnWeighting::Gaussian { sigma } => {
            let d = distance();
            let sigma = match sigma {
                Some(s) => s,
                None => d.clone().mean().into_scalar::<f32>(),
            };
            Some(if sigma > 0.0 {
                d.square().div_scalar(-2.0 * sigma * sigma).exp()
            } else {
                d.ones_like()
            })
        }
    };
    let src = Tensor::<1, Int>::arange(0..n as i64, &device)
        .reshape([n, 1])
        .expand([n, k])
        .reshape([n * k]);
    let edge_index = Tensor::stack::<2>(vec![src, idx.reshape([n * k])], 0);
    let graph = Graph::new(n, edge_index, weights.map(|w| w.reshape([n * k])))?;
    if options.symmetrize {
        symmetrize_graph(&graph, Duplicates::Max)
    } else {
        Ok(graph)
    }
}
