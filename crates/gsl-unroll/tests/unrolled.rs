//! Properties of the unrolling framework and of its three methods, on small problems.

mod common;

use burn::module::{Module, Param};
use burn::tensor::activation::sigmoid;
use burn::tensor::{Device, Tensor};
use gsl_core::metrics::{ThresholdMetric, best_threshold};
use gsl_core::tensor::to_vec_f32;
use gsl_data::supervised::{GraphSource, Recipe, Split, SplitSizes, SupervisedDataset};
use gsl_mb::gdn::{gdn_step, polynomial_basis};
use gsl_mb::glad::glad_theta_update;
use gsl_mb::smooth::{PairSupport, SmoothModel, SmoothState, fbf_step};
use gsl_unroll::gdn::{GdnLayer, GdnSpec};
use gsl_unroll::glad::{GladLayer, GladSpec};
use gsl_unroll::l2g::{L2gLayer, L2gSpec};
use gsl_unroll::layer::{Position, UnrollingLayer};
use gsl_unroll::loss::{LayerWeighting, LossKind, unrolled_loss};
use gsl_unroll::train::{TrainConfig, choose_threshold, load_model, save_model, train};
use gsl_unroll::unrolled::{UnrollConfig, Unrolled};

fn flex() -> Device {
    gsl_core::device::device_from_name("flex").unwrap()
}

fn autodiff() -> Device {
    flex().autodiff()
}

fn l2g_data(device: &Device) -> SupervisedDataset {
    Recipe::l2g_ba20(SplitSizes::new(8, 4, 4), 200, 3)
        .build(device)
        .unwrap()
}

/// Diffused-signal covariances on 12-node ER graphs (GDN's setting, small).
fn gdn_data(n: usize, sizes: SplitSizes, device: &Device) -> SupervisedDataset {
    let mut recipe = Recipe::gdn_diffusion(sizes, 50, 5).unwrap();
    recipe.graphs = GraphSource::ErdosRenyiRange {
        num_nodes: n,
        p_min: 0.25,
        p_max: 0.35,
    };
    recipe.build(device).unwrap()
}

fn glad_data(device: &Device) -> SupervisedDataset {
    Recipe::glad_gaussian(SplitSizes::new(4, 2, 2), 8, 200, 1)
        .build(device)
        .unwrap()
}

fn max_abs_diff(a: Tensor<3>, b: Tensor<3>) -> f32 {
    a.sub(b).abs().max().into_scalar()
}

#[test]
fn l2g_layer_is_the_gsl_mb_step() {
    let d = flex();
    let data = l2g_data(&d);
    let batch = data.batch(&[0, 1], &d).unwrap();
    let model = Unrolled::<L2gLayer>::new(L2gSpec::default(), UnrollConfig::new(2), &d).unwrap();
    let outputs = model.forward_layers(batch.observation.clone()).unwrap();
    let z = batch.observation_halfvec().unwrap();
    let support = PairSupport::complete(20, &d).unwrap();
    let mut state = SmoothState {
        w: Tensor::zeros(z.dims(), &d),
        v: Tensor::zeros([2, 20], &d),
    };
    for (l, out) in outputs.into_iter().enumerate() {
        let layer = &model.layers[l];
        let s = |p: &Param<Tensor<1>>| p.val().reshape([1, 1]);
        let model_kind = SmoothModel::Log {
            alpha: 1.0,
            beta: 1.0,
        };
        state = fbf_step(
            &model_kind,
            &state,
            z.clone(),
            &support,
            s(&layer.alpha),
            s(&layer.beta),
            s(&layer.gamma),
        )
        .unwrap();
        let expected = gsl_core::dense::from_halfvec(state.w.clone()).unwrap();
        assert_eq!(max_abs_diff(out, expected), 0.0, "layer {l}");
    }
}

