//! Supervised datasets: recipe structure (sizes, weights, targets), observations against their
//! definitions, split disjointness, batching, reproducibility and errors.

use burn::tensor::Device;
use gsl_core::tensor::to_vec_f32;
use gsl_core::{EdgeList, GslError};
use gsl_data::ensembles::{edge_density, is_connected};
use gsl_data::signals::{SignalModel, graph_factors};
use gsl_data::supervised::{
    Observation, Recipe, SignalConfig, Split, SplitSizes, SupervisedDataset, Target,
};

fn device() -> Device {
    gsl_core::device::device_from_name("flex").unwrap()
}

#[test]
fn l2g_ba20_pairs_have_the_recipe_structure() {
    let device = device();
    let data = Recipe::l2g_ba20(SplitSizes::new(6, 3, 2), 400, 5)
        .build(&device)
        .unwrap();
    assert_eq!(data.len(), 11);
    assert_eq!(data.observation_shape, [20, 20]);
    // Splits: disjoint and covering.
    let mut all: Vec<usize> = [&data.train[..], &data.val[..], &data.test[..]].concat();
    assert_eq!(
        (data.train.len(), data.val.len(), data.test.len()),
        (6, 3, 2)
    );
    all.sort_unstable();
    assert_eq!(all, (0..11).collect::<Vec<_>>());
    for (k, g) in data.graphs.iter().enumerate() {
        // BA(20, 3) from a star has 3·17 edges; weights sum to N over the full matrix.
        assert_eq!(g.num_edges(), 2 * 3 * 17);
        let total: f32 = g.weights().unwrap().iter().sum();
        assert!((total - 20.0).abs() < 1e-3);
        let target = &data.targets[k * 400..(k + 1) * 400];
        assert!((target.iter().sum::<f32>() - 20.0).abs() < 1e-3);
        // Observation: symmetric, zero diagonal, non-negative.
        let z = &data.observations[k * 400..(k + 1) * 400];
        for i in 0..20 {
            assert_eq!(z[i * 20 + i], 0.0);
            for j in 0..20 {
                assert!(z[i * 20 + j] >= 0.0);
                assert!((z[i * 20 + j] - z[j * 20 + i]).abs() <= 1e-4 * z[i * 20 + j].max(1.0));
            }
        }
    }
}

#[test]
fn mean_squared_distances_converge_to_their_expectation() {
    // E[(x_i − x_j)²] = Σ_ii + Σ_jj − 2Σ_ij; with P = 4000 samples the relative error of each
    // entry is about √(2/P) ≈ 2%, so 10% is a loose but failing-on-a-bug bound.
    let device = device();
    let data = Recipe::l2g_ba20(SplitSizes::new(1, 0, 0), 4000, 9)
        .build(&device)
        .unwrap();
    let f = graph_factors(&data.graphs, &SignalModel::l2g(), 0).unwrap();
    let s = &f.covariances;
    let z = &data.observations;
    for i in 0..20 {
        for j in 0..20 {
            if i == j {
                continue;
            }
            let want = s[i * 20 + i] + s[j * 20 + j] - 2.0 * s[i * 20 + j];
            let got = z[i * 20 + j];
            assert!(
                (got - want).abs() < 0.1 * want,
                "({i},{j}): {got} vs {want}"
            );
        }
    }
}

#[test]
fn gdn_diffusion_graphs_satisfy_the_density_band_and_observations_are_normalised() {
    let device = device();
    let data = Recipe::gdn_diffusion(SplitSizes::new(3, 1, 1), 50, 2)
        .unwrap()
        .build(&device)
        .unwrap();
    assert_eq!(data.observation_shape, [68, 68]);
    for (k, g) in data.graphs.iter().enumerate() {
        let d = edge_density(g).unwrap();
        assert!((0.5..=0.6).contains(&d), "density {d}");
        assert!(is_connected(g));
        // Largest eigenvalue magnitude of each observation is 1.
        let obs = &data.observations[k * 68 * 68..(k + 1) * 68 * 68];
        let m = nalgebra::DMatrix::from_row_slice(68, 68, obs).map(f64::from);
        let eig = nalgebra::SymmetricEigen::new(m);
        let rho = eig.eigenvalues.amax();
        assert!((rho - 1.0).abs() < 1e-3, "spectral radius {rho}");
        // Binary target.
        let t = &data.targets[k * 68 * 68..(k + 1) * 68 * 68];
        assert!(t.iter().all(|&v| v == 0.0 || v == 1.0));
    }
}

#[test]
fn glad_targets_are_precisions_with_er_support() {
    let device = device();
    let data = Recipe::glad_gaussian(SplitSizes::new(2, 1, 1), 15, 200, 4)
        .build(&device)
        .unwrap();
    let n = 15;
    for (k, g) in data.graphs.iter().enumerate() {
        let theta = &data.targets[k * n * n..(k + 1) * n * n];
        let m = nalgebra::DMatrix::from_row_slice(n, n, theta).map(f64::from);
        assert!((nalgebra::SymmetricEigen::new(m).eigenvalues.min() - 1.0).abs() < 1e-4);
        let nnz_off = (0..n * n)
            .filter(|&e| e / n != e % n && theta[e] != 0.0)
            .count();
        assert_eq!(nnz_off, g.num_edges());
    }
}

