//! Hyperparameters of BiGG, with the defaults of `bigg/common/configs.py` and
//! `experiments/synthetic/batch_train.py`.

use burn::config::Config;
use gsl_core::{GslError, Result};

/// How training graphs are ordered before their rows are read (BiGG's `-node_order`).
#[derive(Config, Debug, PartialEq, Eq, Copy)]
pub enum NodeOrder {
    /// The graph's own node ids (`default`).
    Identity,
    /// BFS per connected component from its maximum-degree node (`BFS`, used for grids).
    Bfs,
    /// DFS per connected component from its maximum-degree node (`DFS`, used for lobsters,
    /// proteins and point clouds).
    Dfs,
}

impl NodeOrder {
    /// Parses `identity`, `bfs` or `dfs` (case-insensitive).
    pub fn from_name(name: &str) -> Result<Self> {
        match name.to_ascii_lowercase().as_str() {
            "identity" | "default" => Ok(Self::Identity),
            "bfs" => Ok(Self::Bfs),
            "dfs" => Ok(Self::Dfs),
            other => Err(GslError::invalid(
                "node_order",
                format!("unknown ordering `{other}`; known: identity, bfs, dfs"),
            )),
        }
    }
}

/// BiGG's hyperparameters. Defaults: BiGG's `configs.py` (embed_dim 256, bits_compress 256,
/// positional encoding with base 10000, lr 1e-3, grad-clip 5, batch 10, `epoch_save` 100
/// steps per epoch) and `batch_train.py` (Adam with weight decay 1e-4).
#[derive(Config, Debug, PartialEq)]
pub struct BiggConfig {
    /// Width `d` of every state.
    #[config(default = 256)]
    pub embed_dim: usize,
    /// Subtrees of at most this many columns are summarised by a fixed ±1 bit vector instead
    /// of the Tree-LSTM (0: off). Must not exceed `embed_dim`.
    #[config(default = 256)]
    pub bits_compress: usize,
    /// Add the sinusoidal encoding of `n − i` to the controller state of row `i`.
    #[config(default = true)]
    pub pos_enc: bool,
    /// Base of the positional encoding.
    #[config(default = 10000.0)]
    pub pos_base: f64,
    /// Node ordering of the training graphs.
    #[config(default = "NodeOrder::Dfs")]
    pub node_order: NodeOrder,
    /// Adam learning rate.
    #[config(default = 1e-3)]
    pub learning_rate: f64,
    /// Adam L2 weight decay (`batch_train.py`).
    #[config(default = 1e-4)]
    pub weight_decay: f64,
    /// Global gradient-norm clipping (0: off).
    #[config(default = 5.0)]
    pub grad_clip: f64,
    /// Graphs per optimiser step, drawn at random from the training set each step.
    #[config(default = 10)]
    pub batch_size: usize,
    /// Number of epochs.
    #[config(default = 100)]
    pub epochs: usize,
    /// Optimiser steps per epoch (BiGG's `epoch_save`).
    #[config(default = 100)]
    pub steps_per_epoch: usize,
    /// Greedy-decoding mix at sampling time: `p' = p(1 − g) + g·[p ≥ 0.5]`.
    #[config(default = 0.0)]
    pub greedy_frac: f64,
    /// Block-wise training (BiGG's `-blksize`): evaluate each training graph `B` rows at a
    /// time, passing the gradient of the Fenwick states across block boundaries
    /// ([`BiggNet::blockwise_gradients`](super::BiggNet::blockwise_gradients)), so that
    /// training memory is bounded by the block instead of the graph. The gradients equal the
    /// one-pass ones. `None` (BiGG's default `-1`): off, whole graphs in one pass. Optional so
    /// that configs and checkpoints written before it existed still load; `Some(0)` is
    /// invalid.
    pub block_size: Option<usize>,
}