#[test]
fn gdn_layer_is_the_gsl_mb_step_with_channels() {
    let d = flex();
    let data = gdn_data(10, SplitSizes::new(2, 1, 1), &d);
    let batch = data.batch(&[0, 1], &d).unwrap();
    let spec = GdnSpec {
        channels: 3,
        order: 2,
        ..GdnSpec::default()
    };
    for shared in [false, true] {
        let mut config = UnrollConfig::new(2);
        config.shared = shared;
        let model = Unrolled::<GdnLayer>::new(spec.clone(), config, &d).unwrap();
        let outputs = model.forward_layers(batch.observation.clone()).unwrap();
        let a_obs = batch.observation.clone();
        let basis = polynomial_basis(a_obs.clone(), 2, spec.basis).unwrap();
        let c_in = if shared { 3 } else { 1 };
        let s0 = Tensor::<4>::zeros([c_in, 2, 10, 10], &d);
        // Layer 1 normalises (not the last), layer 2 does not.
        let s1 = gdn_step(
            s0,
            a_obs.clone(),
            basis.clone(),
            &model.layer(0).params(),
            true,
        )
        .unwrap();
        let s2 = gdn_step(s1.clone(), a_obs, basis, &model.layer(1).params(), false).unwrap();
        let mean = |s: Tensor<4>| s.mean_dim(0).reshape([2, 10, 10]);
        assert_eq!(max_abs_diff(outputs[0].clone(), mean(s1)), 0.0);
        assert_eq!(max_abs_diff(outputs[1].clone(), mean(s2)), 0.0);
        assert_eq!(model.layers.len(), if shared { 1 } else { 2 });
    }
}

#[test]
fn glad_layer_is_the_gsl_mb_step() {
    let d = flex();
    let data = glad_data(&d);
    let batch = data.batch(&[0, 1], &d).unwrap();
    let spec = GladSpec::default();
    let model = Unrolled::<GladLayer>::new(spec.clone(), UnrollConfig::new(1), &d).unwrap();
    let theta = model.forward(batch.observation.clone()).unwrap();
    let input = GladLayer::prepare(&spec, batch.observation.clone()).unwrap();
    let state = GladLayer::initial_state(&spec, &input, model.extra.as_ref()).unwrap();
    let dist = state
        .z
        .clone()
        .sub(state.theta.clone())
        .square()
        .sum_dims(&[1, 2])
        .reshape([2, 1]);
    let lambda_in = Tensor::cat(
        vec![dist, Tensor::full([2, 1], spec.lambda_init as f32, &d)],
        1,
    );
    let lambda = sigmoid(model.layers[0].lambda_net.forward(lambda_in).unwrap()).reshape([2, 1, 1]);
    let expected = glad_theta_update(
        batch.observation.clone(),
        state.z,
        lambda,
        spec.sqrt_iterations,
    )
    .unwrap();
    assert_eq!(max_abs_diff(theta, expected), 0.0);
}

/// A learned offset below zero (Adam drives it there at GLAD's learning rates) must not make
/// `S + cI` indefinite: the layer clamps it to `MIN_OFFSET`.
#[test]
fn glad_negative_offset_is_clamped_and_output_stays_finite() {
    let d = flex();
    // 40 samples of 30 variables: the sample covariance has eigenvalues near zero.
    let data = Recipe::glad_gaussian(SplitSizes::new(2, 1, 1), 30, 40, 4)
        .build(&d)
        .unwrap();
    let batch = data.batch(&[0, 1], &d).unwrap();
    let spec = GladSpec::default();
    let mut model = Unrolled::<GladLayer>::new(spec.clone(), UnrollConfig::new(2), &d).unwrap();
    model.extra = Some(Param::from_tensor(Tensor::from_floats([-0.5], &d)));
    let out = model.forward(batch.observation.clone()).unwrap();
    let values = to_vec_f32(out);
    assert!(values.iter().all(|v| v.is_finite()));
    // The initial state is exactly (S + MIN_OFFSET·I)⁻¹.
    let input = GladLayer::prepare(&spec, batch.observation.clone()).unwrap();
    let state = GladLayer::initial_state(&spec, &input, model.extra.as_ref()).unwrap();
    let floor = GladLayer::initial_state(
        &spec,
        &input,
        Some(&Param::from_tensor(Tensor::from_floats(
            [gsl_unroll::glad::MIN_OFFSET],
            &d,
        ))),
    )
    .unwrap();
    assert_eq!(max_abs_diff(state.theta, floor.theta), 0.0);
}

