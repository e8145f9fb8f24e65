//! Tests of `gsl_core::nn`: GNN layers against dense references, gradients, a small training
//! run, and the neighbour sampler.

use burn::module::{Module, ModuleVisitor, Param};
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::{Device, Int, Tensor, TensorData, activation};
use gsl_core::nn::{
    Activation, Fanout, GatConfig, GcnConfig, GinConfig, InnerProductDecoderConfig, MlpConfig,
    NeighborSampler, SageConfig, segment_softmax,
};
use gsl_core::tensor::{to_vec_f32, to_vec_i64};
use gsl_core::{BuildOptions, EdgeList, Graph, GslError};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

// ---------------------------------------------------------------------------------------------
// helpers

fn dev() -> Device {
    gsl_core::device::device_from_name("flex").unwrap()
}

/// An undirected graph from edge pairs (both directions stored).
fn undirected(n: usize, pairs: &[(usize, usize)], device: &Device) -> Graph {
    Graph::from_edges(
        &EdgeList::from_pairs(n, pairs).unwrap(),
        BuildOptions::default(),
        device,
    )
    .unwrap()
}

fn host_matrix(rows: usize, cols: usize, seed: u64) -> Vec<Vec<f32>> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..rows)
        .map(|_| (0..cols).map(|_| rng.random_range(-1.0f32..1.0)).collect())
        .collect()
}

fn tensor2(m: &[Vec<f32>], device: &Device) -> Tensor<2> {
    let (r, c) = (m.len(), m[0].len());
    let flat: Vec<f32> = m.iter().flatten().copied().collect();
    Tensor::from_data(TensorData::new(flat, [r, c]), device)
}

fn tensor1(v: &[f32], device: &Device) -> Tensor<1> {
    Tensor::from_data(TensorData::new(v.to_vec(), [v.len()]), device)
}

fn rows(t: Tensor<2>) -> Vec<Vec<f32>> {
    let [_, c] = t.dims();
    to_vec_f32(t).chunks(c).map(|r| r.to_vec()).collect()
}

fn assert_close(got: &[f32], want: &[f32], tol: f32, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (k, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= tol * (1.0 + w.abs()),
            "{what}[{k}]: got {g}, want {w}"
        );
    }
}

fn matmul_host(a: &[Vec<f32>], b: &[Vec<f32>]) -> Vec<Vec<f32>> {
    a.iter()
        .map(|row| {
            (0..b[0].len())
                .map(|j| row.iter().zip(b).map(|(x, brow)| x * brow[j]).sum())
                .collect()
        })
        .collect()
}

fn flat(m: &[Vec<f32>]) -> Vec<f32> {
    m.iter().flatten().copied().collect()
}

/// Host adjacency lists `(dst, weight)` per source of a graph.
fn adjacency(graph: &Graph) -> Vec<Vec<(usize, f32)>> {
    let mut adj = vec![Vec::new(); graph.num_nodes()];
    for (s, d, w) in graph.to_edge_list().iter() {
        adj[s].push((d, w));
    }
    adj
}

/// Collects, for every float parameter, whether autodiff gave it a finite non-zero gradient.
struct GradReport<'a> {
    grads: &'a burn::tensor::Gradients,
    checked: usize,
    bad: Vec<String>,
}

impl ModuleVisitor for GradReport<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        self.checked += 1;
        match param.val().grad(self.grads) {
            None => self.bad.push(format!("{:?}: no gradient", param.shape())),
            Some(g) => {
                let v = to_vec_f32(g);
                if v.iter().any(|x| !x.is_finite()) {
                    self.bad
                        .push(format!("{:?}: non-finite gradient", param.shape()));
                } else if v.iter().all(|x| *x == 0.0) {
                    self.bad.push(format!("{:?}: zero gradient", param.shape()));
                }
            }
        }
    }
}

/// Backpropagates `Σ out ⊙ R` and asserts every parameter of `module` got a useful gradient.
fn assert_all_params_get_gradients<M: Module>(module: &M, out: Tensor<2>, name: &str) {
    let [n, f] = out.dims();
    let r = tensor2(&host_matrix(n, f, 99), &out.device());
    let grads = out.mul(r).sum().backward();
    let mut report = GradReport {
        grads: &grads,
        checked: 0,
        bad: Vec::new(),
    };
    module.visit(&mut report);
    assert!(report.checked > 0, "{name}: no parameters visited");
    assert!(report.bad.is_empty(), "{name}: {:?}", report.bad);
}

// A small test graph: a 5-cycle with a chord, plus an isolated node 6 and a pendant node 5.
const PAIRS: [(usize, usize); 7] = [(0, 1), (1, 2), (2, 3), (3, 4), (4, 0), (1, 3), (4, 5)];
const N: usize = 7;

// ---------------------------------------------------------------------------------------------
// NumPy reference (tests/fixtures/nn_reference.py)

struct Fixture(serde_json::Value);

impl Fixture {
    fn load() -> Self {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/nn_reference.json"
        );
        Fixture(serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap())
    }

    fn matrix(&self, layer: &str, key: &str) -> Vec<Vec<f32>> {
        let v = if layer.is_empty() {
            &self.0[key]
        } else {
            &self.0[layer][key]
        };
        v.as_array()
            .unwrap()
            .iter()
            .map(|r| {
                r.as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_f64().unwrap() as f32)
                    .collect()
            })
            .collect()
    }

    fn vector(&self, layer: &str, key: &str) -> Vec<f32> {
        self.0[layer][key]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap() as f32)
            .collect()
    }

    fn param2(&self, layer: &str, key: &str, device: &Device) -> Param<Tensor<2>> {
        Param::from_tensor(tensor2(&self.matrix(layer, key), device))
    }

    fn param1(&self, layer: &str, key: &str, device: &Device) -> Param<Tensor<1>> {
        Param::from_tensor(tensor1(&self.vector(layer, key), device))
    }

    /// The fixture's directed weighted graph (self-loop kept).
    fn graph(&self, device: &Device) -> Graph {
        let triples: Vec<(usize, usize, f32)> = self.0["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e[0].as_u64().unwrap() as usize,
                    e[1].as_u64().unwrap() as usize,
                    e[2].as_f64().unwrap() as f32,
                )
            })
            .collect();
        let n = self.0["num_nodes"].as_u64().unwrap() as usize;
        Graph::from_edges(
            &EdgeList::from_weighted(n, &triples).unwrap(),
            BuildOptions::directed(),
            device,
        )
        .unwrap()
    }
}

