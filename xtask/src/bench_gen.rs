//! `cargo xtask bench gen-er`: the Erdős–Rényi baseline under the GRAN protocol, and the speed
//! of the evaluation suite.
//!
//! For grid, lobster and bifurcating trees (and FIRSTMM_DB when `GSL_DATA_DIR` holds it, full
//! run only): GRAN's unshuffled split (train = first 80 %, test = last 20 %), the ER baseline
//! fitted on train, as many samples as test graphs, then MMD² (GRAN kernels) of degree,
//! clustering, 4-orbit and spectral statistics against the test split, and validity rates.
//! Each MMD row's time is the wall time of its descriptors plus the MMD on both sets.

use std::time::Instant;

use gsl::generation::datasets::{benchmark_graphs, gran_split};
use gsl::generation::eval::io::write_graph_dir;
use gsl::generation::eval::{EvalConfig, SimpleGraph, Validity, evaluate};
use gsl::generation::{ErdosRenyiBaseline, GraphModel};
use serde::Serialize;

use crate::report::{Row, machine, print_table, write_json};

/// Everything the suite measured on one dataset.
#[derive(Serialize)]
struct DatasetResult {
    dataset: String,
    train: usize,
    test: usize,
    fit_ms: f64,
    sample_ms: f64,
    eval_ms: f64,
    report: gsl::generation::eval::EvalReport,
    /// Sizes and degrees of the samples and of the test graphs: what the MMD table hides (a
    /// few hubs inflate the orbit statistic, say).
    generated: SetSummary,
    reference: SetSummary,
    /// Where the samples were written (edge-list files, for `gsl gen eval` or a closer look).
    samples_dir: Option<String>,
}

/// Node counts and degrees of a set of graphs.
#[derive(Serialize, Debug, PartialEq)]
struct SetSummary {
    graphs: usize,
    min_nodes: usize,
    max_nodes: usize,
    mean_nodes: f64,
    /// Pooled: `2 Σ m / Σ n`.
    mean_degree: f64,
    max_degree: usize,
}

fn summarize(graphs: &[SimpleGraph]) -> SetSummary {
    let nodes: usize = graphs.iter().map(SimpleGraph::num_nodes).sum();
    let edges: usize = graphs.iter().map(SimpleGraph::num_edges).sum();
    SetSummary {
        graphs: graphs.len(),
        min_nodes: graphs.iter().map(SimpleGraph::num_nodes).min().unwrap_or(0),
        max_nodes: graphs.iter().map(SimpleGraph::num_nodes).max().unwrap_or(0),
        mean_nodes: nodes as f64 / graphs.len().max(1) as f64,
        mean_degree: 2.0 * edges as f64 / nodes.max(1) as f64,
        max_degree: graphs
            .iter()
            .flat_map(|g| (0..g.num_nodes()).map(|v| g.degree(v)))
            .max()
            .unwrap_or(0),
    }
}

/// Writes the samples to `target/bench/samples/<name>-<model>/` (replacing an earlier run's);
/// a failure (a sample without edges cannot be an edge-list file) is reported, not fatal.
/// `tag` is the model's row suffix; `gen-er`'s rows have none (every row there is ER's).
fn save_samples(name: &str, tag: &str, samples: &[SimpleGraph]) -> Option<String> {
    let model = match tag.trim() {
        "" => "er",
        model => model,
    };
    let dir = crate::report::workspace_root()
        .join("target/bench/samples")
        .join(format!("{name}-{model}"));
    if dir.exists()
        && let Err(e) = std::fs::remove_dir_all(&dir)
    {
        eprintln!("{name}{tag}: samples not saved ({}: {e})", dir.display());
        return None;
    }
    match write_graph_dir(&dir, samples, true) {
        Ok(_) => Some(dir.display().to_string()),
        Err(e) => {
            eprintln!("{name}{tag}: samples not saved ({e})");
            None
        }
    }
}

fn validity_rules(dataset: &str) -> Vec<Validity> {
    match dataset {
        "lobster" => vec![Validity::LobsterGran, Validity::LobsterBigge],
        "tree" => vec![Validity::Tree, Validity::BifurcatingTree],
        _ => Vec::new(),
    }
}

