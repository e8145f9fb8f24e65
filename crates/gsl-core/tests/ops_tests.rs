//! Graph operators: Laplacian spectra, sparse products and their gradients, K-hop propagation,
//! matrix polynomials, power iteration, structure edits and the degree operator.
//!
//! Reference numbers come from `fixtures/ops_reference.json`, written once by
//! `fixtures/ops_similarity_reference.py` (numpy).

mod common;

use common::{assert_close, device, flatten, parse_fixture, tensor};

use burn::tensor::{Device, Tensor, TensorData};
use gsl_core::dense::upper_triangle_pairs;
use gsl_core::ops::{
    LaplacianKind, chebyshev_filter, chebyshev_filter_sparse, chebyshev_polynomial, degree_op,
    degree_op_adjoint, induced_subgraph, laplacian, laplacian_dense, largest_eigenvalue,
    monomial_polynomial, normalize_by_largest_eigenvalue, propagate, symmetrize, symmetrize_graph,
    zero_diagonal,
};
use gsl_core::tensor::to_vec_f32;
use gsl_core::{BuildOptions, Duplicates, EdgeList, Graph, GslError};
use serde_json::Value;

fn fixture() -> Value {
    parse_fixture(include_str!("fixtures/ops_reference.json"))
}

fn weighted_edges(v: &Value) -> Vec<(usize, usize, f32)> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let e = e.as_array().unwrap();
            (
                e[0].as_u64().unwrap() as usize,
                e[1].as_u64().unwrap() as usize,
                e[2].as_f64().unwrap() as f32,
            )
        })
        .collect()
}

fn undirected(n: usize, edges: &[(usize, usize, f32)], device: &Device) -> Graph {
    let list = EdgeList::from_weighted(n, edges).unwrap();
    Graph::from_edges(&list, BuildOptions::default(), device).unwrap()
}

/// Eigenvalues of a small symmetric matrix by cyclic Jacobi rotations (f64), ascending.
fn jacobi_eigenvalues(a: &[f32], n: usize) -> Vec<f64> {
    let mut m: Vec<f64> = a.iter().map(|&x| x as f64).collect();
    for _sweep in 0..100 {
        let off: f64 = (0..n)
            .flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| m[i * n + j].powi(2))
            .sum();
        if off < 1e-22 {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = m[p * n + q];
                if apq.abs() < 1e-300 {
                    continue;
                }
                let theta = (m[q * n + q] - m[p * n + p]) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..n {
                    let (mkp, mkq) = (m[k * n + p], m[k * n + q]);
                    m[k * n + p] = c * mkp - s * mkq;
                    m[k * n + q] = s * mkp + c * mkq;
                }
                for k in 0..n {
                    let (mpk, mqk) = (m[p * n + k], m[q * n + k]);
                    m[p * n + k] = c * mpk - s * mqk;
                    m[q * n + k] = s * mpk + c * mqk;
                }
            }
        }
    }
    let mut eig: Vec<f64> = (0..n).map(|i| m[i * n + i]).collect();
    eig.sort_by(|a, b| a.partial_cmp(b).unwrap());
    eig
}

#[test]
fn jacobi_helper_matches_a_closed_form() {
    // [[2, 1], [1, 2]] has eigenvalues 1 and 3.
    let eig = jacobi_eigenvalues(&[2.0, 1.0, 1.0, 2.0], 2);
    assert!((eig[0] - 1.0).abs() < 1e-12 && (eig[1] - 3.0).abs() < 1e-12);
}

#[test]
fn combinatorial_laplacian_is_psd_with_zero_rows_and_one_zero_per_component() {
    let dev = device();
    let fx = &fixture()["two_components"];
    let n = fx["n"].as_u64().unwrap() as usize;
    let graph = undirected(n, &weighted_edges(&fx["edges"]), &dev);
    let l = to_vec_f32(
        laplacian(&graph, LaplacianKind::Combinatorial)
            .unwrap()
            .to_dense(),
    );
    for i in 0..n {
        let row: f32 = l[i * n..(i + 1) * n].iter().sum();
        assert!(row.abs() < 1e-5, "row {i} sums to {row}");
    }
    let eig = jacobi_eigenvalues(&l, n);
    assert!(eig.iter().all(|&e| e > -1e-5), "not PSD: {eig:?}");
    let zeros = eig.iter().filter(|e| e.abs() < 1e-4).count();
    assert_eq!(
        zeros, 2,
        "two components must give two zero eigenvalues: {eig:?}"
    );
    let (want, _) = flatten(&fx["combinatorial_eigenvalues"]);
    let got: Vec<f32> = eig.iter().map(|&e| e as f32).collect();
    assert_close(&got, &want, 1e-4, "combinatorial spectrum vs numpy");
}

