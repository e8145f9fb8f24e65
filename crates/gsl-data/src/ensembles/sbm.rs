//! Stochastic block models: the plain SBM and the degree-corrected SBM.

use gsl_core::{EdgeList, GslError, Result};
use rand::Rng;
use rand_distr::weighted::WeightedAliasIndex;
use rand_distr::{Distribution, Poisson};

use super::erdos_renyi::{bernoulli_indices, gnp_pairs};
use super::{Generator, check_probability, rng_from_seed, undirected};

/// Stochastic block model (Holland, Laskey & Leinhardt 1983): nodes are split into consecutive
/// blocks of the given sizes, and nodes `i` (block r) and `j` (block s) are joined independently
/// with probability `probs[r][s]`.
///
/// Each block pair is sampled by geometric skipping, so a draw costs O(n + m + B²).
///
/// ```
/// use gsl_data::ensembles::{Generator, StochasticBlockModel};
/// # fn main() -> gsl_core::Result<()> {
/// let sbm = StochasticBlockModel::planted(vec![5, 5], &[1.0, 1.0], 0.0)?;
/// let g = sbm.sample(3)?;
/// assert_eq!(g.num_edges(), 2 * 2 * 10); // two disjoint K5
/// assert_eq!(sbm.labels(), vec![0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StochasticBlockModel {
    /// Number of nodes of each block (each ≥ 1); block r holds consecutive node ids.
    pub block_sizes: Vec<usize>,
    /// Symmetric B×B matrix of edge probabilities in [0, 1].
    pub probs: Vec<Vec<f64>>,
}

impl Default for StochasticBlockModel {
    /// L2G's SBM (N = 100): blocks [4, 2, 2, 13, 13, 15, 17, 3, 12, 10, 9] with within-block
    /// probabilities [.95, 1, 1, .6, .6, .5, .5, .95, .65, .65, .65]. L2G passes the between-block
    /// probability as a hyperparameter; 0.01 is used here.
    fn default() -> Self {
        Self::planted(
            vec![4, 2, 2, 13, 13, 15, 17, 3, 12, 10, 9],
            &[0.95, 1.0, 1.0, 0.6, 0.6, 0.5, 0.5, 0.95, 0.65, 0.65, 0.65],
            0.01,
        )
        .expect("the default SBM parameters are valid")
    }
}

impl StochasticBlockModel {
    /// An SBM with a full probability matrix.
    pub fn new(block_sizes: Vec<usize>, probs: Vec<Vec<f64>>) -> Self {
        Self { block_sizes, probs }
    }

    /// A planted-partition SBM: `p_in[r]` inside block r, `p_out` between any two blocks.
    pub fn planted(block_sizes: Vec<usize>, p_in: &[f64], p_out: f64) -> Result<Self> {
        if p_in.len() != block_sizes.len() {
            return Err(GslError::shape(
                "planted p_in",
                block_sizes.len(),
                p_in.len(),
            ));
        }
        let b = block_sizes.len();
        let probs = (0..b)
            .map(|r| {
                (0..b)
                    .map(|s| if r == s { p_in[r] } else { p_out })
                    .collect()
            })
            .collect();
        Ok(Self { block_sizes, probs })
    }

    /// Total number of nodes.
    pub fn num_nodes(&self) -> usize {
        self.block_sizes.iter().sum()
    }

    /// The block of every node (the ground-truth community labels).
    pub fn labels(&self) -> Vec<usize> {
        block_labels(&self.block_sizes)
    }
}

fn block_labels(block_sizes: &[usize]) -> Vec<usize> {
    block_sizes
        .iter()
        .enumerate()
        .flat_map(|(r, &s)| std::iter::repeat_n(r, s))
        .collect()
}

fn block_offsets(block_sizes: &[usize]) -> Vec<usize> {
    let mut offsets = Vec::with_capacity(block_sizes.len() + 1);
    offsets.push(0);
    for &s in block_sizes {
        offsets.push(offsets.last().copied().unwrap_or(0) + s);
    }
    offsets
}

