//! wgpu smoke suite: the core operations run on wgpu and agree with Flex.
//!
//! Run with `GSL_DEVICE=wgpu-cpu cargo test -p gsl --features wgpu --test wgpu_smoke`; in CI the
//! wgpu device is Mesa's lavapipe (software Vulkan). Inputs are built on the host so both
//! backends see identical data (random draws differ between backends for the same seed).
#![cfg(feature = "wgpu")]

use gsl::burn::module::Module;
use gsl::burn::tensor::{Device, Tensor, TensorData};
use gsl::core::metrics::evaluate;
use gsl::core::nn::{GatConfig, GcnConfig};
use gsl::core::ops::{LaplacianKind, gcn_norm, laplacian};
use gsl::core::similarity::{KnnOptions, knn};
use gsl::core::tensor::{to_vec_f32, to_vec_i64};
use gsl::core::{BuildOptions, EdgeList, Graph};

fn flex() -> Device {
    gsl::core::device::device_from_name("flex").unwrap()
}

fn wgpu() -> Device {
    let name = std::env::var("GSL_DEVICE")
        .ok()
        .filter(|n| n.starts_with("wgpu"))
        .unwrap_or_else(|| "wgpu".to_string());
    gsl::core::device::device_from_name(&name).unwrap()
}

/// Deterministic pseudo-random numbers in [-1, 1) (a linear congruential sequence), so the test
/// data are the same on every machine without depending on an RNG crate's stream.
fn host_values(len: usize, seed: u64) -> Vec<f32> {
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..len)
        .map(|_| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        })
        .collect()
}

fn matrix(values: Vec<f32>, rows: usize, cols: usize, device: &Device) -> Tensor<2> {
    Tensor::from_data(TensorData::new(values, [rows, cols]), device)
}

fn test_graph(n: usize, device: &Device) -> Graph {
    let raw = host_values(3 * 4 * n, 7);
    let triples: Vec<(usize, usize, f32)> = raw
        .chunks(3)
        .map(|c| {
            let s = ((c[0] + 1.0) * 0.5 * n as f32) as usize % n;
            let d = ((c[1] + 1.0) * 0.5 * n as f32) as usize % n;
            (s, d, c[2].abs() + 0.1)
        })
        .collect();
    let edges = EdgeList::from_weighted(n, &triples).unwrap();
    Graph::from_edges(&edges, BuildOptions::default(), device).unwrap()
}

fn assert_close(a: &[f32], b: &[f32], tol: f32, what: &str) {
    assert_eq!(a.len(), b.len(), "{what}: lengths differ");
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        assert!(
            (x - y).abs() <= tol * (1.0 + x.abs().max(y.abs())),
            "{what}[{i}]: flex {x} vs wgpu {y}"
        );
    }
}

#[test]
fn sparse_product_values_and_gradients_agree() {
    let n = 40;
    let run = |device: Device| {
        let device = device.autodiff();
        let graph = test_graph(n, &device);
        let w = graph.weights_or_ones().require_grad();
        let x = matrix(host_values(n * 6, 3), n, 6, &device).require_grad();
        let y = graph.spmm_weighted(Some(w.clone()), x.clone()).unwrap();
        let loss = y.clone().mul(y.clone()).sum();
        let grads = loss.backward();
        (
            to_vec_f32(y),
            to_vec_f32(x.grad(&grads).unwrap()),
            to_vec_f32(w.grad(&grads).unwrap()),
        )
    };
    let (yf, gxf, gwf) = run(flex());
    let (yw, gxw, gww) = run(wgpu());
    assert_close(&yf, &yw, 1e-5, "A·X");
    assert_close(&gxf, &gxw, 1e-5, "d/dX");
    assert_close(&gwf, &gww, 1e-5, "d/dw");
}

#[test]
fn knn_agrees() {
    let (n, d) = (300, 16);
    let values = host_values(n * d, 11);
    let run = |device: Device| {
        let x = matrix(values.clone(), n, d, &device);
        let mut options = KnnOptions::new(5);
        options.chunk_size = 64;
        let (idx, dist) = knn(x, &options).unwrap();
        (to_vec_i64(idx), to_vec_f32(dist))
    };
    let (idx_f, dist_f) = run(flex());
    let (idx_w, dist_w) = run(wgpu());
    assert_eq!(idx_f, idx_w, "neighbour lists differ");
    assert_close(&dist_f, &dist_w, 1e-4, "kNN distances");
}

#[test]
fn gnn_forward_and_backward_agree() {
    let n = 30;
    // Parameters are initialised once on Flex and forked (moved with their own autodiff graph),
    // so both backends start from the same weights.
    let gcn = GcnConfig::new(8, 4).init(&flex().autodiff()).unwrap();
    let gat = GatConfig::new(8, 3)
        .with_heads(2)
        .init(&flex().autodiff())
        .unwrap();
    let run = |device: Device| {
        let device = device.autodiff();
        let gcn = gcn.clone().fork(&device);
        let gat = gat.clone().fork(&device);
        let graph = test_graph(n, &device);
        let norm = gcn_norm(&graph).unwrap();
        let x = matrix(host_values(n * 8, 5), n, 8, &device);
        let h = gcn.forward_normalized(&norm, x.clone()).unwrap();
        let (g, attention) = gat.forward_with_attention(&graph, x).unwrap();
        let loss = h.clone().powi_scalar(2).sum().add(g.clone().tanh().sum());
        let grads = loss.backward();
        (
            to_vec_f32(h),
            to_vec_f32(g),
            to_vec_f32(attention),
            to_vec_f32(gcn.weight.val().grad(&grads).unwrap()),
            to_vec_f32(gat.att_neigh.val().grad(&grads).unwrap()),
        )
    };
    let f = run(flex());
    let w = run(wgpu());
    assert_close(&f.0, &w.0, 1e-4, "GCN output");
    assert_close(&f.1, &w.1, 1e-4, "GAT output");
    assert_close(&f.2, &w.2, 1e-4, "GAT attention");
    assert_close(&f.3, &w.3, 1e-4, "GCN weight gradient");
    assert_close(&f.4, &w.4, 1e-4, "GAT attention-vector gradient");
}

#[test]
fn laplacian_and_metrics_agree() {
    let n = 25;
    let run = |device: Device| {
        let graph = test_graph(n, &device);
        let lap = laplacian(&graph, LaplacianKind::SymmetricNormalized).unwrap();
        let m = 60;
        let pred = matrix(host_values(2 * m, 21), 2, m, &device);
        let truth_host: Vec<f32> = host_values(2 * m, 22)
            .into_iter()
            .map(|v| f32::from(v > 0.2))
            .collect();
        let truth = matrix(truth_host, 2, m, &device);
        let report = evaluate(pred, truth, 0.3).unwrap();
        (
            to_vec_f32(lap.to_dense()),
            vec![
                report.f1.mean,
                report.mcc.mean,
                report.auc.mean,
                report.average_precision.mean,
                report.nse.mean,
            ],
        )
    };
    let (lf, mf) = run(flex());
    let (lw, mw) = run(wgpu());
    assert_close(&lf, &lw, 1e-5, "normalised Laplacian");
    for (a, b) in mf.iter().zip(&mw) {
        assert!((a - b).abs() < 1e-6, "metrics: flex {mf:?} vs wgpu {mw:?}");
    }
}
