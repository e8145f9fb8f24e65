//! The step/driver split shared by every iterative method of this crate.
//!
//! A method is written once as an [`Iteration`]: a `step` built from tensor ops whose parameters
//! are tensors (so `gsl-unroll` can stack the same step as a layer with learnable parameters),
//! plus a per-problem convergence `residual` and, where the method has one, its `objective`.
//! [`solve`] iterates it with a [`StopRule`] and returns a [`SolveReport`].
//!
//! Stopping rules, checked after every step:
//!
//! - **converged**: the largest residual over the batch is below `tol` (the residual is the
//!   method's own: a relative change for the primal–dual solvers, a relative duality gap for the
//!   graphical lasso);
//! - **budget**: `max_iter` steps were taken (the report says `converged = false`);
//! - **divergence**: a residual or objective that is NaN or infinite, or a residual above
//!   `divergence`, is a [`GslError::Training`] that names the method and the iteration.

use std::time::Instant;

use burn::tensor::Tensor;
use gsl_core::tensor::to_vec_f32;
use gsl_core::{GslError, Result};
use serde::{Deserialize, Serialize};

/// When [`solve`] stops.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct StopRule {
    /// Stop once the largest per-problem residual is below this.
    pub tol: f64,
    /// Stop after this many steps even if not converged.
    pub max_iter: usize,
    /// A residual above this is treated as divergence.
    pub divergence: f64,
}

impl StopRule {
    /// `tol` and `max_iter` with the default divergence bound `1e12`.
    pub fn new(tol: f64, max_iter: usize) -> Self {
        Self {
            tol,
            max_iter,
            divergence: 1e12,
        }
    }

    /// Checks `tol > 0` (finite), `max_iter >= 1` and `divergence > tol`.
    pub fn validate(&self) -> Result<()> {
        if !(self.tol.is_finite() && self.tol > 0.0) {
            return Err(GslError::invalid(
                "tol",
                format!("must be finite and positive, got {}", self.tol),
            ));
        }
        if self.max_iter == 0 {
            return Err(GslError::invalid("max_iter", "must be at least 1"));
        }
        if self.divergence.is_nan() || self.divergence <= self.tol {
            return Err(GslError::invalid(
                "divergence",
                format!("must exceed tol, got {}", self.divergence),
            ));
        }
        Ok(())
    }
}

/// What a progress callback sees after each step.
#[derive(Debug, Clone, PartialEq)]
pub struct IterationInfo {
    /// The method's name.
    pub method: &'static str,
    /// One-based number of the step just taken.
    pub iteration: usize,
    /// Largest residual over the batch after this step.
    pub residual: f64,
    /// Mean objective over the batch, when the method has one.
    pub objective: Option<f64>,
    /// `max_iter` of the stop rule.
    pub max_iter: usize,
}

/// A progress callback: called after every step.
pub type ProgressFn<'a> = &'a mut dyn FnMut(&IterationInfo);

/// The outcome of [`solve`]: the final state and the story of the run.
#[derive(Debug, Clone)]
pub struct SolveReport<T> {
    /// The estimate (the method's state after the last step).
    pub estimate: T,
    /// Steps taken.
    pub iterations: usize,
    /// Whether the residual fell below `tol` (otherwise `max_iter` was reached).
    pub converged: bool,
    /// Largest residual over the batch after each step.
    pub residual: Vec<f64>,
    /// Per-problem objective after each step (`objective[i][b]`); empty when the method has none.
    pub objective: Vec<Vec<f64>>,
    /// Wall time of the run in seconds.
    pub seconds: f64,
}

impl<T> SolveReport<T> {
    /// The mean over the batch of the last recorded objective.
    pub fn final_objective(&self) -> Option<f64> {
        self.objective
            .last()
            .map(|v| v.iter().sum::<f64>() / v.len().max(1) as f64)
    }

    /// The largest residual after the last step.
    pub fn final_residual(&self) -> Option<f64> {
        self.residual.last().copied()
    }

    /// The same report around a transformed estimate.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> SolveReport<U> {
        SolveReport {
            estimate: f(self.estimate),
            iterations: self.iterations,
            converged: self.converged,
            residual: self.residual,
            objective: self.objective,
            seconds: self.seconds,
        }
    }
}

/// One iterative method: a step and how to measure it.
pub trait Iteration {
    /// The iterate (tensors on the device).
    type State;
    /// Name used in messages and progress output.
    fn method(&self) -> &'static str;
    /// One step from `state`; `iteration` is one-based.
    fn step(&mut self, state: &Self::State, iteration: usize) -> Result<Self::State>;
    /// Per-problem convergence residual after the step `previous → next`, on the host.
    fn residual(&mut self, previous: &Self::State, next: &Self::State) -> Result<Vec<f64>>;
    /// Per-problem objective of `state`, on the host; `None` when the method has none.
    fn objective(&mut self, state: &Self::State) -> Result<Option<Vec<f64>>>;
}

