//! Test support shared by gsl-core's integration tests: the device, JSON fixtures, tolerances.
// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use burn::tensor::{Device, Tensor, TensorData};
use serde_json::Value;

/// The Flex device every test runs on.
pub fn device() -> Device {
    gsl_core::device::device_from_name("flex").unwrap()
}

/// Parses a JSON fixture (pass `include_str!("fixtures/…")`).
pub fn parse_fixture(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

/// Flattens a nested JSON array of numbers (row-major) and returns it with its shape.
pub fn flatten(v: &Value) -> (Vec<f32>, Vec<usize>) {
    match v {
        Value::Array(items) => {
            let mut out = Vec::new();
            let mut inner = Vec::new();
            for item in items {
                let (vals, shape) = flatten(item);
                out.extend(vals);
                inner = shape;
            }
            let mut shape = vec![items.len()];
            shape.extend(inner);
            (out, shape)
        }
        Value::Number(x) => (vec![x.as_f64().unwrap() as f32], vec![]),
        other => panic!("not a number array: {other}"),
    }
}

/// A tensor from a nested JSON array.
pub fn tensor<const D: usize>(v: &Value, device: &Device) -> Tensor<D> {
    let (vals, shape) = flatten(v);
    let shape: [usize; D] = shape.try_into().unwrap();
    Tensor::from_data(TensorData::new(vals, shape), device)
}

/// Element-wise `|got − want| <= tol · (1 + |want|)`.
pub fn assert_close(got: &[f32], want: &[f32], tol: f32, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= tol * (1.0 + w.abs()),
            "{what}[{i}]: got {g}, want {w}"
        );
    }
}
