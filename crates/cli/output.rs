//! Where the report goes: standard output, or a file written atomically so
//! that a failed run never leaves a partial report behind.

use std::io::{self, Write};
use std::path::Path;

use anyhow::{Context, Result};

pub fn write_report(text: &str, path: Option<&Path>) -> Result<()> {
    match path {
        None => {
            let mut out = io::stdout().lock();
            match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
                // A reader that stopped reading (`| head`) is not an error.
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
                other => other.context("cannot write to standard output"),
            }
        }
        Some(path) => {
            let dir = match path.parent() {
                Some(d) if !d.as_os_str().is_empty() => d,
                _ => Path::new("."),
            };
            let mut tmp = tempfile::Builder::new()
                .prefix(".ibaudit-")
                .suffix(".tmp")
                .tempfile_in(dir)
                .with_context(|| {
                    format!(
                        "{}: cannot create a file in {}",
                        path.display(),
                        dir.display()
                    )
                })?;
            tmp.write_all(text.as_bytes())
                .and_then(|()| tmp.as_file().sync_all())
                .with_context(|| format!("{}: cannot write", path.display()))?;
            tmp.persist(path)
                .map_err(|e| e.error)
                .with_context(|| format!("{}: cannot replace", path.display()))?;
            Ok(())
        }
    }
}
