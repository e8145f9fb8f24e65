//! `gsl`: the command-line face of the gsl library.
//!
//! ```text
//! gsl info                                    version, compiled backends, devices found
//! gsl knn --input X.npy --k 10 --output g.csv exact k-nearest-neighbour graph of the rows of X
//! gsl demo                                    kNN graph of clustered points + recovery metrics
//! gsl learn --method glasso --input X.npy --output g.csv   model-based graph learning (gsl::mb)
//! gsl data gen|info                           random graphs/signals to files; dataset statistics
//! gsl cluster --method ssgc --dataset cora    cluster an attributed graph, print NMI/ACC/ARI/F1/Q/cond
//! gsl gen train|sample|eval                   graph generation: ER baseline, sampling, MMD² suite
//! gsl unroll train|predict|plot               unrolled GLAD / GDN / L2G, GCN / GIN: train, predict, plot layers
//! ```
//! Errors print one line to stderr and exit with status 1 (2 for bad command-line usage).

mod cluster;
mod data;
mod demo;
mod generate;
mod io;
mod learn;
mod unroll;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use gsl::burn::tensor::{Tensor, TensorData};
use gsl::core::similarity::{KnnMetric, KnnOptions, KnnWeighting, knn_graph};
use gsl::core::{GslError, Result};

#[derive(Parser, Debug)]
#[command(
    name = "gsl",
    version,
    about = "Graph structure learning on CPU and GPU"
)]
struct Cli {
    /// Device to run on: flex, wgpu, wgpu-cpu, cuda or cuda:N (default: $GSL_DEVICE, else flex).
    #[arg(long, global = true)]
    device: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Print the version, the compiled backends and the devices that work on this machine.
    Info,
    /// Build the exact k-nearest-neighbour graph of the rows of a feature matrix.
    Knn(KnnArgs),
    /// Learn a graph from node signals with a model-based method (glasso, log, l2, large, …).
    Learn(learn::LearnArgs),
    /// Generate random graphs and signals (`gen`) or print dataset statistics (`info`).
    Data(data::DataArgs),
    /// Cluster the nodes of an attributed graph and print the clustering metrics.
    Cluster(cluster::ClusterArgs),
    /// Run the demo on embedded synthetic data: kNN graph of clustered points + recovery metrics.
    Demo {
        /// Number of clusters.
        #[arg(long, default_value_t = 4)]
        clusters: usize,
        /// Points per cluster.
        #[arg(long, default_value_t = 250)]
        per_cluster: usize,
        /// Dimension of the points.
        #[arg(long, default_value_t = 16)]
        dim: usize,
        /// Neighbours per point.
        #[arg(long, default_value_t = 10)]
        k: usize,
        /// Seed of the synthetic data.
        #[arg(long, default_value_t = 0)]
        seed: u64,
    },
    /// Graph generation: train a model, sample graphs, evaluate them with the MMD² suite.
    Gen(generate::GenArgs),
    /// Unrolled graph learning (GLAD, GDN, L2G): train on a dataset recipe, predict graphs.
    Unroll(unroll::UnrollArgs),
}

