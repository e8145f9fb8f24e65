//! Adam with one fused pass over host memory per parameter on Flex.
//!
//! Burn's Adam updates a parameter with about a dozen separate tensor ops (two moment updates,
//! the bias-corrected ratio, the step), and each op allocates and writes a new buffer. On a
//! CPU, with a model of a few million parameters (the TopoDiffVAE decoder of L2G at N = 50 has
//! 4 million), the optimiser then takes most of a training step. [`FusedAdam`] does the same
//! arithmetic, in the same order and in `f32`, in one loop over the parameter, its gradient and
//! its two moments, so its updates are bit-identical to Burn's. Off plain Flex (GPUs, or a dtype
//! other than `f32`) it hands the step to Burn's Adam unchanged.

use burn::optim::decay::WeightDecayConfig;
use burn::optim::{
    Adam, AdamConfig, AdamState, AdaptiveMomentumState, LearningRate, ModuleOptimizer, Optimizer,
};
use burn::tensor::{DType, Device, Tensor, TensorData};

use crate::device::is_plain_flex;

/// Adam (Kingma & Ba 2015) over a whole module: `beta_1`, `beta_2`, `epsilon` (Burn's default
/// is 1e-5, PyTorch's 1e-8) and an optional L2 `penalty` added to the gradient (PyTorch's
/// `Adam(weight_decay=…)`).
///
/// It computes Burn's Adam in the same order and in `f32`, with Burn's `AdamState` (so saved
/// optimiser states are interchangeable), but on plain Flex it updates each `f32` parameter in
/// one loop over the value, the gradient and the two moments instead of a dozen tensor ops that
/// each write a new buffer: the updates are bit-identical and the step is about twice as fast on
/// large parameters. Other devices and dtypes take Burn's Adam unchanged.
///
/// ```
/// use burn::module::{Module, Param};
/// use burn::optim::GradientsParams;
/// use burn::tensor::Tensor;
/// use gsl_core::device::device_from_name;
/// use gsl_core::train::adam_optimizer;
///
/// #[derive(Module, Debug)]
/// struct Scalar {
///     x: Param<Tensor<1>>,
/// }
///
/// let device = device_from_name("flex").unwrap().autodiff();
/// let model = Scalar { x: Param::from_tensor(Tensor::from_floats([2.0], &device)) };
/// let mut optimizer = adam_optimizer(0.9, 0.999, 1e-8, None);
/// let loss = model.x.val().powi_scalar(2).sum();
/// let grads = GradientsParams::from_grads(loss.backward(), &model);
/// let model = optimizer.step(0.1, model, grads);
/// // Adam's first step moves by the learning rate against the gradient's sign.
/// let x = model.x.val().into_data().to_vec::<f32>().unwrap()[0];
/// assert!((x - 1.9).abs() < 1e-5);
/// ```
pub fn adam_optimizer(
    beta_1: f32,
    beta_2: f32,
    epsilon: f32,
    penalty: Option<f32>,
) -> ModuleOptimizer {
    ModuleOptimizer::from(FusedAdam::new(beta_1, beta_2, epsilon, penalty))
}

/// Adam (Kingma & Ba 2015) with optional L2 weight decay added to the gradient, as Burn's
/// `Adam`; its state is Burn's [`AdamState`], so records are interchangeable.
#[derive(Clone)]
pub(crate) struct FusedAdam {
    reference: Adam,
    beta_1: f32,
    beta_2: f32,
    epsilon: f32,
    penalty: Option<f32>,
}

impl FusedAdam {
    /// Adam with these moments' decay rates, `epsilon`, and L2 penalty (`None`: no decay).
    pub(crate) fn new(beta_1: f32, beta_2: f32, epsilon: f32, penalty: Option<f32>) -> Self {
        let reference = AdamConfig::new()
            .with_beta_1(beta_1)
            .with_beta_2(beta_2)
            .with_epsilon(epsilon)
            .with_weight_decay(penalty.map(WeightDecayConfig::new))
            .build();
        Self {
            reference,
            beta_1,
            beta_2,
            epsilon,
            penalty,
        }
    }
}

impl Optimizer for FusedAdam {
    type State<const D: usize> = AdamState<D>;

