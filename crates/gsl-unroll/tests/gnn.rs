//! Properties of the GCN and GIN graph-learning baselines.

use std::collections::HashSet;

use burn::module::{Module, ModuleVisitor, Param, ParamId};
use burn::optim::GradientsParams;
use burn::tensor::{Device, Tensor, TensorData};
use gsl_core::tensor::to_vec_f32;
use gsl_data::supervised::{GraphSource, Recipe, SplitSizes, SupervisedDataset};
use gsl_unroll::gnn::{
    GcnBaseline, GcnSpec, GinBaseline, GinSpec, degree_features, gnn_train_config,
    symmetric_normalize,
};
use gsl_unroll::layer::UnrollingLayer;
use gsl_unroll::loss::{LayerWeighting, LossKind, unrolled_loss};
use gsl_unroll::train::{load_model, save_model, train};
use gsl_unroll::unrolled::{UnrollConfig, Unrolled};

fn flex() -> Device {
    gsl_core::device::device_from_name("flex").unwrap()
}

/// Diffused-signal covariances on small ER graphs (GDN's recipe, shrunk).
fn data(n: usize, sizes: SplitSizes, device: &Device) -> SupervisedDataset {
    let mut recipe = Recipe::gdn_diffusion(sizes, 50, 7).unwrap();
    recipe.graphs = GraphSource::ErdosRenyiRange {
        num_nodes: n,
        p_min: 0.25,
        p_max: 0.35,
    };
    recipe.build(device).unwrap()
}

fn small_gin() -> GinSpec {
    GinSpec {
        layers: 2,
        hidden: 16,
        output: 16,
        ..GinSpec::default()
    }
}

fn small_gcn() -> GcnSpec {
    GcnSpec {
        hidden: 16,
        output: 16,
        ..GcnSpec::default()
    }
}

fn max_abs(a: Tensor<3>) -> f32 {
    a.abs().max().into_scalar()
}

/// `P A Pᵀ` for every matrix of `a`, with `perm[new] = old`.
fn permute(a: Tensor<3>, perm: &[usize]) -> Tensor<3> {
    let [b, n, _] = a.dims();
    let mut m = vec![0.0f32; n * n];
    for (new, &old) in perm.iter().enumerate() {
        m[new * n + old] = 1.0;
    }
    let p = Tensor::<2>::from_data(TensorData::new(m, [n, n]), &a.device())
        .unsqueeze::<3>()
        .expand([b, n, n]);
    p.clone().matmul(a).matmul(p.swap_dims(1, 2))
}

fn check_structure<L: UnrollingLayer>(model: &Unrolled<L>, obs: Tensor<3>) {
    let out = model.forward(obs.clone()).unwrap();
    let [b, n, _] = out.dims();
    assert_eq!([b, n], [obs.dims()[0], obs.dims()[1]]);
    // Symmetric, zero diagonal, probabilities.
    assert!(max_abs(out.clone().sub(out.clone().swap_dims(1, 2))) < 1e-6);
    let diag = out
        .clone()
        .mul(Tensor::<2>::eye(n, &out.device()).unsqueeze::<3>());
    assert_eq!(max_abs(diag), 0.0);
    let v = to_vec_f32(out.clone());
    assert!(v.iter().all(|x| (0.0..=1.0).contains(x)));
    // Off-diagonal entries are not constant: the output depends on the graph.
    let half = to_vec_f32(gsl_core::dense::halfvec(out.clone()).unwrap());
    let (lo, hi) = half
        .iter()
        .fold((f32::MAX, f32::MIN), |(l, h), &x| (l.min(x), h.max(x)));
    assert!(hi - lo > 1e-4, "constant output {lo}..{hi}");
    // Permutation equivariance: f(P A Pᵀ) = P f(A) Pᵀ.
    let perm: Vec<usize> = (0..n).rev().collect::<Vec<_>>();
    let perm: Vec<usize> = perm.iter().map(|&i| (i + 3) % n).collect();
    let out_perm = model.forward(permute(obs, &perm)).unwrap();
    let diff = max_abs(out_perm.sub(permute(out, &perm)));
    assert!(diff < 1e-5, "not permutation-equivariant: {diff}");
}

#[test]
fn gcn_output_is_symmetric_hollow_and_equivariant() {
    let d = flex();
    let data = data(10, SplitSizes::new(3, 1, 1), &d);
    let obs = data.batch(&[0, 1, 2], &d).unwrap().observation;
    let model = Unrolled::<GcnBaseline>::new(small_gcn(), UnrollConfig::new(1), &d).unwrap();
    check_structure(&model, obs);
}

