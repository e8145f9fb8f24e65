//! Properties of the full L2G (unrolled PDS whose last layer is the TopoDiffVAE).

mod common;

use burn::module::{Module, Param};
use burn::tensor::{Device, Tensor, TensorData};
use gsl_core::dense::{from_halfvec, halfvec};
use gsl_core::tensor::to_vec_f32;
use gsl_data::supervised::{Recipe, SplitSizes, SupervisedDataset};
use gsl_mb::smooth::{PairSupport, SmoothModel, SmoothState, fbf_step};
use gsl_unroll::l2g::{L2gLayer, L2gSpec, L2gVaeLayer, L2gVaeSpec, pds_step_with_prox};
use gsl_unroll::layer::{Position, UnrollingLayer};
use gsl_unroll::loss::{LayerWeighting, LossKind, unrolled_loss};
use gsl_unroll::topovae::{TopoDiffVae, TopoVaeSpec, kl_divergence};
use gsl_unroll::train::{TrainConfig, load_model, save_model, train};
use gsl_unroll::unrolled::{UnrollConfig, Unrolled};

fn flex() -> Device {
    gsl_core::device::device_from_name("flex").unwrap()
}

fn autodiff() -> Device {
    flex().autodiff()
}

fn data(device: &Device) -> SupervisedDataset {
    Recipe::l2g_ba20(SplitSizes::new(8, 4, 4), 200, 3)
        .build(device)
        .unwrap()
}

fn model(depth: usize, device: &Device) -> Unrolled<L2gVaeLayer> {
    Unrolled::<L2gVaeLayer>::new(L2gVaeSpec::new(20), UnrollConfig::new(depth), device).unwrap()
}

#[test]
fn shapes_follow_the_authors_architecture() {
    let d = flex();
    let spec = TopoVaeSpec::new(20);
    assert_eq!(spec.num_pairs(), 190);
    // int(20·19·2/3) = int(253.33).
    assert_eq!(spec.decoder_hidden(), 253);
    let m = model(3, &d);
    assert!(m.layers[0].vae.is_none() && m.layers[1].vae.is_none());
    let vae = m.layers[2].vae.as_ref().unwrap();
    assert_eq!(vae.conv1.weight.dims(), [1, 32]);
    assert_eq!(vae.conv2.weight.dims(), [32, 64]);
    assert_eq!(vae.readout.d_input(), 64);
    assert_eq!(vae.readout.d_output(), 16);
    assert_eq!(vae.mean.weight.dims(), [16, 16]);
    assert_eq!(vae.log_var.weight.dims(), [16, 16]);
    assert_eq!(vae.decoder.layers[0].weight.dims(), [190 + 16, 253]);
    assert_eq!(vae.decoder.layers[1].weight.dims(), [253, 190]);
    assert_eq!(vae.num_pairs(), 190);
    let batch = data(&d).batch(&[0, 1, 2], &d).unwrap();
    let outputs = m.forward_layers(batch.observation).unwrap();
    assert_eq!(outputs.len(), 3);
    for out in outputs {
        assert_eq!(out.dims(), [3, 20, 20]);
    }
    // Shared parameters: the single layer carries the VAE.
    let mut shared = UnrollConfig::new(3);
    shared.shared = true;
    let s = Unrolled::<L2gVaeLayer>::new(L2gVaeSpec::new(20), shared, &d).unwrap();
    assert_eq!(s.layers.len(), 1);
    assert!(s.layers[0].vae.is_some());
}

