//! Node orderings: permutation and traversal invariants, agreement with networkx, errors.

use std::collections::{BTreeMap, VecDeque};

use gsl_core::{EdgeList, GslError};
use gsl_data::ensembles::{BifurcatingTree, ErdosRenyi, Generator};
use gsl_data::ordering::{
    bfs_order, canonical_bfs_order, canonical_dfs_order, check_permutation, connected_components,
    dfs_order, relabel, weighted_dfs_order,
};

fn undirected(n: usize, pairs: &[(usize, usize)]) -> EdgeList {
    EdgeList::from_pairs(n, pairs)
        .unwrap()
        .build(Default::default())
        .unwrap()
}

fn is_permutation(order: &[usize], n: usize) -> bool {
    let mut sorted = order.to_vec();
    sorted.sort_unstable();
    sorted == (0..n).collect::<Vec<_>>()
}

/// Hop distance from `source` to every node (usize::MAX when unreachable).
fn distances(g: &EdgeList, source: usize) -> Vec<usize> {
    let csr = g.to_csr();
    let mut dist = vec![usize::MAX; g.num_nodes()];
    dist[source] = 0;
    let mut queue = VecDeque::from([source]);
    while let Some(v) = queue.pop_front() {
        for &u in csr.neighbors(v) {
            if dist[u] == usize::MAX {
                dist[u] = dist[v] + 1;
                queue.push_back(u);
            }
        }
    }
    dist
}

#[derive(serde::Deserialize)]
struct Case {
    name: String,
    num_nodes: usize,
    edges: Vec<(usize, usize)>,
    bfs_from: BTreeMap<String, Vec<usize>>,
    dfs_from: BTreeMap<String, Vec<usize>>,
    bfs_order: Vec<usize>,
    dfs_order: Vec<usize>,
}

#[derive(serde::Deserialize)]
struct Fixture {
    cases: Vec<Case>,
}

#[test]
fn orderings_match_networkx_with_sorted_neighbours() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/orderings.json"
    ))
    .unwrap();
    let fixture: Fixture = serde_json::from_str(&text).unwrap();
    assert_eq!(fixture.cases.len(), 3);
    for case in &fixture.cases {
        let g = undirected(case.num_nodes, &case.edges);
        let reachable = |s: usize| {
            distances(&g, s)
                .iter()
                .filter(|&&d| d != usize::MAX)
                .count()
        };
        for (source, expected) in &case.bfs_from {
            let s: usize = source.parse().unwrap();
            let order = canonical_bfs_order(&g, s).unwrap();
            // networkx's bfs_tree only covers the source's component; the rest follows it.
            assert_eq!(
                &order[..reachable(s)],
                &expected[..],
                "{} bfs from {s}",
                case.name
            );
        }
        for (source, expected) in &case.dfs_from {
            let s: usize = source.parse().unwrap();
            let order = canonical_dfs_order(&g, s).unwrap();
            assert_eq!(
                &order[..reachable(s)],
                &expected[..],
                "{} dfs from {s}",
                case.name
            );
        }
        assert_eq!(bfs_order(&g).unwrap(), case.bfs_order, "{} BFS", case.name);
        assert_eq!(dfs_order(&g).unwrap(), case.dfs_order, "{} DFS", case.name);
    }
}

#[test]
fn orderings_are_permutations_and_bfs_levels_are_monotone() {
    for seed in 0..20 {
        let g = ErdosRenyi::new(60, 0.03).sample(seed).unwrap();
        let n = g.num_nodes();
        let source = (seed as usize * 7) % n;
        let weighted = gsl_data::weights::apply_weights(
            &g,
            &gsl_data::weights::WeightModel::Uniform {
                low: 0.0,
                high: 1.0,
            },
            seed,
        )
        .unwrap();
        let orders = [
            bfs_order(&g).unwrap(),
            dfs_order(&g).unwrap(),
            canonical_bfs_order(&g, source).unwrap(),
            canonical_dfs_order(&g, source).unwrap(),
            weighted_dfs_order(&weighted, source).unwrap(),
        ];
        for order in &orders {
            assert!(is_permutation(order, n));
        }
        // Along a BFS order the distance from the source never decreases (within its component).
        let canonical = &orders[2];
        let dist = distances(&g, source);
        let reach = dist.iter().filter(|&&d| d != usize::MAX).count();
        assert_eq!(canonical[0], source);
        assert!(
            canonical[..reach]
                .windows(2)
                .all(|w| dist[w[0]] <= dist[w[1]])
        );
        // Per-component orders list the components contiguously, largest first.
        let comps = connected_components(&g);
        let mut pos = 0;
        for comp in &comps {
            let mut block = orders[0][pos..pos + comp.len()].to_vec();
            block.sort_unstable();
            assert_eq!(&block, comp);
            pos += comp.len();
        }
        assert!(comps.windows(2).all(|w| w[0].len() >= w[1].len()));
    }
}

