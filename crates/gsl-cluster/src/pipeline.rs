//! The decoupled pipeline of the non-parametric methods: feature preprocessing → embedding
//! ([`Embed`]) → optional L2 normalisation → k-means, by method name (for the CLI and the
//! benchmark).
//!
//! ```
//! use burn::tensor::{Int, Tensor, TensorData};
//! use gsl_cluster::pipeline::{Method, PipelineOptions, run};
//! use gsl_core::{AttributedGraph, BuildOptions, EdgeList, Graph};
//!
//! # fn main() -> gsl_core::Result<()> {
//! let device = gsl_core::device::device_from_name("flex")?;
//! // Two triangles joined by one edge, with features that agree with them.
//! let edges = EdgeList::from_pairs(6, &[(0, 1), (0, 2), (1, 2), (3, 4), (3, 5), (4, 5), (2, 3)])?;
//! let graph = Graph::from_edges(&edges, BuildOptions::default(), &device)?;
//! let x = Tensor::<2>::from_data(
//!     TensorData::new(vec![1.0f32, 0.0, 1.0, 0.1, 0.9, 0.0, 0.0, 1.0, 0.1, 1.0, 0.0, 0.9], [6, 2]),
//!     &device,
//! );
//! let data = AttributedGraph::new(graph, x, None)?;
//! let method = Method::from_name("ssgc")?;
//! let out = run(&method, &data, &PipelineOptions::new(2))?;
//! assert_eq!(out.labels[0], out.labels[2]);
//! assert_ne!(out.labels[0], out.labels[4]);
//! # Ok(())
//! # }
//! ```

use std::time::Instant;

use burn::config::Config;
use burn::tensor::Tensor;
use gsl_core::tensor::ensure_finite;
use gsl_core::{AttributedGraph, GslError, Result};
use serde::{Deserialize, Serialize};

use crate::framework::{Embed, l2_normalize_rows};
use crate::kmeans::{KMeansConfig, Potential, kmeans};
use crate::nafs::{Nafs, NafsConfig};
use crate::node2vec::{Node2Vec, Node2VecConfig};
use crate::s2cag::{Ms2cag, Ms2cagConfig, Rounding, S2cag, S2cagConfig, snem_rounding};
use crate::sagsc::{Sagsc, SagscConfig};
use crate::sgc::{Sgc, SgcConfig};
use crate::spectral::{Spectral, SpectralConfig};
use crate::ssgc::{Ssgc, SsgcConfig};

/// Names accepted by [`Method::from_name`].
pub const METHOD_NAMES: &[&str] = &[
    "kmeans", "sgc", "ssgc", "nafs", "sagsc", "s2cag", "ms2cag", "spectral", "node2vec",
];

/// A non-parametric clustering method with its hyperparameters.
#[derive(Debug, Clone, PartialEq)]
pub enum Method {
    /// k-means on the (preprocessed) features.
    KMeans,
    /// SGC propagation, then k-means.
    Sgc(SgcConfig),
    /// SSGC propagation, then k-means.
    Ssgc(SsgcConfig),
    /// NAFS smoothing, then k-means.
    Nafs(NafsConfig),
    /// SAGSC subspace embedding (its own normalisation; the pipeline does not L2-normalise
    /// it), then k-means.
    Sagsc {
        /// Propagation order p.
        p: usize,
    },
    /// S2CAG singular vectors, then SNEM rounding (or k-means, per its config).
    S2cag(S2cagConfig),
    /// M-S2CAG modularity eigenvectors, then SNEM rounding (or k-means, per its config).
    Ms2cag(Ms2cagConfig),
    /// Node2Vec skip-gram embeddings of the structure, then k-means.
    Node2Vec(Node2VecConfig),
    /// NJW spectral embedding of the graph (eigensolver settings; `k` is set to the number of
    /// clusters), then k-means.
    Spectral {
        /// Extra block columns of the eigensolver.
        oversampling: usize,
        /// Iteration cap of the eigensolver.
        max_iter: usize,
        /// Residual tolerance of the eigensolver.
        tol: f64,
    },
}

