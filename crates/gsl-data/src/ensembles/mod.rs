//! Random graph ensembles, sampled on the host and returned as gsl-core [`EdgeList`]s.
//!
//! Every family is a plain parameter struct (serde-serialisable, with the published defaults in
//! its `Default`) that implements [`Generator`]: `validate()` checks the parameters once,
//! `sample(seed)` draws one graph, and `sample_many(count, seed)` draws many in parallel with
//! rayon. Graph `i` of a batch is seeded by [`derive_seed`]`(seed, i)`, so a batch is the same
//! whatever the number of threads. Undirected graphs store both directions, sorted by
//! `(src, dst)` (the output of [`EdgeList::build`] with its default options).
//!
//! [`Resampled`] wraps any generator with pyGSL's sampler options: redraw until the graph is
//! connected and/or its edge density lies in `[min_density, max_density]`, at most
//! `max_attempts` times.
//!
//! ```
//! use gsl_data::ensembles::{ErdosRenyi, Generator, Resampled, SamplerOptions};
//!
//! # fn main() -> gsl_core::Result<()> {
//! let er = ErdosRenyi::new(30, 0.2);
//! let graphs = er.sample_many(4, 7)?;
//! assert_eq!(graphs.len(), 4);
//! // The same seed gives the same graph.
//! assert_eq!(er.sample(7)?, er.sample(7)?);
//!
//! // Only connected graphs with density in [0.15, 0.25].
//! let options = SamplerOptions { require_connected: true, min_density: 0.15, max_density: 0.25, max_attempts: 100 };
//! let g = Resampled::new(er, options).sample(1)?;
//! assert!(gsl_data::ensembles::is_connected(&g));
//! # Ok(())
//! # }
//! ```

pub mod barabasi_albert;
pub mod cycle;
pub mod erdos_renyi;
pub mod geometric;
pub mod grid;
pub mod heterophily;
pub mod lobster;
pub mod sbm;
pub mod sensor;
pub mod trees;
pub mod watts_strogatz;

pub use barabasi_albert::{BaInitialGraph, BarabasiAlbert};
pub use cycle::Cycle;
pub use erdos_renyi::ErdosRenyi;
pub use geometric::RandomGeometric;
pub use grid::Grid2d;
pub use heterophily::Heterophily;
pub use lobster::Lobster;
pub use sbm::{DegreeCorrectedSbm, StochasticBlockModel};
pub use sensor::Sensor;
pub use trees::{BifurcatingTree, JointTree, RandomTree};
pub use watts_strogatz::WattsStrogatz;

use gsl_core::{BuildOptions, EdgeList, GslError, Result};
use rayon::prelude::*;

use crate::ordering::connected_components;

/// A seeded random graph family.
///
/// Implementors check their parameters in [`Generator::validate`] and draw one graph per seed in
/// [`Generator::sample`]; sampling is deterministic given the seed.
pub trait Generator: Sync {
    /// Checks the parameters, returning [`GslError::InvalidArgument`] for a bad one.
    fn validate(&self) -> Result<()>;

    /// Draws one graph from the seed.
    fn sample(&self, seed: u64) -> Result<EdgeList>;

    /// Draws `count` graphs in parallel; graph `i` uses the seed [`derive_seed`]`(seed, i)`, so
    /// the result does not depend on the number of rayon threads.
    fn sample_many(&self, count: usize, seed: u64) -> Result<Vec<EdgeList>> {
        self.validate()?;
        (0..count)
            .into_par_iter()
            .map(|i| self.sample(derive_seed(seed, i as u64)))
            .collect()
    }
}

/// Derives the seed of item `index` of a batch from the batch seed (gsl-core's SplitMix64-style
/// stream derivation, shared by every seeded component of gsl).
pub use gsl_core::train::derive_seed;

/// The random number generator every ensemble uses (`StdRng`, ChaCha12, portable across
/// platforms).
pub(crate) use gsl_core::train::seeded_rng as rng_from_seed;

