use std::path::{Path, PathBuf};

use serde_json::error::Category;

use crate::envelope::{version_message, VersionProbe};
use crate::Snapshot;

/// Why a snapshot could not be read. Every message starts with the file name
/// and says where in it the problem is: line and column for broken JSON, a
/// JSON path (with line and column) for a well-formed document of the wrong
/// shape.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{}: cannot read: {source}", .path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: {message}", .path.display())]
    Empty { path: PathBuf, message: String },
    #[error("{}:{line}:{column}: {message}", .path.display())]
    Syntax {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{}: at {json_path} (line {line}, column {column}): {message}", .path.display())]
    Data {
        path: PathBuf,
        json_path: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{}: {message}", .path.display())]
    Version { path: PathBuf, message: String },
}

/// Reads and validates a snapshot file.
pub fn load(path: &Path) -> Result<Snapshot, LoadError> {
    let bytes = std::fs::read(path).map_err(|source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    from_slice(&bytes, path)
}

/// Parses a snapshot from bytes; `path` only names the input in errors.
pub fn from_slice(bytes: &[u8], path: &Path) -> Result<Snapshot, LoadError> {
    let path = path.to_path_buf();
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(LoadError::Empty {
            path,
            message: "the file is empty, not a snapshot".into(),
        });
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let err = match serde_path_to_error::deserialize::<_, Snapshot>(&mut de) {
        Ok(s) => {
            return match de.end() {
                Ok(()) => Ok(s),
                Err(e) => Err(LoadError::Syntax {
                    path,
                    line: e.line(),
                    column: e.column(),
                    message: "unexpected data after the end of the snapshot object".into(),
                }),
            };
        }
        Err(e) => e,
    };
    let inner = err.inner();
    let (line, column) = (inner.line(), inner.column());
    let message = strip_position(&inner.to_string());
    match inner.classify() {
        Category::Eof => Err(LoadError::Syntax {
            path,
            line,
            column,
            message: format!("unexpected end of file ({message}): the file looks truncated"),
        }),
        Category::Syntax | Category::Io => Err(LoadError::Syntax {
            path,
            line,
            column,
            message: format!("not valid JSON: {message}"),
        }),
        Category::Data => {
            // A snapshot of another version may fail on its shape before the
            // version key is read; name the version instead of the symptom.
            let Ok(probe) = serde_json::from_slice::<VersionProbe>(bytes) else {
                return Err(LoadError::Version {
                    path,
                    message: "not an ibaudit snapshot: the top level must be a JSON object".into(),
                });
            };
            {
                match probe.ibaudit_snapshot {
                    Some(v) if v.as_u64() != Some(crate::SNAPSHOT_VERSION) => {
                        return Err(LoadError::Version {
                            path,
                            message: version_message(&v),
                        });
                    }
                    None => {
                        return Err(LoadError::Version {
                            path,
                            message: "not an ibaudit snapshot: the top-level `ibaudit_snapshot` version key is missing".into(),
                        });
                    }
                    _ => {}
                }
            }
            let json_path = match err.path().to_string() {
                p if p == "." || p.is_empty() => "the top level".to_string(),
                p => p,
            };
            Err(LoadError::Data {
                path,
                json_path,
                line,
                column,
                message,
            })
        }
    }
}

/// serde_json appends " at line L column C" to its messages; the position is
/// reported separately.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}
