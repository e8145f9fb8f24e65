//! Plain edge lists: one edge per line, `src dst [weight]`.
//!
//! Fields are separated by commas (CSV) or by whitespace (chosen per line: a line containing a
//! comma is split on commas). Blank lines and lines starting with `#` or `%` are skipped. A
//! first line whose two leading fields are not integers is a header (`source,target,weight`).
//! Every data line must have the same number of fields: two (unweighted) or three (weighted);
//! weights must be finite. The list is returned as written (directed); apply
//! [`gsl_core::EdgeList::build`] to symmetrise or merge duplicates.

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;

use gsl_core::{EdgeList, GslError, Result};

use super::parse_error;

/// How to interpret the node ids of an edge-list file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EdgeListOptions {
    /// Ids in the file start at 1 (as in TU and MATLAB files) instead of 0.
    pub one_based: bool,
    /// The number of nodes; `None` takes the largest id plus one. Ids at or above a given
    /// count are an error.
    pub num_nodes: Option<usize>,
}

/// Reads an edge list from a text file (see the module docs for the format).
///
/// ```
/// # fn main() -> gsl_core::Result<()> {
/// use gsl_data::loaders::{read_edge_list, EdgeListOptions};
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("g.csv");
/// std::fs::write(&path, "source,target,weight\n0,1,2.5\n1,2,1\n").unwrap();
/// let edges = read_edge_list(&path, EdgeListOptions::default())?;
/// assert_eq!((edges.num_nodes(), edges.num_edges()), (3, 2));
/// assert_eq!(edges.weights(), Some(&[2.5f32, 1.0][..]));
/// # Ok(())
/// # }
/// ```
pub fn read_edge_list(path: impl AsRef<Path>, options: EdgeListOptions) -> Result<EdgeList> {
    let path = path.as_ref();
    let file = File::open(path).map_err(|e| GslError::io(path, e))?;
    let (mut src, mut dst, mut weights) = (Vec::new(), Vec::new(), Vec::new());
    let mut width: Option<usize> = None;
    let mut seen_data_or_header = false;
    for (index, line) in BufReader::new(file).lines().enumerate() {
        let line_no = index + 1;
        let err = |m: String| parse_error(path, Some(line_no), m);
        let line = line.map_err(|e| err(format!("{e}")))?;
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with('%') {
            continue;
        }
        let fields: Vec<&str> = if line.contains(',') {
            line.split(',').map(str::trim).collect()
        } else {
            line.split_whitespace().collect()
        };
        let first_line = !seen_data_or_header;
        seen_data_or_header = true;
        let ids_numeric = fields.len() >= 2
            && fields[0].parse::<i64>().is_ok()
            && fields[1].parse::<i64>().is_ok();
        if first_line && !ids_numeric {
            continue;
        }
        if fields.len() != 2 && fields.len() != 3 {
            return Err(err(format!(
                "expected `src,dst` or `src,dst,weight`, found {} fields",
                fields.len()
            )));
        }
        match width {
            None => width = Some(fields.len()),
            Some(w) if w != fields.len() => {
                return Err(err(format!(
                    "expected {w} fields like the first edge, found {}",
                    fields.len()
                )));
            }
            Some(_) => {}
        }
        let id = |f: &str| -> Result<usize> {
            let v: i64 = f
                .parse()
                .map_err(|_| err(format!("node id `{f}` is not an integer")))?;
            let v = if options.one_based { v - 1 } else { v };
            if v < 0 {
                return Err(err(format!(
                    "node id `{f}` is below the first id ({})",
                    u8::from(options.one_based)
                )));
            }
            let v = v as usize;
            if let Some(n) = options.num_nodes
                && v >= n
            {
                return Err(err(format!("node id `{f}` out of range for {n} nodes")));
            }
            Ok(v)
        };
        let s = id(fields[0])?;
        let d = id(fields[1])?;
        src.push(s);
        dst.push(d);
        if fields.len() == 3 {
            let w: f32 = fields[2]
                .parse()
                .map_err(|_| err(format!("weight `{}` is not a number", fields[2])))?;
            if !w.is_finite() {
                return Err(err(format!("weight `{}` is not finite", fields[2])));
            }
            weights.push(w);
        }
    }
    let num_nodes = match options.num_nodes {
        Some(n) => n,
        None => src.iter().chain(&dst).max().map_or(0, |&m| m + 1),
    };
    if num_nodes == 0 {
        return Err(parse_error(path, None, "the file holds no edges"));
    }
    let weights = (width == Some(3)).then_some(weights);
    EdgeList::new(num_nodes, src, dst, weights)
}

/// Writes `edges` as CSV with the header `src,dst,weight` (zero-based ids, one line per stored
/// edge), the format [`read_edge_list`] reads back exactly. The file is written atomically
/// (temporary file, then rename); an existing file is replaced only when `overwrite` is true.
pub fn write_edge_list(path: impl AsRef<Path>, edges: &EdgeList, overwrite: bool) -> Result<()> {
    let mut out = Vec::with_capacity(16 * edges.num_edges() + 16);
    out.extend_from_slice(b"src,dst,weight\n");
    for (s, d, weight) in edges.iter() {
        // Writing into a Vec cannot fail.
        let _ = writeln!(out, "{s},{d},{weight}");
    }
    gsl_core::train::write_file_atomic(path, &out, overwrite)
}
