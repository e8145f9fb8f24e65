//! PyGSP-style sensor graphs: a connected kNN graph on random points of the unit square.

use std::collections::BinaryHeap;

use gsl_core::{EdgeList, GslError, Result};
use rand::RngExt;

use super::{
    Generator, check_at_least, derive_seed, is_connected, rng_from_seed, undirected_weighted,
};

/// Sensor network graph in the style of PyGSP's `Sensor`: `num_nodes` points uniform in the unit
/// square, each joined to its `k` nearest neighbours (the union over both endpoints, so the graph
/// is symmetric), with Gaussian weights `w = exp(−d² / σ²)` where σ is the mean distance of a
/// node to its k-th neighbour. Draws are repeated until the graph is connected.
///
/// Neighbours are found with a uniform bucket grid of about `k` points per cell, searched in
/// rings of growing radius, so a draw costs O(n·k log k) on average rather than O(n²).
///
/// ```
/// use gsl_data::ensembles::{Generator, Sensor, is_connected};
/// # fn main() -> gsl_core::Result<()> {
/// let g = Sensor::default().sample(0)?;
/// assert_eq!(g.num_nodes(), 64);
/// assert!(is_connected(&g));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Sensor {
    /// Number of sensors (≥ 2).
    pub num_nodes: usize,
    /// Neighbours per node (1 ≤ k < `num_nodes`).
    pub k: usize,
    /// Draws tried before giving up on connectivity.
    pub max_attempts: usize,
}

impl Default for Sensor {
    /// PyGSP's defaults: 64 sensors, k = 6; 100 attempts.
    fn default() -> Self {
        Self::new(64, 6)
    }
}

impl Sensor {
    /// A sensor graph with `num_nodes` points and `k` neighbours.
    pub fn new(num_nodes: usize, k: usize) -> Self {
        Self {
            num_nodes,
            k,
            max_attempts: 100,
        }
    }

    /// Draws a connected graph together with its points, row-major `[num_nodes, 2]`.
    pub fn sample_with_positions(&self, seed: u64) -> Result<(EdgeList, Vec<f64>)> {
        self.validate()?;
        for attempt in 0..self.max_attempts {
            let mut rng = rng_from_seed(derive_seed(seed, attempt as u64));
            let pos: Vec<f64> = (0..2 * self.num_nodes)
                .map(|_| rng.random::<f64>())
                .collect();
            let g = knn_gaussian_graph(&pos, self.k)?;
            if is_connected(&g) {
                return Ok((g, pos));
            }
        }
        Err(GslError::invalid(
            "max_attempts",
            format!(
                "no connected sensor graph in {} attempts",
                self.max_attempts
            ),
        ))
    }
}

/// The symmetric kNN graph of 2-D points in the unit square with Gaussian weights.
fn knn_gaussian_graph(pos: &[f64], k: usize) -> Result<EdgeList> {
    let n = pos.len() / 2;
    let cells = ((n as f64 / k as f64).sqrt().round() as usize).max(1);
    let h = 1.0 / cells as f64;
    let cell_of = |x: f64| ((x * cells as f64) as usize).min(cells - 1);
    let mut buckets: Vec<Vec<usize>> = vec![Vec::new(); cells * cells];
    for i in 0..n {
        buckets[cell_of(pos[2 * i]) * cells + cell_of(pos[2 * i + 1])].push(i);
    }
    let mut neighbours: Vec<Vec<(usize, f64)>> = Vec::with_capacity(n);
    let mut heap: BinaryHeap<(u64, usize)> = BinaryHeap::with_capacity(k + 1);
    for i in 0..n {
        let (xi, yi) = (pos[2 * i], pos[2 * i + 1]);
        let (cx, cy) = (cell_of(xi) as isize, cell_of(yi) as isize);
        heap.clear();
        let mut ring = 0isize;
        loop {
            // Visit the cells at Chebyshev distance exactly `ring` from the point's cell.
            for dx in -ring..=ring {
                for dy in -ring..=ring {
                    if dx.abs() != ring && dy.abs() != ring {
                        continue;
                    }
                    let (x, y) = (cx + dx, cy + dy);
                    if x < 0 || y < 0 || x >= cells as isize || y >= cells as isize {
                        continue;
                    }
                    for &j in &buckets[x as usize * cells + y as usize] {
                        if j == i {
                            continue;
                        }
                        let d2 = (pos[2 * j] - xi).powi(2) + (pos[2 * j + 1] - yi).powi(2);
                        // Non-negative f64s order like their bit patterns.
                        heap.push((d2.to_bits(), j));
                        if heap.len() > k {
                            heap.pop();
                        }
                    }
                }
            }
            // Every point closer than ring·h has been seen once the rings cover that distance.
            let reach = ring as f64 * h;
            let done = heap.len() == k
                && heap
                    .peek()
                    .is_some_and(|&(d2, _)| f64::from_bits(d2) <= reach * reach);
            if done || ring as usize >= cells {
                break;
            }
            ring += 1;
        }
        let mut found: Vec<(usize, f64)> = heap
            .drain()
            .map(|(d2, j)| (j, f64::from_bits(d2).sqrt()))
            .collect();
        found.sort_by(|a, b| a.1.total_cmp(&b.1));
        neighbours.push(found);
    }
    let sigma = neighbours.iter().map(|nb| nb[nb.len() - 1].1).sum::<f64>() / n as f64;
    if sigma <= 0.0 {
        return Err(GslError::invalid(
            "positions",
            "all k-th neighbour distances are zero",
        ));
    }
    let triples: Vec<(usize, usize, f32)> = neighbours
        .iter()
        .enumerate()
        .flat_map(|(i, nb)| {
            nb.iter()
                .map(move |&(j, d)| (i, j, (-(d * d) / (sigma * sigma)).exp() as f32))
        })
        .collect();
    undirected_weighted(n, &triples)
}

impl Generator for Sensor {
    fn validate(&self) -> Result<()> {
        check_at_least("num_nodes", self.num_nodes, 2)?;
        check_at_least("k", self.k, 1)?;
        if self.k >= self.num_nodes {
            return Err(GslError::invalid(
                "k",
                format!("must be < num_nodes ({}), got {}", self.num_nodes, self.k),
            ));
        }
        check_at_least("max_attempts", self.max_attempts, 1)
    }

    fn sample(&self, seed: u64) -> Result<EdgeList> {
        Ok(self.sample_with_positions(seed)?.0)
    }
}
