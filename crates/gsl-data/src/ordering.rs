//! Node orderings for autoregressive graph generation (BiGG, BiGG-E, GraphRNN).
//!
//! An ordering is a permutation `order` where `order[k]` is the node placed at position `k`;
//! [`relabel`] renames the nodes of an [`EdgeList`] accordingly (node `order[k]` becomes `k`).
//! All traversals read the graph as undirected and visit neighbours in increasing id order, so
//! every ordering is a deterministic function of the graph.
//!
//! ```
//! use gsl_core::EdgeList;
//! use gsl_data::ordering::{bfs_order, relabel};
//!
//! # fn main() -> gsl_core::Result<()> {
//! // A star centred on node 3, plus the isolated node 4.
//! let g = EdgeList::from_pairs(5, &[(3, 0), (3, 1), (3, 2), (0, 3), (1, 3), (2, 3)])?;
//! let order = bfs_order(&g)?;
//! assert_eq!(order, vec![3, 0, 1, 2, 4]);
//! let relabelled = relabel(&g, &order)?;
//! assert_eq!(relabelled.to_csr().neighbors(0), &[1, 2, 3]);
//! # Ok(())
//! # }
//! ```

use std::collections::VecDeque;

use gsl_core::{EdgeList, GslError, Result};

/// Undirected adjacency with sorted, de-duplicated neighbour lists and the weight of each
/// neighbour (the largest weight among the stored directions).
struct Adjacency {
    neighbours: Vec<Vec<(usize, f32)>>,
}

impl Adjacency {
    fn new(edges: &EdgeList) -> Self {
        let n = edges.num_nodes();
        let mut neighbours: Vec<Vec<(usize, f32)>> = vec![Vec::new(); n];
        for (s, d, w) in edges.iter() {
            if s != d {
                neighbours[s].push((d, w));
                neighbours[d].push((s, w));
            }
        }
        for nb in &mut neighbours {
            nb.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)));
            nb.dedup_by_key(|e| e.0);
        }
        Self { neighbours }
    }

    fn len(&self) -> usize {
        self.neighbours.len()
    }

    fn ids(&self, v: usize) -> impl Iterator<Item = usize> + '_ {
        self.neighbours[v].iter().map(|e| e.0)
    }
}

/// Connected components of the graph read as undirected, largest first (ties: the component
/// with the smallest node id first); each component lists its nodes in increasing id order.
pub fn connected_components(edges: &EdgeList) -> Vec<Vec<usize>> {
    components_of(&Adjacency::new(edges))
}

fn components_of(adj: &Adjacency) -> Vec<Vec<usize>> {
    let n = adj.len();
    let mut seen = vec![false; n];
    let mut components = Vec::new();
    for start in 0..n {
        if seen[start] {
            continue;
        }
        seen[start] = true;
        let mut stack = vec![start];
        let mut comp = Vec::new();
        while let Some(v) = stack.pop() {
            comp.push(v);
            for u in adj.ids(v) {
                if !seen[u] {
                    seen[u] = true;
                    stack.push(u);
                }
            }
        }
        comp.sort_unstable();
        components.push(comp);
    }
    // Stable sort keeps the smallest-id-first order among equal sizes.
    components.sort_by_key(|c| std::cmp::Reverse(c.len()));
    components
}

fn check_nonempty(edges: &EdgeList) -> Result<()> {
    if edges.num_nodes() == 0 {
        return Err(GslError::EmptyGraph(
            "an ordering needs at least one node".into(),
        ));
    }
    Ok(())
}

fn check_source(edges: &EdgeList, source: usize) -> Result<()> {
    check_nonempty(edges)?;
    if source >= edges.num_nodes() {
        return Err(GslError::NodeOutOfRange {
            id: source as i64,
            num_nodes: edges.num_nodes(),
        });
    }
    Ok(())
}

fn bfs_from(adj: &Adjacency, source: usize, seen: &mut [bool], out: &mut Vec<usize>) {
    seen[source] = true;
    let mut queue = VecDeque::from([source]);
    while let Some(v) = queue.pop_front() {
        out.push(v);
        for u in adj.ids(v) {
            if !seen[u] {
                seen[u] = true;
                queue.push_back(u);
            }
        }
    }
}

/// Recursive-DFS preorder (networkx `dfs_preorder_nodes`) with an explicit stack of
/// (node, next neighbour position) frames, so deep graphs cannot overflow the call stack.
fn dfs_from(adj: &Adjacency, source: usize, seen: &mut [bool], out: &mut Vec<usize>) {
    seen[source] = true;
    out.push(source);
    let mut stack = vec![(source, 0usize)];
    while let Some(frame) = stack.last_mut() {
        let (v, pos) = *frame;
        match adj.neighbours[v].get(pos) {
            None => {
                stack.pop();
            }
            Some(&(u, _)) => {
                frame.1 += 1;
                if !seen[u] {
                    seen[u] = true;
                    out.push(u);
                    stack.push((u, 0));
                }
            }
        }
    }
}

/// Weighted DFS (BiGG-E's `weighted_dfs_tree`): a stack where the unvisited neighbours of a
/// node are pushed in ascending weight order, so the heaviest is popped (visited) first. Equal
/// weights are popped in increasing id order.
fn weighted_dfs_from(adj: &Adjacency, source: usize, seen: &mut [bool], out: &mut Vec<usize>) {
    let mut stack = vec![source];
    let mut pushes: Vec<(usize, f32)> = Vec::new();
    while let Some(v) = stack.pop() {
        if seen[v] {
            continue;
        }
        seen[v] = true;
        out.push(v);
        pushes.clear();
        pushes.extend(adj.neighbours[v].iter().filter(|e| !seen[e.0]).copied());
        pushes.sort_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)));
        stack.extend(pushes.iter().map(|e| e.0));
    }
}

