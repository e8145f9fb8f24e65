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
//! kept positive (`≥ 1e-6`) so the square root of the `gsl-mb` step stays real (pyGSL leaves
//! them free and clamps the square root's argument instead). The degree operator is
//! gsl-mb's implicit `S` on the complete pair support (never the dense `N × N(N−1)/2` matrix of
//! pyGSL and L2G).
//!
//! ## The full L2G ([`L2gVaeLayer`], method name `l2g-vae`)
//!
//! The authors' `learn2graph` (`xpuoxford/L2G-neurips2021/src/models.py`) changes the primal
//! prox `p = prox(y − 2γz)` only: layers `1 … D−1` use a leaky ReLU (slope 0.01) instead of
//! `max(·, 0)`, and the last layer replaces it by the TopoDiffVAE decoder
//! ([`crate::topovae`]) applied to `y − 2γz`; the dual step (log-barrier prox, with the authors'
//! clamp `ȳ² + 4αγ ≥ 1e-8`) and the correction are unchanged ([`pds_step_with_prox`]). In
//! training the VAE encodes the topology difference to the true graph and adds its
//! reconstruction (`vae_recon`) and weighted KL (`vae_kl`) terms to the loss through
//! [`UnrollingLayer::forward_train`]; at evaluation it decodes with the prior mean `z = 0`
//! (deterministic; the authors sample `z ~ N(0, I)`). The parameters start at the authors'
//! exact values `α = β = 1`, `γ = 0.01` (no noise) and, as in their code, are not projected
//! after a step: they may turn negative, and the clamp `ȳ² + 4αγ ≥ 1e-8` keeps the step defined
//! (the positivity projection of the unrolled PDS held some on the floor and slowed early
//! training on WS N = 50).
//! It is a separate layer type rather than an
//! option of [`L2gSpec`] because the non-last layers' prox differs too, its checkpoints must
//! not load as the unrolled PDS, and the unrolled PDS stays exactly the `gsl-mb` step.

use burn::module::{Module, Param};
use burn::tensor::activation::leaky_relu;
use burn::tensor::{Device, Tensor};
use gsl_core::dense::{from_halfvec, halfvec};
use gsl_core::{GslError, Result};
use gsl_mb::linalg::check_square;
use gsl_mb::smooth::{PairSupport, SmoothModel, SmoothState, fbf_step};
use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};

use crate::layer::{AuxiliaryLoss, Position, UnrollingLayer, jittered_scalar, project_param};
use crate::topovae::{TopoDiffVae, TopoVaeSpec};

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

/// The full L2G's settings: the PDS scalars' initialisation, the TopoDiffVAE, and the leaky
/// ReLU of the non-last layers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct L2gVaeSpec {
    /// Initial values of `α`, `β`, `γ` (the authors: 1, 1, 0.01, no noise).
    pub pds: L2gSpec,
    /// The last layer's TopoDiffVAE (fixes the number of nodes `N`).
    pub vae: TopoVaeSpec,
    /// Negative slope of the leaky-ReLU prox of layers `1 … D−1` (PyTorch's default 0.01).
    pub negative_slope: f64,
}

impl L2gVaeSpec {
    /// The authors' settings for graphs of `nodes` nodes.
    pub fn new(nodes: usize) -> Self {
        Self {
            pds: L2gSpec {
                noise: 0.0,
                ..L2gSpec::default()
            },
            vae: TopoVaeSpec::new(nodes),
            negative_slope: 0.01,
        }
    }
}

/// One layer of the full L2G: the PDS scalars, plus the TopoDiffVAE on the last layer (on the
/// single layer when parameters are shared).
#[derive(Module, Debug)]
pub struct L2gVaeLayer {
    /// `α`, `β`, `γ` of this layer.
    pub pds: L2gLayer,
    /// The TopoDiffVAE replacing the primal prox (last layer only).
    pub vae: Option<TopoDiffVae>,
}

