//! Loss values with named components, their host-side records, and the training history.

use std::collections::BTreeMap;

use burn::tensor::Tensor;
use serde::{Deserialize, Serialize};

use crate::error::{GslError, Result};
use crate::tensor::ensure_shape;

/// A scalar loss (`[1]` tensor, differentiable) and the named components it was built from.
///
/// The components are for reporting: only `total` is differentiated. Methods with several loss
/// terms (reconstruction + regulariser, modularity + collapse penalty, …) list them here so the
/// [`History`] can plot each one.
#[derive(Debug, Clone)]
pub struct LossOutput {
    /// The value to minimise, shape `[1]`.
    pub total: Tensor<1>,
    /// Named components, each of shape `[1]`, in insertion order.
    pub parts: Vec<(String, Tensor<1>)>,
}

impl LossOutput {
    /// A loss without components.
    pub fn new(total: Tensor<1>) -> Self {
        Self {
            total,
            parts: Vec::new(),
        }
    }

    /// Adds a named component (reported, not added to `total`).
    pub fn with_part(mut self, name: impl Into<String>, value: Tensor<1>) -> Self {
        self.parts.push((name.into(), value));
        self
    }

    /// The loss whose total is the sum of the given components.
    ///
    /// ```
    /// use burn::tensor::Tensor;
    /// use gsl_core::train::LossOutput;
    ///
    /// # fn main() -> gsl_core::Result<()> {
    /// let device = gsl_core::device::device_from_name("flex")?;
    /// let loss = LossOutput::sum(vec![
    ///     ("recon".to_string(), Tensor::<1>::from_floats([1.5], &device)),
    ///     ("reg".to_string(), Tensor::<1>::from_floats([0.25], &device)),
    /// ])?;
    /// let record = loss.record()?;
    /// assert_eq!(record.total, 1.75);
    /// assert_eq!(record.parts["reg"], 0.25);
    /// # Ok(())
    /// # }
    /// ```
    pub fn sum(parts: Vec<(String, Tensor<1>)>) -> Result<Self> {
        let mut total: Option<Tensor<1>> = None;
        for (name, value) in &parts {
            ensure_shape(value, [1], &format!("loss part `{name}`"))?;
            total = Some(match total {
                None => value.clone(),
                Some(acc) => acc + value.clone(),
            });
        }
        let total =
            total.ok_or_else(|| GslError::invalid("parts", "a loss needs at least one part"))?;
        Ok(Self { total, parts })
    }

    /// Reads the total and the components back to the host (one device read).
    ///
    /// Fails with [`GslError::ShapeMismatch`] if a tensor is not of shape `[1]` and with
    /// [`GslError::InvalidArgument`] if two components share a name. Non-finite values are
    /// returned as they are: [`LossRecord::check_finite`] decides what to do with them.
    pub fn record(&self) -> Result<LossRecord> {
        ensure_shape(&self.total, [1], "loss total")?;
        let mut scalars = Vec::with_capacity(self.parts.len() + 1);
        scalars.push(self.total.clone().detach());
        for (name, value) in &self.parts {
            ensure_shape(value, [1], &format!("loss part `{name}`"))?;
            scalars.push(value.clone().detach());
        }
        let values = to_vec_f64(Tensor::cat(scalars, 0))?;
        let mut parts = BTreeMap::new();
        for ((name, _), value) in self.parts.iter().zip(&values[1..]) {
            if parts.insert(name.clone(), *value).is_some() {
                return Err(GslError::invalid(
                    "parts",
                    format!("loss part `{name}` appears twice"),
                ));
            }
        }
        Ok(LossRecord {
            total: values[0],
            parts,
        })
    }
}

/// Reads a float tensor as `f64` (it may live on an f64 device; f32 would truncate it).
pub(super) fn to_vec_f64(t: Tensor<1>) -> Result<Vec<f64>> {
    t.into_data()
        .convert::<f64>()
        .try_into_vec::<f64>()
        .map_err(|e| GslError::invalid("tensor", format!("cannot read values: {e:?}")))
}

/// Host-side values of a [`LossOutput`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct LossRecord {
    /// The total loss.
    pub total: f64,
    /// Each named component.
    pub parts: BTreeMap<String, f64>,
}

impl LossRecord {
    /// Fails with [`GslError::NonFinite`] naming the first NaN/∞ entry (`total` or a part).
    pub fn check_finite(&self) -> Result<()> {
        if !self.total.is_finite() {
            return Err(GslError::NonFinite(format!("loss total = {}", self.total)));
        }
        match self.parts.iter().find(|(_, v)| !v.is_finite()) {
            Some((name, v)) => Err(GslError::NonFinite(format!("loss part `{name}` = {v}"))),
            None => Ok(()),
        }
    }

