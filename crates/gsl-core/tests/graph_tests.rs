//! Graph containers, conversions, dense and half-vector forms.

mod common;

use common::device;

use burn::tensor::{Int, Tensor, TensorData};
use gsl_core::dense::{
    dense_batch, from_halfvec, graph_from_dense, halfvec, halfvec_len, num_nodes_from_halfvec_len,
    upper_triangle_pairs,
};
use gsl_core::tensor::{to_vec_f32, to_vec_i64};
use gsl_core::{
    AttributedGraph, BuildOptions, Csr, Duplicates, EdgeList, Graph, GslError, SelfLoops,
};

fn triples(e: &EdgeList) -> Vec<(usize, usize, f32)> {
    e.iter().collect()
}

#[test]
fn edge_list_rejects_bad_input() {
    assert!(matches!(
        EdgeList::from_pairs(3, &[(0, 3)]),
        Err(GslError::NodeOutOfRange {
            id: 3,
            num_nodes: 3
        })
    ));
    assert!(matches!(
        EdgeList::new(3, vec![0, 1], vec![1], None),
        Err(GslError::ShapeMismatch { .. })
    ));
    assert!(matches!(
        EdgeList::new(3, vec![0], vec![1], Some(vec![1.0, 2.0])),
        Err(GslError::ShapeMismatch { .. })
    ));
    assert!(matches!(
        EdgeList::from_weighted(3, &[(0, 1, f32::NAN)]),
        Err(GslError::NonFinite(_))
    ));
    assert!(matches!(
        EdgeList::from_weighted(3, &[(0, 1, f32::INFINITY)]),
        Err(GslError::NonFinite(_))
    ));
}

#[test]
fn build_symmetrizes_merges_and_applies_self_loop_policy() {
    let e =
        EdgeList::from_weighted(4, &[(1, 0, 2.0), (0, 1, 3.0), (2, 2, 5.0), (2, 3, 1.0)]).unwrap();
    let max = e.build(BuildOptions::default()).unwrap();
    assert_eq!(
        triples(&max),
        vec![(0, 1, 3.0), (1, 0, 3.0), (2, 3, 1.0), (3, 2, 1.0)]
    );
    let sum = e
        .build(BuildOptions {
            duplicates: Duplicates::Sum,
            self_loops: SelfLoops::Keep,
            ..BuildOptions::default()
        })
        .unwrap();
    assert_eq!(
        triples(&sum),
        vec![
            (0, 1, 5.0),
            (1, 0, 5.0),
            (2, 2, 5.0),
            (2, 3, 1.0),
            (3, 2, 1.0)
        ]
    );
    let mean = e
        .build(BuildOptions {
            duplicates: Duplicates::Mean,
            ..BuildOptions::default()
        })
        .unwrap();
    assert_eq!(triples(&mean)[0], (0, 1, 2.5));
    assert!(matches!(
        e.build(BuildOptions {
            self_loops: SelfLoops::Reject,
            ..BuildOptions::default()
        }),
        Err(GslError::InvalidArgument { .. })
    ));
    assert!(matches!(
        e.build(BuildOptions {
            duplicates: Duplicates::Reject,
            ..BuildOptions::default()
        }),
        Err(GslError::InvalidArgument { .. })
    ));
    // Directed: (1,0) and (0,1) stay distinct, nothing is mirrored.
    let directed = e.build(BuildOptions::directed()).unwrap();
    assert_eq!(
        triples(&directed),
        vec![(0, 1, 3.0), (1, 0, 2.0), (2, 2, 5.0), (2, 3, 1.0)]
    );
}

#[test]
fn csr_round_trip_and_neighbours() {
    let e = EdgeList::from_pairs(4, &[(2, 1), (0, 3), (2, 0), (0, 1)]).unwrap();
    let csr = Csr::from_edge_list(&e);
    assert_eq!(csr.indptr, vec![0, 2, 2, 4, 4]);
    assert_eq!(csr.neighbors(0), &[1, 3]);
    assert_eq!(csr.neighbors(2), &[0, 1]);
    assert_eq!(csr.degree(1), 0);
    let back = csr.to_edge_list();
    assert_eq!(
        triples(&back),
        vec![(0, 1, 1.0), (0, 3, 1.0), (2, 0, 1.0), (2, 1, 1.0)]
    );
}

