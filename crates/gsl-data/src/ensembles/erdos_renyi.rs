//! Erdős–Rényi G(n, p) graphs with the O(n + m) geometric-skipping sampler.

use gsl_core::{EdgeList, Result};
use rand::{Rng, RngExt};

use super::{Generator, check_at_least, check_probability, rng_from_seed, undirected_distinct};

/// G(n, p): every unordered pair of distinct nodes is an edge independently with probability `p`.
///
/// Sampled in O(n + m) time by jumping over the non-edges with geometric skips
/// (Batagelj & Brandes 2005, "Efficient generation of large random networks", Algorithm 1),
/// instead of drawing n(n−1)/2 coins.
///
/// ```
/// use gsl_data::ensembles::{ErdosRenyi, Generator};
/// # fn main() -> gsl_core::Result<()> {
/// let g = ErdosRenyi::new(10, 1.0).sample(0)?;
/// assert_eq!(g.num_edges(), 10 * 9); // complete graph, both directions
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ErdosRenyi {
    /// Number of nodes n (at least 1).
    pub num_nodes: usize,
    /// Edge probability p in [0, 1].
    pub p: f64,
}

impl Default for ErdosRenyi {
    /// n = 20, p = 0.15: the sparser of gsl-bnn's two ER settings.
    fn default() -> Self {
        Self::new(20, 0.15)
    }
}

impl ErdosRenyi {
    /// G(n, p) with the given parameters.
    pub fn new(num_nodes: usize, p: f64) -> Self {
        Self { num_nodes, p }
    }
}

impl Generator for ErdosRenyi {
    fn validate(&self) -> Result<()> {
        check_at_least("num_nodes", self.num_nodes, 1)?;
        check_probability("p", self.p)
    }

    fn sample(&self, seed: u64) -> Result<EdgeList> {
        self.validate()?;
        let mut rng = rng_from_seed(seed);
        let pairs = gnp_pairs(self.num_nodes, self.p, &mut rng);
        undirected_distinct(self.num_nodes, &pairs)
    }
}

/// Length of the run of failures before the next success of a Bernoulli(p) sequence, i.e. a
/// Geometric(p) variate on {0, 1, …}, by inversion: ⌊log(1 − r) / log(1 − p)⌋ for 0 < p < 1.
pub(crate) fn geometric_skip<R: Rng>(rng: &mut R, log_q: f64) -> f64 {
    let r: f64 = rng.random();
    ((1.0 - r).ln() / log_q).floor()
}

/// The unordered pairs `(v, w)`, `w < v < n`, of a G(n, p) draw (Batagelj & Brandes, Alg. 1).
pub(crate) fn gnp_pairs<R: Rng>(n: usize, p: f64, rng: &mut R) -> Vec<(usize, usize)> {
    let mut pairs = Vec::new();
    if p <= 0.0 || n < 2 {
        return pairs;
    }
    if p >= 1.0 {
        for v in 1..n {
            pairs.extend((0..v).map(|w| (v, w)));
        }
        return pairs;
    }
    let log_q = (-p).ln_1p();
    let expected = p * (n as f64) * (n as f64 - 1.0) / 2.0;
    pairs.reserve(expected as usize);
    // Walk the lower triangle row by row; `w` is the column within row `v`.
    let (mut v, mut w) = (1usize, -1.0f64);
    while v < n {
        w += 1.0 + geometric_skip(rng, log_q);
        while w >= v as f64 && v < n {
            w -= v as f64;
            v += 1;
        }
        if v < n {
            pairs.push((v, w as usize));
        }
    }
    pairs
}

/// The indices in `0..total` of independent Bernoulli(p) successes, in increasing order, found by
/// geometric skipping (the same idea as [`gnp_pairs`] on a flat range).
pub(crate) fn bernoulli_indices<R: Rng>(total: usize, p: f64, rng: &mut R) -> Vec<usize> {
    if p <= 0.0 || total == 0 {
        return Vec::new();
    }
    if p >= 1.0 {
        return (0..total).collect();
    }
    let log_q = (-p).ln_1p();
    let mut out = Vec::new();
    let mut idx = -1.0f64;
    loop {
        idx += 1.0 + geometric_skip(rng, log_q);
        if idx >= total as f64 {
            return out;
        }
        out.push(idx as usize);
    }
}
