//! Tests of `gsl_core::train`: clipping, schedules, early stopping, the training loop,
//! reproducibility, checkpoints and seeds.

use std::collections::BTreeSet;
use std::ops::ControlFlow;

use burn::module::{Module, Param};
use burn::optim::GradientsParams;
use burn::tensor::{Device, Tensor, TensorData};
use gsl_core::GslError;
use gsl_core::tensor::to_vec_f32;
use gsl_core::train::*;
use rand::RngExt;

fn flex() -> Device {
    gsl_core::device::device_from_name("flex").unwrap()
}

fn autodiff() -> Device {
    flex().autodiff()
}

/// Two parameters of different ranks, to exercise the global (not per-tensor) norm.
#[derive(Module, Debug)]
struct TwoParams {
    a: Param<Tensor<1>>,
    b: Param<Tensor<2>>,
}

impl TwoParams {
    fn new(device: &Device) -> Self {
        Self {
            a: Param::from_tensor(Tensor::from_floats([1.0, -1.0], device)),
            b: Param::from_tensor(Tensor::from_floats([[0.5, 0.5], [2.0, -3.0]], device)),
        }
    }

    /// `loss = Σ a ⊙ ca + Σ b ⊙ cb`, whose gradients are exactly `ca` and `cb`.
    fn linear_loss(&self, ca: [f32; 2], cb: [[f32; 2]; 2]) -> Tensor<1> {
        let device = self.a.val().device();
        (self.a.val() * Tensor::from_floats(ca, &device)).sum()
            + (self.b.val() * Tensor::from_floats(cb, &device)).sum()
    }
}

fn assert_close(got: &[f32], want: &[f64], tol: f64) {
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(want) {
        assert!((*g as f64 - w).abs() <= tol, "got {got:?}, want {want:?}");
    }
}

// ---------------------------------------------------------------- clipping

#[test]
fn global_norm_clipping_matches_hand_computation() {
    let device = autodiff();
    let model = TwoParams::new(&device);
    // Gradients (3, 0) and [[0, 4], [12, 0]]: global norm sqrt(9 + 16 + 144) = 13, while the
    // per-tensor norms are 3 and ~12.65 (per-tensor clipping would give a different answer).
    let (ca, cb) = ([3.0, 0.0], [[0.0, 4.0], [12.0, 0.0]]);
    let mut grads = GradientsParams::from_grads(model.linear_loss(ca, cb).backward(), &model);
    let norm = clip_grad_norm(&model, &mut grads, 6.5).unwrap();
    assert!((norm - 13.0).abs() < 1e-5, "norm {norm}");

    let scale = 6.5 / (13.0 + 1e-6);
    let ga = to_vec_f32(grads.get::<1>(model.a.id).unwrap());
    let gb = to_vec_f32(grads.get::<2>(model.b.id).unwrap());
    assert_close(&ga, &[3.0 * scale, 0.0], 1e-5);
    assert_close(&gb, &[0.0, 4.0 * scale, 12.0 * scale, 0.0], 1e-5);
    // The clipped gradients have global norm max_norm (up to the 1e-6 guard).
    let clipped_norm = grad_norm(&model, &grads).unwrap();
    assert!((clipped_norm - 6.5).abs() < 1e-5, "{clipped_norm}");
}

#[test]
fn clipping_below_the_threshold_changes_nothing() {
    let device = autodiff();
    let model = TwoParams::new(&device);
    let (ca, cb) = ([3.0, 0.0], [[0.0, 4.0], [12.0, 0.0]]);
    let mut grads = GradientsParams::from_grads(model.linear_loss(ca, cb).backward(), &model);
    let norm = clip_grad_norm(&model, &mut grads, 20.0).unwrap();
    assert!((norm - 13.0).abs() < 1e-5);
    assert_close(
        &to_vec_f32(grads.get::<2>(model.b.id).unwrap()),
        &[0.0, 4.0, 12.0, 0.0],
        0.0,
    );
}

#[test]
fn clipping_rejects_bad_threshold_and_non_finite_gradients() {
    let device = autodiff();
    let model = TwoParams::new(&device);
    let mut grads = GradientsParams::from_grads(
        model.linear_loss([1.0, 1.0], [[1.0; 2]; 2]).backward(),
        &model,
    );
    for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        assert!(matches!(
            clip_grad_norm(&model, &mut grads, bad),
            Err(GslError::InvalidArgument { .. })
        ));
    }
    let mut nan_grads = GradientsParams::from_grads(
        model.linear_loss([f32::NAN, 1.0], [[1.0; 2]; 2]).backward(),
        &model,
    );
    assert!(matches!(
        clip_grad_norm(&model, &mut nan_grads, 1.0),
        Err(GslError::NonFinite(_))
    ));
    let empty = GradientsParams::new();
    assert!(matches!(
        grad_norm(&model, &empty),
        Err(GslError::InvalidArgument { .. })
    ));
}

// ---------------------------------------------------------------- schedules