/// Checks the block sizes and that `matrix` is a finite, symmetric B×B matrix whose entries
/// pass `check_entry`.
fn validate_blocks(
    block_sizes: &[usize],
    matrix: &[Vec<f64>],
    check_entry: impl Fn(f64) -> Result<()>,
) -> Result<()> {
    let b = block_sizes.len();
    if b == 0 {
        return Err(GslError::invalid("block_sizes", "needs at least one block"));
    }
    if let Some(r) = block_sizes.iter().position(|&s| s == 0) {
        return Err(GslError::invalid(
            "block_sizes",
            format!("block {r} is empty"),
        ));
    }
    if matrix.len() != b {
        return Err(GslError::shape("probs rows", b, matrix.len()));
    }
    for (r, row) in matrix.iter().enumerate() {
        if row.len() != b {
            return Err(GslError::shape(format!("probs row {r}"), b, row.len()));
        }
        for (s, &p) in row.iter().enumerate() {
            check_entry(p)?;
            if p != matrix[s][r] {
                return Err(GslError::invalid(
                    "probs",
                    format!(
                        "must be symmetric: probs[{r}][{s}] = {p} ≠ probs[{s}][{r}] = {}",
                        matrix[s][r]
                    ),
                ));
            }
        }
    }
    Ok(())
}

impl Generator for StochasticBlockModel {
    fn validate(&self) -> Result<()> {
        validate_blocks(&self.block_sizes, &self.probs, |p| {
            check_probability("probs", p)
        })
    }

    fn sample(&self, seed: u64) -> Result<EdgeList> {
        self.validate()?;
        let mut rng = rng_from_seed(seed);
        let offsets = block_offsets(&self.block_sizes);
        // (first node, size) of every block.
        let blocks: Vec<(usize, usize)> = offsets
            .iter()
            .copied()
            .zip(self.block_sizes.iter().copied())
            .collect();
        let mut pairs = Vec::new();
        for (r, &(off_r, n_r)) in blocks.iter().enumerate() {
            pairs.extend(
                gnp_pairs(n_r, self.probs[r][r], &mut rng)
                    .into_iter()
                    .map(|(v, w)| (off_r + v, off_r + w)),
            );
            for (s, &(off_s, n_s)) in blocks.iter().enumerate().skip(r + 1) {
                // The n_r × n_s rectangle of pairs, flattened row-major.
                pairs.extend(
                    bernoulli_indices(n_r * n_s, self.probs[r][s], &mut rng)
                        .into_iter()
                        .map(|k| (off_r + k / n_s, off_s + k % n_s)),
                );
            }
        }
        undirected(self.num_nodes(), &pairs)
    }
}

/// Degree-corrected SBM (Karrer & Newman 2011): node `i` of block r and node `j` of block s are
/// joined by Poisson(θ_i θ_j p_rs) parallel edges, which are merged, so
/// P(i ~ j) = 1 − exp(−θ_i θ_j p_rs). Self-loops are dropped.
///
/// The degree parameters θ are rescaled to mean 1 inside each block, so `probs` keeps the meaning
/// of (approximately, for small rates) the block densities and θ only redistributes degrees.
/// Sampled in O(n + m) time: the number of edges of each block pair is one Poisson draw and the
/// endpoints are drawn ∝ θ with alias tables (Karrer & Newman's generative process).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DegreeCorrectedSbm {
    /// Number of nodes of each block (each ≥ 1); block r holds consecutive node ids.
    pub block_sizes: Vec<usize>,
    /// Symmetric B×B matrix of non-negative edge rates.
    pub probs: Vec<Vec<f64>>,
    /// Positive degree parameter of every node.
    pub theta: Vec<f64>,
}

