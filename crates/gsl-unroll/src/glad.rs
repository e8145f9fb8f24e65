//! GLAD (Shrivastava, Chen, Chen, Song, Kumar, Yu, "GLAD: Learning sparse graph recovery",
//! ICLR 2020, §4): the alternating-minimisation step of the graphical lasso
//! ([`gsl_mb::glad`]) with its coupling weight `λ` and threshold `ρ` predicted by small
//! networks.
//!
//! Layer `l` (GLAD Algorithm 2):
//!
//! ```text
//! λ ← σ(λNN(‖Z − Θ‖²_F, λ))                       per graph
//! Θ ← ½(−Y + √(YᵀY + (4/λ)I)),  Y = S/λ − Z         gsl_mb::glad::glad_theta_update
//! ρ ← σ(ρNN(Θ_ij, S_ij, Z_ij))                      per entry (off-diagonal)
//! Z ← sign(Θ) max(|Θ| − ρ, 0)                       gsl_mb::glad::glad_z_update
//! ```
//!
//! from `Θ₀ = Z₀ = (S + c·I)⁻¹` with a learnable offset `c` (`theta_init_offset`) and
//! `λ₀ = lambda_init`. The original code leaves `c` free; Adam at GLAD's learning rates can push
//! it below zero within a few steps (from 0.1 at lr 0.03: five steps), where `S + c·I` is no
//! longer positive definite and `Θ₀` is NaN. Here the offset used is `max(c, `[`MIN_OFFSET`]`)`. The square root is gsl-mb's Newton–Schulz iteration; autodiff runs
//! through its iterations. The networks are `tanh` MLPs ending in a sigmoid (the original
//! code's `lambdaNN`/`rhoNN`, hidden width `H`, `hidden_layers` hidden layers). The estimate of
//! a layer is `Θ`; the loss compares whole matrices (diagonal included), so the per-layer NSE
//! in dB of [`crate::train::SplitMetrics`] is GLAD's NMSE.

use burn::module::{Module, Param};
use burn::tensor::{Device, Tensor, activation};
use gsl_core::nn::{Activation, Mlp, MlpConfig};
use gsl_core::{GslError, Result};
use gsl_mb::glad::{glad_theta_update, glad_z_update};
use gsl_mb::glasso::check_covariance;
use gsl_mb::linalg::{cholesky_unchecked, eye_batch, off_diagonal_mask};
use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};

use crate::layer::{Position, UnrollingLayer};

/// The smallest offset `c` used in `Θ₀ = (S + cI)⁻¹`: the learnable parameter is clamped to
/// at least this, so `S + cI` stays positive definite for any covariance `S`.
pub const MIN_OFFSET: f32 = 1e-3;

/// GLAD's settings. Defaults: the original code's `lambda_init = 1`, `theta_init_offset = 0.1`,
/// one hidden layer of width 5, and pyGSL's 10 Newton–Schulz iterations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GladSpec {
    /// Hidden width `H` of both networks (≥ 1).
    pub hidden: usize,
    /// Number of hidden layers of both networks (≥ 1).
    pub hidden_layers: usize,
    /// Newton–Schulz iterations per square root (≥ 1).
    pub sqrt_iterations: usize,
    /// `λ₀` (> 0).
    pub lambda_init: f64,
    /// Initial value of the learnable offset `c` in `Θ₀ = (S + cI)⁻¹` (> 0; the value used
    /// is at least [`MIN_OFFSET`]).
    pub theta_init_offset: f64,
}

impl Default for GladSpec {
    fn default() -> Self {
        Self {
            hidden: 5,
            hidden_layers: 1,
            sqrt_iterations: 10,
            lambda_init: 1.0,
            theta_init_offset: 0.1,
        }
    }
}

/// One GLAD layer: its λ-network and ρ-network.
#[derive(Module, Debug)]
pub struct GladLayer {
    /// `λNN`: `[‖Z − Θ‖²_F, λ] → λ` (before the sigmoid).
    pub lambda_net: Mlp,
    /// `ρNN`: `[Θ_ij, S_ij, Z_ij] → ρ_ij` (before the sigmoid). The last of separate layers has
    /// none: its `Z` would not reach the output `Θ`.
    pub rho_net: Option<Mlp>,
}

/// The constant inputs of a batch: the covariances `S` `[B, N, N]`.
#[derive(Debug, Clone)]
pub struct GladInput {
    /// Sample covariances.
    pub s: Tensor<3>,
}

/// GLAD's iterate.
#[derive(Debug, Clone)]
pub struct GladState {
    /// The precision estimate `Θ` `[B, N, N]`.
    pub theta: Tensor<3>,
    /// The sparse variable `Z` `[B, N, N]`.
    pub z: Tensor<3>,
    /// The coupling weight `λ` `[B, 1, 1]`.
    pub lambda: Tensor<3>,
}

