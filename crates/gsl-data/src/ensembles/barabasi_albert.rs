//! Barabási–Albert preferential attachment graphs.

use std::collections::HashSet;

use gsl_core::{EdgeList, GslError, Result};
use rand::RngExt;

use super::{Generator, check_at_least, rng_from_seed, undirected};

/// The graph the Barabási–Albert process starts from, on nodes `0..=m`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum BaInitialGraph {
    /// A star with centre 0 and leaves `1..=m` (networkx's default): the graph has exactly
    /// m(n − m) edges.
    #[default]
    Star,
    /// The complete graph K_{m+1}: every node then has degree at least m, and the graph has
    /// exactly m(n − m) + m(m − 1)/2 edges.
    Complete,
}

/// Barabási–Albert graph (Barabási & Albert 1999): nodes `m+1, …, n−1` arrive one at a time and
/// each attaches to `m` distinct existing nodes chosen with probability proportional to degree.
///
/// ```
/// use gsl_data::ensembles::{BarabasiAlbert, Generator};
/// # fn main() -> gsl_core::Result<()> {
/// let g = BarabasiAlbert::new(20, 3).sample(1)?; // the L2G setting
/// assert_eq!(g.num_edges(), 2 * 3 * (20 - 3));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BarabasiAlbert {
    /// Number of nodes n (> m).
    pub num_nodes: usize,
    /// Edges added per new node (≥ 1).
    pub m: usize,
    /// The seed graph on the first m + 1 nodes.
    pub initial: BaInitialGraph,
}

impl Default for BarabasiAlbert {
    /// n = 20, m = 3, star seed: L2G's BA training graphs.
    fn default() -> Self {
        Self::new(20, 3)
    }
}

impl BarabasiAlbert {
    /// BA(n, m) started from a star (networkx's convention).
    pub fn new(num_nodes: usize, m: usize) -> Self {
        Self {
            num_nodes,
            m,
            initial: BaInitialGraph::Star,
        }
    }

    /// The same parameters with another seed graph.
    pub fn with_initial(mut self, initial: BaInitialGraph) -> Self {
        self.initial = initial;
        self
    }
}

impl Generator for BarabasiAlbert {
    fn validate(&self) -> Result<()> {
        check_at_least("m", self.m, 1)?;
        if self.m >= self.num_nodes {
            return Err(GslError::invalid(
                "m",
                format!("must be < num_nodes ({}), got {}", self.num_nodes, self.m),
            ));
        }
        Ok(())
    }

    fn sample(&self, seed: u64) -> Result<EdgeList> {
        self.validate()?;
        let (n, m) = (self.num_nodes, self.m);
        let mut rng = rng_from_seed(seed);
        let mut pairs: Vec<(usize, usize)> = Vec::with_capacity(m * n);
        match self.initial {
            BaInitialGraph::Star => pairs.extend((1..=m).map(|leaf| (0, leaf))),
            BaInitialGraph::Complete => {
                for i in 0..=m {
                    pairs.extend((i + 1..=m).map(|j| (i, j)));
                }
            }
        }
        // Each node appears once per incident edge, so a uniform pick from this list is a
        // degree-proportional pick.
        let mut repeated: Vec<usize> = pairs.iter().flat_map(|&(a, b)| [a, b]).collect();
        let mut targets: HashSet<usize> = HashSet::with_capacity(m);
        let mut chosen: Vec<usize> = Vec::with_capacity(m);
        for source in m + 1..n {
            targets.clear();
            chosen.clear();
            while chosen.len() < m {
                let t = repeated[rng.random_range(0..repeated.len())];
                if targets.insert(t) {
                    chosen.push(t);
                }
            }
            for &t in &chosen {
                pairs.push((source, t));
                repeated.push(t);
                repeated.push(source);
            }
        }
        undirected(n, &pairs)
    }
}