#[test]
fn lr_schedules_match_closed_forms() {
    let base = 0.1;
    let step = LrSchedule::Step {
        step_size: 3,
        gamma: 0.1,
    };
    let want_step = [0.1, 0.1, 0.1, 0.01, 0.01, 0.01, 0.001, 0.001];
    let exp = LrSchedule::Exponential { gamma: 0.9 };
    let want_exp = [0.1, 0.09, 0.081, 0.0729, 0.06561];
    // η_min + ½(η₀ − η_min)(1 + cos(π t/4)) with η₀ = 0.1, η_min = 0.01; constant after T = 4.
    let cosine = LrSchedule::Cosine {
        t_max: 4,
        min_lr: 0.01,
    };
    let half_sqrt2 = std::f64::consts::FRAC_1_SQRT_2;
    let want_cos = [
        0.1,
        0.01 + 0.045 * (1.0 + half_sqrt2),
        0.055,
        0.01 + 0.045 * (1.0 - half_sqrt2),
        0.01,
        0.01,
        0.01,
    ];
    for (schedule, want) in [
        (step, &want_step[..]),
        (exp, &want_exp[..]),
        (cosine, &want_cos[..]),
    ] {
        for (t, w) in want.iter().enumerate() {
            let got = schedule.lr_at(base, t).unwrap();
            assert!((got - w).abs() < 1e-12, "{schedule:?} at {t}: {got} vs {w}");
        }
    }
    for t in [0, 5, 1000] {
        assert_eq!(LrSchedule::Constant.lr_at(base, t).unwrap(), base);
    }
}

// ---------------------------------------------------------------- early stopping

fn first_stop(config: &EarlyStoppingConfig, values: &[f64]) -> Option<usize> {
    let mut stopper = EarlyStopping::new(config).unwrap();
    values
        .iter()
        .enumerate()
        .find(|&(epoch, &v)| stopper.update(epoch, v).unwrap() == Decision::Stop)
        .map(|(epoch, _)| epoch)
}

#[test]
fn early_stopping_stops_at_the_right_epoch() {
    // Improvements at epochs 0, 1, 3; then 3 epochs without improvement → stop at 6.
    let values = [5.0, 4.0, 4.5, 3.0, 3.2, 3.1, 3.05, 2.0];
    let config = EarlyStoppingConfig::new().with_patience(3);
    assert_eq!(first_stop(&config, &values), Some(6));
    // With patience 4 the improvement at epoch 7 comes in time.
    assert_eq!(first_stop(&config.clone().with_patience(4), &values), None);
    // min_delta: 3.2 → 3.15 is not an improvement of more than 0.1.
    let with_delta = EarlyStoppingConfig::new()
        .with_patience(2)
        .with_min_delta(0.1);
    assert_eq!(first_stop(&with_delta, &[3.2, 3.15, 3.12, 1.0]), Some(2));
    // Max mode: rising accuracy never stops, falling accuracy stops after `patience`.
    let max = EarlyStoppingConfig::new()
        .with_patience(2)
        .with_mode(Mode::Max);
    assert_eq!(first_stop(&max, &[0.1, 0.2, 0.3, 0.4]), None);
    assert_eq!(first_stop(&max, &[0.5, 0.4, 0.3, 0.2]), Some(2));
}

#[test]
fn early_stopping_never_stops_before_patience() {
    // A value that gets worse every epoch: the earliest possible stop is epoch `patience`.
    for patience in 1..8 {
        let worse: Vec<f64> = (0..20).map(|i| i as f64).collect();
        let config = EarlyStoppingConfig::new().with_patience(patience);
        assert_eq!(first_stop(&config, &worse), Some(patience));
    }
    let mut stopper = EarlyStopping::new(&EarlyStoppingConfig::new()).unwrap();
    assert!(matches!(
        stopper.update(0, f64::NAN),
        Err(GslError::NonFinite(_))
    ));
    assert!(EarlyStopping::new(&EarlyStoppingConfig::new().with_min_delta(-1.0)).is_err());
}

/// A module with one scalar weight.
#[derive(Module, Debug)]
struct Scalar {
    x: Param<Tensor<1>>,
}

impl Scalar {
    fn new(value: f32, device: &Device) -> Self {
        Self {
            x: Param::from_tensor(Tensor::from_floats([value], device)),
        }
    }

    fn value(&self) -> f32 {
        to_vec_f32(self.x.val())[0]
    }
}

#[test]
fn trainer_early_stops_on_a_scripted_loss() {
    let device = autodiff();
    let script = [5.0f32, 4.0, 4.5, 3.0, 3.2, 3.1, 3.05, 2.0, 1.0, 0.5];
    let config = TrainConfig::new(script.len())
        .with_quiet(true)
        .with_early_stopping(Some(EarlyStoppingConfig::new().with_patience(3)));
    let (_, history) = Trainer::new(config)
        .unwrap()
        .fit(Scalar::new(1.0, &device), |m: &Scalar, ctx| {
            // The parameter enters with weight 0: the loss value is the script.
            let loss = m.x.val().mul_scalar(0.0) + script[ctx.epoch];
            Ok(LossOutput::new(loss).into())
        })
        .unwrap();
    assert_eq!(history.len(), 7);
    assert_eq!(history.stop_reason, StopReason::EarlyStopped);
    assert_eq!(history.best_epoch, Some(3));
    assert_eq!(history.best_value, Some(3.0));
    assert_eq!(
        history.totals(),
        script[..7].iter().map(|&v| v as f64).collect::<Vec<_>>()
    );
}