impl Method {
    /// The method called `name` (see [`METHOD_NAMES`]) with its default hyperparameters.
    ///
    /// Errors: an unknown name (the message lists the known ones).
    pub fn from_name(name: &str) -> Result<Self> {
        Ok(match name.to_ascii_lowercase().as_str() {
            "kmeans" => Method::KMeans,
            "sgc" => Method::Sgc(SgcConfig::new()),
            "ssgc" => Method::Ssgc(SsgcConfig::new()),
            "nafs" => Method::Nafs(NafsConfig::new()),
            "sagsc" => Method::Sagsc {
                p: SagscConfig::new(1).p,
            },
            "s2cag" => Method::S2cag(S2cagConfig::new()),
            "ms2cag" => Method::Ms2cag(Ms2cagConfig::new()),
            "node2vec" => Method::Node2Vec(Node2VecConfig::new()),
            "spectral" => {
                let d = SpectralConfig::new(1);
                Method::Spectral {
                    oversampling: d.oversampling,
                    max_iter: d.max_iter,
                    tol: d.tol,
                }
            }
            other => {
                return Err(GslError::invalid(
                    "method",
                    format!(
                        "unknown method `{other}` (known: {})",
                        METHOD_NAMES.join(", ")
                    ),
                ));
            }
        })
    }

    /// The method's name.
    pub fn name(&self) -> &'static str {
        match self {
            Method::KMeans => "kmeans",
            Method::Sgc(_) => "sgc",
            Method::Ssgc(_) => "ssgc",
            Method::Nafs(_) => "nafs",
            Method::Sagsc { .. } => "sagsc",
            Method::S2cag(_) => "s2cag",
            Method::Ms2cag(_) => "ms2cag",
            Method::Node2Vec(_) => "node2vec",
            Method::Spectral { .. } => "spectral",
        }
    }

    /// The embedding model for `k` clusters and `seed`.
    pub fn embedder(&self, k: usize, seed: u64) -> Result<Box<dyn Embed>> {
        Ok(match self {
            Method::KMeans => Box::new(Sgc::new(SgcConfig::new().with_k(0))),
            Method::Sgc(c) => Box::new(Sgc::new(c.clone())),
            Method::Ssgc(c) => Box::new(Ssgc::new(c.clone())?),
            Method::Nafs(c) => Box::new(Nafs::new(c.clone())?),
            Method::Sagsc { p } => {
                Box::new(Sagsc::new(SagscConfig::new(k).with_p(*p).with_seed(seed))?)
            }
            Method::S2cag(c) => Box::new(S2cag::new(k, c.clone().with_seed(seed))?),
            Method::Ms2cag(c) => Box::new(Ms2cag::new(k, c.clone().with_seed(seed))?),
            Method::Node2Vec(c) => Box::new(Node2Vec::new(c.clone().with_seed(seed))?),
            Method::Spectral {
                oversampling,
                max_iter,
                tol,
            } => Box::new(Spectral::new(
                SpectralConfig::new(k)
                    .with_oversampling(*oversampling)
                    .with_max_iter(*max_iter)
                    .with_tol(*tol)
                    .with_seed(seed),
            )),
        })
    }
}

impl Method {
    /// SNEM iterations when the method rounds its embedding by SNEM instead of k-means.
    pub fn snem_iterations(&self) -> Option<usize> {
        match self {
            Method::S2cag(c) if c.rounding == Rounding::Snem => Some(c.snem_iterations),
            Method::Ms2cag(c) if c.rounding == Rounding::Snem => Some(c.snem_iterations),
            _ => None,
        }
    }
}

/// Feature preprocessing before the embedding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FeatureNorm {
    /// Features as given.
    None,
    /// PyG's `NormalizeFeatures`, which PyAGC applies to Planetoid and Amazon data: shift by the
    /// global minimum, then divide every row by its sum clamped to at least 1.
    RowSum,
    /// Rows scaled to unit Euclidean norm.
    L2,
    /// TF-IDF with scikit-learn's `TfidfTransformer` defaults (smooth idf
    /// `ln((1 + N)/(1 + df_j)) + 1`, then unit rows), the input of SAGSC and S2CAG's official
    /// code. Meant for non-negative count or binary features.
    TfIdf,
}

/// Applies `norm` to features `[N, F]`.
pub fn normalize_features(x: Tensor<2>, norm: FeatureNorm) -> Tensor<2> {
    match norm {
        FeatureNorm::None => x,
        FeatureNorm::L2 => l2_normalize_rows(x),
        FeatureNorm::RowSum => {
            let min = x.clone().min().reshape([1, 1]);
            let shifted = x.sub(min);
            let sums = shifted.clone().sum_dim(1).clamp_min(1.0);
            shifted.div(sums)
        }
        FeatureNorm::TfIdf => {
            let n = x.dims()[0] as f32;
            let df = x.clone().greater_elem(0.0).float().sum_dim(0); // [1, F]
            let idf = df
                .add_scalar(1.0)
                .recip()
                .mul_scalar(n + 1.0)
                .log()
                .add_scalar(1.0);
            l2_normalize_rows(x.mul(idf))
        }
    }
}

