//! NAFS, node-adaptive feature smoothing (Zhang et al., ICML 2022), training-free.
//!
//! For each `r` of the ensemble, the normalised adjacency `Â_r = D̂^{r−1}(A + I)D̂^{−r}` is
//! applied `K` times, `X^(k) = Â_r^k X`, and every node mixes its hops with weights
//! `w_i(k) = softmax_k cos(X_i^(0), X_i^(k))`, `k = 0..K`. The hop weighting is the one of the
//! official implementation (PKU-DAIR SGL, `OverSmoothDistanceWeightedOp`): hops that stay
//! close to the node's own features — the less over-smoothed ones — weigh more. PyAGC uses
//! `softmax(1 − cos)`, which inverts that (see `refs/agc.md` §1.8). The smoothed features of
//! the different `r` are combined by mean, max or concatenation (NAFS §3.3).

use burn::config::Config;
use burn::tensor::Tensor;
use gsl_core::ops::{add_self_loops, degree};
use gsl_core::{AttributedGraph, Graph, GslError, Result};
use serde::{Deserialize, Serialize};

use crate::framework::Embed;

/// How the smoothed features of the different `r` are combined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum NafsEnsemble {
    /// Element-wise mean.
    Mean,
    /// Element-wise maximum.
    Max,
    /// Concatenation along the features (`|r| · F` columns).
    Concat,
}

/// Hyperparameters of [`Nafs`]; defaults are the paper's (`K = 20`,
/// `r ∈ {0, 0.1, …, 0.5}`), combined by mean.
#[derive(Config, Debug, PartialEq)]
pub struct NafsConfig {
    /// Maximum propagation step K (≥ 1).
    #[config(default = 20)]
    pub k: usize,
    /// Normalisation exponents r ∈ [0, 1] of the ensemble (at least one).
    #[config(default = "vec![0.0, 0.1, 0.2, 0.3, 0.4, 0.5]")]
    pub rs: Vec<f64>,
    /// How the members are combined.
    #[config(default = "NafsEnsemble::Mean")]
    pub ensemble: NafsEnsemble,
}

impl NafsConfig {
    /// Checks `K ≥ 1` and a non-empty list of `r ∈ [0, 1]`.
    pub fn validate(&self) -> Result<()> {
        if self.k == 0 {
            return Err(GslError::invalid("k", "NAFS needs at least one step"));
        }
        if self.rs.is_empty() {
            return Err(GslError::invalid("rs", "need at least one exponent r"));
        }
        if let Some(r) = self.rs.iter().find(|r| !(0.0..=1.0).contains(*r)) {
            return Err(GslError::invalid(
                "rs",
                format!("r must be in [0, 1], got {r}"),
            ));
        }
        Ok(())
    }
}

/// The NAFS smoother.
#[derive(Debug, Clone, PartialEq)]
pub struct Nafs {
    /// Its hyperparameters.
    pub config: NafsConfig,
}

impl Nafs {
    /// A NAFS smoother with `config` (validated here).
    pub fn new(config: NafsConfig) -> Result<Self> {
        config.validate()?;
        Ok(Self { config })
    }
}

/// `D̂^{r−1}(A + I)D̂^{−r}` as a weighted graph.
fn normalized_adjacency(graph: &Graph, r: f64) -> Result<Graph> {
    let looped = add_self_loops(graph, 1.0)?;
    // Every degree is ≥ 1 thanks to the self-loop, so the powers are finite.
    let d = degree(&looped).clamp_min(f32::MIN_POSITIVE);
    let left = d.clone().powf_scalar((r - 1.0) as f32);
    let right = d.powf_scalar(-r as f32);
    let w = left
        .select(0, looped.src())
        .mul(looped.weights_or_ones())
        .mul(right.select(0, looped.dst()));
    looped.with_weights(w)
}

/// Per-node cosine between `a` and `b` rows, `[N, 1]` (with SGL's 1e-10 guard on the norms).
fn row_cosine(a: &Tensor<2>, b: &Tensor<2>) -> Tensor<2> {
    let dot = a.clone().mul(b.clone()).sum_dim(1);
    let na = a.clone().square().sum_dim(1).sqrt().add_scalar(1e-10);
    let nb = b.clone().square().sum_dim(1).sqrt().add_scalar(1e-10);
    dot.div(na).div(nb)
}

/// One ensemble member: the node-adaptive mixture of the hops of `Â_r`.
fn smooth(graph: &Graph, x: &Tensor<2>, r: f64, k: usize) -> Result<Tensor<2>> {
    let a = normalized_adjacency(graph, r)?;
    // Cosines lie in [−1, 1], so exp needs no max-shift: the softmax over hops is accumulated
    // in one pass without storing the K + 1 hop matrices.
    let w0 = row_cosine(x, x).exp();
    let mut numerator = x.clone().mul(w0.clone());
    let mut denominator = w0;
    let mut h = x.clone();
    for _ in 0..k {
        h = a.spmm(h)?;
        let w = row_cosine(x, &h).exp();
        numerator = numerator.add(h.clone().mul(w.clone()));
        denominator = denominator.add(w);
    }
    Ok(numerator.div(denominator))
}

impl Embed for Nafs {
    fn embed(&self, data: &AttributedGraph) -> Result<Tensor<2>> {
        let members = self
            .config
            .rs
            .iter()
            .map(|&r| smooth(&data.graph, &data.features, r, self.config.k))
            .collect::<Result<Vec<_>>>()?;
        let count = members.len() as f32;
        Ok(match self.config.ensemble {
            NafsEnsemble::Concat => Tensor::cat(members, 1),
            NafsEnsemble::Mean => {
                let mut it = members.into_iter();
                let first = it.next().expect("validated non-empty");
                it.fold(first, |acc, m| acc.add(m)).div_scalar(count)
            }
            NafsEnsemble::Max => {
                let mut it = members.into_iter();
                let first = it.next().expect("validated non-empty");
                it.fold(first, |acc, m| acc.max_pair(m))
            }
        })
    }
}