#[test]
fn layers_match_numpy_reference_on_a_directed_weighted_graph() {
    let device = dev();
    let fx = Fixture::load();
    let graph = fx.graph(&device);
    let x = tensor2(&fx.matrix("", "x"), &device);
    let want = |layer: &str| flat(&fx.matrix(layer, "out"));

    let mut gcn = GcnConfig::new(3, 2).init(&device).unwrap();
    gcn.weight = fx.param2("gcn", "weight", &device);
    gcn.bias = Some(fx.param1("gcn", "bias", &device));
    let got = to_vec_f32(gcn.forward(&graph, x.clone()).unwrap());
    assert_close(&got, &want("gcn"), 1e-5, "gcn vs numpy");

    let mut sage = SageConfig::new(3, 2).init(&device).unwrap();
    sage.lin_self.weight = fx.param2("sage", "w_self", &device);
    sage.lin_neigh.weight = fx.param2("sage", "w_neigh", &device);
    sage.lin_neigh.bias = Some(fx.param1("sage", "bias", &device));
    let got = to_vec_f32(sage.forward(&graph, x.clone()).unwrap());
    assert_close(&got, &want("sage"), 1e-5, "sage vs numpy");

    let mut gat = GatConfig::new(3, 2).with_heads(2).init(&device).unwrap();
    gat.weight = fx.param2("gat", "weight", &device);
    gat.att_self = fx.param2("gat", "att_self", &device);
    gat.att_neigh = fx.param2("gat", "att_neigh", &device);
    gat.bias = Some(fx.param1("gat", "bias", &device));
    let got = to_vec_f32(gat.forward(&graph, x.clone()).unwrap());
    assert_close(&got, &want("gat"), 1e-5, "gat vs numpy");

    let eps = fx.0["gin"]["eps"].as_f64().unwrap();
    let mut gin = GinConfig::new(MlpConfig::new(vec![3, 4, 2]))
        .with_eps(eps)
        .init(&device)
        .unwrap();
    gin.mlp.layers[0].weight = fx.param2("gin", "w1", &device);
    gin.mlp.layers[0].bias = Some(fx.param1("gin", "b1", &device));
    gin.mlp.layers[1].weight = fx.param2("gin", "w2", &device);
    gin.mlp.layers[1].bias = Some(fx.param1("gin", "b2", &device));
    let got = to_vec_f32(gin.forward(&graph, x).unwrap());
    assert_close(&got, &want("gin"), 1e-5, "gin vs numpy");
}

// ---------------------------------------------------------------------------------------------
// GCN

#[test]
fn gcn_matches_dense_normalised_reference() {
    let device = dev();
    // Weighted edges, so the normalisation has to use the weights.
    let triples: Vec<(usize, usize, f32)> = PAIRS
        .iter()
        .enumerate()
        .map(|(k, &(i, j))| (i, j, 0.5 + k as f32 * 0.25))
        .collect();
    let graph = Graph::from_edges(
        &EdgeList::from_weighted(N, &triples).unwrap(),
        BuildOptions::default(),
        &device,
    )
    .unwrap();
    let mut layer = GcnConfig::new(3, 2).init(&device).unwrap();
    layer.bias = Some(Param::from_tensor(tensor1(&[0.3, -0.7], &device)));
    let x = tensor2(&host_matrix(N, 3, 1), &device);

    // Dense Â = D̂^{-1/2} (A + I) D̂^{-1/2}, built independently of gcn_norm / spmm.
    let a_hat = graph.to_dense().add(Tensor::eye(N, &device));
    let dinv = a_hat.clone().sum_dim(1).sqrt().recip(); // [N, 1]
    let norm = a_hat.mul(dinv.clone()).mul(dinv.transpose());
    let want = norm
        .matmul(x.clone().matmul(layer.weight.val()))
        .add(tensor2(&[vec![0.3, -0.7]], &device));

    let got = layer.forward(&graph, x.clone()).unwrap();
    assert_close(&to_vec_f32(got), &to_vec_f32(want.clone()), 1e-5, "gcn");
    let norm_graph = gsl_core::ops::gcn_norm(&graph).unwrap();
    let got = layer.forward_normalized(&norm_graph, x).unwrap();
    assert_close(&to_vec_f32(got), &to_vec_f32(want), 1e-5, "gcn normalized");
}

#[test]
fn gcn_glorot_init_respects_its_bound() {
    let device = dev();
    let layer = GcnConfig::new(30, 10).init(&device).unwrap();
    let bound = (6.0f32 / 40.0).sqrt();
    let w = to_vec_f32(layer.weight.val());
    assert!(w.iter().all(|v| v.abs() <= bound));
    // Uniform on [-b, b] has variance b²/3; 300 draws put the sample variance well within 30%.
    let var = w.iter().map(|v| v * v).sum::<f32>() / w.len() as f32;
    assert!(
        (var / (bound * bound / 3.0) - 1.0).abs() < 0.3,
        "variance {var}"
    );
    assert!(
        to_vec_f32(layer.bias.unwrap().val())
            .iter()
            .all(|b| *b == 0.0)
    );
}

// ---------------------------------------------------------------------------------------------
// GraphSAGE

#[test]
fn sage_matches_dense_mean_aggregation() {
    let device = dev();
    let graph = undirected(N, &PAIRS, &device);
    let layer = SageConfig::new(4, 3).init(&device).unwrap();
    let xh = host_matrix(N, 4, 2);
    let got = rows(layer.forward(&graph, tensor2(&xh, &device)).unwrap());

    let w_self = rows(layer.lin_self.weight.val());
    let w_neigh = rows(layer.lin_neigh.weight.val());
    let b = to_vec_f32(layer.lin_neigh.bias.as_ref().unwrap().val());
    let adj = adjacency(&graph);
    let mean: Vec<Vec<f32>> = adj
        .iter()
        .map(|nb| {
            let mut m = vec![0.0; 4];
            for &(j, _) in nb {
                for (f, v) in m.iter_mut().enumerate() {
                    *v += xh[j][f] / nb.len() as f32;
                }
            }
            m
        })
        .collect();
    let own = matmul_host(&xh, &w_self);
    let agg = matmul_host(&mean, &w_neigh);
    let want: Vec<Vec<f32>> = (0..N)
        .map(|i| (0..3).map(|c| own[i][c] + agg[i][c] + b[c]).collect())
        .collect();
    assert_close(&flat(&got), &flat(&want), 1e-5, "sage");
    // The isolated node 6 only sees itself.
    assert_close(
        &got[6],
        &(0..3).map(|c| own[6][c] + b[c]).collect::<Vec<_>>(),
        1e-5,
        "sage isolated",
    );
}