#[test]
fn gin_output_is_symmetric_hollow_and_equivariant() {
    let d = flex();
    let data = data(10, SplitSizes::new(3, 1, 1), &d);
    let obs = data.batch(&[0, 1, 2], &d).unwrap().observation;
    // On a plain device batch norm uses its running statistics (evaluation mode).
    let model = Unrolled::<GinBaseline>::new(small_gin(), UnrollConfig::new(1), &d).unwrap();
    check_structure(&model, obs);
}

#[test]
fn gcn_matches_its_closed_form() {
    // One graph, hand-written forward pass: Â = D̂^{-1/2}(A + I)D̂^{-1/2}, x = deg/‖deg‖,
    // Z = Â leaky(Â x W₁) W₂, ŷ = σ(ZZᵀ) off the diagonal.
    let d = flex();
    let a = [[0.0f32, 2.0, 0.0], [2.0, 0.0, 1.0], [0.0, 1.0, 0.0]];
    let obs = Tensor::<3>::from_data(
        TensorData::new(a.iter().flatten().copied().collect::<Vec<_>>(), [1, 3, 3]),
        &d,
    );
    let spec = GcnSpec {
        hidden: 2,
        output: 2,
        negative_slope: 0.2,
    };
    let model = Unrolled::<GcnBaseline>::new(spec, UnrollConfig::new(1), &d).unwrap();
    let w1 = to_vec_f32(model.layers[0].layer_1.weight.val());
    let w2 = to_vec_f32(model.layers[0].layer_2.weight.val());
    let deg = [2.0f64, 3.0, 1.0];
    let norm = (deg.iter().map(|x| x * x).sum::<f64>()).sqrt();
    let x: Vec<f64> = deg.iter().map(|v| v / norm).collect();
    let dh: Vec<f64> = deg.iter().map(|v| v + 1.0).collect();
    let ahat = |i: usize, j: usize| {
        let aij = f64::from(a[i][j]) + if i == j { 1.0 } else { 0.0 };
        aij / (dh[i] * dh[j]).sqrt()
    };
    let mut h = [[0.0f64; 2]; 3];
    for (i, row) in h.iter_mut().enumerate() {
        for (c, cell) in row.iter_mut().enumerate() {
            let s: f64 = (0..3).map(|j| ahat(i, j) * x[j] * f64::from(w1[c])).sum();
            *cell = if s > 0.0 { s } else { 0.2 * s };
        }
    }
    let mut z = [[0.0f64; 2]; 3];
    for (i, row) in z.iter_mut().enumerate() {
        for (c, cell) in row.iter_mut().enumerate() {
            *cell = (0..3)
                .map(|j| {
                    ahat(i, j)
                        * (0..2)
                            .map(|k| h[j][k] * f64::from(w2[k * 2 + c]))
                            .sum::<f64>()
                })
                .sum();
        }
    }
    let out = to_vec_f32(model.forward(obs).unwrap());
    for i in 0..3 {
        for j in 0..3 {
            let expected = if i == j {
                0.0
            } else {
                let dot: f64 = (0..2).map(|c| z[i][c] * z[j][c]).sum();
                1.0 / (1.0 + (-dot).exp())
            };
            assert!(
                (f64::from(out[i * 3 + j]) - expected).abs() < 1e-5,
                "({i},{j}): {} vs {expected}",
                out[i * 3 + j]
            );
        }
    }
}

#[test]
fn normalisation_and_features_follow_their_formulas() {
    let d = flex();
    // A signed matrix: the degree of node 2 is negative and gets d^{-1/2} = 0.
    let a = Tensor::<3>::from_data(
        TensorData::new(
            vec![1.0f32, 3.0, 0.0, 3.0, 1.0, -1.0, 0.0, -1.0, -1.0],
            [1, 3, 3],
        ),
        &d,
    );
    let norm = to_vec_f32(symmetric_normalize(a.clone()));
    let deg = [4.0f32, 3.0];
    assert!((norm[1] - 3.0 / (deg[0] * deg[1]).sqrt()).abs() < 1e-6);
    assert!((norm[0] - 1.0 / deg[0]).abs() < 1e-6);
    assert_eq!(norm[5], 0.0);
    assert_eq!(norm[8], 0.0);
    let f = to_vec_f32(degree_features(a));
    let r = (16.0f32 + 9.0 + 4.0).sqrt();
    for (got, want) in f.iter().zip([4.0 / r, 3.0 / r, -2.0 / r]) {
        assert!((got - want).abs() < 1e-6);
    }
}

