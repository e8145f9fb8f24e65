//! Random graph ensembles and edge-weight models: statistics against closed forms, structural
//! validity, reproducibility, thread-count independence and parameter errors.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use gsl_core::{EdgeList, GslError};
use gsl_data::ensembles::{
    BaInitialGraph, BarabasiAlbert, BifurcatingTree, Cycle, DegreeCorrectedSbm, ErdosRenyi,
    Generator, Grid2d, Heterophily, JointTree, Lobster, RandomGeometric, RandomTree, Resampled,
    SamplerOptions, Sensor, StochasticBlockModel, WattsStrogatz, derive_seed, edge_density,
    is_connected, undirected_edge_count,
};
use gsl_data::weights::{WeightModel, apply_weights};

/// Sorted neighbour sets.
fn adjacency(g: &EdgeList) -> Vec<BTreeSet<usize>> {
    let mut adj = vec![BTreeSet::new(); g.num_nodes()];
    for (s, d, _) in g.iter() {
        adj[s].insert(d);
    }
    adj
}

/// Checks the invariants every undirected generator output must satisfy: no self-loops, no
/// duplicates, both directions present.
fn assert_simple_undirected(g: &EdgeList) {
    let pairs: HashSet<(usize, usize)> = g
        .src()
        .iter()
        .copied()
        .zip(g.dst().iter().copied())
        .collect();
    assert_eq!(pairs.len(), g.num_edges(), "duplicate edges");
    for &(s, d) in &pairs {
        assert_ne!(s, d, "self-loop");
        assert!(pairs.contains(&(d, s)), "missing reverse of ({s}, {d})");
    }
}

/// Mean local clustering coefficient (nodes of degree < 2 count as 0, like networkx).
fn average_clustering(g: &EdgeList) -> f64 {
    let adj = adjacency(g);
    let total: f64 = adj
        .iter()
        .map(|nb| {
            let k = nb.len();
            if k < 2 {
                return 0.0;
            }
            let nbs: Vec<usize> = nb.iter().copied().collect();
            let mut links = 0;
            for a in 0..k {
                for b in a + 1..k {
                    links += usize::from(adj[nbs[a]].contains(&nbs[b]));
                }
            }
            links as f64 / (k * (k - 1) / 2) as f64
        })
        .sum();
    total / adj.len() as f64
}

fn is_tree(g: &EdgeList) -> bool {
    undirected_edge_count(g) + 1 == g.num_nodes() && is_connected(g)
}

#[test]
fn er_density_matches_p_and_is_unbiased_across_rows() {
    let (n, p, count) = (50usize, 0.1, 400usize);
    let graphs = ErdosRenyi::new(n, p).sample_many(count, 11).unwrap();
    let pairs = (count * n * (n - 1) / 2) as f64;
    let edges: usize = graphs.iter().map(undirected_edge_count).sum();
    let sd = (pairs * p * (1.0 - p)).sqrt() / pairs;
    assert!(
        (edges as f64 / pairs - p).abs() < 4.0 * sd,
        "density {}",
        edges as f64 / pairs
    );
    // The skip sampler walks the lower triangle row by row: the first and last rows (nodes 0
    // and n−1) must get the same expected degree (n−1)p as any other node.
    for node in [0, n / 2, n - 1] {
        let deg: usize = graphs.iter().map(|g| g.to_csr().degree(node)).sum();
        let mean = deg as f64 / count as f64;
        let sd = ((n - 1) as f64 * p * (1.0 - p) / count as f64).sqrt();
        assert!(
            (mean - (n - 1) as f64 * p).abs() < 4.5 * sd,
            "node {node}: {mean}"
        );
    }
    for g in &graphs[..10] {
        assert_simple_undirected(g);
    }
    assert_eq!(ErdosRenyi::new(n, 0.0).sample(1).unwrap().num_edges(), 0);
    assert_eq!(
        ErdosRenyi::new(n, 1.0).sample(1).unwrap().num_edges(),
        n * (n - 1)
    );
    assert_eq!(ErdosRenyi::new(1, 0.5).sample(1).unwrap().num_edges(), 0);
}

