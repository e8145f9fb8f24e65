//! Supervised structure-learning datasets: pairs (observation, true graph) with train / val /
//! test splits and batch iteration on the device, plus the published recipes.
//!
//! An observation is either the signals `X` `[N, P]` or a summary `S(X)` `[N, N]` (sample or
//! analytic covariance / correlation, or L2G's mean squared distances); the target is the true
//! graph's weighted adjacency `[N, N]` (half-vector on request) or, for GLAD, the precision
//! matrix `Θ`. Generation runs in chunks of graphs: host factors ([`crate::signals`]) then one
//! batched device matmul and one batched summary per chunk, so memory stays
//! `O(chunk · N · P)` even for L2G's 8064 graphs × 3000 signals.
//!
//! Recipes ([`Recipe`]; parameters from each paper's released code, see `docs/gsl-data.md`):
//!
//! | recipe | graphs | signals | observation | target |
//! |---|---|---|---|---|
//! | [`Recipe::l2g_ba20`] | BA N=20 m=3, lognormal(0, 0.1) weights, ΣW = N | 3000, `N(0, (L + 1e-4 I)⁻¹)` | `(1/P)‖x_i − x_j‖²` | `W` |
//! | [`Recipe::l2g_ws50`] | WS N=50 k=5 p=0.3, same weights | same | same | `W` |
//! | [`Recipe::gdn_diffusion`] | geometric N=68 r=0.56, density in [0.5, 0.6] | 50 diffused, 3 taps on the unit sphere | sample covariance / λ_max | `A` |
//! | [`Recipe::glad_gaussian`] | ER N=100, p ~ U[0.12, 0.25] per graph | 500, `N(0, Θ⁻¹)`, u = 1 | sample covariance | `Θ` |
//! | [`Recipe::pseudo_synthetic`] | given real graph(s), e.g. the HCP connectome | diffused | sample covariance / λ_max | `W` |
//!
//! L2G splits 8064 graphs into 6400 / 1600 / 64; every count is configurable.
//!
//! ```
//! use gsl_data::supervised::{Recipe, Split, SplitSizes};
//!
//! # fn main() -> gsl_core::Result<()> {
//! let device = gsl_core::device::device_from_name("flex")?;
//! // A small L2G BA20 set: 8 / 2 / 2 graphs, 100 signals each.
//! let recipe = Recipe::l2g_ba20(SplitSizes::new(8, 2, 2), 100, 0);
//! let data = recipe.build(&device)?;
//! let batch = data.batches(Split::Train, 4, Some(1), &device)?.next().unwrap();
//! assert_eq!(batch.observation.dims(), [4, 20, 20]);
//! assert_eq!(batch.target_halfvec()?.dims(), [4, 190]);
//! # Ok(())
//! # }
//! ```

use burn::tensor::{Device, Tensor, TensorData};
use gsl_core::similarity::{correlation, covariance};
use gsl_core::tensor::to_vec_f32;
use gsl_core::{EdgeList, GslError, Result};
use rand::RngExt;
use rand::seq::SliceRandom;
use rayon::prelude::*;

use crate::ensembles::{
    BarabasiAlbert, ErdosRenyi, Generator, RandomGeometric, Resampled, SamplerOptions,
    WattsStrogatz, derive_seed, rng_from_seed,
};
use crate::signals::{
    GraphFactors, SignalModel, analytic_correlation, common_num_nodes, dense_adjacency,
    graph_factors, mean_squared_distances, push_row_major, unit_sphere_coefficients,
};
use crate::weights::{WeightModel, apply_weights};

/// Seed streams of a dataset seed: graphs, weights, model, signals, split, coefficients.
const GRAPH_STREAM: u64 = 0;
const WEIGHT_STREAM: u64 = 1;
const MODEL_STREAM: u64 = 2;
const SIGNAL_STREAM: u64 = 3;
const SPLIT_STREAM: u64 = 4;
const COEFFICIENT_STREAM: u64 = 5;

