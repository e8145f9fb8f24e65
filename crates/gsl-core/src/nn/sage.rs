//! GraphSAGE with the mean aggregator (Hamilton, Ying & Leskovec, "Inductive Representation
//! Learning on Large Graphs", NeurIPS 2017).

use burn::config::Config;
use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::tensor::{Device, Tensor};

use super::{check_node_features, check_widths};
use crate::error::Result;
use crate::graph::Graph;

/// Hyperparameters of a [`Sage`] layer.
#[derive(Config, Debug)]
pub struct SageConfig {
    /// Input feature width.
    pub d_input: usize,
    /// Output feature width.
    pub d_output: usize,
    /// Add a learnable bias.
    #[config(default = true)]
    pub bias: bool,
    /// L2-normalise every output row (Hamilton et al. 2017, Algorithm 1, line 7).
    #[config(default = false)]
    pub normalize: bool,
}

impl SageConfig {
    /// Fails unless both widths are positive.
    pub fn validate(&self) -> Result<()> {
        check_widths(
            "SageConfig",
            &[("d_input", self.d_input), ("d_output", self.d_output)],
        )
    }

    /// Builds the layer; both weights use the PyTorch `Linear` initialisation
    /// `U(−1/√d_input, 1/√d_input)`, as the reference implementations do.
    pub fn init(&self, device: &Device) -> Result<Sage> {
        self.validate()?;
        Ok(Sage {
            lin_self: LinearConfig::new(self.d_input, self.d_output)
                .with_bias(false)
                .init(device),
            lin_neigh: LinearConfig::new(self.d_input, self.d_output)
                .with_bias(self.bias)
                .init(device),
            normalize: self.normalize,
        })
    }
}

/// GraphSAGE layer with the mean aggregator:
/// `h'_i = W_self h_i + W_neigh · mean_{j : (i, j) ∈ E} h_j + b`, optionally L2-normalised.
///
/// This is the concatenation form of the paper's Algorithm 1 (`W · [h_i ‖ mean_j h_j]`) with
/// `W = [W_self W_neigh]`. The mean runs over node `i`'s stored edges `(i, j)` (see the
/// [module docs](super)); edge weights are ignored, as in the paper. A node without edges has
/// mean zero, so its output is `W_self h_i + b`. No activation is applied.
#[derive(Module, Debug)]
pub struct Sage {
    /// `W_self` (no bias).
    pub lin_self: Linear,
    /// `W_neigh` and the bias `b`.
    pub lin_neigh: Linear,
    /// Whether output rows are L2-normalised.
    pub normalize: bool,
}

impl Sage {
    /// Input feature width.
    pub fn d_input(&self) -> usize {
        self.lin_self.weight.dims()[0]
    }

    /// Output feature width.
    pub fn d_output(&self) -> usize {
        self.lin_self.weight.dims()[1]
    }

    /// Applies the layer to node features `x` `[N, d_input]`, giving `[N, d_output]`.
    ///
    /// # Errors
    /// Feature shape or node count mismatch, an empty graph, non-finite features.
    pub fn forward(&self, graph: &Graph, x: Tensor<2>) -> Result<Tensor<2>> {
        check_node_features(&x, graph.num_nodes(), self.d_input(), "Sage")?;
        let [n, _] = x.dims();
        // Edge counts as a sparse product with a ones column; clamping at one turns the empty
        // neighbourhood's 0 / 0 into 0 / 1 = 0.
        let counts = graph.spmm_weighted(None, Tensor::ones([n, 1], &x.device()))?;
        let mean = graph
            .spmm_weighted(None, x.clone())?
            .div(counts.clamp_min(1.0));
        let out = self.lin_self.forward(x).add(self.lin_neigh.forward(mean));
        Ok(if self.normalize {
            l2_normalize_rows(out)
        } else {
            out
        })
    }
}

/// `x_i / max(‖x_i‖₂, 1e-12)` for each row, so zero rows stay zero instead of becoming NaN.
/// The clamp comes before the square root, whose derivative is infinite at zero.
fn l2_normalize_rows(x: Tensor<2>) -> Tensor<2> {
    let norm = x.clone().square().sum_dim(1).clamp_min(1e-24).sqrt();
    x.div(norm)
}