#[test]
fn pseudo_synthetic_uses_the_given_graph_for_every_pair() {
    let device = device();
    let ring = EdgeList::from_weighted(
        6,
        &[
            (0, 1, 1.0),
            (1, 2, 2.0),
            (2, 3, 1.0),
            (3, 4, 0.5),
            (4, 5, 1.0),
            (5, 0, 1.5),
        ],
    )
    .unwrap()
    .build(gsl_core::BuildOptions::default())
    .unwrap();
    let data = Recipe::pseudo_synthetic(vec![ring.clone()], SplitSizes::new(2, 1, 1), 30, 0)
        .unwrap()
        .build(&device)
        .unwrap();
    assert!(data.graphs.iter().all(|g| *g == ring));
    // Same graph, different signals: the observations differ.
    assert_ne!(data.observations[..36], data.observations[36..72]);
    assert_eq!(data.targets[1], 1.0);
    assert_eq!(data.targets[6 + 2], 2.0);
}

#[test]
fn batches_cover_a_split_once_and_match_the_host_data() {
    let device = device();
    let data = Recipe::l2g_ba20(SplitSizes::new(7, 2, 2), 50, 1)
        .build(&device)
        .unwrap();
    let mut seen = Vec::new();
    for batch in data.batches(Split::Train, 3, Some(8), &device).unwrap() {
        assert!(batch.indices.len() <= 3);
        let obs = to_vec_f32(batch.observation.clone());
        let tgt = to_vec_f32(batch.target.clone());
        for (b, &i) in batch.indices.iter().enumerate() {
            assert_eq!(
                obs[b * 400..(b + 1) * 400],
                data.observations[i * 400..(i + 1) * 400]
            );
            assert_eq!(
                tgt[b * 400..(b + 1) * 400],
                data.targets[i * 400..(i + 1) * 400]
            );
        }
        assert_eq!(
            batch.target_halfvec().unwrap().dims(),
            [batch.indices.len(), 190]
        );
        seen.extend(batch.indices);
    }
    seen.sort_unstable();
    let mut train = data.train.clone();
    train.sort_unstable();
    assert_eq!(seen, train);
}

#[test]
fn the_same_seed_rebuilds_the_same_dataset() {
    let device = device();
    let build = |seed| {
        Recipe::l2g_ws50(SplitSizes::new(2, 1, 1), 20, seed)
            .build(&device)
            .unwrap()
    };
    let (a, b, c) = (build(3), build(3), build(4));
    assert_eq!(a.observations, b.observations);
    assert_eq!(a.targets, b.targets);
    assert_eq!(
        (a.train.clone(), a.test.clone()),
        (b.train.clone(), b.test.clone())
    );
    assert_ne!(a.observations, c.observations);
}

#[test]
fn signals_observation_keeps_the_raw_signals_and_chunking_is_invisible() {
    let device = device();
    let mut recipe = Recipe::l2g_ba20(SplitSizes::new(3, 1, 1), 12, 6);
    recipe.signals.observation = Observation::Signals;
    recipe.signals.chunk_size = 2;
    let mut calls = Vec::new();
    let a = recipe
        .build_with_progress(&device, &mut |done, total| calls.push((done, total)))
        .unwrap();
    assert_eq!(calls, vec![(2, 5), (4, 5), (5, 5)]);
    assert_eq!(a.observation_shape, [20, 12]);
    recipe.signals.chunk_size = 5;
    let b = recipe.build(&device).unwrap();
    assert_eq!(a.observations, b.observations);
}

#[test]
fn invalid_configurations_are_errors() {
    let device = device();
    let graphs = Recipe::l2g_ba20(SplitSizes::new(2, 1, 1), 10, 0)
        .sample_graphs()
        .unwrap();
    let good = SignalConfig {
        model: SignalModel::l2g(),
        num_signals: 10,
        noise_std: 0.0,
        observation: Observation::SampleCovariance,
        normalize_max_eigenvalue: false,
        target: Target::Adjacency,
        chunk_size: 4,
    };
    let run = |config: &SignalConfig, sizes: SplitSizes| {
        SupervisedDataset::from_graphs(graphs.clone(), config, sizes, 0, &device, &mut |_, _| {})
    };
    assert!(run(&good, SplitSizes::new(2, 1, 1)).is_ok());
    // Sizes that do not add up.
    assert!(run(&good, SplitSizes::new(2, 1, 2)).is_err());
    let bad = [
        SignalConfig {
            num_signals: 1,
            ..good.clone()
        },
        SignalConfig {
            noise_std: -1.0,
            ..good.clone()
        },
        SignalConfig {
            chunk_size: 0,
            ..good.clone()
        },
        SignalConfig {
            target: Target::Precision,
            model: SignalModel::Smooth,
            ..good.clone()
        },
        SignalConfig {
            observation: Observation::Signals,
            normalize_max_eigenvalue: true,
            ..good.clone()
        },
    ];
    for config in &bad {
        assert!(
            matches!(
                run(config, SplitSizes::new(2, 1, 1)),
                Err(GslError::InvalidArgument { .. })
            ),
            "{config:?}"
        );
    }
    let data = run(&good, SplitSizes::new(4, 0, 0)).unwrap();
    assert!(data.batches(Split::Val, 2, None, &device).is_err());
    assert!(data.batches(Split::Train, 0, None, &device).is_err());
    assert!(data.batch(&[4], &device).is_err());
    assert!(data.batch(&[], &device).is_err());
    // Zero graphs.
    assert!(
        Recipe::l2g_ba20(SplitSizes::new(0, 0, 0), 10, 0)
            .build(&device)
            .is_err()
    );
}
