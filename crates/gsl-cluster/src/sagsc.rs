//! SAGSC, scalable attributed-graph subspace clustering (Fettal, Labiod & Nadif, AAAI 2023),
//! with the normalisation of the official code (`chakib401/SAGSC`, `utils.py::run_model`):
//!
//! 1. `H = S^p X` with `S = D′^{-1}(D̂^{-1/2}(A + I)D̂^{-1/2} + I)` (a second self-loop, then
//!    row normalisation) on TF-IDF features (use [`FeatureNorm::TfIdf`](crate::pipeline::FeatureNorm));
//! 2. columns of `H` centred;
//! 3. `U` = the `k` leading left singular vectors of `H` (randomized SVD);
//! 4. `Q = Φ(U)`, the explicit feature map of the kernel `M = (UUᵀ + c)²`, `c = 2^{-1/2}`:
//!    `[u_a² (a ≤ k), √2·u_a u_b (a < b), √(2c)·u_a, c]`, `(k + 1)(k + 2)/2` columns;
//! 5. `D = Q(Qᵀ1)` — the row sums of `M`, never forming `M` — and `Q̃ = D^{-1/2} Q`;
//! 6. the embedding is the left singular vectors `2..k+1` of `Q̃`.
//!
//! PyAGC instead normalises by `‖Q_i‖²` (the diagonal of `M`), skips the centring and uses
//! GCN-normalised propagation (`refs/agc.md` §1.8).

use burn::config::Config;
use burn::tensor::{Int, Tensor, TensorData};
use gsl_core::ops::{add_self_loops, degree, gcn_norm};
use gsl_core::{AttributedGraph, Graph, GslError, Result};

use crate::framework::Embed;
use crate::linalg::{randomized_left_singular_vectors, thin_left_singular_vectors};

/// Hyperparameters of [`Sagsc`]; defaults are PyAGC's (`p = 2`, Cora 5) and the paper's
/// `c = 2^{-1/2}`.
#[derive(Config, Debug, PartialEq)]
pub struct SagscConfig {
    /// Number of clusters k (the subspace dimension).
    pub k: usize,
    /// Propagation order p.
    #[config(default = 2)]
    pub p: usize,
    /// Kernel bias c of `(UUᵀ + c)²`.
    #[config(default = "std::f64::consts::FRAC_1_SQRT_2")]
    pub c: f64,
    /// Power iterations of the randomized SVD (scikit-learn's default 5).
    #[config(default = 5)]
    pub svd_iterations: usize,
    /// Seed of the randomized SVD.
    #[config(default = 0)]
    pub seed: u64,
}

/// The SAGSC embedding.
#[derive(Debug, Clone, PartialEq)]
pub struct Sagsc {
    /// Its hyperparameters.
    pub config: SagscConfig,
}

impl Sagsc {
    /// A SAGSC model with `config`.
    ///
    /// Errors: `k = 0`, `c` not positive and finite.
    pub fn new(config: SagscConfig) -> Result<Self> {
        if config.k == 0 {
            return Err(GslError::invalid("k", "need at least one cluster"));
        }
        if !(config.c.is_finite() && config.c > 0.0) {
            return Err(GslError::invalid(
                "c",
                format!("must be positive, got {}", config.c),
            ));
        }
        Ok(Self { config })
    }
}

/// The propagation operator of SAGSC and S2CAG's official code,
/// `S = D′^{-1}(D̂^{-1/2}(A + I)D̂^{-1/2} + I)`: the GCN normalisation, a second self-loop, then
/// row normalisation (`row_normalize(aug_normalized_adjacency(A))` in both repositories), so
/// every row of `S` sums to one.
///
/// Errors: those of [`gcn_norm`] (e.g. negative edge weights).
pub fn smoothing_operator(graph: &Graph) -> Result<Graph> {
    let with_second_loop = add_self_loops(&gcn_norm(graph)?, 1.0)?;
    let row_sums = degree(&with_second_loop);
    let w = with_second_loop
        .weights_or_ones()
        .div(row_sums.select(0, with_second_loop.src()));
    with_second_loop.with_weights(w)
}

/// The quadratic feature map `Φ(U)` of step 4, `[N, (k+1)(k+2)/2]`.
fn quadratic_map(u: Tensor<2>, c: f32) -> Tensor<2> {
    let [n, k] = u.dims();
    let device = u.device();
    let (mut left, mut right) = (Vec::new(), Vec::new());
    for a in 0..k {
        for b in a + 1..k {
            left.push(a as i64);
            right.push(b as i64);
        }
    }
    let mut parts = vec![u.clone().square()];
    if !left.is_empty() {
        let m = left.len();
        let l = Tensor::<1, Int>::from_data(TensorData::new(left, [m]), &device);
        let r = Tensor::<1, Int>::from_data(TensorData::new(right, [m]), &device);
        parts.push(
            u.clone()
                .select(1, l)
                .mul(u.clone().select(1, r))
                .mul_scalar(std::f32::consts::SQRT_2),
        );
    }
    parts.push(u.mul_scalar((2.0 * c).sqrt()));
    parts.push(Tensor::full([n, 1], c, &device));
    Tensor::cat(parts, 1)
}

impl Embed for Sagsc {
    fn embed(&self, data: &AttributedGraph) -> Result<Tensor<2>> {
        let k = self.config.k;
        let [n, f] = data.features.dims();
        if k + 1 > n.min(f + 1) || k >= n {
            return Err(GslError::invalid(
                "k",
                format!("k = {k} is too large for {n} nodes and {f} features"),
            ));
        }
        // Step 1.
        let s = smoothing_operator(&data.graph)?;
        let h = gsl_core::ops::propagate(&s, data.features.clone(), self.config.p)?;
        // Step 2: centre the columns.
        let h = h.clone().sub(h.mean_dim(0));
        // Step 3.
        let u = randomized_left_singular_vectors(
            h,
            k.min(f),
            10,
            self.config.svd_iterations,
            self.config.seed,
        )?;
        // Steps 4–5.
        let q = quadratic_map(u, self.config.c as f32);
        let m = q.dims()[1];
        let d = q.clone().matmul(q.clone().sum_dim(0).reshape([m, 1])); // [N, 1]
        let q = q.div(d.clamp_min(f32::MIN_POSITIVE).sqrt());
        // Step 6: singular vectors 2..k+1.
        let z = thin_left_singular_vectors(q, k + 1)?;
        Ok(z.narrow(1, 1, k))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gsl_core::tensor::to_vec_f32;

    #[test]
    fn quadratic_map_is_the_feature_map_of_the_kernel() {
        let device = gsl_core::device::device_from_name("flex").unwrap();
        let u: Vec<f32> = (0..15)
            .map(|i| ((i * 37 % 11) as f32 - 5.0) / 7.0)
            .collect();
        let u = Tensor::<2>::from_data(TensorData::new(u, [5, 3]), &device);
        let c = 0.7f32;
        let q = quadratic_map(u.clone(), c);
        assert_eq!(q.dims(), [5, 10]);
        let want = u.clone().matmul(u.transpose()).add_scalar(c).square();
        let got = q.clone().matmul(q.transpose());
        for (a, b) in to_vec_f32(got).iter().zip(to_vec_f32(want)) {
            assert!((a - b).abs() < 1e-5, "{a} vs {b}");
        }
    }
}