#[test]
fn petgraph_round_trip() {
    let mut g = petgraph::Graph::<(), f32, petgraph::Undirected>::new_undirected();
    let n: Vec<_> = (0..4).map(|_| g.add_node(())).collect();
    g.add_edge(n[0], n[1], 0.5);
    g.add_edge(n[1], n[2], 2.0);
    let e = EdgeList::from_petgraph(&g).unwrap();
    assert_eq!(e.num_edges(), 4);
    assert_eq!(e.num_nodes(), 4);
    let sorted = e.build(BuildOptions::default()).unwrap();
    assert_eq!(
        triples(&sorted),
        vec![(0, 1, 0.5), (1, 0, 0.5), (1, 2, 2.0), (2, 1, 2.0)]
    );
    let und = sorted.to_petgraph_undirected();
    assert_eq!(und.edge_count(), 2);
    assert_eq!(und.node_count(), 4);
    let di = sorted.to_petgraph();
    assert_eq!(di.edge_count(), 4);
    assert_eq!(EdgeList::from_petgraph(&di).unwrap(), sorted);
}

#[test]
fn graph_upload_read_back_and_validation() {
    let dev = device();
    let e = EdgeList::from_weighted(3, &[(0, 1, 0.5), (1, 2, 2.0)]).unwrap();
    let g = Graph::from_edges(&e, BuildOptions::default(), &dev).unwrap();
    assert_eq!(g.num_edges(), 4);
    assert_eq!(g.to_edge_list(), e.build(BuildOptions::default()).unwrap());
    assert_eq!(
        to_vec_f32(g.to_dense()),
        vec![0.0, 0.5, 0.0, 0.5, 0.0, 2.0, 0.0, 2.0, 0.0]
    );

    let idx = Tensor::<2, Int>::from_data(TensorData::new(vec![0i64, 5, 1, 0], [2, 2]), &dev);
    assert!(matches!(
        Graph::new(3, idx, None),
        Err(GslError::NodeOutOfRange { id: 5, .. })
    ));
    let idx = Tensor::<2, Int>::from_data(TensorData::new(vec![0i64, -1, 1, 0], [2, 2]), &dev);
    assert!(matches!(
        Graph::new(3, idx, None),
        Err(GslError::NodeOutOfRange { id: -1, .. })
    ));
    let idx = Tensor::<2, Int>::from_data(TensorData::new(vec![0i64, 1, 2], [3, 1]), &dev);
    assert!(matches!(
        Graph::new(3, idx, None),
        Err(GslError::ShapeMismatch { .. })
    ));
    let idx = Tensor::<2, Int>::from_data(TensorData::new(vec![0i64, 1], [2, 1]), &dev);
    let w = Tensor::<1>::from_floats([f32::NAN], &dev);
    assert!(matches!(
        Graph::new(3, idx.clone(), Some(w)),
        Err(GslError::NonFinite(_))
    ));
    let w = Tensor::<1>::from_floats([1.0, 2.0], &dev);
    assert!(matches!(
        Graph::new(3, idx, Some(w)),
        Err(GslError::ShapeMismatch { .. })
    ));
}

#[test]
fn spmm_matches_dense_product_and_rejects_wrong_shapes() {
    let dev = device();
    let e = EdgeList::from_weighted(4, &[(0, 1, 1.5), (1, 2, -2.0), (3, 0, 0.25), (2, 2, 1.0)])
        .unwrap();
    let g = e.to_graph(&dev);
    let x = Tensor::<2>::from_floats([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0]], &dev);
    let sparse = to_vec_f32(g.spmm(x.clone()).unwrap());
    let dense = to_vec_f32(g.to_dense().matmul(x));
    assert_eq!(sparse, dense);
    let bad = Tensor::<2>::zeros([3, 2], &dev);
    assert!(matches!(g.spmm(bad), Err(GslError::ShapeMismatch { .. })));
}