#[test]
fn restore_best_returns_the_parameters_of_the_best_epoch() {
    let device = autodiff();
    // Minimise (x − 3)² while monitoring a scripted "validation score" that peaks at epoch 2.
    let score = [0.1, 0.5, 0.9, 0.7, 0.6, 0.5, 0.4];
    let config = TrainConfig::new(score.len())
        .with_learning_rate(0.1)
        .with_quiet(true)
        .with_early_stopping(Some(
            EarlyStoppingConfig::new()
                .with_patience(3)
                .with_mode(Mode::Max)
                .with_monitor(Monitor::Metric("score".into()))
                .with_restore_best(true),
        ));
    let mut after_epoch = Vec::new();
    let (model, history) = Trainer::new(config)
        .unwrap()
        .fit_with(
            Scalar::new(0.0, &device),
            |m: &Scalar, ctx| {
                let loss = (m.x.val() - 3.0).powi_scalar(2);
                Ok(StepOutput::new(LossOutput::new(loss)).with_metric("score", score[ctx.epoch]))
            },
            |_, m| {
                after_epoch.push(m.value());
                Ok(ControlFlow::Continue(()))
            },
        )
        .unwrap();
    assert_eq!(history.best_epoch, Some(2));
    assert_eq!(history.len(), 6);
    assert_eq!(history.records[2].monitor, 0.9);
    // Epoch 2 was evaluated with the parameters left by epoch 1's update.
    assert_eq!(model.value(), after_epoch[1]);
    assert_ne!(model.value(), *after_epoch.last().unwrap());
}

// ---------------------------------------------------------------- the loop

#[derive(Module, Debug)]
struct LinearRegression {
    w: Param<Tensor<2>>,
}

#[test]
fn trainer_fits_a_linear_regression() {
    let device = autodiff();
    let (n, d) = (32, 3);
    let w_star = [1.5f32, -2.0, 0.5];
    let mut rng = seeded_rng(1);
    let x_host: Vec<f32> = (0..n * d).map(|_| rng.random_range(-1.0..1.0)).collect();
    let y_host: Vec<f32> = (0..n)
        .map(|i| (0..d).map(|j| x_host[i * d + j] * w_star[j]).sum())
        .collect();
    let x = Tensor::<2>::from_data(TensorData::new(x_host, [n, d]), &device);
    let y = Tensor::<2>::from_data(TensorData::new(y_host, [n, 1]), &device);
    let model = LinearRegression {
        w: Param::from_tensor(Tensor::zeros([d, 1], &device)),
    };

    let epochs = 400;
    let config = TrainConfig::new(epochs)
        .with_learning_rate(0.05)
        .with_max_grad_norm(Some(10.0))
        .with_quiet(true);
    let (model, history) = Trainer::new(config)
        .unwrap()
        .fit(model, |m: &LinearRegression, _| {
            let residual = x.clone().matmul(m.w.val()) - y.clone();
            let mse = residual.powi_scalar(2).mean();
            let norm = m.w.val().powi_scalar(2).sum();
            let loss = LossOutput::new(mse.clone())
                .with_part("mse", mse)
                .with_part("w_norm2", norm);
            Ok(loss.into())
        })
        .unwrap();

    assert_eq!(history.len(), epochs);
    assert_eq!(history.stop_reason, StopReason::Completed);
    for (i, record) in history.records.iter().enumerate() {
        assert_eq!(record.epoch, i);
        assert_eq!(
            record.loss.parts.keys().collect::<Vec<_>>(),
            ["mse", "w_norm2"]
        );
        assert_eq!(record.loss.total, record.loss.parts["mse"]);
        assert_eq!(record.lr, 0.05);
        assert!(record.grad_norm >= 0.0);
    }
    let totals = history.totals();
    assert!(totals[0] > 1.0, "initial loss {}", totals[0]);
    assert!(
        *totals.last().unwrap() < 1e-5,
        "final loss {:?}",
        totals.last()
    );
    // ‖w‖² converges to ‖w*‖² = 6.5.
    let w_norm2 = history.part("w_norm2").unwrap();
    assert!((w_norm2.last().unwrap() - 6.5).abs() < 1e-2);
    assert_close(&to_vec_f32(model.w.val()), &w_star.map(f64::from), 1e-2);
}

#[test]
fn nan_loss_is_a_training_error_naming_the_epoch() {
    let device = autodiff();
    let config = TrainConfig::new(10).with_quiet(true);
    let err = Trainer::new(config)
        .unwrap()
        .fit(Scalar::new(1.0, &device), |m: &Scalar, ctx| {
            let bad = if ctx.epoch == 3 { f32::NAN } else { 1.0 };
            Ok(LossOutput::new(m.x.val().mul_scalar(bad)).into())
        })
        .unwrap_err();
    match err {
        GslError::Training(msg) => assert!(msg.contains("epoch 3"), "{msg}"),
        other => panic!("expected a training error, got {other:?}"),
    }
    // A NaN in a reported part is caught as well, and names the part.
    let err = Trainer::new(TrainConfig::new(5).with_quiet(true))
        .unwrap()
        .fit(Scalar::new(1.0, &device), |m: &Scalar, _| {
            let nan = Tensor::<1>::from_floats([f32::INFINITY], &m.x.val().device());
            Ok(LossOutput::new(m.x.val()).with_part("kl", nan).into())
        })
        .unwrap_err();
    assert!(
        matches!(&err, GslError::Training(msg) if msg.contains("epoch 0") && msg.contains("kl"))
    );
}

/// A run whose targets are noisy with noise drawn from the step's seed.
fn noisy_run(seed: u64) -> History {
    let device = autodiff();
    let mut init = seeded_rng(derive_seed(seed, 99));
    let model = Scalar::new(init.random_range(-1.0..1.0), &device);
    let config = TrainConfig::new(15)
        .with_learning_rate(0.05)
        .with_batches_per_epoch(2)
        .with_seed(seed)
        .with_quiet(true);
    let (_, history) = Trainer::new(config)
        .unwrap()
        .fit(model, |m: &Scalar, ctx| {
            let mut rng = seeded_rng(derive_seed(ctx.seed, ctx.batch as u64));
            let target: f32 = rng.random_range(0.0..2.0);
            let loss = (m.x.val() - target).powi_scalar(2);
            Ok(
                StepOutput::new(LossOutput::new(loss.clone()).with_part("squared", loss))
                    .with_metric("target", target as f64),
            )
        })
        .unwrap();
    history
}