/// What a dataset pairs with each graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Observation {
    /// The signals themselves, `[N, P]`.
    Signals,
    /// Sample covariance `[N, N]` (centred, `1/(P−1)`, gsl-core's `covariance`).
    SampleCovariance,
    /// Sample correlation `[N, N]`.
    SampleCorrelation,
    /// The model's covariance `Σ` `[N, N]` (no sampling).
    AnalyticCovariance,
    /// The model's correlation `[N, N]` (pyGSL's `analytic_corr`).
    AnalyticCorrelation,
    /// L2G's `(1/P)‖x_i − x_j‖²` `[N, N]` (its half-vector is L2G's input `z`). Without noise
    /// and with `P ≥ N` it is drawn from its exact law without drawing the signals
    /// ([`GraphFactors::sample_mean_squared_distances`](crate::signals::GraphFactors::sample_mean_squared_distances)).
    MeanSquaredDistances,
}

impl Observation {
    fn needs_signals(self) -> bool {
        !matches!(
            self,
            Observation::AnalyticCovariance | Observation::AnalyticCorrelation
        )
    }
}

/// What the dataset asks to recover.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Target {
    /// The weighted adjacency `W` of the true graph (zero diagonal).
    Adjacency,
    /// The precision matrix `Θ` (GLAD); needs a model that defines one.
    Precision,
}

/// Train / validation / test sizes (graphs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SplitSizes {
    /// Training graphs.
    pub train: usize,
    /// Validation graphs.
    pub val: usize,
    /// Test graphs.
    pub test: usize,
}

impl SplitSizes {
    /// The given sizes.
    pub fn new(train: usize, val: usize, test: usize) -> Self {
        Self { train, val, test }
    }

    /// L2G's 6400 / 1600 / 64 (8064 graphs).
    pub fn l2g() -> Self {
        Self::new(6400, 1600, 64)
    }

    /// Total number of graphs.
    pub fn total(&self) -> usize {
        self.train + self.val + self.test
    }
}

/// One of the three parts of a dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Split {
    /// Training part.
    Train,
    /// Validation part.
    Val,
    /// Test part.
    Test,
}

/// How observations are made from graphs (everything but the graphs).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SignalConfig {
    /// The signal model.
    pub model: SignalModel,
    /// Signals per graph P (≥ 2 for sample statistics).
    pub num_signals: usize,
    /// Standard deviation of additive white noise (0 = none).
    pub noise_std: f64,
    /// The observation stored per graph.
    pub observation: Observation,
    /// Divide each observation matrix by its largest eigenvalue magnitude (pyGSL
    /// `sum_stat_norm='max_eig'`); not allowed with [`Observation::Signals`].
    pub normalize_max_eigenvalue: bool,
    /// The target stored per graph.
    pub target: Target,
    /// Graphs per device chunk during generation (memory `chunk · N · P` floats).
    pub chunk_size: usize,
}

impl SignalConfig {
    /// Checks the configuration.
    pub fn validate(&self) -> Result<()> {
        self.model.validate()?;
        if self.num_signals == 0 {
            return Err(GslError::invalid("num_signals", "must be at least 1"));
        }
        if self.num_signals < 2
            && matches!(
                self.observation,
                Observation::SampleCovariance | Observation::SampleCorrelation
            )
        {
            return Err(GslError::invalid(
                "num_signals",
                "sample statistics need at least 2 signals",
            ));
        }
        if !self.noise_std.is_finite() || self.noise_std < 0.0 {
            return Err(GslError::invalid(
                "noise_std",
                format!("must be finite and >= 0, got {}", self.noise_std),
            ));
        }
        if self.normalize_max_eigenvalue && self.observation == Observation::Signals {
            return Err(GslError::invalid(
                "normalize_max_eigenvalue",
                "only applies to matrix observations, not to signals",
            ));
        }
        if self.target == Target::Precision
            && !matches!(
                self.model,
                SignalModel::Ggm { .. } | SignalModel::GaussianSmooth { .. }
            )
        {
            return Err(GslError::invalid(
                "target",
                "a precision target needs the Ggm or GaussianSmooth model",
            ));
        }
        if self.chunk_size == 0 {
            return Err(GslError::invalid("chunk_size", "must be at least 1"));
        }
        Ok(())
    }
}

