//! Project chores: `cargo xtask bench <suite> [--quick|--full]`.
//!
//! Each suite prints a table and writes JSON under `target/bench/<suite>.json`.

mod bench_cluster;
mod bench_core;
mod bench_data;
mod bench_gdn_baselines;
mod bench_gen;
mod bench_mb;
mod bench_unroll;
mod report;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser, Debug)]
#[command(name = "xtask", about = "gsl project chores")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run a benchmark suite, print its table and write JSON under target/bench/.
    Bench {
        /// Which suite.
        suite: Suite,
        /// Smaller sizes, for a quick check.
        #[arg(long, conflicts_with = "full")]
        quick: bool,
        /// The sizes of the targets (the default).
        #[arg(long)]
        full: bool,
        /// Device: flex (default) or wgpu when built with `--features wgpu`.
        #[arg(long, default_value = "flex")]
        device: String,
        /// Skip the numpy/scipy reference run.
        #[arg(long)]
        no_python: bool,
        /// Dataset of suites that take one (cluster: cora, citeseer, photo, sbm-N; unroll:
        /// l2g, l2g-ws50, gdn, glad, each optionally `:epochs=E,state=DIR,eps=X` (resumable
        /// training state, Adam's ε); gen-bigg: quality, scale,
        /// grid, lobster, tree, firstmm_db).
        #[arg(long)]
        dataset: Option<String>,
    },
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum Suite {
    /// Sparse × dense product and exact kNN against sgemm, memcpy and numpy/scipy.
    Core,
    /// Graphical lasso, log model and large-scale log model against scikit-learn and numpy.
    Mb,
    /// ER ensembles and the L2G BA20 supervised set against networkx/numpy.
    Data,
    /// Non-parametric attributed graph clustering (PyAGC protocol: 5 seeds, NMI/ACC/ARI/F1/Q/cond).
    Cluster,
    /// Erdős–Rényi baseline on the GRAN benchmarks (MMD², validity) and eval-suite speed.
    GenEr,
    /// Unrolled GLAD / GDN / L2G on their recipes vs model-based baselines (--dataset l2g|gdn|glad).
    Unroll,
    /// Unrolled PDS on L2G's BA20 set vs GCN / GIN (GMSE, AUC, AUPR; --full: 6400 graphs, 20 layers).
    L2g,
    /// GDN on the diffusion set vs hard thresholding and GCN / GIN, then on N = 500 graphs.
    Gdn,
    /// GLAD on the Gaussian set: NMSE (dB) per layer vs the graphical lasso at its best α.
    Glad,
    /// BiGG vs ER on the GRAN sets (MMD², validity), then BiGG scalability on trees
    /// (training-step and sampling time / peak memory vs n); --dataset picks one part.
    GenBigg,
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let Command::Bench {
        suite,
        quick,
        device,
        no_python,
        dataset,
        ..
    } = cli.command;
    let result = match suite {
        Suite::Core => bench_core::run(quick, &device, !no_python),
        Suite::Mb => bench_mb::run(quick, &device, !no_python),
        Suite::Data => bench_data::run(quick, &device, !no_python),
        Suite::Cluster => bench_cluster::run_suite(quick, &device, dataset.as_deref()),
        Suite::GenEr => bench_gen::run(quick, &device),
        Suite::Unroll => bench_unroll::run(quick, &device, dataset.as_deref()),
        Suite::L2g => bench_unroll::run(quick, &device, Some("l2g")),
        Suite::Gdn => bench_unroll::run(quick, &device, Some("gdn")),
        Suite::Glad => bench_unroll::run(quick, &device, Some("glad")),
        Suite::GenBigg => bench_gen::run_bigg(quick, &device, dataset.as_deref()),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
