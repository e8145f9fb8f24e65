//! Node orbit counts of all graphlets with 2 to 4 nodes: the 15 orbits ORCA reports with
//! `orca node 4` (Hočevar & Demšar 2014, orbit numbering of Pržulj 2007), computed natively.
//!
//! Every connected induced subgraph with at most four nodes is enumerated exactly once with
//! the ESU algorithm (Wernicke 2006, "Efficient detection of network motifs"): a subgraph is
//! grown from its smallest node `r`, only ever adding nodes larger than `r` that are exclusive
//! neighbours of the newest node. The roots are independent, so they run in parallel (rayon);
//! the cost is proportional to the number of connected subgraphs, about `n·d³` for degree `d`.
//!
//! | orbit | graphlet | node |
//! |---|---|---|
//! | 0 | edge | either end |
//! | 1, 2 | path on 3 nodes | end, middle |
//! | 3 | triangle | any |
//! | 4, 5 | path on 4 nodes | end, inner |
//! | 6, 7 | star (claw) | leaf, centre |
//! | 8 | 4-cycle | any |
//! | 9, 10, 11 | paw (triangle + pendant) | pendant, triangle node of degree 2, node of degree 3 |
//! | 12, 13 | diamond (4-cycle + chord) | node of degree 2, node of degree 3 |
//! | 14 | 4-clique | any |

use rayon::prelude::*;

use super::graph::SimpleGraph;

/// Number of node orbits of the graphlets with 2 to 4 nodes.
pub const NUM_ORBITS: usize = 15;

/// The orbit of a node of degree `degree` inside a connected induced subgraph with `size`
/// nodes, `edges` edges and largest internal degree `max_degree`; these four numbers identify
/// the orbit for graphlets of at most four nodes.
fn orbit(size: usize, edges: usize, max_degree: usize, degree: usize) -> usize {
    match (size, edges, max_degree, degree) {
        (2, ..) => 0,
        (3, 2, _, 1) => 1,
        (3, 2, ..) => 2,
        (3, ..) => 3,
        // Three edges: a star when one node touches all others, else a path.
        (4, 3, 3, 3) => 7,
        (4, 3, 3, _) => 6,
        (4, 3, _, 1) => 4,
        (4, 3, ..) => 5,
        // Four edges: a paw when some node has degree 3, else the 4-cycle.
        (4, 4, 3, 1) => 9,
        (4, 4, 3, 2) => 10,
        (4, 4, 3, _) => 11,
        (4, 4, ..) => 8,
        (4, 5, _, 2) => 12,
        (4, 5, ..) => 13,
        _ => 14,
    }
}

/// Adds one occurrence of the connected induced subgraph on `nodes` to the orbit counts.
fn record(graph: &SimpleGraph, nodes: &[usize], counts: &mut [[u64; NUM_ORBITS]]) {
    let k = nodes.len();
    let mut degree = [0usize; 4];
    let mut edges = 0;
    for a in 0..k {
        for b in a + 1..k {
            if graph.has_edge(nodes[a], nodes[b]) {
                degree[a] += 1;
                degree[b] += 1;
                edges += 1;
            }
        }
    }
    let max_degree = degree[..k].iter().copied().max().unwrap_or(0);
    for a in 0..k {
        counts[nodes[a]][orbit(k, edges, max_degree, degree[a])] += 1;
    }
}

/// ESU extension step: `nodes` is the current connected subgraph, rooted at `nodes[0]` (its
/// smallest node), and `extension` the nodes that may still be added. Subgraphs of two or more
/// nodes are recorded on entry.
fn extend(
    graph: &SimpleGraph,
    nodes: &mut Vec<usize>,
    mut extension: Vec<usize>,
    counts: &mut [[u64; NUM_ORBITS]],
) {
    if nodes.len() >= 2 {
        record(graph, nodes, counts);
    }
    if nodes.len() == 4 {
        return;
    }
    let root = nodes[0];
    while let Some(w) = extension.pop() {
        // Exclusive neighbours of w: larger than the root, outside the subgraph and not
        // adjacent to it (those are reached through another choice, so each subgraph is
        // produced once).
        let mut next = extension.clone();
        for &u in graph.neighbors(w) {
            if u > root
                && !nodes.contains(&u)
                && !next.contains(&u)
                && nodes.iter().all(|&x| !graph.has_edge(u, x))
            {
                next.push(u);
            }
        }
        nodes.push(w);
        extend(graph, nodes, next, counts);
        nodes.pop();
    }
}

