//! Dense linear algebra on tall-skinny blocks `[N, b]` with small `b`: the `N`-sized work is
//! device matmuls, the `b × b` work is done on the host with nalgebra.

use burn::tensor::{Device, Tensor, TensorData};
use gsl_core::tensor::to_vec_f32;
use gsl_core::train::seeded_rng;
use gsl_core::{GslError, Result};
use nalgebra::{DMatrix, SymmetricEigen};
use rand_distr::{Distribution, StandardNormal};

/// Host copy of a small device matrix.
pub(crate) fn to_host(t: Tensor<2>) -> DMatrix<f64> {
    let [r, c] = t.dims();
    DMatrix::from_row_iterator(r, c, to_vec_f32(t).into_iter().map(f64::from))
}

/// Device copy of a small host matrix.
pub(crate) fn to_device(m: &DMatrix<f64>, device: &Device) -> Tensor<2> {
    let (r, c) = m.shape();
    let values: Vec<f32> = (0..r)
        .flat_map(|i| (0..c).map(move |j| (i, j)))
        .map(|(i, j)| m[(i, j)] as f32)
        .collect();
    Tensor::from_data(TensorData::new(values, [r, c]), device)
}

/// An orthonormal basis of the columns of `y` `[N, b]`: Löwdin orthogonalisation
/// `Y U Λ^{-1/2} Uᵀ` from the eigendecomposition of the Gram matrix `YᵀY = UΛUᵀ`, done twice
/// (as CholeskyQR2 repeats Cholesky QR) so the loss of orthogonality after the first pass is
/// removed. Directions with `λ ≤ 1e-12·λ_max` are dropped to zero rather than amplified.
pub(crate) fn orthonormalize(y: Tensor<2>) -> Tensor<2> {
    let device = y.device();
    let mut q = y;
    for _ in 0..2 {
        let gram = to_host(q.clone().transpose().matmul(q.clone()));
        let eig = SymmetricEigen::new(gram);
        let max = eig.eigenvalues.max().max(f64::MIN_POSITIVE);
        let inv_sqrt = eig
            .eigenvalues
            .map(|l| if l > 1e-12 * max { 1.0 / l.sqrt() } else { 0.0 });
        let transform =
            &eig.eigenvectors * DMatrix::from_diagonal(&inv_sqrt) * eig.eigenvectors.transpose();
        q = q.matmul(to_device(&transform, &device));
    }
    q
}

/// Eigenvectors of a symmetric host matrix as columns, sorted by decreasing eigenvalue, with
/// the eigenvalues.
pub(crate) fn sorted_eigen(h: DMatrix<f64>) -> (DMatrix<f64>, Vec<f64>) {
    let b = h.nrows();
    let h = (&h + h.transpose()) * 0.5;
    let eig = SymmetricEigen::new(h);
    let mut order: Vec<usize> = (0..b).collect();
    order.sort_by(|&i, &j| eig.eigenvalues[j].total_cmp(&eig.eigenvalues[i]));
    let vectors = DMatrix::from_fn(b, b, |r, c| eig.eigenvectors[(r, order[c])]);
    (vectors, order.iter().map(|&i| eig.eigenvalues[i]).collect())
}

/// The `k` leading left singular vectors `[N, k]` of a tall matrix `a` `[N, m]` with small `m`,
/// exactly: from the eigendecomposition `AᵀA = VΣ²Vᵀ`, `U = A V Σ^{-1}`.
///
/// Errors: `k = 0` or `k > m`.
pub(crate) fn thin_left_singular_vectors(a: Tensor<2>, k: usize) -> Result<Tensor<2>> {
    let [_, m] = a.dims();
    if k == 0 || k > m {
        return Err(GslError::invalid(
            "k",
            format!("need 1 <= k <= {m}, got {k}"),
        ));
    }
    let (v, sigma2) = sorted_eigen(to_host(a.clone().transpose().matmul(a.clone())));
    let scaled = DMatrix::from_fn(m, k, |r, c| {
        let s = sigma2[c].max(0.0).sqrt();
        if s > 0.0 { v[(r, c)] / s } else { 0.0 }
    });
    Ok(a.clone().matmul(to_device(&scaled, &a.device())))
}