#[test]
fn sage_normalize_gives_unit_rows_in_the_same_direction() {
    let device = dev();
    let graph = undirected(N, &PAIRS, &device);
    let mut layer = SageConfig::new(4, 3).init(&device).unwrap();
    let x = tensor2(&host_matrix(N, 4, 3), &device);
    let plain = rows(layer.forward(&graph, x.clone()).unwrap());
    layer.normalize = true;
    let unit = rows(layer.forward(&graph, x).unwrap());
    for (p, u) in plain.iter().zip(&unit) {
        let norm = p.iter().map(|v| v * v).sum::<f32>().sqrt();
        let want: Vec<f32> = p.iter().map(|v| v / norm).collect();
        assert_close(u, &want, 1e-5, "sage normalize");
    }
}

// ---------------------------------------------------------------------------------------------
// GAT

/// Dense masked-softmax reference of one GAT layer computed on the host. Returns the attention
/// matrix per head `att[k][i][j]` and the output rows.
fn gat_reference(
    layer: &gsl_core::nn::Gat,
    adj: &[Vec<(usize, f32)>],
    xh: &[Vec<f32>],
) -> (Vec<Vec<Vec<f32>>>, Vec<Vec<f32>>) {
    let n = xh.len();
    let (h, c) = (layer.heads, layer.d_head());
    let wh = matmul_host(xh, &rows(layer.weight.val()));
    let a_self = rows(layer.att_self.val());
    let a_neigh = rows(layer.att_neigh.val());
    let slope = layer.negative_slope as f32;
    let mut att = vec![vec![vec![0.0f32; n]; n]; h];
    let mut out = vec![vec![0.0f32; h * c]; n];
    for k in 0..h {
        let dot = |a: &[f32], i: usize| (0..c).map(|f| a[f] * wh[i][k * c + f]).sum::<f32>();
        for i in 0..n {
            // Mask: stored neighbours other than i itself, plus the self-loop.
            let mut mask = vec![false; n];
            for &(j, _) in &adj[i] {
                mask[j] = true;
            }
            if layer.add_self_loops {
                mask[i] = true;
            }
            let logits: Vec<f32> = (0..n)
                .map(|j| {
                    let e = dot(&a_self[k], i) + dot(&a_neigh[k], j);
                    if e >= 0.0 { e } else { slope * e }
                })
                .collect();
            let max = (0..n)
                .filter(|&j| mask[j])
                .map(|j| logits[j])
                .fold(f32::NEG_INFINITY, f32::max);
            let z: f32 = (0..n)
                .filter(|&j| mask[j])
                .map(|j| (logits[j] - max).exp())
                .sum();
            for j in (0..n).filter(|&j| mask[j]) {
                att[k][i][j] = (logits[j] - max).exp() / z;
                for f in 0..c {
                    out[i][k * c + f] += att[k][i][j] * wh[j][k * c + f];
                }
            }
        }
    }
    (att, out)
}

#[test]
fn gat_attention_matches_dense_masked_softmax_and_sums_to_one() {
    let device = dev();
    // The pairs plus a stored self-loop on node 2, which the added self-loop must replace.
    let mut triples: Vec<(usize, usize, f32)> = PAIRS.iter().map(|&(i, j)| (i, j, 1.0)).collect();
    triples.push((2, 2, 1.0));
    let options = BuildOptions {
        self_loops: gsl_core::SelfLoops::Keep,
        ..BuildOptions::default()
    };
    let graph = Graph::from_edges(
        &EdgeList::from_weighted(N, &triples).unwrap(),
        options,
        &device,
    )
    .unwrap();
    let e = graph.num_edges();
    let mut layer = GatConfig::new(4, 3).with_heads(2).init(&device).unwrap();
    let bias: Vec<f32> = (0..6).map(|k| 0.1 * k as f32).collect();
    layer.bias = Some(Param::from_tensor(tensor1(&bias, &device)));
    let xh = host_matrix(N, 4, 4);

    let (out, att) = layer
        .forward_with_attention(&graph, tensor2(&xh, &device))
        .unwrap();
    assert_eq!(att.dims(), [e + N, 2]);
    let att = rows(att);
    let edges = graph.to_edge_list();
    let adj: Vec<Vec<(usize, f32)>> = adjacency(&graph)
        .into_iter()
        .enumerate()
        .map(|(i, nb)| nb.into_iter().filter(|&(j, _)| j != i).collect())
        .collect();
    let (want_att, want_out) = gat_reference(&layer, &adj, &xh);

    let mut sums = vec![[0.0f32; 2]; N];
    for (row, a) in att.iter().enumerate() {
        let (i, j) = if row < e {
            (edges.src()[row], edges.dst()[row])
        } else {
            (row - e, row - e)
        };
        for k in 0..2 {
            sums[i][k] += a[k];
            let want = if row < e && i == j {
                0.0
            } else {
                want_att[k][i][j]
            };
            assert!(
                (a[k] - want).abs() < 1e-5,
                "edge ({i},{j}) head {k}: {} vs {want}",
                a[k]
            );
        }
    }
    for s in sums {
        assert!(
            (s[0] - 1.0).abs() < 1e-5 && (s[1] - 1.0).abs() < 1e-5,
            "{s:?}"
        );
    }
    let want_out: Vec<Vec<f32>> = want_out
        .iter()
        .map(|r| r.iter().zip(&bias).map(|(v, b)| v + b).collect())
        .collect();
    assert_close(
        &to_vec_f32(out),
        &flat(&want_out),
        1e-5,
        "gat concat output",
    );

    // Averaging the heads instead of concatenating them.
    layer.concat = false;
    layer.bias = None;
    let mean = rows(layer.forward(&graph, tensor2(&xh, &device)).unwrap());
    let (_, cat) = gat_reference(&layer, &adj, &xh);
    let want: Vec<f32> = cat
        .iter()
        .flat_map(|r| (0..3).map(move |f| (r[f] + r[3 + f]) / 2.0))
        .collect();
    assert_close(&flat(&mean), &want, 1e-5, "gat mean output");
}

