//! Host bookkeeping of BiGG (Dai et al., ICML 2020, §3): rows of the lower-triangular adjacency,
//! the edge-binary tree of each row, the Fenwick-tree decomposition of the row history, and the
//! level-by-level schedule that lets training run every row of every graph of a batch in
//! O(log n) sequential stages per phase.
//!
//! This replaces BiGG's C++ `tree_clib` (`AdjRow::add_edges`, `JobCollect`,
//! `build_row_indices`, `build_row_summary`): the schedule is a list of index vectors the model
//! turns into gathers ([`BatchPlan`]).
//!
//! # Conventions
//!
//! - Row `i` holds the edges `(i, j)` with `j < i` under the node ordering; its columns are the
//!   interval `[0, i)`.
//! - A tree node covering `[lo, hi)` is a leaf when `hi − lo ≤ 1`; otherwise it splits at
//!   `mid = lo + (hi − lo) / 2` into `[lo, mid)` (left) and `[mid, hi)` (right), as BiGG's
//!   `AdjNode::split`.
//! - Only nodes whose interval holds an edge are *realised* (the generator never enters an
//!   empty subtree). A realised internal node decides `has_left`, then `has_right`, which is
//!   forced to 1 when `has_left = 0`.
//! - Fenwick block `(level, index)` summarises rows `[index · 2^level, (index + 1) · 2^level)`.

use gsl_core::{GslError, Result};

use crate::eval::SimpleGraph;

/// A graph as BiGG reads it: per row `i`, the sorted columns `j < i` of its edges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderedGraph {
    rows: Vec<Vec<usize>>,
}

impl OrderedGraph {
    /// Builds the rows from undirected pairs `{i, j}` (either orientation; repeated pairs are
    /// merged). Errors: no node, a self-loop, an id `≥ num_nodes`.
    pub fn new(num_nodes: usize, pairs: &[(usize, usize)]) -> Result<Self> {
        if num_nodes == 0 {
            return Err(GslError::EmptyGraph("BiGG needs at least one node".into()));
        }
        let mut rows = vec![Vec::new(); num_nodes];
        for &(a, b) in pairs {
            for id in [a, b] {
                if id >= num_nodes {
                    return Err(GslError::NodeOutOfRange {
                        id: id as i64,
                        num_nodes,
                    });
                }
            }
            if a == b {
                return Err(GslError::invalid(
                    "edges",
                    format!("self-loop on node {a}: BiGG models simple graphs"),
                ));
            }
            rows[a.max(b)].push(a.min(b));
        }
        for row in &mut rows {
            row.sort_unstable();
            row.dedup();
        }
        Ok(Self { rows })
    }

    /// The rows of `graph` after renaming node `order[k]` to `k`.
    ///
    /// Errors: `order` is not a permutation of the nodes, or the graph has no node.
    pub fn from_simple(graph: &SimpleGraph, order: &[usize]) -> Result<Self> {
        gsl_data::ordering::check_permutation(order, graph.num_nodes())?;
        let mut new_id = vec![0usize; order.len()];
        for (k, &v) in order.iter().enumerate() {
            new_id[v] = k;
        }
        let pairs: Vec<(usize, usize)> = graph
            .edges()
            .into_iter()
            .map(|(i, j, _)| (new_id[i], new_id[j]))
            .collect();
        Self::new(graph.num_nodes(), &pairs)
    }

    /// Number of nodes (= rows).
    pub fn num_nodes(&self) -> usize {
        self.rows.len()
    }

    /// Number of undirected edges.
    pub fn num_edges(&self) -> usize {
        self.rows.iter().map(Vec::len).sum()
    }

    /// The sorted columns `j < i` of row `i`. Panics if `i ≥ num_nodes()`, like slice indexing.
    pub fn row(&self, i: usize) -> &[usize] {
        &self.rows[i]
    }

    /// The edges as `(i, j)` with `i > j`, row by row.
    pub fn edges(&self) -> Vec<(usize, usize)> {
        self.rows
            .iter()
            .enumerate()
            .flat_map(|(i, cols)| cols.iter().map(move |&j| (i, j)))
            .collect()
    }

    /// The graph as a [`SimpleGraph`] (node ids are the row indices).
    pub fn to_simple(&self) -> Result<SimpleGraph> {
        SimpleGraph::from_pairs(self.num_nodes(), &self.edges())
    }
}

