//! Graph containers: the host-side [`EdgeList`] and [`Csr`], the device-side sparse [`Graph`],
//! and [`AttributedGraph`] (a graph with node features and optional labels).
//!
//! Conventions: an edge `(src, dst, w)` is the adjacency entry `A[src, dst] = w`. An undirected
//! graph stores both directions. Node ids are `0..num_nodes`.

use std::sync::{Arc, OnceLock};

use burn::tensor::{Device, Int, Tensor, TensorData};
use petgraph::EdgeType;
use petgraph::visit::EdgeRef;

use crate::error::{GslError, Result};
use crate::rowwise::RowIndex;
use crate::tensor::{ensure_finite, ensure_finite_slice, to_vec_f32, to_vec_i64};

/// What to do with self-loops `(i, i)` when building a graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum SelfLoops {
    /// Keep them as given.
    Keep,
    /// Drop them silently.
    #[default]
    Remove,
    /// Fail with [`GslError::InvalidArgument`].
    Reject,
}

/// How repeated edges (the same ordered pair, or the same unordered pair when symmetrising) are
/// merged into one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum Duplicates {
    /// Keep the largest weight. Idempotent on lists that already hold both directions.
    #[default]
    Max,
    /// Add the weights.
    Sum,
    /// Average the weights.
    Mean,
    /// Fail with [`GslError::InvalidArgument`].
    Reject,
}

/// Options applied by [`EdgeList::build`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BuildOptions {
    /// Treat the edges as undirected: merge `(i, j)` with `(j, i)` and store both directions.
    pub symmetrize: bool,
    /// How repeated edges are merged.
    pub duplicates: Duplicates,
    /// What happens to self-loops.
    pub self_loops: SelfLoops,
}

impl Default for BuildOptions {
    fn default() -> Self {
        Self {
            symmetrize: true,
            duplicates: Duplicates::Max,
            self_loops: SelfLoops::Remove,
        }
    }
}

impl BuildOptions {
    /// Directed edges kept as given (duplicates merged by `Max`, self-loops kept).
    pub fn directed() -> Self {
        Self {
            symmetrize: false,
            duplicates: Duplicates::Max,
            self_loops: SelfLoops::Keep,
        }
    }
}

/// A host-side edge list: `src[e] → dst[e]` with optional weights.
#[derive(Debug, Clone, PartialEq)]
pub struct EdgeList {
    num_nodes: usize,
    src: Vec<usize>,
    dst: Vec<usize>,
    weights: Option<Vec<f32>>,
}

impl EdgeList {
    /// Creates an edge list, checking ids against `num_nodes`, lengths, and weights for
    /// finiteness. No merging is done; see [`EdgeList::build`].
    pub fn new(
        num_nodes: usize,
        src: Vec<usize>,
        dst: Vec<usize>,
        weights: Option<Vec<f32>>,
    ) -> Result<Self> {
        if src.len() != dst.len() {
            return Err(GslError::shape("EdgeList::new dst", src.len(), dst.len()));
        }
        if let Some(w) = &weights {
            if w.len() != src.len() {
                return Err(GslError::shape("EdgeList::new weights", src.len(), w.len()));
            }
            ensure_finite_slice(w, "edge weights")?;
        }
        if let Some(&id) = src.iter().chain(dst.iter()).find(|&&v| v >= num_nodes) {
            return Err(GslError::NodeOutOfRange {
                id: id as i64,
                num_nodes,
            });
        }
        Ok(Self {
            num_nodes,
            src,
            dst,
            weights,
        })
    }

    /// Creates an edge list from `(src, dst)` pairs without weights.
    pub fn from_pairs(num_nodes: usize, pairs: &[(usize, usize)]) -> Result<Self> {
        let (src, dst) = pairs.iter().copied().unzip();
        Self::new(num_nodes, src, dst, None)
    }

    /// Creates an edge list from `(src, dst, weight)` triples.
    pub fn from_weighted(num_nodes: usize, triples: &[(usize, usize, f32)]) -> Result<Self> {
        let src = triples.iter().map(|t| t.0).collect();
        let dst = triples.iter().map(|t| t.1).collect();
        let w = triples.iter().map(|t| t.2).collect();
        Self::new(num_nodes, src, dst, Some(w))
    }