/// Evaluates `samples` against `split.test` (GRAN kernels, validity rules of the dataset),
/// appends the table rows (prefixed `"{name}{tag}"`), saves the samples and returns the
/// dataset's result.
#[allow(clippy::too_many_arguments)]
fn evaluate_samples(
    name: &str,
    tag: &str,
    split: &gsl::generation::datasets::Split,
    samples: &[gsl::generation::eval::SimpleGraph],
    fit_ms: f64,
    sample_ms: f64,
    size: &str,
    rows: &mut Vec<Row>,
) -> Result<DatasetResult, String> {
    let config = EvalConfig {
        validity: validity_rules(name),
        ..EvalConfig::default()
    };
    let t = Instant::now();
    let report = evaluate(&split.test, samples, &config).map_err(|e| e.to_string())?;
    let eval_ms = t.elapsed().as_secs_f64() * 1e3;
    for r in &report.statistics {
        rows.push(Row {
            name: format!("{name}{tag} {}", r.statistic.name()),
            size: size.to_string(),
            millis: r.seconds * 1e3,
            rate: r.value,
            unit: report.form.label().to_string(),
            note: format!("{} σ = {}", r.kernel, r.sigma),
        });
    }
    for v in &report.validity {
        rows.push(Row {
            name: format!("{name}{tag} validity"),
            size: size.to_string(),
            millis: 0.0,
            rate: v.rate,
            unit: "fraction".into(),
            note: v.rule.name().to_string(),
        });
    }
    rows.push(Row {
        name: format!("{name}{tag} fit + sample"),
        size: size.to_string(),
        millis: fit_ms + sample_ms,
        rate: samples.len() as f64 / (sample_ms / 1e3).max(1e-9),
        unit: "graphs/s".into(),
        note: format!("eval total {eval_ms:.1} ms"),
    });
    let generated = summarize(samples);
    let reference = summarize(&split.test);
    rows.push(Row {
        name: format!("{name}{tag} degrees"),
        size: size.to_string(),
        millis: 0.0,
        rate: generated.mean_degree,
        unit: "mean deg".into(),
        note: format!(
            "n {}–{}, max deg {}; test: mean deg {:.2}, max deg {}",
            generated.min_nodes,
            generated.max_nodes,
            generated.max_degree,
            reference.mean_degree,
            reference.max_degree
        ),
    });
    let samples_dir = save_samples(name, tag, samples);
    Ok(DatasetResult {
        dataset: format!("{name}{tag}"),
        train: split.train.len(),
        test: split.test.len(),
        fit_ms,
        sample_ms,
        eval_ms,
        report,
        generated,
        reference,
        samples_dir,
    })
}

/// Runs the suite; `quick` leaves out FIRSTMM_DB (its spectra are the slow part).
pub fn run(quick: bool, device_name: &str) -> Result<(), String> {
    let device = gsl::core::device::device_from_name(device_name).map_err(|e| e.to_string())?;
    let mut names = vec!["grid", "lobster", "tree"];
    if !quick {
        names.push("firstmm_db");
    }
    let mut results = Vec::new();
    let mut rows = Vec::new();
    for name in names {
        let graphs = match benchmark_graphs(name, &device) {
            Ok(g) => g,
            Err(e) if name == "firstmm_db" => {
                println!("skipping {name}: {e}");
                continue;
            }
            Err(e) => return Err(e.to_string()),
        };
        let split = gran_split(&graphs).map_err(|e| e.to_string())?;
        let t = Instant::now();
        let model = ErdosRenyiBaseline::from_graphs(&split.train).map_err(|e| e.to_string())?;
        let fit_ms = t.elapsed().as_secs_f64() * 1e3;
        let t = Instant::now();
        let samples = model
            .sample(split.test.len(), 0)
            .map_err(|e| e.to_string())?;
        let sample_ms = t.elapsed().as_secs_f64() * 1e3;
        let size = format!(
            "{} train / {} test, p̂ = {:.4}",
            split.train.len(),
            split.test.len(),
            model.p
        );
        results.push(evaluate_samples(
            name, "", &split, &samples, fit_ms, sample_ms, &size, &mut rows,
        )?);
    }
    print_table(
        &format!(
            "gen-er: ER baseline, GRAN protocol, MMD² vs the test split ({})",
            machine()
        ),
        &rows,
    );
    let path = write_json(
        "gen-er",
        &serde_json::json!({ "machine": machine(), "quick": quick, "datasets": results }),
    )?;
    println!("\nwrote {}", path.display());
    Ok(())
}

