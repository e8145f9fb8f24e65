//! `gsl cluster`: cluster the nodes of an attributed graph with a non-parametric method, print
//! the metric table, and optionally write the assignment (CSV `node,cluster`) and the
//! embedding (`.npy`).

use std::path::PathBuf;

use gsl::burn::tensor::{Device, Tensor, TensorData};
use gsl::cluster::metrics::{ClusteringScores, evaluate};
use gsl::cluster::pipeline::{FeatureNorm, Method, PipelineOptions, run as run_pipeline};
use gsl::cluster::synthetic::{AttributedSbmConfig, attributed_sbm};
use gsl::core::train::write_file_atomic;
use gsl::core::{AttributedGraph, BuildOptions, EdgeList, GslError, Result};
use gsl::data::loaders::{
    Dataset, EdgeListOptions, Matrix, load, read_edge_list, read_matrix, write_matrix,
};

/// Arguments of `gsl cluster`.
#[derive(clap::Args, Debug)]
pub struct ClusterArgs {
    /// Method: kmeans, sgc, ssgc, nafs, sagsc, s2cag, ms2cag or spectral (S2CAG and M-S2CAG
    /// round by SNEM, the paper's rounding).
    #[arg(long)]
    pub method: String,
    /// A registry dataset (cora, citeseer, amazon_photo, … under $GSL_DATA_DIR), `sbm-N` for a
    /// synthetic attributed SBM with N nodes, or `files` to read --edges/--features/--labels.
    #[arg(long)]
    pub dataset: String,
    /// Edge list file (with `--dataset files`): `src dst [weight]` per line, symmetrised.
    #[arg(long)]
    pub edges: Option<PathBuf>,
    /// Feature matrix (with `--dataset files`): .npy or .csv, one row per node.
    #[arg(long)]
    pub features: Option<PathBuf>,
    /// Labels (with `--dataset files`, optional): .npy or .csv with one column; negative means
    /// unlabelled.
    #[arg(long)]
    pub labels: Option<PathBuf>,
    /// Number of clusters (default: the number of classes of the dataset).
    #[arg(long)]
    pub k: Option<usize>,
    /// Seed of the method and of k-means.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Feature preprocessing: none, rowsum (PyG NormalizeFeatures, PyAGC's choice for
    /// Planetoid/Amazon), l2 or tfidf (the input of the official SAGSC and S2CAG code).
    #[arg(long, default_value = "rowsum")]
    pub feature_norm: String,
    /// Write the assignment as CSV (`node,cluster`).
    #[arg(long)]
    pub output: Option<PathBuf>,
    /// Write the clustered embedding as .npy.
    #[arg(long)]
    pub embeddings: Option<PathBuf>,
    /// Replace output files that exist.
    #[arg(long)]
    pub overwrite: bool,
}

/// A graph to cluster, with its host edge list and optional labels.
struct Input {
    name: String,
    edges: EdgeList,
    graph: AttributedGraph,
    truth: Vec<Option<usize>>,
    classes: Option<usize>,
}

fn parse_norm(name: &str) -> Result<FeatureNorm> {
    match name {
        "none" => Ok(FeatureNorm::None),
        "rowsum" => Ok(FeatureNorm::RowSum),
        "l2" => Ok(FeatureNorm::L2),
        "tfidf" => Ok(FeatureNorm::TfIdf),
        other => Err(GslError::invalid(
            "feature-norm",
            format!("unknown `{other}` (expected none, rowsum, l2 or tfidf)"),
        )),
    }
}

fn load_input(args: &ClusterArgs, device: &Device) -> Result<Input> {
    if let Some(size) = args.dataset.strip_prefix("sbm-") {
        let nodes: usize = size.parse().map_err(|_| {
            GslError::invalid(
                "dataset",
                format!("`{}`: expected sbm-<nodes>", args.dataset),
            )
        })?;
        let config = AttributedSbmConfig::new(nodes).with_seed(args.seed);
        let sbm = attributed_sbm(&config, device)?;
        return Ok(Input {
            name: args.dataset.clone(),
            truth: sbm.labels.iter().map(|&c| Some(c)).collect(),
            classes: Some(config.clusters),
            edges: sbm.edges,
            graph: sbm.graph,
        });
    }
    if args.dataset == "files" {
        return load_files(args, device);
    }
    match load(&args.dataset, device)? {
        Dataset::Nodes(data) => Ok(Input {
            name: data.name.clone(),
            truth: data
                .labels
                .iter()
                .map(|&l| usize::try_from(l).ok())
                .collect(),
            classes: Some(data.num_classes),
            edges: data.edges,
            graph: data.graph,
        }),
        _ => Err(GslError::invalid(
            "dataset",
            format!("`{}` is not a node-level dataset", args.dataset),
        )),
    }
}

