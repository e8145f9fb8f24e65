//! The alternating-minimisation (AM) step that GLAD unrolls (Shrivastava, Chen, Chen, Song,
//! Kumar, Yu, "GLAD: Learning sparse graph recovery", ICLR 2020, §3, eqs. 5–7).
//!
//! AM splits the graphical lasso with a coupling weight `λ > 0`:
//!
//! ```text
//! minimise over Θ, Z:  tr(SΘ) − log det Θ + ρ Σ_{i≠j} |Z_ij| + (λ/2) ‖Z − Θ‖²_F
//! Θ ← ½ (−Y + (YᵀY + (4/λ) I)^{1/2}),   Y = S/λ − Z        (the exact Θ-minimiser)
//! Z ← η_{ρ/λ}(Θ)                                             (soft threshold, off-diagonal)
//! ```
//!
//! [`glad_step`] is one AM step with `λ` and the threshold as tensors (GLAD predicts them per
//! layer with small networks); the matrix square root is [`crate::linalg`]'s Newton–Schulz
//! iteration, as in GLAD. [`alternating_minimisation`] drives the step to convergence with fixed
//! `ρ, λ`; as `λ → ∞` its fixed point approaches the graphical-lasso solution.

use burn::tensor::Tensor;
use gsl_core::{GslError, Result};
use serde::{Deserialize, Serialize};

use crate::glasso::check_covariance;
use crate::linalg::{
    check_broadcast, diagonal, eye_batch, off_diagonal_mask, soft_threshold, sqrtm_unchecked,
};
use crate::solver::{Iteration, ProgressFn, SolveReport, StopRule, relative_change, solve};

/// The Θ-update of AM: `½(−Y + √(YᵀY + (4/λ)I))` with `Y = S/λ − Z`; `lambda` broadcasts as
/// `[B, 1, 1]`. `sqrt_iterations` Newton–Schulz steps compute the square root.
/// Differentiable in `s`, `z` and `lambda`.
///
/// Errors (shapes only, nothing is read back): `s` not square, `z` not of `s`'s shape, `lambda`
/// not broadcastable to `[B, 1, 1]`, `sqrt_iterations = 0`.
pub fn glad_theta_update(
    s: Tensor<3>,
    z: Tensor<3>,
    lambda: Tensor<3>,
    sqrt_iterations: usize,
) -> Result<Tensor<3>> {
    let [b, n, n2] = s.dims();
    if n != n2 {
        return Err(GslError::shape(
            "glad s",
            "[B, N, N]",
            format!("[{b}, {n}, {n2}]"),
        ));
    }
    gsl_core::tensor::ensure_shape(&z, [b, n, n], "glad z")?;
    check_broadcast(&lambda, [b, 1, 1], "glad lambda")?;
    if sqrt_iterations == 0 {
        return Err(GslError::invalid("sqrt_iterations", "must be at least 1"));
    }
    let device = s.device();
    let y = s.div(lambda.clone()).sub(z);
    let m = y
        .clone()
        .swap_dims(1, 2)
        .matmul(y.clone())
        .add(eye_batch(n, &device).mul(lambda.recip().mul_scalar(4.0)));
    let norm = m.clone().square().sum_dims(&[1, 2]).sqrt();
    let root = sqrtm_unchecked(m, norm, sqrt_iterations, b, n);
    Ok(root.sub(y).mul_scalar(0.5))
}

/// The Z-update of AM: soft threshold of `Θ` at `threshold` (broadcast against `[B, N, N]`;
/// pass a threshold that is zero on the diagonal to leave it unpenalised).
///
/// Errors: `threshold` not broadcastable to `theta`'s shape.
pub fn glad_z_update(theta: Tensor<3>, threshold: Tensor<3>) -> Result<Tensor<3>> {
    check_broadcast(&threshold, theta.dims(), "glad threshold")?;
    Ok(soft_threshold(theta, threshold))
}

/// One AM step `(Θ, Z) → (Θ⁺, Z⁺)`: [`glad_theta_update`] then [`glad_z_update`].
///
/// Errors: those of the two updates (shapes only).
pub fn glad_step(
    z: Tensor<3>,
    s: Tensor<3>,
    lambda: Tensor<3>,
    threshold: Tensor<3>,
    sqrt_iterations: usize,
) -> Result<(Tensor<3>, Tensor<3>)> {
    let theta = glad_theta_update(s, z, lambda, sqrt_iterations)?;
    let z = glad_z_update(theta.clone(), threshold)?;
    Ok((theta, z))
}

