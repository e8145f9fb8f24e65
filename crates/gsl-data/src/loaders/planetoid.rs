//! Planetoid `ind.<name>.*` files (Yang, Cohen & Salakhutdinov, ICML 2016): Cora, Citeseer,
//! PubMed, assembled as in Kipf & Welling's GCN `load_data` (and PyG).
//!
//! Parts: `x`, `tx`, `allx` (scipy CSR features), `y`, `ty`, `ally` (one-hot `int32` labels),
//! `graph` (`defaultdict(list)` of neighbours) and `test.index` (one node id per line). Row `j`
//! of `allx`/`ally` is node `j`; row `i` of `tx`/`ty` is the node on line `i` of `test.index`.
//! Nodes covered by neither get zero features and label `-1` (Citeseer's 15 isolated nodes).
//! When `allx` is absent (PubMed's copy here), the rows of `x` are used and the remaining
//! non-test rows are listed in [`NodeDataset::missing_feature_rows`].
//! Edges: every `(key, neighbour)` pair, symmetrised, deduplicated, self-loops dropped.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use burn::tensor::Device;
use gsl_core::{EdgeList, GslError, Result};

use super::pickle::{PickleValue, parse_pickle};
use super::{CsrMatrix, NodeDataset, assemble_node_dataset, parse_error, read_bytes, read_text};

/// Planetoid's public split: the first `len(y)` nodes train, the next 500 validate, and the
/// nodes listed in `test.index` test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanetoidSplit {
    /// Training nodes (`0..len(y)`, 20 per class).
    pub train: Vec<usize>,
    /// Validation nodes (the 500 ids after the training nodes).
    pub val: Vec<usize>,
    /// Test nodes, in the order of `test.index`.
    pub test: Vec<usize>,
}

/// The file `ind.<name>.<part>` in `dir`.
pub fn planetoid_file(dir: &Path, name: &str, part: &str) -> PathBuf {
    dir.join(format!("ind.{name}.{part}"))
}

/// The parts [`read_planetoid`] needs (`allx` is optional).
pub const PLANETOID_PARTS: [&str; 7] = ["x", "y", "tx", "ty", "ally", "graph", "test.index"];

fn load_pickle(path: &Path) -> Result<PickleValue> {
    parse_pickle(&read_bytes(path)?, path)
}

fn load_csr(path: &Path) -> Result<CsrMatrix> {
    let csr = load_pickle(path)?
        .as_csr()
        .map_err(|e| parse_error(path, None, e))?;
    csr.validate(path, "csr_matrix")?;
    Ok(csr)
}

/// One-hot label rows as class ids (`-1` for an all-zero row), with the number of classes.
fn load_labels(path: &Path) -> Result<(Vec<i64>, usize)> {
    let arr = load_pickle(path)?
        .as_ndarray()
        .map_err(|e| parse_error(path, None, e))?;
    if arr.shape.len() != 2 || arr.shape[1] == 0 {
        return Err(parse_error(
            path,
            None,
            format!(
                "labels must be a 2-D one-hot array, got shape {:?}",
                arr.shape
            ),
        ));
    }
    let c = arr.shape[1];
    let values = arr.to_i64().map_err(|e| parse_error(path, None, e))?;
    let labels = values
        .chunks_exact(c)
        .enumerate()
        .map(|(r, row)| {
            let ones: Vec<usize> = (0..c).filter(|&k| row[k] != 0).collect();
            match ones.as_slice() {
                [] => Ok(-1),
                [k] if row[*k] == 1 => Ok(*k as i64),
                _ => Err(parse_error(
                    path,
                    None,
                    format!("label row {r} is not one-hot: {row:?}"),
                )),
            }
        })
        .collect::<Result<Vec<i64>>>()?;
    Ok((labels, c))
}

/// Reads the `graph` dict: the number of nodes (keys `0..N`) and the raw directed pairs.
fn load_graph(path: &Path) -> Result<EdgeList> {
    let value = load_pickle(path)?;
    let PickleValue::Dict(items) = value else {
        return Err(parse_error(path, None, "graph pickle is not a dict"));
    };
    let n = items.len();
    if n == 0 {
        return Err(parse_error(path, None, "graph dict is empty"));
    }
    let mut seen = vec![false; n];
    let (mut src, mut dst) = (Vec::new(), Vec::new());
    for (key, neighbours) in &items {
        let k = key
            .as_int()
            .ok_or_else(|| parse_error(path, None, format!("graph key {key:?} is not an int")))?;
        let ku = usize::try_from(k)
            .ok()
            .filter(|&u| u < n)
            .ok_or_else(|| parse_error(path, None, format!("graph key {k} out of range 0..{n}")))?;
        if std::mem::replace(&mut seen[ku], true) {
            return Err(parse_error(path, None, format!("graph key {k} repeated")));
        }
        let PickleValue::List(list) = neighbours else {
            return Err(parse_error(path, None, format!("graph[{k}] is not a list")));
        };
        for v in list {
            let vu = v
                .as_int()
                .and_then(|x| usize::try_from(x).ok())
                .filter(|&u| u < n)
                .ok_or_else(|| {
                    parse_error(
                        path,
                        None,
                        format!("graph[{k}] holds {v:?}, not a node id in 0..{n}"),
                    )
                })?;
            src.push(ku);
            dst.push(vu);
        }
    }
    EdgeList::new(n, src, dst, None)
}

