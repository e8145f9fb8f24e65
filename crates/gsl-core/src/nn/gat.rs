//! Graph attention (Veličković et al., "Graph Attention Networks", ICLR 2018).

use burn::config::Config;
use burn::module::{Module, Param};
use burn::nn::Initializer;
use burn::tensor::{Bool, Device, Tensor, TensorData, activation};

use super::segment::segment_softmax_unchecked;
use super::{check_node_features, check_widths};
use crate::error::{GslError, Result};
use crate::graph::Graph;
use crate::ops::add_self_loops;

/// Hyperparameters of a [`Gat`] layer.
#[derive(Config, Debug)]
pub struct GatConfig {
    /// Input feature width.
    pub d_input: usize,
    /// Output width of each head.
    pub d_output: usize,
    /// Number of attention heads `K`.
    #[config(default = 1)]
    pub heads: usize,
    /// Concatenate the heads (output `[N, K · d_output]`, paper eq. 5) or average them (output
    /// `[N, d_output]`, paper eq. 6, used for the last layer).
    #[config(default = true)]
    pub concat: bool,
    /// Slope of the LeakyReLU applied to the attention logits (0.2 in the paper).
    #[config(default = 0.2)]
    pub negative_slope: f64,
    /// Let every node attend to itself. Stored self-loops are then replaced by one added
    /// self-loop per node, as in the reference implementation.
    #[config(default = true)]
    pub add_self_loops: bool,
    /// Add a learnable bias (initialised to zero).
    #[config(default = true)]
    pub bias: bool,
}

impl GatConfig {
    /// Fails on a zero width or head count, or a non-finite slope.
    pub fn validate(&self) -> Result<()> {
        check_widths(
            "GatConfig",
            &[
                ("d_input", self.d_input),
                ("d_output", self.d_output),
                ("heads", self.heads),
            ],
        )?;
        if !self.negative_slope.is_finite() {
            return Err(GslError::invalid(
                "GatConfig.negative_slope",
                format!("must be finite, got {}", self.negative_slope),
            ));
        }
        Ok(())
    }

    /// Builds the layer with Glorot-uniform weights and attention vectors, zero bias.
    pub fn init(&self, device: &Device) -> Result<Gat> {
        self.validate()?;
        let (h, c) = (self.heads, self.d_output);
        let glorot = Initializer::XavierUniform { gain: 1.0 };
        let weight = glorot.init_with(
            [self.d_input, h * c],
            Some(self.d_input),
            Some(h * c),
            device,
        );
        let att_self = glorot.init_with([h, c], Some(h), Some(c), device);
        let att_neigh = glorot.init_with([h, c], Some(h), Some(c), device);
        let bias_width = if self.concat { h * c } else { c };
        let bias = self
            .bias
            .then(|| Initializer::Zeros.init([bias_width], device));
        Ok(Gat {
            weight,
            att_self,
            att_neigh,
            bias,
            heads: h,
            concat: self.concat,
            negative_slope: self.negative_slope,
            add_self_loops: self.add_self_loops,
        })
    }
}

/// Multi-head graph attention layer (Veličković et al. 2018, eqs. 1–6).
///
/// For node `i` and each of its stored edges `(i, j)` (see the [module docs](super)) and each
/// head `k`: `e^k_ij = LeakyReLU(a^k_selfᵀ W^k h_i + a^k_neighᵀ W^k h_j)` — the paper's
/// `aᵀ [W h_i ‖ W h_j]` with `a = [a_self ‖ a_neigh]` — then `α^k_ij = softmax_j(e^k_ij)` over
/// `i`'s edges ([`segment_softmax`](super::segment_softmax)), and
/// `h'_i = ‖_k Σ_j α^k_ij W^k h_j + b` (or the mean over heads). Edge weights are ignored.
/// Attention dropout is not implemented. No output activation is applied.
///
/// # Example
/// ```
/// use burn::tensor::Tensor;
/// use gsl_core::nn::GatConfig;
/// use gsl_core::{BuildOptions, EdgeList, Graph};
///
/// # fn main() -> gsl_core::Result<()> {
/// let device = gsl_core::device::device_from_name("flex")?;
/// let graph = Graph::from_edges(
///     &EdgeList::from_pairs(3, &[(0, 1), (1, 2)])?,
///     BuildOptions::default(),
///     &device,
/// )?;
/// let layer = GatConfig::new(2, 4).with_heads(3).init(&device)?;
/// let (h, attention) = layer.forward_with_attention(&graph, Tensor::ones([3, 2], &device))?;
/// assert_eq!(h.dims(), [3, 12]);
/// // 4 stored edges + 3 self-loops, one column per head.
/// assert_eq!(attention.dims(), [7, 3]);
/// # Ok(())
/// # }
/// ```
#[derive(Module, Debug)]
pub struct Gat {
    /// Shared projection of all heads, `[d_input, heads · d_output]` (head `k` owns columns
    /// `k·d_output .. (k+1)·d_output`).
    pub weight: Param<Tensor<2>>,
    /// `a_self` `[heads, d_output]`: attention weights applied to the aggregating node.
    pub att_self: Param<Tensor<2>>,
    /// `a_neigh` `[heads, d_output]`: attention weights applied to the neighbour.
    pub att_neigh: Param<Tensor<2>>,
    /// Bias, `[heads · d_output]` when concatenating, `[d_output]` when averaging.
    pub bias: Option<Param<Tensor<1>>>,
    /// Number of heads.
    pub heads: usize,
    /// Concatenate (`true`) or average (`false`) the heads.
    pub concat: bool,
    /// LeakyReLU slope for the attention logits.
    pub negative_slope: f64,
    /// Whether self-loops are added before attending.
    pub add_self_loops: bool,
}

