//! The Encode–Cluster–Optimize framework (PyAGC's `BaseModel` / `TrainableModel` /
//! `ClusteringModel`, survey arXiv 2603.20829) as three small traits, their training drivers,
//! and the learnable soft-assignment head the joint models use.
//!
//! - [`Embed`]: a model that maps an attributed graph to node embeddings `[N, d]` (every method
//!   of this crate; the decoupled ones are then clustered by [`crate::kmeans`]);
//! - [`Trainable`]: a module with a full-batch loss and a mini-batch loss on a sampled
//!   [`SubgraphBatch`], trained by [`train_full`] / [`train_minibatch`] with gsl-core's
//!   [`Trainer`];
//! - [`ClusterModel`]: an end-to-end model that outputs soft assignments `[N, K]` (hard ones by
//!   argmax) and whose centres are initialised by k-means on its embeddings
//!   ([`init_centres_by_kmeans`]);
//! - [`SoftAssignHead`]: `S = softmax(Z Cᵀ)` with learnable centres `C` `[K, d]`, the head of
//!   DMoN, MinCut, Neuromap and GCSBM in PyAGC.

use burn::config::Config;
use burn::module::{Module, Param};
use burn::tensor::activation::softmax;
use burn::tensor::{Device, Tensor, TensorData};
use gsl_core::nn::{NeighborSampler, SubgraphBatch};
use gsl_core::tensor::{ensure_finite, to_vec_i64};
use gsl_core::train::{History, LossOutput, StepOutput, TrainConfig, Trainer, seeded_rng};
use gsl_core::{AttributedGraph, GslError, Result};
use rand::RngExt;

use crate::kmeans::{KMeansConfig, kmeans};

/// A model that embeds the nodes of an attributed graph.
pub trait Embed {
    /// Node embeddings `[N, d]` of `data`.
    fn embed(&self, data: &AttributedGraph) -> Result<Tensor<2>>;
}

/// A module trained by minimising a loss, full-batch or on sampled mini-batches.
///
/// The mini-batch contract is PyAGC's: the loss of a [`SubgraphBatch`] is computed on its seed
/// nodes only (local ids `0..num_seeds`), and edge terms use the sampled edges among seeds.
pub trait Trainable: Module {
    /// The loss on the whole graph.
    fn loss(&self, data: &AttributedGraph) -> Result<LossOutput>;

    /// The loss on the seed nodes of a sampled subgraph of `data`.
    fn loss_batch(&self, data: &AttributedGraph, batch: &SubgraphBatch) -> Result<LossOutput>;
}

/// An end-to-end clustering model: embeddings, soft assignments and cluster centres.
pub trait ClusterModel: Embed + Sized {
    /// Soft assignments `[N, K]`, rows summing to one.
    fn soft_assign(&self, data: &AttributedGraph) -> Result<Tensor<2>>;

    /// Hard assignments: the argmax of [`ClusterModel::soft_assign`] for every node.
    fn assign(&self, data: &AttributedGraph) -> Result<Vec<usize>> {
        let soft = self.soft_assign(data)?;
        let n = soft.dims()[0];
        Ok(to_vec_i64(soft.argmax(1).reshape([n]))
            .into_iter()
            .map(|c| c as usize)
            .collect())
    }

    /// The model with its cluster centres replaced by `centres` `[K, d]`.
    fn with_centres(self, centres: Tensor<2>) -> Result<Self>;
}

/// Rows scaled to unit Euclidean norm (a zero row stays zero), PyAGC's
/// `normalize_embeddings` before k-means.
pub fn l2_normalize_rows(z: Tensor<2>) -> Tensor<2> {
    let norm = z.clone().square().sum_dim(1).sqrt().clamp_min(1e-12);
    z.div(norm)
}

/// Initialises the centres of `model` by k-means on its L2-normalised embeddings of `data`
/// (PyAGC's `initialize_cluster_centers`); `kmeans.k` is the number of clusters.
///
/// Errors: those of [`Embed::embed`], [`kmeans`] and [`ClusterModel::with_centres`].
pub fn init_centres_by_kmeans<M: ClusterModel>(
    model: M,
    data: &AttributedGraph,
    kmeans_config: &KMeansConfig,
) -> Result<M> {
    let z = l2_normalize_rows(model.embed(data)?.detach());
    let result = kmeans(z, kmeans_config)?;
    model.with_centres(result.centroids)
}

/// Trains `model` on the full graph for `config.epochs` epochs (one step per epoch).
///
/// Errors: those of [`Trainer`] and of [`Trainable::loss`].
pub fn train_full<M: Trainable>(
    model: M,
    data: &AttributedGraph,
    config: TrainConfig,
) -> Result<(M, History)> {
    let config = config.with_batches_per_epoch(1);
    Trainer::new(config)?.fit(model, |m: &M, _ctx| Ok(StepOutput::new(m.loss(data)?)))
}

