//! Dense matrices and feature matrices from `.npy` and `.csv` files.
//!
//! `.npy`: a 2-D, C-ordered array of `f32`, `f64`, `i32` or `i64` (any byte order).
//! `.csv`: numbers separated by commas, one row per line; blank lines and lines starting with
//! `#` are skipped, and a first non-numeric line is taken as a header (its width then fixes the
//! number of columns). Every value must be finite. Errors name the file and, for CSV, the line.

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;

use gsl_core::{EdgeList, GslError, Result};

use super::parse_error;

/// A dense row-major matrix read from a file.
#[derive(Debug, Clone, PartialEq)]
pub struct Matrix {
    /// Number of rows.
    pub rows: usize,
    /// Number of columns.
    pub cols: usize,
    /// Values, row-major (`rows * cols` entries).
    pub values: Vec<f32>,
}

impl Matrix {
    /// Creates a matrix, checking that `values` has `rows * cols` finite entries.
    pub fn new(rows: usize, cols: usize, values: Vec<f32>) -> Result<Self> {
        if values.len() != rows * cols {
            return Err(GslError::shape(
                "Matrix::new",
                format!("{rows} x {cols} = {} values", rows * cols),
                values.len(),
            ));
        }
        gsl_core::tensor::ensure_finite_slice(&values, "Matrix::new values")?;
        Ok(Self { rows, cols, values })
    }

    /// Entry `(r, c)`, or `None` outside the matrix.
    pub fn get(&self, r: usize, c: usize) -> Option<f32> {
        if r < self.rows && c < self.cols {
            self.values.get(r * self.cols + c).copied()
        } else {
            None
        }
    }

    /// Row `r` as a slice, or `None` outside the matrix.
    pub fn row(&self, r: usize) -> Option<&[f32]> {
        if r < self.rows {
            self.values.get(r * self.cols..(r + 1) * self.cols)
        } else {
            None
        }
    }

    /// Reads a square matrix as a weighted adjacency: one directed edge `(i, j, A[i, j])` for
    /// every nonzero off-diagonal entry. A symmetric matrix therefore yields both directions.
    ///
    /// ```
    /// use gsl_data::loaders::Matrix;
    /// let a = Matrix::new(2, 2, vec![0.0, 0.5, 0.5, 0.0]).unwrap();
    /// let edges = a.to_edge_list().unwrap();
    /// assert_eq!(edges.num_edges(), 2);
    /// assert_eq!(edges.weights(), Some(&[0.5f32, 0.5][..]));
    /// ```
    pub fn to_edge_list(&self) -> Result<EdgeList> {
        if self.rows != self.cols {
            return Err(GslError::shape(
                "Matrix::to_edge_list",
                "a square matrix",
                format!("{} x {}", self.rows, self.cols),
            ));
        }
        if self.values.len() != self.rows * self.cols {
            return Err(GslError::shape(
                "Matrix::to_edge_list values",
                self.rows * self.cols,
                self.values.len(),
            ));
        }
        let (mut src, mut dst, mut w) = (Vec::new(), Vec::new(), Vec::new());
        for (i, row) in self.values.chunks_exact(self.cols.max(1)).enumerate() {
            for (j, &v) in row.iter().enumerate() {
                if i != j && v != 0.0 {
                    src.push(i);
                    dst.push(j);
                    w.push(v);
                }
            }
        }
        EdgeList::new(self.rows, src, dst, Some(w))
    }
}

fn extension(path: &Path) -> String {
    path.extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// Reads a matrix from `.npy` or `.csv`, chosen by extension.
///
/// Fails with [`GslError::Parse`] (naming the file, and the line for CSV) on ragged rows,
/// non-numbers, NaN/Inf values, an empty matrix, a non-2-D or Fortran-ordered array or an
/// unsupported dtype.
///
/// ```
/// # fn main() -> gsl_core::Result<()> {
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("x.csv");
/// std::fs::write(&path, "a,b\n1,2\n# a comment\n3,4.5\n").unwrap();
/// let m = gsl_data::loaders::read_matrix(&path)?;
/// assert_eq!((m.rows, m.cols), (2, 2));
/// assert_eq!(m.values, vec![1.0, 2.0, 3.0, 4.5]);
/// # Ok(())
/// # }
/// ```
pub fn read_matrix(path: impl AsRef<Path>) -> Result<Matrix> {
    let path = path.as_ref();
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
        return Err(parse_error(
            path,
            None,
            format!("matrix is empty ({} x {})", m.rows, m.cols),
        ));
    }
    Ok(m)
}