#[test]
fn symmetric_laplacian_spectrum_is_in_0_2_and_reaches_2_on_bipartite_graphs() {
    let dev = device();
    let fx = fixture();
    for (case, bipartite) in [("two_components", false), ("bipartite", true)] {
        let n = fx[case]["n"].as_u64().unwrap() as usize;
        let graph = undirected(n, &weighted_edges(&fx[case]["edges"]), &dev);
        let l = laplacian(&graph, LaplacianKind::SymmetricNormalized).unwrap();
        let eig = jacobi_eigenvalues(&to_vec_f32(l.to_dense()), n);
        assert!(
            eig.iter().all(|&e| (-1e-5..=2.0 + 1e-5).contains(&e)),
            "{case}: {eig:?}"
        );
        let (want, _) = flatten(&fx[case]["symmetric_eigenvalues"]);
        let got: Vec<f32> = eig.iter().map(|&e| e as f32).collect();
        assert_close(&got, &want, 1e-4, case);
        let top = *eig.last().unwrap();
        assert_eq!(
            (top - 2.0).abs() < 1e-4,
            bipartite,
            "{case}: top eigenvalue {top}"
        );
    }
}

#[test]
fn random_walk_laplacian_rows_sum_to_zero_and_match_the_definition() {
    let dev = device();
    let graph = undirected(
        4,
        &[(0, 1, 2.0), (1, 2, 1.0), (2, 0, 3.0), (2, 3, 0.5)],
        &dev,
    );
    let a = to_vec_f32(graph.to_dense());
    let l = to_vec_f32(
        laplacian(&graph, LaplacianKind::RandomWalk)
            .unwrap()
            .to_dense(),
    );
    for i in 0..4 {
        let d: f32 = a[i * 4..(i + 1) * 4].iter().sum();
        for j in 0..4 {
            let want = if i == j { 1.0 } else { 0.0 } - a[i * 4 + j] / d;
            assert!((l[i * 4 + j] - want).abs() < 1e-6);
        }
        let row: f32 = l[i * 4..(i + 1) * 4].iter().sum();
        assert!(row.abs() < 1e-6);
    }
}

#[test]
fn dense_laplacians_equal_sparse_ones_including_isolated_nodes_and_self_loops() {
    let dev = device();
    // Node 4 is isolated; node 0 has a self-loop.
    let list =
        EdgeList::from_weighted(5, &[(0, 1, 1.0), (1, 2, 2.0), (2, 3, 0.5), (0, 0, 0.7)]).unwrap();
    let options = BuildOptions {
        self_loops: gsl_core::SelfLoops::Keep,
        ..BuildOptions::default()
    };
    let graph = Graph::from_edges(&list, options, &dev).unwrap();
    let dense = graph.to_dense().unsqueeze_dim::<3>(0);
    for kind in [
        LaplacianKind::Combinatorial,
        LaplacianKind::SymmetricNormalized,
        LaplacianKind::RandomWalk,
    ] {
        let sparse = to_vec_f32(laplacian(&graph, kind).unwrap().to_dense());
        let dense = to_vec_f32(laplacian_dense(dense.clone(), kind).unwrap());
        assert_close(&dense, &sparse, 1e-6, &format!("{kind:?}"));
        if kind != LaplacianKind::Combinatorial {
            // The isolated node's row is the identity row (documented convention).
            assert_eq!(&sparse[20..25], &[0.0, 0.0, 0.0, 0.0, 1.0]);
        }
    }
    // Combinatorial with a self-loop: L_00 = d_0 − a_00 = 1.
    let l = to_vec_f32(
        laplacian(&graph, LaplacianKind::Combinatorial)
            .unwrap()
            .to_dense(),
    );
    assert!((l[0] - 1.0).abs() < 1e-6);
}

#[test]
fn laplacians_of_an_edgeless_graph_are_zero_or_identity() {
    let dev = device();
    let graph = EdgeList::from_pairs(3, &[]).unwrap().to_graph(&dev);
    let comb = to_vec_f32(
        laplacian(&graph, LaplacianKind::Combinatorial)
            .unwrap()
            .to_dense(),
    );
    assert_eq!(comb, vec![0.0; 9]);
    let eye = vec![1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0];
    for kind in [
        LaplacianKind::SymmetricNormalized,
        LaplacianKind::RandomWalk,
    ] {
        assert_eq!(to_vec_f32(laplacian(&graph, kind).unwrap().to_dense()), eye);
        let dense = laplacian_dense(Tensor::zeros([1, 3, 3], &dev), kind).unwrap();
        assert_eq!(to_vec_f32(dense), eye);
    }
}