/// The CPU row-parallel product (plain Flex) and the gather + scatter product (taken on an
/// autodiff device) must give the same sums, for stored and per-call weights, with repeated
/// edges, self-loops and isolated nodes, before and after `with_weights`.
#[test]
fn row_parallel_and_scatter_products_agree() {
    use rand::{RngExt, SeedableRng};
    let dev = device();
    let ad = dev.clone().autodiff();
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let (n, m, f) = (300, 2_000, 5);
    let edges: Vec<(usize, usize, f32)> = (0..m)
        // Nodes 250.. never appear as sources: their output rows must be zero.
        .map(|_| {
            (
                rng.random_range(0..250),
                rng.random_range(0..n),
                rng.random_range(-1.0..1.0),
            )
        })
        .collect();
    let list = EdgeList::from_weighted(n, &edges).unwrap();
    let xs: Vec<f32> = (0..n * f).map(|_| rng.random_range(-1.0..1.0)).collect();
    let x = Tensor::<2>::from_data(TensorData::new(xs.clone(), [n, f]), &dev);
    let x_ad = Tensor::<2>::from_data(TensorData::new(xs, [n, f]), &ad);
    let g = list.to_graph(&dev);
    let g_ad = list.to_graph(&ad);
    let close = |a: Vec<f32>, b: Vec<f32>| {
        assert_eq!(a.len(), b.len());
        for (u, v) in a.iter().zip(&b) {
            assert!((u - v).abs() < 1e-4, "{u} vs {v}");
        }
    };
    let fast = to_vec_f32(g.spmm(x.clone()).unwrap());
    assert!(fast[250 * f..].iter().all(|&v| v == 0.0));
    close(fast, to_vec_f32(g_ad.spmm(x_ad.clone()).unwrap()));
    let w: Vec<f32> = (0..m).map(|i| (i % 7) as f32 - 3.0).collect();
    let wt = Tensor::<1>::from_data(TensorData::new(w.clone(), [m]), &dev);
    let wt_ad = Tensor::<1>::from_data(TensorData::new(w, [m]), &ad);
    close(
        to_vec_f32(g.spmm_weighted(Some(wt.clone()), x.clone()).unwrap()),
        to_vec_f32(
            g_ad.spmm_weighted(Some(wt_ad.clone()), x_ad.clone())
                .unwrap(),
        ),
    );
    close(
        to_vec_f32(g.spmm_weighted(None, x.clone()).unwrap()),
        to_vec_f32(g_ad.spmm_weighted(None, x_ad.clone()).unwrap()),
    );
    // `with_weights` shares the (already built) row grouping with the new weights.
    close(
        to_vec_f32(g.with_weights(wt).unwrap().spmm(x).unwrap()),
        to_vec_f32(g_ad.with_weights(wt_ad).unwrap().spmm(x_ad).unwrap()),
    );
}

#[test]
fn attributed_graph_validates() {
    let dev = device();
    let g = EdgeList::from_pairs(3, &[(0, 1)]).unwrap().to_graph(&dev);
    let x = Tensor::<2>::zeros([3, 4], &dev);
    let labels = Tensor::<1, Int>::from_ints([0, 1, 1], &dev);
    let ag = AttributedGraph::new(g.clone(), x, Some(labels)).unwrap();
    assert_eq!((ag.num_nodes(), ag.num_features()), (3, 4));
    assert!(matches!(
        AttributedGraph::new(g.clone(), Tensor::<2>::zeros([2, 4], &dev), None),
        Err(GslError::ShapeMismatch { .. })
    ));
    let nan = Tensor::<2>::from_floats([[0.0], [f32::NAN], [1.0]], &dev);
    assert!(matches!(
        AttributedGraph::new(g.clone(), nan, None),
        Err(GslError::NonFinite(_))
    ));
    let labels = Tensor::<1, Int>::from_ints([0, 1], &dev);
    assert!(matches!(
        AttributedGraph::new(g, Tensor::<2>::zeros([3, 1], &dev), Some(labels)),
        Err(GslError::ShapeMismatch { .. })
    ));
}