    /// Applies symmetrisation, duplicate merging and the self-loop policy, returning a new list
    /// sorted by `(src, dst)`.
    pub fn build(&self, options: BuildOptions) -> Result<Self> {
        let mut entries: Vec<(usize, usize, f32)> = Vec::with_capacity(self.src.len());
        for e in 0..self.src.len() {
            let (mut s, mut d) = (self.src[e], self.dst[e]);
            if s == d {
                match options.self_loops {
                    SelfLoops::Keep => {}
                    SelfLoops::Remove => continue,
                    SelfLoops::Reject => {
                        return Err(GslError::invalid(
                            "self_loops",
                            format!("self-loop on node {s} is not allowed"),
                        ));
                    }
                }
            }
            if options.symmetrize && s > d {
                std::mem::swap(&mut s, &mut d);
            }
            entries.push((s, d, self.weights.as_ref().map_or(1.0, |w| w[e])));
        }
        // A stable sort keeps repeated edges in input order, so merged sums are deterministic;
        // then each run of equal (src, dst) merges into one edge.
        entries.sort_by_key(|t| (t.0, t.1));
        let mirrored = if options.symmetrize { 2 } else { 1 };
        let mut triples: Vec<(usize, usize, f32)> = Vec::with_capacity(entries.len() * mirrored);
        let mut i = 0;
        while i < entries.len() {
            let (s, d, mut w) = entries[i];
            let mut count = 1usize;
            let mut j = i + 1;
            while j < entries.len() && entries[j].0 == s && entries[j].1 == d {
                match options.duplicates {
                    Duplicates::Max => w = w.max(entries[j].2),
                    Duplicates::Sum | Duplicates::Mean => {
                        w += entries[j].2;
                        count += 1;
                    }
                    Duplicates::Reject => {
                        return Err(GslError::invalid(
                            "duplicates",
                            format!("edge ({s}, {d}) appears more than once"),
                        ));
                    }
                }
                j += 1;
            }
            if options.duplicates == Duplicates::Mean {
                w /= count as f32;
            }
            triples.push((s, d, w));
            if options.symmetrize && s != d {
                triples.push((d, s, w));
            }
            i = j;
        }
        if options.symmetrize {
            // Keys are unique here: canonical (s ≤ d) and mirrored (d > s) never collide.
            triples.sort_unstable_by_key(|t| (t.0, t.1));
        }
        let keep_weights = self.weights.is_some() || options.duplicates == Duplicates::Sum;
        let src = triples.iter().map(|t| t.0).collect();
        let dst = triples.iter().map(|t| t.1).collect();
        let weights = keep_weights.then(|| triples.iter().map(|t| t.2).collect());
        Ok(Self {
            num_nodes: self.num_nodes,
            src,
            dst,
            weights,
        })
    }

    /// Number of nodes.
    pub fn num_nodes(&self) -> usize {
        self.num_nodes
    }

    /// Number of stored (directed) edges.
    pub fn num_edges(&self) -> usize {
        self.src.len()
    }

    /// Source ids.
    pub fn src(&self) -> &[usize] {
        &self.src
    }

    /// Target ids.
    pub fn dst(&self) -> &[usize] {
        &self.dst
    }

    /// Edge weights, if any (absent means every weight is one).
    pub fn weights(&self) -> Option<&[f32]> {
        self.weights.as_deref()
    }

    /// Weight of edge `e` (one when the list is unweighted).
    pub fn weight(&self, e: usize) -> f32 {
        self.weights.as_ref().map_or(1.0, |w| w[e])
    }