/// A supervised dataset held on the host; batches are moved to the device on demand.
#[derive(Debug, Clone)]
pub struct SupervisedDataset {
    /// Nodes per graph.
    pub num_nodes: usize,
    /// Shape of one observation: `[N, P]` for signals, `[N, N]` otherwise.
    pub observation_shape: [usize; 2],
    /// Observations, `[count, …observation_shape]` row-major.
    pub observations: Vec<f32>,
    /// Targets, `[count, N, N]` row-major.
    pub targets: Vec<f32>,
    /// The true graphs.
    pub graphs: Vec<EdgeList>,
    /// Indices of the training graphs.
    pub train: Vec<usize>,
    /// Indices of the validation graphs.
    pub val: Vec<usize>,
    /// Indices of the test graphs.
    pub test: Vec<usize>,
}

/// One batch on the device.
#[derive(Debug, Clone)]
pub struct Batch {
    /// Dataset indices of the batch members.
    pub indices: Vec<usize>,
    /// Observations `[B, N, P]` or `[B, N, N]`.
    pub observation: Tensor<3>,
    /// Targets `[B, N, N]`.
    pub target: Tensor<3>,
}

impl Batch {
    /// The targets as half-vectors `[B, N(N−1)/2]` (strict upper triangle).
    pub fn target_halfvec(&self) -> Result<Tensor<2>> {
        gsl_core::dense::halfvec(self.target.clone())
    }

    /// Square observations as half-vectors `[B, N(N−1)/2]` (L2G's `z`); an error for signals.
    pub fn observation_halfvec(&self) -> Result<Tensor<2>> {
        gsl_core::dense::halfvec(self.observation.clone())
    }
}

/// Iterator over the batches of one split (see [`SupervisedDataset::batches`]).
#[derive(Debug)]
pub struct Batches<'a> {
    data: &'a SupervisedDataset,
    order: Vec<usize>,
    batch_size: usize,
    position: usize,
    device: Device,
}

impl Iterator for Batches<'_> {
    type Item = Batch;

    fn next(&mut self) -> Option<Batch> {
        if self.position >= self.order.len() {
            return None;
        }
        let end = (self.position + self.batch_size).min(self.order.len());
        let indices = self.order[self.position..end].to_vec();
        self.position = end;
        Some(self.data.gather(indices, &self.device))
    }
}