/// One PDS step of L2G on the log model with the primal prox replaced by `prox`, applied to
/// `y − 2γz` (Pu et al. 2021, Algorithm 1; with `prox = max(·, 0)` it is
/// [`gsl_mb::smooth::fbf_step`]):
///
/// ```text
/// y = w − γ(2βw + Sᵀv),  ȳ = v + γSw,  p = prox(y − 2γz),  p̄ = (ȳ − √max(ȳ² + 4αγ, 1e-8))/2
/// q = p − γ(2βp + Sᵀp̄),  q̄ = p̄ + γSp,  w ← w − y + q,  v ← v − ȳ + q̄
/// ```
///
/// `alpha`, `beta`, `gamma` are `[1, 1]` (or `[B, 1]`).
///
/// Errors: `w`, `z` not `[B, M]` for `support`, `v` not `[B, N]`, an error of `prox` or an
/// output of the wrong shape.
pub fn pds_step_with_prox(
    state: &SmoothState,
    z: Tensor<2>,
    support: &PairSupport,
    (alpha, beta, gamma): (Tensor<2>, Tensor<2>, Tensor<2>),
    prox: impl FnOnce(Tensor<2>) -> Result<Tensor<2>>,
) -> Result<SmoothState> {
    let [b, m] = state.w.dims();
    gsl_core::tensor::ensure_shape(&state.w, [b, support.num_pairs()], "pds step w")?;
    gsl_core::tensor::ensure_shape(&z, [b, m], "pds step z")?;
    gsl_core::tensor::ensure_shape(&state.v, [b, support.num_nodes()], "pds step v")?;
    let w = state.w.clone();
    let v = state.v.clone();
    // x − γ(2βx + Sᵀu) = c·x − Sᵀ(γu) with c = 1 − 2γβ.
    let c = gamma.clone().mul(beta).mul_scalar(-2.0).add_scalar(1.0);
    let forward =
        |x: Tensor<2>, u: Tensor<2>| x.mul(c.clone()).sub(support.adjoint(u.mul(gamma.clone())));
    let y = forward(w.clone(), v.clone());
    let y_bar = v.clone().add(support.degrees(w.clone()).mul(gamma.clone()));
    let p = prox(y.clone().sub(z.mul(gamma.clone().mul_scalar(2.0))))?;
    gsl_core::tensor::ensure_shape(&p, [b, m], "pds step prox output")?;
    // The authors' `prox_log_barrier` (clamped so the square root stays differentiable).
    let disc = y_bar
        .clone()
        .square()
        .add(alpha.mul(gamma.clone()).mul_scalar(4.0))
        .clamp_min(1e-8)
        .sqrt();
    let p_bar = y_bar.clone().sub(disc).mul_scalar(0.5);
    let q = forward(p.clone(), p_bar.clone());
    let q_bar = p_bar.add(support.degrees(p).mul(gamma));
    Ok(SmoothState {
        w: w.sub(y).add(q),
        v: v.sub(y_bar).add(q_bar),
    })
}

impl L2gVaeLayer {
    fn scalars(&self) -> (Tensor<2>, Tensor<2>, Tensor<2>) {
        (
            scalar(&self.pds.alpha),
            scalar(&self.pds.beta),
            scalar(&self.pds.gamma),
        )
    }

    fn last_vae(&self) -> Result<&TopoDiffVae> {
        self.vae.as_ref().ok_or_else(|| {
            GslError::invalid(
                "l2g-vae",
                "the last layer has no TopoDiffVAE (corrupt model)",
            )
        })
    }

    /// A non-last layer: the leaky-ReLU prox.
    fn leaky_step(
        &self,
        spec: &L2gVaeSpec,
        input: &L2gInput,
        state: &SmoothState,
    ) -> Result<SmoothState> {
        let slope = spec.negative_slope;
        pds_step_with_prox(
            state,
            input.z.clone(),
            &input.support,
            self.scalars(),
            |y| Ok(leaky_relu(y, slope)),
        )
    }
}

impl UnrollingLayer for L2gVaeLayer {
    type Spec = L2gVaeSpec;
    type Input = L2gInput;
    type State = SmoothState;

