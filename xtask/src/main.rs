//! Project chores: `cargo xtask bench <suite> [--quick|--full]`.
//!
//! Each suite prints a table and writes JSON under `target/bench/<suite>.json`.

mod bench_core;
mod bench_gen;
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
    },
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum Suite {
    /// Sparse × dense product and exact kNN against sgemm, memcpy and numpy/scipy.
    Core,
    /// Erdős–Rényi baseline on the GRAN benchmarks (MMD², validity) and eval-suite speed.
    GenEr,
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
            suite: Suite::GenEr,
            quick,
            device,
            ..
        } => bench_gen::run(quick, &device),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
