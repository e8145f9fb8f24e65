//! The framework traits: full-batch and mini-batch training of a small trainable model, the
//! soft head, and k-means centre initialisation of an end-to-end model.

use burn::module::Module;
use burn::tensor::{Device, Int, Tensor, TensorData};
use gsl_cluster::framework::{
    ClusterModel, Embed, SoftAssignHead, SoftAssignHeadConfig, Trainable, init_centres_by_kmeans,
    l2_normalize_rows, train_full, train_minibatch,
};
use gsl_cluster::kmeans::KMeansConfig;
use gsl_cluster::metrics::ari;
use gsl_core::nn::{Gcn, GcnConfig, NeighborSampler, SubgraphBatch};
use gsl_core::tensor::to_vec_f32;
use gsl_core::train::{LossOutput, TrainConfig};
use gsl_core::{AttributedGraph, Graph, GslError, Result};
use gsl_data::ensembles::{Generator, StochasticBlockModel};

fn device() -> Device {
    gsl_core::device::device_from_name("flex").unwrap()
}

/// A one-layer GCN autoencoder: `−log σ(z_u·z_v)` on edges, `−log(1 − σ(z_u·z_w))` on fixed
/// shifted pairs `(u, u + N/3)`, which for the SBM below always lie in different blocks.
#[derive(Module, Debug)]
struct TinyGae {
    gcn: Gcn,
}

fn edge_loss(z: Tensor<2>, graph: &Graph) -> Tensor<1> {
    let n = graph.num_nodes();
    let pos = z
        .clone()
        .select(0, graph.src())
        .mul(z.clone().select(0, graph.dst()))
        .sum_dim(1);
    let device = z.device();
    let src: Vec<i64> = (0..n as i64).collect();
    let dst: Vec<i64> = (0..n as i64)
        .map(|u| (u + n as i64 / 3) % n as i64)
        .collect();
    let src = Tensor::<1, Int>::from_data(TensorData::new(src, [n]), &device);
    let dst = Tensor::<1, Int>::from_data(TensorData::new(dst, [n]), &device);
    let neg = z.clone().select(0, src).mul(z.select(0, dst)).sum_dim(1);
    let softplus = |t: Tensor<2>| t.exp().add_scalar(1.0).log();
    softplus(pos.neg())
        .mean()
        .add(softplus(neg).mean())
        .reshape([1])
}

impl Trainable for TinyGae {
    fn loss(&self, data: &AttributedGraph) -> Result<LossOutput> {
        let z = self.gcn.forward(&data.graph, data.features.clone())?;
        Ok(LossOutput::new(edge_loss(z, &data.graph)))
    }

    fn loss_batch(&self, data: &AttributedGraph, batch: &SubgraphBatch) -> Result<LossOutput> {
        let x = batch.features(&data.features)?;
        let z = self.gcn.forward(&batch.graph, x)?;
        // Seed slicing: the loss uses the seed rows and the sampled edges among seeds.
        let seeds = batch.num_seeds;
        let edges = batch.graph.to_edge_list();
        let pairs: Vec<(usize, usize)> = edges
            .iter()
            .filter(|&(s, d, _)| s < seeds && d < seeds)
            .map(|(s, d, _)| (s, d))
            .collect();
        let seed_graph = Graph::from_edges(
            &gsl_core::EdgeList::from_pairs(seeds, &pairs)?,
            gsl_core::BuildOptions::directed(),
            &z.device(),
        )?;
        Ok(LossOutput::new(edge_loss(
            z.narrow(0, 0, seeds),
            &seed_graph,
        )))
    }
}

fn sbm_data(device: &Device) -> (AttributedGraph, Vec<usize>, gsl_core::EdgeList) {
    let sbm = StochasticBlockModel::planted(vec![30; 3], &[0.3; 3], 0.02).unwrap();
    let edges = sbm.sample(4).unwrap();
    let truth = sbm.labels();
    let x: Vec<f32> = truth
        .iter()
        .enumerate()
        .flat_map(|(i, &c)| {
            (0..6).map(move |j| {
                if j % 3 == c {
                    1.0
                } else {
                    ((i + j) % 4) as f32 * 0.1
                }
            })
        })
        .collect();
    let x = Tensor::from_data(TensorData::new(x, [90, 6]), device);
    (
        AttributedGraph::new(edges.to_graph(device), x, None).unwrap(),
        truth,
        edges,
    )
}

#[test]
fn full_and_minibatch_training_lower_the_loss() {
    let device = device().autodiff();
    let (data, _, edges) = sbm_data(&device);
    let config = || {
        TrainConfig::new(30)
            .with_learning_rate(0.05)
            .with_quiet(true)
            .with_seed(1)
    };
    let model = TinyGae {
        gcn: GcnConfig::new(6, 4).init(&device).unwrap(),
    };
    let (_, history) = train_full(model, &data, config()).unwrap();
    let totals = history.totals();
    assert!(totals.last().unwrap() < &(totals[0] * 0.8), "{totals:?}");

    let model = TinyGae {
        gcn: GcnConfig::new(6, 4).init(&device).unwrap(),
    };
    let sampler = NeighborSampler::with_sizes(edges.to_csr(), &[5]).unwrap();
    let (_, history) = train_minibatch(model, &data, &sampler, None, 45, config()).unwrap();
    let totals = history.totals();
    assert_eq!(totals.len(), 30);
    assert!(totals.last().unwrap() < &(totals[0] * 0.8), "{totals:?}");

    let model = TinyGae {
        gcn: GcnConfig::new(6, 4).init(&device).unwrap(),
    };
    assert!(matches!(
        train_minibatch(model, &data, &sampler, None, 0, config()),
        Err(GslError::InvalidArgument { .. })
    ));
}

/// Fixed embeddings with a soft head: the smallest end-to-end model.
struct FixedEmbedding {
    z: Tensor<2>,
    head: SoftAssignHead,
}

impl Embed for FixedEmbedding {
    fn embed(&self, _data: &AttributedGraph) -> Result<Tensor<2>> {
        Ok(self.z.clone())
    }
}

impl ClusterModel for FixedEmbedding {
    fn soft_assign(&self, data: &AttributedGraph) -> Result<Tensor<2>> {
        self.head.forward(l2_normalize_rows(self.embed(data)?))
    }

    fn with_centres(self, centres: Tensor<2>) -> Result<Self> {
        Ok(Self {
            z: self.z,
            head: self.head.with_centres(centres)?,
        })
    }
}

#[test]
fn soft_head_rows_sum_to_one_and_kmeans_init_recovers_clusters() {
    let device = device();
    let (data, truth, _) = sbm_data(&device);
    let head = SoftAssignHeadConfig::new(3, 6).init(&device).unwrap();
    let s = head.forward(data.features.clone()).unwrap();
    for row in to_vec_f32(s.sum_dim(1)) {
        assert!((row - 1.0).abs() < 1e-5);
    }
    let model = FixedEmbedding {
        z: data.features.clone(),
        head,
    };
    let model = init_centres_by_kmeans(model, &data, &KMeansConfig::new(3)).unwrap();
    let labels = model.assign(&data).unwrap();
    assert_eq!(ari(&truth, &labels).unwrap(), 1.0);
    assert!(SoftAssignHeadConfig::new(0, 6).init(&device).is_err());
    let wrong = Tensor::<2>::zeros([2, 6], &device);
    assert!(model.head.with_centres(wrong).is_err());
}
