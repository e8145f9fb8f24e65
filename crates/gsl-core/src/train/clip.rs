//! Global-norm gradient clipping over all parameters of a module.
//!
//! Burn's `GradientClipping::Norm` clips each parameter tensor on its own. Most published
//! training recipes (PyTorch `torch.nn.utils.clip_grad_norm_`) clip the **global** norm
//! `‖g‖ = sqrt(Σ_p ‖g_p‖²)` taken over every parameter tensor together, which keeps the
//! direction of the full gradient; this module implements that.

use std::collections::HashSet;

use burn::module::{Module, ModuleVisitor, Param, ParamId};
use burn::optim::GradientsParams;
use burn::tensor::Tensor;

use super::loss::to_vec_f64;
use crate::error::{GslError, Result};

/// Added to the norm before dividing, as PyTorch does, so a norm of exactly `max_norm` is not
/// rescaled by a factor that rounds above one.
const CLIP_EPS: f64 = 1e-6;

/// Sums `‖g_p‖²` over the module's parameters on the device; each parameter counted once even if
/// the module visits it twice (tied weights).
struct SquaredNormVisitor<'a> {
    grads: &'a GradientsParams,
    seen: HashSet<ParamId>,
    total: Option<Tensor<1>>,
}

impl ModuleVisitor for SquaredNormVisitor<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        if !self.seen.insert(param.id) {
            return;
        }
        let Some(grad) = self.grads.get::<D>(param.id) else {
            return;
        };
        let squared = grad.square().sum();
        self.total = Some(match self.total.take() {
            None => squared,
            Some(acc) => {
                let squared = squared.to_device(&acc.device());
                acc + squared
            }
        });
    }
}

/// Multiplies every gradient of the module by `scale`.
struct ScaleVisitor<'a> {
    grads: &'a mut GradientsParams,
    seen: HashSet<ParamId>,
    scale: f64,
}

impl ModuleVisitor for ScaleVisitor<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        if !self.seen.insert(param.id) {
            return;
        }
        if let Some(grad) = self.grads.remove::<D>(param.id) {
            self.grads
                .register::<D>(param.id, grad.mul_scalar(self.scale));
        }
    }
}

/// The global gradient norm `sqrt(Σ_p ‖g_p‖²)` over the parameters of `module` found in
/// `grads` (one device read).
///
/// Fails with [`GslError::InvalidArgument`] when `grads` holds no gradient of `module` and with
/// [`GslError::NonFinite`] when a gradient contains NaN/∞.
pub fn grad_norm<M: Module>(module: &M, grads: &GradientsParams) -> Result<f64> {
    let mut visitor = SquaredNormVisitor {
        grads,
        seen: HashSet::new(),
        total: None,
    };
    module.visit(&mut visitor);
    let total = visitor.total.ok_or_else(|| {
        GslError::invalid(
            "grads",
            "no gradient for any parameter of the module (does the loss depend on it?)",
        )
    })?;
    let squared = to_vec_f64(total)?;
    let norm = squared[0].sqrt();
    if !norm.is_finite() {
        return Err(GslError::NonFinite(format!("gradient norm ({norm})")));
    }
    Ok(norm)
}

/// Clips the gradients of `module` in place so that their global norm is at most `max_norm`
/// (PyTorch `clip_grad_norm_` semantics) and returns the norm **before** clipping.
///
/// With `total = sqrt(Σ_p ‖g_p‖²)`, if `total > max_norm` every gradient is multiplied by
/// `max_norm / (total + 1e-6)`; otherwise nothing changes. Errors as [`grad_norm`], plus
/// [`GslError::InvalidArgument`] unless `max_norm` is finite and > 0. On error the gradients
/// are left untouched.
///
/// ```
/// use burn::module::{Module, Param};
/// use burn::optim::GradientsParams;
/// use burn::tensor::Tensor;
/// use gsl_core::train::clip_grad_norm;
///
/// #[derive(Module, Debug)]
/// struct Line {
///     w: Param<Tensor<1>>,
/// }
///
/// # fn main() -> gsl_core::Result<()> {
/// let device = gsl_core::device::device_from_name("flex")?.autodiff();
/// let line = Line { w: Param::from_tensor(Tensor::from_floats([1.0, 1.0], &device)) };
/// // loss = 3 w₀ + 4 w₁, so the gradient is (3, 4) with norm 5.
/// let loss = (line.w.val() * Tensor::from_floats([3.0, 4.0], &device)).sum();
/// let mut grads = GradientsParams::from_grads(loss.backward(), &line);
/// let norm = clip_grad_norm(&line, &mut grads, 1.0)?;
/// assert!((norm - 5.0).abs() < 1e-6);
/// let clipped = gsl_core::tensor::to_vec_f32(grads.get::<1>(line.w.id).unwrap());
/// assert!((clipped[0] - 0.6).abs() < 1e-5 && (clipped[1] - 0.8).abs() < 1e-5);
/// # Ok(())
/// # }
/// ```
pub fn clip_grad_norm<M: Module>(
    module: &M,
    grads: &mut GradientsParams,
    max_norm: f64,
) -> Result<f64> {
    if !(max_norm.is_finite() && max_norm > 0.0) {
        return Err(GslError::invalid(
            "max_norm",
            format!("must be finite and > 0, got {max_norm}"),
        ));
    }
    let total = grad_norm(module, grads)?;
    if total > max_norm {
        let mut visitor = ScaleVisitor {
            grads,
            seen: HashSet::new(),
            scale: max_norm / (total + CLIP_EPS),
        };
        module.visit(&mut visitor);
    }
    Ok(total)
}