#[test]
fn same_seed_same_graph_and_batches_ignore_thread_count() {
    let er = ErdosRenyi::new(80, 0.05);
    assert_eq!(er.sample(5).unwrap(), er.sample(5).unwrap());
    assert_ne!(er.sample(5).unwrap(), er.sample(6).unwrap());
    let generators: Vec<Box<dyn Generator>> = vec![
        Box::new(er),
        Box::new(BarabasiAlbert::new(40, 2)),
        Box::new(WattsStrogatz::new(40, 4, 0.2)),
        Box::new(StochasticBlockModel::default()),
        Box::new(RandomGeometric::default()),
        Box::new(Lobster::default()),
        Box::new(BifurcatingTree::new(20)),
        Box::new(Heterophily::new(100, 3, 6.0, 0.6)),
        Box::new(Sensor::default()),
        Box::new(JointTree::default()),
    ];
    for g in &generators {
        let run = |threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| g.sample_many(8, 42).unwrap())
        };
        let one = run(1);
        assert_eq!(one, run(3));
        // Graph i of a batch is exactly sample(derive_seed(seed, i)).
        assert_eq!(one[5], g.sample(derive_seed(42, 5)).unwrap());
    }
}

#[test]
fn barabasi_albert_edge_count_and_min_degree() {
    for (n, m) in [(20, 3), (100, 1), (60, 5)] {
        for seed in 0..5 {
            let star = BarabasiAlbert::new(n, m).sample(seed).unwrap();
            assert_simple_undirected(&star);
            assert_eq!(undirected_edge_count(&star), m * (n - m));
            assert!(is_connected(&star));
            let complete = BarabasiAlbert::new(n, m)
                .with_initial(BaInitialGraph::Complete)
                .sample(seed)
                .unwrap();
            assert_simple_undirected(&complete);
            assert_eq!(
                undirected_edge_count(&complete),
                m * (n - m) + m * (m - 1) / 2
            );
            let csr = complete.to_csr();
            assert!((0..n).all(|v| csr.degree(v) >= m));
            // Nodes arriving after the seed graph have exactly m edges to older nodes.
            let adj = adjacency(&complete);
            assert!((m + 1..n).all(|v| adj[v].iter().filter(|&&u| u < v).count() == m));
        }
    }
    // Preferential attachment: early nodes end up with far more than the mean degree.
    let g = BarabasiAlbert::new(2000, 2).sample(3).unwrap();
    let csr = g.to_csr();
    let early: f64 = (0..10).map(|v| csr.degree(v) as f64).sum::<f64>() / 10.0;
    assert!(early > 5.0 * 4.0, "early nodes' mean degree {early}");
}

#[test]
fn watts_strogatz_clustering_follows_barrat_weigt() {
    // Ring lattice: C(0) = 3(K − 2) / (4(K − 1)) exactly (Barrat & Weigt 2000).
    let k = 10;
    let c0 = 3.0 * (k as f64 - 2.0) / (4.0 * (k as f64 - 1.0));
    let ring = WattsStrogatz::new(200, k, 0.0).sample(0).unwrap();
    assert!((average_clustering(&ring) - c0).abs() < 1e-12);
    // Small p: C(p) ≈ C(0)(1 − p)³.
    let p = 0.05;
    let graphs = WattsStrogatz::new(1000, k, p).sample_many(3, 1).unwrap();
    let c = graphs.iter().map(average_clustering).sum::<f64>() / 3.0;
    let expected = c0 * (1.0 - p).powi(3);
    assert!((c - expected).abs() < 0.02, "C = {c}, expected {expected}");
    for g in &graphs {
        assert_simple_undirected(g);
        assert_eq!(undirected_edge_count(g), 1000 * k / 2);
    }
    // Odd k is rounded down as in networkx (L2G's k = 5 gives degree 4); p = 1 keeps the count.
    let l2g = WattsStrogatz::default().sample(2).unwrap();
    assert_eq!(undirected_edge_count(&l2g), 50 * 2);
    assert_eq!(
        undirected_edge_count(&WattsStrogatz::new(30, 4, 1.0).sample(2).unwrap()),
        60
    );
}

