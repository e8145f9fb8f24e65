//! Random trees: uniform labelled trees, bifurcating trees with L leaves (BiGG-E "tree") and
//! BiGG-E's "joint" trees whose branching depends on their edge weights.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use gsl_core::{EdgeList, GslError, Result};
use rand::RngExt;

use super::{Generator, check_at_least, rng_from_seed, undirected, undirected_weighted};

/// A uniformly random labelled tree on `num_nodes` nodes, decoded from a uniform Prüfer sequence
/// (Prüfer 1918) in O(n log n).
///
/// ```
/// use gsl_data::ensembles::{Generator, RandomTree};
/// # fn main() -> gsl_core::Result<()> {
/// let t = RandomTree::new(12).sample(5)?;
/// assert_eq!(t.num_edges(), 2 * 11);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RandomTree {
    /// Number of nodes (≥ 1).
    pub num_nodes: usize,
}

impl Default for RandomTree {
    /// 100 nodes.
    fn default() -> Self {
        Self::new(100)
    }
}

impl RandomTree {
    /// Uniform random trees on `num_nodes` nodes.
    pub fn new(num_nodes: usize) -> Self {
        Self { num_nodes }
    }
}

impl Generator for RandomTree {
    fn validate(&self) -> Result<()> {
        check_at_least("num_nodes", self.num_nodes, 1)
    }

    fn sample(&self, seed: u64) -> Result<EdgeList> {
        self.validate()?;
        let n = self.num_nodes;
        if n <= 2 {
            let pairs: Vec<(usize, usize)> = if n == 2 { vec![(0, 1)] } else { vec![] };
            return undirected(n, &pairs);
        }
        let mut rng = rng_from_seed(seed);
        let prufer: Vec<usize> = (0..n - 2).map(|_| rng.random_range(0..n)).collect();
        // A node's degree is one more than its number of occurrences in the sequence.
        let mut degree = vec![1usize; n];
        for &v in &prufer {
            degree[v] += 1;
        }
        let mut leaves: BinaryHeap<Reverse<usize>> =
            (0..n).filter(|&v| degree[v] == 1).map(Reverse).collect();
        let mut pairs = Vec::with_capacity(n - 1);
        for &v in &prufer {
            let Some(Reverse(leaf)) = leaves.pop() else {
                unreachable!("a Prüfer sequence always leaves a leaf to attach")
            };
            pairs.push((leaf, v));
            degree[v] -= 1;
            if degree[v] == 1 {
                leaves.push(Reverse(v));
            }
        }
        let last: Vec<usize> = leaves.into_iter().map(|Reverse(v)| v).collect();
        pairs.push((last[0], last[1]));
        undirected(n, &pairs)
    }
}

/// A random full binary tree with `num_leaves` leaves (BiGG-E's `tree_generator`): start from
/// root 0 with children 1 and 2, then `L − 2` times give a uniformly chosen leaf two new children.
///
/// The result has `2L − 1` nodes, the root has degree 2, other internal nodes degree 3 and
/// leaves degree 1. Children get consecutive ids in creation order.
///
/// ```
/// use gsl_data::ensembles::{BifurcatingTree, Generator};
/// # fn main() -> gsl_core::Result<()> {
/// let t = BifurcatingTree::new(10).sample(0)?;
/// assert_eq!(t.num_nodes(), 19);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BifurcatingTree {
    /// Number of leaves L (≥ 2).
    pub num_leaves: usize,
}

impl Default for BifurcatingTree {
    /// L = 100 (199 nodes): BiGG-E's tree dataset.
    fn default() -> Self {
        Self::new(100)
    }
}

impl BifurcatingTree {
    /// Bifurcating trees with `num_leaves` leaves.
    pub fn new(num_leaves: usize) -> Self {
        Self { num_leaves }
    }
}

impl Generator for BifurcatingTree {
    fn validate(&self) -> Result<()> {
        check_at_least("num_leaves", self.num_leaves, 2)
    }

