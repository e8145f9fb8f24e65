//! Labelled graphs with a controlled heterophily ratio.

use gsl_core::{EdgeList, GslError, Result};
use rand::Rng;
use rand::seq::SliceRandom;

use super::{Generator, check_at_least, check_probability, rng_from_seed, undirected};

/// A labelled random graph whose fraction of edges joining different classes (the edge
/// heterophily ratio, 1 − the edge homophily of Zhu et al. 2020) is exactly
/// `round(heterophily · m) / m`.
///
/// Classes are balanced (sizes differ by at most one) and assigned to nodes in random order.
/// The graph has `m = round(num_nodes · avg_degree / 2)` edges: `round(heterophily · m)` drawn
/// uniformly without replacement from the pairs of nodes in different classes and the rest from
/// the pairs in the same class, so it is an ER-like graph conditioned on the ratio.
///
/// ```
/// use gsl_data::ensembles::Heterophily;
/// # fn main() -> gsl_core::Result<()> {
/// let (g, labels) = Heterophily::new(200, 4, 10.0, 0.75).sample_labelled(0)?;
/// let cross = g.iter().filter(|&(s, d, _)| labels[s] != labels[d]).count();
/// assert_eq!(cross as f64 / g.num_edges() as f64, 0.75);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Heterophily {
    /// Number of nodes (≥ 2).
    pub num_nodes: usize,
    /// Number of classes (≥ 2, ≤ `num_nodes`).
    pub num_classes: usize,
    /// Mean degree 2m / n (finite, > 0).
    pub avg_degree: f64,
    /// Fraction of edges between different classes, in [0, 1].
    pub heterophily: f64,
}

impl Default for Heterophily {
    /// 1000 nodes, 4 classes, mean degree 20 (GraphFLEx's "HE" synthetic graph Syn7 has 1000
    /// nodes, 9,990 edges, 4 classes) and heterophily 0.8.
    fn default() -> Self {
        Self::new(1000, 4, 20.0, 0.8)
    }
}

/// Decodes index `k` of the strictly lower triangle (row-major) into `(row, col)`, `col < row`.
fn triangle_pair(k: usize) -> (usize, usize) {
    let mut row = ((((8 * k + 1) as f64).sqrt() + 1.0) / 2.0).floor() as usize;
    // Correct the floating-point estimate so that row(row−1)/2 ≤ k < row(row+1)/2.
    while row * (row - 1) / 2 > k {
        row -= 1;
    }
    while (row + 1) * row / 2 <= k {
        row += 1;
    }
    (row, k - row * (row - 1) / 2)
}

impl Heterophily {
    /// A heterophily graph with the given parameters.
    pub fn new(num_nodes: usize, num_classes: usize, avg_degree: f64, heterophily: f64) -> Self {
        Self {
            num_nodes,
            num_classes,
            avg_degree,
            heterophily,
        }
    }

    fn num_edges(&self) -> usize {
        (self.num_nodes as f64 * self.avg_degree / 2.0).round() as usize
    }

    /// Draws the graph and the class of every node.
    pub fn sample_labelled(&self, seed: u64) -> Result<(EdgeList, Vec<usize>)> {
        self.validate()?;
        let (n, c) = (self.num_nodes, self.num_classes);
        let mut rng = rng_from_seed(seed);
        let mut labels: Vec<usize> = (0..n).map(|i| i % c).collect();
        labels.shuffle(&mut rng);
        let mut members: Vec<Vec<usize>> = vec![Vec::new(); c];
        for (v, &l) in labels.iter().enumerate() {
            members[l].push(v);
        }
        let m = self.num_edges();
        let m_cross = (self.heterophily * m as f64).round() as usize;
        let mut pairs = Vec::with_capacity(m);
        // Same-class pairs: the classes' lower triangles laid end to end.
        let within: Vec<usize> = members
            .iter()
            .map(|g| g.len() * (g.len() - 1) / 2)
            .collect();
        for k in sample_sorted(&mut rng, within.iter().sum(), m - m_cross) {
            let (class, local) = locate(&within, k);
            let (a, b) = triangle_pair(local);
            pairs.push((members[class][a], members[class][b]));
        }
        // Cross-class pairs: the rectangles of class pairs (r < s) laid end to end.
        let blocks: Vec<(usize, usize)> = (0..c)
            .flat_map(|r| (r + 1..c).map(move |s| (r, s)))
            .collect();
        let sizes: Vec<usize> = blocks
            .iter()
            .map(|&(r, s)| members[r].len() * members[s].len())
            .collect();
        for k in sample_sorted(&mut rng, sizes.iter().sum(), m_cross) {
            let (block, local) = locate(&sizes, k);
            let (r, s) = blocks[block];
            let cols = members[s].len();
            pairs.push((members[r][local / cols], members[s][local % cols]));
        }
        Ok((undirected(n, &pairs)?, labels))
    }
}

/// `amount` distinct indices of `0..total`, sorted so the result does not depend on the
/// sampling algorithm's output order.
fn sample_sorted<R: Rng>(rng: &mut R, total: usize, amount: usize) -> Vec<usize> {
    let mut idx = rand::seq::index::sample(rng, total, amount).into_vec();
    idx.sort_unstable();
    idx
}

/// Which segment of consecutive segments of the given lengths holds `k`, and the offset in it.
fn locate(lengths: &[usize], mut k: usize) -> (usize, usize) {
    for (i, &len) in lengths.iter().enumerate() {
        if k < len {
            return (i, k);
        }
        k -= len;
    }
    unreachable!("index beyond the total length")
}

impl Generator for Heterophily {
    fn validate(&self) -> Result<()> {
        check_at_least("num_nodes", self.num_nodes, 2)?;
        check_at_least("num_classes", self.num_classes, 2)?;
        if self.num_classes > self.num_nodes {
            return Err(GslError::invalid(
                "num_classes",
                format!(
                    "must be ≤ num_nodes ({}), got {}",
                    self.num_nodes, self.num_classes
                ),
            ));
        }
        if !self.avg_degree.is_finite() || self.avg_degree <= 0.0 {
            return Err(GslError::invalid(
                "avg_degree",
                format!("must be finite and > 0, got {}", self.avg_degree),
            ));
        }
        check_probability("heterophily", self.heterophily)?;
        let (n, c) = (self.num_nodes, self.num_classes);
        let sizes: Vec<usize> = (0..c).map(|l| n / c + usize::from(l < n % c)).collect();
        let within: usize = sizes.iter().map(|s| s * (s - 1) / 2).sum();
        let cross = n * (n - 1) / 2 - within;
        let m = self.num_edges();
        let m_cross = (self.heterophily * m as f64).round() as usize;
        if m_cross > cross || m - m_cross > within {
            return Err(GslError::invalid(
                "avg_degree",
                format!(
                    "{m_cross} cross-class and {} same-class edges do not fit in {cross} and {within} available pairs",
                    m - m_cross
                ),
            ));
        }
        Ok(())
    }

    fn sample(&self, seed: u64) -> Result<EdgeList> {
        Ok(self.sample_labelled(seed)?.0)
    }
}