#[test]
fn same_seed_gives_an_identical_history() {
    let a = noisy_run(7);
    let b = noisy_run(7);
    assert_eq!(a, b);
    assert_ne!(a.totals(), noisy_run(8).totals());
}

#[test]
fn minibatch_epochs_average_their_batches() {
    let device = autodiff();
    let config = TrainConfig::new(2)
        .with_batches_per_epoch(2)
        .with_quiet(true);
    let mut seen = Vec::new();
    let (_, history) = Trainer::new(config)
        .unwrap()
        .fit(Scalar::new(1.0, &device), |m: &Scalar, ctx| {
            seen.push((ctx.epoch, ctx.batch, ctx.seed));
            // Batch 0 has loss 1, batch 1 has loss 3 (the parameter enters with weight 0).
            let value = 1.0 + 2.0 * ctx.batch as f32;
            let loss = m.x.val().mul_scalar(0.0) + value;
            Ok(
                StepOutput::new(LossOutput::new(loss.clone()).with_part("p", loss))
                    .with_metric("m", 10.0 * ctx.batch as f64),
            )
        })
        .unwrap();
    assert_eq!(seen.len(), 4);
    assert_eq!(seen[0].2, seen[1].2, "one seed per epoch");
    assert_ne!(seen[0].2, seen[2].2, "seeds differ across epochs");
    for record in &history.records {
        assert_eq!(record.loss.total, 2.0);
        assert_eq!(record.loss.parts["p"], 2.0);
        assert_eq!(record.metrics["m"], 5.0);
    }
}

#[test]
fn adam_and_adamw_apply_weight_decay_differently() {
    // A zero-gradient loss leaves only the weight decay: AdamW shrinks θ by (1 − lr·wd);
    // Adam's L2 penalty becomes the gradient wd·θ, whose first normalised step is ≈ lr.
    let device = autodiff();
    let run = |kind| {
        let config = TrainConfig::new(1)
            .with_optimizer(kind)
            .with_learning_rate(0.1)
            .with_weight_decay(0.1)
            .with_quiet(true);
        let (model, _) = Trainer::new(config)
            .unwrap()
            .fit(Scalar::new(2.0, &device), |m: &Scalar, _| {
                Ok(LossOutput::new(m.x.val().mul_scalar(0.0)).into())
            })
            .unwrap();
        model.value()
    };
    assert!((run(OptimizerKind::AdamW) - 1.98).abs() < 1e-6);
    assert!((run(OptimizerKind::Adam) - 1.9).abs() < 1e-5);
}

#[test]
fn callback_can_stop_training_and_history_logs_grad_norm() {
    let device = autodiff();
    let config = TrainConfig::new(50)
        .with_quiet(true)
        .with_max_grad_norm(Some(1.0));
    let (_, history) = Trainer::new(config)
        .unwrap()
        .fit_with(
            TwoParams::new(&device),
            |m: &TwoParams, _| Ok(m.linear_loss([3.0, 0.0], [[0.0, 4.0], [12.0, 0.0]]).into()),
            |record, _| {
                Ok(if record.epoch == 4 {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                })
            },
        )
        .unwrap();
    assert_eq!(history.len(), 5);
    assert_eq!(history.stop_reason, StopReason::Callback);
    // The logged norm is the pre-clipping global norm of a constant gradient.
    for record in &history.records {
        assert!(
            (record.grad_norm - 13.0).abs() < 1e-5,
            "{}",
            record.grad_norm
        );
    }
}

#[test]
fn invalid_setups_are_rejected() {
    let bad_configs = [
        TrainConfig::new(0),
        TrainConfig::new(5).with_learning_rate(-1.0),
        TrainConfig::new(5).with_batches_per_epoch(0),
        TrainConfig::new(5).with_beta_2(1.0),
        TrainConfig::new(5).with_epsilon(0.0),
        TrainConfig::new(5).with_weight_decay(f64::NAN),
        TrainConfig::new(5).with_max_grad_norm(Some(0.0)),
        TrainConfig::new(5).with_schedule(LrSchedule::Step {
            step_size: 0,
            gamma: 0.5,
        }),
        TrainConfig::new(5).with_early_stopping(Some(
            EarlyStoppingConfig::new().with_monitor(Monitor::Metric(String::new())),
        )),
    ];
    for config in bad_configs {
        assert!(
            matches!(
                Trainer::new(config.clone()),
                Err(GslError::InvalidArgument { .. })
            ),
            "accepted {config}"
        );
    }

    let trainer = Trainer::new(TrainConfig::new(3).with_quiet(true)).unwrap();
    // Parameters without autodiff cannot be trained.
    let err = trainer
        .fit(Scalar::new(1.0, &flex()), |m: &Scalar, _| {
            Ok(LossOutput::new(m.x.val()).into())
        })
        .unwrap_err();
    assert!(matches!(err, GslError::InvalidArgument { .. }), "{err:?}");
    // A loss that ignores the parameters gives no gradient.
    let device = autodiff();
    let err = trainer
        .fit(Scalar::new(1.0, &device), |_: &Scalar, _| {
            Ok(LossOutput::new(Tensor::from_floats([1.0], &device)).into())
        })
        .unwrap_err();
    assert!(
        matches!(&err, GslError::Training(msg) if msg.contains("epoch 0")),
        "{err:?}"
    );
    // Monitoring a metric the step does not return.
    let monitored = Trainer::new(
        TrainConfig::new(3)
            .with_quiet(true)
            .with_early_stopping(Some(
                EarlyStoppingConfig::new().with_monitor(Monitor::Metric("acc".into())),
            )),
    )
    .unwrap();
    let err = monitored
        .fit(Scalar::new(1.0, &device), |m: &Scalar, _| {
            Ok(LossOutput::new(m.x.val()).into())
        })
        .unwrap_err();
    assert!(
        matches!(&err, GslError::Training(msg) if msg.contains("acc")),
        "{err:?}"
    );
    // A loss that is not a scalar.
    let err = trainer
        .fit(TwoParams::new(&device), |m: &TwoParams, _| {
            Ok(LossOutput::new(m.a.val()).into())
        })
        .unwrap_err();
    assert!(matches!(err, GslError::ShapeMismatch { .. }), "{err:?}");
}