#[test]
fn laplacians_reject_negative_weights_and_empty_inputs() {
    let dev = device();
    let graph = undirected(3, &[(0, 1, 1.0), (1, 2, -0.5)], &dev);
    assert!(matches!(
        laplacian(&graph, LaplacianKind::Combinatorial),
        Err(GslError::InvalidArgument { .. })
    ));
    let dense = graph.to_dense().unsqueeze_dim::<3>(0);
    assert!(matches!(
        laplacian_dense(dense, LaplacianKind::SymmetricNormalized),
        Err(GslError::InvalidArgument { .. })
    ));
    let empty = EdgeList::from_pairs(0, &[]).unwrap().to_graph(&dev);
    assert!(matches!(
        laplacian(&empty, LaplacianKind::Combinatorial),
        Err(GslError::EmptyGraph(_))
    ));
    let not_square = Tensor::<3>::zeros([1, 2, 3], &dev);
    assert!(matches!(
        laplacian_dense(not_square, LaplacianKind::Combinatorial),
        Err(GslError::ShapeMismatch { .. })
    ));
    let nan = Tensor::<3>::full([1, 2, 2], f32::NAN, &dev);
    assert!(matches!(
        laplacian_dense(nan, LaplacianKind::Combinatorial),
        Err(GslError::NonFinite(_))
    ));
}

fn small_weighted_graph(dev: &Device) -> Graph {
    let list = EdgeList::from_weighted(
        5,
        &[
            (0, 1, 0.5),
            (1, 0, 1.5),
            (1, 2, 2.0),
            (2, 4, -1.0),
            (3, 3, 0.7),
            (4, 0, 1.2),
            (4, 0, 0.3),
        ],
    )
    .unwrap();
    // Directed, duplicates kept as separate entries so repeated edges add up.
    list.to_graph(dev)
}

fn host_features(dev: &Device) -> Tensor<2> {
    let x: Vec<f32> = (0..15).map(|i| ((i * 7 % 11) as f32 - 5.0) / 3.0).collect();
    Tensor::from_data(TensorData::new(x, [5, 3]), dev)
}

#[test]
fn spmm_equals_the_dense_product_in_values_and_gradients() {
    let dev = device().autodiff();
    let graph = small_weighted_graph(&dev);
    let w0 = to_vec_f32(graph.edge_weight().unwrap().clone());
    let r = Tensor::<2>::from_data(
        TensorData::new((0..15).map(|i| (i as f32 * 0.37).sin()).collect(), [5, 3]),
        &dev,
    );
    // Two independent forward passes (no retained graph), each from fresh leaves.
    let run = |dense: bool| {
        let x = host_features(&dev).require_grad();
        let w =
            Tensor::<1>::from_data(TensorData::new(w0.clone(), [w0.len()]), &dev).require_grad();
        let g = graph.with_weights(w.clone()).unwrap();
        let y = if dense {
            g.to_dense().matmul(x.clone())
        } else {
            g.spmm(x.clone()).unwrap()
        };
        let grads = y.clone().mul(r.clone()).sum().backward();
        (
            to_vec_f32(y),
            to_vec_f32(x.grad(&grads).unwrap()),
            to_vec_f32(w.grad(&grads).unwrap()),
        )
    };
    let (ys, gxs, gws) = run(false);
    let (yd, gxd, gwd) = run(true);
    assert_close(&ys, &yd, 1e-6, "values");
    assert_close(&gxs, &gxd, 1e-6, "grad x");
    assert_close(&gws, &gwd, 1e-6, "grad w");
    // Closed form for one weight: d/dw_e Σ r ⊙ (A X) = ⟨r[src_e], x[dst_e]⟩ (edge 2: 1 → 2).
    let x = to_vec_f32(host_features(&dev));
    let rv = to_vec_f32(r);
    let want: f32 = (0..3).map(|f| rv[3 + f] * x[6 + f]).sum();
    assert!((gws[2] - want).abs() < 1e-6);
}

