//! Multi-layer perceptron.

use burn::config::Config;
use burn::module::Module;
use burn::nn::{Dropout, DropoutConfig, Linear, LinearConfig};
use burn::tensor::{Device, Tensor};

use super::Activation;
use crate::error::{GslError, Result};
use crate::tensor::ensure_finite;

/// Hyperparameters of an [`Mlp`].
#[derive(Config, Debug)]
pub struct MlpConfig {
    /// Layer widths, input first: `[d_in, h_1, …, d_out]` gives `sizes.len() − 1` linear layers.
    pub sizes: Vec<usize>,
    /// Activation between layers.
    #[config(default = "Activation::Relu")]
    pub activation: Activation,
    /// Dropout probability after each hidden activation (active only on an autodiff device).
    #[config(default = 0.0)]
    pub dropout: f64,
    /// Give every linear layer a bias.
    #[config(default = true)]
    pub bias: bool,
    /// Also apply the activation after the last layer.
    #[config(default = false)]
    pub activate_output: bool,
}

impl MlpConfig {
    /// Fails on fewer than two sizes, a zero width, a dropout outside `[0, 1)` or an invalid
    /// activation.
    pub fn validate(&self) -> Result<()> {
        if self.sizes.len() < 2 {
            return Err(GslError::invalid(
                "MlpConfig.sizes",
                format!(
                    "needs at least an input and an output width, got {:?}",
                    self.sizes
                ),
            ));
        }
        if self.sizes.contains(&0) {
            return Err(GslError::invalid(
                "MlpConfig.sizes",
                format!("widths must be at least 1, got {:?}", self.sizes),
            ));
        }
        if !(0.0..1.0).contains(&self.dropout) {
            return Err(GslError::invalid(
                "MlpConfig.dropout",
                format!("must lie in [0, 1), got {}", self.dropout),
            ));
        }
        self.activation.validate()
    }

    /// Builds the network; linear layers use the PyTorch initialisation
    /// `U(−1/√fan_in, 1/√fan_in)`.
    pub fn init(&self, device: &Device) -> Result<Mlp> {
        self.validate()?;
        let layers = self
            .sizes
            .windows(2)
            .map(|w| {
                LinearConfig::new(w[0], w[1])
                    .with_bias(self.bias)
                    .init(device)
            })
            .collect();
        Ok(Mlp {
            layers,
            dropout: DropoutConfig::new(self.dropout).init(),
            activation: self.activation.clone(),
            activate_output: self.activate_output,
        })
    }
}

/// A stack of linear layers with an activation (and optional dropout) between them.
///
/// # Example
/// ```
/// use burn::tensor::Tensor;
/// use gsl_core::nn::{Activation, MlpConfig};
///
/// # fn main() -> gsl_core::Result<()> {
/// let device = gsl_core::device::device_from_name("flex")?;
/// let mlp = MlpConfig::new(vec![4, 16, 2])
///     .with_activation(Activation::Elu { alpha: 1.0 })
///     .init(&device)?;
/// let y = mlp.forward(Tensor::zeros([5, 4], &device))?;
/// assert_eq!(y.dims(), [5, 2]);
/// # Ok(())
/// # }
/// ```
#[derive(Module, Debug)]
pub struct Mlp {
    /// The linear layers, input first.
    pub layers: Vec<Linear>,
    /// Dropout after each hidden activation.
    pub dropout: Dropout,
    /// The activation between layers.
    #[module(skip)]
    pub activation: Activation,
    /// Whether the activation also follows the last layer.
    pub activate_output: bool,
}

impl Mlp {
    /// Input width.
    pub fn d_input(&self) -> usize {
        self.layers[0].weight.dims()[0]
    }

    /// Output width.
    pub fn d_output(&self) -> usize {
        self.layers[self.layers.len() - 1].weight.dims()[1]
    }

    /// Applies the network to `x` `[B, d_input]`, giving `[B, d_output]`.
    ///
    /// # Errors
    /// Wrong input width, non-finite input.
    pub fn forward(&self, x: Tensor<2>) -> Result<Tensor<2>> {
        let [b, f] = x.dims();
        if f != self.d_input() {
            return Err(GslError::shape(
                "Mlp input",
                format!("[B, {}]", self.d_input()),
                format!("[{b}, {f}]"),
            ));
        }
        ensure_finite(&x, "Mlp input")?;
        Ok(self.forward_unchecked(x))
    }

    /// The forward pass without [`Mlp::forward`]'s checks, for hot loops whose input is known to
    /// have the right width and finite values (e.g. a network's own states): it skips the
    /// host read-back (a device sync) of the finiteness check. A wrong width panics in Burn.
    pub fn forward_unchecked(&self, mut x: Tensor<2>) -> Tensor<2> {
        let last = self.layers.len() - 1;
        for (i, layer) in self.layers.iter().enumerate() {
            x = layer.forward(x);
            if i < last {
                x = self.dropout.forward(self.activation.apply(x));
            } else if self.activate_output {
                x = self.activation.apply(x);
            }
        }
        x
    }
}