#[test]
fn sbm_block_densities_match_the_probability_matrix() {
    let sizes = vec![30, 40, 20];
    let probs = vec![
        vec![0.3, 0.05, 0.0],
        vec![0.05, 0.2, 0.1],
        vec![0.0, 0.1, 1.0],
    ];
    let sbm = StochasticBlockModel::new(sizes.clone(), probs.clone());
    let labels = sbm.labels();
    let count = 200;
    let graphs = sbm.sample_many(count, 3).unwrap();
    let mut hits = [[0usize; 3]; 3];
    for g in &graphs {
        for (s, d, _) in g.iter().filter(|&(s, d, _)| s < d) {
            let (a, b) = (labels[s].min(labels[d]), labels[s].max(labels[d]));
            hits[a][b] += 1;
        }
    }
    for r in 0..3 {
        for s in r..3 {
            let pairs = if r == s {
                sizes[r] * (sizes[r] - 1) / 2
            } else {
                sizes[r] * sizes[s]
            } as f64
                * count as f64;
            let p = probs[r][s];
            let density = hits[r][s] as f64 / pairs;
            let sd = (p * (1.0 - p) / pairs).sqrt();
            assert!(
                (density - p).abs() <= 4.0 * sd + 1e-12,
                "block ({r}, {s}): {density} vs {p}"
            );
        }
    }
    // L2G's SBM has 100 nodes in 11 blocks.
    assert_eq!(StochasticBlockModel::default().num_nodes(), 100);
}

#[test]
fn dc_sbm_edge_probabilities_follow_theta() {
    // P(i ~ j) = 1 − exp(−θ_i θ_j p_rs) with θ normalised to mean 1 per block, so the expected
    // degree of node i is Σ_j (1 − exp(−θ_i θ_j p)). Two blocks of 20; θ ∈ {0.5, 1.5} alternating.
    let sizes = vec![20, 20];
    let probs = vec![vec![0.2, 0.02], vec![0.02, 0.1]];
    let theta: Vec<f64> = (0..40)
        .map(|i| if i % 2 == 0 { 1.0 } else { 3.0 })
        .collect();
    let dc = DegreeCorrectedSbm::new(sizes, probs.clone(), theta);
    let norm = dc.normalized_theta().unwrap();
    assert!((norm[0] - 0.5).abs() < 1e-12 && (norm[1] - 1.5).abs() < 1e-12);
    let labels = dc.labels();
    let count = 1000;
    let graphs = dc.sample_many(count, 8).unwrap();
    let mut degree = vec![0usize; 40];
    for g in &graphs {
        assert_simple_undirected(g);
        for &s in g.src() {
            degree[s] += 1;
        }
    }
    for i in [0, 1, 20, 21] {
        let expected: f64 = (0..40)
            .filter(|&j| j != i)
            .map(|j| 1.0 - (-norm[i] * norm[j] * probs[labels[i]][labels[j]]).exp())
            .sum();
        let mean = degree[i] as f64 / count as f64;
        // Degree is a sum of independent Bernoullis: variance ≤ mean.
        let sd = (expected / count as f64).sqrt();
        assert!(
            (mean - expected).abs() < 4.5 * sd,
            "node {i}: {mean} vs {expected}"
        );
    }
}

