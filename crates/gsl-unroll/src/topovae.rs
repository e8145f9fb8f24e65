//! TopoDiffVAE: the topological-difference variational autoencoder that replaces the last
//! layer's proximal step in the full L2G (Pu, Cao, Zhang, Dong, Chen, "Learning to learn graph
//! topologies", NeurIPS 2021, §3.2; the authors' `TopoDiffVAE` in
//! `xpuoxford/L2G-neurips2021/src/models.py`).
//!
//! Input: `x` `[B, E]`, the pre-prox point of the last PDS layer (`E = N(N−1)/2` pair weights).
//!
//! - **Encoder** `g(·)`: the graph is binarised (`1[x_ij ≥ threshold]`, threshold `1e-4`; no
//!   gradient through the binarisation); node features are the binary degrees; two graph
//!   convolutions `H' = ReLU(A H W + b)` on the binary adjacency `A` (no normalisation, no self
//!   loops, widths `h`, `2h`), a sum readout over the nodes, then `ReLU(Linear(2h → h))` and
//!   `Linear(h → F)`: one graph feature vector `[B, F]`.
//! - **Posterior** (training only): the latent code describes the *topological difference*
//!   between the true graph `w*` and the estimate, `d = g(w*) − g(x)`;
//!   `μ = Linear(d)`, `log σ² = −|Linear(d)|` (so `σ ≤ 1`), `z = μ + σ ⊙ ε`, `ε ~ N(0, I)`.
//! - **Decoder**: `ŵ = Linear(tanh(Linear([x, z])))`, widths `E + K → ⌊2N(N−1)/3⌋ → E`.
//! - **Loss**: reconstruction `mean_b ‖ŵ − w*‖²` plus `kl_weight ·` KL, with
//!   `KL = −½ · mean_{b,k}(1 + log σ² − μ² − σ²)` (the KL to `N(0, I)` averaged over the batch
//!   *and* the latent coordinates, as the authors compute it).
//! - **Evaluation** (no true graph): `z` is the prior mean `0`, so the output is deterministic.
//!   The authors' `refine` draws `z ~ N(0, I)` at test time instead, which makes every
//!   prediction random; we use the prior's mean so that predictions, thresholds and checkpoints
//!   are reproducible.
//!
//! Initialisation follows the authors: graph convolutions Glorot-uniform with gain `√2` and
//! bias `1`; the readout MLP PyTorch's default `U(±1/√fan_in)`; the `μ`, `log σ²` heads and the
//! decoder Glorot-uniform with gain `5/3` and zero bias. All draws are on the host from the
//! layer's seeded generator. The graph convolutions reuse gsl-core's [`Gcn`] parameters and the
//! MLPs gsl-core's [`Mlp`]; the convolution runs as a batched dense product because every graph
//! here is small and complete-support (the decoder alone holds `O(E²)` weights).

use burn::module::{Module, Param};
use burn::nn::{Dropout, DropoutConfig, Linear};
use burn::tensor::activation::relu;
use burn::tensor::{Device, Distribution, Tensor};
use gsl_core::dense::{from_halfvec, halfvec_len};
use gsl_core::nn::{Activation, Gcn, Mlp};
use gsl_core::tensor::{ensure_finite, ensure_shape};
use gsl_core::{GslError, Result};
use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};

use crate::layer::uniform_param;
use crate::loss::LossKind;

/// TopoDiffVAE's settings (the authors' defaults from `main_L2G.py`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopoVaeSpec {
    /// Number of nodes `N` (fixed: the decoder maps `E = N(N−1)/2` pair weights).
    pub nodes: usize,
    /// Width `h` of the first graph convolution (the second has `2h`, the readout `h`): 32.
    pub hidden: usize,
    /// Latent dimension `K`: 16.
    pub latent: usize,
    /// Graph feature dimension `F` of the encoder: 16.
    pub graph_features: usize,
    /// Binarisation threshold of the encoder's input graphs: `1e-4`.
    pub threshold: f64,
    /// Weight of the KL term (β-VAE's `β`): 1.
    pub kl_weight: f64,
}

impl TopoVaeSpec {
    /// The authors' settings for graphs of `nodes` nodes.
    pub fn new(nodes: usize) -> Self {
        Self {
            nodes,
            hidden: 32,
            latent: 16,
            graph_features: 16,
            threshold: 1e-4,
            kl_weight: 1.0,
        }
    }

