//! Infrastructure as code read into the snapshot model: a second producer
//! beside the collector, with no AWS SDK. Terraform JSON plans
//! ([`terraform`]) and CloudFormation templates ([`cfn`]) become an
//! [`ir::IacModel`]; [`build`] applies it (onto a collected snapshot, with
//! `--snapshot`) and returns the snapshot the rules read, with the
//! provenance of every resource so findings point at the lines that cause
//! them.

pub mod build;
pub mod cfn;
pub mod ir;
pub mod position;
pub mod terraform;

use std::path::PathBuf;

/// Why an input could not be read: exit 2, with the file and the
/// line:column or JSON path.
#[derive(Debug, thiserror::Error)]
pub enum IacError {
    #[error("{file}: cannot read: {source}")]
    Io {
        file: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// `file:line:column: message` or `file: at <json path>: message`.
    #[error("{file}:{line}:{column}: {message}")]
    At {
        file: String,
        line: u32,
        column: u32,
        message: String,
    },
    #[error("{file}: at {path}: {message}")]
    Path {
        file: String,
        path: String,
        message: String,
    },
    #[error("{file}: {message}")]
    Input { file: String, message: String },
    #[error("{0}")]
    Usage(String),
}
