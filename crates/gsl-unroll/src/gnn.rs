//! Deep-learning baselines of graph structure learning: a GCN and a GIN that embed the nodes of
//! the observed graph and decode the latent graph with an inner product (pyGSL's
//! `deep_learning/gcn` and `deep_learning/gin`, used as baselines in Wasserman et al., TMLR 2023).
//!
//! Both read the observation `A_O` `[B, N, N]` of a recipe as a weighted graph (pyGSL feeds the
//! observed matrix itself: the sample covariance for the diffusion recipe, the mean squared
//! distances for L2G's recipes) and use one node feature, the weighted degree
//! `x_i = Σ_j (A_O)_ij`, L2-normalised over the nodes of each graph:
//!
//! - **GCN** (Kipf & Welling, ICLR 2017, eq. 2): `Â = D̂^{-1/2} (A_O + I) D̂^{-1/2}` with the
//!   degrees of `A_O + I` (negative degrees set to 0, as pyGSL), then
//!   `Z = Â · LeakyReLU_{0.2}(Â X W₁) · W₂` with bias-free Xavier-normal weights;
//! - **GIN-0** (Xu et al., ICLR 2019, eq. 4.1 with ε = 0): `Â = D^{-1/2} A_O D^{-1/2}` with the
//!   diagonal of `A_O` removed first, then `L` layers
//!   `H ← ReLU(BN(MLP((1 + ε) H + Â H)))` where the MLP is `Linear → BN → ReLU → … → Linear`
//!   (no ReLU after the last layer, so the inner products can be negative).
//!
//! The decoder is the inner product of Kipf & Welling (2016, eq. 2), `ŷ = σ(Z Zᵀ)`, batched
//! over graphs (gsl-core's [`gsl_core::nn::InnerProductDecoder`] is its single-graph form), with
//! the diagonal set to zero (a graph estimate has no self-loops; the loss and metrics read the strict upper
//! triangle anyway). Train with [`gnn_train_config`]: binary cross-entropy, Adam lr 0.01.
//!
//! Both are [`UnrollingLayer`]s used with **depth 1**, so [`crate::train`]'s threshold
//! protocol, metrics and checkpoints apply unchanged; a deeper stack is refused at
//! construction (a GNN baseline is not an iteration: it ignores the state it is given).

use burn::module::{Module, Param};
use burn::nn::{BatchNorm, BatchNormConfig};
use burn::tensor::activation::{leaky_relu, relu, sigmoid};
use burn::tensor::{Device, Tensor};
use gsl_core::nn::{Gcn, Gin, GinConfig, MlpConfig};
use gsl_core::{GslError, Result};
use gsl_mb::linalg::check_square;
use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};

use crate::layer::{Position, UnrollingLayer, normal_param};
use crate::loss::{LayerWeighting, LossKind};
use crate::train::TrainConfig;

/// Smallest L2 norm of the degree feature (PyTorch's `F.normalize` eps).
const FEATURE_EPS: f32 = 1e-12;

/// The training settings of the baselines (pyGSL's): binary cross-entropy on the last (only)
/// layer, Adam lr 0.01, threshold chosen for accuracy.
pub fn gnn_train_config(epochs: usize) -> TrainConfig {
    TrainConfig {
        loss: LossKind::Bce,
        weighting: LayerWeighting::LastOnly,
        learning_rate: 0.01,
        ..TrainConfig::new(epochs)
    }
}

/// The degree feature `[B, N, 1]` of observations `[B, N, N]`: row sums, each graph's vector
/// divided by its L2 norm (a zero vector stays zero).
pub fn degree_features(observation: Tensor<3>) -> Tensor<3> {
    let degrees = observation.sum_dim(2); // [B, N, 1]
    let norms = degrees
        .clone()
        .square()
        .sum_dim(1)
        .sqrt()
        .clamp_min(FEATURE_EPS); // [B, 1, 1]
    degrees.div(norms)
}

/// `D^{-1/2} A D^{-1/2}` for every matrix of `a` `[B, N, N]`, with degrees the row sums of `a`
/// taken outside the autodiff graph; a non-positive degree gives `0` for `d^{-1/2}` (pyGSL's
/// `symmetric_adj_normalize`, which clamps negative degrees of signed observations to 0).
pub fn symmetric_normalize(a: Tensor<3>) -> Tensor<3> {
    let dinv = gsl_core::ops::inverse_sqrt_degrees(a.clone().detach().sum_dim(2)); // [B, N, 1]
    dinv.clone().mul(a).mul(dinv.swap_dims(1, 2))
}