/// The column interval `[lo, hi)` of an edge-binary-tree node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnRange {
    /// First column.
    pub lo: usize,
    /// One past the last column.
    pub hi: usize,
}

impl ColumnRange {
    /// The root interval of row `row`: `[0, row)`.
    pub fn root(row: usize) -> Self {
        Self { lo: 0, hi: row }
    }

    /// Number of columns.
    pub fn n_cols(&self) -> usize {
        self.hi - self.lo
    }

    /// A leaf covers at most one column.
    pub fn is_leaf(&self) -> bool {
        self.n_cols() <= 1
    }

    /// The split point `lo + n_cols / 2` (BiGG's `AdjNode.split`).
    pub fn mid(&self) -> usize {
        self.lo + self.n_cols() / 2
    }

    /// `[lo, mid)`.
    pub fn left(&self) -> Self {
        Self {
            lo: self.lo,
            hi: self.mid(),
        }
    }

    /// `[mid, hi)`.
    pub fn right(&self) -> Self {
        Self {
            lo: self.mid(),
            hi: self.hi,
        }
    }
}

/// One realised node of a row's edge-binary tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeNode {
    /// Columns covered.
    pub range: ColumnRange,
    /// Distance from the root (root = 0).
    pub depth: usize,
    /// Index of the realised left child in [`RowTree::nodes`], if the left half holds an edge.
    pub left: Option<usize>,
    /// Index of the realised right child, if the right half holds an edge.
    pub right: Option<usize>,
}

/// The realised edge-binary tree of one row: the root (when the row has an edge) and every
/// node whose interval holds an edge, in pre-order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowTree {
    /// Realised nodes, pre-order (parent, left subtree, right subtree); empty for an empty row.
    pub nodes: Vec<TreeNode>,
}

impl RowTree {
    /// The tree of row `row` with sorted, distinct columns `cols` (all `< row`).
    ///
    /// Errors: a column `≥ row`, or unsorted / repeated columns.
    pub fn build(row: usize, cols: &[usize]) -> Result<Self> {
        if cols.windows(2).any(|w| w[0] >= w[1]) {
            return Err(GslError::invalid(
                "cols",
                "columns must be sorted and distinct",
            ));
        }
        if let Some(&last) = cols.last()
            && last >= row
        {
            return Err(GslError::invalid(
                "cols",
                format!("column {last} is not below row {row}"),
            ));
        }
        let mut tree = Self { nodes: Vec::new() };
        if !cols.is_empty() {
            tree.grow(ColumnRange::root(row), 0, cols);
        }
        Ok(tree)
    }

    fn grow(&mut self, range: ColumnRange, depth: usize, cols: &[usize]) -> usize {
        let id = self.nodes.len();
        self.nodes.push(TreeNode {
            range,
            depth,
            left: None,
            right: None,
        });
        if !range.is_leaf() {
            let split = cols.partition_point(|&c| c < range.mid());
            if split > 0 {
                let left = self.grow(range.left(), depth + 1, &cols[..split]);
                self.nodes[id].left = Some(left);
            }
            if split < cols.len() {
                let right = self.grow(range.right(), depth + 1, &cols[split..]);
                self.nodes[id].right = Some(right);
            }
        }
        id
    }

    /// The columns of the leaves, left to right (these are the row's edges).
    pub fn leaf_columns(&self) -> Vec<usize> {
        self.nodes
            .iter()
            .filter(|n| n.range.is_leaf())
            .map(|n| n.range.lo)
            .collect()
    }

    /// Number of levels (0 for an empty row).
    pub fn height(&self) -> usize {
        self.nodes.iter().map(|n| n.depth + 1).max().unwrap_or(0)
    }
}

/// The Fenwick blocks whose union is the row prefix `[0, i)`, lowest level (most recent rows)
/// first, as `(level, index)`: one block per set bit `b` of `i`, with index `(i >> b) − 1`.
/// This is the fold order of BiGG's `FenwickTree.forward`.
pub fn fenwick_blocks(i: usize) -> Vec<(usize, usize)> {
    (0..usize::BITS as usize)
        .filter(|&b| (i >> b) & 1 == 1)
        .map(|b| (b, (i >> b) - 1))
        .collect()
}