fn check_gradients<L: UnrollingLayer>(model: &Unrolled<L>, data: &SupervisedDataset, d: &Device) {
    let batch = data.batch(&[0, 1], d).unwrap();
    let outputs = model.forward_layers(batch.observation.clone()).unwrap();
    let preds: Vec<Tensor<2>> = outputs
        .into_iter()
        .map(|o| gsl_core::dense::halfvec(o).unwrap())
        .collect();
    let loss = unrolled_loss(
        LossKind::Se,
        LayerWeighting::Discounted { discount: 0.8 },
        &preds,
        batch.target_halfvec().unwrap(),
    )
    .unwrap();
    common::assert_gradients(model, loss.total, L::NAME);
}

#[test]
fn gradients_reach_every_parameter() {
    let d = autodiff();
    let l2g = Unrolled::<L2gLayer>::new(L2gSpec::default(), UnrollConfig::new(3), &d).unwrap();
    check_gradients(&l2g, &l2g_data(&d), &d);
    let spec = GdnSpec {
        channels: 2,
        ..GdnSpec::default()
    };
    let gdn = Unrolled::<GdnLayer>::new(spec, UnrollConfig::new(3), &d).unwrap();
    check_gradients(&gdn, &gdn_data(10, SplitSizes::new(2, 1, 1), &d), &d);
    let glad = Unrolled::<GladLayer>::new(GladSpec::default(), UnrollConfig::new(2), &d).unwrap();
    check_gradients(&glad, &glad_data(&d), &d);
}

#[test]
fn short_training_lowers_the_loss_and_thresholds_follow_the_protocol() {
    let d = autodiff();
    let data = l2g_data(&d);
    let model = Unrolled::<L2gLayer>::new(L2gSpec::default(), UnrollConfig::new(4), &d).unwrap();
    let mut config = TrainConfig::new(6);
    config.batch_size = 4;
    config.learning_rate = 0.05;
    config.loss = LossKind::Nse;
    let (model, report) = train(model, &data, &config, &d, |_| {}).unwrap();
    let first = report.epochs[0].train_loss.total;
    let last = report.epochs.last().unwrap().train_loss.total;
    assert!(last < 0.9 * first, "loss {first} → {last}");
    let val_first = report.epochs[0].val.loss;
    let val_last = report.epochs.last().unwrap().val.loss;
    assert!(val_last < val_first, "val loss {val_first} → {val_last}");

    // The final threshold is the validation optimum, computed here independently.
    let eval = model.valid();
    let plain = d.clone().inner();
    let val = data.batch(data.indices(Split::Val), &plain).unwrap();
    let pred = gsl_core::dense::halfvec(eval.forward(val.observation.clone()).unwrap()).unwrap();
    let optimum = best_threshold(
        pred,
        val.target_halfvec().unwrap(),
        ThresholdMetric::Accuracy,
    )
    .unwrap();
    assert_eq!(report.threshold, optimum);
    // The per-epoch threshold is chosen on the training split (this is the last epoch's model).
    let on_train = choose_threshold(
        &eval,
        &data,
        Split::Train,
        ThresholdMetric::Accuracy,
        &plain,
    )
    .unwrap();
    assert_eq!(report.epochs.last().unwrap().train_threshold, on_train);
    let test = report.test.unwrap();
    assert_eq!(test.threshold, optimum.threshold);
    assert_eq!(test.graphs, 4);
    assert_eq!(test.layer_nse.len(), 4);
}

