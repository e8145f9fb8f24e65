//! Graph isomorphism network layer (Xu, Hu, Leskovec & Jegelka, "How Powerful are Graph Neural
//! Networks?", ICLR 2019).

use burn::config::Config;
use burn::module::{Module, Param};
use burn::nn::Initializer;
use burn::tensor::{Device, Tensor};

use super::{Mlp, MlpConfig, check_node_features};
use crate::error::{GslError, Result};
use crate::graph::Graph;

/// Hyperparameters of a [`Gin`] layer.
#[derive(Config, Debug)]
pub struct GinConfig {
    /// The update network; its first size is the layer's input width.
    pub mlp: MlpConfig,
    /// Initial (or fixed) value of `ε`.
    #[config(default = 0.0)]
    pub eps: f64,
    /// Learn `ε` (GIN-ε) instead of keeping it fixed (GIN-0, the paper's default).
    #[config(default = false)]
    pub train_eps: bool,
}

impl GinConfig {
    /// Fails on an invalid MLP or a non-finite `ε`.
    pub fn validate(&self) -> Result<()> {
        if !self.eps.is_finite() {
            return Err(GslError::invalid(
                "GinConfig.eps",
                format!("must be finite, got {}", self.eps),
            ));
        }
        self.mlp.validate()
    }

    /// Builds the layer.
    pub fn init(&self, device: &Device) -> Result<Gin> {
        self.validate()?;
        Ok(Gin {
            mlp: self.mlp.init(device)?,
            eps: self
                .train_eps
                .then(|| Initializer::Constant { value: self.eps }.init([1], device)),
            fixed_eps: self.eps,
        })
    }
}

/// GIN layer `h'_i = MLP((1 + ε) h_i + Σ_{j : (i, j) ∈ E} h_j)` (Xu et al. 2019, eq. 4.1).
///
/// The sum runs over node `i`'s stored edges (see the [module docs](super)); edge weights are
/// ignored, as in the paper.
#[derive(Module, Debug)]
pub struct Gin {
    /// The update network.
    pub mlp: Mlp,
    /// Learnable `ε` `[1]` (GIN-ε); `None` when `ε` is fixed.
    pub eps: Option<Param<Tensor<1>>>,
    /// The fixed `ε`, used when [`Gin::eps`] is `None`.
    pub fixed_eps: f64,
}

impl Gin {
    /// Input feature width.
    pub fn d_input(&self) -> usize {
        self.mlp.d_input()
    }

    /// Output feature width.
    pub fn d_output(&self) -> usize {
        self.mlp.d_output()
    }

    /// Applies the layer to node features `x` `[N, d_input]`, giving `[N, d_output]`.
    ///
    /// # Errors
    /// Feature shape or node count mismatch, an empty graph, non-finite features.
    pub fn forward(&self, graph: &Graph, x: Tensor<2>) -> Result<Tensor<2>> {
        check_node_features(&x, graph.num_nodes(), self.d_input(), "Gin")?;
        let neighbours = graph.spmm_weighted(None, x.clone())?;
        let own = match &self.eps {
            Some(eps) => x.mul(eps.val().add_scalar(1.0).unsqueeze::<2>()),
            None => x.mul_scalar(1.0 + self.fixed_eps),
        };
        Ok(self.mlp.forward_unchecked(own.add(neighbours)))
    }
}