/// Pushes `item` onto a Fenwick level list (BiGG's `FenwickTree` push): while its level is
/// occupied, the pending `older` state there is taken and `merge(level, older, carry)` carries
/// the result one level up; the first free level receives it. Shared by the samplers' row
/// histories and the block schedule of [`FenwickPlan`].
pub(super) fn fenwick_push<T>(
    levels: &mut Vec<Option<T>>,
    item: T,
    mut merge: impl FnMut(usize, T, T) -> T,
) {
    let mut carry = item;
    let mut level = 0;
    loop {
        if levels.len() <= level {
            levels.push(None);
        }
        match levels[level].take() {
            None => {
                levels[level] = Some(carry);
                return;
            }
            Some(older) => {
                carry = merge(level, older, carry);
                level += 1;
            }
        }
    }
}

/// Where the bottom-up summary of a subtree comes from, in the tables of one depth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SummarySource {
    /// An empty subtree: the learned (or, with bits compression, fixed) empty state.
    Empty,
    /// A leaf holding an edge: the learned (or fixed) leaf state.
    Leaf,
    /// A low-level subtree (at most `bits_compress` columns): row `k` of the depth's bit
    /// features.
    Bits(usize),
    /// A subtree summarised by the Tree-LSTM: output `k` of the depth's cells.
    Cell(usize),
}

/// The ±1 bit feature of a low-level subtree (BiGG's `BitsRepNet`): `−1` on the first `n_cols`
/// positions, `+1` at position `hi − 1 − j` for each edge column `j`, 0 elsewhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BitsFeature {
    /// Columns of the subtree.
    pub n_cols: usize,
    /// Positions set to `+1`.
    pub ones: Vec<usize>,
}

impl BitsFeature {
    /// Writes the feature into `out`, zero-filled by the caller. Errors: `out` shorter than
    /// `n_cols`, or a position `≥ n_cols`.
    pub fn write(&self, out: &mut [f32]) -> Result<()> {
        if out.len() < self.n_cols {
            return Err(GslError::shape(
                "bit feature",
                format!("at least {} entries", self.n_cols),
                out.len(),
            ));
        }
        out[..self.n_cols].fill(-1.0);
        for &p in &self.ones {
            if p >= self.n_cols {
                return Err(GslError::invalid(
                    "bit feature",
                    format!("position {p} outside the {} columns", self.n_cols),
                ));
            }
            out[p] = 1.0;
        }
        Ok(())
    }
}

/// How a top-down job reaches its state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parent {
    /// A tree root: the controller state of global row `r`.
    Row(usize),
    /// The left child of job `j` of the previous depth (state after the has-left update).
    Left(usize),
    /// The right child of job `j` of the previous depth (state after the has-right update).
    Right(usize),
}

/// Everything that happens at one depth of the edge-binary trees of a batch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DepthPlan {
    /// Top-down jobs (realised internal nodes at this depth): where their state comes from.
    pub parent: Vec<Parent>,
    /// Label of the has-left decision of each job.
    pub has_left: Vec<bool>,
    /// Label of the has-right decision (only predicted, and counted, when `has_left`).
    pub has_right: Vec<bool>,
    /// Summary of each job's left subtree, in the tables of the next depth.
    pub left_summary: Vec<SummarySource>,
    /// Bottom-up Tree-LSTM cells at this depth: sources of (left, right) children, in the
    /// tables of the next depth.
    pub cells: Vec<(SummarySource, SummarySource)>,
    /// Bit features of the low-level subtrees rooted at this depth that someone reads.
    pub bits: Vec<BitsFeature>,
}

/// The Fenwick row-history schedule of a batch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FenwickPlan {
    /// For level `k ≥ 1` (entry `k − 1`): the pairs `(older, newer)` of level-`k − 1` blocks
    /// merged into each level-`k` block, indices into the level-`k − 1` table (level 0 = global
    /// rows).
    pub merges: Vec<Vec<(usize, usize)>>,
    /// Per global row, the Fenwick blocks of its prefix as indices into the joint table
    /// `[init; level 0; level 1; …]` (lowest level first; `[0]` = the initial state for a
    /// graph's first row).
    pub blocks: Vec<Vec<usize>>,
    /// Per fold step `t ≥ 1` (entry `t − 1`): the global rows that still have a block `t`, in
    /// increasing order.
    pub steps: Vec<Vec<usize>>,
    /// Block-wise plans ([`BatchPlan::build_block`]) only: the levels, lowest first, of the
    /// Fenwick states of the rows before the block that enter it (the set bits of its first
    /// row). Each is the first entry of its level's table; empty for whole graphs.
    pub incoming: Vec<usize>,
    /// Block-wise plans only: the Fenwick states after the block's last row (the set bits of
    /// the row that follows it, lowest level first) as indices into the joint table; what the
    /// next block receives as `incoming`. Empty for whole graphs and for a graph's last block.
    pub outgoing: Vec<usize>,
}