fn read_npy(path: &Path) -> Result<Matrix> {
    let parse = |message: String| parse_error(path, None, message);
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
    let values = npy_values_f32(npy, path)?;
    if values.len() != rows * cols {
        return Err(parse(format!(
            "shape {rows} x {cols} needs {} values, found {}",
            rows * cols,
            values.len()
        )));
    }
    if let Some(pos) = values.iter().position(|v| !v.is_finite()) {
        return Err(parse(format!(
            "non-finite value at row {}, column {}",
            pos / cols,
            pos % cols
        )));
    }
    Ok(Matrix { rows, cols, values })
}

/// The type code of a plain dtype without quotes or byte order, e.g. `f4`, `i8`, `U7`
/// (`DType::descr` gives the Python literal `'<f4'`).
pub(crate) fn dtype_code(dtype: &npyz::DType) -> String {
    dtype
        .descr()
        .trim_matches('\'')
        .trim_start_matches(['<', '>', '|', '='])
        .to_string()
}

/// Reads the values of an `.npy` array of dtype f4/f8/i4/i8 as `f32` (any byte order).
pub(crate) fn npy_values_f32<R: std::io::Read>(
    npy: npyz::NpyFile<R>,
    path: &Path,
) -> Result<Vec<f32>> {
    let parse = |message: String| parse_error(path, None, message);
    let read_err = |e: std::io::Error| parse(format!("reading data: {e}"));
    Ok(match dtype_code(&npy.dtype()).as_str() {
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
    })
}

fn read_csv(path: &Path) -> Result<Matrix> {
    let file = File::open(path).map_err(|e| GslError::io(path, e))?;
    let mut values = Vec::new();
    let mut cols = 0usize;
    let mut rows = 0usize;
    for (index, line) in BufReader::new(file).lines().enumerate() {
        let line_no = index + 1;
        let line = line.map_err(|e| parse_error(path, Some(line_no), format!("{e}")))?;
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
                return Err(parse_error(
                    path,
                    Some(line_no),
                    format!("`{bad}` is not a number"),
                ));
            }
        };
        if cols == 0 {
            cols = row.len();
        } else if row.len() != cols {
            return Err(parse_error(
                path,
                Some(line_no),
                format!("expected {cols} columns, found {}", row.len()),
            ));
        }
        if let Some(c) = row.iter().position(|v| !v.is_finite()) {
            return Err(parse_error(
                path,
                Some(line_no),
                format!("non-finite value `{}` in column {c}", fields[c]),
            ));
        }
        values.extend(row);
        rows += 1;
    }
    Ok(Matrix { rows, cols, values })
}

/// Writes a matrix as `.npy` (`<f4`, C order) or `.csv` (no header), chosen by extension.
/// CSV values are written with Rust's shortest round-trip formatting, so
/// [`read_matrix`] gives back exactly the same `f32` values. The file is written atomically
/// (temporary file, then rename); an existing file is replaced only when `overwrite` is true.
pub fn write_matrix(path: impl AsRef<Path>, matrix: &Matrix, overwrite: bool) -> Result<()> {
    let path = path.as_ref();
    if matrix.values.len() != matrix.rows * matrix.cols {
        return Err(GslError::shape(
            "write_matrix",
            matrix.rows * matrix.cols,
            matrix.values.len(),
        ));
    }
    gsl_core::tensor::ensure_finite_slice(&matrix.values, "write_matrix values")?;
    let io_err = |e: std::io::Error| GslError::io(path, e);
    let bytes = match extension(path).as_str() {
        "csv" => {
            let mut out = Vec::new();
            for row in matrix.values.chunks_exact(matrix.cols.max(1)) {
                let line: Vec<String> = row.iter().map(|v| v.to_string()).collect();
                writeln!(out, "{}", line.join(",")).map_err(io_err)?;
            }
            out
        }
        "npy" => {
            use npyz::WriterBuilder;
            let mut out = Vec::new();
            let mut writer = npyz::WriteOptions::new()
                .default_dtype()
                .shape(&[matrix.rows as u64, matrix.cols as u64])
                .writer(&mut out)
                .begin_nd()
                .map_err(io_err)?;
            writer
                .extend(matrix.values.iter().copied())
                .map_err(io_err)?;
            writer.finish().map_err(io_err)?;
            out
        }
        other => {
            return Err(GslError::invalid(
                "output",
                format!(
                    "{}: unsupported extension `.{other}` (expected .npy or .csv)",
                    path.display()
                ),
            ));
        }
    };
    gsl_core::train::write_file_atomic(path, &bytes, overwrite)
}