#[test]
fn random_geometric_matches_brute_force_and_the_disk_overlap_formula() {
    let rgg = RandomGeometric::new(300, 0.1, 2);
    let (g, pos) = rgg.sample_with_positions(4).unwrap();
    let mut expected = 0;
    for i in 0..300 {
        for j in i + 1..300 {
            let d2 = (pos[2 * i] - pos[2 * j]).powi(2) + (pos[2 * i + 1] - pos[2 * j + 1]).powi(2);
            expected += usize::from(d2 <= 0.01);
        }
    }
    assert_eq!(undirected_edge_count(&g), expected);
    assert_simple_undirected(&g);
    // Two uniform points of the unit square are within r ≤ 1 with probability
    // πr² − 8r³/3 + r⁴/2.
    let r: f64 = 0.3;
    let p = std::f64::consts::PI * r * r - 8.0 * r.powi(3) / 3.0 + r.powi(4) / 2.0;
    let graphs = RandomGeometric::new(60, r, 2).sample_many(300, 5).unwrap();
    let density = graphs.iter().map(|g| edge_density(g).unwrap()).sum::<f64>() / 300.0;
    // Edges of one graph are dependent; the 300-graph mean still has sd well below 0.01.
    assert!((density - p).abs() < 0.01, "density {density} vs {p}");
    // 3-D cube, radius √3 joins everything.
    assert_eq!(
        RandomGeometric::new(10, 1.8, 3)
            .sample(0)
            .unwrap()
            .num_edges(),
        90
    );
}

#[test]
fn grid_cycle_and_tree_structure() {
    let g = Grid2d::new(4, 7).sample(0).unwrap();
    assert_eq!(undirected_edge_count(&g), 2 * 28 - 4 - 7);
    let csr = g.to_csr();
    assert_eq!(csr.degree(0), 2);
    assert_eq!(csr.neighbors(8), &[1, 7, 9, 15]);
    assert!(is_connected(&g));

    let cycles = Cycle::default().sample_many(200, 1).unwrap();
    let mut sizes = BTreeSet::new();
    for c in &cycles {
        let n = c.num_nodes();
        sizes.insert(n);
        let adj = adjacency(c);
        // DGMG's is_cycle: node i's neighbours are exactly i ± 1 mod n.
        for (i, nb) in adj.iter().enumerate() {
            assert_eq!(*nb, BTreeSet::from([(i + 1) % n, (i + n - 1) % n]));
        }
    }
    assert_eq!(sizes, (10..=20).collect());

    for l in [2, 3, 50] {
        for seed in 0..5 {
            let t = BifurcatingTree::new(l).sample(seed).unwrap();
            assert_eq!(t.num_nodes(), 2 * l - 1);
            assert!(is_tree(&t));
            let csr = t.to_csr();
            assert_eq!(csr.degree(0), 2);
            let leaves = (0..t.num_nodes()).filter(|&v| csr.degree(v) == 1).count();
            assert_eq!(leaves, l);
            assert!((1..t.num_nodes()).all(|v| matches!(csr.degree(v), 1 | 3)));
        }
    }
}

#[test]
fn random_trees_are_uniform_over_labelled_trees() {
    // Cayley: 4⁴⁻² = 16 labelled trees on 4 nodes, each with probability 1/16.
    let count = 16_000;
    let trees = RandomTree::new(4).sample_many(count, 2).unwrap();
    let mut freq: BTreeMap<Vec<(usize, usize)>, usize> = BTreeMap::new();
    for t in &trees {
        assert!(is_tree(t));
        let key = t.iter().filter(|e| e.0 < e.1).map(|e| (e.0, e.1)).collect();
        *freq.entry(key).or_default() += 1;
    }
    assert_eq!(freq.len(), 16);
    let sd = (1000.0f64 * 15.0 / 16.0).sqrt();
    assert!(
        freq.values().all(|&f| (f as f64 - 1000.0).abs() < 4.5 * sd),
        "{freq:?}"
    );
    for n in [1, 2, 3, 200] {
        assert!(is_tree(&RandomTree::new(n).sample(7).unwrap()));
    }
}