// ---------------------------------------------------------------- files

fn files_in(dir: &std::path::Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

fn random_two_params(seed: u64, device: &Device) -> TwoParams {
    let mut rng = seeded_rng(seed);
    let mut draw = |n: usize| -> Vec<f32> { (0..n).map(|_| rng.random_range(-1.0..1.0)).collect() };
    TwoParams {
        a: Param::from_tensor(Tensor::from_data(TensorData::new(draw(2), [2]), device)),
        b: Param::from_tensor(Tensor::from_data(TensorData::new(draw(4), [2, 2]), device)),
    }
}

fn params_of(m: &TwoParams) -> Vec<f32> {
    let mut v = to_vec_f32(m.a.val());
    v.extend(to_vec_f32(m.b.val()));
    v
}

#[test]
fn checkpoint_round_trips_refuses_and_overwrites() {
    let device = flex();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.bpk");
    let original = random_two_params(1, &device);
    save_checkpoint(&original, &path, false).unwrap();

    // Exact round trip into a module with other values.
    let loaded = load_checkpoint(TwoParams::new(&device), &path, &device).unwrap();
    assert_eq!(params_of(&loaded), params_of(&original));

    // Refuses to overwrite, and the file keeps the first model.
    let other = random_two_params(2, &device);
    let err = save_checkpoint(&other, &path, false).unwrap_err();
    match &err {
        GslError::Io { path: p, source } => {
            assert_eq!(p, &path);
            assert_eq!(source.kind(), std::io::ErrorKind::AlreadyExists);
        }
        other => panic!("expected an I/O error, got {other:?}"),
    }
    let again = load_checkpoint(TwoParams::new(&device), &path, &device).unwrap();
    assert_eq!(params_of(&again), params_of(&original));

    // Overwrites when asked.
    save_checkpoint(&other, &path, true).unwrap();
    let replaced = load_checkpoint(TwoParams::new(&device), &path, &device).unwrap();
    assert_eq!(params_of(&replaced), params_of(&other));

    // No temporary file is left behind, neither by successful nor by refused writes.
    assert_eq!(
        files_in(dir.path()),
        BTreeSet::from(["model.bpk".to_string()])
    );
}

#[test]
fn checkpoint_loads_onto_an_autodiff_device_and_training_continues() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("scalar.bpk");
    save_checkpoint(&Scalar::new(2.5, &flex()), &path, false).unwrap();
    let device = autodiff();
    let model = load_checkpoint(Scalar::new(0.0, &device), &path, &device).unwrap();
    assert_eq!(model.value(), 2.5);
    let (model, _) = Trainer::new(TrainConfig::new(1).with_learning_rate(0.5).with_quiet(true))
        .unwrap()
        .fit(model, |m: &Scalar, _| Ok(LossOutput::new(m.x.val()).into()))
        .unwrap();
    // One Adam step of size lr against a positive gradient.
    assert!((model.value() - 2.0).abs() < 1e-5, "{}", model.value());
}

#[test]
fn corrupt_missing_or_mismatched_checkpoints_are_errors() {
    let device = flex();
    let dir = tempfile::tempdir().unwrap();

    let missing = dir.path().join("missing.bpk");
    assert!(matches!(
        load_checkpoint(TwoParams::new(&device), &missing, &device),
        Err(GslError::Io { path, .. }) if path == missing
    ));

    let good = dir.path().join("good.bpk");
    save_checkpoint(&TwoParams::new(&device), &good, false).unwrap();
    let bytes = std::fs::read(&good).unwrap();

    let garbage = dir.path().join("garbage.bpk");
    std::fs::write(&garbage, b"this is not a checkpoint at all, just some text").unwrap();
    let truncated = dir.path().join("truncated.bpk");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let empty = dir.path().join("empty.bpk");
    std::fs::write(&empty, b"").unwrap();
    let mut flipped_header = bytes.clone();
    for b in flipped_header.iter_mut().take(16) {
        *b ^= 0xFF;
    }
    let header = dir.path().join("header.bpk");
    std::fs::write(&header, &flipped_header).unwrap();

    for path in [&garbage, &truncated, &empty, &header] {
        match load_checkpoint(TwoParams::new(&device), path, &device) {
            Err(GslError::Parse { path: p, .. }) => assert_eq!(&p, path),
            other => panic!("{}: expected a parse error, got {other:?}", path.display()),
        }
    }

    // A valid checkpoint of another module does not load.
    let scalar = dir.path().join("scalar.bpk");
    save_checkpoint(&Scalar::new(1.0, &device), &scalar, false).unwrap();
    assert!(matches!(
        load_checkpoint(TwoParams::new(&device), &scalar, &device),
        Err(GslError::Parse { .. })
    ));
}