#[test]
fn gat_without_self_loops_leaves_isolated_nodes_at_the_bias() {
    let device = dev();
    let graph = undirected(N, &PAIRS, &device);
    let mut layer = GatConfig::new(4, 2)
        .with_add_self_loops(false)
        .init(&device)
        .unwrap();
    layer.bias = Some(Param::from_tensor(tensor1(&[0.5, -1.5], &device)));
    let xh = host_matrix(N, 4, 5);
    let (out, att) = layer
        .forward_with_attention(&graph, tensor2(&xh, &device))
        .unwrap();
    assert_eq!(att.dims(), [graph.num_edges(), 1]);
    let (_, want) = gat_reference(&layer, &adjacency(&graph), &xh);
    let out = rows(out);
    assert_close(&out[6], &[0.5, -1.5], 1e-6, "isolated node");
    for i in 0..6 {
        let w: Vec<f32> = want[i]
            .iter()
            .zip([0.5, -1.5])
            .map(|(v, b)| v + b)
            .collect();
        assert_close(&out[i], &w, 1e-5, "gat no loops");
    }
}

#[test]
fn gat_input_gradient_matches_finite_differences() {
    let device = dev().autodiff();
    let graph = undirected(N, &PAIRS, &device);
    let mut layer = GatConfig::new(3, 2).with_heads(2).init(&device).unwrap();
    // Fixed parameters so the test does not depend on the random initialisation.
    layer.weight = Param::from_tensor(tensor2(&host_matrix(3, 4, 10), &device));
    layer.att_self = Param::from_tensor(tensor2(&host_matrix(2, 2, 11), &device));
    layer.att_neigh = Param::from_tensor(tensor2(&host_matrix(2, 2, 12), &device));
    let xh = host_matrix(N, 3, 13);
    let r = tensor2(&host_matrix(N, 4, 14), &device);
    let loss = |x: Tensor<2>| layer.forward(&graph, x).unwrap().mul(r.clone()).sum();

    let x = tensor2(&xh, &device).require_grad();
    let grads = loss(x.clone()).backward();
    let analytic = to_vec_f32(x.grad(&grads).unwrap());
    let step = 1e-2f32;
    for i in 0..N {
        for f in 0..3 {
            let mut plus = xh.clone();
            plus[i][f] += step;
            let mut minus = xh.clone();
            minus[i][f] -= step;
            let lp = to_vec_f32(loss(tensor2(&plus, &device)))[0];
            let lm = to_vec_f32(loss(tensor2(&minus, &device)))[0];
            let numeric = (lp - lm) / (2.0 * step);
            let a = analytic[i * 3 + f];
            assert!(
                (a - numeric).abs() <= 2e-3 + 1e-2 * a.abs(),
                "d loss / d x[{i},{f}]: autodiff {a}, finite difference {numeric}"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// segment softmax

#[test]
fn segment_softmax_matches_per_segment_reference() {
    let device = dev();
    // Unsorted segment ids, segment 2 empty, large scores to exercise the max shift.
    let seg: Vec<i64> = vec![3, 0, 1, 3, 0, 3, 1, 0];
    let scores = host_matrix(seg.len(), 2, 6)
        .into_iter()
        .map(|r| r.into_iter().map(|v| v * 50.0).collect())
        .collect::<Vec<Vec<f32>>>();
    let got = rows(
        segment_softmax(
            tensor2(&scores, &device),
            Tensor::<1, Int>::from_data(TensorData::new(seg.clone(), [seg.len()]), &device),
            4,
        )
        .unwrap(),
    );
    for h in 0..2 {
        for (e, &s) in seg.iter().enumerate() {
            let members: Vec<usize> = (0..seg.len()).filter(|&k| seg[k] == s).collect();
            let max = members
                .iter()
                .map(|&k| scores[k][h] as f64)
                .fold(f64::MIN, f64::max);
            let z: f64 = members
                .iter()
                .map(|&k| (scores[k][h] as f64 - max).exp())
                .sum();
            let want = (scores[e][h] as f64 - max).exp() / z;
            assert!((got[e][h] as f64 - want).abs() < 1e-5, "{e},{h}");
        }
    }
}

#[test]
fn segment_softmax_gradient_is_the_softmax_jacobian() {
    // For p = softmax(s) within a segment, ∂(Σ r·p)/∂s_e = p_e (r_e − Σ_k p_k r_k).
    let device = dev().autodiff();
    let seg: Vec<i64> = vec![0, 1, 0, 0, 1];
    let s = tensor2(&host_matrix(5, 1, 7), &device).require_grad();
    let r = host_matrix(5, 1, 8);
    let segment = Tensor::<1, Int>::from_data(TensorData::new(seg.clone(), [5]), &device);
    let p = segment_softmax(s.clone(), segment, 2).unwrap();
    let grads = p.clone().mul(tensor2(&r, &device)).sum().backward();
    let g = to_vec_f32(s.grad(&grads).unwrap());
    let p = to_vec_f32(p);
    for e in 0..5 {
        let mean_r: f32 = (0..5)
            .filter(|&k| seg[k] == seg[e])
            .map(|k| p[k] * r[k][0])
            .sum();
        let want = p[e] * (r[e][0] - mean_r);
        assert!((g[e] - want).abs() < 1e-5, "{e}: {} vs {want}", g[e]);
    }
}

#[test]
fn segment_softmax_rejects_bad_input() {
    let device = dev();
    let scores = Tensor::<2>::zeros([3, 1], &device);
    let ids = |v: [i64; 3]| Tensor::<1, Int>::from_data(TensorData::new(v.to_vec(), [3]), &device);
    assert!(matches!(
        segment_softmax(scores.clone(), ids([0, 1, 2]), 2),
        Err(GslError::NodeOutOfRange { id: 2, .. })
    ));
    assert!(matches!(
        segment_softmax(scores.clone(), ids([0, -1, 0]), 2),
        Err(GslError::NodeOutOfRange { id: -1, .. })
    ));
    assert!(matches!(
        segment_softmax(scores.clone(), Tensor::<1, Int>::zeros([2], &device), 2),
        Err(GslError::ShapeMismatch { .. })
    ));
    assert!(matches!(
        segment_softmax(scores.clone(), ids([0, 0, 0]), 0),
        Err(GslError::InvalidArgument { .. })
    ));
    let nan = tensor2(&[vec![0.0], vec![f32::NAN], vec![1.0]], &device);
    assert!(matches!(
        segment_softmax(nan, ids([0, 0, 0]), 1),
        Err(GslError::NonFinite(_))
    ));
}

// ---------------------------------------------------------------------------------------------
// GIN and MLP

#[test]
fn gin_matches_its_dense_formula() {
    let device = dev();
    let graph = undirected(N, &PAIRS, &device);
    let x = tensor2(&host_matrix(N, 3, 20), &device);
    let mlp = MlpConfig::new(vec![3, 5, 2]);
    for (eps, train) in [(0.0, false), (0.5, false), (-0.25, true)] {
        let layer = GinConfig::new(mlp.clone())
            .with_eps(eps)
            .with_train_eps(train)
            .init(&device)
            .unwrap();
        assert_eq!(layer.eps.is_some(), train);
        let inner = x
            .clone()
            .mul_scalar(1.0 + eps)
            .add(graph.to_dense().matmul(x.clone()));
        let want = layer.mlp.forward(inner).unwrap();
        let got = layer.forward(&graph, x.clone()).unwrap();
        assert_close(&to_vec_f32(got), &to_vec_f32(want), 1e-5, "gin");
    }
}

#[test]
fn mlp_composes_linear_layers_and_activations() {
    let device = dev();
    let x = tensor2(&host_matrix(4, 3, 21), &device);
    let activations = [
        Activation::Relu,
        Activation::LeakyRelu {
            negative_slope: 0.1,
        },
        Activation::Elu { alpha: 1.0 },
        Activation::Tanh,
        Activation::Identity,
    ];
    for act in activations {
        let mlp = MlpConfig::new(vec![3, 6, 2])
            .with_activation(act.clone())
            .init(&device)
            .unwrap();
        assert_eq!(mlp.layers.len(), 2);
        let h = mlp.layers[0].forward(x.clone());
        let h = match act {
            Activation::Relu => h.clamp_min(0.0),
            Activation::LeakyRelu { .. } => {
                let neg = h.clone().lower_elem(0.0);
                h.clone().mask_where(neg, h.mul_scalar(0.1))
            }
            Activation::Elu { .. } => {
                let neg = h.clone().lower_elem(0.0);
                h.clone().mask_where(neg, h.exp().sub_scalar(1.0))
            }
            Activation::Tanh => h.tanh(),
            Activation::Identity => h,
        };
        let want = mlp.layers[1].forward(h);
        let got = mlp.forward(x.clone()).unwrap();
        assert_close(
            &to_vec_f32(got),
            &to_vec_f32(want),
            1e-5,
            &format!("{act:?}"),
        );
    }
    // activate_output applies the activation after the last layer too.
    let mlp = MlpConfig::new(vec![3, 2])
        .with_activate_output(true)
        .init(&device)
        .unwrap();
    let got = to_vec_f32(mlp.forward(x).unwrap());
    assert!(got.iter().all(|v| *v >= 0.0));
}

#[test]
fn mlp_dropout_is_inactive_without_autodiff_and_rescales_with_it() {
    // Hidden layer 50 → 200, then an identity 200 → 200 layer, so the output shows the dropped
    // hidden units directly.
    let cfg = MlpConfig::new(vec![50, 200, 200])
        .with_dropout(0.5)
        .with_activation(Activation::Identity)
        .with_bias(false);
    let xh = host_matrix(8, 50, 22);
    for autodiff in [false, true] {
        let device = if autodiff { dev().autodiff() } else { dev() };
        let mut mlp = cfg.init(&device).unwrap();
        mlp.layers[1].weight = Param::from_tensor(Tensor::eye(200, &device));
        let x = tensor2(&xh, &device);
        let hidden = to_vec_f32(mlp.layers[0].forward(x.clone()));
        let out = to_vec_f32(mlp.forward(x).unwrap());
        if !autodiff {
            assert_close(&out, &hidden, 1e-6, "inference dropout is the identity");
            continue;
        }
        // Training: every unit is dropped (0) or kept and scaled by 1 / (1 − p) = 2.
        let mut dropped = 0;
        for (o, h) in out.iter().zip(&hidden) {
            if *o == 0.0 {
                dropped += 1;
            } else {
                assert!(
                    (o - 2.0 * h).abs() <= 1e-5 * (1.0 + h.abs()),
                    "{o} vs 2·{h}"
                );
            }
        }
        let rate = dropped as f32 / out.len() as f32;
        assert!((0.4..0.6).contains(&rate), "drop rate {rate}");
    }
}

// ---------------------------------------------------------------------------------------------
// inner-product decoder

#[test]
fn decoder_pairs_agree_with_dense_scores() {
    let device = dev();
    let zh = host_matrix(5, 3, 30);
    let z = tensor2(&zh, &device);
    let pairs = Tensor::<2, Int>::from_ints([[0, 1, 4, 2, 3], [1, 1, 0, 4, 2]], &device);
    for sigmoid in [true, false] {
        let dec = InnerProductDecoderConfig::new()
            .with_sigmoid(sigmoid)
            .init(&device)
            .unwrap();
        let dense = rows(dec.forward_dense(z.clone()).unwrap());
        let got = to_vec_f32(dec.forward_pairs(z.clone(), pairs.clone()).unwrap());
        for (k, (i, j)) in [(0, 1), (1, 1), (4, 0), (2, 4), (3, 2)]
            .into_iter()
            .enumerate()
        {
            let logit: f32 = (0..3).map(|f| zh[i][f] * zh[j][f]).sum();
            let want = if sigmoid {
                1.0 / (1.0 + (-logit).exp())
            } else {
                logit
            };
            assert!((got[k] - want).abs() < 1e-5);
            assert!((dense[i][j] - want).abs() < 1e-5);
            assert!(
                (dense[j][i] - want).abs() < 1e-5,
                "dense scores are symmetric"
            );
        }
    }
}

#[test]
fn decoder_rejects_bad_pairs_and_embeddings() {
    let device = dev();
    let dec = InnerProductDecoderConfig::new().init(&device).unwrap();
    let z = Tensor::<2>::ones([3, 2], &device);
    let out_of_range = Tensor::<2, Int>::from_ints([[0, 3], [1, 1]], &device);
    assert!(matches!(
        dec.forward_pairs(z.clone(), out_of_range),
        Err(GslError::NodeOutOfRange { id: 3, .. })
    ));
    let wrong_shape = Tensor::<2, Int>::from_ints([[0, 1, 2]], &device);
    assert!(matches!(
        dec.forward_pairs(z.clone(), wrong_shape),
        Err(GslError::ShapeMismatch { .. })
    ));
    assert!(matches!(
        dec.forward_dense(Tensor::<2>::zeros([0, 2], &device)),
        Err(GslError::EmptyGraph(_))
    ));
    let nan = z.mul_scalar(f32::NAN);
    assert!(matches!(
        dec.forward_dense(nan),
        Err(GslError::NonFinite(_))
    ));
}

// ---------------------------------------------------------------------------------------------
// gradients and training

#[test]
fn every_parameter_gets_a_finite_nonzero_gradient() {
    let device = dev().autodiff();
    let graph = undirected(N, &PAIRS, &device);
    let x = tensor2(&host_matrix(N, 4, 40), &device);
    let mut gcn = GcnConfig::new(4, 3).init(&device).unwrap();
    // A zero bias still gets a gradient; keep the defaults.
    assert_all_params_get_gradients(&gcn, gcn.forward(&graph, x.clone()).unwrap(), "gcn");
    gcn.bias = None;
    assert_all_params_get_gradients(&gcn, gcn.forward(&graph, x.clone()).unwrap(), "gcn no bias");
    let sage = SageConfig::new(4, 3)
        .with_normalize(true)
        .init(&device)
        .unwrap();
    assert_all_params_get_gradients(&sage, sage.forward(&graph, x.clone()).unwrap(), "sage");
    // GAT also on a graph with stored self-loops, whose masked (−inf) logits must not turn
    // the gradient into NaN.
    let looped = {
        let mut pairs = PAIRS.to_vec();
        pairs.extend([(2, 2), (6, 6)]);
        let options = BuildOptions {
            self_loops: gsl_core::SelfLoops::Keep,
            ..BuildOptions::default()
        };
        Graph::from_edges(&EdgeList::from_pairs(N, &pairs).unwrap(), options, &device).unwrap()
    };
    for (concat, g) in [(true, &graph), (false, &graph), (true, &looped)] {
        let gat = GatConfig::new(4, 3)
            .with_heads(2)
            .with_concat(concat)
            .init(&device)
            .unwrap();
        assert_all_params_get_gradients(&gat, gat.forward(g, x.clone()).unwrap(), "gat");
    }
    let gin = GinConfig::new(MlpConfig::new(vec![4, 8, 3]).with_activation(Activation::Tanh))
        .with_train_eps(true)
        .init(&device)
        .unwrap();
    assert_all_params_get_gradients(&gin, gin.forward(&graph, x.clone()).unwrap(), "gin");
}

#[test]
fn two_layer_gcn_fits_planted_communities() {
    let device = dev().autodiff();
    // Two communities of 8 nodes: each a ring with chords, joined by a single bridge edge.
    let mut pairs = Vec::new();
    for c in 0..2 {
        let o = 8 * c;
        for k in 0..8 {
            pairs.push((o + k, o + (k + 1) % 8));
            pairs.push((o + k, o + (k + 3) % 8));
        }
    }
    pairs.push((0, 8));
    let n = 16;
    let graph = undirected(n, &pairs, &device);
    let norm = gsl_core::ops::gcn_norm(&graph).unwrap();
    // Featureless nodes (one-hot ids); labels = community.
    let x: Tensor<2> = Tensor::eye(n, &device);
    let labels: Vec<usize> = (0..n).map(|i| i / 8).collect();
    let onehot = tensor2(
        &labels
            .iter()
            .map(|&l| {
                if l == 0 {
                    vec![1.0, 0.0]
                } else {
                    vec![0.0, 1.0]
                }
            })
            .collect::<Vec<_>>(),
        &device,
    );

    #[derive(Module, Debug)]
    struct TwoLayer {
        l1: gsl_core::nn::Gcn,
        l2: gsl_core::nn::Gcn,
    }
    let forward = |m: &TwoLayer| {
        let h =
            m.l1.forward_normalized(&norm, x.clone())
                .unwrap()
                .clamp_min(0.0);
        m.l2.forward_normalized(&norm, h).unwrap()
    };
    let loss_of = |logits: Tensor<2>| {
        activation::log_softmax(logits, 1)
            .mul(onehot.clone())
            .sum_dim(1)
            .mean()
            .neg()
    };
    let mut model = TwoLayer {
        l1: GcnConfig::new(n, 8).init(&device).unwrap(),
        l2: GcnConfig::new(8, 2).init(&device).unwrap(),
    };
    let mut optim = AdamConfig::new().init();
    let initial = to_vec_f32(loss_of(forward(&model)))[0];
    let mut last = initial;
    for _ in 0..40 {
        let loss = loss_of(forward(&model));
        last = to_vec_f32(loss.clone())[0];
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = optim.step(0.05, model, grads);
    }
    let logits = rows(forward(&model));
    let final_loss = to_vec_f32(loss_of(forward(&model)))[0];
    assert!(final_loss <= last + 1e-3);
    assert!(
        final_loss < 0.1 && final_loss < 0.2 * initial,
        "loss {initial} -> {final_loss}"
    );
    for (i, l) in logits.iter().enumerate() {
        let predicted = usize::from(l[1] > l[0]);
        assert_eq!(predicted, labels[i], "node {i}");
    }
}

// ---------------------------------------------------------------------------------------------
// layer errors

#[test]
fn layers_reject_wrong_shapes_empty_graphs_and_nan() {
    let device = dev();
    let graph = undirected(N, &PAIRS, &device);
    let gcn = GcnConfig::new(4, 2).init(&device).unwrap();
    let sage = SageConfig::new(4, 2).init(&device).unwrap();
    let gat = GatConfig::new(4, 2).init(&device).unwrap();
    let gin = GinConfig::new(MlpConfig::new(vec![4, 2]))
        .init(&device)
        .unwrap();
    let mlp = MlpConfig::new(vec![4, 2]).init(&device).unwrap();

    let wide = Tensor::<2>::ones([N, 5], &device);
    let short = Tensor::<2>::ones([N - 1, 4], &device);
    let mut nan_rows = host_matrix(N, 4, 50);
    nan_rows[3][1] = f32::INFINITY;
    let nan = tensor2(&nan_rows, &device);
    let empty = Graph::new(0, Tensor::<2, Int>::zeros([2, 0], &device), None).unwrap();
    let none = Tensor::<2>::zeros([0, 4], &device);

    type Forward<'a> = Box<dyn Fn(&Graph, Tensor<2>) -> gsl_core::Result<Tensor<2>> + 'a>;
    let layers: Vec<(&str, Forward)> = vec![
        ("gcn", Box::new(|g, x| gcn.forward(g, x))),
        ("sage", Box::new(|g, x| sage.forward(g, x))),
        ("gat", Box::new(|g, x| gat.forward(g, x))),
        ("gin", Box::new(|g, x| gin.forward(g, x))),
    ];
    for (name, f) in &layers {
        assert!(
            matches!(f(&graph, wide.clone()), Err(GslError::ShapeMismatch { .. })),
            "{name} width"
        );
        assert!(
            matches!(
                f(&graph, short.clone()),
                Err(GslError::ShapeMismatch { .. })
            ),
            "{name} node count"
        );
        assert!(
            matches!(f(&graph, nan.clone()), Err(GslError::NonFinite(_))),
            "{name} non-finite"
        );
        assert!(
            matches!(f(&empty, none.clone()), Err(GslError::EmptyGraph(_))),
            "{name} empty graph"
        );
    }
    let norm = gsl_core::ops::gcn_norm(&graph).unwrap();
    assert!(matches!(
        gcn.forward_normalized(&norm, wide.clone()),
        Err(GslError::ShapeMismatch { .. })
    ));
    assert!(matches!(
        mlp.forward(wide),
        Err(GslError::ShapeMismatch { .. })
    ));
    assert!(matches!(mlp.forward(nan), Err(GslError::NonFinite(_))));
}

#[test]
fn invalid_configs_are_rejected() {
    let device = dev();
    let invalid = |r: gsl_core::Result<()>| matches!(r, Err(GslError::InvalidArgument { .. }));
    assert!(invalid(GcnConfig::new(0, 2).init(&device).map(|_| ())));
    assert!(invalid(SageConfig::new(3, 0).init(&device).map(|_| ())));
    assert!(invalid(
        GatConfig::new(3, 2).with_heads(0).init(&device).map(|_| ())
    ));
    assert!(invalid(
        GatConfig::new(3, 2)
            .with_negative_slope(f64::NAN)
            .init(&device)
            .map(|_| ())
    ));
    assert!(invalid(MlpConfig::new(vec![3]).init(&device).map(|_| ())));
    assert!(invalid(
        MlpConfig::new(vec![3, 0, 2]).init(&device).map(|_| ())
    ));
    assert!(invalid(
        MlpConfig::new(vec![3, 2])
            .with_dropout(1.0)
            .init(&device)
            .map(|_| ())
    ));
    assert!(invalid(
        GinConfig::new(MlpConfig::new(vec![3, 2]))
            .with_eps(f64::INFINITY)
            .init(&device)
            .map(|_| ())
    ));
}

#[test]
fn layers_run_on_a_graph_without_edges() {
    let device = dev();
    let graph = Graph::new(3, Tensor::<2, Int>::zeros([2, 0], &device), None).unwrap();
    let xh = host_matrix(3, 2, 60);
    let x = tensor2(&xh, &device);
    // GCN: Â = I, so H' = X W + b.
    let gcn = GcnConfig::new(2, 2).init(&device).unwrap();
    let want = x.clone().matmul(gcn.weight.val());
    assert_close(
        &to_vec_f32(gcn.forward(&graph, x.clone()).unwrap()),
        &to_vec_f32(want),
        1e-6,
        "gcn",
    );
    // SAGE: zero mean, so only the self term and bias remain.
    let sage = SageConfig::new(2, 2).init(&device).unwrap();
    let want = sage
        .lin_self
        .forward(x.clone())
        .add(sage.lin_neigh.forward(Tensor::zeros([3, 2], &device)));
    assert_close(
        &to_vec_f32(sage.forward(&graph, x.clone()).unwrap()),
        &to_vec_f32(want),
        1e-6,
        "sage",
    );
    // GAT with self-loops: each node attends only to itself, so H' = X W.
    let gat = GatConfig::new(2, 2).init(&device).unwrap();
    let want = x.clone().matmul(gat.weight.val());
    assert_close(
        &to_vec_f32(gat.forward(&graph, x.clone()).unwrap()),
        &to_vec_f32(want),
        1e-6,
        "gat",
    );
    // GAT without self-loops: nobody has a neighbour, so only the (zero) bias remains.
    let gat = GatConfig::new(2, 2)
        .with_add_self_loops(false)
        .init(&device)
        .unwrap();
    let (out, att) = gat.forward_with_attention(&graph, x.clone()).unwrap();
    assert_eq!(att.dims(), [0, 1]);
    assert_eq!(to_vec_f32(out), vec![0.0; 6]);
    let gin = GinConfig::new(MlpConfig::new(vec![2, 2]))
        .init(&device)
        .unwrap();
    let want = gin.mlp.forward(x.clone()).unwrap();
    assert_close(
        &to_vec_f32(gin.forward(&graph, x).unwrap()),
        &to_vec_f32(want),
        1e-6,
        "gin",
    );
}

// ---------------------------------------------------------------------------------------------
// neighbour sampler

/// A fixed pseudo-random undirected graph with 40 nodes and varied degrees.
fn random_edges(n: usize, m: usize, seed: u64) -> EdgeList {
    let mut rng = StdRng::seed_from_u64(seed);
    let pairs: Vec<(usize, usize)> = (0..m)
        .map(|_| (rng.random_range(0..n), rng.random_range(0..n)))
        .collect();
    EdgeList::from_pairs(n, &pairs)
        .unwrap()
        .build(BuildOptions::default())
        .unwrap()
}

#[test]
fn sampler_respects_fanouts_and_only_samples_existing_edges() {
    let device = dev();
    let edges = random_edges(40, 160, 70);
    let csr = edges.to_csr();
    let sampler = NeighborSampler::with_sizes(csr.clone(), &[3, 2]).unwrap();
    let seeds = [7, 3, 21, 0];
    let batch = sampler.sample(&seeds, 1, &device).unwrap();
    assert_eq!(batch.num_seeds, 4);
    assert_eq!(&batch.nodes[..4], &seeds, "seeds come first, in order");
    let mut unique = batch.nodes.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(
        unique.len(),
        batch.nodes.len(),
        "local ids are distinct nodes"
    );

    let sub = batch.graph.to_edge_list();
    let mut out_degree = vec![0usize; batch.nodes.len()];
    for (a, b, _) in sub.iter() {
        let (ga, gb) = (batch.nodes[a], batch.nodes[b]);
        assert!(
            csr.neighbors(ga).contains(&gb),
            "edge ({ga}, {gb}) not in graph"
        );
        out_degree[a] += 1;
    }
    // Hop 0 (seeds): min(3, degree) neighbours each; hop 1 nodes: min(2, degree); hop 2: none.
    let hop1: Vec<usize> = (4..batch.nodes.len())
        .filter(|&l| sub.iter().any(|(a, b, _)| a < 4 && b == l))
        .collect();
    for (l, &d) in out_degree.iter().enumerate() {
        let full = csr.degree(batch.nodes[l]);
        if l < 4 {
            assert_eq!(d, full.min(3), "seed {l}");
        } else if hop1.contains(&l) {
            assert_eq!(d, full.min(2), "hop-1 node {l}");
        } else {
            assert_eq!(d, 0, "last-hop node {l} is not expanded");
        }
    }
}

#[test]
fn sampler_is_reproducible_for_a_seed() {
    let device = dev();
    let sampler = NeighborSampler::new(
        random_edges(40, 160, 71).to_csr(),
        vec![Fanout::Sample(2); 2],
    )
    .unwrap();
    let a = sampler.sample(&[1, 2, 3], 5, &device).unwrap();
    let b = sampler.sample(&[1, 2, 3], 5, &device).unwrap();
    assert_eq!(a.nodes, b.nodes);
    assert_eq!(
        to_vec_i64(a.graph.edge_index().clone()),
        to_vec_i64(b.graph.edge_index().clone())
    );
}

#[test]
fn sampler_batches_cover_every_seed_once_and_are_reproducible() {
    let device = dev();
    let sampler = NeighborSampler::with_sizes(random_edges(40, 160, 72).to_csr(), &[4]).unwrap();
    let seeds: Vec<usize> = (0..40).step_by(3).collect(); // 14 seeds
    let collect = |shuffle| {
        sampler
            .batches(&seeds, 5, shuffle, &device)
            .unwrap()
            .map(|b| b.unwrap())
            .collect::<Vec<_>>()
    };
    let batches = collect(9);
    assert_eq!(batches.len(), 3);
    assert_eq!(
        batches.iter().map(|b| b.num_seeds).collect::<Vec<_>>(),
        vec![5, 5, 4]
    );
    let mut covered: Vec<usize> = batches
        .iter()
        .flat_map(|b| b.nodes[..b.num_seeds].to_vec())
        .collect();
    covered.sort_unstable();
    assert_eq!(covered, seeds);
    let again = collect(9);
    for (a, b) in batches.iter().zip(&again) {
        assert_eq!(a.nodes, b.nodes);
    }
    assert_eq!(sampler.batches(&seeds, 5, 9, &device).unwrap().len(), 3);
}

#[test]
fn full_fanout_two_layer_outputs_equal_full_graph_outputs() {
    let device = dev();
    let edges = random_edges(40, 90, 73);
    let graph = edges.to_graph(&device);
    let sampler = NeighborSampler::new(edges.to_csr(), vec![Fanout::All, Fanout::All]).unwrap();
    let seeds = [11, 4, 30];
    let batch = sampler.sample(&seeds, 0, &device).unwrap();
    assert!(
        batch.nodes.len() < 40,
        "the 2-hop neighbourhood should not be the whole graph"
    );
    let x = tensor2(&host_matrix(40, 3, 74), &device);
    let xs = batch.features(&x).unwrap();
    let seed_rows = |t: Tensor<2>, k: usize| rows(t)[..k].to_vec();

    let s1 = SageConfig::new(3, 4).init(&device).unwrap();
    let s2 = SageConfig::new(4, 2).init(&device).unwrap();
    let sage = |g: &Graph, x: Tensor<2>| {
        s2.forward(g, s1.forward(g, x).unwrap().clamp_min(0.0))
            .unwrap()
    };
    let full = rows(sage(&graph, x.clone()));
    let sub = seed_rows(sage(&batch.graph, xs.clone()), 3);
    for (k, &s) in seeds.iter().enumerate() {
        assert_close(&sub[k], &full[s], 1e-5, "sage seed");
    }

    let g1 = GatConfig::new(3, 2).with_heads(2).init(&device).unwrap();
    let g2 = GatConfig::new(4, 2)
        .with_concat(false)
        .init(&device)
        .unwrap();
    let gat = |g: &Graph, x: Tensor<2>| {
        g2.forward(g, g1.forward(g, x).unwrap().clamp_min(0.0))
            .unwrap()
    };
    let full = rows(gat(&graph, x.clone()));
    let sub = seed_rows(gat(&batch.graph, xs.clone()), 3);
    for (k, &s) in seeds.iter().enumerate() {
        assert_close(&sub[k], &full[s], 1e-5, "gat seed");
    }

    let n1 = GinConfig::new(MlpConfig::new(vec![3, 4]))
        .init(&device)
        .unwrap();
    let n2 = GinConfig::new(MlpConfig::new(vec![4, 2]))
        .init(&device)
        .unwrap();
    let gin = |g: &Graph, x: Tensor<2>| {
        n2.forward(g, n1.forward(g, x).unwrap().clamp_min(0.0))
            .unwrap()
    };
    let full = rows(gin(&graph, x));
    let sub = seed_rows(gin(&batch.graph, xs), 3);
    for (k, &s) in seeds.iter().enumerate() {
        assert_close(&sub[k], &full[s], 1e-5, "gin seed");
    }
}

#[test]
fn sampler_rejects_bad_seeds_and_fanouts() {
    let device = dev();
    let csr = random_edges(10, 20, 75).to_csr();
    assert!(matches!(
        NeighborSampler::with_sizes(csr.clone(), &[2, 0]),
        Err(GslError::InvalidArgument { .. })
    ));
    assert!(matches!(
        NeighborSampler::new(csr.clone(), vec![]),
        Err(GslError::InvalidArgument { .. })
    ));
    let mut broken = csr.clone();
    broken.indices[0] = 10;
    assert!(matches!(
        NeighborSampler::with_sizes(broken, &[2]),
        Err(GslError::NodeOutOfRange { id: 10, .. })
    ));
    let sampler = NeighborSampler::with_sizes(csr, &[2, usize::MAX]).unwrap();
    assert_eq!(sampler.fanouts(), &[Fanout::Sample(2), Fanout::All]);
    assert!(matches!(
        sampler.sample(&[], 0, &device),
        Err(GslError::InvalidArgument { .. })
    ));
    assert!(matches!(
        sampler.sample(&[3, 10], 0, &device),
        Err(GslError::NodeOutOfRange { id: 10, .. })
    ));
    assert!(matches!(
        sampler.sample(&[3, 3], 0, &device),
        Err(GslError::InvalidArgument { .. })
    ));
    assert!(matches!(
        sampler.batches(&[1, 2], 0, 0, &device),
        Err(GslError::InvalidArgument { .. })
    ));
    let batch = sampler.sample(&[1], 0, &device).unwrap();
    assert!(matches!(
        batch.features(&Tensor::<2>::ones([9, 2], &device)),
        Err(GslError::ShapeMismatch { .. })
    ));
}