#[test]
fn propagate_equals_the_dense_matrix_power() {
    let dev = device();
    let graph = small_weighted_graph(&dev);
    let x = host_features(&dev);
    let a = graph.to_dense();
    let mut dense = x.clone();
    for k in 0..4 {
        let got = to_vec_f32(propagate(&graph, x.clone(), k).unwrap());
        assert_close(&got, &to_vec_f32(dense.clone()), 1e-5, &format!("k = {k}"));
        dense = a.clone().matmul(dense);
    }
    assert!(matches!(
        propagate(&graph, Tensor::zeros([4, 3], &dev), 1),
        Err(GslError::ShapeMismatch { .. })
    ));
    assert!(matches!(
        propagate(&graph, Tensor::full([5, 3], f32::INFINITY, &dev), 1),
        Err(GslError::NonFinite(_))
    ));
}

#[test]
fn monomial_polynomial_matches_numpy_and_broadcasts_coefficients() {
    let dev = device();
    let fx = &fixture()["monomial"];
    let a = tensor::<3>(&fx["a"], &dev);
    let c = tensor::<2>(&fx["coeffs"], &dev);
    let got = to_vec_f32(monomial_polynomial(a.clone(), c.clone()).unwrap());
    assert_close(&got, &flatten(&fx["out"]).0, 1e-4, "monomial vs numpy");
    // A [1, K+1] row is shared by the batch: same as repeating it.
    let shared = c.clone().narrow(0, 0, 1);
    let got = to_vec_f32(monomial_polynomial(a.clone(), shared.clone()).unwrap());
    let want = to_vec_f32(monomial_polynomial(a, shared.repeat_dim(0, 2)).unwrap());
    assert_close(&got, &want, 1e-6, "broadcast coefficients");
}

#[test]
fn chebyshev_matches_numpy_and_the_monomial_basis_after_change_of_basis() {
    let dev = device();
    let fx = &fixture()["chebyshev"];
    let l = tensor::<3>(&fx["l"], &dev);
    let lmax = tensor::<1>(&fx["lambda_max"], &dev);
    let c = tensor::<2>(&fx["coeffs"], &dev);
    let x = tensor::<3>(&fx["x"], &dev);
    let cheb = chebyshev_polynomial(l.clone(), c.clone(), lmax.clone()).unwrap();
    assert_close(
        &to_vec_f32(cheb.clone()),
        &flatten(&fx["out"]).0,
        1e-4,
        "chebyshev vs numpy",
    );
    // Σ c_k T_k(L̃) = Σ m_k L̃^k with m = cheb2poly(c).
    let eye = Tensor::<2>::eye(5, &dev).unsqueeze_dim::<3>(0);
    let scaled = l
        .clone()
        .mul_scalar(2.0)
        .div(lmax.clone().reshape([2, 1, 1]))
        .sub(eye);
    let m = tensor::<2>(&fx["monomial_coeffs"], &dev);
    let mono = monomial_polynomial(scaled, m).unwrap();
    assert_close(
        &to_vec_f32(mono),
        &to_vec_f32(cheb),
        1e-4,
        "change of basis",
    );
    // The filter applied to signals equals the matrix polynomial times the signals.
    let filtered = chebyshev_filter(l.clone(), x.clone(), c.clone(), lmax.clone()).unwrap();
    assert_close(
        &to_vec_f32(filtered),
        &flatten(&fx["filter_out"]).0,
        1e-4,
        "filter vs numpy",
    );
}

#[test]
fn sparse_chebyshev_filter_equals_the_dense_one() {
    let dev = device();
    let graph = undirected(
        5,
        &[
            (0, 1, 1.0),
            (1, 2, 2.0),
            (2, 3, 0.5),
            (3, 4, 1.5),
            (4, 0, 1.0),
        ],
        &dev,
    );
    let l = laplacian(&graph, LaplacianKind::Combinatorial).unwrap();
    let x = host_features(&dev);
    let c = Tensor::<1>::from_floats([0.5, -1.0, 0.25, 0.75], &dev);
    let sparse = chebyshev_filter_sparse(&l, x.clone(), c.clone(), 5.0).unwrap();
    let dense = chebyshev_filter(
        l.to_dense().unsqueeze_dim(0),
        x.unsqueeze_dim(0),
        c.clone().unsqueeze_dim(0),
        Tensor::from_floats([5.0], &dev),
    )
    .unwrap();
    assert_close(
        &to_vec_f32(sparse),
        &to_vec_f32(dense),
        1e-5,
        "sparse vs dense",
    );
    assert!(matches!(
        chebyshev_filter_sparse(&l, host_features(&dev), c.clone(), 0.0),
        Err(GslError::InvalidArgument { .. })
    ));
    assert!(matches!(
        chebyshev_filter_sparse(&l, Tensor::zeros([4, 3], &dev), c, 2.0),
        Err(GslError::ShapeMismatch { .. })
    ));
}