/// `σ(Z Zᵀ)` for embeddings `[B, N, d]`, diagonal zeroed, `[B, N, N]`.
fn decode(z: Tensor<3>) -> Result<Tensor<3>> {
    gsl_core::ops::zero_diagonal(sigmoid(z.clone().matmul(z.swap_dims(1, 2))))
}

/// `X W` for node features `[B, N, d_in]` and a weight `[d_in, d_out]`.
fn project(x: Tensor<3>, w: Tensor<2>) -> Tensor<3> {
    let [b, n, d] = x.dims();
    let out = w.dims()[1];
    x.reshape([b * n, d]).matmul(w).reshape([b, n, out])
}

/// Checks a batch of observations: square, non-empty, at least 2 nodes, finite.
fn check_observation(observation: &Tensor<3>, context: &str) -> Result<()> {
    check_square(observation, 2, context).map(|_| ())
}

fn depth_one(position: Position, name: &str) -> Result<()> {
    if position.depth != 1 || position.shared {
        return Err(GslError::invalid(
            "depth",
            format!(
                "the {name} baseline is one network, not an iteration: use depth 1 without \
                 shared parameters (got depth {})",
                position.depth
            ),
        ));
    }
    Ok(())
}

/// What both baselines prepare from a batch.
#[derive(Debug, Clone)]
pub struct GnnInput {
    /// The normalised propagation matrix `Â` `[B, N, N]`.
    pub propagation: Tensor<3>,
    /// The degree features `[B, N, 1]`.
    pub features: Tensor<3>,
}

// ---------------------------------------------------------------------------------------------
// GCN
// ---------------------------------------------------------------------------------------------

/// The GCN baseline's settings (pyGSL `gcn(channels=[hidden, output])`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GcnSpec {
    /// Width of the first layer.
    pub hidden: usize,
    /// Width of the node embeddings `Z`.
    pub output: usize,
    /// Negative slope of the leaky ReLU between the layers (0.2).
    pub negative_slope: f64,
}

impl Default for GcnSpec {
    /// Widths 64 / 64 (pyGSL's GIN widths; its GCN takes them as an argument), slope 0.2.
    fn default() -> Self {
        Self {
            hidden: 64,
            output: 64,
            negative_slope: 0.2,
        }
    }
}

/// The two GCN layers (gsl-core's [`Gcn`], bias-free).
#[derive(Module, Debug)]
pub struct GcnBaseline {
    /// First layer, `1 → hidden`.
    pub layer_1: Gcn,
    /// Second layer, `hidden → output`.
    pub layer_2: Gcn,
}

/// A bias-free [`Gcn`] with Xavier-normal weights `N(0, 2/(fan_in + fan_out))` drawn on the
/// host (PyTorch's `xavier_normal_`, gain 1).
fn xavier_gcn(d_in: usize, d_out: usize, rng: &mut StdRng, device: &Device) -> Gcn {
    let std = (2.0 / (d_in + d_out) as f64).sqrt();
    Gcn {
        weight: normal_param([d_in, d_out], 0.0, std, rng, device),
        bias: None,
    }
}

impl GcnBaseline {
    /// Node embeddings `Z` `[B, N, output]`.
    pub fn embed(&self, spec: &GcnSpec, input: &GnnInput) -> Tensor<3> {
        let a = &input.propagation;
        let h = a
            .clone()
            .matmul(project(input.features.clone(), self.layer_1.weight.val()));
        let h = leaky_relu(h, spec.negative_slope);
        a.clone().matmul(project(h, self.layer_2.weight.val()))
    }
}

impl UnrollingLayer for GcnBaseline {
    type Spec = GcnSpec;
    type Input = GnnInput;
    type State = Tensor<3>;

    const NAME: &'static str = "gcn";

    fn validate_spec(spec: &GcnSpec) -> Result<()> {
        if spec.hidden == 0 || spec.output == 0 {
            return Err(GslError::invalid(
                "gcn widths",
                format!(
                    "hidden and output must be at least 1, got {} and {}",
                    spec.hidden, spec.output
                ),
            ));
        }
        if !(spec.negative_slope.is_finite() && spec.negative_slope >= 0.0) {
            return Err(GslError::invalid(
                "negative_slope",
                format!("must be finite and >= 0, got {}", spec.negative_slope),
            ));
        }
        Ok(())
    }

