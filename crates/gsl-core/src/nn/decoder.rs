//! Inner-product edge decoder (Kipf & Welling, "Variational Graph Auto-Encoders", 2016).

use burn::config::Config;
use burn::module::Module;
use burn::tensor::{Device, Int, Tensor, activation};

use crate::error::{GslError, Result};
use crate::tensor::ensure_finite;

/// Hyperparameters of an [`InnerProductDecoder`].
#[derive(Config, Debug)]
pub struct InnerProductDecoderConfig {
    /// Apply the logistic sigmoid (probabilities); `false` returns logits, for
    /// binary-cross-entropy-with-logits losses.
    #[config(default = true)]
    pub sigmoid: bool,
}

impl InnerProductDecoderConfig {
    /// Builds the decoder (it has no parameters; the device is taken for uniformity).
    pub fn init(&self, _device: &Device) -> Result<InnerProductDecoder> {
        Ok(InnerProductDecoder {
            sigmoid: self.sigmoid,
        })
    }
}

/// Scores node pairs by the inner product of their embeddings: `Â_ij = σ(z_i · z_j)`
/// (Kipf & Welling 2016, eq. 2), or the raw logit `z_i · z_j` when `sigmoid` is off.
///
/// # Example
/// ```
/// use burn::tensor::{Int, Tensor};
/// use gsl_core::nn::InnerProductDecoderConfig;
///
/// # fn main() -> gsl_core::Result<()> {
/// let device = gsl_core::device::device_from_name("flex")?;
/// let decoder = InnerProductDecoderConfig::new().with_sigmoid(false).init(&device)?;
/// let z = Tensor::<2>::from_floats([[1.0, 0.0], [2.0, 1.0], [0.0, 3.0]], &device);
/// let pairs = Tensor::<2, Int>::from_ints([[0, 1], [1, 2]], &device);
/// let logits = decoder.forward_pairs(z, pairs)?;
/// assert_eq!(gsl_core::tensor::to_vec_f32(logits), vec![2.0, 3.0]);
/// # Ok(())
/// # }
/// ```
#[derive(Module, Debug)]
pub struct InnerProductDecoder {
    /// Whether the sigmoid is applied.
    pub sigmoid: bool,
}

impl InnerProductDecoder {
    /// Scores of the pairs `pairs` `[2, P]` (row 0 the first node, row 1 the second) for
    /// embeddings `z` `[N, D]`, giving `[P]`. Memory is `O(P·D)`.
    ///
    /// # Errors
    /// `pairs` not of shape `[2, P]`, an id outside `0..N`, empty or non-finite embeddings.
    pub fn forward_pairs(&self, z: Tensor<2>, pairs: Tensor<2, Int>) -> Result<Tensor<1>> {
        let [n, _] = check_embeddings(&z)?;
        let [rows, p] = pairs.dims();
        if rows != 2 {
            return Err(GslError::shape(
                "InnerProductDecoder pairs",
                "[2, P]",
                format!("[{rows}, {p}]"),
            ));
        }
        if p == 0 {
            return Ok(Tensor::zeros([0], &z.device()));
        }
        let min = pairs.clone().min().into_scalar::<i64>();
        let max = pairs.clone().max().into_scalar::<i64>();
        for id in [min, max] {
            if id < 0 || id as usize >= n {
                return Err(GslError::NodeOutOfRange { id, num_nodes: n });
            }
        }
        let first = pairs.clone().narrow(0, 0, 1).squeeze_dim::<1>(0);
        let second = pairs.narrow(0, 1, 1).squeeze_dim::<1>(0);
        let logits = z
            .clone()
            .select(0, first)
            .mul(z.select(0, second))
            .sum_dim(1)
            .squeeze_dim::<1>(1);
        Ok(self.finish(logits))
    }

    /// The dense score matrix `σ(Z Zᵀ)` `[N, N]`. Meant for small graphs: memory is `O(N²)`;
    /// use [`InnerProductDecoder::forward_pairs`] for large ones.
    ///
    /// # Errors
    /// Empty or non-finite embeddings.
    pub fn forward_dense(&self, z: Tensor<2>) -> Result<Tensor<2>> {
        check_embeddings(&z)?;
        Ok(self.finish(z.clone().matmul(z.transpose())))
    }

    fn finish<const D: usize>(&self, logits: Tensor<D>) -> Tensor<D> {
        if self.sigmoid {
            activation::sigmoid(logits)
        } else {
            logits
        }
    }
}

/// Fails on an empty or non-finite embedding matrix; returns its shape.
fn check_embeddings(z: &Tensor<2>) -> Result<[usize; 2]> {
    let dims = z.dims();
    if dims[0] == 0 {
        return Err(GslError::EmptyGraph(
            "InnerProductDecoder: no node embeddings".into(),
        ));
    }
    ensure_finite(z, "InnerProductDecoder embeddings")?;
    Ok(dims)
}
