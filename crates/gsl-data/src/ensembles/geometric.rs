//! Random geometric graphs in the unit cube.

use gsl_core::{EdgeList, GslError, Result};
use rand::RngExt;

use super::{Generator, check_at_least, rng_from_seed, undirected};

/// Random geometric graph (Penrose 2003): `num_nodes` points uniform in `[0, 1]^dim`, two nodes
/// joined when their Euclidean distance is at most `radius`.
///
/// Pairs are found by a sweep over the points sorted by their first coordinate, so only pairs
/// whose first coordinates differ by at most `radius` are compared.
///
/// ```
/// use gsl_data::ensembles::{Generator, RandomGeometric};
/// # fn main() -> gsl_core::Result<()> {
/// let rgg = RandomGeometric::new(50, 2.0, 2); // radius ≥ √2 joins everything
/// assert_eq!(rgg.sample(0)?.num_edges(), 50 * 49);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RandomGeometric {
    /// Number of nodes (≥ 1).
    pub num_nodes: usize,
    /// Connection radius (finite, ≥ 0).
    pub radius: f64,
    /// Dimension of the cube (≥ 1).
    pub dim: usize,
}

impl Default for RandomGeometric {
    /// N = 68, r = 0.56, dim 2: the GDN / pyGSL `geom` setting.
    fn default() -> Self {
        Self::new(68, 0.56, 2)
    }
}

impl RandomGeometric {
    /// RGG(n, r) in `dim` dimensions.
    pub fn new(num_nodes: usize, radius: f64, dim: usize) -> Self {
        Self {
            num_nodes,
            radius,
            dim,
        }
    }

    /// Draws a graph together with its points, row-major `[num_nodes, dim]`.
    pub fn sample_with_positions(&self, seed: u64) -> Result<(EdgeList, Vec<f64>)> {
        self.validate()?;
        let (n, d) = (self.num_nodes, self.dim);
        let mut rng = rng_from_seed(seed);
        let pos: Vec<f64> = (0..n * d).map(|_| rng.random::<f64>()).collect();
        let r2 = self.radius * self.radius;
        let mut by_x: Vec<usize> = (0..n).collect();
        by_x.sort_by(|&a, &b| pos[a * d].total_cmp(&pos[b * d]));
        let mut pairs = Vec::new();
        for (k, &i) in by_x.iter().enumerate() {
            let pi = &pos[i * d..(i + 1) * d];
            for &j in &by_x[k + 1..] {
                let pj = &pos[j * d..(j + 1) * d];
                if pj[0] - pi[0] > self.radius {
                    break;
                }
                let dist2: f64 = pi.iter().zip(pj).map(|(a, b)| (a - b) * (a - b)).sum();
                if dist2 <= r2 {
                    pairs.push((i, j));
                }
            }
        }
        Ok((undirected(n, &pairs)?, pos))
    }
}

impl Generator for RandomGeometric {
    fn validate(&self) -> Result<()> {
        check_at_least("num_nodes", self.num_nodes, 1)?;
        check_at_least("dim", self.dim, 1)?;
        if !self.radius.is_finite() || self.radius < 0.0 {
            return Err(GslError::invalid(
                "radius",
                format!("must be finite and ≥ 0, got {}", self.radius),
            ));
        }
        Ok(())
    }

    fn sample(&self, seed: u64) -> Result<EdgeList> {
        Ok(self.sample_with_positions(seed)?.0)
    }
}
