//! Reading feature matrices and writing graphs for the CLI.
//!
//! Inputs: `.npy` (2-D, float or integer dtype) and `.csv` (numbers separated by commas, an
//! optional header line). Outputs: `.csv` (`src,dst,weight` per line) and `.npz` (arrays `src`,
//! `dst`, `weight`, `num_nodes`). Outputs are written to a temporary file in the target directory
//! and renamed into place, and an existing file is only replaced when the caller allows it.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use gsl::core::{EdgeList, GslError, Result};
use npyz::WriterBuilder;

/// A dense row-major matrix read from a file.
#[derive(Debug, Clone, PartialEq)]
pub struct Matrix {
    /// Number of rows.
    pub rows: usize,
    /// Number of columns.
    pub cols: usize,
    /// Values, row-major.
    pub values: Vec<f32>,
}

fn extension(path: &Path) -> String {
    path.extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// Reads a matrix from `.npy` or `.csv`, chosen by extension.
pub fn read_matrix(path: &Path) -> Result<Matrix> {
    let m = match extension(path).as_str() {
        "npy" => read_npy(path)?,
        "csv" => read_csv(path)?,
        other => {
            return Err(GslError::invalid(
                "input",
                format!(
                    "{}: unsupported extension `.{other}` (expected .npy or .csv)",
                    path.display()
                ),
            ));
        }
    };
    if m.rows == 0 || m.cols == 0 {
        return Err(GslError::Parse {
            path: path.to_path_buf(),
            line: None,
            message: format!("matrix is empty ({} x {})", m.rows, m.cols),
        });
    }
    if let Some(pos) = m.values.iter().position(|v| !v.is_finite()) {
        return Err(GslError::Parse {
            path: path.to_path_buf(),
            line: None,
            message: format!(
                "non-finite value at row {}, column {}",
                pos / m.cols,
                pos % m.cols
            ),
        });
    }
    Ok(m)
}

fn read_npy(path: &Path) -> Result<Matrix> {
    let parse = |message: String| GslError::Parse {
        path: path.to_path_buf(),
        line: None,
        message,
    };
    let file = File::open(path).map_err(|e| GslError::io(path, e))?;
    let npy = npyz::NpyFile::new(BufReader::new(file))
        .map_err(|e| parse(format!("not a valid .npy file: {e}")))?;
    let shape: Vec<u64> = npy.shape().to_vec();
    if shape.len() != 2 {
        return Err(parse(format!("expected a 2-D array, got shape {shape:?}")));
    }
    if npy.order() != npyz::Order::C {
        return Err(parse(
            "Fortran-ordered arrays are not supported; save with C order".into(),
        ));
    }
    let (rows, cols) = (shape[0] as usize, shape[1] as usize);
    let type_str = npy.dtype().descr();
    let read_err = |e: std::io::Error| parse(format!("reading data: {e}"));
    let values: Vec<f32> = match type_str.trim_start_matches(['<', '>', '|', '=']) {
        "f4" => npy.into_vec::<f32>().map_err(read_err)?,
        "f8" => npy
            .into_vec::<f64>()
            .map_err(read_err)?
            .into_iter()
            .map(|v| v as f32)
            .collect(),
        "i4" => npy
            .into_vec::<i32>()
            .map_err(read_err)?
            .into_iter()
            .map(|v| v as f32)
            .collect(),
        "i8" => npy
            .into_vec::<i64>()
            .map_err(read_err)?
            .into_iter()
            .map(|v| v as f32)
            .collect(),
        other => {
            return Err(parse(format!(
                "unsupported dtype `{other}` (expected float32, float64, int32 or int64)"
            )));
        }
    };
    Ok(Matrix { rows, cols, values })
}

fn read_csv(path: &Path) -> Result<Matrix> {
    let file = File::open(path).map_err(|e| GslError::io(path, e))?;
    let mut values = Vec::new();
    let mut cols = 0usize;
    let mut rows = 0usize;
    for (index, line) in BufReader::new(file).lines().enumerate() {
        let line_no = index + 1;
        let line = line.map_err(|e| GslError::io(path, e))?;
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        let parsed: std::result::Result<Vec<f32>, _> =
            fields.iter().map(|f| f.parse::<f32>()).collect();
        let row = match parsed {
            Ok(row) => row,
            // A first non-numeric line is a header.
            Err(_) if rows == 0 && cols == 0 => {
                cols = fields.len();
                continue;
            }
            Err(_) => {
                let bad = fields
                    .iter()
                    .find(|f| f.parse::<f32>().is_err())
                    .copied()
                    .unwrap_or("");
                return Err(GslError::Parse {
                    path: path.to_path_buf(),
                    line: Some(line_no),
                    message: format!("`{bad}` is not a number"),
                });
            }
        };
        if cols == 0 {
            cols = row.len();
        } else if row.len() != cols {
            return Err(GslError::Parse {
                path: path.to_path_buf(),
                line: Some(line_no),
                message: format!("expected {cols} columns, found {}", row.len()),
            });
        }
        values.extend(row);
        rows += 1;
    }
    Ok(Matrix { rows, cols, values })
}

/// A temporary file next to `target` that is renamed onto it by [`AtomicFile::commit`] and
/// removed if dropped before.
struct AtomicFile {
    temp: PathBuf,
    target: PathBuf,
    committed: bool,
}

impl AtomicFile {
    fn new(target: &Path, overwrite: bool) -> Result<Self> {
        if target.exists() && !overwrite {
            return Err(GslError::invalid(
                "output",
                format!(
                    "{} already exists; pass --overwrite to replace it",
                    target.display()
                ),
            ));
        }
        let dir = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = target
            .file_name()
            .ok_or_else(|| GslError::invalid("output", "path has no file name"))?
            .to_string_lossy();
        let temp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
        Ok(Self {
            temp,
            target: target.to_path_buf(),
            committed: false,
        })
    }

    fn commit(mut self) -> Result<()> {
        File::open(&self.temp)
            .and_then(|f| f.sync_all())
            .map_err(|e| GslError::io(&self.temp, e))?;
        std::fs::rename(&self.temp, &self.target).map_err(|e| GslError::io(&self.target, e))?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_file(&self.temp);
        }
    }
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
    let file = AtomicFile::new(path, overwrite)?;
    let io_err = |e: std::io::Error| GslError::io(&file.temp, e);
    if ext == "csv" {
        let mut w = BufWriter::new(File::create(&file.temp).map_err(io_err)?);
        writeln!(w, "src,dst,weight").map_err(io_err)?;
        for (s, d, weight) in edges.iter() {
            writeln!(w, "{s},{d},{weight}").map_err(io_err)?;
        }
        w.flush().map_err(io_err)?;
    } else {
        let mut npz = npyz::npz::NpzWriter::create(&file.temp).map_err(io_err)?;
        let src: Vec<i64> = edges.src().iter().map(|&v| v as i64).collect();
        let dst: Vec<i64> = edges.dst().iter().map(|&v| v as i64).collect();
        let weight: Vec<f32> = edges.iter().map(|(_, _, w)| w).collect();
        write_npz_array(&mut npz, "src", &src).map_err(io_err)?;
        write_npz_array(&mut npz, "dst", &dst).map_err(io_err)?;
        write_npz_array(&mut npz, "weight", &weight).map_err(io_err)?;
        write_npz_array(&mut npz, "num_nodes", &[edges.num_nodes() as i64]).map_err(io_err)?;
        drop(npz);
    }
    file.commit()
}

fn write_npz_array<T: npyz::Serialize + npyz::AutoSerialize + Copy>(
    npz: &mut npyz::npz::NpzWriter<File>,
    name: &str,
    data: &[T],
) -> std::io::Result<()> {
    let mut writer = npz
        .array(name, Default::default())?
        .default_dtype()
        .shape(&[data.len() as u64])
        .begin_nd()?;
    writer.extend(data.iter().copied())?;
    writer.finish()
}