impl SupervisedDataset {
    /// Builds a dataset from given graphs (all with the same node count): observation `k` is
    /// made from graph `k`, and the graphs are split at random (seed stream of `seed`) into
    /// `sizes`, which must add up to the number of graphs. `progress(done, total)` is called
    /// after every chunk of graphs.
    ///
    /// Errors: an invalid configuration, sizes that do not add up, and those of
    /// [`graph_factors`].
    pub fn from_graphs(
        graphs: Vec<EdgeList>,
        config: &SignalConfig,
        sizes: SplitSizes,
        seed: u64,
        device: &Device,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<Self> {
        config.validate()?;
        let n = common_num_nodes(&graphs)?;
        let count = graphs.len();
        if sizes.total() != count {
            return Err(GslError::invalid(
                "sizes",
                format!(
                    "train + val + test = {} but there are {count} graphs",
                    sizes.total()
                ),
            ));
        }
        let factors = graph_factors(&graphs, &config.model, derive_seed(seed, MODEL_STREAM))?;
        let observation_shape = if config.observation == Observation::Signals {
            [n, config.num_signals]
        } else {
            [n, n]
        };
        let mut observations =
            Vec::with_capacity(count * observation_shape[0] * observation_shape[1]);
        let mut start = 0;
        while start < count {
            let end = (start + config.chunk_size).min(count);
            let chunk = observe(&factors, start..end, config, seed, device)?;
            observations.extend(to_vec_f32(chunk));
            start = end;
            progress(end, count);
        }
        let targets = match config.target {
            Target::Adjacency => {
                let per_graph: Vec<Vec<f32>> = graphs
                    .par_iter()
                    .enumerate()
                    .map(|(k, g)| {
                        let mut a = dense_adjacency(g, false, k)?;
                        a.fill_diagonal(0.0);
                        let mut out = Vec::with_capacity(n * n);
                        push_row_major(&a, &mut out);
                        Ok(out)
                    })
                    .collect::<Result<_>>()?;
                per_graph.concat()
            }
            Target::Precision => factors.precisions.clone().ok_or_else(|| {
                GslError::invalid("target", "the signal model defines no precision matrix")
            })?,
        };
        let mut order: Vec<usize> = (0..count).collect();
        order.shuffle(&mut rng_from_seed(derive_seed(seed, SPLIT_STREAM)));
        let test = order[..sizes.test].to_vec();
        let val = order[sizes.test..sizes.test + sizes.val].to_vec();
        let train = order[sizes.test + sizes.val..].to_vec();
        Ok(Self {
            num_nodes: n,
            observation_shape,
            observations,
            targets,
            graphs,
            train,
            val,
            test,
        })
    }

    /// Number of (observation, graph) pairs.
    pub fn len(&self) -> usize {
        self.graphs.len()
    }

    /// Whether the dataset has no pairs.
    pub fn is_empty(&self) -> bool {
        self.graphs.is_empty()
    }

    /// The dataset indices of a split.
    pub fn indices(&self, split: Split) -> &[usize] {
        match split {
            Split::Train => &self.train,
            Split::Val => &self.val,
            Split::Test => &self.test,
        }
    }

    fn gather(&self, indices: Vec<usize>, device: &Device) -> Batch {
        let [r, c] = self.observation_shape;
        let nn = self.num_nodes * self.num_nodes;
        let b = indices.len();
        let mut obs = Vec::with_capacity(b * r * c);
        let mut tgt = Vec::with_capacity(b * nn);
        for &i in &indices {
            obs.extend_from_slice(&self.observations[i * r * c..(i + 1) * r * c]);
            tgt.extend_from_slice(&self.targets[i * nn..(i + 1) * nn]);
        }
        Batch {
            indices,
            observation: Tensor::from_data(TensorData::new(obs, [b, r, c]), device),
            target: Tensor::from_data(
                TensorData::new(tgt, [b, self.num_nodes, self.num_nodes]),
                device,
            ),
        }
    }

    /// The pairs with the given dataset indices, as one batch on `device`.
    ///
    /// Errors: no indices, an index out of range.
    pub fn batch(&self, indices: &[usize], device: &Device) -> Result<Batch> {
        if indices.is_empty() {
            return Err(GslError::invalid("indices", "need at least one index"));
        }
        if let Some(&bad) = indices.iter().find(|&&i| i >= self.len()) {
            return Err(GslError::invalid(
                "indices",
                format!("index {bad} is out of range for {} pairs", self.len()),
            ));
        }
        Ok(self.gather(indices.to_vec(), device))
    }

    /// Batches of `batch_size` pairs of `split` (the last one may be smaller), in split order or
    /// shuffled with `shuffle_seed`.
    ///
    /// Errors: `batch_size = 0`, an empty split.
    pub fn batches(
        &self,
        split: Split,
        batch_size: usize,
        shuffle_seed: Option<u64>,
        device: &Device,
    ) -> Result<Batches<'_>> {
        if batch_size == 0 {
            return Err(GslError::invalid("batch_size", "must be at least 1"));
        }
        let mut order = self.indices(split).to_vec();
        if order.is_empty() {
            return Err(GslError::invalid(
                "split",
                format!("the {split:?} split is empty"),
            ));
        }
        if let Some(seed) = shuffle_seed {
            order.shuffle(&mut rng_from_seed(seed));
        }
        Ok(Batches {
            data: self,
            order,
            batch_size,
            position: 0,
            device: device.clone(),
        })
    }
}