/// Counts, for every node, how often it occupies each of the 15 orbits (one row per node, the
/// columns of `orca node 4`).
///
/// ```
/// use gsl_gen::eval::{SimpleGraph, orbits::orbit_counts};
/// # fn main() -> gsl_core::Result<()> {
/// // The 4-clique: every node is in one K4 (orbit 14), three triangles (orbit 3) and has
/// // degree 3 (orbit 0).
/// let k4 = SimpleGraph::from_pairs(4, &[(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)])?;
/// let c = orbit_counts(&k4);
/// assert_eq!((c[0][0], c[0][3], c[0][14]), (3, 3, 1));
/// # Ok(())
/// # }
/// ```
pub fn orbit_counts(graph: &SimpleGraph) -> Vec<[u64; NUM_ORBITS]> {
    let n = graph.num_nodes();
    (0..n)
        .into_par_iter()
        .fold(
            || vec![[0u64; NUM_ORBITS]; n],
            |mut counts, root| {
                let extension: Vec<usize> = graph
                    .neighbors(root)
                    .iter()
                    .copied()
                    .filter(|&u| u > root)
                    .collect();
                extend(graph, &mut vec![root], extension, &mut counts);
                counts
            },
        )
        .reduce(
            || vec![[0u64; NUM_ORBITS]; n],
            |mut a, b| {
                for (x, y) in a.iter_mut().zip(b) {
                    for k in 0..NUM_ORBITS {
                        x[k] += y[k];
                    }
                }
                a
            },
        )
}

/// The per-graph orbit descriptor of GraphRNN and GRAN: the orbit counts summed over the nodes
/// and divided by the number of nodes (`np.sum(orca(G), axis=0) / n`). Zero for a graph
/// without nodes.
pub fn mean_orbit_counts(graph: &SimpleGraph) -> Vec<f64> {
    let n = graph.num_nodes();
    let mut total = vec![0.0; NUM_ORBITS];
    if n == 0 {
        return total;
    }
    for row in orbit_counts(graph) {
        for (t, c) in total.iter_mut().zip(row) {
            *t += c as f64;
        }
    }
    total.iter_mut().for_each(|t| *t /= n as f64);
    total
}

#[cfg(test)]
// Tests build one-graph slices by cloning, which reads better than `slice::from_ref`.
#[allow(clippy::cloned_ref_to_slice_refs)]
mod tests {
    use super::*;
    use gsl_core::train::seeded_rng;
    use rand::RngExt;

    /// Orbit counts by brute force: every 1–3-subset and 4-subset of nodes, kept when the
    /// induced subgraph is connected, classified from its sorted degree sequence (an
    /// enumeration independent of ESU).
    fn brute_force(g: &SimpleGraph) -> Vec<[u64; NUM_ORBITS]> {
        let n = g.num_nodes();
        let mut counts = vec![[0u64; NUM_ORBITS]; n];
        let mut subsets: Vec<Vec<usize>> = Vec::new();
        for a in 0..n {
            for b in a + 1..n {
                subsets.push(vec![a, b]);
                for c in b + 1..n {
                    subsets.push(vec![a, b, c]);
                    for d in c + 1..n {
                        subsets.push(vec![a, b, c, d]);
                    }
                }
            }
        }
        for s in subsets {
            let k = s.len();
            let deg: Vec<usize> = s
                .iter()
                .map(|&u| s.iter().filter(|&&v| g.has_edge(u, v)).count())
                .collect();
            let m: usize = deg.iter().sum::<usize>() / 2;
            // Connected: enough edges and, for 4 nodes, no isolated node and not two disjoint
            // edges (the only disconnected 4-node graphs with ≥ 3 edges have an isolated node).
            let connected = match k {
                2 => m == 1,
                3 => m >= 2,
                _ => m >= 3 && deg.iter().all(|&d| d > 0),
            };
            if !connected {
                continue;
            }
            let mut sorted = deg.clone();
            sorted.sort_unstable();
            for (i, &u) in s.iter().enumerate() {
                let o = match (k, sorted.as_slice(), deg[i]) {
                    (2, _, _) => 0,
                    (3, [1, 1, 2], 1) => 1,
                    (3, [1, 1, 2], 2) => 2,
                    (3, [2, 2, 2], _) => 3,
                    (4, [1, 1, 2, 2], 1) => 4,
                    (4, [1, 1, 2, 2], 2) => 5,
                    (4, [1, 1, 1, 3], 1) => 6,
                    (4, [1, 1, 1, 3], 3) => 7,
                    (4, [2, 2, 2, 2], _) => 8,
                    (4, [1, 2, 2, 3], 1) => 9,
                    (4, [1, 2, 2, 3], 2) => 10,
                    (4, [1, 2, 2, 3], 3) => 11,
                    (4, [2, 2, 3, 3], 2) => 12,
                    (4, [2, 2, 3, 3], 3) => 13,
                    (4, [3, 3, 3, 3], _) => 14,
                    other => panic!("unexpected subgraph {other:?}"),
                };
                counts[u][o] += 1;
            }
        }
        counts
    }

