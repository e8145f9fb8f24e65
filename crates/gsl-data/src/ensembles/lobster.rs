//! Random lobster graphs.

use gsl_core::{EdgeList, GslError, Result};
use rand::{Rng, RngExt};

use super::{Generator, check_at_least, check_probability, derive_seed, rng_from_seed, undirected};

/// Random lobster (the process of networkx `random_lobster`): a backbone path of
/// ⌊2·U·mean_backbone + 0.5⌋ nodes; each backbone node grows a geometric number of legs
/// (one more with probability `p1`), and each leg a geometric number of leaves (one more with
/// probability `p2`). Draws are rejected until the node count
/// lies in `[min_nodes, max_nodes]` (GRAN / BiGG-E: `random_lobster(80, 0.7, 0.7)`, 10 ≤ n ≤ 100).
///
/// Removing the leaves twice from a lobster leaves a path.
///
/// ```
/// use gsl_data::ensembles::{Generator, Lobster};
/// # fn main() -> gsl_core::Result<()> {
/// let g = Lobster::default().sample(1234)?;
/// assert!((10..=100).contains(&g.num_nodes()));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Lobster {
    /// Mean backbone length (> 0).
    pub mean_backbone: f64,
    /// Probability of adding one more leg to a backbone node, in [0, 1).
    pub p1: f64,
    /// Probability of extending a leg by one more node, in [0, 1).
    pub p2: f64,
    /// Fewest accepted nodes (≥ 1).
    pub min_nodes: usize,
    /// Most accepted nodes (≥ `min_nodes`).
    pub max_nodes: usize,
    /// Draws tried before giving up.
    pub max_attempts: usize,
}

impl Default for Lobster {
    /// GRAN / BiGG-E: mean backbone 80, p1 = p2 = 0.7, 10 ≤ n ≤ 100; 10 000 attempts.
    fn default() -> Self {
        Self {
            mean_backbone: 80.0,
            p1: 0.7,
            p2: 0.7,
            min_nodes: 10,
            max_nodes: 100,
            max_attempts: 10_000,
        }
    }
}

impl Lobster {
    fn draw<R: Rng>(&self, rng: &mut R) -> (usize, Vec<(usize, usize)>) {
        let backbone = (2.0 * rng.random::<f64>() * self.mean_backbone + 0.5) as usize;
        let mut pairs: Vec<(usize, usize)> = (1..backbone).map(|v| (v - 1, v)).collect();
        let mut next = backbone;
        for spine in 0..backbone {
            while rng.random::<f64>() < self.p1 {
                let leg = next;
                pairs.push((spine, leg));
                next += 1;
                while rng.random::<f64>() < self.p2 {
                    pairs.push((leg, next));
                    next += 1;
                }
                // Cap runaway draws: anything past the bound is rejected anyway.
                if next > self.max_nodes {
                    return (next, pairs);
                }
            }
        }
        (next, pairs)
    }
}

impl Generator for Lobster {
    fn validate(&self) -> Result<()> {
        if !self.mean_backbone.is_finite() || self.mean_backbone <= 0.0 {
            return Err(GslError::invalid(
                "mean_backbone",
                format!("must be finite and > 0, got {}", self.mean_backbone),
            ));
        }
        for (name, p) in [("p1", self.p1), ("p2", self.p2)] {
            check_probability(name, p)?;
            if p >= 1.0 {
                return Err(GslError::invalid(
                    name,
                    "must be < 1 for the lobster to be finite",
                ));
            }
        }
        check_at_least("min_nodes", self.min_nodes, 1)?;
        if self.max_nodes < self.min_nodes {
            return Err(GslError::invalid(
                "max_nodes",
                format!(
                    "must be ≥ min_nodes ({}), got {}",
                    self.min_nodes, self.max_nodes
                ),
            ));
        }
        check_at_least("max_attempts", self.max_attempts, 1)
    }

    fn sample(&self, seed: u64) -> Result<EdgeList> {
        self.validate()?;
        for attempt in 0..self.max_attempts {
            let mut rng = rng_from_seed(derive_seed(seed, attempt as u64));
            let (n, pairs) = self.draw(&mut rng);
            if (self.min_nodes..=self.max_nodes).contains(&n) {
                return undirected(n, &pairs);
            }
        }
        Err(GslError::invalid(
            "max_attempts",
            format!(
                "no lobster with {}..={} nodes in {} attempts",
                self.min_nodes, self.max_nodes, self.max_attempts
            ),
        ))
    }
}