#[test]
fn halfvec_layout_round_trip_and_gradient() {
    let dev = device();
    assert_eq!(halfvec_len(5), 10);
    assert_eq!(num_nodes_from_halfvec_len(10).unwrap(), 5);
    assert!(num_nodes_from_halfvec_len(7).is_err());
    assert!(num_nodes_from_halfvec_len(0).is_err());
    assert_eq!(upper_triangle_pairs(3), (vec![0, 0, 1], vec![1, 2, 2]));

    // Row-major strict upper triangle of a 3x3 matrix, for a batch of two.
    let a = Tensor::<3>::from_floats(
        [
            [[0.0, 1.0, 2.0], [1.0, 0.0, 3.0], [2.0, 3.0, 0.0]],
            [[9.0, 4.0, 5.0], [7.0, 9.0, 6.0], [8.0, 8.0, 9.0]],
        ],
        &dev,
    );
    let w = halfvec(a.clone()).unwrap();
    assert_eq!(to_vec_f32(w.clone()), vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    let back = from_halfvec(w).unwrap();
    let expected = vec![
        0.0, 1.0, 2.0, 1.0, 0.0, 3.0, 2.0, 3.0, 0.0, 0.0, 4.0, 5.0, 4.0, 0.0, 6.0, 5.0, 6.0, 0.0,
    ];
    assert_eq!(to_vec_f32(back), expected);

    // d/dw sum(from_halfvec(w) * M) = M_ij + M_ji for each pair.
    let ad = dev.clone().autodiff();
    let w = Tensor::<2>::from_floats([[1.0, 2.0, 3.0]], &ad).require_grad();
    let m = Tensor::<3>::from_floats([[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]], &ad);
    let loss = from_halfvec(w.clone()).unwrap().mul(m).sum();
    let grads = loss.backward();
    assert_eq!(to_vec_f32(w.grad(&grads).unwrap()), vec![6.0, 10.0, 14.0]);

    assert!(matches!(
        halfvec(Tensor::<3>::zeros([1, 2, 3], &dev)),
        Err(GslError::ShapeMismatch { .. })
    ));
    assert!(matches!(
        halfvec(Tensor::<3>::zeros([1, 1, 1], &dev)),
        Err(GslError::EmptyGraph(_))
    ));
    assert!(from_halfvec(Tensor::<2>::zeros([1, 4], &dev)).is_err());
}

#[test]
fn dense_batch_and_graph_from_dense() {
    let dev = device();
    let g1 = EdgeList::from_pairs(3, &[(0, 1)]).unwrap().to_graph(&dev);
    let g2 = EdgeList::from_weighted(3, &[(1, 2, 2.0)])
        .unwrap()
        .to_graph(&dev);
    let batch = dense_batch(&[g1, g2.clone()]).unwrap();
    assert_eq!(batch.dims(), [2, 3, 3]);
    assert_eq!(to_vec_f32(batch.narrow(0, 1, 1)), to_vec_f32(g2.to_dense()));
    let g4 = EdgeList::from_pairs(4, &[(0, 1)]).unwrap().to_graph(&dev);
    assert!(matches!(
        dense_batch(&[g2, g4]),
        Err(GslError::ShapeMismatch { .. })
    ));
    assert!(dense_batch(&[]).is_err());

    let a = Tensor::<2>::from_floats([[0.0, 0.05, -0.7], [0.2, 0.0, 0.0], [1.0, 0.0, 0.0]], &dev);
    let g = graph_from_dense(a, 0.1).unwrap();
    let e = g.to_edge_list();
    assert_eq!(triples(&e), vec![(0, 2, -0.7), (1, 0, 0.2), (2, 0, 1.0)]);
    assert_eq!(to_vec_i64(g.src()), vec![0, 1, 2]);
    let none = graph_from_dense(Tensor::<2>::zeros([3, 3], &dev), 0.0).unwrap();
    assert_eq!(none.num_edges(), 0);
    assert!(graph_from_dense(Tensor::<2>::zeros([2, 3], &dev), 0.0).is_err());
}