/// Trains `model` on mini-batches of `batch_size` seed nodes drawn from `seeds` (all nodes
/// when `None`), each with the computation subgraph `sampler` draws around it; one optimiser
/// step per batch, reshuffled every epoch from the trainer's per-epoch seed.
///
/// Errors: `batch_size = 0`, a sampler built on another graph, the seed errors of
/// [`NeighborSampler::batches`], and those of [`Trainer`] and [`Trainable::loss_batch`].
pub fn train_minibatch<M: Trainable>(
    model: M,
    data: &AttributedGraph,
    sampler: &NeighborSampler,
    seeds: Option<&[usize]>,
    batch_size: usize,
    config: TrainConfig,
) -> Result<(M, History)> {
    if batch_size == 0 {
        return Err(GslError::invalid("batch_size", "must be at least 1"));
    }
    if sampler.csr().num_nodes() != data.num_nodes() {
        return Err(GslError::shape(
            "train_minibatch sampler",
            data.num_nodes(),
            sampler.csr().num_nodes(),
        ));
    }
    let all: Vec<usize> = (0..data.num_nodes()).collect();
    let seeds = seeds.unwrap_or(&all);
    if seeds.is_empty() {
        return Err(GslError::invalid("seeds", "need at least one seed node"));
    }
    let device = data.features.device();
    let config = config.with_batches_per_epoch(seeds.len().div_ceil(batch_size));
    let mut epoch_batches: Option<gsl_core::nn::SeedBatches<'_>> = None;
    Trainer::new(config)?.fit(model, |m: &M, ctx| {
        if ctx.batch == 0 {
            epoch_batches = Some(sampler.batches(seeds, batch_size, ctx.seed, &device)?);
        }
        let batch = epoch_batches
            .as_mut()
            .and_then(|b| b.next())
            .ok_or_else(|| GslError::Training("the epoch ran out of batches".into()))??;
        Ok(StepOutput::new(m.loss_batch(data, &batch)?))
    })
}

/// Configuration of a [`SoftAssignHead`].
#[derive(Config, Debug, PartialEq)]
pub struct SoftAssignHeadConfig {
    /// Number of clusters K.
    pub clusters: usize,
    /// Embedding dimension d.
    pub dim: usize,
    /// Seed of the Xavier-uniform initialisation of the centres.
    #[config(default = 0)]
    pub seed: u64,
}

impl SoftAssignHeadConfig {
    /// Builds the head on `device` with Xavier-uniform centres (Glorot & Bengio 2010), drawn on
    /// the host so the same seed gives the same centres on every backend.
    ///
    /// Errors: `clusters` or `dim` zero.
    pub fn init(&self, device: &Device) -> Result<SoftAssignHead> {
        if self.clusters == 0 || self.dim == 0 {
            return Err(GslError::invalid(
                "SoftAssignHeadConfig",
                format!(
                    "clusters and dim must be positive, got {} and {}",
                    self.clusters, self.dim
                ),
            ));
        }
        let bound = (6.0 / (self.clusters + self.dim) as f64).sqrt() as f32;
        let mut rng = seeded_rng(self.seed);
        let values: Vec<f32> = (0..self.clusters * self.dim)
            .map(|_| rng.random_range(-bound..bound))
            .collect();
        let centres = Tensor::from_data(TensorData::new(values, [self.clusters, self.dim]), device);
        Ok(SoftAssignHead {
            centres: Param::from_tensor(centres),
        })
    }
}

/// Soft cluster assignments `S = softmax(Z Cᵀ)` (row-wise) with learnable centres `C`
/// `[K, d]`: the learnable head of PyAGC's joint models.
#[derive(Module, Debug)]
pub struct SoftAssignHead {
    /// Cluster centres `[K, d]`.
    pub centres: Param<Tensor<2>>,
}

impl SoftAssignHead {
    /// Number of clusters.
    pub fn clusters(&self) -> usize {
        self.centres.dims()[0]
    }

    /// Soft assignments `[N, K]` of embeddings `z` `[N, d]`; differentiable in `z` and `C`.
    ///
    /// Errors: `z` of the wrong width.
    pub fn forward(&self, z: Tensor<2>) -> Result<Tensor<2>> {
        let [n, d] = z.dims();
        let [k, dc] = self.centres.dims();
        if d != dc {
            return Err(GslError::shape(
                "SoftAssignHead input",
                format!("[N, {dc}]"),
                format!("[{n}, {d}]"),
            ));
        }
        let logits = z.matmul(self.centres.val().transpose());
        Ok(softmax(logits, 1).reshape([n, k]))
    }

    /// The head with new centres `[K, d]` (same K and d), e.g. from k-means.
    ///
    /// Errors: a different shape, non-finite values.
    pub fn with_centres(self, centres: Tensor<2>) -> Result<Self> {
        gsl_core::tensor::ensure_shape(&centres, self.centres.dims(), "SoftAssignHead centres")?;
        ensure_finite(&centres, "SoftAssignHead centres")?;
        let device = self.centres.val().device();
        let centres = centres.to_device(&device);
        Ok(Self {
            centres: self.centres.map(|_| centres.clone()),
        })
    }
}