#[test]
fn history_and_config_round_trip_through_json() {
    let history = noisy_run(3);
    let config = TrainConfig::new(15)
        .with_optimizer(OptimizerKind::AdamW)
        .with_schedule(LrSchedule::Cosine {
            t_max: 10,
            min_lr: 1e-5,
        })
        .with_early_stopping(Some(
            EarlyStoppingConfig::new().with_monitor(Monitor::Metric("nmi".into())),
        ));
    let dir = tempfile::tempdir().unwrap();
    let (hp, cp) = (
        dir.path().join("history.json"),
        dir.path().join("config.json"),
    );
    save_json(&history, &hp, false).unwrap();
    save_json(&config, &cp, false).unwrap();
    // Exact: the workspace enables serde_json's `float_roundtrip`.
    assert_eq!(load_json::<History>(&hp).unwrap(), history);
    assert_eq!(load_json::<TrainConfig>(&cp).unwrap(), config);
    assert_eq!(
        History::from_json(&history.to_json().unwrap()).unwrap(),
        history
    );
    assert!(matches!(
        save_json(&history, &hp, false),
        Err(GslError::Io { .. })
    ));

    std::fs::write(&hp, "{ \"records\": [ oops").unwrap();
    assert!(matches!(load_json::<History>(&hp), Err(GslError::Parse { path, .. }) if path == hp));
    assert_eq!(
        files_in(dir.path()),
        BTreeSet::from(["config.json".to_string(), "history.json".to_string()])
    );
}

#[test]
fn atomic_write_rejects_directories_and_missing_parents() {
    let dir = tempfile::tempdir().unwrap();
    assert!(matches!(
        write_file_atomic(dir.path(), b"x", true),
        Err(GslError::Io { .. })
    ));
    let nested = dir.path().join("no/such/dir/file.bin");
    assert!(matches!(
        write_file_atomic(&nested, b"x", false),
        Err(GslError::Io { path, .. }) if path == nested
    ));
    assert!(files_in(dir.path()).is_empty());
}

// ---------------------------------------------------------------- seeds

#[test]
fn derived_seeds_give_distinct_independent_streams() {
    let parent = 42;
    let seeds: Vec<u64> = (0..10_000).map(|s| derive_seed(parent, s)).collect();
    let distinct: BTreeSet<u64> = seeds.iter().copied().collect();
    assert_eq!(distinct.len(), seeds.len(), "two streams share a seed");
    assert!(!distinct.contains(&parent));
    // Avalanche: neighbouring streams (and neighbouring parents) differ in ~32 of 64 bits.
    let mean_flips = |pairs: Vec<(u64, u64)>| {
        pairs
            .iter()
            .map(|(a, b)| (a ^ b).count_ones() as f64)
            .sum::<f64>()
            / pairs.len() as f64
    };
    let streams = mean_flips(seeds.windows(2).map(|w| (w[0], w[1])).collect());
    let parents = mean_flips(
        (0..1000)
            .map(|p| (derive_seed(p, 0), derive_seed(p + 1, 0)))
            .collect(),
    );
    for flips in [streams, parents] {
        assert!((30.0..34.0).contains(&flips), "mean bit flips {flips}");
    }
    // The generators of different streams produce different sequences; the same stream
    // reproduces its sequence.
    let draws = |seed: u64| -> Vec<u64> {
        let mut rng = seeded_rng(seed);
        (0..4).map(|_| rng.random()).collect()
    };
    assert_ne!(draws(seeds[0]), draws(seeds[1]));
    assert_eq!(draws(seeds[5]), draws(derive_seed(parent, 5)));
}

#[test]
fn corrupted_or_truncated_checkpoints_never_panic() {
    let device = flex();
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.bpk");
    save_checkpoint(&TwoParams::new(&device), &good, false).unwrap();
    let bytes = std::fs::read(&good).unwrap();
    let bad = dir.path().join("bad.bpk");
    let mut rejected = 0;
    // Every third byte flipped, and truncations at every seventh length (a sample keeps the
    // test fast; header, metadata and data regions are all covered).
    let variants = (0..bytes.len())
        .step_by(3)
        .map(|i| {
            let mut v = bytes.clone();
            v[i] ^= 0xA5;
            v
        })
        .chain((0..bytes.len()).step_by(7).map(|len| bytes[..len].to_vec()));
    for variant in variants {
        std::fs::write(&bad, &variant).unwrap();
        let result = std::panic::catch_unwind(|| {
            load_checkpoint(TwoParams::new(&device), &bad, &device).map(|m| params_of(&m))
        });
        match result {
            Ok(Ok(_)) => {}
            Ok(Err(_)) => rejected += 1,
            Err(_) => panic!("loading a corrupted checkpoint panicked"),
        }
    }
    // Burnpack has no checksum: a flipped bit in tensor data loads as a different value, but
    // every truncation and most header/metadata damage is caught.
    assert!(
        rejected > bytes.len() / 7,
        "only {rejected} variants rejected"
    );
}

#[test]
fn progress_bar_is_silent_when_quiet_or_not_a_terminal() {
    use std::io::IsTerminal;
    assert!(Progress::new(3, "quiet", true).is_hidden());
    let progress = Progress::new(3, "auto", false);
    assert_eq!(progress.is_hidden(), !std::io::stderr().is_terminal());
    progress.update(1, "loss 1.0");
    progress.finish();
}

