//! SSGC, simple spectral graph convolution (Zhu & Koniusz, ICLR 2021, eq. 9):
//! `H = αX + ((1 − α)/K) Σ_{k=1}^{K} T^k X` with `T = D̂^{-1/2}(A + I)D̂^{-1/2}`, the Markov
//! diffusion kernel PyAGC's `models/ssgc.py` computes (its tutorial's `(I − αT)^K` formula is a
//! documentation slip; see `refs/agc.md` §1.6).

use burn::config::Config;
use burn::tensor::Tensor;
use gsl_core::ops::gcn_norm;
use gsl_core::{AttributedGraph, GslError, Result};

use crate::framework::Embed;

/// Hyperparameters of [`Ssgc`]; defaults are PyAGC's (`K = 5`, `α = 0.05`; its Cora setting
/// is `K = 12`).
#[derive(Config, Debug, PartialEq)]
pub struct SsgcConfig {
    /// Number of diffusion steps K (≥ 1).
    #[config(default = 5)]
    pub k: usize,
    /// Weight α ∈ [0, 1] of the raw features.
    #[config(default = 0.05)]
    pub alpha: f64,
}

impl SsgcConfig {
    /// Checks `k ≥ 1` and `α ∈ [0, 1]`.
    pub fn validate(&self) -> Result<()> {
        if self.k == 0 {
            return Err(GslError::invalid("k", "SSGC needs at least one step"));
        }
        if !(0.0..=1.0).contains(&self.alpha) {
            return Err(GslError::invalid(
                "alpha",
                format!("must be in [0, 1], got {}", self.alpha),
            ));
        }
        Ok(())
    }
}

/// The SSGC filter.
#[derive(Debug, Clone, PartialEq)]
pub struct Ssgc {
    /// Its hyperparameters.
    pub config: SsgcConfig,
}

impl Ssgc {
    /// An SSGC filter with `config` (validated here).
    pub fn new(config: SsgcConfig) -> Result<Self> {
        config.validate()?;
        Ok(Self { config })
    }
}

impl Embed for Ssgc {
    fn embed(&self, data: &AttributedGraph) -> Result<Tensor<2>> {
        let (k, alpha) = (self.config.k, self.config.alpha as f32);
        let t = gcn_norm(&data.graph)?;
        let x = data.features.clone();
        let mut h = x.clone();
        let mut sum = x.zeros_like();
        for _ in 0..k {
            h = t.spmm(h)?;
            sum = sum.add(h.clone());
        }
        Ok(x.mul_scalar(alpha)
            .add(sum.mul_scalar((1.0 - alpha) / k as f32)))
    }
}