/// Iterates `method` from `init` until `rule` stops it; see the module documentation.
///
/// Errors: an invalid `rule`; a step's own error; divergence (named with its iteration).
pub fn solve<I: Iteration>(
    method: &mut I,
    init: I::State,
    rule: &StopRule,
    mut progress: Option<ProgressFn<'_>>,
) -> Result<SolveReport<I::State>> {
    rule.validate()?;
    let start = Instant::now();
    let name = method.method();
    let mut state = init;
    let mut residual = Vec::new();
    let mut objective = Vec::new();
    let mut converged = false;
    let mut iterations = 0;
    for it in 1..=rule.max_iter {
        let next = method.step(&state, it)?;
        let res = method.residual(&state, &next)?;
        let worst = res.iter().copied().fold(0.0f64, |a, r| {
            if r.is_nan() || a.is_nan() {
                f64::NAN
            } else {
                a.max(r)
            }
        });
        if !worst.is_finite() || worst > rule.divergence {
            return Err(GslError::Training(format!(
                "{name} diverged at iteration {it}: residual {worst}"
            )));
        }
        let obj = method.objective(&next)?;
        let mean_obj = match &obj {
            Some(values) => {
                if let Some(b) = values.iter().position(|v| !v.is_finite()) {
                    return Err(GslError::Training(format!(
                        "{name} diverged at iteration {it}: objective of problem {b} is {}",
                        values[b]
                    )));
                }
                Some(values.iter().sum::<f64>() / values.len().max(1) as f64)
            }
            None => None,
        };
        residual.push(worst);
        if let Some(values) = obj {
            objective.push(values);
        }
        state = next;
        iterations = it;
        if let Some(callback) = progress.as_mut() {
            callback(&IterationInfo {
                method: name,
                iteration: it,
                residual: worst,
                objective: mean_obj,
                max_iter: rule.max_iter,
            });
        }
        if worst < rule.tol {
            converged = true;
            break;
        }
    }
    Ok(SolveReport {
        estimate: state,
        iterations,
        converged,
        residual,
        objective,
        seconds: start.elapsed().as_secs_f64(),
    })
}

/// Per-row relative change `‖next − prev‖ / max(‖prev‖, ‖next‖, 1e-12)` of `[B, M]` iterates,
/// read back to the host (pyGSL's stopping quantity, bounded by 2 so a start from zero is not
/// mistaken for divergence).
pub fn relative_change(previous: Tensor<2>, next: Tensor<2>) -> Vec<f64> {
    relative_change_with_norm(previous, next, None).0
}

/// [`relative_change`] that reuses the row norms `‖prev‖` `[B, 1]` when the caller has them
/// (from the previous step) and returns `‖next‖` for the next call: one pass over the
/// iterates fewer per step.
pub fn relative_change_with_norm(
    previous: Tensor<2>,
    next: Tensor<2>,
    previous_norm: Option<Tensor<2>>,
) -> (Vec<f64>, Tensor<2>) {
    let diff = next
        .clone()
        .sub(previous.clone())
        .square()
        .sum_dim(1)
        .sqrt();
    let previous_norm = previous_norm.unwrap_or_else(|| previous.square().sum_dim(1).sqrt());
    let next_norm = next.square().sum_dim(1).sqrt();
    let scale = previous_norm.max_pair(next_norm.clone()).clamp_min(1e-12);
    let change = to_vec_f32(diff.div(scale))
        .into_iter()
        .map(f64::from)
        .collect();
    (change, next_norm)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// x ← x/2 towards 0 (a contraction), objective x², residual |Δx|.
    struct Halve {
        blow_up_at: Option<usize>,
    }

    impl Iteration for Halve {
        type State = f64;
        fn method(&self) -> &'static str {
            "halve"
        }
        fn step(&mut self, state: &f64, iteration: usize) -> Result<f64> {
            if self.blow_up_at == Some(iteration) {
                return Ok(f64::NAN);
            }
            Ok(state / 2.0)
        }
        fn residual(&mut self, previous: &f64, next: &f64) -> Result<Vec<f64>> {
            Ok(vec![(previous - next).abs()])
        }
        fn objective(&mut self, state: &f64) -> Result<Option<Vec<f64>>> {
            Ok(Some(vec![state * state]))
        }
    }

    #[test]
    fn stops_at_tolerance_with_history() {
        let mut seen = 0;
        let mut cb = |info: &IterationInfo| seen = info.iteration;
        let report = solve(
            &mut Halve { blow_up_at: None },
            1.0,
            &StopRule::new(1e-3, 100),
            Some(&mut cb),
        )
        .unwrap();
        // |Δx| after step k is 2^-k: first below 1e-3 at k = 10.
        assert!(report.converged);
        assert_eq!(report.iterations, 10);
        assert_eq!(seen, 10);
        assert_eq!(report.residual.len(), 10);
        assert_eq!(report.objective.len(), 10);
        assert!(report.objective.windows(2).all(|w| w[1][0] < w[0][0]));
    }

    #[test]
    fn budget_and_divergence() {
        let report = solve(
            &mut Halve { blow_up_at: None },
            1.0,
            &StopRule::new(1e-9, 5),
            None,
        )
        .unwrap();
        assert!(!report.converged);
        assert_eq!(report.iterations, 5);
        let err = solve(
            &mut Halve {
                blow_up_at: Some(3),
            },
            1.0,
            &StopRule::new(1e-9, 10),
            None,
        )
        .unwrap_err();
        assert!(err.to_string().contains("iteration 3"), "{err}");
        assert!(StopRule::new(0.0, 10).validate().is_err());
        assert!(StopRule::new(1e-3, 0).validate().is_err());
    }
}