/// A linear map `R^F → R^N` known only through its products with blocks of vectors, so that
/// randomized SVD can run on a matrix that is never formed (S2CAG's fused variant).
pub(crate) trait LinearMap {
    /// `[N, F]`.
    fn shape(&self) -> [usize; 2];
    /// The device of the products.
    fn device(&self) -> Device;
    /// `A · v` for `v` `[F, b]`, `[N, b]`.
    fn apply(&self, v: Tensor<2>) -> Result<Tensor<2>>;
    /// `Aᵀ · w` for `w` `[N, b]`, `[F, b]`.
    fn apply_t(&self, w: Tensor<2>) -> Result<Tensor<2>>;
}

impl LinearMap for Tensor<2> {
    fn shape(&self) -> [usize; 2] {
        self.dims()
    }

    fn device(&self) -> Device {
        Tensor::device(self)
    }

    fn apply(&self, v: Tensor<2>) -> Result<Tensor<2>> {
        Ok(self.clone().matmul(v))
    }

    fn apply_t(&self, w: Tensor<2>) -> Result<Tensor<2>> {
        Ok(self.clone().transpose().matmul(w))
    }
}

/// A `[rows, cols]` block of independent standard normal draws, generated on the host from
/// `seed` so that the same seed gives the same block on every backend.
pub(crate) fn gaussian_block(rows: usize, cols: usize, seed: u64, device: &Device) -> Tensor<2> {
    let mut rng = seeded_rng(seed);
    let g: Vec<f32> = (0..rows * cols)
        .map(|_| StandardNormal.sample(&mut rng))
        .collect();
    Tensor::<2>::from_data(TensorData::new(g, [rows, cols]), device)
}

/// The `count` leading left singular vectors `[N, count]` of the operator `a` by randomized
/// subspace iteration (Halko, Martinsson & Tropp 2011, Alg. 4.4) with a Gaussian start block
/// of `block` columns and `iterations` power steps `AᵀA`, every product re-orthonormalised
/// (the same range as the unnormalised powers of S2CAG's code, without their loss of precision
/// in f32), then the exact SVD of the small projection `B = QᵀA` (`b × b` on the host).
///
/// Errors: `count = 0`, `count > block` or `block > min(N, F)`, and those of the operator.
pub(crate) fn randomized_svd_op(
    a: &dyn LinearMap,
    count: usize,
    block: usize,
    iterations: usize,
    seed: u64,
) -> Result<Tensor<2>> {
    let [n, f] = a.shape();
    if count == 0 || count > block || block > n.min(f) {
        return Err(GslError::invalid(
            "k",
            format!(
                "need 1 <= vectors ({count}) <= block ({block}) <= min(N, F) = {}",
                n.min(f)
            ),
        ));
    }
    let device = a.device();
    let mut q = orthonormalize(a.apply(gaussian_block(f, block, seed, &device))?);
    for _ in 0..iterations {
        let p = orthonormalize(a.apply_t(q)?);
        q = orthonormalize(a.apply(p)?);
    }
    // A ≈ Q B with B = QᵀA; the left singular vectors of B come from B Bᵀ (b × b).
    let bt = a.apply_t(q.clone())?; // [F, b] = Bᵀ
    let (w, _) = sorted_eigen(to_host(bt.clone().transpose().matmul(bt)));
    let w = DMatrix::from_fn(block, count, |r, c| w[(r, c)]);
    Ok(q.matmul(to_device(&w, &device)))
}

/// The `k` leading left singular vectors `[N, k]` of `a` `[N, F]` by [`randomized_svd_op`]
/// with `k + oversample` columns (capped at `min(N, F)`). Seeded on the host.
///
/// Errors: `k = 0` or `k > min(N, F)`.
pub(crate) fn randomized_left_singular_vectors(
    a: Tensor<2>,
    k: usize,
    oversample: usize,
    iterations: usize,
    seed: u64,
) -> Result<Tensor<2>> {
    let [n, f] = a.dims();
    if k == 0 || k > n.min(f) {
        return Err(GslError::invalid(
            "k",
            format!("need 1 <= k <= min(N, F) = {}, got {k}", n.min(f)),
        ));
    }
    randomized_svd_op(&a, k, (k + oversample).min(n.min(f)), iterations, seed)
}

