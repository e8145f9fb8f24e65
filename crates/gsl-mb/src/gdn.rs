//! Network deconvolution by truncated proximal gradient: the model-based iteration that the
//! Graph Deconvolution Network unrolls (Wasserman, Sihag, Mateos, Ribeiro, "Learning graph
//! structure from convolutional mixtures", TMLR 2023, arXiv 2205.09575, §3).
//!
//! The observed graph is a polynomial of the latent one, `A_O = H(A_L) = Σ_{i=0}^{K} h_i A_L^i`
//! (a diffusion / convolutional mixture; e.g. the covariance of diffused signals). The latent
//! graph is recovered by
//!
//! ```text
//! minimise over A ≥ 0, hollow:  ½‖A_O − H(A)‖²_F + τ‖A‖₁
//! ```
//!
//! by proximal gradient. For `K ≤ 2` the gradient is
//! `∇ = −h₁E − h₂(EA + AE)`, `E = A_O − H(A)`; dropping its terms of degree ≥ 2 in `A` (the
//! paper's truncation) leaves a step that is affine in `A` with coefficients built from `A_O`:
//!
//! ```text
//! A ← ReLU( α A + β (A A_O + A_O A) + Σ_k c_k P_k(A_O) − τ' ),  diagonal zeroed,
//! α = 1 − η(h₁² + 2h₀h₂),  β = η h₂,  c = (−η h₀ h₁, η h₁),  τ' = η τ
//! ```
//!
//! with step size `η`. For `K = 1` nothing is dropped and this is exact proximal gradient, so
//! the objective decreases for `η ≤ 1/h₁²`. GDN (in `gsl-unroll`) learns `α, β, c, τ'` per
//! layer, with several channels: [`gdn_step`] is written with channels `C_in → C_out` and the
//! polynomial basis `P_k` (monomial or Chebyshev) computed once per batch by
//! [`polynomial_basis`]. [`deconvolve`] drives the step with [`crate::solver::solve`].

use burn::tensor::{Tensor, activation};
use gsl_core::tensor::{ensure_finite, ensure_shape, to_vec_f32};
use gsl_core::{GslError, Result};
use serde::{Deserialize, Serialize};

use crate::linalg::{check_square, eye_batch, off_diagonal_mask};
use crate::solver::{Iteration, ProgressFn, SolveReport, StopRule, relative_change, solve};

/// The polynomial basis of the `A_O` terms of the step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum PolynomialBasis {
    /// Powers `A_O^k` (the model-based derivation).
    #[default]
    Monomial,
    /// Chebyshev polynomials `T_k(A_O)` (`T₀ = I`, `T₁ = A_O`, `T_k = 2A_O T_{k−1} − T_{k−2}`),
    /// better conditioned for spectra in `[−1, 1]`; pyGSL's GDN default.
    Chebyshev,
}

/// The basis matrices `P_0(A_O), …, P_K(A_O)` of a batch `[B, N, N]`, stacked as
/// `[K+1, B, N, N]`. Differentiable.
///
/// Errors: a non-square, empty or non-finite batch.
pub fn polynomial_basis(
    a_obs: Tensor<3>,
    order: usize,
    basis: PolynomialBasis,
) -> Result<Tensor<4>> {
    let (b, n) = check_square(&a_obs, 1, "gdn observed graph")?;
    let eye = eye_batch(n, &a_obs.device()).expand([b, n, n]);
    let mut terms = vec![eye];
    for k in 1..=order {
        let next = match (basis, k) {
            (_, 1) => a_obs.clone(),
            (PolynomialBasis::Monomial, _) => terms[k - 1].clone().matmul(a_obs.clone()),
            (PolynomialBasis::Chebyshev, _) => a_obs
                .clone()
                .matmul(terms[k - 1].clone())
                .mul_scalar(2.0)
                .sub(terms[k - 2].clone()),
        };
        terms.push(next);
    }
    Ok(Tensor::stack(terms, 0))
}

/// The parameters of one (multi-channel) step, `C_in` input and `C_out` output channels.
#[derive(Debug, Clone)]
pub struct GdnParams {
    /// Weight of the current estimate, `[C_out, C_in]`.
    pub alpha: Tensor<2>,
    /// Weight of `S A_O + A_O S`, `[C_out, C_in]`.
    pub beta: Tensor<2>,
    /// Polynomial coefficients `[C_out, K+1, C_in]` (`K+1` = the basis length).
    pub h: Tensor<3>,
    /// Threshold subtracted before the ReLU, `[C_out]`.
    pub tau: Tensor<1>,
}

