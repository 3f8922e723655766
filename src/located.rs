//! Errors in the YAML files a user writes (scope files, allowed-failures files), named by
//! file, line and column with a hint on how to fix them, so that every loader reports a
//! mistake the same way and `run` can exit 2 with a message that points at it.

use std::fmt;
use std::path::{Path, PathBuf};

use serde_saphyr::Location;

/// A file that cannot be used, with the place (line 0: the file as a whole) and a hint.
#[derive(Debug)]
pub struct LocatedError {
    pub path: PathBuf,
    pub line: u64,
    pub column: u64,
    pub message: String,
    pub hint: Option<String>,
}

impl LocatedError {
    /// A mistake at `at`.
    pub fn at(path: &Path, at: Location, message: String, hint: &str) -> Self {
        Self {
            path: path.to_owned(),
            line: at.line(),
            column: at.column(),
            message,
            hint: Some(hint.to_owned()),
        }
    }

    /// The file could not be read at all.
    pub fn unreadable(path: &Path, what: &str, error: &std::io::Error, hint: &str) -> Self {
        Self {
            path: path.to_owned(),
            line: 0,
            column: 0,
            message: format!("cannot read {what}: {error}"),
            hint: Some(hint.to_owned()),
        }
    }

    /// The YAML parser's error (syntax, unknown or duplicate keys, wrong types), at its place.
    pub fn yaml(path: &Path, error: &serde_saphyr::Error, hint: &str) -> Self {
        let location = error.location();
        // serde-saphyr appends a source snippet to its messages; we print our own position.
        let message = error.to_string();
        Self {
            path: path.to_owned(),
            line: location.map_or(0, |l| l.line()),
            column: location.map_or(0, |l| l.column()),
            message: message.lines().next().unwrap_or(&message).trim().to_owned(),
            hint: Some(hint.to_owned()),
        }
    }
}

impl fmt::Display for LocatedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if self.line > 0 {
            write!(f, ":{}:{}", self.line, self.column)?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for LocatedError {}