    fn init(spec: &GcnSpec, position: Position, rng: &mut StdRng, device: &Device) -> Result<Self> {
        depth_one(position, "GCN")?;
        Ok(Self {
            layer_1: xavier_gcn(1, spec.hidden, rng, device),
            layer_2: xavier_gcn(spec.hidden, spec.output, rng, device),
        })
    }

    fn prepare(_: &GcnSpec, observation: Tensor<3>) -> Result<GnnInput> {
        check_observation(&observation, "gcn observation")?;
        let [_, n, _] = observation.dims();
        let features = degree_features(observation.clone());
        let with_loops = observation.add(Tensor::<2>::eye(n, &features.device()).unsqueeze::<3>());
        Ok(GnnInput {
            propagation: symmetric_normalize(with_loops),
            features,
        })
    }

    fn initial_state(
        _: &GcnSpec,
        input: &GnnInput,
        _: Option<&Param<Tensor<1>>>,
    ) -> Result<Tensor<3>> {
        Ok(Tensor::zeros(
            input.propagation.dims(),
            &input.propagation.device(),
        ))
    }

    fn forward(
        &self,
        spec: &GcnSpec,
        input: &GnnInput,
        _state: Tensor<3>,
        _: Position,
    ) -> Result<Tensor<3>> {
        decode(self.embed(spec, input))
    }

    fn output(_: &GcnSpec, state: &Tensor<3>) -> Result<Tensor<3>> {
        Ok(state.clone())
    }