impl FenwickPlan {
    /// The schedule of rows `start..end` of a graph with `num_nodes` rows, given the Fenwick
    /// states of rows `0..start` (one per set bit of `start`).
    ///
    /// It replays BiGG's sequential `FenwickTree` pushes: pushing a row carries it up while
    /// its level is occupied, merging `(older, newer)` at each step. A merge that straddles the
    /// block start (an incoming state with rows of this block) is formed here, so blocks may
    /// start at any row. Merges of one level only read the level below, so each level is one
    /// batched call. The last row of a graph is not pushed (no row reads it).
    fn block(start: usize, end: usize, num_nodes: usize) -> Self {
        let incoming: Vec<usize> = (0..usize::BITS as usize)
            .filter(|&b| (start >> b) & 1 == 1)
            .collect();
        let levels_needed = incoming.last().map_or(1, |&b| b + 1);
        // levels[l]: index (in level l's table) of the pending state of level l.
        let mut levels: Vec<Option<usize>> = vec![None; levels_needed];
        let mut has_incoming = vec![false; levels_needed];
        for &b in &incoming {
            levels[b] = Some(0);
            has_incoming[b] = true;
        }
        let inc = |has: &[bool], l: usize| has.get(l).copied().unwrap_or(false) as usize;
        let mut merges: Vec<Vec<(usize, usize)>> = Vec::new();
        let mut row_blocks: Vec<Vec<(usize, usize)>> = Vec::with_capacity(end - start);
        let pending = |levels: &[Option<usize>]| -> Vec<(usize, usize)> {
            levels
                .iter()
                .enumerate()
                .filter_map(|(l, s)| s.map(|k| (l, k)))
                .collect()
        };
        for i in start..end {
            row_blocks.push(pending(&levels));
            if i + 1 == num_nodes {
                break;
            }
            let row = inc(&has_incoming, 0) + (i - start);
            fenwick_push(&mut levels, row, |level, older, carry| {
                if merges.len() <= level {
                    merges.push(Vec::new());
                }
                let pairs = &mut merges[level];
                pairs.push((older, carry));
                inc(&has_incoming, level + 1) + pairs.len() - 1
            });
        }
        let num_levels = levels.len().max(merges.len() + 1);
        merges.resize_with(num_levels - 1, Vec::new);
        // Joint table [init; level 0; level 1; …], level l = [incoming l?; new states].
        let mut offsets = Vec::with_capacity(num_levels);
        let mut acc = 1;
        for l in 0..num_levels {
            offsets.push(acc);
            acc += inc(&has_incoming, l)
                + if l == 0 {
                    end - start
                } else {
                    merges[l - 1].len()
                };
        }
        let joint = |blocks: Vec<(usize, usize)>| -> Vec<usize> {
            blocks.into_iter().map(|(l, k)| offsets[l] + k).collect()
        };
        let blocks: Vec<Vec<usize>> = row_blocks
            .into_iter()
            .map(|b| if b.is_empty() { vec![0] } else { joint(b) })
            .collect();
        let outgoing = if end < num_nodes {
            joint(pending(&levels))
        } else {
            Vec::new()
        };
        Self {
            merges,
            steps: fold_steps(&blocks),
            blocks,
            incoming,
            outgoing,
        }
    }
}

/// Per fold step `t ≥ 1`: the rows with more than `t` blocks.
fn fold_steps(blocks: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let max_blocks = blocks.iter().map(Vec::len).max().unwrap_or(1);
    (1..max_blocks)
        .map(|t| {
            blocks
                .iter()
                .enumerate()
                .filter(|(_, b)| b.len() > t)
                .map(|(r, _)| r)
                .collect()
        })
        .collect()
}

