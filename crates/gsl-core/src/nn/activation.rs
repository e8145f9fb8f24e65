//! Element-wise activations selectable from a config.

use burn::config::Config;
use burn::tensor::{Tensor, activation};

use crate::error::{GslError, Result};

/// An element-wise non-linearity, chosen by configuration (serialisable, so it can sit in a
/// `#[derive(Config)]` struct such as [`MlpConfig`](super::MlpConfig)).
#[derive(Config, Debug, PartialEq)]
pub enum Activation {
    /// `max(x, 0)`.
    Relu,
    /// `x` for `x ≥ 0`, `negative_slope · x` otherwise.
    LeakyRelu {
        /// Slope for negative inputs (PyTorch's default is 0.01).
        negative_slope: f64,
    },
    /// `x` for `x > 0`, `alpha · (eˣ − 1)` otherwise (Clevert et al. 2016).
    Elu {
        /// Saturation value for negative inputs (usually 1).
        alpha: f64,
    },
    /// Hyperbolic tangent.
    Tanh,
    /// No activation.
    Identity,
}

impl Activation {
    /// Applies the activation element-wise.
    pub fn apply<const D: usize>(&self, x: Tensor<D>) -> Tensor<D> {
        match self {
            Activation::Relu => activation::relu(x),
            Activation::LeakyRelu { negative_slope } => activation::leaky_relu(x, *negative_slope),
            Activation::Elu { alpha } => activation::elu(x, *alpha),
            Activation::Tanh => activation::tanh(x),
            Activation::Identity => x,
        }
    }

    /// Fails unless the activation's parameters are finite.
    pub fn validate(&self) -> Result<()> {
        let value = match self {
            Activation::LeakyRelu { negative_slope } => *negative_slope,
            Activation::Elu { alpha } => *alpha,
            _ => return Ok(()),
        };
        if value.is_finite() {
            Ok(())
        } else {
            Err(GslError::invalid(
                "activation",
                format!("parameter must be finite, got {value}"),
            ))
        }
    }
}