/// What the BiGG scalability suite measured at one size.
#[derive(Serialize)]
struct ScaleResult {
    phase: &'static str,
    nodes: usize,
    edges: usize,
    embed_dim: usize,
    seconds: f64,
    peak_rss_mib: Option<f64>,
}

fn peak_mib() -> Option<f64> {
    crate::report::peak_rss_kib().map(|k| k as f64 / 1024.0)
}

/// A bifurcating tree with about `n` nodes (`L = (n + 1) / 2` leaves, `2L − 1` nodes).
fn tree(n: usize, seed: u64) -> Result<gsl::generation::eval::SimpleGraph, String> {
    use gsl::data::ensembles::{BifurcatingTree, Generator};
    let edges = BifurcatingTree::new(n.div_ceil(2).max(2))
        .sample(seed)
        .map_err(|e| e.to_string())?;
    gsl::generation::eval::SimpleGraph::from_edges(&edges).map_err(|e| e.to_string())
}

/// `cargo xtask bench gen-bigg`: BiGG's scalability on bifurcating trees (BiGG-E's
/// scalability protocol, §2.7 of the gen refs): the time of one training step (forward,
/// backward and Adam on one tree, host schedule included) for n = 100 … 15,000, and the time
/// to sample one tree-sized graph for n = 100 … 100,000 from a model trained on 99-node trees,
/// with the process's peak resident memory after each size (Linux `VmHWM`, monotone over the
/// run: sampling runs first, so its figures are not masked by training). `quick` stops at
/// n = 2,000 (training) and 5,000 (sampling).
pub fn run_bigg(quick: bool, device_name: &str, part: Option<&str>) -> Result<(), String> {
    let device = gsl::core::device::device_from_name(device_name).map_err(|e| e.to_string())?;
    match part {
        None | Some("all") => {
            run_bigg_quality(quick, &device, &["grid", "lobster", "tree"], None)?;
        }
        Some(spec) if spec == "scale" || spec.starts_with("scale:") => {
            let options = ScaleOptions::parse(spec.strip_prefix("scale").unwrap_or(""), quick)?;
            return run_bigg_scale(&device, &options);
        }
        Some("quality") => {
            return run_bigg_quality(quick, &device, &["grid", "lobster", "tree"], None);
        }
        Some(spec) => {
            let (name, state) = parse_quality_part(spec)?;
            return run_bigg_quality(quick, &device, &[name], state.as_deref());
        }
    }
    run_bigg_scale(&device, &ScaleOptions::parse("", quick)?)
}

/// `--dataset NAME[:state=DIR]` of `gen-bigg`, for one quality dataset: with `state=DIR` the
/// BiGG fit keeps its resumable state in `DIR/NAME`, and the same command run again continues
/// it after its last completed epoch (FIRSTMM_DB's full run takes hours here).
fn parse_quality_part(spec: &str) -> Result<(&str, Option<std::path::PathBuf>), String> {
    let (name, options) = spec.split_once(':').unwrap_or((spec, ""));
    if !matches!(name, "grid" | "lobster" | "tree" | "firstmm_db") {
        return Err(format!(
            "unknown --dataset `{spec}` for gen-bigg (all, quality, scale[:…], grid, lobster, \
             tree, firstmm_db, each of the last four with :state=DIR)"
        ));
    }
    let mut state = None;
    for option in options.split(',').filter(|o| !o.is_empty()) {
        match option.split_once('=') {
            Some(("state", dir)) if !dir.is_empty() => {
                state = Some(std::path::Path::new(dir).join(name));
            }
            _ => return Err(format!("unknown option `{option}` (state=DIR)")),
        }
    }
    Ok((name, state))
}

/// What the scalability part of `gen-bigg` runs: `--dataset scale` (d = 64, the sizes of
/// `--quick` / full), or `--dataset scale:KEY=VALUE,...` with keys `d` (embed dim; bits
/// compression `min(d, 256)`), `sample` and `train` (sizes joined by `+`, empty for none) and
/// `fit_steps` (optimiser steps of the tree model) and `block` (train steps block-wise, this
/// many rows per block; run it in its own process, peak RSS is per process). Example, sampling
/// only at BiGG's default width: `--dataset scale:d=256,sample=1000+10000,train=`.
struct ScaleOptions {
    quick: bool,
    dim: usize,
    sample_sizes: Vec<usize>,
    train_sizes: Vec<usize>,
    fit_epochs: usize,
    fit_steps: usize,
    block_size: Option<usize>,
}

