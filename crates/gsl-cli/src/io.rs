//! Writing graphs for the CLI. Inputs are read with `gsl::data::loaders::read_matrix`.
//!
//! Outputs: `.csv` (`src,dst,weight` per line) and `.npz` (arrays `src`, `dst`, `weight`,
//! `num_nodes`). The file is assembled in memory and written atomically (temporary file in the
//! target directory, then a rename), and an existing file is only replaced when allowed.

use std::io::Cursor;
use std::path::Path;

use gsl::core::train::write_file_atomic;
use gsl::core::{EdgeList, GslError, Result};
use gsl::data::loaders::write_edge_list;
use npyz::WriterBuilder;

fn extension(path: &Path) -> String {
    path.extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// Fails (naming `argument` and the file) when `path` exists and `overwrite` is not set, so a
/// command refuses before doing any work rather than after.
pub fn refuse_existing(argument: &str, path: &Path, overwrite: bool) -> Result<()> {
    if path.exists() && !overwrite {
        return Err(GslError::invalid(
            argument,
            format!(
                "{} already exists; pass --overwrite to replace it",
                path.display()
            ),
        ));
    }
    Ok(())
}

/// Writes a graph as `.csv` or `.npz` (chosen by extension), atomically.
pub fn write_graph(path: &Path, edges: &EdgeList, overwrite: bool) -> Result<()> {
    let ext = extension(path);
    if ext != "csv" && ext != "npz" {
        return Err(GslError::invalid(
            "output",
            format!(
                "{}: unsupported extension `.{ext}` (expected .csv or .npz)",
                path.display()
            ),
        ));
    }
    refuse_existing("output", path, overwrite)?;
    if ext == "csv" {
        write_edge_list(path, edges, overwrite)
    } else {
        let bytes = npz_bytes(edges).map_err(|e| GslError::io(path, e))?;
        write_file_atomic(path, &bytes, overwrite)
    }
}

fn npz_bytes(edges: &EdgeList) -> std::io::Result<Vec<u8>> {
    let mut buffer = Cursor::new(Vec::new());
    {
        let mut npz = npyz::npz::NpzWriter::new(&mut buffer);
        let src: Vec<i64> = edges.src().iter().map(|&v| v as i64).collect();
        let dst: Vec<i64> = edges.dst().iter().map(|&v| v as i64).collect();
        let weight: Vec<f32> = edges.iter().map(|(_, _, w)| w).collect();
        write_array(&mut npz, "src", &src)?;
        write_array(&mut npz, "dst", &dst)?;
        write_array(&mut npz, "weight", &weight)?;
        write_array(&mut npz, "num_nodes", &[edges.num_nodes() as i64])?;
    }
    Ok(buffer.into_inner())
}

fn write_array<W, T>(
    npz: &mut npyz::npz::NpzWriter<W>,
    name: &str,
    data: &[T],
) -> std::io::Result<()>
where
    W: std::io::Write + std::io::Seek,
    T: npyz::Serialize + npyz::AutoSerialize + Copy,
{
    let mut writer = npz
        .array(name, Default::default())?
        .default_dtype()
        .shape(&[data.len() as u64])
        .begin_nd()?;
    writer.extend(data.iter().copied())?;
    writer.finish()
}