#[test]
fn checkpoint_round_trip_reproduces_predictions() {
    let d = flex();
    let dir = tempfile::tempdir().unwrap();
    let spec = GdnSpec {
        channels: 2,
        ..GdnSpec::default()
    };
    let mut config = UnrollConfig::new(3);
    config.seed = 11;
    let model = Unrolled::<GdnLayer>::new(spec, config, &d).unwrap();
    let data = gdn_data(10, SplitSizes::new(2, 1, 1), &d);
    let obs = data.batch(&[0, 1], &d).unwrap().observation;
    save_model(&model, 0.25, dir.path(), false).unwrap();
    assert!(
        save_model(&model, 0.25, dir.path(), false).is_err(),
        "overwrote"
    );
    let (loaded, threshold) = load_model::<GdnLayer>(dir.path(), &d).unwrap();
    assert_eq!(threshold, 0.25);
    let before = to_vec_f32(model.forward(obs.clone()).unwrap());
    let after = to_vec_f32(loaded.forward(obs).unwrap());
    assert_eq!(before, after);
    assert!(load_model::<L2gLayer>(dir.path(), &d).is_err());
}

#[test]
fn gdn_runs_on_larger_graphs_clamps_tau_and_resamples() {
    let d = autodiff();
    let data = gdn_data(8, SplitSizes::new(4, 2, 1), &d);
    let model = Unrolled::<GdnLayer>::new(GdnSpec::default(), UnrollConfig::new(2), &d).unwrap();
    // Force the first layer's output to zero: τ far above any normalised value.
    let mut model = model;
    model.layers[0].tau = Param::from_tensor(Tensor::from_floats([50.0], &d));
    let alpha_before = to_vec_f32(model.layers[0].alpha.val());
    let mut config = TrainConfig::new(1);
    config.batch_size = 4;
    let (model, report) = train(model, &data, &config, &d, |_| {}).unwrap();
    assert_eq!(report.epochs[0].resampled, vec![0]);
    assert_ne!(to_vec_f32(model.layers[0].alpha.val()), alpha_before);
    // τ was clamped to 0.99 by the projection before the resampling divided it by 10.
    let tau = to_vec_f32(model.layers[0].tau.val())[0];
    assert!((tau - 0.099).abs() < 1e-6, "tau = {tau}");
    // The same parameters apply to 16-node graphs.
    let big = gdn_data(16, SplitSizes::new(1, 1, 1), &d);
    let out = model
        .forward(big.batch(&[0], &d).unwrap().observation)
        .unwrap();
    assert_eq!(out.dims(), [1, 16, 16]);
}

#[test]
fn bad_inputs_are_errors() {
    let d = autodiff();
    let spec = L2gSpec::default();
    assert!(Unrolled::<L2gLayer>::new(spec.clone(), UnrollConfig::new(0), &d).is_err());
    let model = Unrolled::<L2gLayer>::new(spec.clone(), UnrollConfig::new(2), &d).unwrap();
    let config = TrainConfig::new(1);

    // Observations of 5 nodes paired with labels of 4 nodes.
    let data = SupervisedDataset {
        num_nodes: 4,
        observation_shape: [5, 5],
        observations: vec![1.0; 3 * 25],
        targets: vec![0.0; 3 * 16],
        graphs: vec![gsl_core::EdgeList::new(4, vec![], vec![], None).unwrap(); 3],
        train: vec![0],
        val: vec![1],
        test: vec![2],
    };
    let err = train(model, &data, &config, &d, |_| {}).unwrap_err();
    assert!(err.to_string().contains("same nodes"), "{err}");

    let empty = SupervisedDataset {
        num_nodes: 4,
        observation_shape: [4, 4],
        observations: vec![],
        targets: vec![],
        graphs: vec![],
        train: vec![],
        val: vec![],
        test: vec![],
    };
    let model = Unrolled::<L2gLayer>::new(spec.clone(), UnrollConfig::new(2), &d).unwrap();
    assert!(train(model, &empty, &config, &d, |_| {}).is_err());

    // Training needs an autodiff device; signals instead of a square summary are rejected.
    let plain = flex();
    let data = l2g_data(&plain);
    let model = Unrolled::<L2gLayer>::new(spec.clone(), UnrollConfig::new(2), &plain).unwrap();
    assert!(train(model.clone(), &data, &config, &plain, |_| {}).is_err());
    assert!(model.forward(Tensor::zeros([1, 20, 7], &plain)).is_err());
    let nan = Tensor::<3>::full([1, 20, 20], f32::NAN, &plain);
    assert!(model.forward(nan).is_err());
    assert!(
        model
            .forward(Tensor::<3>::full([1, 20, 20], -1.0, &plain))
            .is_err()
    );
    let mut bad = TrainConfig::new(1);
    bad.batch_size = 0;
    assert!(bad.validate().is_err());
    assert!(
        Unrolled::<GdnLayer>::new(
            GdnSpec {
                channels: 0,
                ..GdnSpec::default()
            },
            UnrollConfig::new(1),
            &plain
        )
        .is_err()
    );
    let noisy = L2gSpec {
        gamma_init: 1e-6,
        ..L2gSpec::default()
    };
    assert!(Unrolled::<L2gLayer>::new(noisy, UnrollConfig::new(1), &plain).is_err());
    // GLAD needs covariances (symmetric, positive diagonal).
    let glad =
        Unrolled::<GladLayer>::new(GladSpec::default(), UnrollConfig::new(1), &plain).unwrap();
    assert!(glad.forward(Tensor::<3>::zeros([1, 4, 4], &plain)).is_err());
    let _ = Position {
        index: 0,
        depth: 1,
        shared: false,
    }
    .is_last();
}