impl GdnParams {
    /// Single-channel parameters from scalars and polynomial coefficients `c_0..c_K`.
    pub fn scalar(
        alpha: f32,
        beta: f32,
        poly: &[f32],
        tau: f32,
        device: &burn::tensor::Device,
    ) -> Self {
        Self {
            alpha: Tensor::full([1, 1], alpha, device),
            beta: Tensor::full([1, 1], beta, device),
            h: Tensor::<1>::from_floats(poly, device).reshape([1, poly.len(), 1]),
            tau: Tensor::full([1], tau, device),
        }
    }
}

/// One step from `C_in` channels `s` `[C_in, B, N, N]` to `C_out` channels `[C_out, B, N, N]`:
///
/// ```text
/// T_o = (1/C_in) Σ_c [ α_oc S_c + β_oc (S_c A_O + A_O S_c) + Σ_k h_okc P_k(A_O) ]
/// T_o ← T_o with zero diagonal;  T_o ← T_o / max|T_o| per graph if `normalize`
/// S'_o = ReLU(T_o − τ_o)
/// ```
///
/// (pyGSL's GDN cell; with one channel and `normalize = false` the proximal-gradient step of
/// the module docs). `basis` is [`polynomial_basis`] of `a_obs`. Differentiable in everything.
///
/// Errors (shapes only, nothing is read back): `s`, `a_obs`, `basis` or a parameter of a
/// disagreeing shape.
pub fn gdn_step(
    s: Tensor<4>,
    a_obs: Tensor<3>,
    basis: Tensor<4>,
    params: &GdnParams,
    normalize: bool,
) -> Result<Tensor<4>> {
    let [c_in, b, n, n2] = s.dims();
    if n != n2 || c_in == 0 || b == 0 || n == 0 {
        return Err(GslError::shape(
            "gdn_step s",
            "[C_in >= 1, B >= 1, N, N]",
            format!("[{c_in}, {b}, {n}, {n2}]"),
        ));
    }
    ensure_shape(&a_obs, [b, n, n], "gdn_step observed graph")?;
    let terms = basis.dims()[0];
    ensure_shape(&basis, [terms, b, n, n], "gdn_step basis")?;
    let c_out = params.alpha.dims()[0];
    ensure_shape(&params.alpha, [c_out, c_in], "gdn_step alpha")?;
    ensure_shape(&params.beta, [c_out, c_in], "gdn_step beta")?;
    ensure_shape(&params.h, [c_out, terms, c_in], "gdn_step h")?;
    ensure_shape(&params.tau, [c_out], "gdn_step tau")?;
    if c_out == 0 || terms == 0 {
        return Err(GslError::invalid(
            "gdn_step",
            "need at least one output channel and one basis term",
        ));
    }
    Ok(gdn_step_unchecked(s, a_obs, basis, params, normalize))
}

fn gdn_step_unchecked(
    s: Tensor<4>,
    a_obs: Tensor<3>,
    basis: Tensor<4>,
    params: &GdnParams,
    normalize: bool,
) -> Tensor<4> {
    let [c_in, b, n, _] = s.dims();
    let terms = basis.dims()[0];
    let c_out = params.alpha.dims()[0];
    let flat = b * n * n;
    let a = a_obs.unsqueeze_dim::<4>(0);
    let sa = s.clone().matmul(a.clone()).add(a.matmul(s.clone()));
    // Channel mixing as three small matmuls over the flattened matrices.
    let mixed = params
        .alpha
        .clone()
        .matmul(s.reshape([c_in, flat]))
        .add(params.beta.clone().matmul(sa.reshape([c_in, flat])))
        .add(
            params
                .h
                .clone()
                .sum_dim(2)
                .reshape([c_out, terms])
                .matmul(basis.reshape([terms, flat])),
        )
        .div_scalar(c_in as f32);
    let device = mixed.device();
    let mut t = mixed
        .reshape([c_out, b, n, n])
        .mul(off_diagonal_mask(n, &device).unsqueeze_dim::<4>(0));
    if normalize {
        let scale = t.clone().abs().max_dim(3).max_dim(2).clamp_min(1e-12);
        t = t.div(scale);
    }
    activation::relu(t.sub(params.tau.clone().reshape([c_out, 1, 1, 1])))
}