#[test]
fn joint_trees_follow_the_path_length_rule() {
    let jt = JointTree::default();
    for seed in 0..20 {
        let t = jt.sample(seed).unwrap();
        assert!(is_tree(&t));
        assert_simple_undirected(&t);
        // Children of node v are its neighbours with larger ids (BFS creation order).
        let mut children: Vec<Vec<(usize, f64)>> = vec![Vec::new(); t.num_nodes()];
        let mut path = vec![0.0f64; t.num_nodes()];
        for (s, d, w) in t.iter() {
            assert!((0.5..1.5).contains(&w));
            if s < d {
                children[s].push((d, w as f64));
            }
        }
        for v in 0..t.num_nodes() {
            for &(c, w) in &children[v] {
                path[c] = path[v] + w;
            }
        }
        for v in 0..t.num_nodes() {
            if path[v] > 4.0 + 1e-5 {
                assert!(
                    children[v].is_empty(),
                    "node {v} beyond the limit was expanded"
                );
            } else if path[v] < 4.0 - 1e-5 {
                let ws: Vec<f64> = children[v].iter().map(|c| c.1).collect();
                assert!(!ws.is_empty());
                let all: f64 = ws.iter().sum();
                let but_last: f64 = ws[..ws.len() - 1].iter().sum();
                assert!(path[v] + all > 4.0 - 1e-4 && path[v] + but_last <= 4.0 + 1e-4);
            }
        }
    }
}

#[test]
fn lobsters_reduce_to_a_path_after_removing_leaves_twice() {
    let lobsters = Lobster::default().sample_many(100, 1234).unwrap();
    for g in &lobsters {
        assert!((10..=100).contains(&g.num_nodes()));
        assert!(is_tree(g));
        // GRAN's is_lobster_graph: strip the leaves twice; what remains is a path (or empty).
        let mut adj = adjacency(g);
        let mut alive: BTreeSet<usize> = (0..g.num_nodes()).collect();
        for _ in 0..2 {
            let leaves: Vec<usize> = alive
                .iter()
                .copied()
                .filter(|&v| adj[v].len() <= 1)
                .collect();
            for v in leaves {
                alive.remove(&v);
                for u in std::mem::take(&mut adj[v]) {
                    adj[u].remove(&v);
                }
            }
        }
        let degrees: Vec<usize> = alive.iter().map(|&v| adj[v].len()).collect();
        assert!(degrees.iter().all(|&d| d <= 2));
        if alive.len() > 1 {
            assert_eq!(degrees.iter().filter(|&&d| d == 1).count(), 2);
        }
    }
}

#[test]
fn heterophily_ratio_and_classes_are_exact() {
    for (h, c) in [(0.0, 2), (0.35, 3), (0.9, 5), (1.0, 4)] {
        let model = Heterophily::new(301, c, 8.0, h);
        let (g, labels) = model.sample_labelled(17).unwrap();
        assert_simple_undirected(&g);
        let m = (301.0 * 8.0 / 2.0f64).round() as usize;
        assert_eq!(undirected_edge_count(&g), m);
        let cross = g
            .iter()
            .filter(|&(s, d, _)| s < d && labels[s] != labels[d])
            .count();
        assert_eq!(cross, (h * m as f64).round() as usize);
        let mut per_class = vec![0; c];
        labels.iter().for_each(|&l| per_class[l] += 1);
        assert!(per_class.iter().all(|&k| k == 301 / c || k == 301 / c + 1));
    }
}

#[test]
fn sensor_graphs_are_connected_symmetric_knn_graphs() {
    let sensor = Sensor::new(300, 6);
    for seed in 0..3 {
        let (g, pos) = sensor.sample_with_positions(seed).unwrap();
        assert!(is_connected(&g));
        assert_simple_undirected(&g);
        let w: BTreeMap<(usize, usize), f32> = g.iter().map(|(s, d, w)| ((s, d), w)).collect();
        for (&(s, d), &x) in &w {
            assert_eq!(w[&(d, s)], x);
            assert!(x > 0.0 && x <= 1.0);
        }
        // Brute force: each node's 6 nearest points are among its neighbours.
        let adj = adjacency(&g);
        for i in 0..300 {
            let mut d: Vec<(f64, usize)> = (0..300)
                .filter(|&j| j != i)
                .map(|j| {
                    (
                        (pos[2 * i] - pos[2 * j]).powi(2)
                            + (pos[2 * i + 1] - pos[2 * j + 1]).powi(2),
                        j,
                    )
                })
                .collect();
            d.sort_by(|a, b| a.0.total_cmp(&b.0));
            assert!(d[..6].iter().all(|&(_, j)| adj[i].contains(&j)), "node {i}");
            assert!(adj[i].len() >= 6);
        }
    }
}