    /// Number of pair weights `E = N(N−1)/2`.
    pub fn num_pairs(&self) -> usize {
        halfvec_len(self.nodes)
    }

    /// Hidden width of the decoder, `⌊2N(N−1)/3⌋ = ⌊4E/3⌋` (the authors'
    /// `int(N(N−1)·2/3)`).
    pub fn decoder_hidden(&self) -> usize {
        2 * self.nodes * self.nodes.saturating_sub(1) / 3
    }

    /// Checks `N ≥ 2`, positive widths, a finite threshold and a finite `kl_weight ≥ 0`.
    pub fn validate(&self) -> Result<()> {
        if self.nodes < 2 {
            return Err(GslError::invalid(
                "nodes",
                format!("TopoDiffVAE needs N >= 2, got {}", self.nodes),
            ));
        }
        for (name, v) in [
            ("hidden", self.hidden),
            ("latent", self.latent),
            ("graph_features", self.graph_features),
        ] {
            if v == 0 {
                return Err(GslError::invalid(name, "must be at least 1"));
            }
        }
        if !self.threshold.is_finite() {
            return Err(GslError::invalid("threshold", "must be finite"));
        }
        if !(self.kl_weight.is_finite() && self.kl_weight >= 0.0) {
            return Err(GslError::invalid(
                "kl_weight",
                format!("must be finite and >= 0, got {}", self.kl_weight),
            ));
        }
        Ok(())
    }
}

/// The TopoDiffVAE network (see the module docs).
#[derive(Module, Debug)]
pub struct TopoDiffVae {
    /// First graph convolution, degree (1) → `h`.
    pub conv1: Gcn,
    /// Second graph convolution, `h` → `2h`.
    pub conv2: Gcn,
    /// Readout MLP `2h → h → F` (ReLU between).
    pub readout: Mlp,
    /// Head of the posterior mean, `F → K`.
    pub mean: Linear,
    /// Head of the posterior log-variance (before `−|·|`), `F → K`.
    pub log_var: Linear,
    /// Decoder `E + K → ⌊4E/3⌋ → E` (tanh between).
    pub decoder: Mlp,
}

/// What a training pass of the VAE returns.
#[derive(Debug, Clone)]
pub struct VaeOutput {
    /// Decoded pair weights `[B, E]` (the last layer's primal prox output).
    pub prediction: Tensor<2>,
    /// Posterior mean `μ` `[B, K]`.
    pub mu: Tensor<2>,
    /// Posterior log-variance `log σ²` `[B, K]` (`≤ 0`).
    pub log_var: Tensor<2>,
    /// Reconstruction loss `mean_b ‖ŵ − w*‖²` `[1]`.
    pub reconstruction: Tensor<1>,
    /// KL divergence term `[1]` (unweighted; see [`kl_divergence`]).
    pub kl: Tensor<1>,
}

/// Glorot-uniform bound `gain · √(6 / (fan_in + fan_out))`.
fn glorot(gain: f64, fan_in: usize, fan_out: usize) -> f64 {
    gain * (6.0 / (fan_in + fan_out) as f64).sqrt()
}

/// A linear layer drawn on the host: weight `U(±w_bound)`, bias `U(±b_bound)` (`0` gives zeros).
fn linear(
    d_in: usize,
    d_out: usize,
    w_bound: f64,
    b_bound: f64,
    rng: &mut StdRng,
    device: &Device,
) -> Linear {
    Linear {
        weight: uniform_param([d_in, d_out], w_bound, rng, device),
        bias: Some(uniform_param([d_out], b_bound, rng, device)),
    }
}

/// An [`Mlp`] of host-drawn linear layers.
fn mlp(layers: Vec<Linear>, activation: Activation) -> Mlp {
    Mlp {
        layers,
        dropout: no_dropout(),
        activation,
        activate_output: false,
    }
}

fn no_dropout() -> Dropout {
    DropoutConfig::new(0.0).init()
}

