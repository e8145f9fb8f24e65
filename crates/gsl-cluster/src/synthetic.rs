//! A synthetic attributed graph with planted clusters, for tests, the CLI (`sbm-N`) and the
//! scale benchmark: the structure is gsl-data's planted-partition SBM, and the features are
//! Gaussian around one random mean per cluster (the CSBM of Deshpande et al., NeurIPS 2018,
//! with isotropic noise).

use burn::config::Config;
use burn::tensor::{Device, Int, Tensor, TensorData};
use gsl_core::train::{derive_seed, seeded_rng};
use gsl_core::{AttributedGraph, EdgeList, GslError, Result};
use gsl_data::ensembles::{Generator, StochasticBlockModel};
use rand_distr::{Distribution, Normal};
use rayon::prelude::*;

/// Parameters of [`attributed_sbm`].
#[derive(Config, Debug, PartialEq)]
pub struct AttributedSbmConfig {
    /// Number of nodes N (split into `clusters` blocks of equal size, the remainder spread).
    pub nodes: usize,
    /// Number of clusters (≥ 1, ≤ N).
    #[config(default = 10)]
    pub clusters: usize,
    /// Expected degree of a node.
    #[config(default = 20.0)]
    pub avg_degree: f64,
    /// Expected fraction of a node's edges that leave its cluster, in [0, 1].
    #[config(default = 0.3)]
    pub mixing: f64,
    /// Feature dimension.
    #[config(default = 128)]
    pub features: usize,
    /// Standard deviation of the feature noise around the cluster means (means are N(0, 1)).
    #[config(default = 2.0)]
    pub noise: f64,
    /// Seed of the graph and of the features.
    #[config(default = 0)]
    pub seed: u64,
}

/// A sampled attributed SBM.
#[derive(Debug, Clone)]
pub struct AttributedSbm {
    /// The structure on the host (both directions stored).
    pub edges: EdgeList,
    /// Structure, features and labels on the device.
    pub graph: AttributedGraph,
    /// The planted cluster of every node.
    pub labels: Vec<usize>,
}

/// Samples an attributed SBM on `device`: block probabilities are set from the expected degree
/// and the mixing fraction, `p_in = d(1 − μ)/(s − 1)` and `p_out = dμ/(N − s)` for blocks of
/// size `s`. Sampling costs `O(N·F + E)` (features drawn in parallel, edges by geometric
/// skipping).
///
/// Errors: `nodes < clusters`, zero clusters or features, probabilities outside `[0, 1]`,
/// `noise` negative or not finite.
pub fn attributed_sbm(config: &AttributedSbmConfig, device: &Device) -> Result<AttributedSbm> {
    let (n, k, f) = (config.nodes, config.clusters, config.features);
    if k == 0 || f == 0 || n < k.max(2) {
        return Err(GslError::invalid(
            "AttributedSbmConfig",
            format!(
                "need clusters >= 1, features >= 1 and nodes >= max(clusters, 2); got {k}, {f}, {n}"
            ),
        ));
    }
    if !(config.noise.is_finite() && config.noise >= 0.0) {
        return Err(GslError::invalid(
            "noise",
            format!("must be >= 0, got {}", config.noise),
        ));
    }
    if !(0.0..=1.0).contains(&config.mixing) {
        return Err(GslError::invalid(
            "mixing",
            format!("must be in [0, 1], got {}", config.mixing),
        ));
    }
    let sizes: Vec<usize> = (0..k).map(|c| n / k + usize::from(c < n % k)).collect();
    let s = (n / k) as f64;
    let p_in = if s > 1.0 {
        config.avg_degree * (1.0 - config.mixing) / (s - 1.0)
    } else {
        0.0
    };
    let p_out = if k > 1 {
        config.avg_degree * config.mixing / (n as f64 - s)
    } else {
        0.0
    };
    let sbm = StochasticBlockModel::planted(sizes, &vec![p_in.min(1.0); k], p_out.min(1.0))?;
    let edges = sbm.sample(derive_seed(config.seed, 0))?;
    let labels = sbm.labels();

    let mut rng = seeded_rng(derive_seed(config.seed, 1));
    let unit = Normal::new(0.0f32, 1.0).expect("valid normal");
    let means: Vec<f32> = (0..k * f).map(|_| unit.sample(&mut rng)).collect();
    let noise = Normal::new(0.0f32, config.noise as f32)
        .map_err(|e| GslError::invalid("noise", e.to_string()))?;
    // One generator per block of rows, seeded by the block index: the result does not depend
    // on the number of threads.
    const ROWS: usize = 4096;
    let mut x = vec![0.0f32; n * f];
    x.par_chunks_mut(ROWS * f)
        .enumerate()
        .for_each(|(b, chunk)| {
            let mut rng = seeded_rng(derive_seed(config.seed, 2 + b as u64));
            for (r, row) in chunk.chunks_mut(f).enumerate() {
                let c = labels[b * ROWS + r];
                for (j, v) in row.iter_mut().enumerate() {
                    *v = means[c * f + j] + noise.sample(&mut rng);
                }
            }
        });
    let features = Tensor::<2>::from_data(TensorData::new(x, [n, f]), device);
    let y: Vec<i64> = labels.iter().map(|&c| c as i64).collect();
    let y = Tensor::<1, Int>::from_data(TensorData::new(y, [n]), device);
    let graph = AttributedGraph::new(edges.to_graph(device), features, Some(y))?;
    Ok(AttributedSbm {
        edges,
        graph,
        labels,
    })
}
