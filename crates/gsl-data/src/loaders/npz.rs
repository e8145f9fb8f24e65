//! Shchur et al. (2018, "Pitfalls of GNN evaluation") `.npz` files: cora, citeseer,
//! amazon_electronics_photo, …
//!
//! Each file is a zip of `.npy` members: the adjacency in CSR form (`adj_data`, `adj_indices`,
//! `adj_indptr`, `adj_shape`), the attributes in CSR form (`attr_*`), `labels` (any integer
//! width) and, optionally, `class_names` (fixed-width unicode). The stored adjacency is
//! directed; the loader symmetrises it and drops self-loops and duplicates, as PyG does.

use std::io::{Read, Seek};
use std::path::Path;

use burn::tensor::Device;
use gsl_core::Result;
use npyz::npz::NpzArchive;

use super::{CsrMatrix, NodeDataset, assemble_node_dataset, parse_error};

/// Reads a Shchur-style `.npz` file as a [`NodeDataset`] named `name`, with dense features on
/// `device`. Errors name the file and the member at fault (missing, wrong dtype or length,
/// truncated data, indices out of range).
pub fn read_shchur_npz(path: impl AsRef<Path>, name: &str, device: &Device) -> Result<NodeDataset> {
    let path = path.as_ref();
    let mut npz = NpzArchive::open(path)
        .map_err(|e| parse_error(path, None, format!("not a readable npz (zip) archive: {e}")))?;
    let adj = read_csr(&mut npz, path, "adj")?;
    let attr = read_csr(&mut npz, path, "attr")?;
    if adj.rows != adj.cols {
        return Err(parse_error(
            path,
            None,
            format!(
                "adj_shape: adjacency is {} x {}, not square",
                adj.rows, adj.cols
            ),
        ));
    }
    let n = adj.rows;
    if attr.rows != n {
        return Err(parse_error(
            path,
            None,
            format!("attr_shape: {} rows for {n} nodes", attr.rows),
        ));
    }
    let labels = read_ints(&mut npz, path, "labels")?;
    if labels.len() != n {
        return Err(parse_error(
            path,
            None,
            format!("labels: {} entries for {n} nodes", labels.len()),
        ));
    }
    if let Some(&bad) = labels.iter().find(|&&l| l < 0) {
        return Err(parse_error(
            path,
            None,
            format!("labels: negative label {bad}"),
        ));
    }
    let max_label = labels.iter().copied().max().unwrap_or(-1);
    let class_names = if npz.array_names().any(|a| a == "class_names") {
        read_strings(&mut npz, path, "class_names")?
    } else {
        Vec::new()
    };
    let num_classes = if class_names.is_empty() {
        (max_label + 1) as usize
    } else {
        if max_label >= class_names.len() as i64 {
            return Err(parse_error(
                path,
                None,
                format!(
                    "labels: label {max_label} but only {} class_names",
                    class_names.len()
                ),
            ));
        }
        class_names.len()
    };
    let raw_edges = adj.to_edge_list()?;
    let features = attr.to_dense()?;
    assemble_node_dataset(
        name,
        &raw_edges,
        features,
        attr.cols,
        labels,
        num_classes,
        class_names,
        None,
        Vec::new(),
        device,
    )
}

/// Opens member `name`, failing with a parse error naming it when absent or unreadable.
fn member<'a, R: Read + Seek>(
    npz: &'a mut NpzArchive<R>,
    path: &Path,
    name: &str,
) -> Result<npyz::NpyFile<impl Read + 'a>> {
    npz.by_name(name)
        .map_err(|e| parse_error(path, None, format!("member `{name}`: {e}")))?
        .ok_or_else(|| parse_error(path, None, format!("member `{name}` is missing")))
}

/// Reads an integer member of any width (`i1`..`i8`, `u1`..`u4`) as `i64`.
fn read_ints<R: Read + Seek>(npz: &mut NpzArchive<R>, path: &Path, name: &str) -> Result<Vec<i64>> {
    let npy = member(npz, path, name)?;
    let code = super::matrix::dtype_code(&npy.dtype());
    let err = |e: std::io::Error| parse_error(path, None, format!("member `{name}`: {e}"));
    Ok(match code.as_str() {
        "i1" => widen(npy.into_vec::<i8>().map_err(err)?),
        "i2" => widen(npy.into_vec::<i16>().map_err(err)?),
        "i4" => widen(npy.into_vec::<i32>().map_err(err)?),
        "i8" => npy.into_vec::<i64>().map_err(err)?,
        "u1" => widen(npy.into_vec::<u8>().map_err(err)?),
        "u2" => widen(npy.into_vec::<u16>().map_err(err)?),
        "u4" => widen(npy.into_vec::<u32>().map_err(err)?),
        other => {
            return Err(parse_error(
                path,
                None,
                format!("member `{name}`: dtype `{other}` is not an integer type"),
            ));
        }
    })
}

fn widen<T: Into<i64>>(v: Vec<T>) -> Vec<i64> {
    v.into_iter().map(Into::into).collect()
}

fn read_strings<R: Read + Seek>(
    npz: &mut NpzArchive<R>,
    path: &Path,
    name: &str,
) -> Result<Vec<String>> {
    let npy = member(npz, path, name)?;
    npy.into_vec::<String>()
        .map_err(|e| parse_error(path, None, format!("member `{name}`: {e}")))
}

/// Non-negative indices as `usize`, naming the member of a negative one.
fn to_indices(v: Vec<i64>, path: &Path, name: &str) -> Result<Vec<usize>> {
    v.into_iter()
        .enumerate()
        .map(|(k, x)| {
            usize::try_from(x).map_err(|_| {
                parse_error(
                    path,
                    None,
                    format!("member `{name}`: negative value {x} at {k}"),
                )
            })
        })
        .collect()
}

/// Reads `{prefix}_data/_indices/_indptr/_shape` and validates the CSR structure.
fn read_csr<R: Read + Seek>(
    npz: &mut NpzArchive<R>,
    path: &Path,
    prefix: &str,
) -> Result<CsrMatrix> {
    let shape_name = format!("{prefix}_shape");
    let shape = read_ints(npz, path, &shape_name)?;
    if shape.len() != 2 || shape.iter().any(|&s| s < 0) {
        return Err(parse_error(
            path,
            None,
            format!("member `{shape_name}`: expected two non-negative sizes, got {shape:?}"),
        ));
    }
    let data_name = format!("{prefix}_data");
    let data = {
        let npy = member(npz, path, &data_name)?;
        super::matrix::npy_values_f32(npy, path)
            .map_err(|e| parse_error(path, None, format!("member `{data_name}`: {e}")))?
    };
    let indices_name = format!("{prefix}_indices");
    let indices = to_indices(read_ints(npz, path, &indices_name)?, path, &indices_name)?;
    let indptr_name = format!("{prefix}_indptr");
    let indptr = to_indices(read_ints(npz, path, &indptr_name)?, path, &indptr_name)?;
    let csr = CsrMatrix {
        rows: shape[0] as usize,
        cols: shape[1] as usize,
        indptr,
        indices,
        data,
    };
    csr.validate(path, &format!("CSR members `{prefix}_*`"))?;
    Ok(csr)
}