#[test]
fn trainer_steps_with_the_scheduled_learning_rate() {
    // With a constant gradient g, Adam's bias-corrected step is lr·g/(|g| + ε) ≈ lr, so after
    // the run x has moved by the sum of the scheduled rates.
    let device = autodiff();
    let schedule = LrSchedule::Step {
        step_size: 2,
        gamma: 0.5,
    };
    let config = TrainConfig::new(6)
        .with_learning_rate(0.1)
        .with_schedule(schedule)
        .with_quiet(true);
    let mut seen_lr = Vec::new();
    let (model, history) = Trainer::new(config)
        .unwrap()
        .fit(Scalar::new(1.0, &device), |m: &Scalar, ctx| {
            seen_lr.push(ctx.lr);
            Ok(LossOutput::new(m.x.val()).into())
        })
        .unwrap();
    let want: Vec<f64> = (0..6).map(|t| schedule.lr_at(0.1, t).unwrap()).collect();
    assert_eq!(want, [0.1, 0.1, 0.05, 0.05, 0.025, 0.025]);
    assert_eq!(seen_lr, want);
    assert_eq!(
        history.records.iter().map(|r| r.lr).collect::<Vec<_>>(),
        want
    );
    let moved = 1.0 - model.value() as f64;
    assert!(
        (moved - want.iter().sum::<f64>()).abs() < 1e-5,
        "moved {moved}"
    );
}

// ---------------------------------------------------------------- precomputed gradients

/// A non-linear loss in two parts, `Σ (a ⊙ a ⊙ ca) + Σ (b ⊙ b ⊙ cb)`.
fn two_part_loss(m: &TwoParams) -> (Tensor<1>, Tensor<1>) {
    let device = m.a.val().device();
    let ca = Tensor::<1>::from_floats([0.7, 1.3], &device);
    let cb = Tensor::<2>::from_floats([[1.0, 0.4], [0.2, 2.5]], &device);
    (
        (m.a.val().powi_scalar(2) * ca).sum(),
        (m.b.val().powi_scalar(2) * cb).sum() + m.a.val().sum(),
    )
}

#[test]
fn accumulated_gradients_train_like_one_backward_pass() {
    let device = autodiff();
    let config = TrainConfig::new(6)
        .with_learning_rate(0.05)
        .with_max_grad_norm(Some(1.0))
        .with_quiet(true);
    let trainer = Trainer::new(config).unwrap();
    let (one_pass, h1) = trainer
        .fit(TwoParams::new(&device), |m: &TwoParams, _| {
            let (x, y) = two_part_loss(m);
            Ok(LossOutput::new(x + y).into())
        })
        .unwrap();
    // Two backward passes, one per part, summed with burn's accumulator.
    let (split, h2) = trainer
        .fit_with_gradients(
            TwoParams::new(&device),
            |m: &TwoParams, _| {
                let mut acc = burn::optim::GradientsAccumulator::<TwoParams>::new();
                let (x, y) = two_part_loss(m);
                let total = x.clone().detach() + y.clone().detach();
                acc.accumulate(m, GradientsParams::from_grads(x.backward(), m));
                acc.accumulate(m, GradientsParams::from_grads(y.backward(), m));
                Ok((LossOutput::new(total).into(), acc.grads()))
            },
            |_, _| Ok(ControlFlow::Continue(())),
        )
        .unwrap();
    assert_eq!(h1.len(), 6);
    for (r1, r2) in h1.records.iter().zip(&h2.records) {
        assert!((r1.loss.total - r2.loss.total).abs() < 1e-5);
        assert!((r1.grad_norm - r2.grad_norm).abs() < 1e-5);
    }
    // The run moved the parameters, identically in both modes.
    assert!(h1.records[5].loss.total < h1.records[0].loss.total);
    let a1 = to_vec_f32(one_pass.a.val());
    let a2: Vec<f64> = to_vec_f32(split.a.val())
        .iter()
        .map(|&v| v as f64)
        .collect();
    assert_close(&a1, &a2, 1e-6);
    let b1 = to_vec_f32(one_pass.b.val());
    let b2: Vec<f64> = to_vec_f32(split.b.val())
        .iter()
        .map(|&v| v as f64)
        .collect();
    assert_close(&b1, &b2, 1e-6);

    // No gradient, or a non-finite recorded loss, is a training error.
    let empty = trainer.fit_with_gradients(
        TwoParams::new(&device),
        |m: &TwoParams, _| {
            Ok((
                LossOutput::new(m.a.val().sum().detach()).into(),
                GradientsParams::new(),
            ))
        },
        |_, _| Ok(ControlFlow::Continue(())),
    );
    assert!(matches!(empty, Err(GslError::Training(_))));
    let nan = trainer.fit_with_gradients(
        TwoParams::new(&device),
        |m: &TwoParams, _| {
            let loss = m.a.val().sum();
            let grads = GradientsParams::from_grads(loss.backward(), m);
            let record = Tensor::<1>::from_floats([f32::NAN], &m.a.val().device());
            Ok((LossOutput::new(record).into(), grads))
        },
        |_, _| Ok(ControlFlow::Continue(())),
    );
    assert!(matches!(nan, Err(GslError::Training(_))));
}

// ---------------------------------------------------------------- resumable runs

/// A run with everything a continuation must restore: Adam's moments (two parameters of
/// different ranks), weight decay, clipping, a schedule, minibatches whose targets come from
/// the step seed, and early stopping that tracks a metric and keeps the best weights.
fn resumable_config(epochs: usize) -> TrainConfig {
    TrainConfig::new(epochs)
        .with_learning_rate(0.05)
        .with_weight_decay(0.01)
        .with_max_grad_norm(Some(2.0))
        .with_schedule(LrSchedule::Exponential { gamma: 0.9 })
        .with_batches_per_epoch(3)
        .with_seed(11)
        .with_quiet(true)
        .with_early_stopping(Some(
            EarlyStoppingConfig::new()
                .with_patience(100)
                .with_mode(Mode::Max)
                .with_monitor(Monitor::Metric("score".into()))
                .with_restore_best(true),
        ))
}

