//! Real-data loaders: Planetoid pickles, Shchur-style `.npz`, TU graph collections, edge lists,
//! dense and feature matrices, and a registry that finds the files under `GSL_DATA_DIR`.
//!
//! Every loader validates what it reads and reports a malformation as [`GslError::Parse`] with
//! the file and, for text formats, the one-based line (binary formats name the array or pickle
//! key instead). Nothing here runs Python: the pickles are decoded by [`pickle`].
//!
//! Node-level datasets come back as a [`NodeDataset`] (an [`AttributedGraph`] on the caller's
//! device plus host-side labels and splits); graph collections as a [`GraphDataset`] of
//! host-side [`EdgeList`]s.

use std::path::Path;

use burn::tensor::{Device, Int, Tensor, TensorData};
use gsl_core::{AttributedGraph, BuildOptions, EdgeList, GslError, Result};

pub mod edge_list;
pub mod matrix;
pub mod npz;
pub mod pickle;
pub mod planetoid;
pub mod registry;
pub mod tu;

pub use edge_list::{EdgeListOptions, read_edge_list, write_edge_list};
pub use matrix::{Matrix, read_matrix, write_matrix};
pub use npz::read_shchur_npz;
pub use planetoid::{PlanetoidSplit, read_planetoid};
pub use registry::{Dataset, DatasetInfo, data_dir, load, load_from};
pub use tu::{GraphDataset, TuGraph, read_dgcnn_text, read_tu, read_tu_folds};

/// A `GslError::Parse` for `path`, optionally at a one-based `line`.
pub(crate) fn parse_error(
    path: &Path,
    line: Option<usize>,
    message: impl Into<String>,
) -> GslError {
    GslError::Parse {
        path: path.to_path_buf(),
        line,
        message: message.into(),
    }
}

/// Reads a whole file, naming it in the error.
pub(crate) fn read_bytes(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| GslError::io(path, e))
}