#[test]
fn glad_and_gdn_training_lower_the_loss() {
    let d = autodiff();
    let data = glad_data(&d);
    let model = Unrolled::<GladLayer>::new(GladSpec::default(), UnrollConfig::new(3), &d).unwrap();
    let mut config = TrainConfig::new(5);
    config.batch_size = 2;
    config.learning_rate = 0.03;
    config.weighting = LayerWeighting::Glad { gamma: 0.8 };
    let (_, report) = train(model, &data, &config, &d, |_| {}).unwrap();
    let first = report.epochs[0].train_loss.total;
    let last = report.epochs.last().unwrap().train_loss.total;
    assert!(last < first, "glad loss {first} → {last}");
    // GLAD's NMSE (dB) per layer is reported for every layer.
    assert_eq!(report.test.unwrap().layer_nse_db.len(), 3);

    let data = gdn_data(10, SplitSizes::new(8, 4, 2), &d);
    let spec = GdnSpec {
        channels: 2,
        ..GdnSpec::default()
    };
    let model = Unrolled::<GdnLayer>::new(spec, UnrollConfig::new(3), &d).unwrap();
    let mut config = TrainConfig::new(8);
    config.batch_size = 4;
    let (_, report) = train(model, &data, &config, &d, |_| {}).unwrap();
    let first = report.epochs[0].train_loss.total;
    let last = report.epochs.last().unwrap().train_loss.total;
    assert!(last < first, "gdn loss {first} → {last}");
}

#[test]
fn early_stopping_writes_the_best_checkpoint() {
    use gsl_core::train::{EarlyStoppingConfig, Mode, Monitor};
    let d = autodiff();
    let data = l2g_data(&d);
    let dir = tempfile::tempdir().unwrap();
    let mut config = TrainConfig::new(30);
    config.batch_size = 4;
    // A learning rate of zero never improves the validation F1 after the first epoch.
    config.learning_rate = 1e-12;
    config.early_stopping = Some(
        EarlyStoppingConfig::new()
            .with_patience(2)
            .with_mode(Mode::Max)
            .with_monitor(Monitor::Metric("f1".into())),
    );
    config.checkpoint_dir = Some(dir.path().to_path_buf());
    let model = Unrolled::<L2gLayer>::new(L2gSpec::default(), UnrollConfig::new(2), &d).unwrap();
    let (_, report) = train(model, &data, &config, &d, |_| {}).unwrap();
    assert_eq!(
        report.stop_reason,
        gsl_core::train::StopReason::EarlyStopped
    );
    assert_eq!(report.epochs.len(), 3);
    let (loaded, threshold) = load_model::<L2gLayer>(dir.path(), &flex()).unwrap();
    assert!(threshold.is_finite());
    assert_eq!(loaded.depth(), 2);
    // A second run into the same directory is refused without `overwrite`.
    let model = Unrolled::<L2gLayer>::new(L2gSpec::default(), UnrollConfig::new(2), &d).unwrap();
    assert!(train(model, &data, &config, &d, |_| {}).is_err());
}