/// Per parameter: its rank and its gradient (`None` when missing).
struct Grads<'a> {
    grads: &'a GradientsParams,
    seen: HashSet<ParamId>,
    found: Vec<(usize, Option<Vec<f32>>)>,
}

impl ModuleVisitor for Grads<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        // Batch norms' running statistics are visited as float tensors but are not learnable.
        if param.val().is_require_grad() && self.seen.insert(param.id) {
            let g = self.grads.get::<D>(param.id).map(to_vec_f32);
            self.found.push((D, g));
        }
    }
}

fn gradients_reach_every_parameter<L: UnrollingLayer>(spec: L::Spec, learnable: usize) {
    let d = flex().autodiff();
    let data = data(10, SplitSizes::new(4, 1, 1), &d);
    let batch = data.batch(&[0, 1, 2, 3], &d).unwrap();
    let model = Unrolled::<L>::new(spec, UnrollConfig::new(1), &d).unwrap();
    let out = model.forward(batch.observation.clone()).unwrap();
    let pred = gsl_core::dense::halfvec(out).unwrap();
    let loss = unrolled_loss(
        LossKind::Bce,
        LayerWeighting::LastOnly,
        &[pred],
        batch.target_halfvec().unwrap(),
    )
    .unwrap();
    let grads = GradientsParams::from_grads(loss.total.backward(), &model);
    let mut check = Grads {
        grads: &grads,
        seen: HashSet::new(),
        found: Vec::new(),
    };
    model.visit(&mut check);
    assert_eq!(
        check.found.len(),
        learnable,
        "{}: learnable parameters",
        L::NAME
    );
    for (i, (rank, g)) in check.found.iter().enumerate() {
        let g = g
            .as_ref()
            .unwrap_or_else(|| panic!("{}: parameter {i} has no gradient", L::NAME));
        assert!(g.iter().all(|x| x.is_finite()), "{}: non-finite", L::NAME);
        // Every weight matrix moves. (A linear bias followed by batch normalisation has an
        // exactly zero gradient in exact arithmetic, so vectors are only checked for presence.)
        if *rank == 2 {
            assert!(
                g.iter().any(|&x| x != 0.0),
                "{}: zero weight gradient",
                L::NAME
            );
        }
    }
}

#[test]
fn gcn_gradients_reach_every_parameter() {
    // W₁ and W₂.
    gradients_reach_every_parameter::<GcnBaseline>(small_gcn(), 2);
}

#[test]
fn gin_gradients_reach_every_parameter() {
    // Per block: 2 linear layers (weight + bias) and 2 batch norms (γ, β).
    gradients_reach_every_parameter::<GinBaseline>(small_gin(), 2 * (4 + 4));
}

#[test]
fn l2_penalty_ignores_batch_norm_running_statistics() {
    // A training-mode forward pass moves the running statistics of GIN's batch norms but no
    // parameter, so the penalty must not change; and it equals the sum of squares of the
    // tensors that require a gradient, computed independently here.
    struct Learnable(f64);
    impl ModuleVisitor for Learnable {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            if param.val().is_require_grad() {
                self.0 += to_vec_f32(param.val())
                    .iter()
                    .map(|&x| (x as f64) * (x as f64))
                    .sum::<f64>();
            }
        }
    }
    let d = flex().autodiff();
    let data = data(10, SplitSizes::new(4, 1, 1), &d);
    let batch = data.batch(&[0, 1, 2, 3], &d).unwrap();
    let model = Unrolled::<GinBaseline>::new(small_gin(), UnrollConfig::new(1), &d).unwrap();
    let before = to_vec_f32(model.squared_norm(&d))[0] as f64;
    let mut expected = Learnable(0.0);
    model.visit(&mut expected);
    assert!(
        (before - expected.0).abs() <= 1e-4 * expected.0,
        "{before} vs {}",
        expected.0
    );
    model.forward(batch.observation.mul_scalar(50.0)).unwrap();
    let after = to_vec_f32(model.squared_norm(&d))[0] as f64;
    assert!(
        (after - before).abs() <= 1e-6 * before,
        "{before} -> {after}"
    );
}