    fn sample(&self, seed: u64) -> Result<EdgeList> {
        self.validate()?;
        let l = self.num_leaves;
        let mut rng = rng_from_seed(seed);
        let mut pairs = vec![(0, 1), (0, 2)];
        let mut leaves = vec![1usize, 2];
        let mut next = 3;
        for _ in 0..l - 2 {
            let k = rng.random_range(0..leaves.len());
            let parent = leaves.swap_remove(k);
            pairs.push((parent, next));
            pairs.push((parent, next + 1));
            leaves.push(next);
            leaves.push(next + 1);
            next += 2;
        }
        undirected(2 * l - 1, &pairs)
    }
}

/// BiGG-E's "joint" trees (`generate_joint_graph`), whose topology depends on the weights.
///
/// Nodes are expanded in BFS order from root 0 (path length 0). A node whose root-path length
/// exceeds `min_path_length` stays a leaf; otherwise it receives children one at a time, each
/// edge weight `U(edge_min, edge_max)` (child path = parent path + weight), stopping after the
/// first child for which parent path + the sum of its children's weights exceeds
/// `min_path_length`. BiGG-E uses U(0.5, 1.5) and 4.0. The output is weighted.
///
/// ```
/// use gsl_data::ensembles::{Generator, JointTree};
/// # fn main() -> gsl_core::Result<()> {
/// let t = JointTree::default().sample(285)?;
/// assert_eq!(t.num_edges(), 2 * (t.num_nodes() - 1));
/// assert!(t.weights().unwrap().iter().all(|&w| (0.5..1.5).contains(&w)));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct JointTree {
    /// Smallest edge weight (> 0).
    pub edge_min: f64,
    /// Largest edge weight (> `edge_min`).
    pub edge_max: f64,
    /// Path length beyond which nodes are not expanded (finite, ≥ 0).
    pub min_path_length: f64,
}

impl Default for JointTree {
    /// U(0.5, 1.5) weights and path-length rule 4.0 (the values `generate_joint_graph` forces).
    fn default() -> Self {
        Self {
            edge_min: 0.5,
            edge_max: 1.5,
            min_path_length: 4.0,
        }
    }
}

impl Generator for JointTree {
    fn validate(&self) -> Result<()> {
        if !self.edge_min.is_finite() || self.edge_min <= 0.0 {
            return Err(GslError::invalid(
                "edge_min",
                format!("must be finite and > 0, got {}", self.edge_min),
            ));
        }
        if !self.edge_max.is_finite() || self.edge_max <= self.edge_min {
            return Err(GslError::invalid(
                "edge_max",
                format!(
                    "must be finite and > edge_min ({}), got {}",
                    self.edge_min, self.edge_max
                ),
            ));
        }
        if !self.min_path_length.is_finite() || self.min_path_length < 0.0 {
            return Err(GslError::invalid(
                "min_path_length",
                format!("must be finite and ≥ 0, got {}", self.min_path_length),
            ));
        }
        // Positive weights bound the depth by ⌈limit / edge_min⌉ + 1 and the children of a
        // node by the same number, so the tree is finite; refuse trees that would be huge.
        let depth = (self.min_path_length / self.edge_min).ceil() + 1.0;
        if depth > 24.0 {
            return Err(GslError::invalid(
                "min_path_length",
                format!("min_path_length / edge_min = {depth} allows intractably large trees"),
            ));
        }
        Ok(())
    }

    fn sample(&self, seed: u64) -> Result<EdgeList> {
        self.validate()?;
        let mut rng = rng_from_seed(seed);
        let mut path = vec![0.0f64];
        let mut triples: Vec<(usize, usize, f32)> = Vec::new();
        let mut queue = VecDeque::from([0usize]);
        while let Some(parent) = queue.pop_front() {
            if path[parent] > self.min_path_length {
                continue;
            }
            let mut sibling_sum = 0.0;
            loop {
                let w = rng.random_range(self.edge_min..self.edge_max);
                let child = path.len();
                path.push(path[parent] + w);
                triples.push((parent, child, w as f32));
                queue.push_back(child);
                sibling_sum += w;
                if path[parent] + sibling_sum > self.min_path_length {
                    break;
                }
            }
        }
        undirected_weighted(path.len(), &triples)
    }
}