#[test]
fn polynomial_gradients_match_closed_forms_and_finite_differences() {
    let dev = device().autodiff();
    let fx = &fixture()["chebyshev"];
    let l_host = flatten(&fx["l"]).0;
    let c_host = flatten(&fx["coeffs"]).0;
    let lmax_host = flatten(&fx["lambda_max"]).0;
    let x_host = flatten(&fx["x"]).0;
    let objective = |l: Tensor<3>, c: Tensor<2>| {
        let lmax = Tensor::<1>::from_data(TensorData::new(lmax_host.clone(), [2]), &dev);
        let x = Tensor::<3>::from_data(TensorData::new(x_host.clone(), [2, 5, 3]), &dev);
        chebyshev_filter(l, x, c, lmax).unwrap().square().sum()
    };
    let l = Tensor::<3>::from_data(TensorData::new(l_host.clone(), [2, 5, 5]), &dev).require_grad();
    let c = Tensor::<2>::from_data(TensorData::new(c_host.clone(), [2, 5]), &dev).require_grad();
    let grads = objective(l.clone(), c.clone()).backward();
    let gl = to_vec_f32(l.grad(&grads).unwrap());
    let gc = to_vec_f32(c.grad(&grads).unwrap());
    let eval = |lv: &[f32], cv: &[f32]| -> f64 {
        let l = Tensor::<3>::from_data(TensorData::new(lv.to_vec(), [2, 5, 5]), &dev);
        let c = Tensor::<2>::from_data(TensorData::new(cv.to_vec(), [2, 5]), &dev);
        objective(l, c).into_scalar::<f32>() as f64
    };
    let h = 1e-2f32;
    for &i in &[0usize, 7, 13, 31, 49] {
        let (mut up, mut down) = (l_host.clone(), l_host.clone());
        up[i] += h;
        down[i] -= h;
        let fd = (eval(&up, &c_host) - eval(&down, &c_host)) / (2.0 * h as f64);
        assert!(
            (gl[i] as f64 - fd).abs() < 2e-2 * (1.0 + fd.abs()),
            "dL[{i}]: autodiff {} vs finite difference {fd}",
            gl[i]
        );
    }
    for i in 0..10 {
        let (mut up, mut down) = (c_host.clone(), c_host.clone());
        up[i] += h;
        down[i] -= h;
        let fd = (eval(&l_host, &up) - eval(&l_host, &down)) / (2.0 * h as f64);
        assert!(
            (gc[i] as f64 - fd).abs() < 1e-2 * (1.0 + fd.abs()),
            "dc[{i}]: autodiff {} vs finite difference {fd}",
            gc[i]
        );
    }
    // Monomial: d/dc_k Σ P = Σ A^k exactly (the polynomial is linear in c).
    let a_host = flatten(&fixture()["monomial"]["a"]).0;
    let a = Tensor::<3>::from_data(TensorData::new(a_host, [2, 5, 5]), &dev);
    let c = Tensor::<2>::from_floats([[0.3, -0.2, 0.5]], &dev).require_grad();
    let grads = monomial_polynomial(a.clone(), c.clone())
        .unwrap()
        .sum()
        .backward();
    let gc = to_vec_f32(c.grad(&grads).unwrap());
    let a2 = a.clone().matmul(a.clone());
    let want = [
        10.0,
        a.clone().sum().into_scalar::<f32>(),
        a2.sum().into_scalar::<f32>(),
    ];
    assert_close(&gc, &want, 1e-4, "monomial coefficient gradient");
}

#[test]
fn polynomials_reject_bad_shapes_and_parameters() {
    let dev = device();
    let a = Tensor::<3>::zeros([2, 3, 3], &dev);
    let ok = Tensor::<1>::from_floats([2.0, 2.0], &dev);
    let bad_batch = Tensor::<2>::zeros([3, 2], &dev);
    let no_terms = Tensor::<2>::zeros([2, 0], &dev);
    for c in [bad_batch, no_terms] {
        assert!(matches!(
            monomial_polynomial(a.clone(), c.clone()),
            Err(GslError::ShapeMismatch { .. })
        ));
        assert!(matches!(
            chebyshev_polynomial(a.clone(), c, ok.clone()),
            Err(GslError::ShapeMismatch { .. })
        ));
    }
    let c = Tensor::<2>::ones([1, 3], &dev);
    for lmax in [[0.0, 1.0], [1.0, -1.0]] {
        assert!(matches!(
            chebyshev_polynomial(a.clone(), c.clone(), Tensor::from_floats(lmax, &dev)),
            Err(GslError::InvalidArgument { .. })
        ));
    }
    assert!(matches!(
        chebyshev_polynomial(
            a.clone(),
            c.clone(),
            Tensor::from_floats([1.0, 1.0, 1.0], &dev)
        ),
        Err(GslError::ShapeMismatch { .. })
    ));
    assert!(matches!(
        chebyshev_filter(
            a.clone(),
            Tensor::zeros([2, 4, 1], &dev),
            c.clone(),
            ok.clone()
        ),
        Err(GslError::ShapeMismatch { .. })
    ));
    assert!(matches!(
        monomial_polynomial(a, Tensor::full([1, 3], f32::NAN, &dev)),
        Err(GslError::NonFinite(_))
    ));
    assert!(matches!(
        monomial_polynomial(Tensor::zeros([1, 2, 3], &dev), c),
        Err(GslError::ShapeMismatch { .. })
    ));
}

