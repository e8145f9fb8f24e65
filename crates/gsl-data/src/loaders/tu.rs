//! Graph collections: the TU Dortmund text format (Morris et al. 2020; e.g. FIRSTMM_DB) and the
//! DGCNN / structure2vec text format (e.g. D&D), plus the 10-fold index files that come with it.
//!
//! TU format: `<name>_A.txt` (`row, col` per line, 1-based global node ids),
//! `<name>_graph_indicator.txt` (graph id of node `i`, 1-based), `<name>_graph_labels.txt`, and
//! optionally `<name>_node_labels.txt`, `<name>_node_attributes.txt`,
//! `<name>_edge_attributes.txt` (one row per line of `A`), `<name>_coordinates.txt` (FIRSTMM_DB)
//! and `<name>_graph_list.txt` (graph names). Fields are comma-separated with spaces trimmed.
//! Values are kept as in the files (labels are not renumbered). FIRSTMM_DB's
//! `normals.txt` holds literal NaNs and is not read.

use std::path::{Path, PathBuf};

use gsl_core::{BuildOptions, EdgeList, GslError, Result};

use super::matrix::Matrix;
use super::{parse_error, read_text};

/// One graph of a collection, with node ids local to it (`0..n`).
#[derive(Debug, Clone, PartialEq)]
pub struct TuGraph {
    /// The edges as listed in the file (directed lines; undirected data lists both
    /// directions). Use [`EdgeList::build`] to symmetrise or drop self-loops.
    pub edges: EdgeList,
    /// One label (TU node label, DGCNN tag) per node; empty when the files have none.
    pub node_labels: Vec<i64>,
    /// Continuous node attributes `[n, d]`, when present.
    pub node_attributes: Option<Matrix>,
    /// Node coordinates `[n, 3]` (FIRSTMM_DB), when present.
    pub coordinates: Option<Matrix>,
    /// Edge attributes `[E, d]`, one row per entry of `edges`, when present.
    pub edge_attributes: Option<Matrix>,
    /// The graph's class label, as written in the file.
    pub label: i64,
}

impl TuGraph {
    /// Number of nodes.
    pub fn num_nodes(&self) -> usize {
        self.edges.num_nodes()
    }

    /// Number of undirected edges without self-loops (after symmetrising and merging).
    pub fn num_undirected_edges(&self) -> Result<usize> {
        Ok(self.edges.build(BuildOptions::default())?.num_edges() / 2)
    }
}

/// A collection of graphs with graph-level labels.
#[derive(Debug, Clone, PartialEq)]
pub struct GraphDataset {
    /// Dataset name, e.g. `"FIRSTMM_DB"`.
    pub name: String,
    /// The graphs, in file order.
    pub graphs: Vec<TuGraph>,
    /// Graph names (TU `graph_list.txt`), empty when absent.
    pub graph_names: Vec<String>,
    /// Cross-validation folds shipped with the data (DGCNN `10fold_idx/`), empty when absent.
    pub folds: Vec<Fold>,
}

impl GraphDataset {
    /// Total number of nodes over all graphs.
    pub fn num_nodes(&self) -> usize {
        self.graphs.iter().map(TuGraph::num_nodes).sum()
    }

    /// The distinct graph labels, sorted.
    pub fn classes(&self) -> Vec<i64> {
        let mut c: Vec<i64> = self.graphs.iter().map(|g| g.label).collect();
        c.sort_unstable();
        c.dedup();
        c
    }
}

/// Splits a TU line into trimmed comma-separated fields.
fn fields(line: &str) -> impl Iterator<Item = &str> {
    line.split(',').map(str::trim)
}

/// Reads a file of one integer per line.
fn read_ints(path: &Path) -> Result<Vec<i64>> {
    let text = read_text(path)?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            l.trim().parse::<i64>().map_err(|_| {
                parse_error(
                    path,
                    Some(i + 1),
                    format!("`{}` is not an integer", l.trim()),
                )
            })
        })
        .collect()
}