fn net(spec: &GladSpec, inputs: usize, device: &Device) -> Result<Mlp> {
    let mut sizes = vec![inputs];
    sizes.extend(std::iter::repeat_n(spec.hidden, spec.hidden_layers));
    sizes.push(1);
    MlpConfig::new(sizes)
        .with_activation(Activation::Tanh)
        .init(device)
}

impl UnrollingLayer for GladLayer {
    type Spec = GladSpec;
    type Input = GladInput;
    type State = GladState;

    const NAME: &'static str = "glad";
    const LOSS_ON_DIAGONAL: bool = true;

    fn validate_spec(spec: &GladSpec) -> Result<()> {
        if spec.hidden == 0 || spec.hidden_layers == 0 || spec.sqrt_iterations == 0 {
            return Err(GslError::invalid(
                "glad",
                "hidden, hidden_layers and sqrt_iterations must be at least 1",
            ));
        }
        for (name, v) in [
            ("lambda_init", spec.lambda_init),
            ("theta_init_offset", spec.theta_init_offset),
        ] {
            if !(v.is_finite() && v > 0.0) {
                return Err(GslError::invalid(
                    name,
                    format!("must be finite and > 0, got {v}"),
                ));
            }
        }
        Ok(())
    }

    fn init(spec: &GladSpec, position: Position, _: &mut StdRng, device: &Device) -> Result<Self> {
        let rho_net = if position.is_last() && !position.shared {
            None
        } else {
            Some(net(spec, 3, device)?)
        };
        Ok(Self {
            lambda_net: net(spec, 2, device)?,
            rho_net,
        })
    }

    fn init_extra(spec: &GladSpec, device: &Device) -> Option<Param<Tensor<1>>> {
        Some(Param::from_tensor(Tensor::from_floats(
            [spec.theta_init_offset as f32],
            device,
        )))
    }

    fn prepare(_: &GladSpec, observation: Tensor<3>) -> Result<GladInput> {
        check_covariance(&observation)?;
        Ok(GladInput { s: observation })
    }

    fn initial_state(
        spec: &GladSpec,
        input: &GladInput,
        extra: Option<&Param<Tensor<1>>>,
    ) -> Result<GladState> {
        let [b, n, _] = input.s.dims();
        let device = input.s.device();
        let offset = match extra {
            Some(p) => p.val().clamp_min(MIN_OFFSET).reshape([1, 1, 1]),
            None => Tensor::full([1, 1, 1], spec.theta_init_offset as f32, &device),
        };
        let shifted = input.s.clone().add(eye_batch(n, &device).mul(offset));
        let theta = cholesky_unchecked(shifted).inverse();
        Ok(GladState {
            z: theta.clone(),
            theta,
            lambda: Tensor::full([b, 1, 1], spec.lambda_init as f32, &device),
        })
    }

    fn forward(
        &self,
        spec: &GladSpec,
        input: &GladInput,
        state: GladState,
        _: Position,
    ) -> Result<GladState> {
        let [b, n, _] = input.s.dims();
        let distance = state
            .z
            .clone()
            .sub(state.theta.clone())
            .square()
            .sum_dims(&[1, 2])
            .reshape([b, 1]);
        let lambda_in = Tensor::cat(vec![distance, state.lambda.reshape([b, 1])], 1);
        let lambda = activation::sigmoid(self.lambda_net.forward(lambda_in)?).reshape([b, 1, 1]);
        let theta = glad_theta_update(
            input.s.clone(),
            state.z.clone(),
            lambda.clone(),
            spec.sqrt_iterations,
        )?;
        let Some(rho_net) = &self.rho_net else {
            // The last layer: Θ is the output, Z is not needed.
            return Ok(GladState {
                z: state.z,
                theta,
                lambda,
            });
        };
        let flat = |t: Tensor<3>| t.reshape([b * n * n, 1]);
        let rho_in = Tensor::cat(
            vec![flat(theta.clone()), flat(input.s.clone()), flat(state.z)],
            1,
        );
        let rho = activation::sigmoid(rho_net.forward(rho_in)?)
            .reshape([b, n, n])
            .mul(off_diagonal_mask(n, &input.s.device()));
        let z = glad_z_update(theta.clone(), rho)?;
        Ok(GladState { theta, z, lambda })
    }

    fn output(_: &GladSpec, state: &GladState) -> Result<Tensor<3>> {
        Ok(state.theta.clone())
    }

    fn resample(self, spec: &GladSpec, _: &mut StdRng) -> Self {
        let device = self.lambda_net.layers[0].weight.val().device();
        // Keep the layer's shape: with or without a ρ-network.
        let position = Position {
            index: 0,
            depth: if self.rho_net.is_some() { 2 } else { 1 },
            shared: false,
        };
        let mut rng = gsl_core::train::seeded_rng(0);
        Self::init(spec, position, &mut rng, &device).unwrap_or(self)
    }
}