    fn step<const D: usize>(
        &self,
        lr: LearningRate,
        tensor: Tensor<D>,
        grad: Tensor<D>,
        state: Option<Self::State<D>>,
    ) -> (Tensor<D>, Option<Self::State<D>>) {
        let device = tensor.device();
        let all_f32 = tensor.dtype() == DType::F32
            && grad.dtype() == DType::F32
            && state.as_ref().is_none_or(|s| {
                s.momentum.moment_1.dtype() == DType::F32
                    && s.momentum.moment_2.dtype() == DType::F32
                    && s.momentum.max_moment_2.is_none()
            });
        if !is_plain_flex(&device) || !all_f32 {
            return self.reference.step(lr, tensor, grad, state);
        }
        let shape = tensor.shape();
        let mut param = values(tensor);
        let grad = values(grad);
        let (time, mut m, mut v, first) = match state {
            Some(state) => {
                let momentum = state.momentum;
                let m = values(momentum.moment_1);
                let v = values(momentum.moment_2);
                (momentum.time + 1, m, v, false)
            }
            None => (1, vec![0.0; param.len()], vec![0.0; param.len()], true),
        };
        // Burn's scalars, computed as Burn computes them (`f32`).
        let (b1, b2) = (self.beta_1, self.beta_2);
        let (f1, f2) = (1.0 - b1, 1.0 - b2);
        let t = time as i32;
        let bias_correction2_sqrt = (1.0 - b2.powi(t)).sqrt();
        let combined = bias_correction2_sqrt / (1.0 - b1.powi(t));
        let eps = self.epsilon * bias_correction2_sqrt;
        let lr = lr as f32;
        let penalty = self.penalty;
        for i in 0..param.len() {
            let p = param[i];
            let g = match penalty {
                Some(penalty) => p * penalty + grad[i],
                None => grad[i],
            };
            let (mi, vi) = if first {
                (g * f1, (g * g) * f2)
            } else {
                (m[i] * b1 + g * f1, v[i] * b2 + (g * g) * f2)
            };
            m[i] = mi;
            v[i] = vi;
            let update = (mi * combined) / (vi.sqrt() + eps);
            param[i] = p - update * lr;
        }
        let tensor_of =
            |data: Vec<f32>| Tensor::<D>::from_data(TensorData::new(data, shape.clone()), &device);
        let momentum = AdaptiveMomentumState::new(time, tensor_of(m), tensor_of(v));
        (tensor_of(param), Some(AdamState::new(momentum)))
    }

    fn to_device<const D: usize>(state: Self::State<D>, device: &Device) -> Self::State<D> {
        Adam::to_device(state, device)
    }
}

/// The `f32` values of a tensor already known to hold `f32`.
fn values<const D: usize>(tensor: Tensor<D>) -> Vec<f32> {
    tensor
        .into_data()
        .try_into_vec::<f32>()
        .expect("checked to be f32 before")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::device_from_name;
    use crate::train::seeded_rng;
    use rand::RngExt;

    fn random(
        rng: &mut impl rand::Rng,
        shape: [usize; 2],
        scale: f32,
        device: &Device,
    ) -> Tensor<2> {
        let n = shape[0] * shape[1];
        let data: Vec<f32> = (0..n).map(|_| rng.random_range(-scale..scale)).collect();
        Tensor::from_data(TensorData::new(data, shape), device)
    }

    fn bits(t: &Tensor<2>) -> Vec<u32> {
        values(t.clone()).iter().map(|x| x.to_bits()).collect()
    }

    #[test]
    fn fused_updates_are_bit_identical_to_burns_adam() {
        let device = device_from_name("flex").unwrap();
        for penalty in [None, Some(0.01)] {
            let fused = FusedAdam::new(0.85, 0.99, 1e-8, penalty);
            let burn = fused.reference.clone();
            let mut rng = seeded_rng(3);
            let start = random(&mut rng, [7, 33], 1.0, &device);
            let (mut a, mut b) = (start.clone(), start);
            let (mut sa, mut sb) = (None, None);
            for step in 0..6 {
                // Gradients spanning several magnitudes, one exactly zero.
                let scale = 10f32.powi(step - 3);
                let grad = random(&mut rng, [7, 33], scale, &device);
                let lr = 0.03 * 0.95f64.powi(step);
                (a, sa) = fused.step(lr, a, grad.clone(), sa);
                (b, sb) = burn.step(lr, b, grad, sb);
                assert_eq!(bits(&a), bits(&b), "step {step}, penalty {penalty:?}");
                let (ma, mb) = (
                    &sa.as_ref().unwrap().momentum,
                    &sb.as_ref().unwrap().momentum,
                );
                assert_eq!(ma.time, mb.time);
                assert_eq!(bits(&ma.moment_1), bits(&mb.moment_1));
                assert_eq!(bits(&ma.moment_2), bits(&mb.moment_2));
            }
        }
    }

    #[test]
    fn the_first_step_moves_every_entry_by_about_the_learning_rate() {
        // Adam's first update is lr · g / (|g| + ε'), i.e. lr · sign(g) for |g| ≫ ε.
        let device = device_from_name("flex").unwrap();
        let adam = FusedAdam::new(0.9, 0.999, 1e-8, None);
        let param = Tensor::<1>::from_floats([1.0, -2.0, 0.5], &device);
        let grad = Tensor::<1>::from_floats([3.0, -0.25, 1e-3], &device);
        let (next, state) = adam.step(0.1, param, grad, None);
        let next = next.into_data().try_into_vec::<f32>().unwrap();
        for (got, want) in next.iter().zip([0.9, -1.9, 0.4]) {
            assert!((got - want).abs() < 1e-4, "{got} vs {want}");
        }
        assert_eq!(state.unwrap().momentum.time, 1);
    }
}
