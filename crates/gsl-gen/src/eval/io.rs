//! Graph sets on disk: a directory of edge-list files, one graph per file.
//!
//! Each file holds `i,j[,weight]` rows (comma- or whitespace-separated, an optional header;
//! the format of [`gsl_data::loaders::read_edge_list`], which does the parsing). Edges are read
//! as undirected, so a file may list each edge once or in both directions. The node count is
//! the largest id plus one: trailing isolated nodes cannot be represented.

use std::path::{Path, PathBuf};

use gsl_core::{EdgeList, GslError, Result};
use gsl_data::loaders::{EdgeListOptions, read_edge_list, write_edge_list};

use super::graph::SimpleGraph;

/// Reads one edge-list file as a [`SimpleGraph`] (errors name the file and line).
pub fn read_graph_file(path: impl AsRef<Path>) -> Result<SimpleGraph> {
    let path = path.as_ref();
    let edges = read_edge_list(path, EdgeListOptions::default())?;
    SimpleGraph::from_edges(&edges).map_err(|e| GslError::Parse {
        path: path.to_path_buf(),
        line: None,
        message: e.to_string(),
    })
}

/// The regular files of `dir` whose names do not start with `.`, sorted by name.
pub fn graph_files(dir: impl AsRef<Path>) -> Result<Vec<PathBuf>> {
    let dir = dir.as_ref();
    let entries = std::fs::read_dir(dir).map_err(|e| GslError::io(dir, e))?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| GslError::io(dir, e))?;
        let path = entry.path();
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        if path.is_file() && !hidden {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// Reads every graph file of `dir` (see [`graph_files`]), in name order.
///
/// Errors: a missing directory, a directory without graph files, or the first malformed file.
///
/// ```
/// use gsl_gen::eval::io::{read_graph_dir, write_graph_dir};
/// use gsl_gen::eval::SimpleGraph;
/// # fn main() -> gsl_core::Result<()> {
/// let dir = tempfile::tempdir().unwrap();
/// let path = SimpleGraph::from_pairs(3, &[(0, 1), (1, 2)])?;
/// write_graph_dir(dir.path(), &[path.clone()], false)?;
/// assert_eq!(read_graph_dir(dir.path())?[0].num_edges(), 2);
/// # Ok(())
/// # }
/// ```
pub fn read_graph_dir(dir: impl AsRef<Path>) -> Result<Vec<SimpleGraph>> {
    let dir = dir.as_ref();
    let files = graph_files(dir)?;
    if files.is_empty() {
        return Err(GslError::invalid(
            "dir",
            format!("{} holds no graph files", dir.display()),
        ));
    }
    files.iter().map(read_graph_file).collect()
}

/// Writes `graphs` to `dir` (created if needed) as `graph_00000.csv`, … with one
/// `src,dst,weight` row per undirected edge (`src < dst`), each file atomically. Existing files
/// are replaced only when `overwrite`. Returns the paths written.
///
/// Errors: an empty list, a graph without edges (the format cannot hold it), I/O failures.
pub fn write_graph_dir(
    dir: impl AsRef<Path>,
    graphs: &[SimpleGraph],
    overwrite: bool,
) -> Result<Vec<PathBuf>> {
    let dir = dir.as_ref();
    if graphs.is_empty() {
        return Err(GslError::invalid("graphs", "nothing to write"));
    }
    if let Some(i) = graphs.iter().position(|g| g.num_edges() == 0) {
        return Err(GslError::EmptyGraph(format!(
            "graph {i} has no edges; an edge-list file cannot represent it"
        )));
    }
    std::fs::create_dir_all(dir).map_err(|e| GslError::io(dir, e))?;
    let width = graphs.len().to_string().len().max(5);
    graphs
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let path = dir.join(format!("graph_{i:0width$}.csv"));
            let triples = g.edges();
            let once = EdgeList::from_weighted(g.num_nodes(), &triples)?;
            write_edge_list(&path, &once, overwrite)?;
            Ok(path)
        })
        .collect()
}

#[cfg(test)]
// Tests build one-graph slices by cloning, which reads better than `slice::from_ref`.
#[allow(clippy::cloned_ref_to_slice_refs)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_keeps_structure_and_weights() {
        let dir = tempfile::tempdir().unwrap();
        let a = SimpleGraph::from_edges(
            &EdgeList::from_weighted(4, &[(0, 1, 0.5), (1, 2, 2.0), (3, 2, 1.25)]).unwrap(),
        )
        .unwrap();
        let b = SimpleGraph::from_pairs(3, &[(0, 1), (0, 2)]).unwrap();
        let written = write_graph_dir(dir.path(), &[a.clone(), b.clone()], false).unwrap();
        assert_eq!(written.len(), 2);
        let back = read_graph_dir(dir.path()).unwrap();
        assert_eq!(back[0].edges(), a.edges());
        assert_eq!(back[1].edges(), b.edges());
        // No overwrite without the flag.
        assert!(write_graph_dir(dir.path(), &[a.clone()], false).is_err());
        assert!(write_graph_dir(dir.path(), &[a], true).is_ok());
    }

    #[test]
    fn corrupt_and_missing_inputs_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        assert!(read_graph_dir(dir.path()).is_err(), "no files");
        assert!(read_graph_dir(dir.path().join("absent")).is_err());
        std::fs::write(dir.path().join("bad.csv"), "0,1\n1,x\n").unwrap();
        let err = read_graph_dir(dir.path()).unwrap_err().to_string();
        assert!(err.contains("bad.csv") && err.contains("line 2"), "{err}");
        std::fs::write(dir.path().join("bad.csv"), "0,1\n2,2\n").unwrap();
        let err = read_graph_dir(dir.path()).unwrap_err().to_string();
        assert!(err.contains("self-loop"), "{err}");
        std::fs::write(dir.path().join("bad.csv"), "src,dst\n").unwrap();
        assert!(read_graph_dir(dir.path()).is_err(), "no edges");
        let empty = SimpleGraph::from_pairs(2, &[]).unwrap();
        assert!(write_graph_dir(dir.path().join("out"), &[empty], false).is_err());
        assert!(write_graph_dir(dir.path().join("out"), &[], false).is_err());
    }
}