/// The observations of graphs `range` as a device tensor.
fn observe(
    factors: &GraphFactors,
    range: std::ops::Range<usize>,
    config: &SignalConfig,
    seed: u64,
    device: &Device,
) -> Result<Tensor<3>> {
    // L2G's distance summary without noise has an exact sampler that skips the signals.
    if config.observation == Observation::MeanSquaredDistances
        && config.noise_std == 0.0
        && config.num_signals >= factors.num_nodes
        && !config.normalize_max_eigenvalue
    {
        return factors.sample_mean_squared_distances(
            range,
            config.num_signals,
            derive_seed(seed, SIGNAL_STREAM),
            device,
        );
    }
    let signals = if config.observation.needs_signals() {
        Some(factors.sample(
            range.clone(),
            config.num_signals,
            config.noise_std,
            derive_seed(seed, SIGNAL_STREAM),
            device,
        )?)
    } else {
        None
    };
    let need =
        |x: Option<Tensor<3>>| x.ok_or_else(|| GslError::invalid("observation", "needs signals"));
    let obs = match config.observation {
        Observation::Signals => need(signals)?,
        Observation::SampleCovariance => covariance(need(signals)?)?,
        Observation::SampleCorrelation => correlation(need(signals)?)?,
        Observation::MeanSquaredDistances => mean_squared_distances(need(signals)?)?,
        Observation::AnalyticCovariance => factors.covariance_tensor(range, device)?,
        Observation::AnalyticCorrelation => {
            analytic_correlation(factors.covariance_tensor(range, device)?)?
        }
    };
    if config.normalize_max_eigenvalue {
        gsl_core::ops::normalize_by_largest_eigenvalue(obs)
    } else {
        Ok(obs)
    }
}

/// The graphs of a recipe.
#[derive(Debug, Clone, PartialEq)]
pub enum GraphSource {
    /// Barabási–Albert graphs.
    BarabasiAlbert(BarabasiAlbert),
    /// Watts–Strogatz graphs.
    WattsStrogatz(WattsStrogatz),
    /// Random geometric graphs redrawn until they pass the sampler options.
    Geometric(Resampled<RandomGeometric>),
    /// Erdős–Rényi graphs with `p ~ U[p_min, p_max]` drawn per graph (GLAD's `create_GGM`).
    ErdosRenyiRange {
        /// Nodes per graph.
        num_nodes: usize,
        /// Smallest edge probability.
        p_min: f64,
        /// Largest edge probability.
        p_max: f64,
    },
    /// Given graphs (e.g. a real connectome); graph `k` of the dataset is `graphs[k % len]`.
    Fixed(Vec<EdgeList>),
}