#[test]
fn resampling_enforces_connectivity_and_density() {
    let options = SamplerOptions {
        require_connected: true,
        min_density: 0.3,
        max_density: 0.4,
        max_attempts: 200,
    };
    let wrapped = Resampled::new(ErdosRenyi::new(20, 0.35), options);
    for g in wrapped.sample_many(20, 0).unwrap() {
        assert!(is_connected(&g));
        let d = edge_density(&g).unwrap();
        assert!((0.3..=0.4).contains(&d));
    }
    // GDN's geometric setting: density in [0.5, 0.6].
    let gdn = Resampled::new(
        RandomGeometric::default(),
        SamplerOptions {
            require_connected: false,
            min_density: 0.5,
            max_density: 0.6,
            max_attempts: 100,
        },
    );
    let d = edge_density(&gdn.sample(50).unwrap()).unwrap();
    assert!((0.5..=0.6).contains(&d));
    // Impossible: ER with p = 0 is never connected.
    let never = Resampled::new(
        ErdosRenyi::new(5, 0.0),
        SamplerOptions {
            require_connected: true,
            ..Default::default()
        },
    );
    assert!(matches!(
        never.sample(0),
        Err(GslError::InvalidArgument { .. })
    ));
    let bad = SamplerOptions {
        min_density: 0.6,
        max_density: 0.5,
        ..Default::default()
    };
    assert!(bad.validate().is_err());
    assert!(
        SamplerOptions {
            max_attempts: 0,
            ..Default::default()
        }
        .validate()
        .is_err()
    );
    assert!(
        SamplerOptions {
            max_density: f64::NAN,
            ..Default::default()
        }
        .validate()
        .is_err()
    );
    assert!(matches!(
        edge_density(&EdgeList::from_pairs(1, &[]).unwrap()),
        Err(GslError::EmptyGraph(_))
    ));
}

