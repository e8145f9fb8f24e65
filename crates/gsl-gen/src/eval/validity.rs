//! Validity checks for generated graphs of the benchmark families.
//!
//! - [`is_tree`]: connected with `n − 1` edges (`nx.is_tree`);
//! - [`is_bifurcating_tree`]: BiGG-E's tree family (`is_bifurcating_tree` in its
//!   `graph_stats.py`);
//! - [`is_lobster_gran`]: GRAN's `is_lobster_graph` (remove the leaves twice, a path remains);
//! - [`is_lobster_bigge`]: BiGG-E's own formulation `is_lobster` (prune once, then no node
//!   of degree ≥ 3 may have three neighbours of degree ≥ 2);
//! - [`is_cycle`] (up to isomorphism) and [`is_cycle_dgmg`] (DGMG's index-specific check).
//!
//! [`validity_rate`] gives the fraction of a list that passes a check.

use gsl_core::{GslError, Result};

use super::graph::SimpleGraph;

/// Which validity rule to apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Validity {
    /// [`is_tree`].
    Tree,
    /// [`is_bifurcating_tree`].
    BifurcatingTree,
    /// [`is_lobster_gran`].
    LobsterGran,
    /// [`is_lobster_bigge`].
    LobsterBigge,
    /// [`is_cycle`].
    Cycle,
    /// [`is_cycle_dgmg`].
    CycleDgmg,
}

impl Validity {
    /// Applies the rule to one graph.
    pub fn check(self, graph: &SimpleGraph) -> bool {
        match self {
            Validity::Tree => is_tree(graph),
            Validity::BifurcatingTree => is_bifurcating_tree(graph),
            Validity::LobsterGran => is_lobster_gran(graph),
            Validity::LobsterBigge => is_lobster_bigge(graph),
            Validity::Cycle => is_cycle(graph),
            Validity::CycleDgmg => is_cycle_dgmg(graph),
        }
    }

    /// A short name for tables.
    pub fn name(self) -> &'static str {
        match self {
            Validity::Tree => "tree",
            Validity::BifurcatingTree => "bifurcating tree",
            Validity::LobsterGran => "lobster (GRAN rule)",
            Validity::LobsterBigge => "lobster (BiGG-E rule)",
            Validity::Cycle => "cycle",
            Validity::CycleDgmg => "cycle (DGMG, by index)",
        }
    }
}

/// Whether every node is reachable from node 0 (false for a graph without nodes).
fn is_connected(graph: &SimpleGraph) -> bool {
    let n = graph.num_nodes();
    if n == 0 {
        return false;
    }
    let mut seen = vec![false; n];
    let mut stack = vec![0];
    seen[0] = true;
    let mut count = 1;
    while let Some(v) = stack.pop() {
        for &u in graph.neighbors(v) {
            if !seen[u] {
                seen[u] = true;
                count += 1;
                stack.push(u);
            }
        }
    }
    count == n
}

/// A tree: at least one node, connected, `n − 1` edges.
pub fn is_tree(graph: &SimpleGraph) -> bool {
    graph.num_nodes() > 0 && graph.num_edges() + 1 == graph.num_nodes() && is_connected(graph)
}

/// BiGG-E's bifurcating tree: a tree with exactly one node of degree 2 (the root) and every
/// other node of degree 1 (leaves) or 3 (internal). The degree sum then forces
/// `L = I + 2` leaves and `n = 2L − 1`, the other two conditions BiGG-E checks.
pub fn is_bifurcating_tree(graph: &SimpleGraph) -> bool {
    if !is_tree(graph) {
        return false;
    }
    let n = graph.num_nodes();
    let roots = (0..n).filter(|&v| graph.degree(v) == 2).count();
    roots == 1 && (0..n).all(|v| matches!(graph.degree(v), 1..=3))
}

/// Degrees after deleting the nodes flagged in `removed`.
fn degrees_without(graph: &SimpleGraph, removed: &[bool]) -> Vec<usize> {
    (0..graph.num_nodes())
        .map(|v| graph.neighbors(v).iter().filter(|&&u| !removed[u]).count())
        .collect()
}

/// Marks the current leaves (degree 1 among the nodes not yet removed) as removed.
fn remove_leaves(graph: &SimpleGraph, removed: &mut [bool]) {
    let deg = degrees_without(graph, removed);
    for v in 0..graph.num_nodes() {
        if !removed[v] && deg[v] == 1 {
            removed[v] = true;
        }
    }
}

/// GRAN's lobster rule (`is_lobster_graph`): a tree which, after removing its leaves twice,
/// is a path (exactly two nodes of degree 1 and all others of degree 2) or has no node of
/// degree 1 or 2 left (a single node, or nothing).
pub fn is_lobster_gran(graph: &SimpleGraph) -> bool {
    if !is_tree(graph) {
        return false;
    }
    let mut removed = vec![false; graph.num_nodes()];
    remove_leaves(graph, &mut removed);
    remove_leaves(graph, &mut removed);
    let deg = degrees_without(graph, &removed);
    let alive: Vec<usize> = (0..graph.num_nodes()).filter(|&v| !removed[v]).collect();
    let ones = alive.iter().filter(|&&v| deg[v] == 1).count();
    let twos = alive.iter().filter(|&&v| deg[v] == 2).count();
    (ones == 2 && twos + 2 == alive.len()) || (ones == 0 && twos == 0)
}

