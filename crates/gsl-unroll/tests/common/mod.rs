//! Helpers shared by the integration tests.

use std::collections::HashSet;

use burn::module::{Module, ModuleVisitor, Param, ParamId};
use burn::optim::GradientsParams;
use burn::tensor::Tensor;
use gsl_core::tensor::to_vec_f32;

/// Collects the ids of every parameter and checks their gradients.
struct GradCheck<'a> {
    grads: &'a GradientsParams,
    seen: HashSet<ParamId>,
    missing: usize,
    non_finite: usize,
    total: f64,
}

impl ModuleVisitor for GradCheck<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        if !self.seen.insert(param.id) {
            return;
        }
        match self.grads.get::<D>(param.id) {
            None => self.missing += 1,
            Some(g) => {
                let values = to_vec_f32(g);
                if values.iter().any(|v| !v.is_finite()) {
                    self.non_finite += 1;
                }
                self.total += values.iter().map(|v| f64::from(v * v)).sum::<f64>();
            }
        }
    }
}

/// Back-propagates `loss` and asserts that every parameter of `model` has a finite gradient
/// and that not all of them are zero.
pub fn assert_gradients<M: Module>(model: &M, loss: Tensor<1>, name: &str) {
    let grads = GradientsParams::from_grads(loss.backward(), model);
    let mut check = GradCheck {
        grads: &grads,
        seen: HashSet::new(),
        missing: 0,
        non_finite: 0,
        total: 0.0,
    };
    model.visit(&mut check);
    assert!(!check.seen.is_empty());
    assert_eq!(check.missing, 0, "{name}: parameters without gradient");
    assert_eq!(check.non_finite, 0, "{name}: non-finite gradients");
    assert!(check.total > 0.0, "{name}: all gradients are zero");
}