impl BiggConfig {
    /// Checks every field; `embed_dim ≥ bits_compress` is BiGG's `BitsRepNet` invariant.
    pub fn validate(&self) -> Result<()> {
        if self.embed_dim == 0 {
            return Err(GslError::invalid("embed_dim", "must be at least 1"));
        }
        if self.bits_compress > self.embed_dim {
            return Err(GslError::invalid(
                "bits_compress",
                format!(
                    "must not exceed embed_dim ({}), got {}: the bit features live in the \
                     state vector",
                    self.embed_dim, self.bits_compress
                ),
            ));
        }
        if !(self.pos_base.is_finite() && self.pos_base > 1.0) {
            return Err(GslError::invalid(
                "pos_base",
                format!("must be finite and > 1, got {}", self.pos_base),
            ));
        }
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            return Err(GslError::invalid(
                "learning_rate",
                format!("must be finite and > 0, got {}", self.learning_rate),
            ));
        }
        if !(self.weight_decay.is_finite() && self.weight_decay >= 0.0) {
            return Err(GslError::invalid(
                "weight_decay",
                format!("must be finite and ≥ 0, got {}", self.weight_decay),
            ));
        }
        if !(self.grad_clip.is_finite() && self.grad_clip >= 0.0) {
            return Err(GslError::invalid(
                "grad_clip",
                format!("must be finite and ≥ 0, got {}", self.grad_clip),
            ));
        }
        for (name, v) in [
            ("batch_size", self.batch_size),
            ("epochs", self.epochs),
            ("steps_per_epoch", self.steps_per_epoch),
        ] {
            if v == 0 {
                return Err(GslError::invalid(name, "must be at least 1"));
            }
        }
        if self.block_size == Some(0) {
            return Err(GslError::invalid(
                "block_size",
                "must be at least 1 row (leave it unset to train on whole graphs)",
            ));
        }
        if !(0.0..=1.0).contains(&self.greedy_frac) {
            return Err(GslError::invalid(
                "greedy_frac",
                format!("must lie in [0, 1], got {}", self.greedy_frac),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_biggs_and_invariants_are_checked() {
        let c = BiggConfig::new();
        assert_eq!((c.embed_dim, c.bits_compress, c.batch_size), (256, 256, 10));
        assert_eq!((c.learning_rate, c.grad_clip), (1e-3, 5.0));
        c.validate().unwrap();
        assert!(
            BiggConfig::new()
                .with_embed_dim(16)
                .with_bits_compress(32)
                .validate()
                .is_err()
        );
        assert!(BiggConfig::new().with_embed_dim(0).validate().is_err());
        assert!(BiggConfig::new().with_pos_base(1.0).validate().is_err());
        assert!(BiggConfig::new().with_batch_size(0).validate().is_err());
        assert!(BiggConfig::new().with_greedy_frac(1.5).validate().is_err());
        assert!(
            BiggConfig::new()
                .with_learning_rate(f64::NAN)
                .validate()
                .is_err()
        );
        assert_eq!(NodeOrder::from_name("BFS").unwrap(), NodeOrder::Bfs);
        assert_eq!(c.block_size, None);
        c.clone().with_block_size(Some(1)).validate().unwrap();
        assert!(c.clone().with_block_size(Some(0)).validate().is_err());
    }

    #[test]
    fn configs_without_block_size_still_load() {
        let c = BiggConfig::new().with_block_size(Some(32));
        let json = serde_json::to_string(&c).unwrap();
        let back: BiggConfig = serde_json::from_str(&json).unwrap();
        assert_eq!(back, c);
        // A config written before the field existed.
        let mut value: serde_json::Value = serde_json::from_str(&json).unwrap();
        value.as_object_mut().unwrap().remove("block_size").unwrap();
        let old: BiggConfig = serde_json::from_value(value).unwrap();
        assert_eq!(old.block_size, None);
        assert_eq!(old, BiggConfig::new());
        assert!(NodeOrder::from_name("random").is_err());
    }
}
