//! Project chores: `cargo xtask bench <suite> [--quick|--full]`.
//!
//! Each suite prints a table and writes JSON under `target/bench/<suite>.json`.

mod bench_cluster;
mod bench_core;
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
        /// Dataset of suites that take one (cluster: cora, citeseer, photo, sbm-N).
        #[arg(long)]
        dataset: Option<String>,
    },
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum Suite {
    /// Sparse × dense product and exact kNN against sgemm, memcpy and numpy/scipy.
    Core,
    /// Non-parametric attributed graph clustering (PyAGC protocol: 5 seeds, NMI/ACC/ARI/F1/Q/cond).
    Cluster,
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Bench {
            suite: Suite::Core,
            quick,
            device,
            no_python,
            ..
        } => bench_core::run(quick, &device, !no_python),
        Command::Bench {
            suite: Suite::Cluster,
            quick,
            device,
            dataset,
            ..
        } => bench_cluster::run_suite(quick, &device, dataset.as_deref()),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