#[test]
fn power_iteration_matches_numpy_largest_eigenvalues() {
    let dev = device();
    let fx = &fixture()["power"];
    let a = tensor::<3>(&fx["a"], &dev);
    let report = largest_eigenvalue(a.clone(), 500, 1e-7).unwrap();
    assert!(report.converged);
    assert!(report.iterations < 500);
    assert_close(
        &to_vec_f32(report.eigenvalue),
        &flatten(&fx["largest"]).0,
        1e-4,
        "signed eigenvalue",
    );
    assert_close(
        &to_vec_f32(report.spectral_radius),
        &flatten(&fx["spectral_radius"]).0,
        1e-4,
        "spectral radius",
    );
    // A·v = λ·v for the returned unit vector.
    let v = report.eigenvector.clone().unsqueeze_dim::<3>(2);
    let av = to_vec_f32(a.clone().matmul(v.clone()));
    let lambda = flatten(&fx["largest"]).0;
    let lv: Vec<f32> = to_vec_f32(v)
        .iter()
        .enumerate()
        .map(|(i, x)| x * lambda[i / 6])
        .collect();
    assert_close(&av, &lv, 1e-3, "eigenvector");
    // Normalising makes every spectral radius 1.
    let normalised = normalize_by_largest_eigenvalue(a).unwrap();
    let again = largest_eigenvalue(normalised, 500, 1e-7).unwrap();
    assert_close(
        &to_vec_f32(again.spectral_radius),
        &[1.0; 3],
        1e-4,
        "normalised",
    );
}

#[test]
fn power_iteration_handles_plus_minus_pairs_and_zero_matrices() {
    let dev = device();
    // Adjacency of the path 0-1-2: eigenvalues ±√2 and 0 (bipartite, so ±λ).
    let path =
        Tensor::<3>::from_floats([[[0.0, 1.0, 0.0], [1.0, 0.0, 1.0], [0.0, 1.0, 0.0]]], &dev);
    let report = largest_eigenvalue(path, 1000, 1e-7).unwrap();
    assert!(report.converged);
    assert!((to_vec_f32(report.spectral_radius)[0] - 2f32.sqrt()).abs() < 1e-4);
    let zero = largest_eigenvalue(Tensor::zeros([1, 3, 3], &dev), 10, 1e-6).unwrap();
    assert!(zero.converged);
    assert_eq!(to_vec_f32(zero.spectral_radius), vec![0.0]);
    assert!(matches!(
        normalize_by_largest_eigenvalue(Tensor::zeros([1, 3, 3], &dev)),
        Err(GslError::InvalidArgument { .. })
    ));
}

#[test]
fn power_iteration_rejects_bad_input() {
    let dev = device();
    let a = Tensor::<3>::from_floats([[[1.0, 0.5], [0.5, 1.0]]], &dev);
    let asym = Tensor::<3>::from_floats([[[1.0, 2.0], [0.0, 1.0]]], &dev);
    let bad = [
        largest_eigenvalue(a.clone(), 0, 1e-6),
        largest_eigenvalue(a.clone(), 10, -1.0),
        largest_eigenvalue(a.clone(), 10, f32::NAN),
        largest_eigenvalue(asym, 10, 1e-6),
    ];
    for r in bad {
        assert!(matches!(r, Err(GslError::InvalidArgument { .. })));
    }
    assert!(matches!(
        largest_eigenvalue(Tensor::full([1, 2, 2], f32::NAN, &dev), 10, 1e-6),
        Err(GslError::NonFinite(_))
    ));
    assert!(matches!(
        largest_eigenvalue(Tensor::zeros([0, 2, 2], &dev), 10, 1e-6),
        Err(GslError::EmptyGraph(_))
    ));
}

