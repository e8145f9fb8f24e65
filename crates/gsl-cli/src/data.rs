//! `gsl data gen` (write random graphs and signals to files) and `gsl data info` (statistics of
//! a registry dataset or of a graph / matrix file).
//!
//! `gen` writes `graph_00000.csv`, `graph_00001.csv`, … (one line `i,j,weight` per undirected
//! edge, `i < j`, after an `i,j,weight` header) and, with `--signals P`, `signals.npy`
//! (`float32`, shape `[count, N, P]`). Files are written atomically and existing files are only
//! replaced with `--overwrite`.

use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand, ValueEnum};
use gsl::burn::tensor::Device;
use gsl::core::train::write_file_atomic;
use gsl::core::{EdgeList, GslError, Result};
use gsl::data::ensembles::{
    BarabasiAlbert, ErdosRenyi, Generator, Grid2d, RandomGeometric, RandomTree,
    StochasticBlockModel, WattsStrogatz, derive_seed, edge_density, undirected_edge_count,
};
use gsl::data::loaders::registry::dataset_info;
use gsl::data::loaders::{Dataset, EdgeListOptions, read_edge_list, read_matrix};
use gsl::data::ordering::connected_components;
use gsl::data::signals::{SignalModel, graph_factors, unit_sphere_coefficients};
use gsl::data::weights::{WeightModel, apply_weights};
use npyz::WriterBuilder;

/// `gsl data …`
#[derive(Args, Debug)]
pub struct DataArgs {
    #[command(subcommand)]
    command: DataCommand,
}