    fn resample(self, spec: &GcnSpec, rng: &mut StdRng) -> Self {
        let device = self.layer_1.weight.val().device();
        Self {
            layer_1: xavier_gcn(1, spec.hidden, rng, &device),
            layer_2: xavier_gcn(spec.hidden, spec.output, rng, &device),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// GIN
// ---------------------------------------------------------------------------------------------

/// The GIN baseline's settings (pyGSL `gin` defaults).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GinSpec {
    /// Number of GIN layers (pyGSL's `num_layers − 1` = 4).
    pub layers: usize,
    /// Linear layers per MLP (2).
    pub mlp_layers: usize,
    /// Hidden width (64).
    pub hidden: usize,
    /// Width of the node embeddings (64).
    pub output: usize,
    /// `ε` of `(1 + ε) h_v` (0: GIN-0).
    pub eps: f64,
}

impl Default for GinSpec {
    fn default() -> Self {
        Self {
            layers: 4,
            mlp_layers: 2,
            hidden: 64,
            output: 64,
            eps: 0.0,
        }
    }
}

/// One GIN layer: gsl-core's [`Gin`] (its MLP's linear layers and `ε`) with batch
/// normalisation after every hidden linear layer and after the MLP.
#[derive(Module, Debug)]
pub struct GinBlock {
    /// The aggregation's `ε` and the MLP's linear layers.
    pub gin: Gin,
    /// Batch norms after the hidden linear layers (`mlp_layers − 1`).
    pub hidden_norms: Vec<BatchNorm>,
    /// Batch norm after the MLP.
    pub out_norm: BatchNorm,
}

impl GinBlock {
    fn new(spec: &GinSpec, d_in: usize, d_out: usize, device: &Device) -> Result<Self> {
        let mut sizes = vec![d_in];
        sizes.extend(std::iter::repeat_n(spec.hidden, spec.mlp_layers - 1));
        sizes.push(d_out);
        let gin = GinConfig::new(MlpConfig::new(sizes))
            .with_eps(spec.eps)
            .init(device)?;
        Ok(Self {
            gin,
            hidden_norms: (1..spec.mlp_layers)
                .map(|_| BatchNormConfig::new(spec.hidden).init(device))
                .collect(),
            out_norm: BatchNormConfig::new(d_out).init(device),
        })
    }

    /// `BN(MLP((1 + ε) H + Â H))` `[B, N, d_out]` (before the block's final ReLU). Batch
    /// statistics run over every node of every graph (PyTorch's `BatchNorm1d` on `[B, C, N]`).
    pub fn forward(&self, propagation: &Tensor<3>, h: Tensor<3>) -> Tensor<3> {
        let [b, n, d] = h.dims();
        let pooled = propagation
            .clone()
            .matmul(h.clone())
            .add(h.mul_scalar(1.0 + self.gin.fixed_eps));
        let mut x = pooled.reshape([b * n, d]);
        let linears = &self.gin.mlp.layers;
        for (linear, norm) in linears.iter().zip(&self.hidden_norms) {
            x = relu(norm.forward(linear.forward(x)));
        }
        x = linears[linears.len() - 1].forward(x);
        let x = self.out_norm.forward(x);
        let out = x.dims()[1];
        x.reshape([b, n, out])
    }
}

/// The GIN baseline: `layers` [`GinBlock`]s.
#[derive(Module, Debug)]
pub struct GinBaseline {
    /// The GIN layers, input first.
    pub blocks: Vec<GinBlock>,
}

impl GinBaseline {
    /// Node embeddings `Z` `[B, N, output]` (ReLU between blocks, none after the last).
    pub fn embed(&self, input: &GnnInput) -> Tensor<3> {
        let mut h = input.features.clone();
        let last = self.blocks.len() - 1;
        for (i, block) in self.blocks.iter().enumerate() {
            h = block.forward(&input.propagation, h);
            if i < last {
                h = relu(h);
            }
        }
        h
    }

    fn build(spec: &GinSpec, device: &Device) -> Result<Self> {
        let blocks = (0..spec.layers)
            .map(|l| {
                let d_in = if l == 0 { 1 } else { spec.hidden };
                let d_out = if l + 1 == spec.layers {
                    spec.output
                } else {
                    spec.hidden
                };
                GinBlock::new(spec, d_in, d_out, device)
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Self { blocks })
    }
}

impl UnrollingLayer for GinBaseline {
    type Spec = GinSpec;
    type Input = GnnInput;
    type State = Tensor<3>;

    const NAME: &'static str = "gin";

    fn validate_spec(spec: &GinSpec) -> Result<()> {
        for (name, value) in [
            ("layers", spec.layers),
            ("hidden", spec.hidden),
            ("output", spec.output),
        ] {
            if value == 0 {
                return Err(GslError::invalid(name, "must be at least 1"));
            }
        }
        if spec.mlp_layers < 2 {
            return Err(GslError::invalid(
                "mlp_layers",
                format!(
                    "a GIN MLP needs at least 2 linear layers, got {}",
                    spec.mlp_layers
                ),
            ));
        }
        if !spec.eps.is_finite() {
            return Err(GslError::invalid(
                "eps",
                format!("must be finite, got {}", spec.eps),
            ));
        }
        Ok(())
    }

    /// Linear layers use Burn's initialiser (drawn from the device generator, which
    /// [`crate::unrolled::Unrolled::new`] seeds from the configuration's seed).
    fn init(spec: &GinSpec, position: Position, _: &mut StdRng, device: &Device) -> Result<Self> {
        depth_one(position, "GIN")?;
        Self::build(spec, device)
    }

    fn prepare(_: &GinSpec, observation: Tensor<3>) -> Result<GnnInput> {
        check_observation(&observation, "gin observation")?;
        let features = degree_features(observation.clone());
        let without_diagonal = gsl_core::ops::zero_diagonal(observation)?;
        Ok(GnnInput {
            propagation: symmetric_normalize(without_diagonal),
            features,
        })
    }

    fn initial_state(
        _: &GinSpec,
        input: &GnnInput,
        _: Option<&Param<Tensor<1>>>,
    ) -> Result<Tensor<3>> {
        Ok(Tensor::zeros(
            input.propagation.dims(),
            &input.propagation.device(),
        ))
    }

    fn forward(
        &self,
        _: &GinSpec,
        input: &GnnInput,
        _state: Tensor<3>,
        _: Position,
    ) -> Result<Tensor<3>> {
        decode(self.embed(input))
    }

    fn output(_: &GinSpec, state: &Tensor<3>) -> Result<Tensor<3>> {
        Ok(state.clone())
    }

    /// A fresh draw from the device generator (the sigmoid decoder never outputs exact zeros,
    /// so this runs only if a caller asks for it).
    fn resample(self, spec: &GinSpec, _: &mut StdRng) -> Self {
        let device = self.blocks[0].out_norm.gamma.val().device();
        Self::build(spec, &device).unwrap_or(self)
    }
}