#[test]
fn symmetrize_and_zero_diagonal_have_their_defining_properties() {
    let dev = device();
    let a = Tensor::<3>::from_data(
        TensorData::new((0..18).map(|i| i as f32 * 0.5 - 3.0).collect(), [2, 3, 3]),
        &dev,
    );
    let host = to_vec_f32(a.clone());
    let s = to_vec_f32(symmetrize(a.clone()).unwrap());
    let z = to_vec_f32(zero_diagonal(a.clone()).unwrap());
    for b in 0..2 {
        for i in 0..3 {
            for j in 0..3 {
                let at = |i: usize, j: usize| host[b * 9 + i * 3 + j];
                assert_eq!(s[b * 9 + i * 3 + j], (at(i, j) + at(j, i)) / 2.0);
                let want = if i == j { 0.0 } else { at(i, j) };
                assert_eq!(z[b * 9 + i * 3 + j], want);
            }
        }
    }
    assert!(matches!(
        symmetrize(Tensor::zeros([1, 2, 3], &dev)),
        Err(GslError::ShapeMismatch { .. })
    ));
    assert!(matches!(
        zero_diagonal(Tensor::full([1, 2, 2], f32::NAN, &dev)),
        Err(GslError::NonFinite(_))
    ));
}

#[test]
fn symmetrize_graph_gives_max_union_or_sum() {
    let dev = device();
    let list = EdgeList::from_weighted(3, &[(0, 1, 2.0), (1, 0, 5.0), (1, 2, 1.5)]).unwrap();
    let graph = list.to_graph(&dev);
    let a = to_vec_f32(graph.to_dense());
    let max = to_vec_f32(
        symmetrize_graph(&graph, Duplicates::Max)
            .unwrap()
            .to_dense(),
    );
    let sum = to_vec_f32(
        symmetrize_graph(&graph, Duplicates::Sum)
            .unwrap()
            .to_dense(),
    );
    for i in 0..3 {
        for j in 0..3 {
            let (aij, aji) = (a[i * 3 + j], a[j * 3 + i]);
            assert_eq!(max[i * 3 + j], aij.max(aji));
            assert_eq!(sum[i * 3 + j], aij + aji);
        }
    }
    assert!(matches!(
        symmetrize_graph(&graph, Duplicates::Reject),
        Err(GslError::InvalidArgument { .. })
    ));
}

#[test]
fn induced_subgraph_equals_the_dense_submatrix() {
    let dev = device();
    let graph = small_weighted_graph(&dev);
    let a = to_vec_f32(graph.to_dense());
    let nodes = [4usize, 1, 0];
    let (sub, kept) = induced_subgraph(&graph, &nodes).unwrap();
    assert_eq!(sub.num_nodes(), 3);
    let s = to_vec_f32(sub.to_dense());
    for (li, &gi) in nodes.iter().enumerate() {
        for (lj, &gj) in nodes.iter().enumerate() {
            assert_eq!(s[li * 3 + lj], a[gi * 5 + gj], "({gi}, {gj})");
        }
    }
    // The kept ids point at the original edges, in the original order.
    let original = graph.to_edge_list();
    let local = sub.to_edge_list();
    for (e, &orig) in kept.iter().enumerate() {
        assert_eq!(nodes[local.src()[e]], original.src()[orig]);
        assert_eq!(nodes[local.dst()[e]], original.dst()[orig]);
        assert_eq!(local.weight(e), original.weight(orig));
    }
    assert_eq!(kept, vec![0, 1, 5, 6]);
    // Node 3 alone keeps only its self-loop; node 2 alone keeps nothing.
    let (loop_only, kept) = induced_subgraph(&graph, &[3]).unwrap();
    assert_eq!((loop_only.num_edges(), kept), (1, vec![4]));
    let (none, kept) = induced_subgraph(&graph, &[2]).unwrap();
    assert_eq!((none.num_nodes(), none.num_edges(), kept.len()), (1, 0, 0));
}

#[test]
fn induced_subgraph_rejects_bad_node_lists() {
    let dev = device();
    let graph = small_weighted_graph(&dev);
    assert!(matches!(
        induced_subgraph(&graph, &[]),
        Err(GslError::EmptyGraph(_))
    ));
    assert!(matches!(
        induced_subgraph(&graph, &[0, 5]),
        Err(GslError::NodeOutOfRange { id: 5, .. })
    ));
    assert!(matches!(
        induced_subgraph(&graph, &[1, 2, 1]),
        Err(GslError::InvalidArgument { .. })
    ));
}