#[test]
fn dfs_preorder_is_a_valid_depth_first_order() {
    // In a DFS preorder every node after the first of its component is adjacent to some node on
    // the current root path; on a tree that means its parent was visited before it.
    let tree = BifurcatingTree::new(30).sample(3).unwrap();
    let order = canonical_dfs_order(&tree, 0).unwrap();
    let csr = tree.to_csr();
    let mut position = vec![0; tree.num_nodes()];
    for (k, &v) in order.iter().enumerate() {
        position[v] = k;
    }
    // The subtree of every node occupies a contiguous range right after it.
    let dist = distances(&tree, 0);
    for &v in &order[1..] {
        let parent = csr
            .neighbors(v)
            .iter()
            .copied()
            .find(|&u| dist[u] + 1 == dist[v])
            .unwrap();
        assert!(position[parent] < position[v]);
    }
    for v in 0..tree.num_nodes() {
        let subtree: Vec<usize> = (0..tree.num_nodes())
            .filter(|&u| {
                // u is in v's subtree when the path from u to the root passes through v.
                let mut x = u;
                loop {
                    if x == v {
                        return true;
                    }
                    if x == 0 {
                        return false;
                    }
                    x = csr
                        .neighbors(x)
                        .iter()
                        .copied()
                        .find(|&p| dist[p] + 1 == dist[x])
                        .unwrap();
                }
            })
            .map(|u| position[u])
            .collect();
        let (lo, hi) = (subtree.iter().min().unwrap(), subtree.iter().max().unwrap());
        assert_eq!(hi - lo + 1, subtree.len());
        assert_eq!(*lo, position[v]);
    }
}

#[test]
fn weighted_dfs_takes_the_heaviest_edge_first() {
    // 0 has neighbours 1 (0.2), 2 (0.9), 3 (0.5); 2 has a child 4 (0.1); 1 has a child 5 (0.7).
    let g = EdgeList::from_weighted(
        6,
        &[
            (0, 1, 0.2),
            (0, 2, 0.9),
            (0, 3, 0.5),
            (2, 4, 0.1),
            (1, 5, 0.7),
        ],
    )
    .unwrap()
    .build(Default::default())
    .unwrap();
    assert_eq!(weighted_dfs_order(&g, 0).unwrap(), vec![0, 2, 4, 3, 1, 5]);
    // Unweighted: ties are broken by increasing id, which is the canonical DFS.
    let unweighted = undirected(6, &[(0, 1), (0, 2), (0, 3), (2, 4), (1, 5)]);
    assert_eq!(
        weighted_dfs_order(&unweighted, 0).unwrap(),
        canonical_dfs_order(&unweighted, 0).unwrap()
    );
}

#[test]
fn relabel_is_an_isomorphism_and_inverts() {
    let g = ErdosRenyi::new(25, 0.2).sample(9).unwrap();
    let g = gsl_data::weights::apply_weights(
        &g,
        &gsl_data::weights::WeightModel::Uniform {
            low: 1.0,
            high: 2.0,
        },
        1,
    )
    .unwrap();
    let order = dfs_order(&g).unwrap();
    let h = relabel(&g, &order).unwrap();
    assert_eq!(h.num_edges(), g.num_edges());
    // Edge (order[a], order[b]) of g is edge (a, b) of h with the same weight.
    let gmap: BTreeMap<(usize, usize), f32> = g.iter().map(|(s, d, w)| ((s, d), w)).collect();
    for (a, b, w) in h.iter() {
        assert_eq!(gmap[&(order[a], order[b])], w);
    }
    // Relabelling h by the inverse permutation (node v of g is node position[v] of h) gives g.
    let mut back_order = vec![0; order.len()];
    for (k, &v) in order.iter().enumerate() {
        back_order[v] = k;
    }
    assert_eq!(relabel(&h, &back_order).unwrap(), g);
}

#[test]
fn ordering_errors() {
    let g = undirected(4, &[(0, 1), (1, 2)]);
    let empty = EdgeList::from_pairs(0, &[]).unwrap();
    assert!(matches!(bfs_order(&empty), Err(GslError::EmptyGraph(_))));
    assert!(matches!(dfs_order(&empty), Err(GslError::EmptyGraph(_))));
    assert!(matches!(
        canonical_bfs_order(&g, 4),
        Err(GslError::NodeOutOfRange {
            id: 4,
            num_nodes: 4
        })
    ));
    assert!(matches!(
        canonical_dfs_order(&g, 9),
        Err(GslError::NodeOutOfRange { .. })
    ));
    assert!(matches!(
        weighted_dfs_order(&g, 4),
        Err(GslError::NodeOutOfRange { .. })
    ));
    assert!(matches!(
        relabel(&g, &[0, 1, 2]),
        Err(GslError::ShapeMismatch { .. })
    ));
    assert!(matches!(
        relabel(&g, &[0, 1, 1, 3]),
        Err(GslError::InvalidArgument { .. })
    ));
    assert!(matches!(
        check_permutation(&[0, 5, 1, 2], 4),
        Err(GslError::NodeOutOfRange { .. })
    ));
    // An isolated node is its own component and comes last.
    assert_eq!(bfs_order(&g).unwrap(), vec![1, 0, 2, 3]);
}