impl GraphSource {
    /// Draws `count` graphs from `seed` (graph `k` from `derive_seed(seed, k)`), in parallel.
    pub fn sample(&self, count: usize, seed: u64) -> Result<Vec<EdgeList>> {
        if count == 0 {
            return Err(GslError::invalid("count", "need at least one graph"));
        }
        match self {
            GraphSource::BarabasiAlbert(g) => g.sample_many(count, seed),
            GraphSource::WattsStrogatz(g) => g.sample_many(count, seed),
            GraphSource::Geometric(g) => g.sample_many(count, seed),
            GraphSource::ErdosRenyiRange {
                num_nodes,
                p_min,
                p_max,
            } => {
                if !(p_min.is_finite()
                    && p_max.is_finite()
                    && 0.0 <= *p_min
                    && p_min <= p_max
                    && *p_max <= 1.0)
                {
                    return Err(GslError::invalid(
                        "p_min, p_max",
                        format!("need 0 <= p_min <= p_max <= 1, got [{p_min}, {p_max}]"),
                    ));
                }
                (0..count)
                    .into_par_iter()
                    .map(|k| {
                        let s = derive_seed(seed, k as u64);
                        let p = if p_min == p_max {
                            *p_min
                        } else {
                            rng_from_seed(derive_seed(s, 0)).random_range(*p_min..*p_max)
                        };
                        ErdosRenyi::new(*num_nodes, p).sample(derive_seed(s, 1))
                    })
                    .collect()
            }
            GraphSource::Fixed(graphs) => {
                if graphs.is_empty() {
                    return Err(GslError::invalid("graphs", "need at least one graph"));
                }
                Ok((0..count)
                    .map(|k| graphs[k % graphs.len()].clone())
                    .collect())
            }
        }
    }
}

/// A complete dataset recipe: graphs, weights, signals, observation, target and split sizes.
#[derive(Debug, Clone, PartialEq)]
pub struct Recipe {
    /// Where the graphs come from.
    pub graphs: GraphSource,
    /// Edge weights drawn on each graph (`None` keeps the graph's own weights).
    pub weights: Option<WeightModel>,
    /// Signals, observation and target.
    pub signals: SignalConfig,
    /// Split sizes; their total is the number of graphs.
    pub sizes: SplitSizes,
    /// Seed of everything.
    pub seed: u64,
}

fn l2g_signals(num_signals: usize) -> SignalConfig {
    SignalConfig {
        model: SignalModel::l2g(),
        num_signals,
        noise_std: 0.0,
        observation: Observation::MeanSquaredDistances,
        normalize_max_eigenvalue: false,
        target: Target::Adjacency,
        chunk_size: 256,
    }
}

fn gdn_signals(coefficients: Vec<f64>, num_signals: usize) -> SignalConfig {
    SignalConfig {
        model: SignalModel::Diffusion { coefficients },
        num_signals,
        noise_std: 0.0,
        observation: Observation::SampleCovariance,
        normalize_max_eigenvalue: true,
        target: Target::Adjacency,
        chunk_size: 256,
    }
}

impl Recipe {
    /// L2G's BA20 set (Pu et al. 2021, `data_simulation.py`): BA N = 20, m = 3; lognormal(0, 0.1)
    /// weights scaled to ΣW = N; `num_signals` (3000 in the paper) signals
    /// `x ~ N(0, (L + 1e-4 I)⁻¹)`; observation `(1/P)‖x_i − x_j‖²`; target `W`. The paper's
    /// sizes are [`SplitSizes::l2g`].
    pub fn l2g_ba20(sizes: SplitSizes, num_signals: usize, seed: u64) -> Self {
        Self {
            graphs: GraphSource::BarabasiAlbert(BarabasiAlbert::new(20, 3)),
            weights: Some(WeightModel::l2g_lognormal()),
            signals: l2g_signals(num_signals),
            sizes,
            seed,
        }
    }

    /// L2G's WS50 set: Watts–Strogatz N = 50, k = 5, p = 0.3, otherwise as [`Recipe::l2g_ba20`].
    pub fn l2g_ws50(sizes: SplitSizes, num_signals: usize, seed: u64) -> Self {
        Self {
            graphs: GraphSource::WattsStrogatz(WattsStrogatz::new(50, 5, 0.3)),
            ..Self::l2g_ba20(sizes, num_signals, seed)
        }
    }