#[test]
fn degree_operator_is_adjoint_and_matches_an_explicit_matrix() {
    let dev = device();
    let n = 6;
    let m = n * (n - 1) / 2;
    let w_host: Vec<f32> = (0..2 * m)
        .map(|i| ((i * 5 % 13) as f32) / 7.0 - 0.5)
        .collect();
    let v_host: Vec<f32> = (0..2 * n).map(|i| ((i * 3 % 7) as f32) - 2.5).collect();
    let w = Tensor::<2>::from_data(TensorData::new(w_host.clone(), [2, m]), &dev);
    let v = Tensor::<2>::from_data(TensorData::new(v_host.clone(), [2, n]), &dev);
    let sw = to_vec_f32(degree_op(w.clone(), n).unwrap());
    let stv = to_vec_f32(degree_op_adjoint(v.clone()).unwrap());
    // Explicit S: S[i, p] = 1 when node i is an end of pair p.
    let (rows, cols) = upper_triangle_pairs(n);
    let mut s = vec![0f32; n * m];
    for p in 0..m {
        s[rows[p] * m + p] = 1.0;
        s[cols[p] * m + p] = 1.0;
    }
    for b in 0..2 {
        for i in 0..n {
            let want: f32 = (0..m).map(|p| s[i * m + p] * w_host[b * m + p]).sum();
            assert!((sw[b * n + i] - want).abs() < 1e-5);
        }
        for p in 0..m {
            let want: f32 = (0..n).map(|i| s[i * m + p] * v_host[b * n + i]).sum();
            assert!((stv[b * m + p] - want).abs() < 1e-5);
        }
        let lhs: f32 = (0..n).map(|i| sw[b * n + i] * v_host[b * n + i]).sum();
        let rhs: f32 = (0..m).map(|p| w_host[b * m + p] * stv[b * m + p]).sum();
        assert!(
            (lhs - rhs).abs() < 1e-4,
            "⟨Sw, v⟩ = {lhs} but ⟨w, Sᵀv⟩ = {rhs}"
        );
    }
    // Row sums of the dense symmetric matrix are the degrees.
    let dense = to_vec_f32(gsl_core::dense::from_halfvec(w).unwrap());
    for i in 0..n {
        let row: f32 = dense[i * n..(i + 1) * n].iter().sum();
        assert!((row - sw[i]).abs() < 1e-5);
    }
}

#[test]
fn degree_operator_gradient_is_its_adjoint() {
    let dev = device().autodiff();
    let n = 5;
    let m = 10;
    let w = Tensor::<2>::from_data(
        TensorData::new((0..m).map(|i| i as f32 * 0.1).collect(), [1, m]),
        &dev,
    )
    .require_grad();
    let v = Tensor::<2>::from_floats([[1.0, -2.0, 0.5, 3.0, -1.0]], &dev);
    let grads = degree_op(w.clone(), n)
        .unwrap()
        .mul(v.clone())
        .sum()
        .backward();
    let g = to_vec_f32(w.grad(&grads).unwrap());
    let want = to_vec_f32(degree_op_adjoint(v).unwrap());
    assert_close(&g, &want, 1e-6, "d⟨Sw, v⟩/dw = Sᵀv");
}

#[test]
fn degree_operator_rejects_bad_shapes() {
    let dev = device();
    assert!(matches!(
        degree_op(Tensor::zeros([1, 5], &dev), 4),
        Err(GslError::ShapeMismatch { .. })
    ));
    assert!(matches!(
        degree_op(Tensor::zeros([1, 0], &dev), 1),
        Err(GslError::InvalidArgument { .. })
    ));
    assert!(matches!(
        degree_op(Tensor::full([1, 3], f32::NAN, &dev), 3),
        Err(GslError::NonFinite(_))
    ));
    assert!(matches!(
        degree_op_adjoint(Tensor::zeros([2, 1], &dev)),
        Err(GslError::InvalidArgument { .. })
    ));
}

#[test]
fn gcn_norm_still_matches_its_definition() {
    let dev = device();
    let graph = undirected(3, &[(0, 1, 1.0), (1, 2, 1.0)], &dev);
    let norm = to_vec_f32(gsl_core::ops::gcn_norm(&graph).unwrap().to_dense());
    // Degrees with self-loops: 2, 3, 2.
    let d = [2f32, 3.0, 2.0];
    let a = [1f32, 1.0, 0.0, 1.0, 1.0, 1.0, 0.0, 1.0, 1.0];
    for i in 0..3 {
        for j in 0..3 {
            let want = a[i * 3 + j] / (d[i] * d[j]).sqrt();
            assert!((norm[i * 3 + j] - want).abs() < 1e-6);
        }
    }
}