/// Reads a file of comma-separated finite floats with a fixed number of columns.
fn read_float_rows(path: &Path) -> Result<Matrix> {
    let text = read_text(path)?;
    let mut values = Vec::new();
    let (mut rows, mut cols) = (0usize, 0usize);
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let err = |m: String| parse_error(path, Some(i + 1), m);
        let before = values.len();
        for f in fields(line) {
            let v: f32 = f
                .parse()
                .map_err(|_| err(format!("`{f}` is not a number")))?;
            if !v.is_finite() {
                return Err(err(format!("non-finite value `{f}`")));
            }
            values.push(v);
        }
        let width = values.len() - before;
        if rows == 0 {
            cols = width;
        } else if width != cols {
            return Err(err(format!("expected {cols} values, found {width}")));
        }
        rows += 1;
    }
    Matrix::new(rows, cols, values)
}

fn optional(path: PathBuf) -> Option<PathBuf> {
    path.is_file().then_some(path)
}

/// Reads the TU-format dataset `name` from `dir` (files `<dir>/<name>_*.txt`).
///
/// Errors name the file and line of any malformation: non-numbers, ragged attribute rows, node
/// ids out of range, an edge joining two graphs, row counts that disagree with the number of
/// nodes, edges or graphs.
pub fn read_tu(dir: impl AsRef<Path>, name: &str) -> Result<GraphDataset> {
    let dir = dir.as_ref();
    let file = |part: &str| dir.join(format!("{name}_{part}.txt"));
    let required = [file("A"), file("graph_indicator"), file("graph_labels")];
    let missing = super::missing_files(required);
    if !missing.is_empty() {
        return Err(GslError::invalid(
            "dataset",
            format!("TU {name}: missing file(s) {}", missing.join(", ")),
        ));
    }
    let indicator_path = file("graph_indicator");
    let indicator = read_ints(&indicator_path)?;
    let labels_path = file("graph_labels");
    let graph_labels = read_ints(&labels_path)?;
    let num_graphs = graph_labels.len();
    let n_total = indicator.len();
    if n_total == 0 || num_graphs == 0 {
        return Err(GslError::EmptyGraph(format!(
            "TU {name} has no nodes or graphs"
        )));
    }
    // Graph of each node and its local index.
    let mut sizes = vec![0usize; num_graphs];
    let mut local = Vec::with_capacity(n_total);
    let mut graph_of = Vec::with_capacity(n_total);
    for (i, &g) in indicator.iter().enumerate() {
        let gi = usize::try_from(g - 1)
            .ok()
            .filter(|&x| x < num_graphs)
            .ok_or_else(|| {
                parse_error(
                    &indicator_path,
                    Some(i + 1),
                    format!("graph id {g} out of range 1..={num_graphs}"),
                )
            })?;
        graph_of.push(gi);
        local.push(sizes[gi]);
        sizes[gi] += 1;
    }
    if let Some(g) = sizes.iter().position(|&s| s == 0) {
        return Err(parse_error(
            &indicator_path,
            None,
            format!("graph {} has no nodes", g + 1),
        ));
    }

    let a_path = file("A");
    let a_text = read_text(&a_path)?;
    let mut edges_of: Vec<(Vec<usize>, Vec<usize>)> = vec![(Vec::new(), Vec::new()); num_graphs];
    // For each line of A: (graph, position in that graph's edge list), to align edge attributes.
    let mut edge_slot = Vec::new();
    for (i, line) in a_text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let err = |m: String| parse_error(&a_path, Some(i + 1), m);
        let ids: Vec<&str> = fields(line).collect();
        if ids.len() != 2 {
            return Err(err(format!(
                "expected `row, col`, found {} fields",
                ids.len()
            )));
        }
        let node = |f: &str| -> Result<usize> {
            let v: i64 = f
                .parse()
                .map_err(|_| err(format!("`{f}` is not a node id")))?;
            usize::try_from(v - 1)
                .ok()
                .filter(|&x| x < n_total)
                .ok_or_else(|| err(format!("node id {v} out of range 1..={n_total}")))
        };
        let (u, v) = (node(ids[0])?, node(ids[1])?);
        if graph_of[u] != graph_of[v] {
            return Err(err(format!(
                "edge joins graph {} and graph {}",
                graph_of[u] + 1,
                graph_of[v] + 1
            )));
        }
        let g = graph_of[u];
        edge_slot.push((g, edges_of[g].0.len()));
        edges_of[g].0.push(local[u]);
        edges_of[g].1.push(local[v]);
    }

    let node_labels = optional(file("node_labels"))
        .map(|p| {
            let v = read_ints(&p)?;
            expect_rows(&p, v.len(), n_total, "nodes")?;
            Ok::<_, GslError>(v)
        })
        .transpose()?;
    let per_node = |part: &str| -> Result<Option<Matrix>> {
        optional(file(part))
            .map(|p| {
                let m = read_float_rows(&p)?;
                expect_rows(&p, m.rows, n_total, "nodes")?;
                Ok(m)
            })
            .transpose()
    };
    let node_attributes = per_node("node_attributes")?;
    let coordinates = per_node("coordinates")?;
    let edge_attributes = optional(file("edge_attributes"))
        .map(|p| {
            let m = read_float_rows(&p)?;
            expect_rows(&p, m.rows, edge_slot.len(), "lines of A")?;
            Ok::<_, GslError>(m)
        })
        .transpose()?;
    let graph_names = optional(file("graph_list"))
        .map(|p| {
            let text = read_text(&p)?;
            let names: Vec<String> = text
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(|l| l.trim().to_string())
                .collect();
            expect_rows(&p, names.len(), num_graphs, "graphs")?;
            Ok::<_, GslError>(names)
        })
        .transpose()?
        .unwrap_or_default();

    // Gather per-graph node rows (nodes of a graph keep their global order).
    let mut members: Vec<Vec<usize>> = sizes.iter().map(|&s| Vec::with_capacity(s)).collect();
    for (i, &g) in graph_of.iter().enumerate() {
        members[g].push(i);
    }
    let take_rows = |m: &Matrix, rows: &[usize]| -> Matrix {
        let values = rows
            .iter()
            .flat_map(|&r| m.values[r * m.cols..(r + 1) * m.cols].iter().copied())
            .collect();
        Matrix {
            rows: rows.len(),
            cols: m.cols,
            values,
        }
    };
    let mut edge_rows: Vec<Vec<usize>> = edges_of.iter().map(|e| vec![0; e.0.len()]).collect();
    for (line, &(g, pos)) in edge_slot.iter().enumerate() {
        edge_rows[g][pos] = line;
    }
    let mut graphs = Vec::with_capacity(num_graphs);
    for (g, (src, dst)) in edges_of.into_iter().enumerate() {
        let nodes = &members[g];
        graphs.push(TuGraph {
            edges: EdgeList::new(sizes[g], src, dst, None)?,
            node_labels: node_labels
                .as_ref()
                .map(|l| nodes.iter().map(|&i| l[i]).collect())
                .unwrap_or_default(),
            node_attributes: node_attributes.as_ref().map(|m| take_rows(m, nodes)),
            coordinates: coordinates.as_ref().map(|m| take_rows(m, nodes)),
            edge_attributes: edge_attributes
                .as_ref()
                .map(|m| take_rows(m, &edge_rows[g])),
            label: graph_labels[g],
        });
    }
    Ok(GraphDataset {
        name: name.to_string(),
        graphs,
        graph_names,
        folds: Vec::new(),
    })
}

