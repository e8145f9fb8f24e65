//! `cargo xtask bench cluster --dataset cora|citeseer|photo|sbm-N`: PyAGC's protocol for the
//! non-parametric methods — 5 seeds, mean ± std of NMI, ACC, ARI, F1, modularity and (global)
//! conductance, with wall time and peak resident memory — printed like PyAGC's results file,
//! next to PyAGC's published Cora/Photo rows where it has them.
//!
//! `GSL_CLUSTER_METHODS=ssgc,s2cag` restricts a run to some methods.
//!
//! Peak memory is the process's `VmHWM` from `/proc/self/status`, reset before every method by
//! writing `5` to `/proc/self/clear_refs`, so each row shows that method's own peak.

use std::time::Instant;

use gsl::burn::tensor::Device;
use gsl::cluster::kmeans::Potential;
use gsl::cluster::metrics::{ClusteringScores, evaluate};
use gsl::cluster::node2vec::Node2VecConfig;
use gsl::cluster::pipeline::{FeatureNorm, METHOD_NAMES, Method, PipelineOptions, run};
use gsl::cluster::s2cag::{Ms2cagConfig, Normalization, Rounding, S2cagConfig};
use gsl::cluster::ssgc::SsgcConfig;
use gsl::cluster::synthetic::{AttributedSbmConfig, attributed_sbm};
use gsl::core::{AttributedGraph, EdgeList};
use gsl::data::loaders::{Dataset, load};
use serde::Serialize;

use crate::report::{machine, write_json};

/// PyAGC's published Cora rows (`benchmark/results/Structured Benchmark Results.md`, means of
/// 5 seeds, ×100): NMI, ACC, ARI, Mod, Cond, time (s).
const PYAGC_CORA: &[(&str, [f64; 6])] = &[
    ("kmeans", [13.89, 33.09, 6.95, 18.73, 57.49, 0.28]),
    ("node2vec", [44.95, 60.52, 33.61, 71.52, 11.99, 24.57]),
    ("ssgc", [51.85, 65.38, 41.25, 72.60, 10.84, 0.56]),
    ("sagsc", [44.35, 63.45, 38.83, 55.76, 27.61, 0.86]),
    ("ms2cag", [53.64, 70.29, 45.76, 74.67, 9.49, 0.78]),
];
/// The same for Amazon Photo.
const PYAGC_PHOTO: &[(&str, [f64; 6])] = &[
    ("kmeans", [31.70, 42.54, 20.01, 16.85, 66.60, 0.69]),
    ("node2vec", [66.02, 73.08, 57.11, 71.65, 10.76, 27.96]),
    ("ssgc", [70.75, 76.34, 59.17, 70.13, 9.04, 0.62]),
    ("sagsc", [58.40, 67.91, 43.66, 65.11, 17.16, 1.02]),
    ("ms2cag", [72.49, 79.13, 63.88, 71.08, 10.11, 0.85]),
];

#[derive(Serialize, Clone, Copy)]
struct MeanStd {
    mean: f64,
    std: f64,
}

impl MeanStd {
    /// Mean and population standard deviation (numpy's default, as PyAGC reports).
    fn of(values: &[f64]) -> Self {
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
        Self {
            mean,
            std: var.sqrt(),
        }
    }

    fn pct(self) -> String {
        format!("{:.2}±{:.2}", 100.0 * self.mean, 100.0 * self.std)
    }
}

#[derive(Serialize)]
struct MethodRow {
    method: String,
    nmi: MeanStd,
    acc: MeanStd,
    ari: MeanStd,
    f1: MeanStd,
    modularity: MeanStd,
    conductance: MeanStd,
    avg_conductance: MeanStd,
    seconds: MeanStd,
    embed_seconds: MeanStd,
    peak_mib: f64,
}

#[derive(Serialize)]
struct Output {
    suite: &'static str,
    machine: String,
    device: String,
    dataset: String,
    nodes: usize,
    edges: usize,
    seeds: Vec<u64>,
    rows: Vec<MethodRow>,
}

/// Peak resident set size of this process in MiB (`VmHWM`), NaN where unknown.
fn peak_mib() -> f64 {
    crate::report::peak_rss_kib().map_or(f64::NAN, |kib| kib as f64 / 1024.0)
}

/// Resets `VmHWM` to the current RSS (Linux `clear_refs` value 5); harmless where unsupported.
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

struct Input {
    graph: AttributedGraph,
    edges: EdgeList,
    truth: Vec<Option<usize>>,
    k: usize,
    feature_norm: FeatureNorm,
}