/// Hyperparameters of [`alternating_minimisation`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AmConfig {
    /// ℓ1 weight `ρ > 0` on the off-diagonal of `Z`.
    pub rho: f64,
    /// Coupling weight `λ > 0`.
    pub lambda: f64,
    /// Newton–Schulz iterations per square root.
    pub sqrt_iterations: usize,
    /// Stop when the relative change of `Z` is below this.
    pub tol: f64,
    /// Maximum number of AM steps.
    pub max_iter: usize,
}

impl AmConfig {
    /// `ρ`, `λ` with 30 Newton–Schulz iterations, `tol = 1e-5`, `max_iter = 500`.
    pub fn new(rho: f64, lambda: f64) -> Self {
        Self {
            rho,
            lambda,
            sqrt_iterations: 30,
            tol: 1e-5,
            max_iter: 500,
        }
    }

    /// Checks `ρ, λ` finite and positive, `sqrt_iterations >= 1` and the stop rule.
    pub fn validate(&self) -> Result<()> {
        for (name, v) in [("rho", self.rho), ("lambda", self.lambda)] {
            if !(v.is_finite() && v > 0.0) {
                return Err(GslError::invalid(
                    name,
                    format!("must be finite and positive, got {v}"),
                ));
            }
        }
        if self.sqrt_iterations == 0 {
            return Err(GslError::invalid("sqrt_iterations", "must be at least 1"));
        }
        StopRule::new(self.tol, self.max_iter).validate()
    }
}

/// The AM iterate: `Θ` and `Z`, `[B, N, N]` each.
#[derive(Debug, Clone)]
pub struct AmState {
    /// The smooth (log-det) variable.
    pub theta: Tensor<3>,
    /// The sparse variable.
    pub z: Tensor<3>,
}

struct Am {
    s: Tensor<3>,
    lambda: Tensor<3>,
    threshold: Tensor<3>,
    sqrt_iterations: usize,
}

impl Iteration for Am {
    type State = AmState;

    fn method(&self) -> &'static str {
        "glad_am"
    }

    fn step(&mut self, state: &AmState, _iteration: usize) -> Result<AmState> {
        let (theta, z) = glad_step(
            state.z.clone(),
            self.s.clone(),
            self.lambda.clone(),
            self.threshold.clone(),
            self.sqrt_iterations,
        )?;
        Ok(AmState { theta, z })
    }

    fn residual(&mut self, previous: &AmState, next: &AmState) -> Result<Vec<f64>> {
        let [b, n, _] = next.z.dims();
        Ok(relative_change(
            previous.z.clone().reshape([b, n * n]),
            next.z.clone().reshape([b, n * n]),
        ))
    }

    fn objective(&mut self, _state: &AmState) -> Result<Option<Vec<f64>>> {
        Ok(None)
    }
}

/// Runs GLAD's AM with fixed `ρ` and `λ` on covariances `[B, N, N]`, from `Z₀ = diag(S)⁻¹`.
///
/// Errors: an invalid config or covariance (see [`check_covariance`]), divergence.
pub fn alternating_minimisation(
    s: Tensor<3>,
    config: &AmConfig,
    progress: Option<ProgressFn<'_>>,
) -> Result<SolveReport<AmState>> {
    config.validate()?;
    let (b, n) = check_covariance(&s)?;
    let device = s.device();
    let z0 = eye_batch(n, &device).mul(diagonal(s.clone()).recip().reshape([b, 1, n]));
    let init = AmState {
        theta: z0.clone(),
        z: z0,
    };
    let threshold = off_diagonal_mask(n, &device).mul_scalar((config.rho / config.lambda) as f32);
    let mut method = Am {
        s,
        lambda: Tensor::full([1, 1, 1], config.lambda as f32, &device),
        threshold,
        sqrt_iterations: config.sqrt_iterations,
    };
    solve(
        &mut method,
        init,
        &StopRule::new(config.tol, config.max_iter),
        progress,
    )
}