type Traversal = fn(&Adjacency, usize, &mut [bool], &mut Vec<usize>);

/// Traverses from `first` (if any), then every remaining component, largest first, from its
/// maximum-degree node (smallest id among ties).
fn per_component(edges: &EdgeList, first: Option<usize>, traverse: Traversal) -> Vec<usize> {
    let adj = Adjacency::new(edges);
    let n = adj.len();
    let mut seen = vec![false; n];
    let mut out = Vec::with_capacity(n);
    if let Some(source) = first {
        traverse(&adj, source, &mut seen, &mut out);
    }
    for comp in components_of(&adj) {
        if seen[comp[0]] {
            continue;
        }
        let start = comp
            .iter()
            .copied()
            .max_by_key(|&v| (adj.neighbours[v].len(), std::cmp::Reverse(v)))
            .unwrap_or(comp[0]);
        traverse(&adj, start, &mut seen, &mut out);
    }
    out
}

/// BFS order per connected component (BiGG's `BFS` ordering): components largest first, each
/// traversed from its maximum-degree node (smallest id among ties), neighbours in id order.
pub fn bfs_order(edges: &EdgeList) -> Result<Vec<usize>> {
    check_nonempty(edges)?;
    Ok(per_component(edges, None, bfs_from))
}

/// DFS preorder per connected component (BiGG's `DFS` ordering), with the same component and
/// start rules as [`bfs_order`].
pub fn dfs_order(edges: &EdgeList) -> Result<Vec<usize>> {
    check_nonempty(edges)?;
    Ok(per_component(edges, None, dfs_from))
}

/// Canonical BFS from `source` with neighbours in sorted id order (BiGG-E with a global
/// source; networkx `bfs_tree(G, source, sort_neighbors=sorted)`). Nodes not reachable from
/// `source` follow, component by component as in [`bfs_order`].
pub fn canonical_bfs_order(edges: &EdgeList, source: usize) -> Result<Vec<usize>> {
    check_source(edges, source)?;
    Ok(per_component(edges, Some(source), bfs_from))
}

/// Canonical DFS preorder from `source` with neighbours in sorted id order (networkx
/// `dfs_preorder_nodes` on sorted adjacency). Unreachable nodes follow as in [`dfs_order`].
///
/// ```
/// use gsl_core::EdgeList;
/// use gsl_data::ordering::canonical_dfs_order;
/// # fn main() -> gsl_core::Result<()> {
/// let g = EdgeList::from_pairs(4, &[(0, 2), (2, 1), (0, 3)])?;
/// assert_eq!(canonical_dfs_order(&g, 0)?, vec![0, 2, 1, 3]);
/// # Ok(())
/// # }
/// ```
pub fn canonical_dfs_order(edges: &EdgeList, source: usize) -> Result<Vec<usize>> {
    check_source(edges, source)?;
    Ok(per_component(edges, Some(source), dfs_from))
}

/// Weighted DFS from `source` (BiGG-E's `WeightedDFS`): the heaviest unvisited neighbour is
/// explored first. Unweighted lists behave as if every weight were one. Unreachable nodes
/// follow as in [`dfs_order`], each component explored by the same weighted rule.
pub fn weighted_dfs_order(edges: &EdgeList, source: usize) -> Result<Vec<usize>> {
    check_source(edges, source)?;
    Ok(per_component(edges, Some(source), weighted_dfs_from))
}

/// Checks that `order` is a permutation of `0..num_nodes`.
pub fn check_permutation(order: &[usize], num_nodes: usize) -> Result<()> {
    if order.len() != num_nodes {
        return Err(GslError::shape(
            "permutation length",
            num_nodes,
            order.len(),
        ));
    }
    let mut seen = vec![false; num_nodes];
    for &v in order {
        if v >= num_nodes {
            return Err(GslError::NodeOutOfRange {
                id: v as i64,
                num_nodes,
            });
        }
        if std::mem::replace(&mut seen[v], true) {
            return Err(GslError::invalid(
                "order",
                format!("node {v} appears twice; not a permutation"),
            ));
        }
    }
    Ok(())
}

/// Renames the nodes of `edges` so that node `order[k]` becomes node `k`, keeping weights, and
/// returns the edges sorted by `(src, dst)`.
pub fn relabel(edges: &EdgeList, order: &[usize]) -> Result<EdgeList> {
    check_permutation(order, edges.num_nodes())?;
    let mut new_id = vec![0usize; order.len()];
    for (k, &v) in order.iter().enumerate() {
        new_id[v] = k;
    }
    let mut triples: Vec<(usize, usize, f32)> = edges
        .iter()
        .map(|(s, d, w)| (new_id[s], new_id[d], w))
        .collect();
    triples.sort_by_key(|t| (t.0, t.1));
    let src = triples.iter().map(|t| t.0).collect();
    let dst = triples.iter().map(|t| t.1).collect();
    let weights = edges
        .weights()
        .map(|_| triples.iter().map(|t| t.2).collect());
    EdgeList::new(edges.num_nodes(), src, dst, weights)
}