fn load_input(name: &str, device: &Device) -> Result<Input, String> {
    if let Some(n) = name.strip_prefix("sbm-") {
        let nodes: usize = n.parse().map_err(|_| format!("bad dataset `{name}`"))?;
        let config = AttributedSbmConfig::new(nodes);
        let t = Instant::now();
        let sbm = attributed_sbm(&config, device).map_err(|e| e.to_string())?;
        eprintln!(
            "sampled {name}: {} nodes, {} undirected edges, {} features in {:.1}s",
            nodes,
            sbm.edges.num_edges() / 2,
            config.features,
            t.elapsed().as_secs_f64()
        );
        return Ok(Input {
            truth: sbm.labels.iter().map(|&c| Some(c)).collect(),
            k: config.clusters,
            graph: sbm.graph,
            edges: sbm.edges,
            feature_norm: FeatureNorm::None,
        });
    }
    let registry = if name == "photo" {
        "amazon_photo"
    } else {
        name
    };
    match load(registry, device).map_err(|e| e.to_string())? {
        Dataset::Nodes(d) => Ok(Input {
            truth: d.labels.iter().map(|&l| usize::try_from(l).ok()).collect(),
            k: d.num_classes,
            graph: d.graph,
            edges: d.edges,
            // PyAGC applies PyG's NormalizeFeatures to Planetoid and Amazon data.
            feature_norm: FeatureNorm::RowSum,
        }),
        _ => Err(format!("`{name}` is not a node-level dataset")),
    }
}

/// Extra rows besides [`METHOD_NAMES`]: M-S2CAG with PyAGC's k-means rounding, and PyAGC's
/// whole M-S2CAG variant (its normalisation, k-means rounding).
const VARIANTS: &[&str] = &["ms2cag-kmeans", "ms2cag-pyagc"];

/// The method with PyAGC's per-dataset setting where it has one (Cora: SSGC K = 12, SAGSC
/// p = 5, Node2Vec 100 epochs, S2CAG T = 20, M-S2CAG T = 16, α = 1.2, γ = 1, τ = 100; Photo: M-S2CAG T = 4,
/// α = 1.5, γ = 1). `ms2cag` rounds by SNEM (the paper), `ms2cag-kmeans` by k-means (PyAGC);
/// `ms2cag-pyagc` is PyAGC's normalisation with its settings and k-means rounding.
fn method_for(name: &str, dataset: &str) -> Result<Method, String> {
    if name == "ms2cag-pyagc" {
        return Ok(Method::Ms2cag(match dataset {
            "cora" => Ms2cagConfig::pyagc_cora(),
            "photo" => Ms2cagConfig::pyagc()
                .with_t(4)
                .with_alpha(1.5)
                .with_gamma(1.0),
            _ => Ms2cagConfig::pyagc(),
        }));
    }
    let base = name.strip_suffix("-kmeans").unwrap_or(name);
    let method = Method::from_name(base).map_err(|e| e.to_string())?;
    let rounding = if base == name {
        Rounding::Snem
    } else {
        Rounding::KMeans
    };
    Ok(match (&method, dataset) {
        (Method::Ssgc(_), "cora") => Method::Ssgc(SsgcConfig::new().with_k(12)),
        (Method::Sagsc { .. }, "cora") => Method::Sagsc { p: 5 },
        (Method::S2cag(_), "cora") => Method::S2cag(S2cagConfig::new().with_t(20)),
        (Method::Ms2cag(_), "cora") => Method::Ms2cag(
            Ms2cagConfig::new()
                .with_t(16)
                .with_alpha(1.2)
                .with_gamma(1.0)
                .with_tau(100)
                .with_rounding(rounding),
        ),
        (Method::Ms2cag(_), "photo") => Method::Ms2cag(
            Ms2cagConfig::new()
                .with_t(4)
                .with_alpha(1.5)
                .with_gamma(1.0)
                .with_rounding(rounding),
        ),
        (Method::Ms2cag(c), _) => Method::Ms2cag(c.clone().with_rounding(rounding)),
        (Method::Node2Vec(_), "cora") => Method::Node2Vec(Node2VecConfig::new().with_epochs(100)),
        _ => method,
    })
}