    /// The element-wise mean of several records (an epoch made of several batches).
    ///
    /// Every record must have the same part names.
    pub fn mean(records: &[LossRecord]) -> Result<LossRecord> {
        let first = records
            .first()
            .ok_or_else(|| GslError::invalid("records", "cannot average zero loss records"))?;
        let n = records.len() as f64;
        let mut mean = LossRecord {
            total: 0.0,
            parts: first.parts.keys().map(|k| (k.clone(), 0.0)).collect(),
        };
        for record in records {
            if record.parts.len() != first.parts.len()
                || record.parts.keys().any(|k| !first.parts.contains_key(k))
            {
                return Err(GslError::invalid(
                    "records",
                    format!(
                        "loss parts differ between batches: {:?} vs {:?}",
                        first.parts.keys().collect::<Vec<_>>(),
                        record.parts.keys().collect::<Vec<_>>()
                    ),
                ));
            }
            mean.total += record.total / n;
            for (k, v) in &record.parts {
                *mean.parts.entry(k.clone()).or_default() += v / n;
            }
        }
        Ok(mean)
    }
}

/// What happened in one epoch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochRecord {
    /// Epoch index, from 0.
    pub epoch: usize,
    /// The loss (mean over the epoch's batches).
    pub loss: LossRecord,
    /// Metrics returned by the step (mean over the batches that returned them).
    pub metrics: BTreeMap<String, f64>,
    /// The value early stopping watched (the total loss unless configured otherwise).
    pub monitor: f64,
    /// The learning rate used in this epoch.
    pub lr: f64,
    /// Global gradient norm before clipping (mean over the epoch's batches).
    pub grad_norm: f64,
}

/// Why a training run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum StopReason {
    /// All configured epochs ran.
    #[default]
    Completed,
    /// Early stopping ran out of patience.
    EarlyStopped,
    /// The caller's callback asked to stop.
    Callback,
}

/// Per-epoch records of a training run; serialises to JSON for plotting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct History {
    /// One record per epoch that ran, in order.
    pub records: Vec<EpochRecord>,
    /// Epoch with the best monitored value.
    pub best_epoch: Option<usize>,
    /// The best monitored value.
    pub best_value: Option<f64>,
    /// Why training ended.
    pub stop_reason: StopReason,
}

impl History {
    /// Number of recorded epochs.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether no epoch was recorded.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// The total loss of every epoch.
    pub fn totals(&self) -> Vec<f64> {
        self.records.iter().map(|r| r.loss.total).collect()
    }

    /// The values of loss component `name` over the epochs, if every epoch recorded it.
    pub fn part(&self, name: &str) -> Option<Vec<f64>> {
        self.records
            .iter()
            .map(|r| r.loss.parts.get(name).copied())
            .collect()
    }

    /// The history as pretty-printed JSON.
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string_pretty(self)
            .map_err(|e| GslError::invalid("history", format!("cannot serialise: {e}")))
    }

    /// Parses a history written by [`History::to_json`].
    pub fn from_json(json: &str) -> Result<Self> {
        serde_json::from_str(json).map_err(|e| GslError::Parse {
            path: "<history json>".into(),
            line: Some(e.line()),
            message: e.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_mean_averages_parts_and_rejects_mismatches() {
        let a = LossRecord {
            total: 1.0,
            parts: [("x".to_string(), 2.0)].into(),
        };
        let b = LossRecord {
            total: 3.0,
            parts: [("x".to_string(), 4.0)].into(),
        };
        let m = LossRecord::mean(&[a.clone(), b]).unwrap();
        assert_eq!(m.total, 2.0);
        assert_eq!(m.parts["x"], 3.0);
        let c = LossRecord {
            total: 3.0,
            parts: [("y".to_string(), 4.0)].into(),
        };
        assert!(LossRecord::mean(&[a, c]).is_err());
        assert!(LossRecord::mean(&[]).is_err());
    }

    #[test]
    fn check_finite_names_the_bad_entry() {
        let r = LossRecord {
            total: 1.0,
            parts: [("kl".to_string(), f64::NAN)].into(),
        };
        match r.check_finite() {
            Err(GslError::NonFinite(msg)) => assert!(msg.contains("kl"), "{msg}"),
            other => panic!("expected NonFinite, got {other:?}"),
        }
    }
}
