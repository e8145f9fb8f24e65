//! The error type shared by every gsl crate.

use std::path::PathBuf;

/// Everything a caller of a gsl function can get wrong, grouped by kind.
#[derive(Debug, thiserror::Error)]
pub enum GslError {
    /// Two inputs (or an input and a parameter) disagree on a dimension.
    #[error("shape mismatch in {context}: expected {expected}, got {got}")]
    ShapeMismatch {
        /// Where the mismatch was found (function or argument name).
        context: String,
        /// The shape that was required.
        expected: String,
        /// The shape that was given.
        got: String,
    },
    /// A parameter is outside its valid range.
    #[error("invalid argument `{name}`: {reason}")]
    InvalidArgument {
        /// The parameter's name.
        name: String,
        /// Why the value is rejected.
        reason: String,
    },
    /// The operation needs at least one node (or edge) and got none.
    #[error("empty graph: {0}")]
    EmptyGraph(String),
    /// NaN or infinite values were found where finite numbers are required.
    #[error("non-finite input in {0}: NaN or infinite values are not allowed")]
    NonFinite(String),
    /// A node id is outside `0..num_nodes`.
    #[error("node id {id} out of range for a graph with {num_nodes} nodes")]
    NodeOutOfRange {
        /// The offending id.
        id: i64,
        /// The number of nodes of the graph.
        num_nodes: usize,
    },
    /// Reading or writing a file failed.
    #[error("I/O error on {path}: {source}")]
    Io {
        /// The file involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A file could be read but its content is malformed.
    #[error("parse error in {path}{}: {message}", line.map(|l| format!(" at line {l}")).unwrap_or_default())]
    Parse {
        /// The file involved.
        path: PathBuf,
        /// One-based line number, when the format has lines.
        line: Option<usize>,
        /// What is wrong.
        message: String,
    },
    /// A device or backend could not be used.
    #[error("device error: {0}")]
    Device(String),
    /// Training was stopped by the caller or failed to make progress.
    #[error("training error: {0}")]
    Training(String),
}

/// Result alias used across gsl.
pub type Result<T, E = GslError> = std::result::Result<T, E>;

impl GslError {
    /// Shorthand for [`GslError::InvalidArgument`].
    pub fn invalid(name: impl Into<String>, reason: impl Into<String>) -> Self {
        GslError::InvalidArgument {
            name: name.into(),
            reason: reason.into(),
        }
    }

    /// Shorthand for [`GslError::ShapeMismatch`].
    pub fn shape(
        context: impl Into<String>,
        expected: impl std::fmt::Display,
        got: impl std::fmt::Display,
    ) -> Self {
        GslError::ShapeMismatch {
            context: context.into(),
            expected: expected.to_string(),
            got: got.to_string(),
        }
    }

    /// Wraps an I/O error with the path it happened on.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        GslError::Io {
            path: path.into(),
            source,
        }
    }
}
