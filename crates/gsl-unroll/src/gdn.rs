//! GDN, the Graph Deconvolution Network (Wasserman, Sihag, Mateos, Ribeiro, TMLR 2023,
//! arXiv 2205.09575): the truncated proximal-gradient step of [`gsl_mb::gdn`] with learnable
//! `α, β, h, τ` per layer and `C` channels.
//!
//! Layer `l` maps `C_in` channels `S_c` `[B, N, N]` to `C` channels with
//! [`gsl_mb::gdn::gdn_step`]:
//!
//! ```text
//! T_o = mean_c [ α_oc S_c + β_oc (S_c A_O + A_O S_c) + Σ_k h_okc P_k(A_O) ],  diagonal zeroed,
//! T_o ← T_o / max|T_o| (every layer but the last),   S'_o = ReLU(T_o − τ_o)
//! ```
//!
//! from `S₀ = 0` (pyGSL's `zeros` prior); the first layer has `C_in = 1` (or `C` with shared
//! parameters, the prior repeated). The estimate of a layer is the mean over its channels.
//! Initialisation as pyGSL: `α ~ N(1, 1/9)`, `β, h ~ N(0, 1/9)` with `h₁ = 1`,
//! `τ = linspace(0.01, 0.9, C)`; `τ` is clamped to `[0, 0.99]` after every optimiser step; a
//! collapsed layer is redrawn (`α, β` again, `τ ← τ/10`). The parameters do not depend on `N`,
//! so a GDN trained on small graphs runs on larger ones.

use burn::module::{Module, Param};
use burn::tensor::{Device, Tensor, TensorData};
use gsl_core::{GslError, Result};
use gsl_mb::gdn::{GdnParams, PolynomialBasis, gdn_step, polynomial_basis};
use gsl_mb::linalg::check_square;
use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};

use crate::layer::{
    Position, UnrollingLayer, fresh_leaf, normal_param, normal_tensor, project_param,
};

/// Standard deviation of pyGSL's `N(·, 1/9)` initialisations.
const INIT_STD: f64 = 1.0 / 3.0;
/// Upper bound of `τ` (pyGSL clamps to `[0, 0.99]`).
const TAU_MAX: f32 = 0.99;

/// GDN's settings. Defaults: pyGSL's single channel, polynomial order 1 in the Chebyshev
/// basis, normalisation on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GdnSpec {
    /// Channels `C` per layer (≥ 1).
    pub channels: usize,
    /// Order `K` of the polynomial in `A_O` (pyGSL allows up to 9).
    pub order: usize,
    /// Basis of the polynomial.
    pub basis: PolynomialBasis,
    /// Max-abs normalisation of every layer's output but the last.
    pub normalize: bool,
}

impl Default for GdnSpec {
    fn default() -> Self {
        Self {
            channels: 1,
            order: 1,
            basis: PolynomialBasis::Chebyshev,
            normalize: true,
        }
    }
}

/// One GDN layer's parameters.
#[derive(Module, Debug)]
pub struct GdnLayer {
    /// `α` `[C, C_in]`.
    pub alpha: Param<Tensor<2>>,
    /// `β` `[C, C_in]`.
    pub beta: Param<Tensor<2>>,
    /// `h` `[C, K+1, C_in]`.
    pub h: Param<Tensor<3>>,
    /// `τ` `[C]`.
    pub tau: Param<Tensor<1>>,
}

impl GdnLayer {
    /// The layer's parameters as a [`GdnParams`] for the gsl-mb step.
    pub fn params(&self) -> GdnParams {
        GdnParams {
            alpha: self.alpha.val(),
            beta: self.beta.val(),
            h: self.h.val(),
            tau: self.tau.val(),
        }
    }
}

/// The constant inputs of a batch.
#[derive(Debug, Clone)]
pub struct GdnInput {
    /// The observed graphs `A_O` `[B, N, N]`.
    pub a_obs: Tensor<3>,
    /// `P_0(A_O), …, P_K(A_O)` `[K+1, B, N, N]`.
    pub basis: Tensor<4>,
}