/// The level-by-level schedule of a batch of graphs: the host-side half of BiGG's batched
/// training (`forward_train`), built once per batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchPlan {
    /// The bits-compression threshold the plan was built with.
    pub bits_compress: usize,
    /// Node count of each graph.
    pub graph_sizes: Vec<usize>,
    /// The first row of the plan: 0, except for a block of rows ([`BatchPlan::build_block`]).
    pub first_row: usize,
    /// Per global row (graphs concatenated): whether the row has an edge.
    pub has_ch: Vec<bool>,
    /// Per global row `i` of a graph with `n` nodes: the positional-encoding input `n − i`.
    pub positions: Vec<usize>,
    /// Per global row: its bottom-up summary in the depth-0 tables.
    pub row_summary: Vec<SummarySource>,
    /// Per tree depth.
    pub depths: Vec<DepthPlan>,
    /// Row-history schedule.
    pub fenwick: FenwickPlan,
}

impl BatchPlan {
    /// Builds the schedule of `graphs`; subtrees of at most `bits_compress` columns are
    /// summarised by bit features (0 turns compression off).
    ///
    /// Errors: an empty list.
    pub fn build(graphs: &[&OrderedGraph], bits_compress: usize) -> Result<Self> {
        if graphs.is_empty() {
            return Err(GslError::invalid("graphs", "the batch is empty"));
        }
        let mut plan = Self::empty(
            bits_compress,
            graphs.iter().map(|g| g.num_nodes()).collect(),
        );
        for g in graphs {
            plan.add_rows(g, 0..g.num_nodes());
        }
        plan.fenwick = Self::fenwick_schedule(&plan.graph_sizes);
        Ok(plan)
    }

    /// The schedule of the rows `rows` of one graph, for block-wise training (BiGG's
    /// `-blksize`): the trees and decisions of those rows, and a Fenwick schedule that starts
    /// from the states of the rows before the block ([`FenwickPlan::incoming`]) and ends with
    /// those after it ([`FenwickPlan::outgoing`]). Summed over consecutive blocks covering the
    /// graph, the log-likelihood is that of [`BatchPlan::build`] on the whole graph.
    ///
    /// Errors: an empty range, or one reaching past the last row.
    pub fn build_block(
        graph: &OrderedGraph,
        rows: std::ops::Range<usize>,
        bits_compress: usize,
    ) -> Result<Self> {
        let n = graph.num_nodes();
        if rows.start >= rows.end || rows.end > n {
            return Err(GslError::invalid(
                "rows",
                format!(
                    "need a non-empty range inside the graph's {n} rows, got {}..{}",
                    rows.start, rows.end
                ),
            ));
        }
        let mut plan = Self::empty(bits_compress, vec![n]);
        plan.first_row = rows.start;
        plan.add_rows(graph, rows.clone());
        plan.fenwick = FenwickPlan::block(rows.start, rows.end, n);
        Ok(plan)
    }

    fn empty(bits_compress: usize, graph_sizes: Vec<usize>) -> Self {
        Self {
            bits_compress,
            graph_sizes,
            first_row: 0,
            has_ch: Vec::new(),
            positions: Vec::new(),
            row_summary: Vec::new(),
            depths: Vec::new(),
            fenwick: FenwickPlan::default(),
        }
    }

    /// Appends rows `rows` of `g` (trees, labels, positions).
    fn add_rows(&mut self, g: &OrderedGraph, rows: std::ops::Range<usize>) {
        let n = g.num_nodes();
        for i in rows {
            let cols = g.row(i);
            self.has_ch.push(!cols.is_empty());
            self.positions.push(n - i);
            let global = self.row_summary.len();
            let summary = if cols.is_empty() {
                SummarySource::Empty
            } else {
                self.visit(
                    ColumnRange::root(i),
                    0,
                    cols,
                    Parent::Row(global),
                    self.bits_compress,
                )
            };
            self.row_summary.push(summary);
        }
    }

    fn depth_mut(&mut self, depth: usize) -> &mut DepthPlan {
        if self.depths.len() <= depth {
            self.depths.resize_with(depth + 1, DepthPlan::default);
        }
        &mut self.depths[depth]
    }

