//! Node2Vec: the (p, q) transition law of the walks (closed form), independence from the thread
//! count, recovery of a planted SBM by the embeddings (device and host tables), seeds and errors.

use burn::tensor::Device;
use gsl_cluster::metrics::nmi;
use gsl_cluster::node2vec::{Node2Vec, Node2VecConfig, Node2VecWalker};
use gsl_cluster::pipeline::{Method, PipelineOptions, run};
use gsl_core::tensor::to_vec_f32;
use gsl_core::{AttributedGraph, BuildOptions, EdgeList, GslError};
use gsl_data::ensembles::{Generator, StochasticBlockModel};

fn device() -> Device {
    gsl_core::device::device_from_name("flex").unwrap()
}

/// Edges 0–1, 0–2, 1–2, 1–3 (both directions). A walk at v = 1 coming from t = 0 can go back
/// to 0 (bias 1/p), to 2, a neighbour of 0 (bias 1), or to 3 (bias 1/q).
fn kite(weights: Option<[f32; 4]>) -> EdgeList {
    let pairs = [(0, 1), (0, 2), (1, 2), (1, 3)];
    let edges = match weights {
        None => EdgeList::from_pairs(4, &pairs).unwrap(),
        Some(w) => {
            let triples: Vec<(usize, usize, f32)> =
                pairs.iter().zip(w).map(|(&(a, b), w)| (a, b, w)).collect();
            EdgeList::from_weighted(4, &triples).unwrap()
        }
    };
    edges.build(BuildOptions::default()).unwrap()
}

/// Frequencies of the third node of walks 0 → 1 → x.
fn second_step_frequencies(walker: &Node2VecWalker) -> [f64; 4] {
    let starts = vec![0usize; 60_000];
    let walks = walker.walks(&starts, 3, 17).unwrap();
    let mut counts = [0usize; 4];
    let mut total = 0;
    for w in walks.chunks(3) {
        if w[1] == 1 {
            counts[w[2]] += 1;
            total += 1;
        }
    }
    counts.map(|c| c as f64 / total as f64)
}

#[test]
fn walk_transitions_follow_the_p_q_bias() {
    for &(p, q) in &[(0.5, 2.0), (4.0, 0.25), (1.0, 1.0)] {
        let walker = Node2VecWalker::new(&kite(None), p, q).unwrap();
        let freq = second_step_frequencies(&walker);
        // Closed form: P(x) ∝ β(0, x)·w(1, x) with β = 1/p, 1, 1/q for x = 0, 2, 3.
        let beta = [1.0 / p, 0.0, 1.0, 1.0 / q];
        let z: f64 = beta.iter().sum();
        for x in 0..4 {
            assert!(
                (freq[x] - beta[x] / z).abs() < 0.01,
                "p {p} q {q}: {freq:?}"
            );
        }
    }
    // Edge weights multiply the bias: w(1,0) = 1, w(1,2) = 3, w(1,3) = 2.
    let walker = Node2VecWalker::new(&kite(Some([1.0, 1.0, 3.0, 2.0])), 0.5, 2.0).unwrap();
    let freq = second_step_frequencies(&walker);
    let unnorm = [2.0 * 1.0, 0.0, 1.0 * 3.0, 0.5 * 2.0];
    let z: f64 = unnorm.iter().sum();
    for x in 0..4 {
        assert!((freq[x] - unnorm[x] / z).abs() < 0.01, "weighted: {freq:?}");
    }
}

#[test]
fn walks_do_not_depend_on_the_thread_count() {
    let sbm = StochasticBlockModel::planted(vec![30; 3], &[0.3; 3], 0.02).unwrap();
    let edges = sbm.sample(1).unwrap();
    let walker = Node2VecWalker::new(&edges, 0.7, 1.8).unwrap();
    let starts: Vec<usize> = (0..90).chain(0..90).collect();
    let run_with = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| walker.walks(&starts, 12, 5).unwrap())
    };
    let one = run_with(1);
    assert_eq!(one, run_with(3));
    // Every step follows an edge.
    let csr = edges.to_csr();
    for w in one.chunks(12) {
        for pair in w.windows(2) {
            assert!(csr.neighbors(pair[0]).contains(&pair[1]));
        }
    }
    assert_ne!(one, walker.walks(&starts, 12, 6).unwrap());
}

fn planted(seed: u64) -> (AttributedGraph, Vec<usize>) {
    let sbm = StochasticBlockModel::planted(vec![40; 3], &[0.25; 3], 0.01).unwrap();
    let edges = sbm.sample(seed).unwrap();
    let x = burn::tensor::Tensor::<2>::ones([120, 2], &device());
    (
        AttributedGraph::new(edges.to_graph(&device()), x, None).unwrap(),
        sbm.labels(),
    )
}

fn quick() -> Node2VecConfig {
    Node2VecConfig::new()
        .with_embedding_dim(16)
        .with_walk_length(8)
        .with_context_size(4)
        .with_walks_per_node(4)
        .with_epochs(15)
        .with_batch_size(64)
        .with_learning_rate(0.05)
}

#[test]
fn embeddings_recover_a_planted_sbm_on_device_and_host_tables() {
    let (data, truth) = planted(2);
    for host in [false, true] {
        let method = Method::Node2Vec(quick().with_host_embeddings(host));
        let out = run(&method, &data, &PipelineOptions::new(3).with_n_init(3)).unwrap();
        let score = nmi(&truth, &out.labels).unwrap();
        // Stated level: NMI above 0.8 (random assignment is about 0).
        assert!(score > 0.8, "host {host}: NMI {score}");
    }
}

#[test]
fn a_fixed_seed_reproduces_the_embedding() {
    let (data, _) = planted(3);
    let config = quick().with_epochs(3).with_seed(9);
    let edges = data.graph.to_edge_list();
    let a = Node2Vec::new(config.clone())
        .unwrap()
        .fit(&edges, &device())
        .unwrap();
    let b = Node2Vec::new(config.clone())
        .unwrap()
        .fit(&edges, &device())
        .unwrap();
    assert_eq!(to_vec_f32(a.clone()), to_vec_f32(b));
    let c = Node2Vec::new(config.with_seed(10))
        .unwrap()
        .fit(&edges, &device())
        .unwrap();
    assert_ne!(to_vec_f32(a), to_vec_f32(c));
}

#[test]
fn bad_input_is_a_clear_error() {
    let bad = [
        Node2VecConfig::new().with_p(0.0),
        Node2VecConfig::new().with_q(f64::NAN),
        Node2VecConfig::new().with_context_size(11),
        Node2VecConfig::new().with_context_size(1),
        Node2VecConfig::new().with_embedding_dim(0),
        Node2VecConfig::new().with_batch_size(0),
        Node2VecConfig::new().with_learning_rate(-1.0),
    ];
    for config in bad {
        assert!(matches!(
            Node2Vec::new(config),
            Err(GslError::InvalidArgument { .. })
        ));
    }
    let walker = Node2VecWalker::new(&kite(None), 1.0, 1.0).unwrap();
    assert!(matches!(
        walker.walks(&[4], 3, 0),
        Err(GslError::NodeOutOfRange { .. })
    ));
    assert!(walker.walks(&[0], 0, 0).is_err());
    assert!(Node2VecWalker::new(&kite(None), -1.0, 1.0).is_err());
}