fn expect_rows(path: &Path, got: usize, want: usize, of: &str) -> Result<()> {
    if got == want {
        Ok(())
    } else {
        Err(parse_error(
            path,
            None,
            format!("{got} rows, expected one per {of} ({want})"),
        ))
    }
}

/// Reads a collection in the DGCNN text format (`DD.txt`): a first line with the number of
/// graphs, then per graph a line `n label` followed by `n` lines `tag m nbr_1 … nbr_m`
/// (0-based neighbours within the graph).
///
/// Errors name the file and line: wrong field counts, neighbours out of range, a file that
/// ends early or holds extra lines.
pub fn read_dgcnn_text(path: impl AsRef<Path>, name: &str) -> Result<GraphDataset> {
    let path = path.as_ref();
    let text = read_text(path)?;
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let mut next = |what: &str| {
        lines
            .next()
            .ok_or_else(|| parse_error(path, None, format!("file ends early: expected {what}")))
    };
    let ints = |(i, line): (usize, &str)| -> Result<(usize, Vec<i64>)> {
        let v = line
            .split_whitespace()
            .map(|f| {
                f.parse::<i64>()
                    .map_err(|_| parse_error(path, Some(i + 1), format!("`{f}` is not an integer")))
            })
            .collect::<Result<Vec<i64>>>()?;
        Ok((i + 1, v))
    };
    let (line_no, head) = ints(next("the number of graphs")?)?;
    let num_graphs = match head.as_slice() {
        [g] if *g > 0 => *g as usize,
        _ => {
            return Err(parse_error(
                path,
                Some(line_no),
                "expected a positive number of graphs",
            ));
        }
    };
    let mut graphs = Vec::with_capacity(num_graphs);
    for g in 0..num_graphs {
        let (line_no, header) = ints(next(&format!("the header of graph {g}"))?)?;
        let (n, label) = match header.as_slice() {
            [n, label] if *n > 0 => (*n as usize, *label),
            _ => {
                return Err(parse_error(
                    path,
                    Some(line_no),
                    format!("graph {g}: expected `n label` with n > 0"),
                ));
            }
        };
        let (mut src, mut dst) = (Vec::new(), Vec::new());
        let mut tags = Vec::with_capacity(n);
        for i in 0..n {
            let (line_no, row) = ints(next(&format!("node {i} of graph {g}"))?)?;
            let err = |m: String| parse_error(path, Some(line_no), m);
            if row.len() < 2 {
                return Err(err("expected `tag m nbr_1 … nbr_m`".into()));
            }
            let m =
                usize::try_from(row[1]).map_err(|_| err(format!("negative degree {}", row[1])))?;
            if row.len() != 2 + m {
                return Err(err(format!(
                    "node lists {} neighbours but declares m = {m}",
                    row.len() - 2
                )));
            }
            tags.push(row[0]);
            for &v in &row[2..] {
                let vu = usize::try_from(v)
                    .ok()
                    .filter(|&x| x < n)
                    .ok_or_else(|| err(format!("neighbour {v} out of range 0..{n}")))?;
                src.push(i);
                dst.push(vu);
            }
        }
        graphs.push(TuGraph {
            edges: EdgeList::new(n, src, dst, None)?,
            node_labels: tags,
            node_attributes: None,
            coordinates: None,
            edge_attributes: None,
            label,
        });
    }
    if let Some((i, _)) = lines.next() {
        return Err(parse_error(
            path,
            Some(i + 1),
            format!("extra content after the {num_graphs} declared graphs"),
        ));
    }
    Ok(GraphDataset {
        name: name.to_string(),
        graphs,
        graph_names: Vec::new(),
        folds: Vec::new(),
    })
}