/// Builds an undirected, unweighted edge list (both directions stored) from unordered pairs.
pub(crate) fn undirected(num_nodes: usize, pairs: &[(usize, usize)]) -> Result<EdgeList> {
    EdgeList::from_pairs(num_nodes, pairs)?.build(BuildOptions::default())
}

/// [`undirected`] for samplers whose pairs are already distinct and loop-free (G(n, p)): both
/// directions are laid out by a counting sort over sources, O(n + m) instead of the generic
/// merge's sort. Falls back to [`undirected`] if a repeated pair or a self-loop shows up, so the
/// result never depends on that promise.
pub(crate) fn undirected_distinct(num_nodes: usize, pairs: &[(usize, usize)]) -> Result<EdgeList> {
    let mut offsets = vec![0usize; num_nodes + 1];
    for &(a, b) in pairs {
        if a >= num_nodes || b >= num_nodes || a == b {
            return undirected(num_nodes, pairs);
        }
        offsets[a + 1] += 1;
        offsets[b + 1] += 1;
    }
    for i in 0..num_nodes {
        offsets[i + 1] += offsets[i];
    }
    let mut next = offsets.clone();
    let mut dst = vec![0usize; 2 * pairs.len()];
    for &(a, b) in pairs {
        dst[next[a]] = b;
        next[a] += 1;
        dst[next[b]] = a;
        next[b] += 1;
    }
    let mut src = Vec::with_capacity(dst.len());
    for v in 0..num_nodes {
        let row = &mut dst[offsets[v]..offsets[v + 1]];
        row.sort_unstable();
        if row.windows(2).any(|w| w[0] == w[1]) {
            return undirected(num_nodes, pairs);
        }
        src.extend(std::iter::repeat_n(v, row.len()));
    }
    EdgeList::new(num_nodes, src, dst, None)
}

/// Builds an undirected, weighted edge list (both directions stored) from unordered triples.
pub(crate) fn undirected_weighted(
    num_nodes: usize,
    triples: &[(usize, usize, f32)],
) -> Result<EdgeList> {
    EdgeList::from_weighted(num_nodes, triples)?.build(BuildOptions::default())
}

/// Checks that a probability parameter is finite and in `[0, 1]`.
pub(crate) fn check_probability(name: &str, p: f64) -> Result<()> {
    if !p.is_finite() || !(0.0..=1.0).contains(&p) {
        return Err(GslError::invalid(
            name,
            format!("must be in [0, 1], got {p}"),
        ));
    }
    Ok(())
}

/// Checks that a count parameter is at least `min`.
pub(crate) fn check_at_least(name: &str, value: usize, min: usize) -> Result<()> {
    if value < min {
        return Err(GslError::invalid(
            name,
            format!("must be at least {min}, got {value}"),
        ));
    }
    Ok(())
}

/// Number of distinct unordered node pairs `{i, j}`, `i ≠ j`, joined by an edge in either
/// direction.
pub fn undirected_edge_count(edges: &EdgeList) -> usize {
    undirected_pairs(edges).len()
}

/// The distinct unordered pairs `(min, max)`, `min ≠ max`, joined by an edge in either
/// direction, sorted.
pub(crate) fn undirected_pairs(edges: &EdgeList) -> Vec<(usize, usize)> {
    let mut pairs: Vec<(usize, usize)> = edges
        .src()
        .iter()
        .zip(edges.dst())
        .filter(|(s, d)| s != d)
        .map(|(&s, &d)| (s.min(d), s.max(d)))
        .collect();
    pairs.sort_unstable();
    pairs.dedup();
    pairs
}

/// Edge density of the undirected graph: [`undirected_edge_count`] divided by `N(N−1)/2`.
///
/// Fails with [`GslError::EmptyGraph`] for fewer than two nodes, where it is undefined.
pub fn edge_density(edges: &EdgeList) -> Result<f64> {
    let n = edges.num_nodes();
    if n < 2 {
        return Err(GslError::EmptyGraph(format!(
            "edge density needs at least two nodes, got {n}"
        )));
    }
    Ok(undirected_edge_count(edges) as f64 / (n * (n - 1) / 2) as f64)
}

