//! Saving and loading modules, configs and histories without ever leaving a half-written file.
//!
//! Every writer goes through [`write_file_atomic`]: the bytes are written to a temporary file in
//! the destination's directory, flushed to disk (`fsync`), and renamed over the destination, so a
//! crash leaves either the old file or the new one, never a truncated mix. Module weights use
//! Burn's burnpack format (`Module::into_record`), readable by `Module::load_file` too.

use std::fs::{self, File, OpenOptions};
use std::io::{self, ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use burn::module::Module;
use burn::store::ModuleRecord;
use burn::tensor::{Bytes, Device};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{GslError, Result};

/// Distinguishes temporary files of concurrent writers within one process.
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Deletes the temporary file when the write did not complete (or after a hard link made it
/// redundant).
struct TempFile {
    path: PathBuf,
    keep: bool,
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.keep {
            // Best effort: the file may already be gone, and an error here must not mask the
            // error that made us clean up.
            let _ = fs::remove_file(&self.path);
        }
    }
}

fn already_exists(path: &Path) -> GslError {
    GslError::io(
        path,
        io::Error::new(
            ErrorKind::AlreadyExists,
            "file already exists; pass overwrite = true to replace it",
        ),
    )
}

/// Writes `bytes` to `path` atomically; refuses to replace an existing file unless `overwrite`.
///
/// Errors are [`GslError::Io`] naming the path: `ErrorKind::AlreadyExists` when the file exists
/// and `overwrite` is false, `ErrorKind::IsADirectory` when `path` is a directory, and the OS
/// error otherwise (missing parent directory, permissions, full disk). A failed write leaves
/// no temporary file behind.
///
/// ```
/// use gsl_core::train::write_file_atomic;
///
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("notes.txt");
/// write_file_atomic(&path, b"first", false)?;
/// assert!(write_file_atomic(&path, b"second", false).is_err());
/// write_file_atomic(&path, b"second", true)?;
/// assert_eq!(std::fs::read(&path).unwrap(), b"second");
/// # Ok::<(), gsl_core::GslError>(())
/// ```
pub fn write_file_atomic(path: impl AsRef<Path>, bytes: &[u8], overwrite: bool) -> Result<()> {
    let path = path.as_ref();
    let file_name = path.file_name().ok_or_else(|| {
        GslError::invalid("path", format!("`{}` does not name a file", path.display()))
    })?;
    if path.is_dir() {
        return Err(GslError::io(
            path,
            io::Error::new(ErrorKind::IsADirectory, "path is a directory"),
        ));
    }
    if !overwrite && fs::symlink_metadata(path).is_ok() {
        return Err(already_exists(path));
    }
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    // A hidden sibling: same directory so the rename is atomic (same filesystem).
    let temp_path = dir.join(format!(
        ".{}.{}-{}.tmp",
        file_name.to_string_lossy(),
        std::process::id(),
        TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temp_path)
        .map_err(|e| GslError::io(path, e))?;
    let mut temp = TempFile {
        path: temp_path,
        keep: false,
    };
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| GslError::io(path, e))?;
    drop(file);

    if overwrite {
        fs::rename(&temp.path, path).map_err(|e| GslError::io(path, e))?;
        temp.keep = true;
    } else {
        // A hard link fails if the destination exists, closing the race between the existence
        // check above and the rename. The temporary name is then removed by `TempFile`.
        match fs::hard_link(&temp.path, path) {
            Ok(()) => {}
            Err(e) if e.kind() == ErrorKind::AlreadyExists => return Err(already_exists(path)),
            // Filesystems without hard links: fall back to check-then-rename.
            Err(_) => {
                if fs::symlink_metadata(path).is_ok() {
                    return Err(already_exists(path));
                }
                fs::rename(&temp.path, path).map_err(|e| GslError::io(path, e))?;
                temp.keep = true;
            }
        }
    }
    sync_directory(&dir);
    Ok(())
}

/// Makes the rename itself durable. Best effort: some platforms and filesystems cannot open or
/// fsync a directory, and the data file is already complete and synced at this point.
fn sync_directory(dir: &Path) {
    if let Ok(handle) = File::open(dir) {
        let _ = handle.sync_all();
    }
}

/// Saves the parameters of `module` to `path` (burnpack format) atomically; refuses to replace
/// an existing file unless `overwrite`.
///
/// Fields marked `#[module(skip)]` are not stored: rebuild the module from its config, then
/// [`load_checkpoint`] into it.
///
/// ```
/// use burn::module::{Module, Param};
/// use burn::tensor::Tensor;
/// use gsl_core::train::{load_checkpoint, save_checkpoint};
///
/// #[derive(Module, Debug)]
/// struct Line {
///     w: Param<Tensor<1>>,
/// }
///
/// # fn main() -> gsl_core::Result<()> {
/// let device = gsl_core::device::device_from_name("flex")?;
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("line.bpk");
/// let line = Line { w: Param::from_tensor(Tensor::from_floats([1.0, 2.0], &device)) };
/// save_checkpoint(&line, &path, false)?;
///
/// let fresh = Line { w: Param::from_tensor(Tensor::zeros([2], &device)) };
/// let loaded = load_checkpoint(fresh, &path, &device)?;
/// assert_eq!(gsl_core::tensor::to_vec_f32(loaded.w.val()), vec![1.0, 2.0]);
/// # Ok(())
/// # }
/// ```
pub fn save_checkpoint<M: Module>(
    module: &M,
    path: impl AsRef<Path>,
    overwrite: bool,
) -> Result<()> {
    let path = path.as_ref();
    // Refuse before serialising: the record copies every parameter to the host.
    if !overwrite && fs::symlink_metadata(path).is_ok() {
        return Err(already_exists(path));
    }
    let bytes = module
        .clone()
        .into_record()
        .into_bytes()
        .map_err(|e| GslError::io(path, io::Error::other(e.to_string())))?;
    write_file_atomic(path, &bytes, overwrite)
}

/// Loads the parameters stored at `path` into `module`, placed on `device`.
///
/// `module` gives the structure (build it from the same config); its parameter values are
/// replaced. Fails with [`GslError::Io`] when the file cannot be read and with
/// [`GslError::Parse`] naming the file when it is not a valid checkpoint or does not match the
/// module (missing or extra parameters, different shapes).
pub fn load_checkpoint<M: Module>(module: M, path: impl AsRef<Path>, device: &Device) -> Result<M> {
    let path = path.as_ref();
    let bytes = fs::read(path).map_err(|e| GslError::io(path, e))?;
    let record =
        ModuleRecord::from_bytes(Bytes::from_bytes_vec(bytes)).map_err(|e| GslError::Parse {
            path: path.to_path_buf(),
            line: None,
            message: format!("not a valid burnpack checkpoint: {e}"),
        })?;
    module
        .to_device(device)
        .try_load_record(record)
        .map_err(|e| GslError::Parse {
            path: path.to_path_buf(),
            line: None,
            message: format!("checkpoint does not match the module: {e}"),
        })
}

/// Saves any serialisable value (a [`History`](super::History), a `#[derive(Config)]`
/// hyperparameter struct, …) as pretty JSON, atomically; refuses to replace an existing file
/// unless `overwrite`.
pub fn save_json<T: Serialize + ?Sized>(
    value: &T,
    path: impl AsRef<Path>,
    overwrite: bool,
) -> Result<()> {
    let path = path.as_ref();
    let mut json =
        serde_json::to_string_pretty(value).map_err(|e| GslError::io(path, io::Error::other(e)))?;
    json.push('\n');
    write_file_atomic(path, json.as_bytes(), overwrite)
}

/// Loads a value saved by [`save_json`]; [`GslError::Io`] if the file cannot be read,
/// [`GslError::Parse`] (with the line) if its content is not the expected JSON.
pub fn load_json<T: DeserializeOwned>(path: impl AsRef<Path>) -> Result<T> {
    let path = path.as_ref();
    let text = fs::read_to_string(path).map_err(|e| GslError::io(path, e))?;
    serde_json::from_str(&text).map_err(|e| GslError::Parse {
        path: path.to_path_buf(),
        line: Some(e.line()),
        message: e.to_string(),
    })
}