/// One cross-validation fold: graph indices (0-based) for training and testing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fold {
    /// Training graphs.
    pub train: Vec<usize>,
    /// Test graphs.
    pub test: Vec<usize>,
}

/// Reads `train_idx-<k>.txt` / `test_idx-<k>.txt` for `k = 1..` from `dir` (DGCNN's
/// `10fold_idx/`) until a pair is absent, checking each index against `num_graphs` and that
/// train and test are disjoint.
pub fn read_tu_folds(dir: impl AsRef<Path>, num_graphs: usize) -> Result<Vec<Fold>> {
    let dir = dir.as_ref();
    let mut folds = Vec::new();
    for k in 1.. {
        let train_path = dir.join(format!("train_idx-{k}.txt"));
        let test_path = dir.join(format!("test_idx-{k}.txt"));
        if !train_path.is_file() || !test_path.is_file() {
            break;
        }
        let read = |p: &Path| -> Result<Vec<usize>> {
            read_ints(p)?
                .into_iter()
                .enumerate()
                .map(|(i, v)| {
                    usize::try_from(v)
                        .ok()
                        .filter(|&x| x < num_graphs)
                        .ok_or_else(|| {
                            parse_error(
                                p,
                                None,
                                format!("entry {i}: graph index {v} out of range 0..{num_graphs}"),
                            )
                        })
                })
                .collect()
        };
        let train = read(&train_path)?;
        let test = read(&test_path)?;
        let mut in_train = vec![false; num_graphs];
        train.iter().for_each(|&t| in_train[t] = true);
        if let Some(&t) = test.iter().find(|&&t| in_train[t]) {
            return Err(parse_error(
                &test_path,
                None,
                format!("graph {t} is also in {}", train_path.display()),
            ));
        }
        folds.push(Fold { train, test });
    }
    if folds.is_empty() {
        return Err(GslError::invalid(
            "folds",
            format!(
                "no train_idx-1.txt / test_idx-1.txt pair in {}",
                dir.display()
            ),
        ));
    }
    Ok(folds)
}