impl ScaleOptions {
    fn parse(spec: &str, quick: bool) -> Result<Self, String> {
        let (train_sizes, sample_sizes) = if quick {
            (vec![100, 500, 1000, 2000], vec![100, 1000, 5000])
        } else {
            (
                vec![100, 500, 1000, 2000, 5000, 10_000, 15_000],
                vec![100, 1000, 5000, 15_000, 50_000, 100_000],
            )
        };
        let mut options = Self {
            quick,
            dim: 64,
            sample_sizes,
            train_sizes,
            fit_epochs: if quick { 2 } else { 4 },
            fit_steps: 50,
            block_size: None,
        };
        let sizes = |v: &str| -> Result<Vec<usize>, String> {
            v.split('+')
                .filter(|x| !x.is_empty())
                .map(|x| x.parse().map_err(|e| format!("bad size `{x}`: {e}")))
                .collect()
        };
        for item in spec
            .trim_start_matches(':')
            .split(',')
            .filter(|x| !x.is_empty())
        {
            let (key, value) = item
                .split_once('=')
                .ok_or_else(|| format!("scale option `{item}` is not KEY=VALUE"))?;
            match key {
                "d" => options.dim = value.parse().map_err(|e| format!("bad d `{value}`: {e}"))?,
                "sample" => options.sample_sizes = sizes(value)?,
                "train" => options.train_sizes = sizes(value)?,
                "fit_steps" => {
                    options.fit_epochs = 1;
                    options.fit_steps = value
                        .parse()
                        .map_err(|e| format!("bad fit_steps `{value}`: {e}"))?
                }
                "block" => {
                    let b: usize = value
                        .parse()
                        .map_err(|e| format!("bad block `{value}`: {e}"))?;
                    options.block_size = (b > 0).then_some(b);
                }
                other => {
                    return Err(format!(
                        "unknown scale option `{other}` (d, sample, train, fit_steps, block)"
                    ));
                }
            }
        }
        Ok(options)
    }
}

/// The scalability measurements of [`run_bigg`].
fn run_bigg_scale(
    device: &gsl::burn::tensor::Device,
    options: &ScaleOptions,
) -> Result<(), String> {
    use gsl::generation::bigg::{Bigg, BiggConfig, NodeOrder};
    use gsl::generation::{FitContext, GraphModel};

    let quick = options.quick;
    let dim = options.dim;
    let base = BiggConfig::new()
        .with_embed_dim(dim)
        .with_bits_compress(dim.min(256))
        .with_node_order(NodeOrder::Dfs);
    let context = FitContext {
        device,
        seed: 34,
        quiet: true,
        state_dir: None,
    };
    let (train_sizes, sample_sizes) = (&options.train_sizes, &options.sample_sizes);
    let mut results = Vec::new();
    let mut rows = Vec::new();

    // A model of small trees, then one sample per size.
    let train: Vec<_> = (0..80)
        .map(|s| tree(99, 1000 + s))
        .collect::<Result<_, _>>()?;
    let config = base
        .clone()
        .with_epochs(options.fit_epochs)
        .with_steps_per_epoch(options.fit_steps)
        .with_learning_rate(3e-3);
    let t = Instant::now();
    let model = Bigg::fit(&config, &train, &context).map_err(|e| e.to_string())?;
    let fit_s = t.elapsed().as_secs_f64();
    println!(
        "trained on 80 trees of 99 nodes in {fit_s:.1} s (loss {:.3} -> {:.3})",
        model.losses.first().copied().unwrap_or(f64::NAN),
        model.losses.last().copied().unwrap_or(f64::NAN)
    );
    let sampler = if model.host_sampler().map_err(|e| e.to_string())?.is_some() {
        "host"
    } else {
        "tensor"
    };
    for &n in sample_sizes {
        let t = Instant::now();
        let g = model.sample_with_nodes(n, 7).map_err(|e| e.to_string())?;
        let seconds = t.elapsed().as_secs_f64();
        let peak = peak_mib();
        let m = g.num_edges();
        let work = (n + m) as f64 * (n as f64).log2();
        println!(
            "sample n = {n}: m = {m}, {seconds:.2} s ({:.3} ms per node, {sampler} sampler)",
            seconds * 1e3 / n as f64
        );
        rows.push(Row {
            name: format!("bigg sample (1 graph, {sampler})"),
            size: format!("n = {n}, m = {m}, d = {dim}"),
            millis: seconds * 1e3,
            rate: seconds / work * 1e6,
            unit: "µs per (n+m)log2 n".into(),
            note: format!("peak RSS {:.0} MiB", peak.unwrap_or(f64::NAN)),
        });
        results.push(ScaleResult {
            phase: "sample",
            nodes: n,
            edges: m,
            embed_dim: dim,
            seconds,
            peak_rss_mib: peak,
        });
    }
    // Training time per graph: a fresh model and one step on one tree.
    let step = base
        .clone()
        .with_epochs(1)
        .with_steps_per_epoch(1)
        .with_batch_size(1)
        .with_block_size(options.block_size);
    let blocks = options
        .block_size
        .map_or(String::new(), |b| format!(", blocks of {b} rows"));
    for &n in train_sizes {
        let graph = tree(n, n as u64)?;
        let reps = if n <= 2000 { 3 } else { 1 };
        let mut failure = None;
        let seconds = crate::report::median_secs(reps, || {
            if let Err(e) = Bigg::fit(&step, std::slice::from_ref(&graph), &context) {
                failure = Some(e.to_string());
            }
        });
        if let Some(e) = failure {
            return Err(e);
        }
        let peak = peak_mib();
        println!("train n = {}: {seconds:.3} s", graph.num_nodes());
        rows.push(Row {
            name: format!("bigg train step (1 tree{blocks})"),
            size: format!("n = {}, d = {dim}", graph.num_nodes()),
            millis: seconds * 1e3,
            rate: graph.num_nodes() as f64 / seconds,
            unit: "nodes/s".into(),
            note: format!("peak RSS {:.0} MiB", peak.unwrap_or(f64::NAN)),
        });
        results.push(ScaleResult {
            phase: if options.block_size.is_some() {
                "train_step_blockwise"
            } else {
                "train_step"
            },
            nodes: graph.num_nodes(),
            edges: graph.num_edges(),
            embed_dim: dim,
            seconds,
            peak_rss_mib: peak,
        });
    }

    print_table(
        &format!(
            "gen-bigg: BiGG scalability on bifurcating trees, d = {dim} ({})",
            machine()
        ),
        &rows,
    );
    let path = write_json(
        "gen-bigg",
        &serde_json::json!({
            "machine": machine(),
            "quick": quick,
            "embed_dim": dim,
            "tree_model_fit_seconds": fit_s,
            "tree_model_losses": model.losses,
            "results": results,
        }),
    )?;
    println!("\nwrote {}", path.display());
    Ok(())
}