#[derive(clap::Args, Debug)]
struct KnnArgs {
    /// Feature matrix, one row per node: .npy (2-D) or .csv.
    #[arg(long)]
    input: PathBuf,
    /// Number of neighbours per node (1 <= k < number of rows).
    #[arg(long, default_value_t = 10)]
    k: usize,
    /// Output graph: .csv (src,dst,weight) or .npz (src, dst, weight, num_nodes).
    #[arg(long)]
    output: PathBuf,
    /// Distance between rows.
    #[arg(long, value_enum, default_value_t = MetricArg::Euclidean)]
    metric: MetricArg,
    /// Edge weights.
    #[arg(long, value_enum, default_value_t = WeightArg::Distance)]
    weight: WeightArg,
    /// Bandwidth of the Gaussian kernel (default: mean neighbour distance).
    #[arg(long)]
    sigma: Option<f32>,
    /// Keep i→j and j→i whenever either is a kNN edge (an undirected graph).
    #[arg(long)]
    symmetrize: bool,
    /// Rows per distance block (memory is O(chunk · N)).
    #[arg(long, default_value_t = 256)]
    chunk_size: usize,
    /// Replace the output file if it exists.
    #[arg(long)]
    overwrite: bool,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum MetricArg {
    /// Euclidean distance.
    Euclidean,
    /// Cosine distance (1 − cosine similarity).
    Cosine,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum WeightArg {
    /// Every edge has weight 1.
    Binary,
    /// The distance itself.
    Distance,
    /// exp(−d² / 2σ²).
    Gaussian,
}

fn device(name: Option<&str>) -> Result<gsl::burn::tensor::Device> {
    match name {
        Some(name) => gsl::core::device::device_from_name(name),
        None => gsl::core::device::default_device(),
    }
}

fn info() -> Result<()> {
    println!("gsl {}", env!("CARGO_PKG_VERSION"));
    let backends = gsl::core::device::compiled_backends();
    println!("compiled backends: {}", backends.join(", "));
    for name in backends {
        let probe = std::panic::catch_unwind(|| -> Result<String> {
            let device = gsl::core::device::device_from_name(name)?;
            let x = Tensor::<2>::from_data(
                TensorData::new(vec![1.0f32, 2.0, 3.0, 4.0], [2, 2]),
                &device,
            );
            let sum = gsl::core::tensor::to_vec_f32(x.clone().matmul(x).sum());
            if sum == vec![54.0] {
                Ok(format!("{device:?}"))
            } else {
                Err(GslError::Device(format!("wrong result {sum:?}")))
            }
        });
        match probe {
            Ok(Ok(desc)) => println!("  {name}: ok ({desc})"),
            Ok(Err(e)) => println!("  {name}: unavailable ({e})"),
            Err(_) => println!("  {name}: unavailable (no usable adapter)"),
        }
    }
    Ok(())
}

fn knn(args: &KnnArgs, device_name: Option<&str>) -> Result<()> {
    let device = device(device_name)?;
    let matrix = gsl::data::loaders::read_matrix(&args.input)?;
    let mut options = KnnOptions::new(args.k);
    options.metric = match args.metric {
        MetricArg::Euclidean => KnnMetric::SquaredEuclidean,
        MetricArg::Cosine => KnnMetric::Cosine,
    };
    options.weighting = match args.weight {
        WeightArg::Binary => KnnWeighting::Binary,
        WeightArg::Distance => KnnWeighting::Distance,
        WeightArg::Gaussian => KnnWeighting::Gaussian { sigma: args.sigma },
    };
    if args.sigma.is_some() && !matches!(args.weight, WeightArg::Gaussian) {
        return Err(GslError::invalid(
            "sigma",
            "only used with --weight gaussian",
        ));
    }
    options.symmetrize = args.symmetrize;
    options.chunk_size = args.chunk_size;
    options.validate()?;
    if args.k >= matrix.rows {
        return Err(GslError::invalid(
            "k",
            format!(
                "k = {} must be smaller than the number of rows ({})",
                args.k, matrix.rows
            ),
        ));
    }
    let x = Tensor::<2>::from_data(
        TensorData::new(matrix.values, [matrix.rows, matrix.cols]),
        &device,
    );
    let graph = knn_graph(x, &options)?;
    let edges = graph.to_edge_list();
    io::write_graph(&args.output, &edges, args.overwrite)?;
    eprintln!(
        "wrote {} edges on {} nodes to {}",
        edges.num_edges(),
        edges.num_nodes(),
        args.output.display()
    );
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Info => info(),
        Command::Knn(args) => knn(args, cli.device.as_deref()),
        Command::Learn(args) => device(cli.device.as_deref()).and_then(|d| learn::run(args, &d)),
        Command::Data(args) => device(cli.device.as_deref()).and_then(|d| data::run(args, &d)),
        Command::Cluster(args) => {
            device(cli.device.as_deref()).and_then(|d| cluster::run(args, &d))
        }
        &Command::Demo {
            clusters,
            per_cluster,
            dim,
            k,
            seed,
        } => device(cli.device.as_deref()).and_then(|d| {
            let args = demo::DemoArgs {
                clusters,
                per_cluster,
                dim,
                k,
                seed,
            };
            demo::run(&args, &d)
        }),
        Command::Gen(args) => device(cli.device.as_deref()).and_then(|d| generate::run(args, &d)),
        Command::Unroll(args) => device(cli.device.as_deref()).and_then(|d| unroll::run(args, &d)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