/// Options of [`run`] other than the method.
#[derive(Config, Debug, PartialEq)]
pub struct PipelineOptions {
    /// Number of clusters.
    pub k: usize,
    /// Seed of the eigensolver (spectral) and of k-means.
    #[config(default = 0)]
    pub seed: u64,
    /// Feature preprocessing.
    #[config(default = "FeatureNorm::None")]
    pub feature_norm: FeatureNorm,
    /// L2-normalise the embedding rows before k-means (PyAGC's `normalize_embeddings`);
    /// never applied to SAGSC, whose embedding is already normalised by its method, nor to
    /// an embedding rounded by SNEM.
    #[config(default = true)]
    pub normalize_embeddings: bool,
    /// k-means restarts.
    #[config(default = 10)]
    pub n_init: usize,
    /// k-means iterations per restart.
    #[config(default = 300)]
    pub max_iter: usize,
    /// k-means seeding / restart potential (`Potential::Distance` reproduces PyAGC's
    /// `TorchKMeans`).
    #[config(default = "Potential::SquaredDistance")]
    pub kmeans_potential: Potential,
}

/// What [`run`] produced.
#[derive(Debug, Clone)]
pub struct PipelineOutput {
    /// Cluster of every node.
    pub labels: Vec<usize>,
    /// The embedding that was clustered (after normalisation), `[N, d]`.
    pub embedding: Tensor<2>,
    /// k-means inertia of the embedding (`None` when the method rounds by SNEM).
    pub inertia: Option<f64>,
    /// Seconds spent on preprocessing and the embedding.
    pub embed_seconds: f64,
    /// Seconds spent in k-means or SNEM rounding.
    pub cluster_seconds: f64,
}

/// Runs `method` on `data` end to end: preprocessing, embedding, normalisation, k-means.
///
/// Errors: `k = 0` or `k > N`, and those of the method and of [`kmeans`].
pub fn run(
    method: &Method,
    data: &AttributedGraph,
    options: &PipelineOptions,
) -> Result<PipelineOutput> {
    let n = data.num_nodes();
    if options.k == 0 || options.k > n {
        return Err(GslError::invalid(
            "k",
            format!("need 1 <= k <= N = {n}, got {}", options.k),
        ));
    }
    let [nf, f] = data.features.dims();
    if nf != n {
        return Err(GslError::shape(
            "pipeline features: one row per node",
            format!("[{n}, F]"),
            format!("[{nf}, {f}]"),
        ));
    }
    ensure_finite(&data.features, "node features")?;
    let start = Instant::now();
    let prepared = AttributedGraph {
        graph: data.graph.clone(),
        features: normalize_features(data.features.clone(), options.feature_norm),
        labels: None,
    };
    let mut z = method.embedder(options.k, options.seed)?.embed(&prepared)?;
    let snem = method.snem_iterations();
    if options.normalize_embeddings && !matches!(method, Method::Sagsc { .. }) && snem.is_none() {
        z = l2_normalize_rows(z);
    }
    // Reading one value waits for the device, so the timings split where the work is.
    let _: f32 = z.clone().slice([0..1, 0..1]).into_scalar();
    let embed_seconds = start.elapsed().as_secs_f64();
    let start = Instant::now();
    if let Some(iterations) = snem {
        return Ok(PipelineOutput {
            labels: snem_rounding(z.clone(), iterations)?,
            embedding: z,
            inertia: None,
            embed_seconds,
            cluster_seconds: start.elapsed().as_secs_f64(),
        });
    }
    let config = KMeansConfig::new(options.k)
        .with_seed(options.seed)
        .with_n_init(options.n_init)
        .with_max_iter(options.max_iter)
        .with_potential(options.kmeans_potential);
    let result = kmeans(z.clone(), &config)?;
    Ok(PipelineOutput {
        labels: result.labels,
        embedding: z,
        inertia: Some(result.inertia),
        embed_seconds,
        cluster_seconds: start.elapsed().as_secs_f64(),
    })
}
