//! Watts–Strogatz small-world graphs.

use std::collections::HashSet;

use gsl_core::{EdgeList, GslError, Result};
use rand::RngExt;

use super::{Generator, check_probability, rng_from_seed, undirected};

/// Watts–Strogatz graph (Watts & Strogatz 1998): a ring where each node is joined to its
/// ⌊k/2⌋ nearest neighbours on each side, then each lattice edge `(u, u + j)` is rewired with
/// probability `p` to `(u, w)` with `w` uniform, avoiding self-loops and duplicate edges.
///
/// As in networkx, an odd `k` is rounded down to `2⌊k/2⌋` (L2G's k = 5 gives degree 4). The
/// number of edges, n⌊k/2⌋, never changes.
///
/// ```
/// use gsl_data::ensembles::{Generator, WattsStrogatz};
/// # fn main() -> gsl_core::Result<()> {
/// let ring = WattsStrogatz::new(10, 4, 0.0).sample(0)?;
/// assert_eq!(ring.num_edges(), 2 * 10 * 2);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct WattsStrogatz {
    /// Number of nodes n (> k).
    pub num_nodes: usize,
    /// Lattice degree k (≥ 2; rounded down to even).
    pub k: usize,
    /// Rewiring probability p in [0, 1].
    pub p: f64,
}

impl Default for WattsStrogatz {
    /// n = 50, k = 5, p = 0.3: L2G's WS training graphs.
    fn default() -> Self {
        Self::new(50, 5, 0.3)
    }
}

impl WattsStrogatz {
    /// WS(n, k, p).
    pub fn new(num_nodes: usize, k: usize, p: f64) -> Self {
        Self { num_nodes, k, p }
    }
}

impl Generator for WattsStrogatz {
    fn validate(&self) -> Result<()> {
        if self.k < 2 {
            return Err(GslError::invalid(
                "k",
                format!("must be at least 2, got {}", self.k),
            ));
        }
        if self.k >= self.num_nodes {
            return Err(GslError::invalid(
                "k",
                format!("must be < num_nodes ({}), got {}", self.num_nodes, self.k),
            ));
        }
        check_probability("p", self.p)
    }

    fn sample(&self, seed: u64) -> Result<EdgeList> {
        self.validate()?;
        let n = self.num_nodes;
        let half = self.k / 2;
        let mut rng = rng_from_seed(seed);
        let mut adj: Vec<HashSet<usize>> = vec![HashSet::with_capacity(2 * half + 2); n];
        for u in 0..n {
            for j in 1..=half {
                let v = (u + j) % n;
                adj[u].insert(v);
                adj[v].insert(u);
            }
        }
        // Rewire lattice distance by lattice distance, as in the original construction.
        for j in 1..=half {
            for u in 0..n {
                let v = (u + j) % n;
                if !rng.random_bool(self.p) || !adj[u].contains(&v) || adj[u].len() >= n - 1 {
                    continue;
                }
                let w = loop {
                    let w = rng.random_range(0..n);
                    if w != u && !adj[u].contains(&w) {
                        break w;
                    }
                };
                adj[u].remove(&v);
                adj[v].remove(&u);
                adj[u].insert(w);
                adj[w].insert(u);
            }
        }
        let pairs: Vec<(usize, usize)> = adj
            .iter()
            .enumerate()
            .flat_map(|(u, nb)| nb.iter().filter(move |&&v| u < v).map(move |&v| (u, v)))
            .collect();
        undirected(n, &pairs)
    }
}