/// BiGG-E's lobster rule (`is_lobster`): a tree in which, after removing the leaves once, no
/// node of degree ≥ 3 has more than two neighbours of degree ≥ 2 (degrees in the pruned tree).
pub fn is_lobster_bigge(graph: &SimpleGraph) -> bool {
    if !is_tree(graph) {
        return false;
    }
    let mut removed = vec![false; graph.num_nodes()];
    remove_leaves(graph, &mut removed);
    let deg = degrees_without(graph, &removed);
    (0..graph.num_nodes())
        .filter(|&v| !removed[v] && deg[v] >= 3)
        .all(|v| {
            graph
                .neighbors(v)
                .iter()
                .filter(|&&u| !removed[u] && deg[u] >= 2)
                .count()
                <= 2
        })
}

/// A cycle up to isomorphism: at least three nodes, connected, every degree 2.
pub fn is_cycle(graph: &SimpleGraph) -> bool {
    let n = graph.num_nodes();
    n >= 3 && (0..n).all(|v| graph.degree(v) == 2) && is_connected(graph)
}

/// DGMG's `is_cycle` (DGL example `cycles.py`): at least three nodes and node `i` adjacent to
/// exactly `(i − 1) mod n` and `(i + 1) mod n`. It depends on the node ids, not only on the
/// shape.
pub fn is_cycle_dgmg(graph: &SimpleGraph) -> bool {
    let n = graph.num_nodes();
    n >= 3
        && (0..n).all(|i| {
            graph.degree(i) == 2
                && graph.has_edge(i, (i + 1) % n)
                && graph.has_edge(i, (i + n - 1) % n)
        })
}

/// Fraction of `graphs` passing `rule`. Fails on an empty list.
pub fn validity_rate(graphs: &[SimpleGraph], rule: Validity) -> Result<f64> {
    if graphs.is_empty() {
        return Err(GslError::invalid("graphs", "validity of an empty list"));
    }
    let ok = graphs.iter().filter(|g| rule.check(g)).count();
    Ok(ok as f64 / graphs.len() as f64)
}

#[cfg(test)]
// Tests build one-graph slices by cloning, which reads better than `slice::from_ref`.
#[allow(clippy::cloned_ref_to_slice_refs)]
mod tests {
    use super::*;
    use gsl_data::ensembles::{BifurcatingTree, Cycle, Generator, Grid2d, Lobster};

    fn g(n: usize, pairs: &[(usize, usize)]) -> SimpleGraph {
        SimpleGraph::from_pairs(n, pairs).unwrap()
    }

    fn from(edges: &gsl_core::EdgeList) -> SimpleGraph {
        SimpleGraph::from_edges(edges).unwrap()
    }

    #[test]
    fn generated_families_pass_their_rules() {
        for seed in 0..5 {
            let t = from(&BifurcatingTree::new(20).sample(seed).unwrap());
            assert!(is_tree(&t) && is_bifurcating_tree(&t));
            let l = from(&Lobster::default().sample(seed).unwrap());
            assert!(is_lobster_gran(&l), "seed {seed}");
            assert!(is_lobster_bigge(&l), "seed {seed}");
            let c = from(&Cycle::new(5, 12).sample(seed).unwrap());
            assert!(is_cycle(&c) && is_cycle_dgmg(&c));
        }
    }

    #[test]
    fn known_non_members_are_rejected() {
        let grid = from(&Grid2d::new(3, 3).sample(0).unwrap());
        for rule in [
            Validity::Tree,
            Validity::BifurcatingTree,
            Validity::LobsterGran,
            Validity::LobsterBigge,
            Validity::Cycle,
            Validity::CycleDgmg,
        ] {
            assert!(!rule.check(&grid), "{}", rule.name());
        }
        // A path of 5 is a tree but not bifurcating (three nodes of degree 2).
        let path = g(5, &[(0, 1), (1, 2), (2, 3), (3, 4)]);
        assert!(is_tree(&path) && !is_bifurcating_tree(&path));
        // Two disjoint edges: n − 1 edges fails, not connected.
        assert!(!is_tree(&g(4, &[(0, 1), (2, 3)])));
        // A spider with three legs of length 3 is a tree but not a lobster under GRAN's rule
        // (two rounds of leaf removal leave a claw, not a path).
        let spider = g(
            10,
            &[
                (0, 1),
                (1, 2),
                (2, 3),
                (0, 4),
                (4, 5),
                (5, 6),
                (0, 7),
                (7, 8),
                (8, 9),
            ],
        );
        assert!(!is_lobster_gran(&spider));
        // BiGG-E's rule: after one removal the centre has three neighbours of degree ≥ 2.
        assert!(!is_lobster_bigge(&spider));
        // Three legs of length 2 around a centre is a lobster under both rules.
        let claw2 = g(7, &[(0, 1), (1, 2), (0, 3), (3, 4), (0, 5), (5, 6)]);
        assert!(is_lobster_gran(&claw2) && is_lobster_bigge(&claw2));
        // A ring relabelled out of index order is a cycle but fails DGMG's index check.
        let ring = g(5, &[(0, 2), (2, 1), (1, 3), (3, 4), (4, 0)]);
        assert!(is_cycle(&ring) && !is_cycle_dgmg(&ring));
        assert!(!is_cycle(&g(3, &[(0, 1), (1, 2)])));
    }

    #[test]
    fn rates_and_empty_lists() {
        let tree = g(3, &[(0, 1), (1, 2)]);
        let ring = g(3, &[(0, 1), (1, 2), (2, 0)]);
        let rate = validity_rate(&[tree.clone(), ring.clone(), tree], Validity::Tree).unwrap();
        assert!((rate - 2.0 / 3.0).abs() < 1e-12);
        assert!(validity_rate(&[], Validity::Tree).is_err());
        assert!(!is_tree(&g(0, &[])));
    }
}
