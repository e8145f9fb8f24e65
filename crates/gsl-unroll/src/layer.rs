//! The layer trait: one model-based step (from `gsl-mb`) with learnable parameters.
//!
//! A method is written once as an [`UnrollingLayer`]: how to turn a batch of observations into
//! the step's constant inputs ([`UnrollingLayer::prepare`]), where the iteration starts
//! ([`UnrollingLayer::initial_state`]), the step itself ([`UnrollingLayer::forward`], which
//! calls the `gsl-mb` step with the layer's parameters), and what a layer outputs as a graph
//! ([`UnrollingLayer::output`]). Stacking, training, thresholds, checkpoints and metrics come
//! from [`crate::unrolled`] and [`crate::train`] for every method alike.

use burn::module::{Module, ModuleDisplay, Param};
use burn::tensor::{Device, Tensor, TensorData};
use gsl_core::Result;
use rand::rngs::StdRng;
use rand_distr::{Distribution, Normal, Uniform};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Extra training-loss terms of a layer (e.g. the TopoDiffVAE's reconstruction and KL terms):
/// `(name, value [1])` pairs, already weighted; they are added to the discounted loss and
/// recorded under their names.
pub type AuxiliaryLoss = Vec<(String, Tensor<1>)>;

/// Where a layer sits in the stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// Zero-based layer index.
    pub index: usize,
    /// Number of layers `D`.
    pub depth: usize,
    /// Whether one parameter set serves every layer.
    pub shared: bool,
}

impl Position {
    /// Whether this is the last layer (some methods treat it differently, e.g. GDN does not
    /// normalise its output).
    pub fn is_last(&self) -> bool {
        self.index + 1 == self.depth
    }
}

/// One unrolled step with learnable parameters (a Burn [`Module`]).
///
/// `Spec` holds the method's fixed settings (hidden sizes, channels, iteration counts); it is
/// saved with checkpoints, so a model can be rebuilt from it before loading the weights.
pub trait UnrollingLayer: Module + ModuleDisplay + Sized {
    /// The method's fixed settings.
    type Spec: Clone + std::fmt::Debug + Serialize + DeserializeOwned + Send + Sync + 'static;
    /// Inputs prepared once per batch from the observations (e.g. a pair support, a
    /// polynomial basis).
    type Input;
    /// What a layer passes to the next.
    type State;

    /// The method's name (stored in checkpoints).
    const NAME: &'static str;
    /// Whether the loss also compares the diagonal (GLAD's precision matrices); metrics always
    /// use the strict upper triangle.
    const LOSS_ON_DIAGONAL: bool = false;

    /// Checks the settings.
    fn validate_spec(spec: &Self::Spec) -> Result<()>;

    /// A freshly initialised layer for `position`, drawing from `rng`.
    fn init(
        spec: &Self::Spec,
        position: Position,
        rng: &mut StdRng,
        device: &Device,
    ) -> Result<Self>;

    /// Learnable parameters of the starting point shared by all layers (e.g. GLAD's
    /// `theta_init_offset`), if the method has any.
    fn init_extra(_spec: &Self::Spec, _device: &Device) -> Option<Param<Tensor<1>>> {
        None
    }

    /// Validates a batch of observations `[B, N, N]` and prepares the step's constant inputs.
    fn prepare(spec: &Self::Spec, observation: Tensor<3>) -> Result<Self::Input>;

    /// The state the first layer starts from.
    fn initial_state(
        spec: &Self::Spec,
        input: &Self::Input,
        extra: Option<&Param<Tensor<1>>>,
    ) -> Result<Self::State>;

    /// One layer: the `gsl-mb` step with this layer's parameters.
    fn forward(
        &self,
        spec: &Self::Spec,
        input: &Self::Input,
        state: Self::State,
        position: Position,
    ) -> Result<Self::State>;

