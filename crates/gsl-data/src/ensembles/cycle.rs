//! Cycle graphs of random length (DGMG's cycles dataset).

use gsl_core::{EdgeList, GslError, Result};
use rand::RngExt;

use super::{Generator, check_at_least, rng_from_seed, undirected};

/// A cycle `0 − 1 − … − (n−1) − 0` with `n` uniform in `{min_size, …, max_size}`: DGMG's
/// (Li et al. 2018) synthetic cycles, where each new node links to the previous one and the last
/// one also to node 0.
///
/// ```
/// use gsl_data::ensembles::{Cycle, Generator};
/// # fn main() -> gsl_core::Result<()> {
/// let g = Cycle::new(5, 5).sample(0)?;
/// assert_eq!(g.num_nodes(), 5);
/// assert_eq!(g.num_edges(), 10);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Cycle {
    /// Smallest size (≥ 3).
    pub min_size: usize,
    /// Largest size (≥ `min_size`).
    pub max_size: usize,
}

impl Default for Cycle {
    /// Sizes 10 to 20, DGMG's `configure.py`.
    fn default() -> Self {
        Self::new(10, 20)
    }
}

impl Cycle {
    /// Cycles with sizes in `min_size..=max_size`.
    pub fn new(min_size: usize, max_size: usize) -> Self {
        Self { min_size, max_size }
    }
}

impl Generator for Cycle {
    fn validate(&self) -> Result<()> {
        check_at_least("min_size", self.min_size, 3)?;
        if self.max_size < self.min_size {
            return Err(GslError::invalid(
                "max_size",
                format!(
                    "must be ≥ min_size ({}), got {}",
                    self.min_size, self.max_size
                ),
            ));
        }
        Ok(())
    }

    fn sample(&self, seed: u64) -> Result<EdgeList> {
        self.validate()?;
        let mut rng = rng_from_seed(seed);
        let n = rng.random_range(self.min_size..=self.max_size);
        let pairs: Vec<(usize, usize)> = (0..n).map(|i| (i, (i + 1) % n)).collect();
        undirected(n, &pairs)
    }
}