#[test]
fn invalid_parameters_are_rejected() {
    fn rejects(g: &dyn Generator) {
        assert!(matches!(
            g.validate(),
            Err(GslError::InvalidArgument { .. } | GslError::ShapeMismatch { .. })
        ));
        assert!(g.sample(0).is_err());
        assert!(g.sample_many(2, 0).is_err());
    }
    rejects(&ErdosRenyi::new(0, 0.5));
    rejects(&ErdosRenyi::new(10, 1.5));
    rejects(&ErdosRenyi::new(10, f64::NAN));
    rejects(&BarabasiAlbert::new(5, 5));
    rejects(&BarabasiAlbert::new(5, 0));
    rejects(&WattsStrogatz::new(10, 10, 0.1));
    rejects(&WattsStrogatz::new(10, 1, 0.1));
    rejects(&WattsStrogatz::new(10, 4, -0.1));
    rejects(&StochasticBlockModel::new(vec![], vec![]));
    rejects(&StochasticBlockModel::new(
        vec![3, 0],
        vec![vec![0.1, 0.1], vec![0.1, 0.1]],
    ));
    rejects(&StochasticBlockModel::new(
        vec![3, 3],
        vec![vec![0.1, 0.2], vec![0.3, 0.1]],
    ));
    rejects(&StochasticBlockModel::new(vec![3, 3], vec![vec![0.1, 0.2]]));
    rejects(&StochasticBlockModel::new(vec![3], vec![vec![1.2]]));
    assert!(StochasticBlockModel::planted(vec![3, 3], &[0.1], 0.0).is_err());
    rejects(&DegreeCorrectedSbm::new(
        vec![2],
        vec![vec![0.5]],
        vec![1.0],
    ));
    rejects(&DegreeCorrectedSbm::new(
        vec![2],
        vec![vec![0.5]],
        vec![1.0, 0.0],
    ));
    rejects(&DegreeCorrectedSbm::new(
        vec![2],
        vec![vec![-0.5]],
        vec![1.0, 1.0],
    ));
    rejects(&RandomGeometric::new(10, -0.1, 2));
    rejects(&RandomGeometric::new(10, 0.1, 0));
    rejects(&RandomGeometric::new(10, f64::INFINITY, 2));
    rejects(&Grid2d::new(0, 3));
    rejects(&Cycle::new(2, 5));
    rejects(&Cycle::new(8, 5));
    rejects(&RandomTree::new(0));
    rejects(&BifurcatingTree::new(1));
    rejects(&JointTree {
        edge_min: 0.0,
        ..Default::default()
    });
    rejects(&JointTree {
        edge_max: 0.4,
        ..Default::default()
    });
    rejects(&JointTree {
        min_path_length: 1e6,
        ..Default::default()
    });
    rejects(&Lobster {
        p1: 1.0,
        ..Default::default()
    });
    rejects(&Lobster {
        min_nodes: 50,
        max_nodes: 40,
        ..Default::default()
    });
    rejects(&Lobster {
        mean_backbone: 0.0,
        ..Default::default()
    });
    rejects(&Heterophily::new(10, 1, 2.0, 0.5));
    rejects(&Heterophily::new(10, 11, 2.0, 0.5));
    rejects(&Heterophily::new(10, 2, 2.0, 1.5));
    rejects(&Heterophily::new(10, 2, 9.5, 0.0)); // 48 same-class edges > 20 available pairs
    rejects(&Sensor::new(10, 10));
    rejects(&Sensor::new(1, 0));
    // A lobster bound that can never be met exhausts its attempts.
    let tiny = Lobster {
        min_nodes: 1000,
        max_nodes: 1000,
        max_attempts: 5,
        ..Default::default()
    };
    assert!(matches!(
        tiny.sample(0),
        Err(GslError::InvalidArgument { .. })
    ));
}