    /// Registers the realised node `range` (holding the edges `cols`, non-empty) and its
    /// subtree; returns its summary source in the tables of `depth`.
    fn visit(
        &mut self,
        range: ColumnRange,
        depth: usize,
        cols: &[usize],
        parent: Parent,
        bits_compress: usize,
    ) -> SummarySource {
        if range.is_leaf() {
            return SummarySource::Leaf;
        }
        let job = {
            let level = self.depth_mut(depth);
            level.parent.push(parent);
            level.has_left.push(false);
            level.has_right.push(false);
            level.left_summary.push(SummarySource::Empty);
            level.parent.len() - 1
        };
        let split = cols.partition_point(|&c| c < range.mid());
        let has_left = split > 0;
        let has_right = split < cols.len();
        let left = if has_left {
            self.visit(
                range.left(),
                depth + 1,
                &cols[..split],
                Parent::Left(job),
                bits_compress,
            )
        } else {
            SummarySource::Empty
        };
        let right = if has_right {
            self.visit(
                range.right(),
                depth + 1,
                &cols[split..],
                Parent::Right(job),
                bits_compress,
            )
        } else {
            SummarySource::Empty
        };
        let level = self.depth_mut(depth);
        level.has_left[job] = has_left;
        level.has_right[job] = has_right;
        level.left_summary[job] = left;
        if range.n_cols() <= bits_compress {
            level.bits.push(BitsFeature {
                n_cols: range.n_cols(),
                ones: cols.iter().map(|&c| range.hi - 1 - c).collect(),
            });
            SummarySource::Bits(level.bits.len() - 1)
        } else {
            level.cells.push((left, right));
            SummarySource::Cell(level.cells.len() - 1)
        }
    }

    fn fenwick_schedule(sizes: &[usize]) -> FenwickPlan {
        let num_rows: usize = sizes.iter().sum();
        let mut merges: Vec<Vec<(usize, usize)>> = Vec::new();
        // offsets[k][g]: where graph g's level-k blocks start in the level-k table.
        let mut offsets: Vec<Vec<usize>> = vec![
            sizes
                .iter()
                .scan(0, |acc, &n| {
                    let start = *acc;
                    *acc += n;
                    Some(start)
                })
                .collect(),
        ];
        let mut level = 1;
        while sizes.iter().any(|&n| n >> level > 0) {
            let mut pairs = Vec::new();
            let mut starts = Vec::with_capacity(sizes.len());
            for (g, &n) in sizes.iter().enumerate() {
                starts.push(pairs.len());
                let below = offsets[level - 1][g];
                for j in 0..(n >> level) {
                    pairs.push((below + 2 * j, below + 2 * j + 1));
                }
            }
            merges.push(pairs);
            offsets.push(starts);
            level += 1;
        }
        // Joint table: [init; level 0 (num_rows); level 1; …].
        let mut joint_offsets = vec![1usize];
        let mut acc = 1 + num_rows;
        for pairs in &merges {
            joint_offsets.push(acc);
            acc += pairs.len();
        }
        let mut blocks = Vec::with_capacity(num_rows);
        for (g, &n) in sizes.iter().enumerate() {
            for i in 0..n {
                if i == 0 {
                    blocks.push(vec![0]);
                    continue;
                }
                blocks.push(
                    fenwick_blocks(i)
                        .into_iter()
                        .map(|(lv, idx)| joint_offsets[lv] + offsets[lv][g] + idx)
                        .collect(),
                );
            }
        }
        FenwickPlan {
            merges,
            steps: fold_steps(&blocks),
            blocks,
            incoming: Vec::new(),
            outgoing: Vec::new(),
        }
    }

    /// Total number of rows (nodes) in the batch.
    pub fn num_rows(&self) -> usize {
        self.has_ch.len()
    }

    /// Number of sequential stages of each phase: (tree depths, Fenwick merge levels, prefix
    /// fold steps).
    pub fn stages(&self) -> (usize, usize, usize) {
        (
            self.depths.len(),
            self.fenwick.merges.len(),
            self.fenwick.steps.len(),
        )
    }
}