/// Hyperparameters of [`deconvolve`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GdnConfig {
    /// Filter taps `h_0, h_1` or `h_0, h_1, h_2` of `H` (`h_1 ≠ 0`).
    pub filter: Vec<f64>,
    /// ℓ1 weight `τ ≥ 0`.
    pub l1: f64,
    /// Step size as a fraction of `1/L` in `(0, 1]`, `L = |h₁² + 2h₀h₂| + 2|h₂|·max_b ‖A_O‖_F`
    /// (a Lipschitz bound of the truncated gradient).
    pub step: f64,
    /// Stop when the relative change of `A` is below this.
    pub tol: f64,
    /// Maximum number of steps.
    pub max_iter: usize,
}

impl GdnConfig {
    /// Filter `filter`, ℓ1 weight `l1`, step 0.9, `tol = 1e-6`, 1000 steps.
    pub fn new(filter: Vec<f64>, l1: f64) -> Self {
        Self {
            filter,
            l1,
            step: 0.9,
            tol: 1e-6,
            max_iter: 1000,
        }
    }

    /// Checks the filter (2 or 3 finite taps, `h_1 ≠ 0`), `l1 ≥ 0`, the step and the stop rule.
    pub fn validate(&self) -> Result<()> {
        if !(2..=3).contains(&self.filter.len()) || !self.filter.iter().all(|h| h.is_finite()) {
            return Err(GslError::invalid(
                "filter",
                format!("need 2 or 3 finite taps, got {:?}", self.filter),
            ));
        }
        if self.filter[1] == 0.0 {
            return Err(GslError::invalid("filter", "h_1 must be non-zero"));
        }
        if !(self.l1.is_finite() && self.l1 >= 0.0) {
            return Err(GslError::invalid(
                "l1",
                format!("must be finite and >= 0, got {}", self.l1),
            ));
        }
        if !(self.step > 0.0 && self.step <= 1.0) {
            return Err(GslError::invalid(
                "step",
                format!("must be in (0, 1], got {}", self.step),
            ));
        }
        StopRule::new(self.tol, self.max_iter).validate()
    }

    fn taps(&self) -> (f64, f64, f64) {
        (
            self.filter[0],
            self.filter[1],
            self.filter.get(2).copied().unwrap_or(0.0),
        )
    }

    /// The step size `η` for observations of Frobenius norm at most `frobenius`.
    pub fn eta(&self, frobenius: f64) -> f64 {
        let (h0, h1, h2) = self.taps();
        let lipschitz = (h1 * h1 + 2.0 * h0 * h2).abs() + 2.0 * h2.abs() * frobenius;
        self.step / lipschitz.max(f64::MIN_POSITIVE)
    }

    /// The single-channel step parameters of the truncated proximal gradient with step `eta`
    /// (module docs), in the monomial basis of order 1.
    pub fn step_params(&self, eta: f64, device: &burn::tensor::Device) -> GdnParams {
        let (h0, h1, h2) = self.taps();
        GdnParams::scalar(
            (1.0 - eta * (h1 * h1 + 2.0 * h0 * h2)) as f32,
            (eta * h2) as f32,
            &[(-eta * h0 * h1) as f32, (eta * h1) as f32],
            (eta * self.l1) as f32,
            device,
        )
    }
}

/// The exact objective `½‖A_O − H(A)‖²_F + τ‖A‖₁` of every problem, on the host.
///
/// Errors: an invalid config, `a` and `a_obs` not the same square shape, NaN/Inf.
pub fn gdn_objective(a: Tensor<3>, a_obs: Tensor<3>, config: &GdnConfig) -> Result<Vec<f64>> {
    config.validate()?;
    let (b, n) = check_square(&a_obs, 1, "gdn observed graph")?;
    ensure_shape(&a, [b, n, n], "gdn estimate")?;
    ensure_finite(&a, "gdn estimate")?;
    Ok(objective_unchecked(a, a_obs, config))
}

fn objective_unchecked(a: Tensor<3>, a_obs: Tensor<3>, config: &GdnConfig) -> Vec<f64> {
    let [b, n, _] = a.dims();
    let (h0, h1, h2) = config.taps();
    let eye = eye_batch(n, &a.device());
    let mut h = eye
        .mul_scalar(h0 as f32)
        .add(a.clone().mul_scalar(h1 as f32));
    if h2 != 0.0 {
        h = h.add(a.clone().matmul(a.clone()).mul_scalar(h2 as f32));
    }
    let fit = a_obs.sub(h).square().sum_dims(&[1, 2]).mul_scalar(0.5);
    let penalty = a.abs().sum_dims(&[1, 2]).mul_scalar(config.l1 as f32);
    to_vec_f32(fit.add(penalty).reshape([b]))
        .into_iter()
        .map(f64::from)
        .collect()
}

