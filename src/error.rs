//! The crate's error type: a kind and, where there is one, a position. Never a value.

use std::fmt;
use std::path::PathBuf;

/// A specialised `Result` for omnilink.
pub type Result<T> = std::result::Result<T, Error>;

/// An error of omnilink. It names the kind, the file and the line or field, never the
/// identifier value that caused it.
#[derive(Debug)]
pub struct Error(Box<ErrorKind>);

/// What went wrong.
#[derive(Debug)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Reading or writing a file failed.
    Io {
        /// The file, when there is one.
        path: Option<PathBuf>,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// Input that cannot be read at all (not a record-level skip).
    Input {
        /// The file, when there is one.
        path: Option<PathBuf>,
        /// The 1-based line, when known.
        line: Option<u64>,
        /// What is wrong, without any value from the input.
        message: String,
    },
    /// A configuration that cannot be used.
    Config {
        /// What is wrong.
        message: String,
    },
    /// A saved state or model that cannot be loaded.
    Format {
        /// What is wrong.
        message: String,
    },
    /// A file of a state directory ([`crate::resolver::Resolver::open`]) is damaged in a way
    /// a crash cannot explain; nothing was loaded.
    Corrupt {
        /// The file.
        path: PathBuf,
        /// The byte offset of the damaged part (a journal frame's start), when known.
        offset: Option<u64>,
        /// What is wrong.
        message: String,
    },
    /// A state directory is already open, in this process or another.
    Locked {
        /// The directory.
        path: PathBuf,
    },
}

impl Error {
    /// The kind of error.
    pub fn kind(&self) -> &ErrorKind {
        &self.0
    }

    /// Consumes the error, returning its kind.
    pub fn into_kind(self) -> ErrorKind {
        *self.0
    }

    /// An I/O error on `path`.
    pub fn io(path: Option<PathBuf>, source: std::io::Error) -> Error {
        Error(Box::new(ErrorKind::Io { path, source }))
    }

    /// Unreadable input at `path`, `line`.
    pub fn input(path: Option<PathBuf>, line: Option<u64>, message: impl Into<String>) -> Error {
        Error(Box::new(ErrorKind::Input {
            path,
            line,
            message: message.into(),
        }))
    }

    /// An unusable configuration.
    pub fn config(message: impl Into<String>) -> Error {
        Error(Box::new(ErrorKind::Config {
            message: message.into(),
        }))
    }

    /// An unloadable saved state or model.
    pub fn format(message: impl Into<String>) -> Error {
        Error(Box::new(ErrorKind::Format {
            message: message.into(),
        }))
    }
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Error {
        Error(Box::new(kind))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &*self.0 {
            ErrorKind::Io {
                path: Some(p),
                source,
            } => write!(f, "{}: {source}", p.display()),
            ErrorKind::Io { path: None, source } => write!(f, "{source}"),
            ErrorKind::Input {
                path,
                line,
                message,
            } => {
                if let Some(p) = path {
                    write!(f, "{}", p.display())?;
                    if let Some(l) = line {
                        write!(f, ": line {l}")?;
                    }
                    write!(f, ": ")?;
                } else if let Some(l) = line {
                    write!(f, "line {l}: ")?;
                }
                f.write_str(message)
            }
            ErrorKind::Config { message } => write!(f, "configuration: {message}"),
            ErrorKind::Format { message } => write!(f, "format: {message}"),
            ErrorKind::Corrupt {
                path,
                offset,
                message,
            } => {
                write!(f, "{}: ", path.display())?;
                if let Some(o) = offset {
                    write!(f, "byte {o}: ")?;
                }
                f.write_str(message)
            }
            ErrorKind::Locked { path } => write!(
                f,
                "{}: the state directory is in use by another resolver (locked)",
                path.display()
            ),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &*self.0 {
            ErrorKind::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}