/// Reads a whole UTF-8 text file, naming it in the error.
pub(crate) fn read_text(path: &Path) -> Result<String> {
    let bytes = read_bytes(path)?;
    String::from_utf8(bytes).map_err(|e| {
        parse_error(
            path,
            None,
            format!(
                "not UTF-8 text (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        )
    })
}

/// A host-side sparse matrix in compressed-sparse-row form, as stored by scipy.
#[derive(Debug, Clone, PartialEq)]
pub struct CsrMatrix {
    /// Number of rows.
    pub rows: usize,
    /// Number of columns.
    pub cols: usize,
    /// Row pointers, `rows + 1` entries, nondecreasing, from 0 to `nnz`.
    pub indptr: Vec<usize>,
    /// Column index of each stored entry.
    pub indices: Vec<usize>,
    /// Value of each stored entry.
    pub data: Vec<f32>,
}

impl CsrMatrix {
    /// Checks the CSR invariants (pointer length and monotonicity, column range, finite
    /// values), naming `path` and `what` (the array or key) in the error.
    pub fn validate(&self, path: &Path, what: &str) -> Result<()> {
        self.check()
            .map_err(|m| parse_error(path, None, format!("{what}: {m}")))
    }

    /// The invariants of [`CsrMatrix::validate`], with a bare message.
    fn check(&self) -> std::result::Result<(), String> {
        if self.indptr.len() != self.rows + 1 {
            return Err(format!(
                "indptr has {} entries for {} rows (expected {})",
                self.indptr.len(),
                self.rows,
                self.rows + 1
            ));
        }
        if self.indices.len() != self.data.len() {
            return Err(format!(
                "indices has {} entries but data has {}",
                self.indices.len(),
                self.data.len()
            ));
        }
        if self.indptr[0] != 0 || self.indptr[self.rows] != self.indices.len() {
            return Err(format!(
                "indptr must run from 0 to nnz = {}, got {}..{}",
                self.indices.len(),
                self.indptr[0],
                self.indptr[self.rows]
            ));
        }
        if let Some(r) = self.indptr.windows(2).position(|w| w[0] > w[1]) {
            return Err(format!("indptr decreases at row {r}"));
        }
        if let Some(k) = self.indices.iter().position(|&c| c >= self.cols) {
            return Err(format!(
                "column index {} at entry {k} out of range for {} columns",
                self.indices[k], self.cols
            ));
        }
        if let Some(k) = self.data.iter().position(|v| !v.is_finite()) {
            return Err(format!("non-finite value at entry {k}"));
        }
        Ok(())
    }

    /// Number of stored entries.
    pub fn nnz(&self) -> usize {
        self.indices.len()
    }

    /// The dense row-major form (`rows × cols` values; repeated entries are added). Fails when
    /// the structure is invalid (see [`CsrMatrix::validate`]).
    pub fn to_dense(&self) -> Result<Vec<f32>> {
        self.check()
            .map_err(|m| GslError::invalid("CsrMatrix", m))?;
        let mut dense = vec![0.0f32; self.rows * self.cols];
        for r in 0..self.rows {
            for k in self.indptr[r]..self.indptr[r + 1] {
                dense[r * self.cols + self.indices[k]] += self.data[k];
            }
        }
        Ok(dense)
    }

    /// The stored entries as a directed weighted edge list over `rows` nodes (square only).
    /// Fails when the matrix is not square or its structure is invalid.
    pub fn to_edge_list(&self) -> Result<EdgeList> {
        self.check()
            .map_err(|m| GslError::invalid("CsrMatrix", m))?;
        if self.rows != self.cols {
            return Err(GslError::shape(
                "CsrMatrix::to_edge_list",
                "a square matrix",
                format!("{} x {}", self.rows, self.cols),
            ));
        }
        let src = (0..self.rows)
            .flat_map(|r| std::iter::repeat_n(r, self.indptr[r + 1] - self.indptr[r]))
            .collect();
        EdgeList::new(
            self.rows,
            src,
            self.indices.clone(),
            Some(self.data.clone()),
        )
    }
}

/// A node-level dataset: one attributed graph with labels, class names and (for Planetoid) the
/// public split.
#[derive(Debug, Clone)]
pub struct NodeDataset {
    /// Registry name, e.g. `"cora"`.
    pub name: String,
    /// The structure on the host: symmetric, deduplicated, without self-loops; weighted only
    /// when the files carry weights (karate).
    pub edges: EdgeList,
    /// Structure, features `[N, F]` and labels `[N]` (`-1` = unlabelled) on the device.
    pub graph: AttributedGraph,
    /// Host copy of the labels, `-1` for nodes without a label.
    pub labels: Vec<i64>,
    /// Number of classes.
    pub num_classes: usize,
    /// Class names when the files carry them (empty otherwise).
    pub class_names: Vec<String>,
    /// The public train/val/test split, when the dataset defines one.
    pub split: Option<PlanetoidSplit>,
    /// Nodes whose feature row is not in the files and is stored as zeros.
    pub missing_feature_rows: Vec<usize>,
}

impl NodeDataset {
    /// Number of nodes.
    pub fn num_nodes(&self) -> usize {
        self.edges.num_nodes()
    }

    /// Number of undirected edges (the host list stores both directions).
    pub fn num_undirected_edges(&self) -> usize {
        self.edges.num_edges() / 2
    }

    /// Number of nodes carrying each label `0..num_classes`.
    pub fn class_counts(&self) -> Vec<usize> {
        let mut counts = vec![0usize; self.num_classes];
        for &l in &self.labels {
            if let Some(c) = usize::try_from(l).ok().and_then(|l| counts.get_mut(l)) {
                *c += 1;
            }
        }
        counts
    }
}

/// Uploads host data as a [`NodeDataset`]: symmetrises `raw_edges` (dropping self-loops and
/// duplicates), and puts the `n × f` row-major `features` and the labels on `device`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn assemble_node_dataset(
    name: &str,
    raw_edges: &EdgeList,
    features: Vec<f32>,
    num_features: usize,
    labels: Vec<i64>,
    num_classes: usize,
    class_names: Vec<String>,
    split: Option<PlanetoidSplit>,
    missing_feature_rows: Vec<usize>,
    device: &Device,
) -> Result<NodeDataset> {
    let n = raw_edges.num_nodes();
    if n == 0 {
        return Err(GslError::EmptyGraph(format!("dataset {name} has no nodes")));
    }
    if features.len() != n * num_features {
        return Err(GslError::shape(
            format!("{name} features"),
            format!("{n} x {num_features} values"),
            features.len(),
        ));
    }
    if labels.len() != n {
        return Err(GslError::shape(format!("{name} labels"), n, labels.len()));
    }
    if let Some(&bad) = labels.iter().find(|&&l| l < -1 || l >= num_classes as i64) {
        return Err(GslError::invalid(
            "labels",
            format!("{name}: label {bad} outside 0..{num_classes}"),
        ));
    }
    let edges = raw_edges.build(BuildOptions::default())?;
    let graph = edges.to_graph(device);
    let x = Tensor::<2>::from_data(TensorData::new(features, [n, num_features]), device);
    let y = Tensor::<1, Int>::from_data(TensorData::new(labels.clone(), [n]), device);
    let graph = AttributedGraph::new(graph, x, Some(y))?;
    Ok(NodeDataset {
        name: name.to_string(),
        edges,
        graph,
        labels,
        num_classes,
        class_names,
        split,
        missing_feature_rows,
    })
}

/// The paths among `paths` that are not regular files, as displayable strings (for the
/// "missing file(s)" errors of the loaders).
pub(crate) fn missing_files(paths: impl IntoIterator<Item = std::path::PathBuf>) -> Vec<String> {
    paths
        .into_iter()
        .filter(|p| !p.is_file())
        .map(|p| p.display().to_string())
        .collect()
}