#[test]
fn kl_matches_the_closed_form() {
    let d = flex();
    let mu = [[0.5f32, -1.0, 0.0], [2.0, 0.25, -0.3]];
    let lv = [[0.0f32, -0.7, -2.0], [-0.1, -1.5, 0.0]];
    let kl = to_vec_f32(
        kl_divergence(
            Tensor::<2>::from_floats(mu, &d),
            Tensor::<2>::from_floats(lv, &d),
        )
        .unwrap(),
    )[0];
    // KL(N(μ, σ²) ‖ N(0, 1)) = ½(μ² + σ² − 1 − log σ²) per coordinate, averaged.
    let mut expected = 0.0f64;
    for (mr, lr) in mu.iter().zip(lv.iter()) {
        for (&m, &l) in mr.iter().zip(lr.iter()) {
            let (m, l) = (f64::from(m), f64::from(l));
            expected += 0.5 * (m * m + l.exp() - 1.0 - l);
        }
    }
    expected /= 6.0;
    assert!(
        (f64::from(kl) - expected).abs() < 1e-6,
        "{kl} vs {expected}"
    );
    // Zero exactly at the prior.
    let zero =
        to_vec_f32(kl_divergence(Tensor::zeros([2, 3], &d), Tensor::zeros([2, 3], &d)).unwrap());
    assert_eq!(zero[0], 0.0);
    assert!(kl_divergence(Tensor::zeros([2, 3], &d), Tensor::zeros([2, 2], &d)).is_err());
    assert!(kl_divergence(Tensor::zeros([0, 3], &d), Tensor::zeros([0, 3], &d)).is_err());
}

#[test]
fn the_step_with_relu_prox_is_the_gsl_mb_step() {
    let d = flex();
    let batch = data(&d).batch(&[0, 1], &d).unwrap();
    let z = batch.observation_halfvec().unwrap();
    let support = PairSupport::complete(20, &d).unwrap();
    let mut state = SmoothState {
        w: Tensor::zeros(z.dims(), &d),
        v: Tensor::zeros([2, 20], &d),
    };
    let scalars = || {
        (
            Tensor::<2>::full([1, 1], 0.9, &d),
            Tensor::<2>::full([1, 1], 1.1, &d),
            Tensor::<2>::full([1, 1], 0.02, &d),
        )
    };
    for step in 0..4 {
        let (a, b, g) = scalars();
        let model = SmoothModel::Log {
            alpha: 1.0,
            beta: 1.0,
        };
        let expected = fbf_step(&model, &state, z.clone(), &support, a, b, g).unwrap();
        let ours = pds_step_with_prox(&state, z.clone(), &support, scalars(), |y| {
            Ok(y.clamp_min(0.0))
        })
        .unwrap();
        for (x, y) in [(&ours.w, &expected.w), (&ours.v, &expected.v)] {
            let diff: f32 = x.clone().sub(y.clone()).abs().max().into_scalar();
            let scale: f32 = y.clone().abs().max().into_scalar();
            assert!(diff <= 1e-5 * scale.max(1.0), "step {step}: {diff}");
        }
        state = expected;
    }
    // A prox returning the wrong shape is an error.
    let bad = pds_step_with_prox(&state, z, &support, scalars(), |y| {
        Ok(y.slice([0..1, 0..190]))
    });
    assert!(bad.is_err());
}

