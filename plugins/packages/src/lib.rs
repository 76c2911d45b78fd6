//! Rule packages as files: build and verify archives (SHA-256 manifest, ed25519 signature),
//! compare package versions (changed rules, bill impact over customer load files) and import
//! rates from other formats (OpenEI URDB).
//!
//! - [`archive`]: `pack`, `verify`, `sign`, `unpack`, keys (format: `docs/publishing.md`);
//! - [`versions`]: which version of a package is in force on a date (supersession);
//! - [`diff`]: changed rate lines between two packages and the bill impact per customer;
//! - [`urdb`]: OpenEI URDB rate JSON → `.vlx` package with a golden test.

pub mod archive;
pub mod diff;
pub mod hex;
pub mod tar;
pub mod urdb;
pub mod versions;

use std::path::Path;

/// Why an archive, key or import was refused.
#[derive(Debug, thiserror::Error)]
pub enum PackageError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The error.
        source: std::io::Error,
    },
    /// Not a well-formed rule archive.
    #[error("not a valid rule archive: {0}")]
    Archive(String),
    /// An entry that would escape the target folder or is not a regular file.
    #[error("refused, unsafe archive: {0}")]
    Unsafe(String),
    /// Content that does not match its MANIFEST.
    #[error("refused, the archive was tampered with: {0}")]
    Tampered(String),
    /// A missing or wrong signature.
    #[error("refused, signature: {0}")]
    BadSignature(String),
    /// A key file that cannot be used.
    #[error("key: {0}")]
    Key(String),
    /// Rules or a package that cannot be compared, billed or imported.
    #[error("{0}")]
    Other(String),
}

impl PackageError {
    fn io(path: &Path, source: std::io::Error) -> Self {
        PackageError::Io {
            path: path.display().to_string(),
            source,
        }
    }
}