    /// Iterates over `(src, dst, weight)`.
    pub fn iter(&self) -> impl Iterator<Item = (usize, usize, f32)> + '_ {
        (0..self.src.len()).map(|e| (self.src[e], self.dst[e], self.weight(e)))
    }

    /// The compressed-sparse-row form (rows are sources).
    pub fn to_csr(&self) -> Csr {
        Csr::from_edge_list(self)
    }

    /// Uploads the list to `device` as a sparse [`Graph`].
    pub fn to_graph(&self, device: &Device) -> Graph {
        let e = self.num_edges();
        let mut index: Vec<i64> = Vec::with_capacity(2 * e);
        index.extend(self.src.iter().map(|&v| v as i64));
        index.extend(self.dst.iter().map(|&v| v as i64));
        let edge_index = Tensor::<2, Int>::from_data(TensorData::new(index, [2, e]), device);
        let edge_weight = self
            .weights
            .as_ref()
            .map(|w| Tensor::<1>::from_data(TensorData::new(w.clone(), [e]), device));
        Graph {
            num_nodes: self.num_nodes,
            edge_index,
            edge_weight,
            row_index: OnceLock::new(),
        }
    }

    /// Converts a petgraph graph. Node `i` is petgraph's node index `i`; edge weights are
    /// converted with `Into<f64>`. An undirected petgraph graph yields both directions.
    pub fn from_petgraph<N, E, Ty>(g: &petgraph::Graph<N, E, Ty>) -> Result<Self>
    where
        E: Copy + Into<f64>,
        Ty: EdgeType,
    {
        let mut src = Vec::new();
        let mut dst = Vec::new();
        let mut w = Vec::new();
        for edge in g.edge_references() {
            let (s, d) = (edge.source().index(), edge.target().index());
            let weight = (*edge.weight()).into() as f32;
            src.push(s);
            dst.push(d);
            w.push(weight);
            if !g.is_directed() && s != d {
                src.push(d);
                dst.push(s);
                w.push(weight);
            }
        }
        Self::new(g.node_count(), src, dst, Some(w))
    }

    /// Converts to a directed petgraph graph with `f32` weights (one node per id).
    pub fn to_petgraph(&self) -> petgraph::Graph<(), f32, petgraph::Directed> {
        let mut g = petgraph::Graph::with_capacity(self.num_nodes, self.num_edges());
        let nodes: Vec<_> = (0..self.num_nodes).map(|_| g.add_node(())).collect();
        for (s, d, w) in self.iter() {
            g.add_edge(nodes[s], nodes[d], w);
        }
        g
    }

    /// Converts to an undirected petgraph graph, keeping one edge per stored pair `s <= d`.
    /// Meant for lists that store both directions of every edge.
    pub fn to_petgraph_undirected(&self) -> petgraph::Graph<(), f32, petgraph::Undirected> {
        let mut g = petgraph::Graph::with_capacity(self.num_nodes, self.num_edges() / 2);
        let nodes: Vec<_> = (0..self.num_nodes).map(|_| g.add_node(())).collect();
        for (s, d, w) in self.iter().filter(|(s, d, _)| s <= d) {
            g.add_edge(nodes[s], nodes[d], w);
        }
        g
    }
}

/// Compressed sparse rows: the neighbours of node `i` are `indices[indptr[i]..indptr[i + 1]]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Csr {
    /// Row offsets, length `num_nodes + 1`.
    pub indptr: Vec<usize>,
    /// Column (target) ids, sorted within each row.
    pub indices: Vec<usize>,
    /// Weights aligned with `indices` (ones when the source list was unweighted).
    pub weights: Vec<f32>,
}

impl Csr {
    /// Builds the CSR form of an edge list by counting sort on the sources.
    pub fn from_edge_list(edges: &EdgeList) -> Self {
        let n = edges.num_nodes();
        let mut indptr = vec![0usize; n + 1];
        for &s in edges.src() {
            indptr[s + 1] += 1;
        }
        for i in 0..n {
            indptr[i + 1] += indptr[i];
        }
        let mut next = indptr.clone();
        let mut pairs = vec![(0usize, 0f32); edges.num_edges()];
        for (s, d, w) in edges.iter() {
            pairs[next[s]] = (d, w);
            next[s] += 1;
        }
        for i in 0..n {
            pairs[indptr[i]..indptr[i + 1]].sort_by_key(|p| p.0);
        }
        let (indices, weights) = pairs.into_iter().unzip();
        Self {
            indptr,
            indices,
            weights,
        }
    }

    /// Number of rows (nodes).
    pub fn num_nodes(&self) -> usize {
        self.indptr.len() - 1
    }