/// A graph convolution `A (H W) + b` on a batch of dense adjacencies `[B, N, N]` and node
/// features `[B, N, F]` (the authors' `GraphConvLayer`: no normalisation, no self loops).
fn dense_conv(conv: &Gcn, adj: &Tensor<3>, h: Tensor<3>) -> Tensor<3> {
    let [b, n, f] = h.dims();
    let out = conv.d_output();
    let projected = h
        .reshape([b * n, f])
        .matmul(conv.weight.val())
        .reshape([b, n, out]);
    let mixed = adj.clone().matmul(projected);
    match &conv.bias {
        Some(bias) => mixed.add(bias.val().reshape([1, 1, out])),
        None => mixed,
    }
}

/// `KL(N(μ, σ²) ‖ N(0, I))` averaged over batch and latent coordinates:
/// `−½ · mean(1 + log σ² − μ² − exp(log σ²))` `[1]` (the authors' `kl_loss`).
///
/// Errors: shapes differ, an empty input.
pub fn kl_divergence(mu: Tensor<2>, log_var: Tensor<2>) -> Result<Tensor<1>> {
    let [b, k] = mu.dims();
    ensure_shape(&log_var, [b, k], "kl log_var")?;
    if b == 0 || k == 0 {
        return Err(GslError::EmptyGraph("kl: empty batch or latent".into()));
    }
    Ok(log_var
        .clone()
        .add_scalar(1.0)
        .sub(mu.square())
        .sub(log_var.exp())
        .mean()
        .mul_scalar(-0.5))
}

impl TopoDiffVae {
    /// A freshly initialised network for `spec`, drawing every weight from `rng` on the host.
    ///
    /// Errors: an invalid spec.
    pub fn init(spec: &TopoVaeSpec, rng: &mut StdRng, device: &Device) -> Result<Self> {
        spec.validate()?;
        let (h, k, f) = (spec.hidden, spec.latent, spec.graph_features);
        let (e, hd) = (spec.num_pairs(), spec.decoder_hidden().max(1));
        let relu_gain = 2f64.sqrt();
        let tanh_gain = 5.0 / 3.0;
        let gcn = |d_in: usize, d_out: usize, rng: &mut StdRng| Gcn {
            weight: uniform_param([d_in, d_out], glorot(relu_gain, d_in, d_out), rng, device),
            bias: Some(Param::from_tensor(Tensor::ones([d_out], device))),
        };
        let torch_default = |d_in: usize, d_out: usize, rng: &mut StdRng| {
            let bound = 1.0 / (d_in as f64).sqrt();
            linear(d_in, d_out, bound, bound, rng, device)
        };
        let glorot_tanh = |d_in: usize, d_out: usize, rng: &mut StdRng| {
            linear(
                d_in,
                d_out,
                glorot(tanh_gain, d_in, d_out),
                0.0,
                rng,
                device,
            )
        };
        let conv1 = gcn(1, h, rng);
        let conv2 = gcn(h, 2 * h, rng);
        let readout = mlp(
            vec![torch_default(2 * h, h, rng), torch_default(h, f, rng)],
            Activation::Relu,
        );
        let mean = glorot_tanh(f, k, rng);
        let log_var = glorot_tanh(f, k, rng);
        let decoder = mlp(
            vec![glorot_tanh(e + k, hd, rng), glorot_tanh(hd, e, rng)],
            Activation::Tanh,
        );
        Ok(Self {
            conv1,
            conv2,
            readout,
            mean,
            log_var,
            decoder,
        })
    }

    /// Latent dimension `K`.
    pub fn latent(&self) -> usize {
        self.mean.weight.dims()[1]
    }

    /// Number of pair weights `E` the decoder produces.
    pub fn num_pairs(&self) -> usize {
        self.decoder.d_output()
    }

    fn check_pairs(&self, x: &Tensor<2>, context: &str) -> Result<usize> {
        let [b, e] = x.dims();
        if e != self.num_pairs() {
            return Err(GslError::shape(
                context,
                format!(
                    "[B, {}] (the VAE was built for this many pairs)",
                    self.num_pairs()
                ),
                format!("[{b}, {e}]"),
            ));
        }
        if b == 0 {
            return Err(GslError::EmptyGraph(format!("{context}: empty batch")));
        }
        ensure_finite(x, context)?;
        Ok(b)
    }