fn load_test_index(path: &Path, n: usize) -> Result<Vec<usize>> {
    let text = read_text(path)?;
    let mut ids = Vec::new();
    let mut seen = HashSet::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let id: usize = line
            .parse()
            .map_err(|_| parse_error(path, Some(i + 1), format!("`{line}` is not a node id")))?;
        if id >= n {
            return Err(parse_error(
                path,
                Some(i + 1),
                format!("node id {id} out of range for {n} nodes"),
            ));
        }
        if !seen.insert(id) {
            return Err(parse_error(
                path,
                Some(i + 1),
                format!("node id {id} repeated"),
            ));
        }
        ids.push(id);
    }
    Ok(ids)
}

/// Reads and assembles the Planetoid dataset `name` (`cora`, `citeseer`, `pubmed`) from the
/// `ind.<name>.*` files in `dir`, with dense features and labels on `device`.
///
/// Fails when a required part is missing (the error lists the expected paths), or with
/// [`GslError::Parse`] naming the file and the pickle key or line of a malformation (not a
/// pickle, wrong object, out-of-range node id, disagreeing row counts).
pub fn read_planetoid(dir: impl AsRef<Path>, name: &str, device: &Device) -> Result<NodeDataset> {
    let dir = dir.as_ref();
    let missing =
        super::missing_files(PLANETOID_PARTS.iter().map(|p| planetoid_file(dir, name, p)));
    if !missing.is_empty() {
        return Err(GslError::invalid(
            "dataset",
            format!("Planetoid {name}: missing file(s) {}", missing.join(", ")),
        ));
    }
    let file = |part: &str| planetoid_file(dir, name, part);
    let raw_edges = load_graph(&file("graph"))?;
    let n = raw_edges.num_nodes();
    let x = load_csr(&file("x"))?;
    let tx = load_csr(&file("tx"))?;
    let allx_path = file("allx");
    let allx = if allx_path.is_file() {
        Some(load_csr(&allx_path)?)
    } else {
        None
    };
    let (y, c) = load_labels(&file("y"))?;
    let (ty, c_ty) = load_labels(&file("ty"))?;
    let (ally, c_ally) = load_labels(&file("ally"))?;
    let test = load_test_index(&file("test.index"), n)?;

    let f = x.cols;
    let agree = |path: PathBuf, what: &str, got: usize, want: usize| -> Result<()> {
        if got == want {
            Ok(())
        } else {
            Err(parse_error(
                &path,
                None,
                format!("{what}: {got}, expected {want}"),
            ))
        }
    };
    agree(file("tx"), "feature columns", tx.cols, f)?;
    agree(file("ty"), "label columns", c_ty, c)?;
    agree(file("ally"), "label columns", c_ally, c)?;
    agree(
        file("tx"),
        "rows (one per test.index line)",
        tx.rows,
        test.len(),
    )?;
    agree(
        file("ty"),
        "rows (one per test.index line)",
        ty.len(),
        test.len(),
    )?;
    agree(file("x"), "rows (one per row of y)", x.rows, y.len())?;
    if let Some(allx) = &allx {
        agree(allx_path.clone(), "feature columns", allx.cols, f)?;
        agree(
            allx_path.clone(),
            "rows (one per row of ally)",
            allx.rows,
            ally.len(),
        )?;
    }
    if ally.len() > n || y.len() > ally.len() {
        return Err(parse_error(
            &file("ally"),
            None,
            format!(
                "{} rows; need len(y) = {} <= rows <= {n} nodes",
                ally.len(),
                y.len()
            ),
        ));
    }
    if let Some(&clash) = test.iter().find(|&&t| t < ally.len()) {
        return Err(parse_error(
            &file("test.index"),
            None,
            format!("test node {clash} overlaps the {} rows of ally", ally.len()),
        ));
    }

    let mut features = vec![0.0f32; n * f];
    let mut covered = vec![false; n];
    let base = allx.as_ref().unwrap_or(&x);
    let scatter = |m: &CsrMatrix, row_to_node: &dyn Fn(usize) -> usize, out: &mut Vec<f32>| {
        for r in 0..m.rows {
            let node = row_to_node(r);
            for k in m.indptr[r]..m.indptr[r + 1] {
                out[node * f + m.indices[k]] += m.data[k];
            }
        }
    };
    scatter(base, &|r| r, &mut features);
    covered[..base.rows].iter_mut().for_each(|c| *c = true);
    scatter(&tx, &|r| test[r], &mut features);
    for &t in &test {
        covered[t] = true;
    }
    let missing_feature_rows: Vec<usize> = (0..n).filter(|&i| !covered[i]).collect();

    let mut labels = vec![-1i64; n];
    labels[..ally.len()].copy_from_slice(&ally);
    for (r, &t) in test.iter().enumerate() {
        labels[t] = ty[r];
    }
    let split = PlanetoidSplit {
        train: (0..y.len()).collect(),
        val: (y.len()..(y.len() + 500).min(n)).collect(),
        test,
    };
    assemble_node_dataset(
        name,
        &raw_edges,
        features,
        f,
        labels,
        c,
        Vec::new(),
        Some(split),
        missing_feature_rows,
        device,
    )
}