#[test]
fn weights_are_symmetric_and_follow_their_models() {
    let g = Grid2d::new(40, 40).sample(0).unwrap(); // 3120 undirected edges
    let m = undirected_edge_count(&g) as f64;
    let per_pair = |w: &EdgeList| -> Vec<f64> {
        let map: BTreeMap<(usize, usize), f32> = w.iter().map(|(s, d, x)| ((s, d), x)).collect();
        for (&(s, d), &x) in &map {
            assert_eq!(map[&(d, s)], x, "asymmetric weight on ({s}, {d})");
        }
        map.iter()
            .filter(|(k, _)| k.0 < k.1)
            .map(|(_, &x)| x as f64)
            .collect()
    };
    let moments = |x: &[f64]| {
        let mean = x.iter().sum::<f64>() / x.len() as f64;
        let var = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (x.len() - 1) as f64;
        (mean, var)
    };

    let uniform = per_pair(
        &apply_weights(
            &g,
            &WeightModel::Uniform {
                low: 0.0,
                high: 2.0,
            },
            1,
        )
        .unwrap(),
    );
    let (mean, var) = moments(&uniform);
    assert!(uniform.iter().all(|&x| (0.0..2.0).contains(&x)));
    assert!((mean - 1.0).abs() < 4.0 * (var / m).sqrt() && (var - 1.0 / 3.0).abs() < 0.03);

    // Beta(5, 15): mean 1/4, variance αβ / ((α+β)²(α+β+1)) = 75 / 8400.
    let beta = per_pair(&apply_weights(&g, &WeightModel::bigg_e_lobster(), 2).unwrap());
    let (mean, var) = moments(&beta);
    assert!((mean - 0.25).abs() < 4.0 * (75.0 / 8400.0 / m).sqrt());
    assert!((var - 75.0 / 8400.0).abs() < 0.1 * 75.0 / 8400.0);

    // softplus(N(0, 1)): E = ∫ ln(1 + eᶻ) φ(z) dz, by the trapezoid rule on [−10, 10].
    let phi = |z: f64| (-z * z / 2.0).exp() / (2.0 * std::f64::consts::PI).sqrt();
    let h = 1e-3;
    let expected: f64 = (0..20_000)
        .map(|i| -10.0 + (i as f64 + 0.5) * h)
        .map(|z| (1.0 + z.exp()).ln() * phi(z) * h)
        .sum();
    let sp = per_pair(&apply_weights(&g, &WeightModel::bigg_e_er(), 3).unwrap());
    let (mean, var) = moments(&sp);
    assert!(sp.iter().all(|&x| x > 0.0));
    assert!(
        (mean - expected).abs() < 4.0 * (var / m).sqrt(),
        "{mean} vs {expected}"
    );

    // Hierarchical Gamma: per graph μ ∈ [7, 13]; within a graph mean ≈ μ and variance ≈ 1.
    let mut graph_means = Vec::new();
    for seed in 0..20 {
        let w = per_pair(&apply_weights(&g, &WeightModel::bigg_e_tree(), seed).unwrap());
        let (mean, var) = moments(&w);
        assert!((7.0 - 0.1..=13.0 + 0.1).contains(&mean));
        assert!((var - 1.0).abs() < 0.12, "within-graph variance {var}");
        graph_means.push(mean);
    }
    let (_, spread) = moments(&graph_means);
    assert!(
        spread > 0.5,
        "μ must vary between graphs (U(7, 13) has variance 3)"
    );

    // L2G: lognormal(0, 0.1) rescaled so ΣW = N over both directions.
    let ba = BarabasiAlbert::new(20, 3).sample(0).unwrap();
    let w = apply_weights(&ba, &WeightModel::l2g_lognormal(), 4).unwrap();
    per_pair(&w);
    let total: f64 = w.weights().unwrap().iter().map(|&x| x as f64).sum();
    assert!((total - 20.0).abs() < 1e-4);
    assert_eq!(w.src(), ba.src());

    // Reproducible; a directed edge without its reverse still gets a weight.
    assert_eq!(
        apply_weights(&g, &WeightModel::bigg_e_er(), 9).unwrap(),
        apply_weights(&g, &WeightModel::bigg_e_er(), 9).unwrap()
    );
    let directed = EdgeList::from_pairs(3, &[(0, 1), (2, 1)]).unwrap();
    assert_eq!(
        apply_weights(&directed, &WeightModel::bigg_e_lobster(), 0)
            .unwrap()
            .num_edges(),
        2
    );
}

#[test]
fn weight_model_errors() {
    let g = Grid2d::new(3, 3).sample(0).unwrap();
    for bad in [
        WeightModel::Uniform {
            low: 1.0,
            high: 1.0,
        },
        WeightModel::Uniform {
            low: f64::NAN,
            high: 1.0,
        },
        WeightModel::LogNormalSumToN {
            mu: 0.0,
            sigma: 0.0,
        },
        WeightModel::HierarchicalGamma {
            mu_low: 13.0,
            mu_high: 7.0,
        },
        WeightModel::HierarchicalGamma {
            mu_low: -1.0,
            mu_high: 7.0,
        },
        WeightModel::Beta {
            alpha: 0.0,
            beta: 15.0,
        },
        WeightModel::SoftplusNormal {
            mean: f64::INFINITY,
            std: 1.0,
        },
    ] {
        assert!(
            matches!(
                apply_weights(&g, &bad, 0),
                Err(GslError::InvalidArgument { .. })
            ),
            "{bad:?}"
        );
    }
    let empty = EdgeList::from_pairs(4, &[]).unwrap();
    assert!(matches!(
        apply_weights(&empty, &WeightModel::l2g_lognormal(), 0),
        Err(GslError::EmptyGraph(_))
    ));
    assert_eq!(
        apply_weights(&empty, &WeightModel::bigg_e_er(), 0)
            .unwrap()
            .num_edges(),
        0
    );
}