/// The gradient through GLAD's Newton–Schulz square root matches a central finite difference.
#[test]
fn glad_theta_gradient_matches_finite_differences() {
    let d = autodiff();
    let data = glad_data(&flex());
    let s_host = to_vec_f32(data.batch(&[0], &flex()).unwrap().observation);
    let s = Tensor::<3>::from_data(burn::tensor::TensorData::new(s_host, [1, 8, 8]), &d);
    let z = Tensor::<3>::zeros([1, 8, 8], &d);
    let weights = Tensor::<3>::from_data(
        burn::tensor::TensorData::new(
            (0..64)
                .map(|k| ((k * 7) % 11) as f32 / 11.0 - 0.5)
                .collect::<Vec<_>>(),
            [1, 8, 8],
        ),
        &d,
    );
    let objective = |lambda: f32, track: bool| {
        let mut l = Tensor::<3>::full([1, 1, 1], lambda, &d);
        if track {
            l = l.require_grad();
        }
        let theta = glad_theta_update(s.clone(), z.clone(), l.clone(), 30).unwrap();
        (theta.mul(weights.clone()).sum(), l)
    };
    let (value, lambda) = objective(0.7, true);
    let grads = value.backward();
    let analytic = to_vec_f32(lambda.grad(&grads).unwrap())[0];
    let h = 1e-2;
    let plus = to_vec_f32(objective(0.7 + h, false).0)[0];
    let minus = to_vec_f32(objective(0.7 - h, false).0)[0];
    let numeric = (plus - minus) / (2.0 * h);
    eprintln!("autodiff {analytic}, finite difference {numeric}");
    assert!(numeric.abs() > 1e-3, "degenerate check: {numeric}");
    assert!(
        (analytic - numeric).abs() <= 2e-2 * numeric.abs().max(1.0),
        "autodiff {analytic} vs finite difference {numeric}"
    );
}

/// Epoch logs without their wall times.
fn logs_without_time(report: &gsl_unroll::train::TrainReport) -> Vec<gsl_unroll::train::EpochLog> {
    report
        .epochs
        .iter()
        .map(|log| gsl_unroll::train::EpochLog {
            seconds: 0.0,
            ..log.clone()
        })
        .collect()
}

#[test]
fn a_run_continued_from_its_state_equals_the_uninterrupted_run() {
    let d = autodiff();
    let data = l2g_data(&d);
    let new_model =
        || Unrolled::<L2gLayer>::new(L2gSpec::default(), UnrollConfig::new(3), &d).unwrap();
    let mut config = TrainConfig::new(5);
    config.batch_size = 3; // 8 training graphs: uneven batches, a reshuffle every epoch
    config.learning_rate = 0.05;
    config.loss = LossKind::Nse;
    config.schedule = gsl_core::train::LrSchedule::Exponential { gamma: 0.9 };
    let (whole_model, whole) = train(new_model(), &data, &config, &d, |_| {}).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let mut first = config.clone();
    first.epochs = 2;
    first.state_dir = Some(dir.path().to_path_buf());
    let (_, part) = train(new_model(), &data, &first, &d, |_| {}).unwrap();
    assert_eq!(part.epochs.len(), 2);
    let mut rest = first.clone();
    rest.epochs = 5;
    let mut seen = Vec::new();
    // A freshly built model: the weights and Adam's moments come from the state.
    let (resumed_model, resumed) =
        train(new_model(), &data, &rest, &d, |log| seen.push(log.epoch)).unwrap();
    assert_eq!(seen, vec![2, 3, 4], "only the remaining epochs run");
    assert_eq!(logs_without_time(&resumed), logs_without_time(&whole));
    assert_eq!(resumed.threshold, whole.threshold);
    assert_eq!(resumed.test, whole.test);
    let obs = data
        .batch(data.indices(Split::Test), &flex())
        .unwrap()
        .observation;
    assert_eq!(
        to_vec_f32(resumed_model.valid().forward(obs.clone()).unwrap()),
        to_vec_f32(whole_model.valid().forward(obs).unwrap())
    );
    // Only the last epoch's files are kept.
    let mut files: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(
        files,
        ["state-5-model.bpk", "state-5-optimizer.bpk", "state.json"]
    );
}