#[derive(Subcommand, Debug)]
enum DataCommand {
    /// Generate random graphs (and optionally signals on them) into a directory.
    Gen(GenArgs),
    /// Print statistics of a registry dataset (e.g. `cora`) or of a file (.csv edge list,
    /// .npy / .csv matrix).
    Info {
        /// Registry name or file path.
        target: String,
    },
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum EnsembleArg {
    /// Erdős–Rényi G(n, p): --n, --p.
    Er,
    /// Barabási–Albert: --n, --m.
    Ba,
    /// Watts–Strogatz: --n, --k, --p.
    Ws,
    /// Random geometric graph in the unit square: --n, --radius.
    Geometric,
    /// Planted-partition SBM: --blocks B (equal blocks of n/B nodes), --p-in, --p-out.
    Sbm,
    /// 2-D grid: --rows, --cols.
    Grid,
    /// Uniform random tree: --n.
    Tree,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum WeightsArg {
    /// Unweighted (weight 1).
    None,
    /// L2G: lognormal(0, 0.1) rescaled to ΣW = N.
    L2g,
    /// Uniform on [0.5, 1.5).
    Uniform,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum ModelArg {
    /// x = √(L†) x₀ with the normalised Laplacian.
    Smooth,
    /// x ~ N(0, (L + 1e-4 I)⁻¹) (L2G).
    L2g,
    /// Diffusion with 3 filter taps on the unit sphere (GDN).
    Diffusion,
    /// Gaussian graphical model, λ_min(Θ) = 1 (GLAD).
    Ggm,
}

/// Arguments of `gsl data gen`.
#[derive(Args, Debug)]
struct GenArgs {
    /// The graph family.
    #[arg(value_enum)]
    ensemble: EnsembleArg,
    /// Output directory (created if missing).
    #[arg(long)]
    out: PathBuf,
    /// Number of graphs.
    #[arg(long, default_value_t = 1)]
    count: usize,
    /// Number of nodes (er, ba, ws, geometric, sbm, tree).
    #[arg(long, default_value_t = 20)]
    n: usize,
    /// Edge probability (er) or rewiring probability (ws).
    #[arg(long, default_value_t = 0.2)]
    p: f64,
    /// Edges per new node (ba).
    #[arg(long, default_value_t = 3)]
    m: usize,
    /// Ring neighbours (ws).
    #[arg(long, default_value_t = 4)]
    k: usize,
    /// Connection radius (geometric).
    #[arg(long, default_value_t = 0.3)]
    radius: f64,
    /// Number of equal blocks (sbm).
    #[arg(long, default_value_t = 2)]
    blocks: usize,
    /// Within-block probability (sbm).
    #[arg(long, default_value_t = 0.5)]
    p_in: f64,
    /// Between-block probability (sbm).
    #[arg(long, default_value_t = 0.05)]
    p_out: f64,
    /// Grid rows (grid).
    #[arg(long, default_value_t = 5)]
    rows: usize,
    /// Grid columns (grid).
    #[arg(long, default_value_t = 5)]
    cols: usize,
    /// Edge weights.
    #[arg(long, value_enum, default_value_t = WeightsArg::None)]
    weights: WeightsArg,
    /// Also draw this many signals per graph into signals.npy.
    #[arg(long)]
    signals: Option<usize>,
    /// Signal model for --signals.
    #[arg(long, value_enum, default_value_t = ModelArg::L2g)]
    model: ModelArg,
    /// Seed of everything.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Replace existing files.
    #[arg(long)]
    overwrite: bool,
}

/// Runs `gsl data …`.
pub fn run(args: &DataArgs, device: &Device) -> Result<()> {
    match &args.command {
        DataCommand::Gen(gen_args) => generate(gen_args, device),
        DataCommand::Info { target } => info(target, device),
    }
}

/// Independent seed streams of `--seed` for the graphs, weights, model, signals and filter taps.
fn stream(args: &GenArgs, index: u64) -> u64 {
    derive_seed(args.seed, index)
}

fn sample(args: &GenArgs) -> Result<Vec<EdgeList>> {
    let (count, seed) = (args.count, stream(args, 0));
    match args.ensemble {
        EnsembleArg::Er => ErdosRenyi::new(args.n, args.p).sample_many(count, seed),
        EnsembleArg::Ba => BarabasiAlbert::new(args.n, args.m).sample_many(count, seed),
        EnsembleArg::Ws => WattsStrogatz::new(args.n, args.k, args.p).sample_many(count, seed),
        EnsembleArg::Geometric => {
            RandomGeometric::new(args.n, args.radius, 2).sample_many(count, seed)
        }
        EnsembleArg::Sbm => {
            if args.blocks == 0 || !args.n.is_multiple_of(args.blocks) {
                return Err(GslError::invalid(
                    "blocks",
                    format!(
                        "must divide n = {} into equal blocks, got {}",
                        args.n, args.blocks
                    ),
                ));
            }
            let sizes = vec![args.n / args.blocks; args.blocks];
            StochasticBlockModel::planted(sizes, &vec![args.p_in; args.blocks], args.p_out)?
                .sample_many(count, seed)
        }
        EnsembleArg::Grid => Grid2d::new(args.rows, args.cols).sample_many(count, seed),
        EnsembleArg::Tree => RandomTree::new(args.n).sample_many(count, seed),
    }
}

/// One `i,j,weight` line per undirected edge (`i < j`).
fn edge_csv(edges: &EdgeList) -> Vec<u8> {
    let mut out = Vec::with_capacity(16 * edges.num_edges() + 16);
    out.extend_from_slice(b"i,j,weight\n");
    for (s, d, w) in edges.iter().filter(|(s, d, _)| s < d) {
        // Writing into a Vec cannot fail.
        let _ = writeln!(out, "{s},{d},{w}");
    }
    out
}

fn npy_bytes(values: &[f32], shape: &[u64]) -> std::io::Result<Vec<u8>> {
    let mut buffer = Cursor::new(Vec::new());
    {
        let mut writer = npyz::WriteOptions::new()
            .default_dtype()
            .shape(shape)
            .writer(&mut buffer)
            .begin_nd()?;
        writer.extend(values.iter().copied())?;
        writer.finish()?;
    }
    Ok(buffer.into_inner())
}

fn generate(args: &GenArgs, device: &Device) -> Result<()> {
    if args.count == 0 {
        return Err(GslError::invalid("count", "must be at least 1"));
    }
    let mut graphs = sample(args)?;
    let weight_model = match args.weights {
        WeightsArg::None => None,
        WeightsArg::L2g => Some(WeightModel::l2g_lognormal()),
        WeightsArg::Uniform => Some(WeightModel::Uniform {
            low: 0.5,
            high: 1.5,
        }),
    };
    if let Some(model) = weight_model {
        graphs = graphs
            .iter()
            .enumerate()
            .map(|(i, g)| apply_weights(g, &model, derive_seed(stream(args, 1), i as u64)))
            .collect::<Result<_>>()?;
    }
    std::fs::create_dir_all(&args.out).map_err(|e| GslError::io(&args.out, e))?;
    let signal_path = args.out.join("signals.npy");
    let paths: Vec<PathBuf> = (0..graphs.len())
        .map(|i| args.out.join(format!("graph_{i:05}.csv")))
        .collect();
    if !args.overwrite {
        let existing = paths
            .iter()
            .chain(args.signals.map(|_| &signal_path))
            .find(|p| p.exists());
        if let Some(p) = existing {
            crate::io::refuse_existing("out", p, false)?;
        }
    }
    for (g, path) in graphs.iter().zip(&paths) {
        write_file_atomic(path, &edge_csv(g), args.overwrite)?;
    }
    if let Some(p) = args.signals {
        let model = match args.model {
            ModelArg::Smooth => SignalModel::Smooth,
            ModelArg::L2g => SignalModel::l2g(),
            ModelArg::Diffusion => SignalModel::Diffusion {
                coefficients: unit_sphere_coefficients(3, stream(args, 4))?,
            },
            ModelArg::Ggm => SignalModel::glad(),
        };
        let factors = graph_factors(&graphs, &model, stream(args, 2))?;
        let x = factors.sample(0..graphs.len(), p, 0.0, stream(args, 3), device)?;
        let shape = x.dims().map(|d| d as u64);
        let values = gsl::core::tensor::to_vec_f32(x);
        let bytes = npy_bytes(&values, &shape).map_err(|e| GslError::io(&signal_path, e))?;
        write_file_atomic(&signal_path, &bytes, args.overwrite)?;
    }
    eprintln!(
        "wrote {} graph(s){} to {}",
        graphs.len(),
        if args.signals.is_some() {
            " and signals.npy"
        } else {
            ""
        },
        args.out.display()
    );
    Ok(())
}

/// Node / edge / density / degree / component statistics of an undirected graph.
fn print_graph_stats(edges: &EdgeList) {
    let n = edges.num_nodes();
    let m = undirected_edge_count(edges);
    let mut degree = vec![0usize; n];
    for (s, d, _) in edges.iter() {
        if s != d {
            degree[s] += 1;
        }
    }
    let components = connected_components(edges);
    println!("nodes: {n}");
    println!("undirected edges: {m}");
    if let Ok(d) = edge_density(edges) {
        println!("density: {d:.6}");
    }
    if n > 0 {
        let (min, max) = (
            degree.iter().min().unwrap_or(&0),
            degree.iter().max().unwrap_or(&0),
        );
        println!(
            "degree: min {min}, mean {:.3}, max {max}",
            degree.iter().sum::<usize>() as f64 / n as f64
        );
    }
    println!(
        "connected components: {} (largest {})",
        components.len(),
        components.iter().map(Vec::len).max().unwrap_or(0)
    );
    if let Some(w) = edges.weights() {
        let total: f64 = w.iter().map(|&x| f64::from(x)).sum();
        println!("total weight (both directions): {total:.6}");
    }
}

fn info(target: &str, device: &Device) -> Result<()> {
    if dataset_info(target).is_some() {
        return dataset_stats(target, device);
    }
    let path = Path::new(target);
    if !path.exists() {
        return Err(GslError::invalid(
            "target",
            format!("`{target}` is neither a registry dataset nor an existing file"),
        ));
    }
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    if ext == "npy" {
        let m = read_matrix(path)?;
        println!("matrix: {} x {}", m.rows, m.cols);
        return Ok(());
    }
    let edges = read_edge_list(path, EdgeListOptions::default())?
        .build(gsl::core::BuildOptions::default())?;
    println!("file: {}", path.display());
    print_graph_stats(&edges);
    Ok(())
}

fn dataset_stats(name: &str, device: &Device) -> Result<()> {
    println!("dataset: {name}");
    match gsl::data::loaders::load(name, device)? {
        Dataset::Nodes(d) => {
            print_graph_stats(&d.edges);
            println!("features: {}", d.graph.num_features());
            println!("classes: {} {:?}", d.num_classes, d.class_counts());
            if let Some(split) = &d.split {
                println!(
                    "public split: {} train, {} val, {} test",
                    split.train.len(),
                    split.val.len(),
                    split.test.len()
                );
            }
        }
        Dataset::Graphs(d) => {
            let sizes: Vec<usize> = d.graphs.iter().map(|g| g.num_nodes()).collect();
            println!("graphs: {}", d.graphs.len());
            println!("nodes: {}", d.num_nodes());
            println!(
                "graph sizes: min {}, max {}",
                sizes.iter().min().unwrap_or(&0),
                sizes.iter().max().unwrap_or(&0)
            );
            println!("graph classes: {}", d.classes().len());
        }
        Dataset::Connectivity { matrix, .. } => {
            println!("matrix: {} x {}", matrix.rows, matrix.cols);
            if matrix.rows == matrix.cols {
                print_graph_stats(&matrix.to_edge_list()?);
            }
        }
        Dataset::Table { features, labels } => {
            println!("rows: {}, features: {}", features.rows, features.cols);
            let mut classes = labels.clone();
            classes.sort_unstable();
            classes.dedup();
            println!("classes: {}", classes.len());
        }
    }
    Ok(())
}