    /// Neighbour ids of node `i`.
    pub fn neighbors(&self, i: usize) -> &[usize] {
        &self.indices[self.indptr[i]..self.indptr[i + 1]]
    }

    /// Weights of the edges leaving node `i`.
    pub fn neighbor_weights(&self, i: usize) -> &[f32] {
        &self.weights[self.indptr[i]..self.indptr[i + 1]]
    }

    /// Out-degree (number of stored edges) of node `i`.
    pub fn degree(&self, i: usize) -> usize {
        self.indptr[i + 1] - self.indptr[i]
    }

    /// Back to an edge list (sorted by source, then target).
    pub fn to_edge_list(&self) -> EdgeList {
        let n = self.num_nodes();
        let mut src = Vec::with_capacity(self.indices.len());
        for i in 0..n {
            src.extend(std::iter::repeat_n(i, self.degree(i)));
        }
        EdgeList {
            num_nodes: n,
            src,
            dst: self.indices.clone(),
            weights: Some(self.weights.clone()),
        }
    }
}

/// A sparse graph on a device: `edge_index` `[2, E]` (row 0 sources, row 1 targets) and optional
/// edge weights `[E]`. Undirected graphs store both directions.
#[derive(Debug, Clone)]
pub struct Graph {
    num_nodes: usize,
    edge_index: Tensor<2, Int>,
    edge_weight: Option<Tensor<1>>,
    /// Edges grouped by source, built on the first sparse product on a CPU device.
    row_index: OnceLock<Arc<RowIndex>>,
}

impl Graph {
    /// Wraps device tensors, validating shapes, id range and weight finiteness.
    pub fn new(
        num_nodes: usize,
        edge_index: Tensor<2, Int>,
        edge_weight: Option<Tensor<1>>,
    ) -> Result<Self> {
        let [rows, e] = edge_index.dims();
        if rows != 2 {
            return Err(GslError::shape(
                "Graph edge_index",
                "[2, E]",
                format!("[{rows}, {e}]"),
            ));
        }
        if let Some(w) = &edge_weight {
            let [we] = w.dims();
            if we != e {
                return Err(GslError::shape(
                    "Graph edge_weight",
                    format!("[{e}]"),
                    format!("[{we}]"),
                ));
            }
            ensure_finite(w, "edge weights")?;
        }
        if e > 0 {
            let max = edge_index.clone().max().into_scalar::<i64>();
            let min = edge_index.clone().min().into_scalar::<i64>();
            if min < 0 {
                return Err(GslError::NodeOutOfRange { id: min, num_nodes });
            }
            if max as usize >= num_nodes {
                return Err(GslError::NodeOutOfRange { id: max, num_nodes });
            }
        }
        Ok(Self {
            num_nodes,
            edge_index,
            edge_weight,
            row_index: OnceLock::new(),
        })
    }

    /// Validates `edges` with `options` (see [`EdgeList::build`]) and uploads the result.
    pub fn from_edges(edges: &EdgeList, options: BuildOptions, device: &Device) -> Result<Self> {
        Ok(edges.build(options)?.to_graph(device))
    }

    /// Number of nodes.
    pub fn num_nodes(&self) -> usize {
        self.num_nodes
    }

    /// Number of stored (directed) edges.
    pub fn num_edges(&self) -> usize {
        self.edge_index.dims()[1]
    }

    /// The `[2, E]` edge index.
    pub fn edge_index(&self) -> &Tensor<2, Int> {
        &self.edge_index
    }

    /// Source ids `[E]`.
    pub fn src(&self) -> Tensor<1, Int> {
        self.edge_index.clone().narrow(0, 0, 1).squeeze_dim(0)
    }

    /// Target ids `[E]`.
    pub fn dst(&self) -> Tensor<1, Int> {
        self.edge_index.clone().narrow(0, 1, 1).squeeze_dim(0)
    }

    /// Edge weights, if the graph is weighted.
    pub fn edge_weight(&self) -> Option<&Tensor<1>> {
        self.edge_weight.as_ref()
    }

