//! Supervised losses of unrolled networks: a per-sample loss per layer, weighted over the
//! layers and averaged over the batch (pyGSL's `compute_loss`, L2G's `acc_loss`, GLAD's
//! per-layer sum).

use burn::tensor::Tensor;
use gsl_core::train::LossOutput;
use gsl_core::{GslError, Result};
use serde::{Deserialize, Serialize};

/// The per-sample loss between a predicted and a true vector of pair weights.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum LossKind {
    /// Squared error `‖ŷ − y‖²`.
    Se,
    /// Normalised squared error `‖ŷ − y‖² / ‖y‖²` (L2G's per-graph GMSE term).
    Nse,
    /// Absolute error `‖ŷ − y‖₁`.
    Ae,
    /// Hinge on the edge indicator `t = ±1` (`y ≠ 0` or not): mean over pairs of
    /// `max(0, margin − t(ŷ − ½))`, so edges are pushed above `½ + margin` and non-edges below
    /// `½ − margin` (pyGSL's hinge uses margin 0.25).
    Hinge {
        /// Margin around ½.
        margin: f64,
    },
    /// Binary cross-entropy of `ŷ` (clamped to `[1e-7, 1 − 1e-7]`) against the edge indicator,
    /// mean over pairs (the GCN/GIN baselines' loss).
    Bce,
}

impl LossKind {
    /// Parses `se | nse | ae | hinge | bce` (hinge with margin 0.25).
    pub fn parse(name: &str) -> Result<Self> {
        Ok(match name {
            "se" => LossKind::Se,
            "nse" => LossKind::Nse,
            "ae" => LossKind::Ae,
            "hinge" => LossKind::Hinge { margin: 0.25 },
            "bce" => LossKind::Bce,
            other => {
                return Err(GslError::invalid(
                    "loss",
                    format!("unknown loss `{other}` (se | nse | ae | hinge | bce)"),
                ));
            }
        })
    }

    /// Per-sample losses `[B]` of predictions `[B, M]` against targets `[B, M]`. Differentiable
    /// in `pred`.
    ///
    /// Errors: shapes differ, `B = 0` or `M = 0`, NSE with a zero target.
    pub fn per_sample(&self, pred: Tensor<2>, target: Tensor<2>) -> Result<Tensor<1>> {
        let [b, m] = pred.dims();
        gsl_core::tensor::ensure_shape(&target, [b, m], "loss target")?;
        if b == 0 || m == 0 {
            return Err(GslError::EmptyGraph("loss: empty batch or no pairs".into()));
        }
        let per = match *self {
            LossKind::Se => pred.sub(target).square().sum_dim(1),
            LossKind::Nse => {
                let energy = target.clone().square().sum_dim(1);
                let min: f32 = energy.clone().min().into_scalar();
                if min <= 0.0 {
                    return Err(GslError::invalid(
                        "target",
                        "a graph has no edge weight: NSE is undefined",
                    ));
                }
                pred.sub(target).square().sum_dim(1).div(energy)
            }
            LossKind::Ae => pred.sub(target).abs().sum_dim(1),
            LossKind::Hinge { margin } => {
                let sign = target
                    .not_equal_elem(0.0)
                    .float()
                    .mul_scalar(2.0)
                    .sub_scalar(1.0);
                sign.mul(pred.sub_scalar(0.5))
                    .neg()
                    .add_scalar(margin)
                    .clamp_min(0.0)
                    .mean_dim(1)
            }
            LossKind::Bce => {
                let y = target.not_equal_elem(0.0).float();
                let p = pred.clamp(1e-7, 1.0 - 1e-7);
                let one_minus = p.clone().neg().add_scalar(1.0).log();
                y.clone()
                    .mul(p.log())
                    .add(y.neg().add_scalar(1.0).mul(one_minus))
                    .neg()
                    .mean_dim(1)
            }
        };
        Ok(per.reshape([b]))
    }
}

/// How the per-layer losses are weighted.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum LayerWeighting {
    /// Only the last layer counts.
    LastOnly,
    /// Layer `l` (1-based) of `D` weighs `d^(D − l + 1)`: pyGSL's `intermed_loss_discount` and
    /// L2G's `acc_loss` (`d = 0.8` / `0.9`).
    Discounted {
        /// The discount `d` in `(0, 1]`.
        discount: f64,
    },
    /// Layer `l` (1-based) of `D` weighs `γ^(D − l) / D` (GLAD, `γ = 0.8`).
    Glad {
        /// The factor `γ` in `(0, 1]`.
        gamma: f64,
    },
}

