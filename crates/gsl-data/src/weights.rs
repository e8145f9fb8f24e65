//! Edge-weight models applied to an existing [`EdgeList`].
//!
//! [`apply_weights`] draws one weight per unordered node pair, so `(i, j)` and `(j, i)` get the
//! same weight and a symmetric graph stays symmetric. Draws follow the `(min, max)` pair order,
//! so the result depends only on the graph and the seed.
//!
//! ```
//! use gsl_data::ensembles::{BarabasiAlbert, Generator};
//! use gsl_data::weights::{WeightModel, apply_weights};
//!
//! # fn main() -> gsl_core::Result<()> {
//! // L2G's BA graphs: lognormal(0, 0.1) weights rescaled so that ΣW = N.
//! let g = BarabasiAlbert::new(20, 3).sample(0)?;
//! let w = apply_weights(&g, &WeightModel::l2g_lognormal(), 1)?;
//! let total: f32 = w.weights().unwrap().iter().sum();
//! assert!((total - 20.0).abs() < 1e-3);
//! # Ok(())
//! # }
//! ```

use std::collections::BTreeMap;

use gsl_core::{EdgeList, GslError, Result};
use rand::RngExt;
use rand_distr::{Beta, Distribution, Gamma, LogNormal, Normal};

use crate::ensembles::rng_from_seed;

/// A distribution of edge weights.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum WeightModel {
    /// Uniform on `[low, high)`.
    Uniform {
        /// Lower bound.
        low: f64,
        /// Upper bound (> `low`).
        high: f64,
    },
    /// Lognormal(μ, σ) then every weight multiplied by one factor so that the weights of all
    /// stored entries (the full symmetric matrix W, each undirected edge counted twice) sum to
    /// the number of nodes N (L2G, Pu et al. 2021, `weight_scale=True`).
    LogNormalSumToN {
        /// Mean of the underlying normal.
        mu: f64,
        /// Standard deviation of the underlying normal (> 0).
        sigma: f64,
    },
    /// BiGG-E's hierarchical Gamma for trees: one μ ~ U(`mu_low`, `mu_high`) per graph, then
    /// w ~ Gamma(shape μ², scale 1/μ) per edge (mean μ, variance 1).
    HierarchicalGamma {
        /// Lower bound of μ (> 0).
        mu_low: f64,
        /// Upper bound of μ (> `mu_low`).
        mu_high: f64,
    },
    /// Beta(α, β) (BiGG-E's lobster weights use Beta(5, 15)).
    Beta {
        /// First shape parameter (> 0).
        alpha: f64,
        /// Second shape parameter (> 0).
        beta: f64,
    },
    /// softplus(z) = ln(1 + eᶻ) with z ~ N(mean, std²) (BiGG-E's weighted ER graphs use N(0, 1)).
    SoftplusNormal {
        /// Mean of z.
        mean: f64,
        /// Standard deviation of z (> 0).
        std: f64,
    },
}

impl WeightModel {
    /// Lognormal(0, 0.1) rescaled to ΣW = N, as in L2G.
    pub fn l2g_lognormal() -> Self {
        WeightModel::LogNormalSumToN {
            mu: 0.0,
            sigma: 0.1,
        }
    }

    /// μ ~ U(7, 13), w ~ Gamma(μ², 1/μ): BiGG-E's bifurcating-tree weights.
    pub fn bigg_e_tree() -> Self {
        WeightModel::HierarchicalGamma {
            mu_low: 7.0,
            mu_high: 13.0,
        }
    }

    /// Beta(5, 15): BiGG-E's lobster weights.
    pub fn bigg_e_lobster() -> Self {
        WeightModel::Beta {
            alpha: 5.0,
            beta: 15.0,
        }
    }

    /// softplus(N(0, 1)): BiGG-E's weighted ER graphs.
    pub fn bigg_e_er() -> Self {
        WeightModel::SoftplusNormal {
            mean: 0.0,
            std: 1.0,
        }
    }