#[test]
fn a_state_of_another_run_is_refused() {
    let d = autodiff();
    let data = l2g_data(&d);
    let dir = tempfile::tempdir().unwrap();
    let mut config = TrainConfig::new(1);
    config.batch_size = 4;
    config.state_dir = Some(dir.path().to_path_buf());
    let model = Unrolled::<L2gLayer>::new(L2gSpec::default(), UnrollConfig::new(2), &d).unwrap();
    train(model, &data, &config, &d, |_| {}).unwrap();
    // Another depth, another learning rate, another method: each is a clear error.
    let deeper = Unrolled::<L2gLayer>::new(L2gSpec::default(), UnrollConfig::new(3), &d).unwrap();
    let err = train(deeper, &data, &config, &d, |_| {}).unwrap_err();
    assert!(err.to_string().contains("network structure"), "{err}");
    let mut other = config.clone();
    other.learning_rate = 0.5;
    let model = Unrolled::<L2gLayer>::new(L2gSpec::default(), UnrollConfig::new(2), &d).unwrap();
    let err = train(model, &data, &other, &d, |_| {}).unwrap_err();
    assert!(err.to_string().contains("training settings"), "{err}");
    let glad = Unrolled::<GladLayer>::new(GladSpec::default(), UnrollConfig::new(2), &d).unwrap();
    let err = train(glad, &glad_data(&d), &config, &d, |_| {}).unwrap_err();
    assert!(err.to_string().contains("model"), "{err}");
}

/// One Adam step from fresh moments moves a parameter by `lr · |g| / (|g| + ε)`: about the
/// learning rate with PyTorch's `ε = 1e-8` (the default, as in every original code), a small
/// fraction of it with a huge `ε`. So the configured `ε` is the one the optimiser uses.
#[test]
fn adam_epsilon_is_the_configured_one() {
    let d = autodiff();
    let data = l2g_data(&d);
    let alpha_step = |epsilon: f32| {
        let model =
            Unrolled::<L2gLayer>::new(L2gSpec::default(), UnrollConfig::new(2), &d).unwrap();
        let before: Vec<f32> = model
            .layers
            .iter()
            .map(|l| to_vec_f32(l.alpha.val())[0])
            .collect();
        let mut config = TrainConfig::new(1);
        // All 8 training graphs in one batch: exactly one optimiser step.
        config.batch_size = 8;
        config.learning_rate = 0.01;
        config.resample_collapsed = false;
        config.epsilon = epsilon;
        let (model, _) = train(model, &data, &config, &d, |_| {}).unwrap();
        model
            .layers
            .iter()
            .zip(before)
            .map(|(l, b)| (to_vec_f32(l.alpha.val())[0] - b).abs() / 0.01)
            .collect::<Vec<f32>>()
    };
    assert_eq!(TrainConfig::new(1).epsilon, 1e-8);
    for ratio in alpha_step(1e-8) {
        assert!((ratio - 1.0).abs() < 1e-3, "step / lr = {ratio}");
    }
    for ratio in alpha_step(1e6) {
        assert!(ratio < 0.5, "step / lr = {ratio}");
    }
    // A configuration written before the field existed reads back with the ε it ran with.
    let mut json = serde_json::to_value(TrainConfig::new(3)).unwrap();
    json.as_object_mut().unwrap().remove("epsilon");
    let old: TrainConfig = serde_json::from_value(json).unwrap();
    assert_eq!(old.epsilon, 1e-5);
    let mut bad = TrainConfig::new(1);
    bad.epsilon = 0.0;
    assert!(bad.validate().unwrap_err().to_string().contains("epsilon"));
}