impl LayerWeighting {
    /// The weight of every layer, first layer first.
    ///
    /// Errors: `depth = 0`, a factor outside `(0, 1]`.
    pub fn weights(&self, depth: usize) -> Result<Vec<f64>> {
        if depth == 0 {
            return Err(GslError::invalid("depth", "need at least one layer"));
        }
        let check = |name: &str, v: f64| {
            if v > 0.0 && v <= 1.0 {
                Ok(v)
            } else {
                Err(GslError::invalid(
                    name,
                    format!("must be in (0, 1], got {v}"),
                ))
            }
        };
        Ok(match *self {
            LayerWeighting::LastOnly => (0..depth)
                .map(|l| if l + 1 == depth { 1.0 } else { 0.0 })
                .collect(),
            LayerWeighting::Discounted { discount } => {
                let d = check("discount", discount)?;
                (1..=depth)
                    .map(|l| d.powi((depth - l + 1) as i32))
                    .collect()
            }
            LayerWeighting::Glad { gamma } => {
                let g = check("gamma", gamma)?;
                (1..=depth)
                    .map(|l| g.powi((depth - l) as i32) / depth as f64)
                    .collect()
            }
        })
    }
}

/// The unrolled loss: `Σ_l w_l · mean_b loss(ŷ_l, y)` over the layers' predictions `[B, M]`,
/// with one named part per layer (`layer_1`, …, unweighted) for the history.
///
/// Errors: no prediction, a shape mismatch, those of [`LossKind::per_sample`] and
/// [`LayerWeighting::weights`].
pub fn unrolled_loss(
    kind: LossKind,
    weighting: LayerWeighting,
    predictions: &[Tensor<2>],
    target: Tensor<2>,
) -> Result<LossOutput> {
    let weights = weighting.weights(predictions.len())?;
    let mut total: Option<Tensor<1>> = None;
    let mut parts = Vec::with_capacity(predictions.len());
    for (l, (pred, w)) in predictions.iter().zip(weights).enumerate() {
        let layer = kind.per_sample(pred.clone(), target.clone())?.mean();
        parts.push((format!("layer_{}", l + 1), layer.clone().detach()));
        if w > 0.0 {
            let term = layer.mul_scalar(w);
            total = Some(match total {
                None => term,
                Some(acc) => acc.add(term),
            });
        }
    }
    let total = total.ok_or_else(|| GslError::invalid("weights", "every layer weight is 0"))?;
    Ok(LossOutput { total, parts })
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::Device;
    use gsl_core::tensor::to_vec_f32;

    fn device() -> Device {
        gsl_core::device::device_from_name("flex").unwrap()
    }

    #[test]
    fn losses_closed_form() {
        let d = device();
        let y = Tensor::<2>::from_floats([[1.0, 0.0, 2.0]], &d);
        let p = Tensor::<2>::from_floats([[0.5, 0.5, 2.0]], &d);
        let v = |k: LossKind| to_vec_f32(k.per_sample(p.clone(), y.clone()).unwrap())[0];
        assert_eq!(v(LossKind::Se), 0.5);
        assert_eq!(v(LossKind::Nse), 0.1);
        assert_eq!(v(LossKind::Ae), 1.0);
        // Margins: edge 0.5 → 0.25; non-edge 0.5 → 0.25; edge 2.0 → 0. Mean 1/6.
        assert!((v(LossKind::Hinge { margin: 0.25 }) - 1.0 / 6.0).abs() < 1e-6);
        let bce = v(LossKind::Bce);
        let expected = -(0.5f32.ln() + 0.5f32.ln() + (1.0f32 - 1e-7).ln()) / 3.0;
        assert!((bce - expected).abs() < 1e-5);
        assert!(
            LossKind::Nse
                .per_sample(p.clone(), Tensor::zeros([1, 3], &d))
                .is_err()
        );
        assert!(
            LossKind::Se
                .per_sample(p, Tensor::zeros([1, 2], &d))
                .is_err()
        );
        assert!(LossKind::parse("mse").is_err());
    }

    #[test]
    fn layer_weights_follow_the_papers() {
        let w = LayerWeighting::Discounted { discount: 0.5 }
            .weights(3)
            .unwrap();
        assert_eq!(w, vec![0.125, 0.25, 0.5]);
        let w = LayerWeighting::Glad { gamma: 0.5 }.weights(2).unwrap();
        assert_eq!(w, vec![0.25, 0.5]);
        assert_eq!(LayerWeighting::LastOnly.weights(2).unwrap(), vec![0.0, 1.0]);
        assert!(LayerWeighting::LastOnly.weights(0).is_err());
        assert!(LayerWeighting::Glad { gamma: 1.5 }.weights(2).is_err());
    }

    #[test]
    fn unrolled_loss_sums_weighted_layers() {
        let d = device();
        let y = Tensor::<2>::from_floats([[1.0, 0.0]], &d);
        let preds = vec![
            Tensor::<2>::from_floats([[0.0, 0.0]], &d),
            Tensor::<2>::from_floats([[1.0, 1.0]], &d),
        ];
        let out = unrolled_loss(
            LossKind::Se,
            LayerWeighting::Discounted { discount: 0.5 },
            &preds,
            y,
        )
        .unwrap();
        // 0.25·1 + 0.5·1.
        assert_eq!(to_vec_f32(out.total)[0], 0.75);
        assert_eq!(out.parts.len(), 2);
    }
}