    /// Edge weights, with ones for an unweighted graph.
    pub fn weights_or_ones(&self) -> Tensor<1> {
        self.edge_weight
            .clone()
            .unwrap_or_else(|| Tensor::ones([self.num_edges()], &self.edge_index.device()))
    }

    /// The same structure with new edge weights `[E]`.
    pub fn with_weights(&self, weights: Tensor<1>) -> Result<Self> {
        let graph = Self::new(self.num_nodes, self.edge_index.clone(), Some(weights))?;
        // Same structure: share the row grouping if it was built.
        if let Some(index) = self.row_index.get() {
            let _ = graph.row_index.set(index.clone());
        }
        Ok(graph)
    }

    /// The device the graph lives on.
    pub fn device(&self) -> Device {
        self.edge_index.device()
    }

    /// Reads the graph back into a host [`EdgeList`].
    pub fn to_edge_list(&self) -> EdgeList {
        let e = self.num_edges();
        let index = to_vec_i64(self.edge_index.clone());
        let src = index[..e].iter().map(|&v| v as usize).collect();
        let dst = index[e..].iter().map(|&v| v as usize).collect();
        let weights = self.edge_weight.clone().map(to_vec_f32);
        EdgeList {
            num_nodes: self.num_nodes,
            src,
            dst,
            weights,
        }
    }

    /// Dense `[N, N]` adjacency (`A[src, dst] += w`; repeated edges add up).
    pub fn to_dense(&self) -> Tensor<2> {
        let n = self.num_nodes;
        let device = self.device();
        let flat = self.src().mul_scalar(n as i64).add(self.dst());
        Tensor::<1>::zeros([n * n], &device)
            .select_assign(
                0,
                flat,
                self.weights_or_ones(),
                burn::tensor::IndexingUpdateOp::Add,
            )
            .reshape([n, n])
    }

    /// Sparse × dense product `A · X` for `X` of shape `[N, F]`, by gathering the target rows of
    /// `X`, scaling them by the edge weights and scatter-adding them into the source rows.
    /// Memory is `O(E·F)` up to 2^26 message values, then the columns of `X` go in blocks;
    /// gradients flow to `X` and to the edge weights.
    ///
    /// On a plain (non-autodiff) Flex device the product instead runs row by row in parallel
    /// over the edges grouped by source (grouped once, then cached in the graph): the same sums,
    /// several times faster, with memory `O(N·F + E)`.
    pub fn spmm(&self, x: Tensor<2>) -> Result<Tensor<2>> {
        self.spmm_weighted(self.edge_weight.clone(), x)
    }

    /// [`Graph::spmm`] with explicit edge weights `[E]` (e.g. normalised or learned ones) in
    /// place of the stored ones; `None` means all ones.
    pub fn spmm_weighted(&self, weights: Option<Tensor<1>>, x: Tensor<2>) -> Result<Tensor<2>> {
        let [n, f] = x.dims();
        if n != self.num_nodes {
            return Err(GslError::shape(
                "spmm features",
                format!("[{}, F]", self.num_nodes),
                format!("[{n}, {f}]"),
            ));
        }
        if let Some(w) = &weights
            && w.dims()[0] != self.num_edges()
        {
            return Err(GslError::shape(
                "spmm weights",
                self.num_edges(),
                w.dims()[0],
            ));
        }
        if crate::device::is_plain_flex(&x.device())
            && x.dtype() == burn::tensor::DType::F32
            && self.num_edges() <= u32::MAX as usize
        {
            return Ok(self.spmm_rows(weights, x));
        }
        Ok(self.spmm_gather_scatter(weights, x, MAX_MESSAGE_VALUES))
    }
}

/// Largest number of gathered message values (`E × columns`) one gather + scatter product holds
/// at once (256 MiB in f32); wider features are processed in blocks of columns. Without it a graph
/// with 20M stored edges and 128 features would gather 10 GiB.
const MAX_MESSAGE_VALUES: usize = 1 << 26;