    /// GDN's diffusion set (pyGSL `Diffused`): random geometric graphs N = 68, r = 0.56 in the
    /// unit square, redrawn until connected with edge density in [0.5, 0.6]; one set of 3 filter
    /// coefficients on the unit sphere for the whole dataset (from `seed`); observation = sample
    /// covariance of `num_signals` (50) diffused signals divided by its largest eigenvalue;
    /// target = the binary adjacency.
    pub fn gdn_diffusion(sizes: SplitSizes, num_signals: usize, seed: u64) -> Result<Self> {
        let coefficients = unit_sphere_coefficients(3, derive_seed(seed, COEFFICIENT_STREAM))?;
        let options = SamplerOptions {
            require_connected: true,
            min_density: 0.5,
            max_density: 0.6,
            max_attempts: 200,
        };
        Ok(Self {
            graphs: GraphSource::Geometric(Resampled::new(RandomGeometric::default(), options)),
            weights: None,
            signals: gdn_signals(coefficients, num_signals),
            sizes,
            seed,
        })
    }

    /// GLAD's Gaussian set (`create_GGM`): ER graphs with N = `num_nodes` (100 in the paper) and
    /// `p ~ U[0.12, 0.25]` per graph, `Θ = A∘U + (1 − λ_min)I` with U[−1, 1] weights, `num_signals`
    /// (e.g. 500) samples `x ~ N(0, Θ⁻¹)`; observation = sample covariance; target = `Θ`.
    pub fn glad_gaussian(
        sizes: SplitSizes,
        num_nodes: usize,
        num_signals: usize,
        seed: u64,
    ) -> Self {
        Self {
            graphs: GraphSource::ErdosRenyiRange {
                num_nodes,
                p_min: 0.12,
                p_max: 0.25,
            },
            weights: None,
            signals: SignalConfig {
                model: SignalModel::glad(),
                num_signals,
                noise_std: 0.0,
                observation: Observation::SampleCovariance,
                normalize_max_eigenvalue: false,
                target: Target::Precision,
                chunk_size: 64,
            },
            sizes,
            seed,
        }
    }

    /// Pseudo-synthetic data (GDN's `SC` setting): real graphs (e.g. the HCP group structural
    /// connectome, loaded with [`crate::loaders::read_matrix`] and
    /// [`crate::loaders::Matrix::to_edge_list`]) with synthetic diffused signals as in
    /// [`Recipe::gdn_diffusion`]; pair `k` uses `graphs[k % graphs.len()]` with its own weights,
    /// so with one graph the pairs differ only in their signals.
    pub fn pseudo_synthetic(
        graphs: Vec<EdgeList>,
        sizes: SplitSizes,
        num_signals: usize,
        seed: u64,
    ) -> Result<Self> {
        let coefficients = unit_sphere_coefficients(3, derive_seed(seed, COEFFICIENT_STREAM))?;
        Ok(Self {
            graphs: GraphSource::Fixed(graphs),
            weights: None,
            signals: gdn_signals(coefficients, num_signals),
            sizes,
            seed,
        })
    }

    /// Draws the graphs (with their weights) of the recipe.
    pub fn sample_graphs(&self) -> Result<Vec<EdgeList>> {
        let graphs = self
            .graphs
            .sample(self.sizes.total(), derive_seed(self.seed, GRAPH_STREAM))?;
        match &self.weights {
            None => Ok(graphs),
            Some(model) => {
                let weight_seed = derive_seed(self.seed, WEIGHT_STREAM);
                graphs
                    .par_iter()
                    .enumerate()
                    .map(|(k, g)| apply_weights(g, model, derive_seed(weight_seed, k as u64)))
                    .collect()
            }
        }
    }

    /// Builds the dataset (see [`SupervisedDataset::from_graphs`]).
    pub fn build(&self, device: &Device) -> Result<SupervisedDataset> {
        self.build_with_progress(device, &mut |_, _| {})
    }

    /// Builds the dataset, calling `progress(done, total)` after every chunk of graphs.
    pub fn build_with_progress(
        &self,
        device: &Device,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<SupervisedDataset> {
        self.signals.validate()?;
        let graphs = self.sample_graphs()?;
        SupervisedDataset::from_graphs(
            graphs,
            &self.signals,
            self.sizes,
            self.seed,
            device,
            progress,
        )
    }
}