/// Trains `model` under `config` until `stop_after` epochs (counted from 0) have run in this
/// call, when given: the callback stops it, as a time budget would.
fn resumable_fit(
    model: TwoParams,
    config: TrainConfig,
    key: &str,
    stop_after: Option<usize>,
) -> gsl_core::Result<(TwoParams, History)> {
    let mut ran = 0;
    Trainer::new(config)?.with_state_key(&key)?.fit_with(
        model,
        |m: &TwoParams, ctx| {
            let mut rng = seeded_rng(derive_seed(ctx.seed, ctx.batch as u64));
            let ta: [f32; 2] = [rng.random_range(-1.0..1.0), rng.random_range(-1.0..1.0)];
            let device = m.a.val().device();
            let fit = (m.a.val() - Tensor::from_floats(ta, &device))
                .powi_scalar(2)
                .sum()
                + m.b.val().powi_scalar(2).sum().mul_scalar(0.1);
            // A score that peaks mid-run, so the best weights are not the last ones.
            let score = -((ctx.epoch as f64) - 3.0).abs();
            Ok(StepOutput::new(LossOutput::new(fit)).with_metric("score", score))
        },
        |_, _| {
            ran += 1;
            Ok(if stop_after == Some(ran) {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            })
        },
    )
}

#[test]
fn a_run_continued_from_its_state_equals_the_uninterrupted_run() {
    let device = autodiff();
    let (want_model, want) =
        resumable_fit(TwoParams::new(&device), resumable_config(8), "two", None).unwrap();
    assert_eq!(want.len(), 8);
    assert_eq!(want.best_epoch, Some(3));

    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let with_state = |epochs| resumable_config(epochs).with_state_dir(Some(state.clone()));
    // Two epochs; then a continuation stopped by its callback after two more; then the rest.
    let (_, first) = resumable_fit(TwoParams::new(&device), with_state(2), "two", None).unwrap();
    assert_eq!(first.len(), 2);
    let (_, second) =
        resumable_fit(TwoParams::new(&device), with_state(8), "two", Some(2)).unwrap();
    assert_eq!(second.len(), 4);
    assert_eq!(second.stop_reason, StopReason::Callback);
    let (model, got) = resumable_fit(TwoParams::new(&device), with_state(8), "two", None).unwrap();
    assert_eq!(got, want);
    assert_eq!(params_of(&model), params_of(&want_model));
    // Only the last epoch's files are kept.
    assert_eq!(
        files_in(&state),
        [
            "state-8-best.bpk",
            "state-8-model.bpk",
            "state-8-optimizer.bpk",
            "state.json"
        ]
        .into_iter()
        .map(String::from)
        .collect()
    );
    // A finished run started again trains no further and returns the same result.
    let (again, history) =
        resumable_fit(TwoParams::new(&device), with_state(8), "two", None).unwrap();
    assert_eq!(history, want);
    assert_eq!(params_of(&again), params_of(&want_model));
}

#[test]
fn a_state_of_another_run_is_refused() {
    let device = autodiff();
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let with_state = |config: TrainConfig| config.with_state_dir(Some(state.clone()));
    resumable_fit(
        TwoParams::new(&device),
        with_state(resumable_config(1)),
        "two",
        None,
    )
    .unwrap();
    let refused = |config: TrainConfig, key: &str| match resumable_fit(
        TwoParams::new(&device),
        with_state(config),
        key,
        None,
    ) {
        Err(GslError::InvalidArgument { name, reason }) => {
            assert_eq!(name, "state_dir");
            reason
        }
        other => panic!("expected a refusal, got {:?}", other.map(|(_, h)| h)),
    };
    assert!(refused(resumable_config(3), "other").contains("another model or dataset"));
    let other_lr = resumable_config(3).with_learning_rate(0.01);
    assert!(refused(other_lr, "two").contains("only `epochs` may change"));
    // A corrupt state file is a parse error naming it.
    std::fs::write(state.join(STATE_FILE), "{ not json").unwrap();
    let corrupt = resumable_fit(
        TwoParams::new(&device),
        with_state(resumable_config(3)),
        "two",
        None,
    );
    assert!(matches!(corrupt, Err(GslError::Parse { path, .. }) if path.ends_with(STATE_FILE)));
}

#[test]
fn an_early_stopped_state_is_not_trained_further() {
    let device = autodiff();
    let dir = tempfile::tempdir().unwrap();
    let config = |epochs| {
        TrainConfig::new(epochs)
            .with_quiet(true)
            .with_state_dir(Some(dir.path().to_path_buf()))
            .with_early_stopping(Some(EarlyStoppingConfig::new().with_patience(2)))
    };
    let run = |epochs| {
        Trainer::new(config(epochs))
            .unwrap()
            .fit(Scalar::new(1.0, &device), |m: &Scalar, _| {
                // A constant loss: no improvement after epoch 0, a stop after epoch 2.
                Ok(LossOutput::new(m.x.val().mul_scalar(0.0) + 1.0).into())
            })
            .unwrap()
    };
    let (_, first) = run(10);
    assert_eq!(first.len(), 3);
    assert_eq!(first.stop_reason, StopReason::EarlyStopped);
    let (_, again) = run(20);
    assert_eq!(again, first);
}