/// A random ordered graph (each pair `j < i` an edge with probability `p`) for the tests of
/// this module and of the network.
#[cfg(test)]
pub(crate) fn random_graph(n: usize, p: f64, seed: u64) -> OrderedGraph {
    use rand::{RngExt, SeedableRng, rngs::StdRng};
    let mut rng = StdRng::seed_from_u64(seed);
    let mut pairs = Vec::new();
    for i in 0..n {
        for j in 0..i {
            if rng.random::<f64>() < p {
                pairs.push((i, j));
            }
        }
    }
    OrderedGraph::new(n, &pairs).expect("valid pairs")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tree_leaves_reproduce_the_row() {
        let g = random_graph(70, 0.2, 3);
        for i in 0..g.num_nodes() {
            let tree = RowTree::build(i, g.row(i)).unwrap();
            assert_eq!(tree.leaf_columns(), g.row(i), "row {i}");
            for node in &tree.nodes {
                // Every realised node holds an edge and children split at the midpoint.
                let r = node.range;
                assert!(g.row(i).iter().any(|&c| r.lo <= c && c < r.hi));
                if let Some(l) = node.left {
                    assert_eq!(tree.nodes[l].range, r.left());
                    assert_eq!(tree.nodes[l].depth, node.depth + 1);
                }
                if let Some(rc) = node.right {
                    assert_eq!(tree.nodes[rc].range, r.right());
                }
                assert!(r.is_leaf() || node.left.is_some() || node.right.is_some());
            }
            // Depth is at most ⌈log2 i⌉ + 1.
            let bound = if i <= 1 {
                1
            } else {
                (i as f64).log2().ceil() as usize + 1
            };
            assert!(tree.height() <= bound, "row {i}: {}", tree.height());
        }
        assert!(RowTree::build(3, &[0, 3]).is_err());
        assert!(RowTree::build(5, &[2, 1]).is_err());
    }

    #[test]
    fn midpoint_split_matches_bigg() {
        // Row 5 covers [0, 5): split at 2 into [0, 2) and [2, 5); [2, 5) splits at 3.
        let tree = RowTree::build(5, &[4]).unwrap();
        let ranges: Vec<(usize, usize)> = tree
            .nodes
            .iter()
            .map(|n| (n.range.lo, n.range.hi))
            .collect();
        assert_eq!(ranges, vec![(0, 5), (2, 5), (3, 5), (4, 5)]);
    }

    #[test]
    fn fenwick_blocks_cover_the_prefix_once() {
        for i in 0..300usize {
            let mut covered = vec![0u32; i];
            let blocks = fenwick_blocks(i);
            assert_eq!(blocks.len(), i.count_ones() as usize);
            for w in blocks.windows(2) {
                assert!(w[0].0 < w[1].0, "lowest level first");
            }
            let mut next_end = i;
            for &(level, idx) in &blocks {
                let (lo, hi) = (idx << level, (idx + 1) << level);
                // Most recent block first: the blocks tile [0, i) backwards.
                assert_eq!(hi, next_end);
                next_end = lo;
                for c in &mut covered[lo..hi] {
                    *c += 1;
                }
            }
            assert!(covered.iter().all(|&c| c == 1), "i = {i}");
        }
    }

    #[test]
    fn schedule_has_logarithmic_stages_and_counts_every_decision() {
        let graphs: Vec<OrderedGraph> = [(40, 0.1), (129, 0.05), (7, 0.6)]
            .iter()
            .enumerate()
            .map(|(s, &(n, p))| random_graph(n, p, s as u64))
            .collect();
        let refs: Vec<&OrderedGraph> = graphs.iter().collect();
        for bits in [0, 4] {
            let plan = BatchPlan::build(&refs, bits).unwrap();
            let (depths, merges, folds) = plan.stages();
            // n_max = 129: ⌈log2 128⌉ + 1 tree levels, ⌊log2 129⌋ merge levels and at most
            // popcount − 1 ≤ 6 fold steps.
            assert!(depths <= 8, "{depths}");
            assert_eq!(merges, 7);
            assert!(folds <= 6);
            assert_eq!(plan.num_rows(), 40 + 129 + 7);
            // One has-left decision per realised internal node of every row tree.
            let internal: usize = graphs
                .iter()
                .flat_map(|g| {
                    (0..g.num_nodes()).map(move |i| {
                        RowTree::build(i, g.row(i))
                            .unwrap()
                            .nodes
                            .iter()
                            .filter(|n| !n.range.is_leaf())
                            .count()
                    })
                })
                .sum();
            let jobs: usize = plan.depths.iter().map(|d| d.parent.len()).sum();
            assert_eq!(jobs, internal);
            // Every internal node is a cell or a bit feature, never both.
            let cells: usize = plan.depths.iter().map(|d| d.cells.len()).sum();
            let bit_feats: usize = plan.depths.iter().map(|d| d.bits.len()).sum();
            assert_eq!(cells + bit_feats, internal);
            if bits == 0 {
                assert_eq!(bit_feats, 0);
            }
            // Fenwick merges: level k has ⌊n / 2^k⌋ blocks per graph.
            for (k, pairs) in plan.fenwick.merges.iter().enumerate() {
                let expected: usize = [40usize, 129, 7].iter().map(|n| n >> (k + 1)).sum();
                assert_eq!(pairs.len(), expected);
            }
            // Each fold step only keeps rows with enough blocks.
            for (t, rows) in plan.fenwick.steps.iter().enumerate() {
                assert!(rows.iter().all(|&r| plan.fenwick.blocks[r].len() > t + 1));
            }
        }
        assert!(BatchPlan::build(&[], 0).is_err());
    }

    #[test]
    fn block_schedules_chain_through_the_fenwick_states() {
        let g = random_graph(45, 0.2, 6);
        for block in [1, 4, 7, 16, 45] {
            let mut rows = 0;
            let mut previous_outgoing = 0;
            for start in (0..45).step_by(block) {
                let end = (start + block).min(45);
                let plan = BatchPlan::build_block(&g, start..end, 4).unwrap();
                let f = &plan.fenwick;
                // In: one state per set bit of the first row, as many as the last block sent.
                let bits: Vec<usize> = (0..8).filter(|b| (start >> b) & 1 == 1).collect();
                assert_eq!(f.incoming, bits);
                assert_eq!(f.incoming.len(), previous_outgoing);
                // Each row folds one block per set bit of its index (the init state for row 0).
                for (k, b) in f.blocks.iter().enumerate() {
                    let i = start + k;
                    assert_eq!(b.len(), (i.count_ones() as usize).max(1), "row {i}");
                }
                // Out: the states after the block, none after the last row.
                let expected = if end < 45 {
                    end.count_ones() as usize
                } else {
                    0
                };
                assert_eq!(f.outgoing.len(), expected);
                previous_outgoing = f.outgoing.len();
                assert_eq!(plan.first_row, start);
                assert_eq!(plan.positions[0], 45 - start);
                rows += plan.num_rows();
            }
            assert_eq!(rows, 45);
        }
        // One block over a whole graph merges what the whole-graph plan merges (the last row
        // is never pushed, so the merge that ends at row 44 is left out).
        let whole = BatchPlan::build(&[&g], 4).unwrap();
        let block = BatchPlan::build_block(&g, 0..45, 4).unwrap();
        assert_eq!(block.depths, whole.depths);
        assert_eq!(block.fenwick.blocks, whole.fenwick.blocks);
        assert_eq!(block.fenwick.steps, whole.fenwick.steps);
        assert!(block.fenwick.incoming.is_empty() && block.fenwick.outgoing.is_empty());
    }

    #[test]
    fn bits_feature_marks_columns_from_the_right() {
        // Row 4, edge to column 1 only, bits_compress 4: the root [0, 4) is low-level.
        let g = OrderedGraph::new(5, &[(4, 1)]).unwrap();
        let plan = BatchPlan::build(&[&g], 4).unwrap();
        assert_eq!(plan.row_summary[4], SummarySource::Bits(0));
        let feat = &plan.depths[0].bits[0];
        assert_eq!(feat.n_cols, 4);
        assert_eq!(feat.ones, vec![2]);
        let mut out = vec![0.0; 6];
        feat.write(&mut out).unwrap();
        assert_eq!(out, vec![-1.0, -1.0, 1.0, -1.0, 0.0, 0.0]);
        assert!(feat.write(&mut [0.0; 3]).is_err());
        let bad = BitsFeature {
            n_cols: 2,
            ones: vec![2],
        };
        assert!(bad.write(&mut [0.0; 4]).is_err());
    }

    #[test]
    fn ordered_graph_checks_input() {
        assert!(OrderedGraph::new(0, &[]).is_err());
        assert!(OrderedGraph::new(3, &[(1, 1)]).is_err());
        assert!(OrderedGraph::new(3, &[(0, 3)]).is_err());
        let g = OrderedGraph::new(4, &[(0, 2), (2, 0), (3, 1)]).unwrap();
        assert_eq!(g.row(2), &[0]);
        assert_eq!(g.num_edges(), 2);
        assert_eq!(g.edges(), vec![(2, 0), (3, 1)]);
    }
}