impl Graph {
    /// The portable product: gather `X[dst]`, scale by the weights, scatter-add into the source
    /// rows, over blocks of columns so the `E × columns` messages stay within `max_values`.
    fn spmm_gather_scatter(
        &self,
        weights: Option<Tensor<1>>,
        x: Tensor<2>,
        max_values: usize,
    ) -> Tensor<2> {
        let f = x.dims()[1];
        let cols = (max_values / self.num_edges().max(1)).clamp(1, f.max(1));
        let product = |x: Tensor<2>| {
            let mut messages = x.clone().select(0, self.dst());
            if let Some(w) = &weights {
                messages = messages.mul(w.clone().unsqueeze_dim::<2>(1));
            }
            x.zeros_like().select_assign(
                0,
                self.src(),
                messages,
                burn::tensor::IndexingUpdateOp::Add,
            )
        };
        if cols >= f {
            return product(x);
        }
        let blocks = (0..f.div_ceil(cols))
            .map(|b| product(x.clone().narrow(1, b * cols, cols.min(f - b * cols))))
            .collect();
        Tensor::cat(blocks, 1)
    }

    /// The row-parallel product of [`crate::rowwise`], for tensors on a plain Flex device.
    fn spmm_rows(&self, weights: Option<Tensor<1>>, x: Tensor<2>) -> Tensor<2> {
        let [n, f] = x.dims();
        let device = x.device();
        let index = self.row_index.get_or_init(|| {
            let e = self.num_edges();
            let ids = to_vec_i64(self.edge_index.clone());
            Arc::new(RowIndex::new(self.num_nodes, &ids[..e], &ids[e..]))
        });
        let weights = weights.map(to_vec_f32);
        let y = index.spmm(&to_vec_f32(x), f, weights.as_deref());
        Tensor::from_data(TensorData::new(y, [n, f]), &device)
    }
}

/// A graph with node features `[N, F]` and optional integer labels `[N]`.
#[derive(Debug, Clone)]
pub struct AttributedGraph {
    /// The structure.
    pub graph: Graph,
    /// Node features `[N, F]`.
    pub features: Tensor<2>,
    /// Node labels `[N]`, when known.
    pub labels: Option<Tensor<1, Int>>,
}

impl AttributedGraph {
    /// Bundles a graph with its features (and labels), checking that the node counts agree and
    /// that the features are finite.
    pub fn new(graph: Graph, features: Tensor<2>, labels: Option<Tensor<1, Int>>) -> Result<Self> {
        let [n, f] = features.dims();
        if n != graph.num_nodes() {
            return Err(GslError::shape(
                "AttributedGraph features",
                format!("[{}, F]", graph.num_nodes()),
                format!("[{n}, {f}]"),
            ));
        }
        ensure_finite(&features, "node features")?;
        if let Some(l) = &labels
            && l.dims()[0] != n
        {
            return Err(GslError::shape("AttributedGraph labels", n, l.dims()[0]));
        }
        Ok(Self {
            graph,
            features,
            labels,
        })
    }

    /// Number of nodes.
    pub fn num_nodes(&self) -> usize {
        self.graph.num_nodes()
    }

    /// Feature dimension.
    pub fn num_features(&self) -> usize {
        self.features.dims()[1]
    }
}

#[cfg(test)]
mod blocking_tests {
    use super::*;

    /// Blocks of columns (here 2 columns for 6 stored edges and at most 13 values, the last
    /// block ragged) give the same product as the dense adjacency.
    #[test]
    fn column_blocked_gather_scatter_equals_the_dense_product() {
        let device = crate::device::device_from_name("flex").unwrap();
        let edges = EdgeList::from_pairs(4, &[(0, 1), (1, 2), (2, 3)]).unwrap();
        let graph = Graph::from_edges(&edges, BuildOptions::default(), &device).unwrap();
        let x: Vec<f32> = (0..20).map(|i| i as f32).collect();
        let x = Tensor::<2>::from_data(TensorData::new(x, [4, 5]), &device);
        let dense = to_vec_f32(graph.to_dense().matmul(x.clone()));
        let w = Some(graph.weights_or_ones());
        assert_eq!(
            to_vec_f32(graph.spmm_gather_scatter(w.clone(), x.clone(), 13)),
            dense
        );
        assert_eq!(to_vec_f32(graph.spmm_gather_scatter(w, x, 1 << 20)), dense);
    }
}