    fn random_graph(n: usize, p: f64, seed: u64) -> SimpleGraph {
        let mut rng = seeded_rng(seed);
        let mut pairs = Vec::new();
        for i in 0..n {
            for j in i + 1..n {
                if rng.random::<f64>() < p {
                    pairs.push((i, j));
                }
            }
        }
        SimpleGraph::from_pairs(n, &pairs).unwrap()
    }

    #[test]
    fn esu_counts_equal_brute_force_on_random_graphs() {
        for (seed, (n, p)) in [(9, 0.3), (12, 0.25), (14, 0.4), (10, 0.7), (13, 0.15)]
            .into_iter()
            .enumerate()
        {
            let g = random_graph(n, p, seed as u64);
            assert_eq!(orbit_counts(&g), brute_force(&g), "n = {n}, p = {p}");
        }
    }

    #[test]
    fn closed_forms_on_cliques_stars_and_cycles() {
        // K6: each node is in C(5, 3) = 10 four-cliques and C(5, 2) = 10 triangles.
        let mut pairs = Vec::new();
        for i in 0..6 {
            for j in i + 1..6 {
                pairs.push((i, j));
            }
        }
        let k6 = orbit_counts(&SimpleGraph::from_pairs(6, &pairs).unwrap());
        let mut want = [0u64; NUM_ORBITS];
        want[0] = 5;
        want[3] = 10;
        want[14] = 10;
        assert!(k6.iter().all(|row| *row == want));
        // Star with 5 leaves: the centre is the centre of C(5, 3) claws and the middle of
        // C(5, 2) 3-paths; a leaf is a claw leaf C(4, 2) times and a path end 4 times.
        let star = SimpleGraph::from_pairs(6, &[(0, 1), (0, 2), (0, 3), (0, 4), (0, 5)]).unwrap();
        let c = orbit_counts(&star);
        assert_eq!((c[0][0], c[0][2], c[0][7]), (5, 10, 10));
        assert_eq!((c[1][0], c[1][1], c[1][6]), (1, 4, 6));
        // C7: every node ends two 3-paths, is the middle of one, ends two 4-paths and is inner
        // in two.
        let ring: Vec<(usize, usize)> = (0..7).map(|i| (i, (i + 1) % 7)).collect();
        let c = orbit_counts(&SimpleGraph::from_pairs(7, &ring).unwrap());
        let mut want = [0u64; NUM_ORBITS];
        (want[0], want[1], want[2], want[4], want[5]) = (2, 2, 1, 2, 2);
        assert!(c.iter().all(|row| *row == want));
    }

    #[test]
    fn mean_counts_divide_by_nodes() {
        let path = SimpleGraph::from_pairs(3, &[(0, 1), (1, 2)]).unwrap();
        let m = mean_orbit_counts(&path);
        // Orbit 0: degrees 1 + 2 + 1 = 4; orbit 1: two ends; orbit 2: one middle.
        assert!((m[0] - 4.0 / 3.0).abs() < 1e-12);
        assert!((m[1] - 2.0 / 3.0).abs() < 1e-12);
        assert!((m[2] - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(
            mean_orbit_counts(&SimpleGraph::from_pairs(0, &[]).unwrap()),
            vec![0.0; 15]
        );
    }
}
