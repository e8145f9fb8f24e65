//! An unrolled network: `D` layers of one method, each feeding the next, with every
//! intermediate output kept (for the per-layer loss and per-layer plots).

use burn::module::{Module, ModuleVisitor, Param};
use burn::tensor::{Device, Tensor};
use gsl_core::train::{derive_seed, seeded_rng};
use gsl_core::{GslError, Result};
use serde::{Deserialize, Serialize};

use crate::layer::{AuxiliaryLoss, Position, UnrollingLayer};

/// Structure of an unrolled network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnrollConfig {
    /// Number of layers `D` (≥ 1).
    pub depth: usize,
    /// One parameter set repeated `D` times instead of `D` separate ones.
    pub shared: bool,
    /// Seed of the initialisation (and of resampling).
    pub seed: u64,
}

impl UnrollConfig {
    /// `depth` separate layers, seed 0.
    pub fn new(depth: usize) -> Self {
        Self {
            depth,
            shared: false,
            seed: 0,
        }
    }

    /// Checks `depth >= 1`.
    pub fn validate(&self) -> Result<()> {
        if self.depth == 0 {
            return Err(GslError::invalid(
                "depth",
                "an unrolled network needs at least one layer",
            ));
        }
        Ok(())
    }
}

/// What [`Unrolled::forward_train`] returns.
#[derive(Debug, Clone)]
pub struct TrainForward {
    /// Every layer's estimate `[B, N, N]`, first layer first.
    pub outputs: Vec<Tensor<3>>,
    /// The layers' auxiliary loss terms, in layer order.
    pub auxiliary: AuxiliaryLoss,
}

/// `D` unrolled layers of method `L`.
#[derive(Module, Debug)]
pub struct Unrolled<L: UnrollingLayer> {
    /// The layers' parameters: `D` entries, or one when shared.
    pub layers: Vec<L>,
    /// Learnable parameters of the starting point, if the method has any.
    pub extra: Option<Param<Tensor<1>>>,
    /// The method's fixed settings.
    #[module(skip)]
    pub spec: L::Spec,
    /// The network's structure.
    #[module(skip)]
    pub config: UnrollConfig,
}

/// Seed sub-stream of the initial draw of layer `i`.
const INIT_STREAM: u64 = 0;
/// Seed sub-stream of resampling draws.
const RESAMPLE_STREAM: u64 = 1 << 20;

impl<L: UnrollingLayer> Unrolled<L> {
    /// A freshly initialised network (build it on `device.autodiff()` to train it).
    ///
    /// Errors: `depth = 0`, an invalid spec, a layer's own initialisation error.
    pub fn new(spec: L::Spec, config: UnrollConfig, device: &Device) -> Result<Self> {
        config.validate()?;
        L::validate_spec(&spec)?;
        // Layers built from Burn's initialisers draw from the device generator.
        gsl_core::train::seed_device(device, derive_seed(config.seed, INIT_STREAM));
        let count = if config.shared { 1 } else { config.depth };
        let layers = (0..count)
            .map(|index| {
                let mut rng = seeded_rng(derive_seed(config.seed, INIT_STREAM + 1 + index as u64));
                let position = Position {
                    index,
                    depth: config.depth,
                    shared: config.shared,
                };
                L::init(&spec, position, &mut rng, device)
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            layers,
            extra: L::init_extra(&spec, device),
            spec,
            config,
        })
    }

    /// Number of layers `D`.
    pub fn depth(&self) -> usize {
        self.config.depth
    }

    /// The parameters used at layer `index`.
    pub fn layer(&self, index: usize) -> &L {
        if self.config.shared {
            &self.layers[0]
        } else {
            &self.layers[index]
        }
    }

