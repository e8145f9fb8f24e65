//! The benchmark graph sets of GRAN / BiGG and their split.
//!
//! | name | graphs | as in |
//! |---|---|---|
//! | `grid` | `grid_2d_graph(i, j)` for `i, j ∈ [10, 20)`: 100 grids, 100–361 nodes | GRAN `create_graphs('grid')` |
//! | `lobster` | 100 `random_lobster(80, 0.7, 0.7)` with 10 ≤ n ≤ 100 | GRAN `create_graphs('lobster')` (same process, other random stream) |
//! | `tree` | 100 bifurcating trees with 100 leaves (199 nodes) | BiGG-E's tree family (BiGG-E itself uses 1000 and a 70/10/20 split) |
//! | `firstmm_db` | the 41 FIRSTMM_DB point-cloud graphs, self-loops dropped | GRAN (`min_num_nodes 0`, `max_num_nodes 10000`) |
//! | `dd` | D&D proteins with 100 ≤ n ≤ 500, self-loops dropped | GRAN's protein set |
//!
//! The real data are read through gsl-data's registry (files under `GSL_DATA_DIR`).
//! [`gran_split`] is GRAN's unshuffled split: train = first 80 %, dev = first 20 % (inside
//! train), test = last 20 %.

use std::path::Path;

use burn::tensor::Device;
use gsl_core::{BuildOptions, GslError, Result};
use gsl_data::ensembles::{BifurcatingTree, Generator, Grid2d, Lobster};
use gsl_data::loaders::{Dataset, load};

use crate::eval::SimpleGraph;
use crate::eval::io::read_graph_dir;

/// Names [`benchmark_graphs`] knows.
pub const BENCHMARK_NAMES: [&str; 5] = ["grid", "lobster", "tree", "firstmm_db", "dd"];

/// Seed GRAN starts its lobster seeds from.
const LOBSTER_SEED: u64 = 1234;
/// BiGG-E's default data seed.
const TREE_SEED: u64 = 34;

fn simple(edges: &gsl_core::EdgeList) -> Result<SimpleGraph> {
    SimpleGraph::from_edges(&edges.build(BuildOptions::default())?)
}

/// The benchmark set `name` (see the module table), in GRAN's order.
///
/// Errors: an unknown name (listing the known ones); for `firstmm_db` / `dd`, missing or
/// malformed files under `GSL_DATA_DIR`.
pub fn benchmark_graphs(name: &str, device: &Device) -> Result<Vec<SimpleGraph>> {
    match name {
        "grid" => {
            let mut out = Vec::with_capacity(100);
            for i in 10..20 {
                for j in 10..20 {
                    out.push(simple(&Grid2d::new(i, j).sample(0)?)?);
                }
            }
            Ok(out)
        }
        "lobster" => Lobster::default()
            .sample_many(100, LOBSTER_SEED)?
            .iter()
            .map(simple)
            .collect(),
        "tree" => BifurcatingTree::new(100)
            .sample_many(100, TREE_SEED)?
            .iter()
            .map(simple)
            .collect(),
        "firstmm_db" | "dd" => {
            let Dataset::Graphs(data) = load(name, device)? else {
                return Err(GslError::invalid(
                    "dataset",
                    format!("{name} is not a graph set"),
                ));
            };
            let (low, high) = if name == "dd" {
                (100, 500)
            } else {
                (0, 10_000)
            };
            data.graphs
                .iter()
                .filter(|g| (low..=high).contains(&g.num_nodes()))
                .map(|g| simple(&g.edges))
                .collect()
        }
        other => Err(GslError::invalid(
            "dataset",
            format!(
                "unknown benchmark `{other}`; known: {} (or a directory of edge-list files)",
                BENCHMARK_NAMES.join(", ")
            ),
        )),
    }
}

/// A benchmark name, or a directory of edge-list files (one graph per file).
pub fn graphs_from_spec(spec: &str, device: &Device) -> Result<Vec<SimpleGraph>> {
    let path = Path::new(spec);
    if path.is_dir() {
        read_graph_dir(path)
    } else {
        benchmark_graphs(spec, device)
    }
}

/// GRAN's split of a graph list.
#[derive(Debug, Clone, PartialEq)]
pub struct Split {
    /// The first 80 %.
    pub train: Vec<SimpleGraph>,
    /// The first 20 % (a subset of `train`, as in GRAN and BiGG).
    pub dev: Vec<SimpleGraph>,
    /// The last 20 %.
    pub test: Vec<SimpleGraph>,
}

/// Splits `graphs` without shuffling: `train = graphs[..⌊0.8 n⌋]`, `dev = graphs[..⌊0.2 n⌋]`,
/// `test = graphs[⌊0.8 n⌋..]` (GRAN `gran_runner.py`). Errors when any part would be empty
/// (fewer than 5 graphs).
pub fn gran_split(graphs: &[SimpleGraph]) -> Result<Split> {
    let n = graphs.len();
    let num_train = (n as f64 * 0.8) as usize;
    let num_dev = (n as f64 * 0.2) as usize;
    if num_dev == 0 || num_train == n {
        return Err(GslError::invalid(
            "graphs",
            format!("GRAN's 80/20 split needs at least 5 graphs, got {n}"),
        ));
    }
    Ok(Split {
        train: graphs[..num_train].to_vec(),
        dev: graphs[..num_dev].to_vec(),
        test: graphs[num_train..].to_vec(),
    })
}

#[cfg(test)]
// Tests build one-graph slices by cloning, which reads better than `slice::from_ref`.
#[allow(clippy::cloned_ref_to_slice_refs)]
mod tests {
    use super::*;
    use gsl_core::device::device_from_name;

    #[test]
    fn synthetic_sets_have_gran_sizes() {
        let device = device_from_name("flex").unwrap();
        let grids = benchmark_graphs("grid", &device).unwrap();
        assert_eq!(grids.len(), 100);
        assert_eq!(grids.iter().map(SimpleGraph::num_nodes).max(), Some(361));
        assert_eq!(grids[0].num_nodes(), 100);
        let lobsters = benchmark_graphs("lobster", &device).unwrap();
        assert!(lobsters.iter().all(|g| (10..=100).contains(&g.num_nodes())));
        let trees = benchmark_graphs("tree", &device).unwrap();
        assert!(trees.iter().all(|g| g.num_nodes() == 199));
        assert!(benchmark_graphs("nope", &device).is_err());
    }

    #[test]
    fn split_is_grans() {
        let g: Vec<SimpleGraph> = (2..12)
            .map(|n| SimpleGraph::from_pairs(n, &[(0, 1)]).unwrap())
            .collect();
        let s = gran_split(&g).unwrap();
        assert_eq!((s.train.len(), s.dev.len(), s.test.len()), (8, 2, 2));
        assert_eq!(s.test[0].num_nodes(), 10);
        assert_eq!(s.dev[1].num_nodes(), 3);
        assert!(gran_split(&g[..4]).is_err());
    }
}