#[test]
fn evaluation_is_deterministic_and_decodes_the_prior_mean() {
    let d = autodiff();
    let m = model(3, &d);
    let batch = data(&d).batch(&[0, 1], &d).unwrap();
    let a = to_vec_f32(m.forward(batch.observation.clone()).unwrap());
    let b = to_vec_f32(m.forward(batch.observation.clone()).unwrap());
    assert_eq!(a, b);
    let plain = m.valid();
    let c = to_vec_f32(plain.forward(batch.observation.clone().inner()).unwrap());
    assert_eq!(a, c);
    // The training pass decodes a posterior sample, the evaluation the prior mean, so the last
    // layers differ. (Comparing two training passes with each other would race with other
    // tests that reseed the shared device generator between the two draws.)
    let t1 = m
        .forward_train(batch.observation.clone(), batch.target.clone())
        .unwrap();
    let t2 = m
        .forward_train(batch.observation.clone(), batch.target.clone())
        .unwrap();
    assert_ne!(to_vec_f32(t1.outputs[2].clone()), a);
    // The first layers are the same in both passes (no VAE there).
    assert_eq!(
        to_vec_f32(t1.outputs[1].clone()),
        to_vec_f32(t2.outputs[1].clone())
    );
    let names: Vec<&str> = t1.auxiliary.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["vae_recon", "vae_kl"]);

    // The evaluation's last prox is the decoder at z = 0: replay the step by hand.
    let input = L2gVaeLayer::prepare(&m.spec, batch.observation.clone()).unwrap();
    let mut state = L2gVaeLayer::initial_state(&m.spec, &input, None).unwrap();
    for i in 0..2 {
        let pos = Position {
            index: i,
            depth: 3,
            shared: false,
        };
        state = m.layers[i].forward(&m.spec, &input, state, pos).unwrap();
    }
    let layer = &m.layers[2];
    let s = |p: &Param<Tensor<1>>| p.val().reshape([1, 1]);
    let vae = layer.vae.as_ref().unwrap();
    let manual = pds_step_with_prox(
        &state,
        input.z.clone(),
        &input.support,
        (s(&layer.pds.alpha), s(&layer.pds.beta), s(&layer.pds.gamma)),
        |y| {
            let zeros = Tensor::zeros([2, 16], &y.device());
            vae.decode(y, zeros)
        },
    )
    .unwrap();
    assert_eq!(to_vec_f32(from_halfvec(manual.w).unwrap()), a);
}

#[test]
fn the_encoder_sees_only_the_topology_and_is_permutation_invariant() {
    let d = flex();
    let spec = TopoVaeSpec::new(6);
    let mut rng = gsl_core::train::seeded_rng(4);
    let vae = TopoDiffVae::init(&spec, &mut rng, &d).unwrap();
    // A weighted 6-node graph (half-vector order (0,1), (0,2), …).
    let w: Vec<f32> = vec![
        0.5, 0.0, 2.0, 0.0, 0.0, 1e-5, 0.3, 0.0, 0.0, 0.7, 0.0, 1.0, 0.0, 0.0, 4.0,
    ];
    let t = Tensor::<2>::from_data(TensorData::new(w.clone(), [1, 15]), &d);
    let binary: Vec<f32> = w.iter().map(|&x| f32::from(u8::from(x >= 1e-4))).collect();
    let tb = Tensor::<2>::from_data(TensorData::new(binary, [1, 15]), &d);
    let f1 = to_vec_f32(vae.encode(&spec, t.clone()).unwrap());
    let f2 = to_vec_f32(vae.encode(&spec, tb).unwrap());
    assert_eq!(f1, f2);
    // Relabel the nodes with a permutation P: A ↦ P A Pᵀ.
    let perm = [3usize, 0, 5, 1, 4, 2];
    let dense = to_vec_f32(from_halfvec(t).unwrap());
    let mut permuted = vec![0.0f32; 36];
    for i in 0..6 {
        for j in 0..6 {
            permuted[perm[i] * 6 + perm[j]] = dense[i * 6 + j];
        }
    }
    let tp = halfvec(Tensor::<3>::from_data(
        TensorData::new(permuted, [1, 6, 6]),
        &d,
    ))
    .unwrap();
    let f3 = to_vec_f32(vae.encode(&spec, tp).unwrap());
    for (a, b) in f1.iter().zip(&f3) {
        assert!((a - b).abs() <= 1e-4 * a.abs().max(1.0), "{a} vs {b}");
    }
    // A different topology gives different features.
    let mut other = w.clone();
    other[1] = 1.0;
    let to = Tensor::<2>::from_data(TensorData::new(other, [1, 15]), &d);
    assert_ne!(to_vec_f32(vae.encode(&spec, to).unwrap()), f1);
}

