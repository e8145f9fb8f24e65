//! Network deconvolution: exact inversion of the path sum, the α-scaled map, and its errors.

use burn::tensor::{Tensor, TensorData};
use gsl_core::GslError;
use gsl_core::tensor::to_vec_f32;
use gsl_mb::baselines::Moment;
use gsl_mb::deconv::{
    DeconvScale, deconvolve_signals, network_deconvolution, network_deconvolution_scaled,
};
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

#[test]
fn spectral_bound_maps_the_largest_direct_eigenvalue_to_beta() {
    let n = 7;
    let d = direct_matrix(n, 3) * 4.0;
    let data: Vec<f32> = (0..n * n).map(|k| d[(k / n, k % n)] as f32).collect();
    let g = Tensor::<3>::from_data(TensorData::new(data, [1, n, n]), &device());
    for beta in [0.5, 0.9, 0.99] {
        let out = to_vec_f32(
            network_deconvolution_scaled(g.clone(), DeconvScale::SpectralBound(beta)).unwrap(),
        );
        let m = DMatrix::<f64>::from_fn(n, n, |i, j| out[i * n + j] as f64);
        let radius = m.symmetric_eigenvalues().amax();
        assert!((radius - beta).abs() < 1e-4, "β = {beta}: radius {radius}");
    }
    let zero = Tensor::<3>::zeros([1, 3, 3], &device());
    assert!(network_deconvolution_scaled(zero, DeconvScale::SpectralBound(0.9)).is_err());
    assert!(network_deconvolution_scaled(g, DeconvScale::SpectralBound(1.5)).is_err());
}

/// Signals of a random walk x_{i+1} = x_i + e_{i+1} over `n` nodes (a chain: the precision
/// matrix is tridiagonal), one row per node.
fn random_walk(n: usize, samples: usize) -> Tensor<3> {
    let mut state = 11u64;
    let mut noise = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 33) as f32 / (1u64 << 31) as f32) - 0.5
    };
    let mut x = vec![0.0f32; n * samples];
    for t in 0..samples {
        let mut level = 0.0;
        for i in 0..n {
            level += noise();
            x[i * samples + t] = level;
        }
    }
    Tensor::from_data(TensorData::new(x, [1, n, samples]), &device())
}

/// The `count` heaviest pairs `i < j` of a dense `n × n` matrix.
fn heaviest_pairs(values: &[f32], n: usize, count: usize) -> Vec<(usize, usize)> {
    let mut pairs: Vec<(usize, usize)> = (0..n)
        .flat_map(|i| (i + 1..n).map(move |j| (i, j)))
        .collect();
    pairs.sort_by(|a, b| values[b.0 * n + b.1].total_cmp(&values[a.0 * n + a.1]));
    let mut top = pairs[..count].to_vec();
    top.sort();
    top
}

#[test]
fn deconvolution_recovers_a_chain_that_correlation_misses() {
    // In a random walk the correlation of nodes 3 and 5 (√(4/6) ≈ 0.82) exceeds that of the
    // direct pair 0–1 (√(1/2) ≈ 0.71), so thresholding correlation cannot find the chain; after
    // deconvolution the n − 1 heaviest pairs are exactly the chain's edges.
    let n = 6;
    let x = random_walk(n, 4000);
    let chain: Vec<(usize, usize)> = (0..n - 1).map(|i| (i, i + 1)).collect();
    let corr = to_vec_f32(gsl_core::similarity::correlation(x.clone()).unwrap());
    assert_ne!(heaviest_pairs(&corr, n, n - 1), chain);
    let direct =
        deconvolve_signals(x, Moment::Correlation, DeconvScale::SpectralBound(0.99)).unwrap();
    let direct = to_vec_f32(direct);
    assert_eq!(heaviest_pairs(&direct, n, n - 1), chain);
    assert!((0..n).all(|i| direct[i * n + i] == 0.0));
    for i in 0..n {
        for j in 0..n {
            assert!((direct[i * n + j] - direct[j * n + i]).abs() < 1e-5);
        }
    }
}

#[test]
fn deconvolve_signals_rejects_bad_input() {
    let dev = device();
    let x = random_walk(4, 50);
    let nan = x.clone().mul_scalar(f32::NAN);
    assert!(deconvolve_signals(nan, Moment::Covariance, DeconvScale::SpectralBound(0.9)).is_err());
    assert!(
        deconvolve_signals(
            x.clone(),
            Moment::Covariance,
            DeconvScale::SpectralBound(0.0)
        )
        .is_err()
    );
    assert!(deconvolve_signals(x, Moment::Correlation, DeconvScale::Alpha(-2.0)).is_err());
    let one_node = Tensor::<3>::ones([1, 1, 5], &dev);
    assert!(
        deconvolve_signals(
            one_node,
            Moment::Covariance,
            DeconvScale::SpectralBound(0.9)
        )
        .is_err()
    );
    let one_sample = Tensor::<3>::ones([1, 3, 1], &dev);
    assert!(
        deconvolve_signals(
            one_sample,
            Moment::Covariance,
            DeconvScale::SpectralBound(0.9)
        )
        .is_err()
    );
}