/// Columns multiplied by ±1 so that the entry of largest magnitude of each is positive:
/// scikit-learn's `svd_flip` convention (u-based), which S2CAG's code applies before rounding
/// (an argmax over columns depends on their signs).
pub(crate) fn flip_signs(u: Tensor<2>) -> Tensor<2> {
    let idx = u.clone().abs().argmax(0); // [1, b]
    let signs = u.clone().gather(0, idx).sign();
    // A zero column keeps its (zero) entries; its sign is taken as +1.
    let signs = signs.clone().add(signs.equal_elem(0.0).float());
    u.mul(signs)
}

/// The `Q` factor of a thin QR decomposition `Y = QR` of `y` `[N, b]` with `R` upper triangular
/// with a positive diagonal, by CholeskyQR2 (Fukaya et al. 2014): `R₁ = chol(YᵀY)`,
/// `Q₁ = Y R₁⁻¹`, repeated once on `Q₁` to restore orthogonality. The `N`-sized work is two
/// Gram matmuls and two triangular products on the device; the `b × b` Cholesky runs on the
/// host in f64. A rank-deficient block gets a small diagonal shift (shifted CholeskyQR) so the
/// factorisation exists.
///
/// Unlike [`orthonormalize`] it keeps the column order of a QR (column `j` of `Q` spans the
/// first `j` columns of `Y`), which orthogonal (subspace) iteration needs for its columns to
/// converge to individual eigenvectors.
pub(crate) fn cholesky_qr2(y: Tensor<2>) -> Tensor<2> {
    let device = y.device();
    let mut q = y;
    for _ in 0..2 {
        let gram = to_host(q.clone().transpose().matmul(q.clone()));
        let b = gram.nrows();
        let scale = gram.diagonal().max().max(f64::MIN_POSITIVE);
        let mut shift = 0.0;
        let mut r_inv = None;
        for _ in 0..8 {
            let shifted = &gram + DMatrix::<f64>::identity(b, b) * shift;
            if let Some(ch) = shifted.cholesky() {
                r_inv = ch.l().transpose().try_inverse();
                break;
            }
            shift = if shift == 0.0 {
                1e-10 * scale
            } else {
                shift * 100.0
            };
        }
        match r_inv {
            Some(r_inv) => q = q.matmul(to_device(&r_inv, &device)),
            // Only a non-finite Gram matrix gets here; keep the range at least.
            None => return orthonormalize(q),
        }
    }
    q
}

#[cfg(test)]
mod tests {
    use super::*;

    fn projector(u: Tensor<2>) -> Vec<f32> {
        to_vec_f32(u.clone().matmul(u.transpose()))
    }

    #[test]
    fn randomized_and_exact_singular_subspaces_agree() {
        let device = gsl_core::device::device_from_name("flex").unwrap();
        let mut rng = seeded_rng(5);
        // A tall matrix with a clear gap after the third singular value.
        let scales = [10.0f32, 6.0, 3.0, 0.1, 0.05, 0.01];
        let a: Vec<f32> = (0..40 * 6)
            .map(|i| {
                let v: f32 = StandardNormal.sample(&mut rng);
                scales[i % 6] * v
            })
            .collect();
        let a = Tensor::<2>::from_data(TensorData::new(a, [40, 6]), &device);
        let exact = thin_left_singular_vectors(a.clone(), 3).unwrap();
        let fast = randomized_left_singular_vectors(a.clone(), 3, 2, 3, 1).unwrap();
        for (x, y) in projector(exact.clone()).iter().zip(projector(fast)) {
            assert!((x - y).abs() < 1e-3, "{x} vs {y}");
        }
        // Orthonormal columns.
        let gram = to_vec_f32(exact.clone().transpose().matmul(exact));
        for i in 0..3 {
            for j in 0..3 {
                let e = if i == j { 1.0 } else { 0.0 };
                assert!((gram[i * 3 + j] - e).abs() < 1e-4);
            }
        }
        assert!(randomized_left_singular_vectors(a.clone(), 7, 2, 1, 0).is_err());
        assert!(thin_left_singular_vectors(a, 0).is_err());
    }
}