#[test]
fn gradients_reach_every_vae_and_pds_parameter() {
    let d = autodiff();
    let m = model(3, &d);
    let batch = data(&d).batch(&[0, 1, 2, 3], &d).unwrap();
    let out = m
        .forward_train(batch.observation.clone(), batch.target.clone())
        .unwrap();
    let preds: Vec<Tensor<2>> = out
        .outputs
        .into_iter()
        .map(|o| halfvec(o).unwrap())
        .collect();
    let mut loss = unrolled_loss(
        LossKind::Nse,
        LayerWeighting::Discounted { discount: 0.9 },
        &preds,
        batch.target_halfvec().unwrap(),
    )
    .unwrap()
    .total;
    for (_, term) in out.auxiliary {
        loss = loss.add(term);
    }
    common::assert_gradients(&m, loss, "l2g-vae");
}

#[test]
fn short_training_lowers_the_loss() {
    let d = autodiff();
    let data = data(&d);
    let m = model(4, &d);
    let mut config = TrainConfig::new(6);
    config.batch_size = 4;
    config.learning_rate = 0.01;
    config.loss = LossKind::Nse;
    config.weighting = LayerWeighting::Discounted { discount: 0.9 };
    let (_, report) = train(m, &data, &config, &d, |_| {}).unwrap();
    let first = &report.epochs[0].train_loss;
    let last = &report.epochs.last().unwrap().train_loss;
    assert!(
        last.total < 0.8 * first.total,
        "loss {} → {}",
        first.total,
        last.total
    );
    for name in ["vae_recon", "vae_kl"] {
        assert!(
            last.parts.iter().any(|(n, v)| n == name && v.is_finite()),
            "{name} missing from {:?}",
            last.parts
        );
    }
    let test = report.test.unwrap();
    assert!(test.gmse.mean.is_finite());
    assert_eq!(test.layer_nse.len(), 4);
}

#[test]
fn checkpoint_round_trip_reproduces_predictions() {
    let d = flex();
    let dir = tempfile::tempdir().unwrap();
    let mut config = UnrollConfig::new(3);
    config.seed = 5;
    let m = Unrolled::<L2gVaeLayer>::new(L2gVaeSpec::new(20), config, &d).unwrap();
    let obs = data(&d).batch(&[0, 1], &d).unwrap().observation;
    save_model(&m, 0.1, dir.path(), false).unwrap();
    assert!(save_model(&m, 0.1, dir.path(), false).is_err(), "overwrote");
    let (loaded, threshold) = load_model::<L2gVaeLayer>(dir.path(), &d).unwrap();
    assert_eq!(threshold, 0.1);
    assert_eq!(
        to_vec_f32(m.forward(obs.clone()).unwrap()),
        to_vec_f32(loaded.forward(obs).unwrap())
    );
    // Not loadable as the unrolled PDS, nor the other way round.
    assert!(load_model::<L2gLayer>(dir.path(), &d).is_err());
    let pds_dir = tempfile::tempdir().unwrap();
    let pds = Unrolled::<L2gLayer>::new(L2gSpec::default(), UnrollConfig::new(3), &d).unwrap();
    save_model(&pds, 0.1, pds_dir.path(), false).unwrap();
    assert!(load_model::<L2gVaeLayer>(pds_dir.path(), &d).is_err());
}