pub fn run_suite(quick: bool, device_name: &str, dataset: Option<&str>) -> Result<(), String> {
    let dataset = dataset.unwrap_or("cora");
    let device = gsl::core::device::device_from_name(device_name).map_err(|e| e.to_string())?;
    let input = load_input(dataset, &device)?;
    let seeds: Vec<u64> = if quick { vec![0, 1] } else { (0..5).collect() };
    let large = input.graph.num_nodes() > 200_000;
    // On the scale runs only the methods with a scale target (SSGC, S2CAG) and the k-means
    // baseline.
    let mut methods: Vec<&str> = if large {
        vec!["kmeans", "ssgc", "s2cag"]
    } else {
        METHOD_NAMES.iter().chain(VARIANTS).copied().collect()
    };
    // `GSL_CLUSTER_METHODS=ssgc,s2cag` restricts the run to some methods.
    let only = std::env::var("GSL_CLUSTER_METHODS").ok();
    if let Some(only) = &only {
        let wanted: Vec<&str> = only.split(',').map(str::trim).collect();
        methods.retain(|m| wanted.contains(m));
    }
    let mut rows = Vec::new();
    for name in methods {
        let method = method_for(name, dataset)?;
        reset_peak();
        let mut scores: Vec<ClusteringScores> = Vec::new();
        let (mut seconds, mut embed_seconds) = (Vec::new(), Vec::new());
        for &seed in &seeds {
            // SAGSC's and S2CAG's official code work on TF-IDF features (count data only);
            // S2CAG's feature normalisation needs non-negative features, so the Gaussian
            // features of the synthetic SBM are shifted (PyG's NormalizeFeatures).
            // PyAGC's own variant takes its features as PyAGC does (NormalizeFeatures only).
            let norm = match (&method, input.feature_norm) {
                (Method::Ms2cag(c), norm) if c.normalization == Normalization::PyAgc => norm,
                (
                    Method::Sagsc { .. } | Method::S2cag(_) | Method::Ms2cag(_),
                    FeatureNorm::RowSum,
                ) => FeatureNorm::TfIdf,
                (Method::S2cag(_) | Method::Ms2cag(_), FeatureNorm::None) => FeatureNorm::RowSum,
                (_, norm) => norm,
            };
            // PyAGC's TorchKMeans seeds and picks restarts by plain distances.
            let mut options = PipelineOptions::new(input.k)
                .with_seed(seed)
                .with_feature_norm(norm)
                .with_kmeans_potential(Potential::Distance);
            if large {
                options = options.with_n_init(3);
            }
            let t = Instant::now();
            let out = run(&method, &input.graph, &options).map_err(|e| e.to_string())?;
            seconds.push(t.elapsed().as_secs_f64());
            embed_seconds.push(out.embed_seconds);
            scores.push(
                evaluate(&input.truth, &out.labels, Some(&input.edges))
                    .map_err(|e| e.to_string())?,
            );
        }
        eprintln!(
            "{name}: NMI {:.2}, {:.2}s per run",
            100.0 * scores.iter().map(|s| s.nmi).sum::<f64>() / scores.len() as f64,
            seconds.iter().sum::<f64>() / seconds.len() as f64
        );
        let pick = |f: fn(&ClusteringScores) -> f64| {
            MeanStd::of(&scores.iter().map(f).collect::<Vec<_>>())
        };
        rows.push(MethodRow {
            method: name.to_string(),
            nmi: pick(|s| s.nmi),
            acc: pick(|s| s.acc),
            ari: pick(|s| s.ari),
            f1: pick(|s| s.f1),
            modularity: pick(|s| s.modularity.unwrap_or(f64::NAN)),
            conductance: pick(|s| s.conductance.unwrap_or(f64::NAN)),
            avg_conductance: pick(|s| s.avg_conductance.unwrap_or(f64::NAN)),
            seconds: MeanStd::of(&seconds),
            embed_seconds: MeanStd::of(&embed_seconds),
            peak_mib: peak_mib(),
        });
    }
    println!(
        "\n{dataset}: {} nodes, {} undirected edges, k = {}, seeds {:?} ({})",
        input.graph.num_nodes(),
        input.edges.num_edges() / 2,
        input.k,
        seeds,
        machine()
    );
    println!("| Method | Peak RSS (MiB) | NMI | ACC | ARI | F1 | Mod | Cond | Time (s) |");
    println!("|---|---|---|---|---|---|---|---|---|");
    for r in &rows {
        println!(
            "| {} | {:.0} | {} | {} | {} | {} | {} | {} | {:.3} |",
            r.method,
            r.peak_mib,
            r.nmi.pct(),
            r.acc.pct(),
            r.ari.pct(),
            r.f1.pct(),
            r.modularity.pct(),
            r.conductance.pct(),
            r.seconds.mean
        );
    }
    let published = match dataset {
        "cora" => Some(PYAGC_CORA),
        "photo" => Some(PYAGC_PHOTO),
        _ => None,
    };
    if let Some(table) = published {
        println!("\nPyAGC (published, V100, means of 5 seeds)");
        println!("| Method | NMI | ACC | ARI | Mod | Cond | Time (s) |");
        println!("|---|---|---|---|---|---|---|");
        for (name, v) in table {
            println!(
                "| {name} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} |",
                v[0], v[1], v[2], v[3], v[4], v[5]
            );
        }
    }
    let output = Output {
        suite: "cluster",
        machine: machine(),
        device: device_name.to_string(),
        dataset: dataset.to_string(),
        nodes: input.graph.num_nodes(),
        edges: input.edges.num_edges() / 2,
        seeds,
        rows,
    };
    let path = write_json(&format!("cluster-{dataset}"), &output)?;
    println!("\nwrote {}", path.display());
    Ok(())
}
