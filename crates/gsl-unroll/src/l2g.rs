//! The unrolled primal–dual splitting of Kalofolias' log model (Pu, Cao, Zhang, Dong, Chen,
//! "Learning to learn graph topologies", NeurIPS 2021, §3.1, the "Unrolling" network; pyGSL's
//! `pds_unroll`): layer `l` is one FBF step of [`gsl_mb::smooth::fbf_step`] on the log model
//! with its own learnable `α_l` (log barrier), `β_l` (ℓ2 weight) and `γ_l` (step size):
//!
//! ```text
//! y = w − γ(2βw + Sᵀv),  ȳ = v + γSw,  p = max(y − 2γz, 0),  p̄ = (ȳ − √(ȳ² + 4αγ))/2
//! q = p − γ(2βp + Sᵀp̄),  q̄ = p̄ + γSp,  w ← w − y + q,  v ← v − ȳ + q̄
//! ```
//!
//! from `w = 0, v = 0`, with `z` the half-vector of the observation (L2G's mean squared
//! distances `(1/P)‖x_i − x_j‖²`). Initialisation as pyGSL: `α = β = 1`, `γ = 0.01`, plus
//! `U[−0.05, 0.05]` noise (`γ`'s noise divided by 1000); after each optimiser step the three are
//! kept positive (`≥ 1e-6`) so the square root stays real. The degree operator is
//! gsl-mb's implicit `S` on the complete pair support (never the dense `N × N(N−1)/2` matrix of
//! pyGSL and L2G). The full L2G (the TopoDiffVAE last layer) is not implemented.

use burn::module::{Module, Param};
use burn::tensor::{Device, Tensor};
use gsl_core::dense::{from_halfvec, halfvec};
use gsl_core::{GslError, Result};
use gsl_mb::linalg::check_square;
use gsl_mb::smooth::{PairSupport, SmoothModel, SmoothState, fbf_step};
use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};

use crate::layer::{Position, UnrollingLayer, jittered_scalar, project_param};

/// Smallest value the three step parameters are projected to.
const MIN_PARAM: f32 = 1e-6;

/// The unrolled PDS's settings: initial values and noise (pyGSL defaults).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct L2gSpec {
    /// Initial `α` (log-barrier weight).
    pub alpha_init: f64,
    /// Initial `β` (ℓ2 weight).
    pub beta_init: f64,
    /// Initial `γ` (step size).
    pub gamma_init: f64,
    /// Half-width of the uniform initial noise on `α` and `β` (`γ` gets a thousandth of it).
    pub noise: f64,
}

impl Default for L2gSpec {
    fn default() -> Self {
        Self {
            alpha_init: 1.0,
            beta_init: 1.0,
            gamma_init: 0.01,
            noise: 0.05,
        }
    }
}

/// One unrolled FBF step: three learnable scalars.
#[derive(Module, Debug)]
pub struct L2gLayer {
    /// `α` `[1]`.
    pub alpha: Param<Tensor<1>>,
    /// `β` `[1]`.
    pub beta: Param<Tensor<1>>,
    /// `γ` `[1]`.
    pub gamma: Param<Tensor<1>>,
}

/// The constant inputs of a batch.
#[derive(Debug, Clone)]
pub struct L2gInput {
    /// Half-vectors of the observations `[B, N(N−1)/2]`.
    pub z: Tensor<2>,
    /// The complete pair support of `N` nodes.
    pub support: PairSupport,
}

/// The log model (its weights are the layers' parameters; the variant selects the prox).
const LOG_MODEL: SmoothModel = SmoothModel::Log {
    alpha: 1.0,
    beta: 1.0,
};

impl L2gLayer {
    fn draw(spec: &L2gSpec, rng: &mut StdRng, device: &Device) -> Self {
        Self {
            alpha: jittered_scalar(spec.alpha_init, spec.noise, rng, device),
            beta: jittered_scalar(spec.beta_init, spec.noise, rng, device),
            gamma: jittered_scalar(spec.gamma_init, spec.noise / 1000.0, rng, device),
        }
    }
}

fn scalar(p: &Param<Tensor<1>>) -> Tensor<2> {
    p.val().reshape([1, 1])
}

fn keep_positive(p: Param<Tensor<1>>) -> Param<Tensor<1>> {
    project_param(p, |t| t.clamp_min(MIN_PARAM))
}

impl UnrollingLayer for L2gLayer {
    type Spec = L2gSpec;
    type Input = L2gInput;
    type State = SmoothState;

    const NAME: &'static str = "l2g";

    fn validate_spec(spec: &L2gSpec) -> Result<()> {
        for (name, v) in [
            ("alpha_init", spec.alpha_init),
            ("beta_init", spec.beta_init),
            ("gamma_init", spec.gamma_init),
        ] {
            if !(v.is_finite() && v > 0.0) {
                return Err(GslError::invalid(
                    name,
                    format!("must be finite and > 0, got {v}"),
                ));
            }
        }
        // The noise must keep every initial value positive (γ gets a thousandth of it).
        let bound = spec
            .alpha_init
            .min(spec.beta_init)
            .min(1000.0 * spec.gamma_init);
        if !(spec.noise.is_finite() && spec.noise >= 0.0 && spec.noise < bound) {
            return Err(GslError::invalid(
                "noise",
                format!(
                    "must be in [0, min(alpha_init, beta_init, 1000 gamma_init)) = [0, {bound}), \
                     got {}",
                    spec.noise
                ),
            ));
        }
        Ok(())
    }

    fn init(spec: &L2gSpec, _: Position, rng: &mut StdRng, device: &Device) -> Result<Self> {
        Ok(Self::draw(spec, rng, device))
    }

    fn prepare(_: &L2gSpec, observation: Tensor<3>) -> Result<L2gInput> {
        let (_, n) = check_square(&observation, 2, "l2g observation")?;
        let z = halfvec(observation)?;
        let min: f32 = z.clone().min().into_scalar();
        if min < 0.0 {
            return Err(GslError::invalid(
                "observation",
                format!("squared distances must be non-negative, found {min}"),
            ));
        }
        Ok(L2gInput {
            support: PairSupport::complete(n, &z.device())?,
            z,
        })
    }

    fn initial_state(
        _: &L2gSpec,
        input: &L2gInput,
        _: Option<&Param<Tensor<1>>>,
    ) -> Result<SmoothState> {
        let [b, m] = input.z.dims();
        let device = input.z.device();
        Ok(SmoothState {
            w: Tensor::zeros([b, m], &device),
            v: Tensor::zeros([b, input.support.num_nodes()], &device),
        })
    }

    fn forward(
        &self,
        _: &L2gSpec,
        input: &L2gInput,
        state: SmoothState,
        _: Position,
    ) -> Result<SmoothState> {
        fbf_step(
            &LOG_MODEL,
            &state,
            input.z.clone(),
            &input.support,
            scalar(&self.alpha),
            scalar(&self.beta),
            scalar(&self.gamma),
        )
    }

    fn output(_: &L2gSpec, state: &SmoothState) -> Result<Tensor<3>> {
        from_halfvec(state.w.clone())
    }

    fn resample(self, spec: &L2gSpec, rng: &mut StdRng) -> Self {
        let device = self.alpha.val().device();
        Self::draw(spec, rng, &device)
    }

    fn project(self, _: &L2gSpec) -> Self {
        Self {
            alpha: keep_positive(self.alpha),
            beta: keep_positive(self.beta),
            gamma: keep_positive(self.gamma),
        }
    }
}
