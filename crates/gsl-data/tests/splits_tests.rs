//! Splits and streams: partitions are disjoint and complete, negatives are non-edges, the
//! expanding stream reveals the graph monotonically, the Planetoid split matches MANIFEST.md.

use std::collections::HashSet;

use burn::tensor::{Tensor, TensorData};
use gsl_core::tensor::to_vec_f32;
use gsl_core::{EdgeList, GslError};
use gsl_data::ensembles::{ErdosRenyi, Generator};
use gsl_data::splits::{
    ExpandingStream, edge_split, negative_samples, node_masks, planetoid_public_split,
    random_node_split,
};

fn device() -> burn::tensor::Device {
    gsl_core::device::device_from_name("flex").unwrap()
}

#[test]
fn random_node_split_is_a_seeded_partition_with_the_requested_sizes() {
    let s = random_node_split(103, 0.6, 0.2, 7).unwrap();
    assert_eq!((s.train.len(), s.val.len(), s.test.len()), (62, 21, 20));
    let mut all = [s.train.clone(), s.val.clone(), s.test.clone()].concat();
    all.sort_unstable();
    assert_eq!(all, (0..103).collect::<Vec<_>>());
    assert_eq!(s, random_node_split(103, 0.6, 0.2, 7).unwrap());
    assert_ne!(s, random_node_split(103, 0.6, 0.2, 8).unwrap());
    let [train, val, test] = node_masks(&s, 103, &device()).unwrap();
    let count = |m: Tensor<1, burn::tensor::Bool>| m.int().sum().into_scalar::<i64>();
    assert_eq!((count(train), count(val), count(test)), (62, 21, 20));

    assert!(random_node_split(0, 0.6, 0.2, 0).is_err());
    assert!(random_node_split(10, 0.9, 0.2, 0).is_err());
    assert!(random_node_split(10, -0.1, 0.2, 0).is_err());
    assert!(random_node_split(10, f64::NAN, 0.2, 0).is_err());
    assert!(matches!(
        node_masks(&s, 50, &device()),
        Err(GslError::NodeOutOfRange { .. })
    ));
}

#[test]
fn edge_split_holds_out_edges_and_samples_true_non_edges() {
    let g = ErdosRenyi::new(60, 0.1).sample(3).unwrap();
    let all: HashSet<(usize, usize)> = g.iter().map(|(s, d, _)| (s.min(d), s.max(d))).collect();
    let m = all.len();
    let split = edge_split(&g, 0.1, 0.2, 5).unwrap();
    assert_eq!(split.val_positive.len(), (0.1 * m as f64).round() as usize);
    assert_eq!(split.test_positive.len(), (0.2 * m as f64).round() as usize);
    assert_eq!(
        split.train_positive.len() + split.val_positive.len() + split.test_positive.len(),
        m
    );
    // Positives partition the edges; the training graph holds exactly the training edges.
    let train: HashSet<_> = split.train_positive.iter().copied().collect();
    let val: HashSet<_> = split.val_positive.iter().copied().collect();
    let test: HashSet<_> = split.test_positive.iter().copied().collect();
    assert!(train.is_disjoint(&val) && train.is_disjoint(&test) && val.is_disjoint(&test));
    assert_eq!(split.train_graph.num_edges(), 2 * train.len());
    for (s, d, _) in split.train_graph.iter() {
        assert!(train.contains(&(s.min(d), s.max(d))));
    }
    // Negatives: non-edges, distinct, no self-loops, disjoint between val and test.
    let negatives: Vec<_> = [&split.val_negative[..], &split.test_negative[..]].concat();
    assert_eq!(split.val_negative.len(), split.val_positive.len());
    assert_eq!(split.test_negative.len(), split.test_positive.len());
    let distinct: HashSet<_> = negatives.iter().copied().collect();
    assert_eq!(distinct.len(), negatives.len());
    for &(i, j) in &negatives {
        assert!(i < j && !all.contains(&(i, j)));
    }
    assert_eq!(split, edge_split(&g, 0.1, 0.2, 5).unwrap());
}