impl UnrollingLayer for GdnLayer {
    type Spec = GdnSpec;
    type Input = GdnInput;
    type State = Tensor<4>;

    const NAME: &'static str = "gdn";

    fn validate_spec(spec: &GdnSpec) -> Result<()> {
        if spec.channels == 0 {
            return Err(GslError::invalid("channels", "must be at least 1"));
        }
        if spec.order > 9 {
            return Err(GslError::invalid(
                "order",
                format!("at most 9 (pyGSL's limit), got {}", spec.order),
            ));
        }
        Ok(())
    }

    fn init(spec: &GdnSpec, position: Position, rng: &mut StdRng, device: &Device) -> Result<Self> {
        let c = spec.channels;
        // The first of separate layers reads the single prior channel; shared parameters read
        // C channels everywhere.
        let c_in = if position.index == 0 && !position.shared {
            1
        } else {
            c
        };
        let terms = spec.order + 1;
        let mut h = normal_tensor([c, terms, c_in], 0.0, INIT_STD, rng, device);
        if spec.order >= 1 {
            // h₁ := 1 so the first layers start from A_O itself.
            let ones = Tensor::<3>::ones([c, 1, c_in], device);
            h = h.slice_assign([0..c, 1..2, 0..c_in], ones);
        }
        let tau: Vec<f32> = (0..c)
            .map(|i| {
                if c == 1 {
                    0.01
                } else {
                    0.01 + (0.9 - 0.01) * i as f32 / (c - 1) as f32
                }
            })
            .collect();
        Ok(Self {
            alpha: normal_param([c, c_in], 1.0, INIT_STD, rng, device),
            beta: normal_param([c, c_in], 0.0, INIT_STD, rng, device),
            h: Param::from_tensor(h),
            tau: Param::from_tensor(Tensor::from_data(TensorData::new(tau, [c]), device)),
        })
    }

    fn prepare(spec: &GdnSpec, observation: Tensor<3>) -> Result<GdnInput> {
        check_square(&observation, 2, "gdn observation")?;
        let basis = polynomial_basis(observation.clone(), spec.order, spec.basis)?;
        Ok(GdnInput {
            a_obs: observation,
            basis,
        })
    }

    fn initial_state(
        _: &GdnSpec,
        input: &GdnInput,
        _: Option<&Param<Tensor<1>>>,
    ) -> Result<Tensor<4>> {
        let [b, n, _] = input.a_obs.dims();
        Ok(Tensor::zeros([1, b, n, n], &input.a_obs.device()))
    }

    fn forward(
        &self,
        spec: &GdnSpec,
        input: &GdnInput,
        state: Tensor<4>,
        position: Position,
    ) -> Result<Tensor<4>> {
        let c_in = self.alpha.dims()[1];
        let [c, b, n, _] = state.dims();
        // Shared parameters read C channels everywhere: repeat the single prior channel.
        let state = if c != c_in && c == 1 {
            state.expand([c_in, b, n, n])
        } else {
            state
        };
        gdn_step(
            state,
            input.a_obs.clone(),
            input.basis.clone(),
            &self.params(),
            spec.normalize && !position.is_last(),
        )
    }

    fn output(_: &GdnSpec, state: &Tensor<4>) -> Result<Tensor<3>> {
        let [_, b, n, _] = state.dims();
        Ok(state.clone().mean_dim(0).reshape([b, n, n]))
    }

    fn resample(self, _: &GdnSpec, rng: &mut StdRng) -> Self {
        let device = self.alpha.val().device();
        let dims = self.alpha.dims();
        Self {
            alpha: Param::from_tensor(normal_tensor(dims, 1.0, INIT_STD, rng, &device)),
            beta: Param::from_tensor(normal_tensor(dims, 0.0, INIT_STD, rng, &device)),
            h: self.h,
            tau: Param::from_tensor(fresh_leaf(self.tau.val().mul_scalar(0.1))),
        }
    }

    fn project(self, _: &GdnSpec) -> Self {
        Self {
            tau: project_param(self.tau, |t| t.clamp(0.0, TAU_MAX)),
            ..self
        }
    }
}