fn training_lowers_the_loss<L: UnrollingLayer>(spec: L::Spec) {
    let d = flex().autodiff();
    let data = data(10, SplitSizes::new(8, 4, 4), &d);
    let model = Unrolled::<L>::new(spec, UnrollConfig::new(1), &d).unwrap();
    let mut config = gnn_train_config(12);
    config.batch_size = 8;
    let (_, report) = train(model, &data, &config, &d, |_| {}).unwrap();
    let first = report.epochs[0].train_loss.total;
    let last = report.epochs.last().unwrap().train_loss.total;
    assert!(last < 0.95 * first, "loss {first} -> {last}");
    let test = report.test.unwrap();
    assert!(test.f1.mean.is_finite());
}

#[test]
fn gcn_training_lowers_the_loss() {
    training_lowers_the_loss::<GcnBaseline>(small_gcn());
}

#[test]
fn gin_training_lowers_the_loss() {
    training_lowers_the_loss::<GinBaseline>(small_gin());
}

fn checkpoint_round_trip<L: UnrollingLayer>(spec: L::Spec) {
    let d = flex().autodiff();
    let data = data(10, SplitSizes::new(4, 2, 2), &d);
    let model = Unrolled::<L>::new(spec, UnrollConfig::new(1), &d).unwrap();
    let mut config = gnn_train_config(2);
    config.batch_size = 4;
    // Two epochs move the weights and (for GIN) the batch-norm running statistics.
    let (model, report) = train(model, &data, &config, &d, |_| {}).unwrap();
    let eval = model.valid();
    let plain = flex();
    let obs = data.batch(&[4, 5], &plain).unwrap().observation;
    let before = to_vec_f32(eval.forward(obs.clone()).unwrap());
    let dir = tempfile::tempdir().unwrap();
    save_model(&eval, report.threshold.threshold, dir.path(), false).unwrap();
    assert!(save_model(&eval, 0.5, dir.path(), false).is_err());
    let (loaded, threshold) = load_model::<L>(dir.path(), &plain).unwrap();
    assert_eq!(threshold, report.threshold.threshold);
    assert_eq!(to_vec_f32(loaded.forward(obs).unwrap()), before);
    // A checkpoint of the other baseline is refused.
    assert!(load_model::<GdnLike>(dir.path(), &plain).is_err());
}

type GdnLike = gsl_unroll::gdn::GdnLayer;

#[test]
fn gcn_checkpoint_round_trip_is_exact() {
    checkpoint_round_trip::<GcnBaseline>(small_gcn());
}

#[test]
fn gin_checkpoint_round_trip_is_exact() {
    checkpoint_round_trip::<GinBaseline>(small_gin());
}

#[test]
fn bad_inputs_are_errors() {
    let d = flex();
    // Depth other than 1.
    assert!(Unrolled::<GcnBaseline>::new(small_gcn(), UnrollConfig::new(2), &d).is_err());
    assert!(Unrolled::<GinBaseline>::new(small_gin(), UnrollConfig::new(3), &d).is_err());
    // Invalid settings.
    let bad = GcnSpec {
        hidden: 0,
        ..small_gcn()
    };
    assert!(Unrolled::<GcnBaseline>::new(bad, UnrollConfig::new(1), &d).is_err());
    let bad = GcnSpec {
        negative_slope: f64::NAN,
        ..small_gcn()
    };
    assert!(Unrolled::<GcnBaseline>::new(bad, UnrollConfig::new(1), &d).is_err());
    let bad = GinSpec {
        mlp_layers: 1,
        ..small_gin()
    };
    assert!(Unrolled::<GinBaseline>::new(bad, UnrollConfig::new(1), &d).is_err());
    let bad = GinSpec {
        layers: 0,
        ..small_gin()
    };
    assert!(Unrolled::<GinBaseline>::new(bad, UnrollConfig::new(1), &d).is_err());
    // Bad observations: not square, too small, NaN.
    let gcn = Unrolled::<GcnBaseline>::new(small_gcn(), UnrollConfig::new(1), &d).unwrap();
    let gin = Unrolled::<GinBaseline>::new(small_gin(), UnrollConfig::new(1), &d).unwrap();
    let not_square = Tensor::<3>::zeros([1, 4, 3], &d);
    let single = Tensor::<3>::zeros([1, 1, 1], &d);
    let nan = Tensor::<3>::zeros([1, 4, 4], &d).add_scalar(f32::NAN);
    for obs in [not_square, single, nan] {
        assert!(gcn.forward(obs.clone()).is_err());
        assert!(gin.forward(obs).is_err());
    }
}