    /// The estimate of every layer, `D` tensors `[B, N, N]`, for observations `[B, N, N]`
    /// (evaluation: every layer's [`UnrollingLayer::forward`]).
    ///
    /// Errors: the method's checks of the observations, a layer's error.
    pub fn forward_layers(&self, observation: Tensor<3>) -> Result<Vec<Tensor<3>>> {
        Ok(self.run(observation, None)?.outputs)
    }

    /// The training pass: every layer's [`UnrollingLayer::forward_train`] with the true graphs
    /// `target` `[B, N, N]` at hand, giving every layer's estimate and the layers' auxiliary
    /// loss terms (empty for methods without any).
    ///
    /// Errors: `target` not of the observation's shape, the method's checks of the
    /// observations, a layer's error.
    pub fn forward_train(&self, observation: Tensor<3>, target: Tensor<3>) -> Result<TrainForward> {
        let [b, n, n2] = observation.dims();
        gsl_core::tensor::ensure_shape(&target, [b, n, n2], "target")?;
        self.run(observation, Some(&target))
    }

    fn run(&self, observation: Tensor<3>, target: Option<&Tensor<3>>) -> Result<TrainForward> {
        let input = L::prepare(&self.spec, observation)?;
        let mut state = L::initial_state(&self.spec, &input, self.extra.as_ref())?;
        let mut outputs = Vec::with_capacity(self.depth());
        let mut auxiliary = Vec::new();
        for index in 0..self.depth() {
            let position = Position {
                index,
                depth: self.depth(),
                shared: self.config.shared,
            };
            let layer = self.layer(index);
            state = match target {
                None => layer.forward(&self.spec, &input, state, position)?,
                Some(target) => {
                    let (next, aux) =
                        layer.forward_train(&self.spec, &input, state, position, target)?;
                    auxiliary.extend(aux);
                    next
                }
            };
            outputs.push(L::output(&self.spec, &state)?);
        }
        Ok(TrainForward { outputs, auxiliary })
    }

    /// The last layer's estimate `[B, N, N]`.
    pub fn forward(&self, observation: Tensor<3>) -> Result<Tensor<3>> {
        let mut outputs = self.forward_layers(observation)?;
        outputs
            .pop()
            .ok_or_else(|| GslError::invalid("depth", "no layer"))
    }

    /// Re-draws the parameters used at layer `index` (all layers when shared); `draw`
    /// distinguishes successive resamplings.
    pub fn resample_layer(mut self, index: usize, draw: u64) -> Self {
        let slot = if self.config.shared { 0 } else { index };
        if slot >= self.layers.len() {
            return self;
        }
        let mut rng = seeded_rng(derive_seed(
            self.config.seed,
            RESAMPLE_STREAM + draw * self.depth() as u64 + index as u64,
        ));
        let layer = self.layers.remove(slot);
        self.layers
            .insert(slot, layer.resample(&self.spec, &mut rng));
        self
    }

    /// Applies every layer's [`UnrollingLayer::project`].
    pub fn project(mut self) -> Self {
        let spec = self.spec.clone();
        self.layers = self.layers.into_iter().map(|l| l.project(&spec)).collect();
        self
    }

    /// `Σ θ²` over every learnable parameter (pyGSL's L2 penalty on the unrolled parameters),
    /// `[1]`, differentiable.
    pub fn squared_norm(&self, device: &Device) -> Tensor<1> {
        let mut visitor = SquaredNorm { total: None };
        self.visit(&mut visitor);
        visitor.total.unwrap_or_else(|| Tensor::zeros([1], device))
    }
}

struct SquaredNorm {
    total: Option<Tensor<1>>,
}

impl ModuleVisitor for SquaredNorm {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let value = param.val();
        // Buffers such as batch norms' running statistics are visited as float tensors too;
        // on an autodiff device they are the tensors that do not require a gradient.
        if value.is_autodiff() && !value.is_require_grad() {
            return;
        }
        let term = value.square().sum();
        self.total = Some(match self.total.take() {
            None => term,
            Some(acc) => acc.add(term),
        });
    }
}