/// BiGG against the ER baseline under the GRAN protocol (unshuffled 80/20 split, as many samples
/// as test graphs, GRAN's kernels, validity): BiGG trained with BiGG's per-dataset order (BFS for
/// grid, DFS otherwise) and `d = 64` (`quick`: 3 epochs × 50 steps; full: 20 × 100), batch 10
/// (2 for FIRSTMM_DB, as BiGG's `run_DB.sh`),
/// learning rate 1e-3 — far fewer steps than BiGG's scripts, which train for 1000 epochs at
/// `d = 256` on a GPU.
fn run_bigg_quality(
    quick: bool,
    device: &gsl::burn::tensor::Device,
    names: &[&str],
    state_dir: Option<&std::path::Path>,
) -> Result<(), String> {
    use gsl::generation::bigg::{Bigg, BiggConfig, NodeOrder};
    use gsl::generation::{FitContext, GraphModel};

    let dim = 64;
    let (epochs, steps) = if quick { (3, 50) } else { (20, 100) };
    let mut results = Vec::new();
    let mut rows = Vec::new();
    for &name in names {
        let graphs = benchmark_graphs(name, device).map_err(|e| e.to_string())?;
        let split = gran_split(&graphs).map_err(|e| e.to_string())?;
        // The ER baseline on the same split, for the side-by-side rows.
        let t = Instant::now();
        let er = ErdosRenyiBaseline::from_graphs(&split.train).map_err(|e| e.to_string())?;
        let er_fit = t.elapsed().as_secs_f64() * 1e3;
        let t = Instant::now();
        let er_samples = er.sample(split.test.len(), 0).map_err(|e| e.to_string())?;
        let er_sample = t.elapsed().as_secs_f64() * 1e3;
        let size = format!("{} train / {} test", split.train.len(), split.test.len());
        results.push(evaluate_samples(
            name,
            " er",
            &split,
            &er_samples,
            er_fit,
            er_sample,
            &size,
            &mut rows,
        )?);

        let order = if name == "grid" {
            NodeOrder::Bfs
        } else {
            NodeOrder::Dfs
        };
        let config = BiggConfig::new()
            .with_embed_dim(dim)
            .with_bits_compress(dim)
            .with_node_order(order)
            // BiGG's run_DB.sh trains FIRSTMM_DB (≈ 1,400 nodes a graph) with batches of 2.
            .with_batch_size(if name == "firstmm_db" { 2 } else { 10 })
            .with_epochs(epochs)
            .with_steps_per_epoch(steps);
        let context = FitContext {
            device,
            seed: 34,
            quiet: true,
            state_dir,
        };
        let t = Instant::now();
        let mut ran = 0usize;
        // One progress line per epoch on stderr: the full runs take most of an hour a set.
        let model = Bigg::fit_with(&config, &split.train, &context, |record| {
            ran += 1;
            eprintln!(
                "[bigg {name}] epoch {:>3}/{epochs}  loss {:.4}  {:.0} s",
                record.epoch + 1,
                record.loss.total,
                t.elapsed().as_secs_f64()
            );
            std::ops::ControlFlow::Continue(())
        })
        .map_err(|e| e.to_string())?;
        let mut fit_ms = t.elapsed().as_secs_f64() * 1e3;
        // A continued run trained only its last epochs here: scale their time to the whole run.
        if ran > 0 && ran < epochs {
            println!(
                "{name}: continued from a saved state; {ran} of {epochs} epochs ran now, the \
                 fit time is scaled from them"
            );
            fit_ms *= epochs as f64 / ran as f64;
        } else if ran == 0 {
            println!("{name}: every epoch ran in an earlier call; the fit time is not measured");
            fit_ms = f64::NAN;
        }
        println!(
            "{name}: BiGG trained in {:.1} s (loss {:.3} -> {:.3})",
            fit_ms / 1e3,
            model.losses.first().copied().unwrap_or(f64::NAN),
            model.losses.last().copied().unwrap_or(f64::NAN)
        );
        let t = Instant::now();
        let samples = model
            .sample(split.test.len(), 0)
            .map_err(|e| e.to_string())?;
        let sample_ms = t.elapsed().as_secs_f64() * 1e3;
        let size = format!("{size}, d = {dim}, {epochs}×{steps} steps, {order:?}");
        results.push(evaluate_samples(
            name, " bigg", &split, &samples, fit_ms, sample_ms, &size, &mut rows,
        )?);
    }
    print_table(
        &format!(
            "gen-bigg quality: BiGG vs ER, GRAN protocol, MMD² vs the test split ({})",
            machine()
        ),
        &rows,
    );
    let path = write_json(
        "gen-bigg-quality",
        &serde_json::json!({
            "machine": machine(),
            "quick": quick,
            "embed_dim": dim,
            "epochs": epochs,
            "steps_per_epoch": steps,
            "datasets": results,
        }),
    )?;
    println!("\nwrote {}", path.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{SetSummary, parse_quality_part, summarize};
    use gsl::generation::eval::SimpleGraph;

    #[test]
    fn summaries_count_nodes_and_degrees() {
        let path = SimpleGraph::from_edges(
            &gsl::core::EdgeList::from_pairs(3, &[(0, 1), (1, 2)]).unwrap(),
        )
        .unwrap();
        let star = SimpleGraph::from_edges(
            &gsl::core::EdgeList::from_pairs(5, &[(0, 1), (0, 2), (0, 3), (0, 4)]).unwrap(),
        )
        .unwrap();
        assert_eq!(
            summarize(&[path, star]),
            SetSummary {
                graphs: 2,
                min_nodes: 3,
                max_nodes: 5,
                mean_nodes: 4.0,
                mean_degree: 12.0 / 8.0,
                max_degree: 4,
            }
        );
        assert_eq!(summarize(&[]).graphs, 0);
    }

    #[test]
    fn quality_parts_take_a_state_directory() {
        let (name, state) = parse_quality_part("firstmm_db:state=runs/gen").unwrap();
        assert_eq!(name, "firstmm_db");
        assert_eq!(state, Some("runs/gen/firstmm_db".into()));
        assert_eq!(parse_quality_part("tree").unwrap(), ("tree", None));
        for bad in ["forest", "tree:state=", "tree:epochs=3", "grid:state"] {
            assert!(parse_quality_part(bad).is_err(), "{bad}");
        }
    }
}
