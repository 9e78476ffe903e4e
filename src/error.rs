//! The library's one error type: a variant per kind of bad input, so a caller can
//! `match` on what went wrong instead of parsing a message.

use std::path::{Path, PathBuf};

/// What went wrong, by kind. The message ([`Display`](std::fmt::Display)) is one line, and
/// names the file (and the CSV line) where there is one; an I/O failure keeps its
/// [`std::io::Error`] as its [`source`](std::error::Error::source).
///
/// ```
/// use stance::{read_labelled, Columns, Error};
/// let e = read_labelled(&["no/such/file.csv".into()], &Columns::default()).unwrap_err();
/// assert!(matches!(e, Error::Io { .. }));
/// assert_eq!(e.to_string(), "no/such/file.csv: cannot read");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file or directory could not be read, listed, opened or written. `what` names
    /// it and what was being done ("data.csv: cannot read").
    #[error("{what}")]
    Io {
        /// The file and what was being done, the whole message.
        what: String,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// A labelled CSV file (or CSV bytes) is malformed: its encoding, its header, a row.
    #[error("{}{}{message}", prefix(path.as_deref()), line.map(|l| format!("line {l}: ")).unwrap_or_default())]
    Csv {
        /// The file, when the rows came from one.
        path: Option<PathBuf>,
        /// The line the problem is on (1 is the header), when it is on one.
        line: Option<u64>,
        /// What is wrong.
        message: String,
    },
    /// The rows cannot train a model: none, one label, more labels than the cap, texts
    /// and labels of different lengths, a directory without CSV files.
    #[error("{0}")]
    Data(String),
    /// A directory holds none of the files asked for (`.csv` to train on, `.txt` or
    /// `.html` to classify).
    #[error("{0}")]
    NoFiles(String),
    /// A setting is out of its range (a flag of `stance train`, `cv` or `classify`).
    #[error("{0}")]
    Setting(String),
    /// A model file (or model bytes) is not a stance model, or is truncated, corrupted,
    /// of another format version, over a cap, or inconsistent.
    #[error("{}{message}", prefix(path.as_deref()))]
    Model {
        /// The file, when the model came from one.
        path: Option<PathBuf>,
        /// What is wrong.
        message: String,
    },
    /// A semantic block's word-vector table is damaged or does not match the model.
    #[error("{}{message}", prefix(path.as_deref()))]
    Embedding {
        /// The table's file, when it came from one.
        path: Option<PathBuf>,
        /// What is wrong.
        message: String,
    },
    /// Training could not run: over its memory budget, or the solver failed.
    #[error("{0}")]
    Fit(String),
    /// Writing the records to the caller's writer failed (a closed pipe, a full disk).
    #[error("cannot write the output")]
    Write(#[source] std::io::Error),
    /// The worker threads could not be started.
    #[error("cannot start worker threads: {0}")]
    Threads(String),
    /// A model cannot be written to this path (a directory, a missing directory, one
    /// of the training files).
    #[error("{0}")]
    Output(String),
}

/// `path: `, or nothing.
fn prefix(path: Option<&Path>) -> String {
    path.map(|p| format!("{}: ", p.display()))
        .unwrap_or_default()
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub(crate) fn io(what: impl Into<String>, source: std::io::Error) -> Error {
        Error::Io {
            what: what.into(),
            source,
        }
    }

    pub(crate) fn csv(line: Option<u64>, message: impl Into<String>) -> Error {
        Error::Csv {
            path: None,
            line,
            message: message.into(),
        }
    }

    pub(crate) fn model(message: impl Into<String>) -> Error {
        Error::Model {
            path: None,
            message: message.into(),
        }
    }

    pub(crate) fn embedding(message: impl Into<String>) -> Error {
        Error::Embedding {
            path: None,
            message: message.into(),
        }
    }

    /// The same error, said of the file `file` (when it names no file yet).
    pub(crate) fn in_file(self, file: &Path) -> Error {
        match self {
            Error::Csv {
                path: None,
                line,
                message,
            } => Error::Csv {
                path: Some(file.to_path_buf()),
                line,
                message,
            },
            Error::Model {
                path: None,
                message,
            } => Error::Model {
                path: Some(file.to_path_buf()),
                message,
            },
            Error::Embedding {
                path: None,
                message,
            } => Error::Embedding {
                path: Some(file.to_path_buf()),
                message,
            },
            e => e,
        }
    }

    /// The same error, its message after `before` (`"{before}: {message}"`).
    pub(crate) fn prefixed(self, before: &str) -> Error {
        let p = |m: String| format!("{before}: {m}");
        match self {
            Error::Io { what, source } => Error::Io {
                what: p(what),
                source,
            },
            Error::Csv {
                path,
                line,
                message,
            } => Error::Csv {
                path,
                line,
                message: p(message),
            },
            Error::Model { path, message } => Error::Model {
                path,
                message: p(message),
            },
            Error::Embedding { path, message } => Error::Embedding {
                path,
                message: p(message),
            },
            Error::Data(m) => Error::Data(p(m)),
            Error::NoFiles(m) => Error::NoFiles(p(m)),
            Error::Setting(m) => Error::Setting(p(m)),
            Error::Fit(m) => Error::Fit(p(m)),
            Error::Output(m) => Error::Output(p(m)),
            e @ (Error::Write(_) | Error::Threads(_)) => e,
        }
    }

    /// The message with its causes, on one line (`what: cause: cause`).
    pub fn full_message(&self) -> String {
        let mut s = self.to_string();
        let mut cause = std::error::Error::source(self);
        while let Some(c) = cause {
            s.push_str(": ");
            s.push_str(&c.to_string());
            cause = c.source();
        }
        s.replace(['\n', '\r'], " ")
    }
}

/// Prints a warning on stderr (ignoring a failure to: a warning must not end the run).
pub(crate) fn warn(msg: &str) {
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "stance: warning: {}",
        msg.replace(['\n', '\r'], " ")
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_named_once_and_the_line_after_it() {
        let e = Error::csv(Some(3), "empty label").in_file(Path::new("a.csv"));
        assert_eq!(e.to_string(), "a.csv: line 3: empty label");
        // Said of a second file, it still names the first.
        let e = e.in_file(Path::new("b.csv"));
        assert_eq!(e.to_string(), "a.csv: line 3: empty label");
        assert_eq!(
            Error::csv(None, "file is empty").to_string(),
            "file is empty"
        );
    }

    #[test]
    fn the_full_message_has_the_io_cause() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "gone");
        let e = Error::io("m.model: cannot read model", io);
        assert_eq!(e.to_string(), "m.model: cannot read model");
        assert_eq!(e.full_message(), "m.model: cannot read model: gone");
        assert!(
            matches!(e, Error::Io { ref source, .. } if source.kind() == std::io::ErrorKind::NotFound)
        );
    }
}
