//! SGC (Wu et al., ICML 2019, eq. 8) as a node embedding: `H = Ŝ^K X` with the GCN
//! normalisation `Ŝ = D̂^{-1/2}(A + I)D̂^{-1/2}` (PyAGC `models/sgc.py`). `K = 0` returns the
//! features, i.e. the plain k-means baseline.

use burn::config::Config;
use burn::tensor::Tensor;
use gsl_core::ops::gcn_norm;
use gsl_core::tensor::ensure_finite;
use gsl_core::{AttributedGraph, Result};

use crate::framework::Embed;
use gsl_core::ops::propagate;

/// Hyperparameters of [`Sgc`].
#[derive(Config, Debug, PartialEq)]
pub struct SgcConfig {
    /// Number of propagation steps K (the SGC paper uses 2).
    #[config(default = 2)]
    pub k: usize,
}

/// The SGC filter `Ŝ^K X`.
#[derive(Debug, Clone, PartialEq)]
pub struct Sgc {
    /// Its hyperparameters.
    pub config: SgcConfig,
}

impl Sgc {
    /// An SGC filter with `config`.
    pub fn new(config: SgcConfig) -> Self {
        Self { config }
    }
}

impl Embed for Sgc {
    fn embed(&self, data: &AttributedGraph) -> Result<Tensor<2>> {
        ensure_finite(&data.features, "SGC features")?;
        let norm = gcn_norm(&data.graph)?;
        propagate(&norm, data.features.clone(), self.config.k)
    }
}
