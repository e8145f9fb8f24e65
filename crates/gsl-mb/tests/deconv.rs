//! Network deconvolution: exact inversion of the path sum, the α-scaled map, and its errors.

use burn::tensor::{Tensor, TensorData};
use gsl_core::GslError;
use gsl_core::tensor::to_vec_f32;
use gsl_mb::deconv::network_deconvolution;
use nalgebra::DMatrix;

fn device() -> burn::tensor::Device {
    gsl_core::device::device_from_name("flex").unwrap()
}

/// A symmetric direct matrix with spectral radius 0.6 (a small LCG keeps the test free of RNGs).
fn direct_matrix(n: usize, seed: u64) -> DMatrix<f64> {
    let mut state = seed;
    let mut next = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 33) as f64 / (1u64 << 31) as f64) - 0.5
    };
    let a = DMatrix::<f64>::from_fn(n, n, |_, _| next());
    let s = (&a + a.transpose()) * 0.5;
    let radius = s.symmetric_eigenvalues().amax();
    s * (0.6 / radius)
}

#[test]
fn alpha_one_inverts_the_sum_over_all_paths() {
    let n = 6;
    let (d1, d2) = (direct_matrix(n, 1), direct_matrix(n, 2));
    let observed = |d: &DMatrix<f64>| d * (DMatrix::identity(n, n) - d).try_inverse().unwrap();
    let mut data = Vec::new();
    for d in [&d1, &d2] {
        let o = observed(d);
        data.extend((0..n * n).map(|k| o[(k / n, k % n)] as f32));
    }
    let g = Tensor::<3>::from_data(TensorData::new(data, [2, n, n]), &device());
    let got = to_vec_f32(network_deconvolution(g, 1.0).unwrap());
    for (b, d) in [&d1, &d2].into_iter().enumerate() {
        for k in 0..n * n {
            let want = d[(k / n, k % n)];
            assert!((got[b * n * n + k] as f64 - want).abs() < 1e-4, "{b} {k}");
        }
    }
}

#[test]
fn smaller_alpha_maps_eigenvalues_by_mu_over_one_plus_alpha_mu() {
    // Eigenvalues 1 and −1/3 with eigenvectors (1, 1)/√2 and (1, −1)/√2; α = 1/2 maps them to
    // 2/3 and −0.4, so the result is [[0.1333, 0.5333], [0.5333, 0.1333]].
    let g = Tensor::<3>::from_floats(
        [[[1.0 / 3.0, 2.0 / 3.0], [2.0 / 3.0, 1.0 / 3.0]]],
        &device(),
    );
    let got = to_vec_f32(network_deconvolution(g, 0.5).unwrap());
    let want = [2.0 / 15.0, 8.0 / 15.0, 8.0 / 15.0, 2.0 / 15.0];
    for (a, b) in got.iter().zip(want) {
        assert!((a - b).abs() < 1e-5, "{got:?}");
    }
}

#[test]
fn bad_input_is_an_error() {
    let dev = device();
    let g = Tensor::<3>::from_floats([[[0.0, 0.5], [0.5, 0.0]]], &dev);
    for alpha in [0.0, -1.0, f64::NAN] {
        assert!(matches!(
            network_deconvolution(g.clone(), alpha),
            Err(GslError::InvalidArgument { .. })
        ));
    }
    // Eigenvalue −1 sits at the pole of the map for α = 1.
    let pole = Tensor::<3>::from_floats([[[0.0, 1.0], [1.0, 0.0]]], &dev);
    assert!(matches!(
        network_deconvolution(pole, 1.0),
        Err(GslError::InvalidArgument { .. })
    ));
    let asym = Tensor::<3>::from_floats([[[0.0, 1.0], [0.0, 0.0]]], &dev);
    assert!(network_deconvolution(asym, 1.0).is_err());
    let nan = Tensor::<3>::from_floats([[[f32::NAN, 0.0], [0.0, 0.0]]], &dev);
    assert!(matches!(
        network_deconvolution(nan, 1.0),
        Err(GslError::NonFinite(_))
    ));
    let rect = Tensor::<3>::zeros([1, 2, 3], &dev);
    assert!(network_deconvolution(rect, 1.0).is_err());
}