impl Gat {
    /// Input feature width.
    pub fn d_input(&self) -> usize {
        self.weight.dims()[0]
    }

    /// Output width of one head.
    pub fn d_head(&self) -> usize {
        self.att_self.dims()[1]
    }

    /// Output feature width: `heads · d_head` when concatenating, `d_head` otherwise.
    pub fn d_output(&self) -> usize {
        if self.concat {
            self.heads * self.d_head()
        } else {
            self.d_head()
        }
    }

    /// Applies the layer to node features `x` `[N, d_input]`, giving `[N, d_output()]`.
    ///
    /// # Errors
    /// Feature shape or node count mismatch, an empty graph, non-finite features.
    pub fn forward(&self, graph: &Graph, x: Tensor<2>) -> Result<Tensor<2>> {
        Ok(self.forward_with_attention(graph, x)?.0)
    }

    /// Like [`Gat::forward`], also returning the attention coefficients `[E', heads]`.
    ///
    /// Row `e` belongs to edge `e` of the graph the layer attended over: the graph's stored
    /// edges in order, followed — when `add_self_loops` is set — by the self-loops of nodes
    /// `0..N` (rows `E..E + N`). Stored self-loops then get attention zero, since the added
    /// loop replaces them. The coefficients of each node's edges sum to one per head.
    ///
    /// # Errors
    /// As [`Gat::forward`].
    pub fn forward_with_attention(
        &self,
        graph: &Graph,
        x: Tensor<2>,
    ) -> Result<(Tensor<2>, Tensor<2>)> {
        let n = graph.num_nodes();
        check_node_features(&x, n, self.d_input(), "Gat")?;
        let device = x.device();
        let (h, c) = (self.heads, self.d_head());

        let (graph, stored_loops) = if self.add_self_loops {
            let stored = graph.src().equal(graph.dst());
            let added = Tensor::<1, Bool>::from_data(TensorData::new(vec![false; n], [n]), &device);
            (
                add_self_loops(graph, 1.0)?,
                Some(Tensor::cat(vec![stored, added], 0)),
            )
        } else {
            (graph.clone(), None)
        };
        let (src, dst) = (graph.src(), graph.dst());
        let e = graph.num_edges();

        let wh = x.matmul(self.weight.val()).reshape([n, h, c]);
        // Per-node halves of the logit: a_selfᵀ W h_i and a_neighᵀ W h_j, each [N, H].
        let score_self = wh
            .clone()
            .mul(self.att_self.val().unsqueeze::<3>())
            .sum_dim(2)
            .reshape([n, h]);
        let score_neigh = wh
            .clone()
            .mul(self.att_neigh.val().unsqueeze::<3>())
            .sum_dim(2)
            .reshape([n, h]);
        let mut logits = activation::leaky_relu(
            score_self
                .select(0, src.clone())
                .add(score_neigh.select(0, dst.clone())),
            self.negative_slope,
        );
        if let Some(mask) = stored_loops {
            // exp(−inf) = 0: the stored loop drops out; the added loop keeps the segment finite.
            logits = logits.mask_fill(
                mask.unsqueeze_dim::<2>(1).repeat_dim(1, h),
                f32::NEG_INFINITY,
            );
        }
        let attention = segment_softmax_unchecked(logits, src.clone(), n);

        let messages = wh.select(0, dst).mul(attention.clone().reshape([e, h, 1]));
        let out = Tensor::<3>::zeros([n, h, c], &device).select_assign(
            0,
            src,
            messages,
            burn::tensor::IndexingUpdateOp::Add,
        );
        let out = if self.concat {
            out.reshape([n, h * c])
        } else {
            out.mean_dim(1).reshape([n, c])
        };
        let out = match &self.bias {
            Some(b) => out.add(b.val().unsqueeze::<2>()),
            None => out,
        };
        Ok((out, attention))
    }
}