/// Whether the graph, read as undirected, is connected (a graph with no nodes is not).
pub fn is_connected(edges: &EdgeList) -> bool {
    edges.num_nodes() > 0 && connected_components(edges).len() == 1
}

/// pyGSL's sampler options: which graphs [`Resampled`] accepts.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SamplerOptions {
    /// Accept only connected graphs.
    pub require_connected: bool,
    /// Smallest accepted edge density (see [`edge_density`]).
    pub min_density: f64,
    /// Largest accepted edge density.
    pub max_density: f64,
    /// How many draws are tried before giving up with an error.
    pub max_attempts: usize,
}

impl Default for SamplerOptions {
    /// Accepts everything; 20 attempts as in the gsl-bnn generator.
    fn default() -> Self {
        Self {
            require_connected: false,
            min_density: 0.0,
            max_density: 1.0,
            max_attempts: 20,
        }
    }
}

impl SamplerOptions {
    /// Checks the density bounds and the number of attempts.
    pub fn validate(&self) -> Result<()> {
        check_probability("min_density", self.min_density)?;
        check_probability("max_density", self.max_density)?;
        if self.min_density > self.max_density {
            return Err(GslError::invalid(
                "min_density",
                format!(
                    "must not exceed max_density ({} > {})",
                    self.min_density, self.max_density
                ),
            ));
        }
        check_at_least("max_attempts", self.max_attempts, 1)
    }

    /// Whether a graph passes the options.
    pub fn accepts(&self, edges: &EdgeList) -> bool {
        if self.require_connected && !is_connected(edges) {
            return false;
        }
        if self.min_density > 0.0 || self.max_density < 1.0 {
            return match edge_density(edges) {
                Ok(d) => d >= self.min_density && d <= self.max_density,
                Err(_) => false,
            };
        }
        true
    }
}

/// A generator redrawn until its graph passes [`SamplerOptions`] (pyGSL's `graph_sampling`).
///
/// Attempt `a` of `sample(seed)` uses the seed [`derive_seed`]`(seed, a)`, so the accepted graph
/// is a deterministic function of the seed.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Resampled<G> {
    /// The wrapped family.
    pub generator: G,
    /// Acceptance rules.
    pub options: SamplerOptions,
}

impl<G: Generator> Resampled<G> {
    /// Wraps `generator` with `options`.
    pub fn new(generator: G, options: SamplerOptions) -> Self {
        Self { generator, options }
    }
}

impl<G: Generator> Generator for Resampled<G> {
    fn validate(&self) -> Result<()> {
        self.generator.validate()?;
        self.options.validate()
    }

    fn sample(&self, seed: u64) -> Result<EdgeList> {
        self.validate()?;
        for attempt in 0..self.options.max_attempts {
            let g = self.generator.sample(derive_seed(seed, attempt as u64))?;
            if self.options.accepts(&g) {
                return Ok(g);
            }
        }
        Err(GslError::invalid(
            "options",
            format!(
                "no graph passed the sampler options (connected: {}, density in [{}, {}]) in {} attempts",
                self.options.require_connected,
                self.options.min_density,
                self.options.max_density,
                self.options.max_attempts
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The counting-sort layout equals the generic merge on distinct pairs, and falls back to it
    /// (same result) when the pairs repeat.
    #[test]
    fn distinct_pairs_layout_equals_the_generic_build() {
        let pairs = [(3, 0), (1, 2), (4, 1), (0, 2), (4, 3)];
        assert_eq!(
            undirected_distinct(5, &pairs).unwrap(),
            undirected(5, &pairs).unwrap()
        );
        let repeated = [(1, 0), (0, 1), (2, 1)];
        assert_eq!(
            undirected_distinct(3, &repeated).unwrap(),
            undirected(3, &repeated).unwrap()
        );
        assert!(undirected_distinct(3, &[(0, 3)]).is_err());
    }
}