    /// Checks the parameters.
    pub fn validate(&self) -> Result<()> {
        let finite = |name: &str, v: f64| {
            if v.is_finite() {
                Ok(())
            } else {
                Err(GslError::invalid(name, format!("must be finite, got {v}")))
            }
        };
        let positive = |name: &str, v: f64| {
            if v.is_finite() && v > 0.0 {
                Ok(())
            } else {
                Err(GslError::invalid(
                    name,
                    format!("must be finite and > 0, got {v}"),
                ))
            }
        };
        let ordered = |name: &str, lo: f64, hi: f64| {
            if hi > lo {
                Ok(())
            } else {
                Err(GslError::invalid(
                    name,
                    format!("must exceed {lo}, got {hi}"),
                ))
            }
        };
        match *self {
            WeightModel::Uniform { low, high } => {
                finite("low", low)?;
                finite("high", high)?;
                ordered("high", low, high)
            }
            WeightModel::LogNormalSumToN { mu, sigma } => {
                finite("mu", mu)?;
                positive("sigma", sigma)
            }
            WeightModel::HierarchicalGamma { mu_low, mu_high } => {
                positive("mu_low", mu_low)?;
                positive("mu_high", mu_high)?;
                ordered("mu_high", mu_low, mu_high)
            }
            WeightModel::Beta { alpha, beta } => {
                positive("alpha", alpha)?;
                positive("beta", beta)
            }
            WeightModel::SoftplusNormal { mean, std } => {
                finite("mean", mean)?;
                positive("std", std)
            }
        }
    }

    /// Draws `count` weights for one graph.
    fn draw(&self, count: usize, seed: u64) -> Result<Vec<f64>> {
        let mut rng = rng_from_seed(seed);
        let bad = |e: &dyn std::fmt::Display| GslError::invalid("weight model", e.to_string());
        let values = match *self {
            WeightModel::Uniform { low, high } => {
                (0..count).map(|_| rng.random_range(low..high)).collect()
            }
            WeightModel::LogNormalSumToN { mu, sigma } => {
                let d = LogNormal::new(mu, sigma).map_err(|e| bad(&e))?;
                (0..count).map(|_| d.sample(&mut rng)).collect()
            }
            WeightModel::HierarchicalGamma { mu_low, mu_high } => {
                let mu: f64 = rng.random_range(mu_low..mu_high);
                let d = Gamma::new(mu * mu, 1.0 / mu).map_err(|e| bad(&e))?;
                (0..count).map(|_| d.sample(&mut rng)).collect()
            }
            WeightModel::Beta { alpha, beta } => {
                let d = Beta::new(alpha, beta).map_err(|e| bad(&e))?;
                (0..count).map(|_| d.sample(&mut rng)).collect()
            }
            WeightModel::SoftplusNormal { mean, std } => {
                let d = Normal::new(mean, std).map_err(|e| bad(&e))?;
                (0..count).map(|_| softplus(d.sample(&mut rng))).collect()
            }
        };
        Ok(values)
    }
}

/// ln(1 + eˣ), computed without overflow for large x.
fn softplus(x: f64) -> f64 {
    if x > 30.0 {
        x + (-x).exp().ln_1p()
    } else {
        x.exp().ln_1p()
    }
}

/// Returns a copy of `edges` whose weights are drawn from `model` with `seed`; both directions of
/// a pair get the same weight (existing weights are replaced).
///
/// Fails on an invalid model, and with [`GslError::EmptyGraph`] for
/// [`WeightModel::LogNormalSumToN`] on a graph without edges (there is nothing to rescale).
pub fn apply_weights(edges: &EdgeList, model: &WeightModel, seed: u64) -> Result<EdgeList> {
    model.validate()?;
    let mut pair_index: BTreeMap<(usize, usize), usize> = BTreeMap::new();
    for (s, d) in edges.src().iter().zip(edges.dst()) {
        pair_index.insert((*s.min(d), *s.max(d)), 0);
    }
    for (k, slot) in pair_index.values_mut().enumerate() {
        *slot = k;
    }
    let drawn = model.draw(pair_index.len(), seed)?;
    let mut weights: Vec<f64> = edges
        .src()
        .iter()
        .zip(edges.dst())
        .map(|(s, d)| drawn[pair_index[&(*s.min(d), *s.max(d))]])
        .collect();
    if matches!(model, WeightModel::LogNormalSumToN { .. }) {
        let total: f64 = weights.iter().sum();
        if weights.is_empty() || total <= 0.0 {
            return Err(GslError::EmptyGraph(
                "cannot rescale the weights of a graph without edges to ΣW = N".into(),
            ));
        }
        let scale = edges.num_nodes() as f64 / total;
        weights.iter_mut().for_each(|w| *w *= scale);
    }
    EdgeList::new(
        edges.num_nodes(),
        edges.src().to_vec(),
        edges.dst().to_vec(),
        Some(weights.into_iter().map(|w| w as f32).collect()),
    )
}