fn load_files(args: &ClusterArgs, device: &Device) -> Result<Input> {
    let (Some(edge_path), Some(feature_path)) = (&args.edges, &args.features) else {
        return Err(GslError::invalid(
            "dataset",
            "`files` needs --edges and --features",
        ));
    };
    let x = read_matrix(feature_path)?;
    let options = EdgeListOptions {
        one_based: false,
        num_nodes: Some(x.rows),
    };
    let edges = read_edge_list(edge_path, options)?.build(BuildOptions::default())?;
    let features = Tensor::<2>::from_data(TensorData::new(x.values, [x.rows, x.cols]), device);
    let graph = AttributedGraph::new(edges.to_graph(device), features, None)?;
    let truth: Vec<Option<usize>> = match &args.labels {
        Some(path) => {
            let m = read_matrix(path)?;
            if m.cols != 1 || m.rows != x.rows {
                return Err(GslError::shape(
                    "labels",
                    format!("[{}, 1]", x.rows),
                    format!("[{}, {}]", m.rows, m.cols),
                ));
            }
            m.values
                .iter()
                .map(|&v| (v >= 0.0).then_some(v as usize))
                .collect()
        }
        None => vec![None; x.rows],
    };
    let classes = truth.iter().flatten().max().map(|&m| m + 1);
    Ok(Input {
        name: edge_path.display().to_string(),
        edges,
        graph,
        truth,
        classes,
    })
}

fn check_output(path: &Option<PathBuf>, overwrite: bool) -> Result<()> {
    match path {
        Some(p) => crate::io::refuse_existing("output", p, overwrite),
        None => Ok(()),
    }
}

fn print_scores(
    name: &str,
    method: &str,
    k: usize,
    scores: Option<&ClusteringScores>,
    structure: (f64, f64, f64),
    seconds: f64,
) {
    println!("dataset {name}, method {method}, k = {k}");
    println!("| metric | value |");
    println!("|---|---|");
    if let Some(s) = scores {
        for (label, v) in [
            ("NMI", s.nmi),
            ("ACC", s.acc),
            ("ARI", s.ari),
            ("F1", s.f1),
            ("Homogeneity", s.homogeneity),
            ("Completeness", s.completeness),
        ] {
            println!("| {label} | {:.2} |", 100.0 * v);
        }
    }
    println!("| Modularity | {:.2} |", 100.0 * structure.0);
    println!("| Conductance (global) | {:.2} |", 100.0 * structure.1);
    println!(
        "| Conductance (per-cluster mean) | {:.2} |",
        100.0 * structure.2
    );
    println!("| Time (s) | {seconds:.3} |");
}

/// Runs `gsl cluster`.
pub fn run(args: &ClusterArgs, device: &Device) -> Result<()> {
    let method = Method::from_name(&args.method)?;
    let norm = parse_norm(&args.feature_norm)?;
    check_output(&args.output, args.overwrite)?;
    check_output(&args.embeddings, args.overwrite)?;
    let input = load_input(args, device)?;
    let k = args
        .k
        .or(input.classes)
        .ok_or_else(|| GslError::invalid("k", "the dataset has no labels: pass --k"))?;
    let options = PipelineOptions::new(k)
        .with_seed(args.seed)
        .with_feature_norm(norm);
    let start = std::time::Instant::now();
    let out = run_pipeline(&method, &input.graph, &options)?;
    let seconds = start.elapsed().as_secs_f64();
    let labelled = input.truth.iter().any(Option::is_some);
    let scores = if labelled {
        Some(evaluate(&input.truth, &out.labels, Some(&input.edges))?)
    } else {
        None
    };
    let structure = match &scores {
        Some(s) => (
            s.modularity.unwrap_or(f64::NAN),
            s.conductance.unwrap_or(f64::NAN),
            s.avg_conductance.unwrap_or(f64::NAN),
        ),
        None => (
            gsl::cluster::metrics::modularity(&input.edges, &out.labels)?,
            gsl::cluster::metrics::global_conductance(&input.edges, &out.labels)?,
            gsl::cluster::metrics::average_conductance(&input.edges, &out.labels)?,
        ),
    };
    print_scores(
        &input.name,
        method.name(),
        k,
        scores.as_ref(),
        structure,
        seconds,
    );
    if let Some(path) = &args.output {
        let mut text = String::from("node,cluster\n");
        for (i, c) in out.labels.iter().enumerate() {
            text.push_str(&format!("{i},{c}\n"));
        }
        write_file_atomic(path, text.as_bytes(), args.overwrite)?;
        eprintln!("wrote the assignment to {}", path.display());
    }
    if let Some(path) = &args.embeddings {
        let [n, d] = out.embedding.dims();
        let values = gsl::core::tensor::to_vec_f32(out.embedding);
        write_matrix(path, &Matrix::new(n, d, values)?, args.overwrite)?;
        eprintln!("wrote the embedding to {}", path.display());
    }
    Ok(())
}
