//! Small helpers for moving tensors to the host and checking their values.

use burn::tensor::{Int, Tensor};

use crate::error::{GslError, Result};

/// Reads a float tensor back to the host as `f32` values in row-major order.
pub fn to_vec_f32<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    // `try_into_vec_as` converts only when needed and may reuse the data's allocation,
    // where `try_to_vec` always copies once more.
    t.into_data()
        .try_into_vec_as::<f32>()
        .expect("float tensors convert to f32")
}

/// Reads an integer tensor back to the host as `i64` values in row-major order.
pub fn to_vec_i64<const D: usize>(t: Tensor<D, Int>) -> Vec<i64> {
    t.into_data()
        .try_into_vec_as::<i64>()
        .expect("integer tensors convert to i64")
}

/// Fails with [`GslError::NonFinite`] if `t` holds a NaN or an infinity.
///
/// `context` names the argument in the error message.
pub fn ensure_finite<const D: usize>(t: &Tensor<D>, context: &str) -> Result<()> {
    let bad: bool = t.clone().is_finite().bool_not().any().into_scalar::<bool>();
    if bad {
        Err(GslError::NonFinite(context.to_string()))
    } else {
        Ok(())
    }
}

/// Fails with [`GslError::NonFinite`] if a host slice holds a NaN or an infinity.
pub fn ensure_finite_slice(values: &[f32], context: &str) -> Result<()> {
    if values.iter().all(|v| v.is_finite()) {
        Ok(())
    } else {
        Err(GslError::NonFinite(context.to_string()))
    }
}

/// Fails with [`GslError::ShapeMismatch`] unless `t` has exactly the shape `expected`.
pub fn ensure_shape<const D: usize, K: burn::tensor::kind::Basic>(
    t: &Tensor<D, K>,
    expected: [usize; D],
    context: &str,
) -> Result<()> {
    let dims = t.dims();
    if dims == expected {
        Ok(())
    } else {
        Err(GslError::shape(
            context,
            format!("{expected:?}"),
            format!("{dims:?}"),
        ))
    }
}
