//! [`SimpleGraph`]: the undirected, self-loop-free form every descriptor reads.

use gsl_core::{BuildOptions, Csr, Duplicates, EdgeList, GslError, Result, SelfLoops};

/// An undirected simple graph with optional edge weights: symmetric, sorted neighbour lists,
/// no self-loops, no repeated edges. Built once from an [`EdgeList`] so every descriptor can
/// trust its structure.
#[derive(Debug, Clone, PartialEq)]
pub struct SimpleGraph {
    csr: Csr,
    weighted: bool,
}

impl SimpleGraph {
    /// Reads `edges` as undirected: `(i, j)` and `(j, i)` are the same edge (repeated entries
    /// keep the largest weight). Self-loops are rejected with [`GslError::InvalidArgument`]:
    /// none of the generation benchmarks has them, and GRAN's and BiGG-E's statistics are
    /// defined on simple graphs.
    ///
    /// ```
    /// use gsl_core::EdgeList;
    /// use gsl_gen::eval::SimpleGraph;
    /// # fn main() -> gsl_core::Result<()> {
    /// let g = SimpleGraph::from_edges(&EdgeList::from_pairs(3, &[(0, 1), (1, 0), (1, 2)])?)?;
    /// assert_eq!((g.num_nodes(), g.num_edges()), (3, 2));
    /// assert!(EdgeList::from_pairs(2, &[(1, 1)]).and_then(|e| SimpleGraph::from_edges(&e)).is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn from_edges(edges: &EdgeList) -> Result<Self> {
        let built = edges.build(BuildOptions {
            symmetrize: true,
            duplicates: Duplicates::Max,
            self_loops: SelfLoops::Reject,
        })?;
        Ok(Self {
            csr: built.to_csr(),
            weighted: edges.weights().is_some(),
        })
    }

    /// Builds a graph from unordered pairs `{i, j}` (a convenience over
    /// [`SimpleGraph::from_edges`]).
    pub fn from_pairs(num_nodes: usize, pairs: &[(usize, usize)]) -> Result<Self> {
        Self::from_edges(&EdgeList::from_pairs(num_nodes, pairs)?)
    }

    /// Number of nodes (isolated nodes included).
    pub fn num_nodes(&self) -> usize {
        self.csr.num_nodes()
    }

    /// Number of undirected edges.
    pub fn num_edges(&self) -> usize {
        self.csr.indices.len() / 2
    }

    /// Whether the source list carried weights (otherwise every weight is one).
    pub fn is_weighted(&self) -> bool {
        self.weighted
    }

    /// Sorted neighbours of node `v`. Panics if `v >= num_nodes()`, like slice indexing.
    pub fn neighbors(&self, v: usize) -> &[usize] {
        self.csr.neighbors(v)
    }

    /// Weights aligned with [`SimpleGraph::neighbors`]. Panics if `v >= num_nodes()`.
    pub fn neighbor_weights(&self, v: usize) -> &[f32] {
        self.csr.neighbor_weights(v)
    }

    /// Degree of node `v`. Panics if `v >= num_nodes()`.
    pub fn degree(&self, v: usize) -> usize {
        self.csr.degree(v)
    }

    /// Whether `u` and `v` are adjacent (binary search in the sorted neighbour list).
    pub fn has_edge(&self, u: usize, v: usize) -> bool {
        u < self.num_nodes() && self.neighbors(u).binary_search(&v).is_ok()
    }

    /// The undirected edges `(i, j, w)` with `i < j`, sorted.
    pub fn edges(&self) -> Vec<(usize, usize, f32)> {
        let mut out = Vec::with_capacity(self.num_edges());
        for i in 0..self.num_nodes() {
            for (&j, &w) in self.neighbors(i).iter().zip(self.neighbor_weights(i)) {
                if i < j {
                    out.push((i, j, w));
                }
            }
        }
        out
    }

    /// One weight per undirected edge, in the order of [`SimpleGraph::edges`].
    pub fn edge_weights(&self) -> Vec<f32> {
        self.edges().into_iter().map(|e| e.2).collect()
    }

    /// The graph as an [`EdgeList`] storing both directions (weighted when the source was).
    pub fn to_edge_list(&self) -> EdgeList {
        let list = self.csr.to_edge_list();
        if self.weighted {
            return list;
        }
        // The CSR always carries weights (ones); drop them for an unweighted graph. The ids
        // come from a valid CSR, so this cannot fail.
        EdgeList::new(
            list.num_nodes(),
            list.src().to_vec(),
            list.dst().to_vec(),
            None,
        )
        .unwrap_or(list)
    }

    /// Fails with [`GslError::EmptyGraph`] when the graph has no node.
    pub(crate) fn ensure_nodes(&self, what: &str) -> Result<()> {
        if self.num_nodes() == 0 {
            return Err(GslError::EmptyGraph(format!(
                "{what} needs at least one node"
            )));
        }
        Ok(())
    }
}