impl DegreeCorrectedSbm {
    /// A DC-SBM from its parts.
    pub fn new(block_sizes: Vec<usize>, probs: Vec<Vec<f64>>, theta: Vec<f64>) -> Self {
        Self {
            block_sizes,
            probs,
            theta,
        }
    }

    /// Total number of nodes.
    pub fn num_nodes(&self) -> usize {
        self.block_sizes.iter().sum()
    }

    /// The block of every node.
    pub fn labels(&self) -> Vec<usize> {
        block_labels(&self.block_sizes)
    }

    /// θ rescaled to mean 1 within each block (what the sampler uses).
    pub fn normalized_theta(&self) -> Result<Vec<f64>> {
        self.validate()?;
        let offsets = block_offsets(&self.block_sizes);
        let mut theta = self.theta.clone();
        for r in 0..self.block_sizes.len() {
            let block = &mut theta[offsets[r]..offsets[r + 1]];
            let mean = block.iter().sum::<f64>() / block.len() as f64;
            block.iter_mut().for_each(|t| *t /= mean);
        }
        Ok(theta)
    }
}

fn poisson_count<R: Rng>(lambda: f64, rng: &mut R) -> Result<usize> {
    if lambda <= 0.0 {
        return Ok(0);
    }
    let dist = Poisson::new(lambda)
        .map_err(|e| GslError::invalid("probs", format!("edge rate {lambda} is unusable: {e}")))?;
    Ok(dist.sample(rng) as usize)
}

impl Generator for DegreeCorrectedSbm {
    fn validate(&self) -> Result<()> {
        validate_blocks(&self.block_sizes, &self.probs, |p| {
            if !p.is_finite() || p < 0.0 {
                return Err(GslError::invalid(
                    "probs",
                    format!("must be finite and ≥ 0, got {p}"),
                ));
            }
            Ok(())
        })?;
        let n = self.num_nodes();
        if self.theta.len() != n {
            return Err(GslError::shape("theta", n, self.theta.len()));
        }
        if let Some((i, t)) = self
            .theta
            .iter()
            .enumerate()
            .find(|(_, t)| !t.is_finite() || **t <= 0.0)
        {
            return Err(GslError::invalid(
                "theta",
                format!("theta[{i}] = {t} must be finite and > 0"),
            ));
        }
        Ok(())
    }

    fn sample(&self, seed: u64) -> Result<EdgeList> {
        let theta = self.normalized_theta()?;
        let mut rng = rng_from_seed(seed);
        let offsets = block_offsets(&self.block_sizes);
        let b = self.block_sizes.len();
        let samplers = (0..b)
            .map(|r| {
                WeightedAliasIndex::new(theta[offsets[r]..offsets[r + 1]].to_vec())
                    .map_err(|e| GslError::invalid("theta", e.to_string()))
            })
            .collect::<Result<Vec<_>>>()?;
        let mut pairs = Vec::new();
        for r in 0..b {
            // Σθ over block r equals its size after normalisation.
            let n_r = self.block_sizes[r] as f64;
            // Ordered endpoint pairs at rate p(Σθ)²/2 give every unordered pair {i, j} the
            // rate θ_i θ_j p; the pairs with i = j are self-loops and are dropped by `undirected`.
            let count = poisson_count(self.probs[r][r] * n_r * n_r / 2.0, &mut rng)?;
            for _ in 0..count {
                let i = offsets[r] + samplers[r].sample(&mut rng);
                let j = offsets[r] + samplers[r].sample(&mut rng);
                pairs.push((i, j));
            }
            for s in r + 1..b {
                let n_s = self.block_sizes[s] as f64;
                let count = poisson_count(self.probs[r][s] * n_r * n_s, &mut rng)?;
                for _ in 0..count {
                    let i = offsets[r] + samplers[r].sample(&mut rng);
                    let j = offsets[s] + samplers[s].sample(&mut rng);
                    pairs.push((i, j));
                }
            }
        }
        undirected(self.num_nodes(), &pairs)
    }
}