    const NAME: &'static str = "l2g-vae";

    fn validate_spec(spec: &L2gVaeSpec) -> Result<()> {
        L2gLayer::validate_spec(&spec.pds)?;
        spec.vae.validate()?;
        if !(spec.negative_slope.is_finite() && (0.0..1.0).contains(&spec.negative_slope)) {
            return Err(GslError::invalid(
                "negative_slope",
                format!("must be in [0, 1), got {}", spec.negative_slope),
            ));
        }
        Ok(())
    }

    fn init(
        spec: &L2gVaeSpec,
        position: Position,
        rng: &mut StdRng,
        device: &Device,
    ) -> Result<Self> {
        let pds = L2gLayer::draw(&spec.pds, rng, device);
        let vae = if position.shared || position.is_last() {
            Some(TopoDiffVae::init(&spec.vae, rng, device)?)
        } else {
            None
        };
        Ok(Self { pds, vae })
    }

    fn prepare(spec: &L2gVaeSpec, observation: Tensor<3>) -> Result<L2gInput> {
        let [b, n, n2] = observation.dims();
        if n != spec.vae.nodes || n2 != spec.vae.nodes {
            return Err(GslError::shape(
                "l2g-vae observation (the TopoDiffVAE is built for a fixed N)",
                format!("[B, {0}, {0}]", spec.vae.nodes),
                format!("[{b}, {n}, {n2}]"),
            ));
        }
        L2gLayer::prepare(&spec.pds, observation)
    }

    fn initial_state(
        spec: &L2gVaeSpec,
        input: &L2gInput,
        extra: Option<&Param<Tensor<1>>>,
    ) -> Result<SmoothState> {
        L2gLayer::initial_state(&spec.pds, input, extra)
    }

    fn forward(
        &self,
        spec: &L2gVaeSpec,
        input: &L2gInput,
        state: SmoothState,
        position: Position,
    ) -> Result<SmoothState> {
        if !position.is_last() {
            return self.leaky_step(spec, input, &state);
        }
        let vae = self.last_vae()?;
        pds_step_with_prox(
            &state,
            input.z.clone(),
            &input.support,
            self.scalars(),
            |y| vae.reconstruct(y),
        )
    }

    fn forward_train(
        &self,
        spec: &L2gVaeSpec,
        input: &L2gInput,
        state: SmoothState,
        position: Position,
        target: &Tensor<3>,
    ) -> Result<(SmoothState, AuxiliaryLoss)> {
        if !position.is_last() {
            return Ok((self.leaky_step(spec, input, &state)?, Vec::new()));
        }
        let vae = self.last_vae()?;
        let target = halfvec(target.clone())?;
        let mut terms = None;
        let next = pds_step_with_prox(
            &state,
            input.z.clone(),
            &input.support,
            self.scalars(),
            |y| {
                let out = vae.forward_train(&spec.vae, y, target)?;
                terms = Some((out.reconstruction, out.kl));
                Ok(out.prediction)
            },
        )?;
        let (recon, kl) = terms.expect("the prox ran");
        let aux = vec![
            ("vae_recon".to_string(), recon),
            ("vae_kl".to_string(), kl.mul_scalar(spec.vae.kl_weight)),
        ];
        Ok((next, aux))
    }

    fn output(spec: &L2gVaeSpec, state: &SmoothState) -> Result<Tensor<3>> {
        L2gLayer::output(&spec.pds, state)
    }

    fn resample(self, spec: &L2gVaeSpec, rng: &mut StdRng) -> Self {
        // Only the step scalars are redrawn; the VAE keeps what it has learned.
        Self {
            pds: self.pds.resample(&spec.pds, rng),
            vae: self.vae,
        }
    }

    // No `project`: the authors' `learn2graph` leaves `α`, `β`, `γ` free (the prox's clamp
    // keeps the square root real). Holding them `≥ 1e-6`, as the unrolled PDS does, pins some
    // on the floor and slows early training on WS N = 50 (`docs/gsl-unroll.md`).
}