#[test]
fn negative_sampling_errors_and_dense_graphs() {
    // K4 minus one edge: exactly one non-edge exists.
    let exclude: HashSet<_> = [(0, 1), (0, 2), (0, 3), (1, 2), (1, 3)]
        .into_iter()
        .collect();
    assert_eq!(negative_samples(4, &exclude, 1, 0).unwrap(), vec![(2, 3)]);
    assert!(negative_samples(4, &exclude, 2, 0).is_err());
    let empty = EdgeList::from_pairs(5, &[]).unwrap();
    assert!(matches!(
        edge_split(&empty, 0.1, 0.1, 0),
        Err(GslError::EmptyGraph(_))
    ));
    let g = ErdosRenyi::new(20, 0.3).sample(0).unwrap();
    assert!(edge_split(&g, 0.6, 0.6, 0).is_err());
}

#[test]
fn expanding_stream_reveals_the_graph_batch_by_batch() {
    let g = ErdosRenyi::new(200, 0.05).sample(1).unwrap();
    let stream = ExpandingStream::new(200, 0.7, 25, 2).unwrap();
    assert_eq!(stream.static_nodes.len(), 140);
    assert_eq!(stream.num_timestamps(), 25);
    let sizes: Vec<usize> = stream.batches.iter().map(Vec::len).collect();
    assert_eq!(sizes.iter().sum::<usize>(), 60);
    assert!(sizes.iter().max().unwrap() - sizes.iter().min().unwrap() <= 1);
    let mut all: Vec<usize> = stream
        .static_nodes
        .iter()
        .chain(stream.batches.iter().flatten())
        .copied()
        .collect();
    all.sort_unstable();
    assert_eq!(all, (0..200).collect::<Vec<_>>());
    // Snapshots grow monotonically and end with the whole graph.
    let mut previous = 0;
    for t in 0..=25 {
        let snap = stream.snapshot(&g, t).unwrap();
        assert!(snap.num_edges() >= previous);
        previous = snap.num_edges();
    }
    assert_eq!(stream.snapshot(&g, 25).unwrap(), g);
    let static_set: HashSet<usize> = stream.static_nodes.iter().copied().collect();
    for (s, d, _) in stream.snapshot(&g, 0).unwrap().iter() {
        assert!(static_set.contains(&s) && static_set.contains(&d));
    }
    // Features of a batch are the rows of its nodes.
    let x: Vec<f32> = (0..200).map(|i| i as f32).collect();
    let x = Tensor::<2>::from_data(TensorData::new(x, [200, 1]), &device());
    let rows = to_vec_f32(stream.batch_features(3, x.clone()).unwrap());
    let want: Vec<f32> = stream.batches[3].iter().map(|&v| v as f32).collect();
    assert_eq!(rows, want);
    // Errors.
    assert!(stream.batch_features(25, x).is_err());
    assert!(stream.snapshot(&g, 26).is_err());
    assert!(
        stream
            .snapshot(&ErdosRenyi::new(10, 0.5).sample(0).unwrap(), 0)
            .is_err()
    );
    assert!(ExpandingStream::new(0, 0.5, 2, 0).is_err());
    assert!(ExpandingStream::new(10, 0.0, 2, 0).is_err());
    assert!(ExpandingStream::new(10, 0.5, 0, 0).is_err());
    assert!(ExpandingStream::new(10, 0.9, 2, 0).is_err());
}

#[test]
fn planetoid_public_split_matches_the_manifest() {
    let Ok(dir) = gsl_data::loaders::data_dir() else {
        eprintln!("skipped: GSL_DATA_DIR is not set");
        return;
    };
    if !dir.join("planetoid/ind.cora.graph").exists() {
        eprintln!("skipped: no Planetoid files under {}", dir.display());
        return;
    }
    let gsl_data::loaders::Dataset::Nodes(cora) =
        gsl_data::loaders::load("cora", &device()).unwrap()
    else {
        panic!("cora is a node dataset");
    };
    let split = planetoid_public_split(&cora).unwrap();
    assert_eq!(
        (split.train.len(), split.val.len(), split.test.len()),
        (140, 500, 1000)
    );
    assert_eq!(split.train, (0..140).collect::<Vec<_>>());
    let npz = gsl_data::loaders::load("cora_npz", &device());
    if let Ok(gsl_data::loaders::Dataset::Nodes(npz)) = npz {
        assert!(planetoid_public_split(&npz).is_err());
    }
}