struct ProximalGradient {
    a_obs: Tensor<3>,
    basis: Tensor<4>,
    params: GdnParams,
    config: GdnConfig,
}

impl Iteration for ProximalGradient {
    type State = Tensor<3>;

    fn method(&self) -> &'static str {
        "gdn_deconvolution"
    }

    fn step(&mut self, state: &Tensor<3>, _iteration: usize) -> Result<Tensor<3>> {
        let [b, n, _] = state.dims();
        let next = gdn_step(
            state.clone().unsqueeze_dim::<4>(0),
            self.a_obs.clone(),
            self.basis.clone(),
            &self.params,
            false,
        )?;
        Ok(next.reshape([b, n, n]))
    }

    fn residual(&mut self, previous: &Tensor<3>, next: &Tensor<3>) -> Result<Vec<f64>> {
        let [b, n, _] = next.dims();
        Ok(relative_change(
            previous.clone().reshape([b, n * n]),
            next.clone().reshape([b, n * n]),
        ))
    }

    fn objective(&mut self, state: &Tensor<3>) -> Result<Option<Vec<f64>>> {
        Ok(Some(objective_unchecked(
            state.clone(),
            self.a_obs.clone(),
            &self.config,
        )))
    }
}

/// Recovers latent graphs `A_L` `[B, N, N]` from observed mixtures `a_obs` `[B, N, N]` by the
/// truncated proximal gradient of the module docs, from `A = 0`. The report's objective is the
/// exact model objective (non-increasing for a two-tap filter).
///
/// Errors: an invalid config, a non-square, empty or non-finite `a_obs`, divergence.
///
/// # Example
///
/// ```
/// use burn::tensor::Tensor;
/// use gsl_mb::gdn::{GdnConfig, deconvolve};
///
/// # fn main() -> gsl_core::Result<()> {
/// let device = gsl_core::device::device_from_name("flex")?;
/// // A_O = I + 2 A_L for a single edge of weight 1: the estimate is (2·2 − 0.4)/4 = 0.9.
/// let a_obs = Tensor::<3>::from_floats([[[1.0, 2.0], [2.0, 1.0]]], &device);
/// let report = deconvolve(a_obs, &GdnConfig::new(vec![1.0, 2.0], 0.4), None)?;
/// let a = gsl_core::tensor::to_vec_f32(report.estimate);
/// assert!((a[1] - 0.9).abs() < 1e-4 && a[0] == 0.0);
/// # Ok(())
/// # }
/// ```
pub fn deconvolve(
    a_obs: Tensor<3>,
    config: &GdnConfig,
    progress: Option<ProgressFn<'_>>,
) -> Result<SolveReport<Tensor<3>>> {
    config.validate()?;
    let (b, n) = check_square(&a_obs, 2, "gdn observed graph")?;
    let frobenius = to_vec_f32(a_obs.clone().square().sum_dims(&[1, 2]).sqrt().max())[0];
    let device = a_obs.device();
    let eta = config.eta(f64::from(frobenius));
    let mut method = ProximalGradient {
        basis: polynomial_basis(a_obs.clone(), 1, PolynomialBasis::Monomial)?,
        a_obs,
        params: config.step_params(eta, &device),
        config: config.clone(),
    };
    solve(
        &mut method,
        Tensor::zeros([b, n, n], &device),
        &StopRule::new(config.tol, config.max_iter),
        progress,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::{Device, TensorData};

    fn device() -> Device {
        gsl_core::device::device_from_name("flex").unwrap()
    }

    fn batch(values: Vec<f32>, b: usize, n: usize) -> Tensor<3> {
        Tensor::from_data(TensorData::new(values, [b, n, n]), &device())
    }

    /// A symmetric hollow non-negative 4-node graph and its mixture `h0 I + h1 A (+ h2 A²)`.
    fn latent() -> Vec<f32> {
        vec![
            0.0, 1.0, 0.0, 0.5, //
            1.0, 0.0, 2.0, 0.0, //
            0.0, 2.0, 0.0, 0.0, //
            0.5, 0.0, 0.0, 0.0,
        ]
    }

    #[test]
    fn two_tap_filter_reaches_the_closed_form_and_descends() {
        let (h0, h1, l1) = (0.5f32, 2.0f32, 0.3f32);
        let a = latent();
        let obs: Vec<f32> = (0..16)
            .map(|k| h1 * a[k] + if k % 5 == 0 { h0 } else { 0.0 })
            .collect();
        let config = GdnConfig::new(vec![h0 as f64, h1 as f64], l1 as f64);
        let report = deconvolve(batch(obs.clone(), 1, 4), &config, None).unwrap();
        assert!(report.converged);
        // Separable problem: A_ij = max(0, (h1 O_ij − τ)/h1²) off the diagonal.
        let est = to_vec_f32(report.estimate);
        for k in 0..16 {
            let expected = if k % 5 == 0 {
                0.0
            } else {
                ((h1 * obs[k] - l1) / (h1 * h1)).max(0.0)
            };
            assert!(
                (est[k] - expected).abs() < 1e-4,
                "{k}: {} vs {expected}",
                est[k]
            );
        }
        let values: Vec<f64> = report.objective.iter().map(|o| o[0]).collect();
        assert!(values.windows(2).all(|w| w[1] <= w[0] + 1e-5), "{values:?}");
    }

    #[test]
    fn step_mixes_channels_as_documented() {
        let d = device();
        // Two input channels, one output, N = 2, B = 1.
        let s = Tensor::<4>::from_data(
            TensorData::new(vec![0.0, 1.0, 1.0, 0.0, 0.0, 3.0, 3.0, 0.0], [2, 1, 2, 2]),
            &d,
        );
        let a_obs = batch(vec![1.0, 2.0, 2.0, 1.0], 1, 2);
        let basis = polynomial_basis(a_obs.clone(), 1, PolynomialBasis::Monomial).unwrap();
        let params = GdnParams {
            alpha: Tensor::from_floats([[1.0, 2.0]], &d),
            beta: Tensor::from_floats([[0.5, 0.0]], &d),
            h: Tensor::<1>::from_floats([0.0, 1.0, 5.0, 1.0], &d).reshape([1, 2, 2]),
            tau: Tensor::from_floats([0.5], &d),
        };
        let out = to_vec_f32(gdn_step(s, a_obs, basis, &params, false).unwrap());
        // Off-diagonal: S1 A_O + A_O S1 = [[4, 2], [2, 4]] → 2; Σ_c h = (1, 6) on (I, A_O) → 12.
        // T = (1·1 + 2·3 + 0.5·2 + 12)/2 = 10, minus τ.
        assert_eq!(out, vec![0.0, 9.5, 9.5, 0.0]);
    }

    #[test]
    fn chebyshev_basis_recurrence() {
        let a = batch(vec![0.0, 0.5, 0.5, 0.0], 1, 2);
        let p = to_vec_f32(polynomial_basis(a, 2, PolynomialBasis::Chebyshev).unwrap());
        // T2 = 2A² − I = 2·0.25 I − I = −0.5 I.
        assert_eq!(&p[8..], &[-0.5, 0.0, 0.0, -0.5]);
    }

    #[test]
    fn errors() {
        let d = device();
        let a_obs = batch(vec![1.0, 2.0, 2.0, 1.0], 1, 2);
        let bad = GdnConfig::new(vec![1.0, 0.0], 0.1);
        assert!(deconvolve(a_obs.clone(), &bad, None).is_err());
        assert!(deconvolve(a_obs.clone(), &GdnConfig::new(vec![1.0], 0.1), None).is_err());
        assert!(deconvolve(a_obs.clone(), &GdnConfig::new(vec![1.0, 1.0], -1.0), None).is_err());
        let nan = batch(vec![1.0, f32::NAN, 2.0, 1.0], 1, 2);
        assert!(deconvolve(nan, &GdnConfig::new(vec![1.0, 1.0], 0.1), None).is_err());
        let basis = polynomial_basis(a_obs.clone(), 1, PolynomialBasis::Monomial).unwrap();
        let params = GdnParams::scalar(1.0, 0.0, &[0.0, 1.0, 0.0], 0.0, &d);
        let s = Tensor::<4>::zeros([1, 1, 2, 2], &d);
        // Three coefficients for a two-term basis.
        assert!(gdn_step(s.clone(), a_obs.clone(), basis.clone(), &params, false).is_err());
        let params = GdnParams::scalar(1.0, 0.0, &[0.0, 1.0], 0.0, &d);
        let wrong_n = batch(vec![0.0; 9], 1, 3);
        assert!(gdn_step(s, wrong_n, basis, &params, false).is_err());
    }
}