    /// Graph features `[B, F]` of the graphs `1[w ≥ threshold]` for pair weights `w` `[B, E]`.
    ///
    /// Errors: `w` not `[B, E]`, `B = 0`, NaN/Inf.
    pub fn encode(&self, spec: &TopoVaeSpec, w: Tensor<2>) -> Result<Tensor<2>> {
        let b = self.check_pairs(&w, "TopoDiffVAE encoder input")?;
        // The topology carries no gradient (the authors detach it).
        let binary = w.detach().greater_equal_elem(spec.threshold).float();
        let adj = from_halfvec(binary)?;
        let degree = adj.clone().sum_dim(2);
        let h = relu(dense_conv(&self.conv1, &adj, degree));
        let h = relu(dense_conv(&self.conv2, &adj, h));
        let pooled = h.sum_dim(1).reshape([b, self.conv2.d_output()]);
        Ok(self.readout.forward_unchecked(pooled))
    }

    /// Posterior `(μ, log σ²)`, each `[B, K]`, of the topological difference between the true
    /// graphs `target` and the estimates `x` (both `[B, E]`): `d = g(target) − g(x)`.
    ///
    /// Errors: as [`TopoDiffVae::encode`] for either input, different batch sizes.
    pub fn posterior(
        &self,
        spec: &TopoVaeSpec,
        x: Tensor<2>,
        target: Tensor<2>,
    ) -> Result<(Tensor<2>, Tensor<2>)> {
        ensure_shape(&target, x.dims(), "TopoDiffVAE target")?;
        let diff = self.encode(spec, target)?.sub(self.encode(spec, x)?);
        let mu = self.mean.forward(diff.clone());
        let log_var = self.log_var.forward(diff).abs().neg();
        Ok((mu, log_var))
    }

    /// Decodes `[x, z]` into pair weights `[B, E]` for estimates `x` `[B, E]` and latent codes
    /// `z` `[B, K]`.
    ///
    /// Errors: wrong shapes, `B = 0`, NaN/Inf in `x`.
    pub fn decode(&self, x: Tensor<2>, z: Tensor<2>) -> Result<Tensor<2>> {
        let b = self.check_pairs(&x, "TopoDiffVAE decoder input")?;
        ensure_shape(&z, [b, self.latent()], "TopoDiffVAE latent")?;
        Ok(self.decoder.forward_unchecked(Tensor::cat(vec![x, z], 1)))
    }

    /// The evaluation pass: decodes `x` with the prior mean `z = 0` (deterministic).
    ///
    /// Errors: as [`TopoDiffVae::decode`].
    pub fn reconstruct(&self, x: Tensor<2>) -> Result<Tensor<2>> {
        let b = x.dims()[0];
        let z = Tensor::zeros([b, self.latent()], &x.device());
        self.decode(x, z)
    }

    /// The training pass with given standard-normal noise `eps` `[B, K]`: posterior,
    /// reparameterised `z = μ + exp(½ log σ²) ⊙ ε`, decoding, reconstruction and KL terms.
    ///
    /// Errors: as [`TopoDiffVae::posterior`], `eps` not `[B, K]`.
    pub fn forward_with_noise(
        &self,
        spec: &TopoVaeSpec,
        x: Tensor<2>,
        target: Tensor<2>,
        eps: Tensor<2>,
    ) -> Result<VaeOutput> {
        let (mu, log_var) = self.posterior(spec, x.clone(), target.clone())?;
        ensure_shape(&eps, mu.dims(), "TopoDiffVAE noise")?;
        let z = mu
            .clone()
            .add(log_var.clone().mul_scalar(0.5).exp().mul(eps));
        let prediction = self.decode(x, z)?;
        let reconstruction = LossKind::Se.per_sample(prediction.clone(), target)?.mean();
        let kl = kl_divergence(mu.clone(), log_var.clone())?;
        Ok(VaeOutput {
            prediction,
            mu,
            log_var,
            reconstruction,
            kl,
        })
    }

    /// The training pass with `ε ~ N(0, I)` drawn on the device (seeded through
    /// `gsl_core::train::seed_device`).
    ///
    /// Errors: as [`TopoDiffVae::forward_with_noise`].
    pub fn forward_train(
        &self,
        spec: &TopoVaeSpec,
        x: Tensor<2>,
        target: Tensor<2>,
    ) -> Result<VaeOutput> {
        let b = x.dims()[0];
        let eps = Tensor::random(
            [b, self.latent()],
            Distribution::Normal(0.0, 1.0),
            &x.device(),
        );
        self.forward_with_noise(spec, x, target, eps)
    }
}