#[test]
fn bad_inputs_are_errors() {
    let d = flex();
    // Node count fixed by the VAE: 10-node observations for a 20-node model.
    let m = model(2, &d);
    let err = m.forward(Tensor::<3>::ones([1, 10, 10], &d)).unwrap_err();
    assert!(err.to_string().contains("fixed N"), "{err}");
    assert!(
        m.forward(Tensor::<3>::full([1, 20, 20], f32::NAN, &d))
            .is_err()
    );
    assert!(m.forward(Tensor::<3>::full([1, 20, 20], -1.0, &d)).is_err());
    // Target of another shape in the training pass.
    let obs = data(&d).batch(&[0], &d).unwrap().observation;
    assert!(
        m.forward_train(obs, Tensor::zeros([1, 19, 19], &d))
            .is_err()
    );
    // Invalid settings.
    let bad = |f: fn(&mut L2gVaeSpec)| {
        let mut s = L2gVaeSpec::new(20);
        f(&mut s);
        Unrolled::<L2gVaeLayer>::new(s, UnrollConfig::new(2), &d).is_err()
    };
    assert!(bad(|s| s.vae.nodes = 1));
    assert!(bad(|s| s.vae.latent = 0));
    assert!(bad(|s| s.vae.hidden = 0));
    assert!(bad(|s| s.vae.kl_weight = -1.0));
    assert!(bad(|s| s.vae.threshold = f64::NAN));
    assert!(bad(|s| s.negative_slope = 1.5));
    assert!(bad(|s| s.pds.gamma_init = 0.0));
    assert!(Unrolled::<L2gVaeLayer>::new(L2gVaeSpec::new(20), UnrollConfig::new(0), &d).is_err());
    // The VAE's own checks.
    let spec = TopoVaeSpec::new(5);
    let vae = TopoDiffVae::init(&spec, &mut gsl_core::train::seeded_rng(1), &d).unwrap();
    assert!(vae.encode(&spec, Tensor::zeros([1, 9], &d)).is_err());
    assert!(vae.encode(&spec, Tensor::zeros([0, 10], &d)).is_err());
    assert!(
        vae.encode(&spec, Tensor::full([1, 10], f32::INFINITY, &d))
            .is_err()
    );
    assert!(
        vae.decode(Tensor::zeros([2, 10], &d), Tensor::zeros([2, 3], &d))
            .is_err()
    );
    assert!(
        vae.posterior(
            &spec,
            Tensor::zeros([2, 10], &d),
            Tensor::zeros([1, 10], &d)
        )
        .is_err()
    );
    assert!(
        vae.forward_with_noise(
            &spec,
            Tensor::zeros([2, 10], &d),
            Tensor::zeros([2, 10], &d),
            Tensor::zeros([2, 4], &d)
        )
        .is_err()
    );
}

#[test]
fn step_parameters_stay_free_unlike_the_unrolled_pds() {
    // The authors' `learn2graph` never projects α, β, γ: a value the optimiser drives negative
    // must survive `project`, and the step must stay finite thanks to the prox's clamp.
    let d = flex();
    let spec = L2gVaeSpec::new(20);
    let scalar = |v: f32| Param::from_tensor(Tensor::<1>::from_floats([v], &d));
    let pds = || L2gLayer {
        alpha: scalar(-0.2),
        beta: scalar(-0.5),
        gamma: scalar(0.01),
    };
    let value = |p: &Param<Tensor<1>>| to_vec_f32(p.val())[0];
    let free = L2gVaeLayer {
        pds: pds(),
        vae: None,
    }
    .project(&spec);
    assert_eq!(value(&free.pds.alpha), -0.2);
    assert_eq!(value(&free.pds.beta), -0.5);
    assert_eq!(value(&free.pds.gamma), 0.01);
    // The unrolled PDS keeps them positive (its gsl-mb step has no clamp).
    let clamped = pds().project(&L2gSpec::default());
    assert_eq!(value(&clamped.alpha), 1e-6);
    assert_eq!(value(&clamped.beta), 1e-6);
    assert_eq!(value(&clamped.gamma), 0.01);

    let batch = data(&d).batch(&[0, 1], &d).unwrap();
    let input = L2gVaeLayer::prepare(&spec, batch.observation).unwrap();
    let mut state = L2gVaeLayer::initial_state(&spec, &input, None).unwrap();
    for index in 0..3 {
        let pos = Position {
            index,
            depth: 4,
            shared: false,
        };
        state = free.forward(&spec, &input, state, pos).unwrap();
    }
    let w = to_vec_f32(state.w);
    let v = to_vec_f32(state.v);
    assert!(w.iter().chain(&v).all(|x| x.is_finite()));
    // αγ < 0 makes the clamp bind: without it the dual prox would take √ of a negative number.
    assert!(v.iter().any(|&x| x != 0.0));
}