    /// One layer during training, when the true graphs `target` `[B, N, N]` are known: the next
    /// state and the layer's auxiliary loss terms (named `[1]` tensors, already weighted), which
    /// training adds to the discounted per-layer loss.
    ///
    /// The default is [`UnrollingLayer::forward`] with no extra term, so a method whose layers
    /// behave alike in training and evaluation writes nothing here. L2G's last layer overrides
    /// it: its TopoDiffVAE encodes the topology difference to the true graph and contributes
    /// its reconstruction and KL terms ([`crate::topovae`]).
    fn forward_train(
        &self,
        spec: &Self::Spec,
        input: &Self::Input,
        state: Self::State,
        position: Position,
        _target: &Tensor<3>,
    ) -> Result<(Self::State, AuxiliaryLoss)> {
        Ok((self.forward(spec, input, state, position)?, Vec::new()))
    }

    /// The graph estimate `[B, N, N]` carried by a state.
    fn output(spec: &Self::Spec, state: &Self::State) -> Result<Tensor<3>>;

    /// A re-drawn layer, used when the layer's output collapsed to zero (pyGSL's
    /// `resample_params`).
    fn resample(self, spec: &Self::Spec, rng: &mut StdRng) -> Self;

    /// Projects the parameters onto their feasible set after an optimiser step (e.g. GDN clamps
    /// `τ` to `[0, 0.99]`). The default leaves them unchanged.
    fn project(self, _spec: &Self::Spec) -> Self {
        self
    }
}

/// A learnable tensor of the given shape drawn on the host from `N(mean, std²)` (host draws
/// keep initialisation identical across backends for one seed).
pub fn normal_param<const D: usize>(
    shape: [usize; D],
    mean: f64,
    std: f64,
    rng: &mut StdRng,
    device: &Device,
) -> Param<Tensor<D>> {
    Param::from_tensor(normal_tensor(shape, mean, std, rng, device))
}

/// A tensor drawn on the host from `N(mean, std²)`.
pub fn normal_tensor<const D: usize>(
    shape: [usize; D],
    mean: f64,
    std: f64,
    rng: &mut StdRng,
    device: &Device,
) -> Tensor<D> {
    let count = shape.iter().product();
    let normal = Normal::new(mean, std.max(0.0)).unwrap_or_else(|_| Normal::new(0.0, 1.0).unwrap());
    let values: Vec<f32> = (0..count).map(|_| normal.sample(rng) as f32).collect();
    Tensor::from_data(TensorData::new(values, shape), device)
}

/// A learnable tensor of the given shape drawn on the host from `U[−bound, bound]` (Glorot and
/// PyTorch-default initialisations are uniform draws with a fan-dependent bound).
pub fn uniform_param<const D: usize>(
    shape: [usize; D],
    bound: f64,
    rng: &mut StdRng,
    device: &Device,
) -> Param<Tensor<D>> {
    let count = shape.iter().product();
    let values: Vec<f32> = match Uniform::new_inclusive(-bound.abs(), bound.abs()) {
        Ok(u) => (0..count).map(|_| u.sample(rng) as f32).collect(),
        Err(_) => vec![0.0; count],
    };
    Param::from_tensor(Tensor::from_data(TensorData::new(values, shape), device))
}

/// A scalar learnable parameter `[1]` equal to `value + U[−noise, noise]`.
pub fn jittered_scalar(
    value: f64,
    noise: f64,
    rng: &mut StdRng,
    device: &Device,
) -> Param<Tensor<1>> {
    let jitter = if noise > 0.0 {
        Uniform::new(-noise, noise).map_or(0.0, |u| u.sample(rng))
    } else {
        0.0
    };
    Param::from_tensor(Tensor::from_floats([(value + jitter) as f32], device))
}

/// A copy of `t` that is a fresh leaf of the autodiff graph (no history), so it can become a
/// new parameter. Tensors on a plain device are returned unchanged.
pub fn fresh_leaf<const D: usize>(t: Tensor<D>) -> Tensor<D> {
    if t.is_autodiff() {
        t.inner().autodiff()
    } else {
        t
    }
}

/// Applies a projection `f` (e.g. a clamp) to a parameter's value outside the autodiff graph,
/// keeping its id (so the optimiser state follows) and its gradient requirement.
pub fn project_param<const D: usize>(
    param: Param<Tensor<D>>,
    f: impl FnOnce(Tensor<D>) -> Tensor<D>,
) -> Param<Tensor<D>> {
    param.map(|t| {
        if t.is_autodiff() {
            f(t.inner()).autodiff().require_grad()
        } else {
            f(t)
        }
    })
}
