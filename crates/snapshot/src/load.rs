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
    /// The reason is in the message, not a separate source, so that an
    /// error chain does not print it twice.
    #[error("{}: cannot read: {error}", .path.display())]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("{}: {message}", .path.display())]
    Empty { path: PathBuf, message: String },
    #[error("{}: the file changed while it was being read; read it again once it is complete", .path.display())]
    Changed { path: PathBuf },
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
///
/// The file is read twice through one open handle: once in chunks, for the
/// checks that must pass before it is parsed (duplicated keys, nesting; see
/// [`crate::scan`]), and then streamed into the model. Neither read holds
/// the file's text: peak memory is the model's.
pub fn load(path: &Path) -> Result<Snapshot, LoadError> {
    let (mut file, meta) = match open(path)? {
        Opened::File(file, meta) => (file, meta),
        Opened::Read(bytes) => return from_bytes(bytes, path),
    };
    let len = meta.len() as usize;
    let scan = precheck(&mut file, len, path)?;
    rewind(&mut file, path)?;
    let snapshot = stream(&mut file, len, scan, path).map_err(|e| {
        as_whole_read(e, path, || {
            std::fs::read(path).ok().map(std::borrow::Cow::Owned)
        })
    })?;
    unchanged(&file, &meta, len, path)?;
    Ok(snapshot)
}

/// Reads and validates a snapshot file account by account: each account of
/// `accounts` is handed to `each` as soon as it is read, with the
/// organization block (wherever the file has it: the scan that runs first
/// finds it when it comes after the accounts), and dropped after. Returns
/// the rest of the snapshot, its `accounts` empty.
///
/// Memory is held to a budget per account ([`crate::memory`]): reading one
/// may grow the heap by at most [`crate::memory::GROWTH`] times the largest
/// account's size (the scan measures it), so peak memory is set by the
/// largest account and by what `each` keeps, not by the file. The rest of
/// the envelope has a budget of its own size; and the whole never grows
/// past [`load`]'s budget for the file, what `each` keeps included. A snapshot that fails to read
/// fails as [`load`] fails, with the same message; but `each` may have seen
/// the accounts before the failure.
pub fn load_each(
    path: &Path,
    mut each: impl FnMut(Option<&crate::Organization>, crate::Account),
) -> Result<Snapshot, LoadError> {
    let (mut file, meta) = match open(path)? {
        Opened::File(file, meta) => (file, meta),
        Opened::Read(bytes) => {
            let mut snapshot = from_bytes(bytes, path)?;
            for account in std::mem::take(&mut snapshot.accounts) {
                each(snapshot.organization.as_ref(), account);
            }
            return Ok(snapshot);
        }
    };
    let len = meta.len() as usize;
    // A read that keeps each response's text reads it whole: nothing of it
    // is spliced.
    let splice = !crate::response::keeping();
    let (scan, ranges) = precheck_splicing(&mut file, len, path, splice)?;
    let outer_growth = crate::memory::growth(len.saturating_sub(scan.accounts_len))
        .saturating_add(crate::memory::string_buffer(scan.longest_string));
    let mut account_growth = crate::memory::growth(scan.largest_account)
        .saturating_add(crate::memory::string_buffer(scan.longest_string));
    if crate::response::keeping() {
        // Each response's text is kept beside its model, and parsed by a
        // parser with a buffer of its own (see `stream`).
        account_growth = account_growth
            .saturating_add(scan.largest_account)
            .saturating_add(crate::memory::string_buffer(scan.longest_string));
    }
    // The budget of `load` for the whole file, as a ceiling.
    let mut ceiling_growth = crate::memory::growth(len)
        .saturating_add(crate::memory::string_buffer(scan.longest_string));
    if crate::response::keeping() {
        // As `stream`'s budget for a keeping read: the text on top.
        ceiling_growth = ceiling_growth
            .saturating_add(len)
            .saturating_add(crate::memory::string_buffer(scan.longest_string));
    }
    // Both reads count from the heap as it is now: the second must not
    // also be granted what `each` kept of the first (it would read twice
    // as far past the budget before it failed where the first did).
    let budget = Budget {
        start: crate::memory::live_bytes().unwrap_or(0),
        account_growth,
        outer_growth,
        ceiling_growth,
    };
    // First without tracking the JSON path: a snapshot that reads needs no
    // path, and keeping it costs a string per key read. Should the read
    // fail, it is read again with the path tracked, for the error that
    // names where; the accounts already handed to `each` are not handed
    // again.
    let mut handed = 0usize;
    crate::splice::begin();
    let fast = read_each(&mut file, path, scan, &budget, Some(ranges), &mut |o, a| {
        handed += 1;
        each(o, a)
    });
    crate::splice::note_read(fast.is_ok());
    let snapshot = match fast {
        Ok(snapshot) => snapshot,
        Err(_) => {
            let mut skip = handed;
            read_each(&mut file, path, scan, &budget, None, &mut |o, a| {
                if skip > 0 {
                    skip -= 1;
                } else {
                    each(o, a)
                }
            })?
        }
    };
    unchanged(&file, &meta, len, path)?;
    Ok(snapshot)
}

/// The memory budget of a read account by account (see [`load_each`]).
struct Budget {
    /// The heap in use before the first read.
    start: usize,
    account_growth: usize,
    outer_growth: usize,
    /// The growth [`load`] allows the whole file.
    ceiling_growth: usize,
}

/// One read of `file` for [`load_each`], from its start. With `fast` (the
/// items the scan found to splice), untracked and splicing: a failure is
/// only that, its message is the tracked read's. Without, tracked and
/// streamed.
fn read_each(
    file: &mut std::fs::File,
    path: &Path,
    scan: Scan,
    budget: &Budget,
    fast: Option<crate::splice::Ranges>,
    each: &mut dyn FnMut(Option<&crate::Organization>, crate::Account),
) -> Result<Snapshot, LoadError> {
    // An organization block after the accounts is read first, on its own:
    // the accounts' audit needs its id. Should it not read, the read in its
    // place fails and says why.
    let organization = match scan.organization_after_accounts {
        Some((start, end)) => read_organization(file, start, end, budget.outer_growth),
        None => None,
    };
    rewind(file, path)?;
    match fast {
        Some(ranges) if ranges.len() > 0 => {
            let reader = crate::splice::Splice::new(&mut *file, ranges);
            crate::splice::splicing(|| read_stream(reader, path, budget, false, organization, each))
        }
        Some(_) => read_stream(&mut *file, path, budget, false, organization, each),
        None => read_stream(&mut *file, path, budget, true, organization, each),
    }
}

/// The read of [`read_each`], from `reader`.
fn read_stream(
    reader: impl std::io::Read,
    path: &Path,
    budget: &Budget,
    tracked: bool,
    organization: Option<crate::Organization>,
    each: &mut dyn FnMut(Option<&crate::Organization>, crate::Account),
) -> Result<Snapshot, LoadError> {
    let reader = crate::memory::budgeted(reader);
    let start = budget.start;
    let ceiling = start.saturating_add(budget.ceiling_growth);
    let limit = start.saturating_add(budget.outer_growth).min(ceiling);
    crate::memory::with_limit(limit, || {
        let mut de = serde_json::Deserializer::from_reader(reader);
        let seed = crate::envelope::Streamed {
            organization,
            each,
            account_growth: budget.account_growth,
            outer_growth: budget.outer_growth,
            ceiling,
        };
        if !tracked {
            use serde::de::DeserializeSeed;
            let read = seed.deserialize(&mut de).and_then(|s| de.end().map(|()| s));
            return read.map_err(|e| LoadError::Syntax {
                path: path.to_path_buf(),
                line: e.line(),
                column: e.column(),
                message: "not read".into(),
            });
        }
        parse_with(&mut de, seed, path, None).map_err(|e| {
            as_whole_read(e, path, || {
                std::fs::read(path).ok().map(std::borrow::Cow::Owned)
            })
        })
    })
}

/// The top-level `organization` value at `start..end` of `file`, if it reads.
fn read_organization(
    file: &mut std::fs::File,
    start: usize,
    end: usize,
    growth: usize,
) -> Option<crate::Organization> {
    use std::io::{Read, Seek, SeekFrom};
    file.seek(SeekFrom::Start(start as u64)).ok()?;
    let reader = crate::memory::budgeted(file.take((end - start) as u64));
    let limit = crate::memory::live_bytes()
        .unwrap_or(0)
        .saturating_add(growth);
    crate::memory::with_limit(limit, || {
        serde_json::from_reader::<_, Option<crate::Organization>>(reader).ok()
    })
    .flatten()
}

enum Opened {
    /// A regular file, which can be read twice.
    File(std::fs::File, std::fs::Metadata),
    /// A pipe or device, read whole.
    Read(Vec<u8>),
}

fn open(path: &Path) -> Result<Opened, LoadError> {
    use std::io::Read;
    let io = |error| LoadError::Io {
        path: path.to_path_buf(),
        error,
    };
    let mut file = std::fs::File::open(path).map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    if meta.is_file() {
        return Ok(Opened::File(file, meta));
    }
    // Only a regular file can be read a second time; a pipe or device is
    // parsed from the bytes read.
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).map_err(io)?;
    Ok(Opened::Read(bytes))
}

fn rewind(file: &mut std::fs::File, path: &Path) -> Result<(), LoadError> {
    use std::io::Seek;
    file.rewind().map_err(|error| LoadError::Io {
        path: path.to_path_buf(),
        error,
    })
}

/// The checks hold for the text that was checked: a file rewritten in
/// place between the two reads (a collector still writing it) is refused.
fn unchanged(
    file: &std::fs::File,
    before: &std::fs::Metadata,
    len: usize,
    path: &Path,
) -> Result<(), LoadError> {
    let now = file.metadata().map_err(|error| LoadError::Io {
        path: path.to_path_buf(),
        error,
    })?;
    if now.len() != len as u64 || now.modified().ok() != before.modified().ok() {
        return Err(LoadError::Changed {
            path: path.to_path_buf(),
        });
    }
    Ok(())
}

/// Parses a snapshot held in memory (standard input); `path` only names the
/// input in errors.
pub fn from_bytes(bytes: Vec<u8>, path: &Path) -> Result<Snapshot, LoadError> {
    let scan = precheck(std::io::Cursor::new(&bytes[..]), bytes.len(), path)?;
    stream(&bytes[..], bytes.len(), scan, path)
        .map_err(|e| as_whole_read(e, path, || Some(std::borrow::Cow::Borrowed(&bytes[..]))))
}

/// Reads and validates a snapshot file, keeping each operation response's
/// exact JSON text beside its typed model, so that writing the snapshot
/// writes back everything the file held (fields the model does not name
/// included). For `merge`; an audit reads with [`load`], which keeps only the
/// typed model and so costs no memory for fields nobody reads.
pub fn load_keeping(path: &Path) -> Result<Snapshot, LoadError> {
    crate::response::keeping_raw(|| load(path))
}

/// [`load_each`], keeping each operation response's JSON text (see
/// [`load_keeping`]): an account handed to `each` writes back everything
/// the file held of it.
pub fn load_each_keeping(
    path: &Path,
    each: impl FnMut(Option<&crate::Organization>, crate::Account),
) -> Result<Snapshot, LoadError> {
    crate::response::keeping_raw(|| load_each(path, each))
}

/// One account, as a snapshot's `accounts` holds it, read from `bytes`
/// keeping each operation response's JSON text: an account written out by
/// ibaudit and read back (a spool). Nothing else is checked: the text is
/// ibaudit's own.
pub fn account_from_slice_keeping(bytes: &[u8]) -> serde_json::Result<crate::Account> {
    crate::response::keeping_raw(|| serde_json::from_slice(bytes))
}

/// [`from_bytes`], keeping each operation response's JSON text (see
/// [`load_keeping`]).
pub fn from_bytes_keeping(bytes: Vec<u8>, path: &Path) -> Result<Snapshot, LoadError> {
    crate::response::keeping_raw(|| from_bytes(bytes, path))
}

/// [`from_slice`], keeping each operation response's JSON text (see
/// [`load_keeping`]).
pub fn from_slice_keeping(bytes: &[u8], path: &Path) -> Result<Snapshot, LoadError> {
    crate::response::keeping_raw(|| from_slice(bytes, path))
}

/// Parses a snapshot from bytes; `path` only names the input in errors.
/// No memory budget: for callers that hold the text anyway.
pub fn from_slice(bytes: &[u8], path: &Path) -> Result<Snapshot, LoadError> {
    precheck(std::io::Cursor::new(bytes), bytes.len(), path)?;
    parse(
        serde_json::Deserializer::from_slice(bytes),
        path,
        Some(bytes),
    )
}

/// Streams `len` bytes of snapshot from `reader` into the model, within the
/// memory budget ([`crate::memory`]). `scan` is what [`precheck`] found.
fn stream(
    reader: impl std::io::Read,
    len: usize,
    scan: Scan,
    path: &Path,
) -> Result<Snapshot, LoadError> {
    let start = crate::memory::live_bytes().unwrap_or(0);
    // The parser's string buffer comes on top of the model. Keeping each
    // response's text (merge) costs the file's size on top, and each
    // response is then parsed from its text by a parser of its own, with a
    // buffer of its own beside the outer one.
    let mut buffer = crate::memory::string_buffer(scan.longest_string);
    let mut kept = 0;
    if crate::response::keeping() {
        kept = len;
        buffer = buffer.saturating_mul(2);
    }
    let limit = crate::memory::limit(start, len)
        .saturating_add(buffer)
        .saturating_add(kept);
    let reader = crate::memory::budgeted(reader);
    crate::memory::with_limit(limit, || {
        parse(serde_json::Deserializer::from_reader(reader), path, None)
    })
}

/// A failed streamed read's error, as a read of the whole text reports it:
/// a streamed read places some errors one column further, and only the
/// whole text tells a snapshot of another version. Only a failed read pays
/// for it; a refusal over the memory budget (also in a response kept as
/// text, for merge) stands without reading the text again.
fn as_whole_read<'a>(
    streamed: LoadError,
    path: &Path,
    text: impl FnOnce() -> Option<std::borrow::Cow<'a, [u8]>>,
) -> LoadError {
    if matches!(&streamed, LoadError::Data { message, .. } if message.contains(crate::memory::REFUSAL))
    {
        return streamed;
    }
    match text() {
        Some(bytes) => from_slice(&bytes, path).err().unwrap_or(streamed),
        None => streamed,
    }
}

/// What must hold before the document is parsed: it is not empty, no object
/// has the same key twice, nothing is nested too deep. `src` is read from
/// its start, in chunks ([`crate::scan`]); `len` is its size.
fn precheck<R: std::io::Read + std::io::Seek>(
    src: R,
    len: usize,
    path: &Path,
) -> Result<Scan, LoadError> {
    precheck_splicing(src, len, path, false).map(|(scan, _)| scan)
}

/// [`precheck`], also finding the items a read may splice when `splice`
/// ([`crate::splice`]).
fn precheck_splicing<R: std::io::Read + std::io::Seek>(
    src: R,
    len: usize,
    path: &Path,
    splice: bool,
) -> Result<(Scan, crate::splice::Ranges), LoadError> {
    let path = path.to_path_buf();
    // Duplicated keys first: once parsed, the second copy has replaced (or
    // been dropped for) the first, and nothing says so.
    let (flaw, line, column) = match crate::scan::scan_splicing(src, len, splice) {
        Ok((scan, _)) if scan.empty => {
            return Err(LoadError::Empty {
                path,
                message: "the file is empty, not a snapshot".into(),
            })
        }
        Ok(found) => return Ok(found),
        Err(crate::scan::Stop::Io(error)) => return Err(LoadError::Io { path, error }),
        Err(crate::scan::Stop::Flaw(flaw, line, column)) => (flaw, line, column),
    };
    let (json_path, message) = match flaw {
        Flaw::Duplicate { path, key, .. } => (
            path,
            format!(
                "duplicate key {key:?}: the same key twice in one object is ambiguous \
                 (JSON readers disagree on which copy wins)"
            ),
        ),
        Flaw::TooDeep { path, .. } => (path, format!("nested deeper than {MAX_DEPTH} levels")),
    };
    Err(LoadError::Data {
        path,
        json_path: shown_path(json_path),
        line,
        column,
        message,
    })
}

/// Parses the snapshot from `de`; on a shape error, `text` (the whole
/// document, where it is at hand) tells whether it is a snapshot of another
/// version.
fn parse<'de, R: serde_json::de::Read<'de>>(
    mut de: serde_json::Deserializer<R>,
    path: &Path,
    text: Option<&[u8]>,
) -> Result<Snapshot, LoadError> {
    parse_with(&mut de, std::marker::PhantomData::<Snapshot>, path, text)
}

/// [`parse`], reading the snapshot through `seed`.
fn parse_with<'de, R, S>(
    de: &mut serde_json::Deserializer<R>,
    seed: S,
    path: &Path,
    text: Option<&[u8]>,
) -> Result<Snapshot, LoadError>
where
    R: serde_json::de::Read<'de>,
    S: serde::de::DeserializeSeed<'de, Value = Snapshot>,
{
    let path = path.to_path_buf();
    let mut track = serde_path_to_error::Track::new();
    let read = seed.deserialize(serde_path_to_error::Deserializer::new(&mut *de, &mut track));
    let read = read.map_err(|e| serde_path_to_error::Error::new(track.path(), e));
    let err = match read {
        Ok(s) => {
            // Looking for the end reads the file too: the budget is checked
            // there as well, and a failure there is not data after the end.
            return match de.end() {
                Ok(()) => Ok(s),
                Err(e) if e.classify() == Category::Io => {
                    Err(io_failure(path, "the top level".to_string(), e))
                }
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
    if err.inner().classify() == Category::Io {
        let json_path = shown_path(err.path().to_string());
        return Err(io_failure(path, json_path, err.into_inner()));
    }
    let inner = err.inner();
    let (line, column) = (inner.line(), inner.column());
    let message = crate::response::strip_position(&inner.to_string());
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
            // Without the text (a streamed read), the error stands as it is.
            let probe = text.map(|b| serde_json::from_slice::<VersionProbe>(b).ok());
            match probe {
                Some(None) => {
                    return Err(LoadError::Version {
                        path,
                        message: "not an ibaudit snapshot: the top level must be a JSON object"
                            .into(),
                    });
                }
                Some(Some(probe)) => match probe.ibaudit_snapshot {
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
                },
                None => {}
            }
            Err(LoadError::Data {
                path,
                json_path: shown_path(err.path().to_string()),
                line,
                column,
                message,
            })
        }
    }
}

/// A failed read of the file while parsing: over the memory budget, the
/// budget's refusal at `json_path` and the position where the parser
/// stood; any other failure as the parser reports it.
fn io_failure(path: PathBuf, json_path: String, e: serde_json::Error) -> LoadError {
    let (line, column) = (e.line(), e.column());
    if e.io_error_kind() != Some(std::io::ErrorKind::OutOfMemory) {
        return LoadError::Syntax {
            path,
            line,
            column,
            message: format!(
                "not valid JSON: {}",
                crate::response::strip_position(&e.to_string())
            ),
        };
    }
    // The reader knows where the parser stood when the budget ran out, also
    // where the parser does not say (once the document has been read).
    let (line, column) = match crate::memory::OverBudget::of(&std::io::Error::from(e)) {
        Some(at) => (at.line, at.column),
        None => (line, column),
    };
    LoadError::Data {
        path,
        json_path,
        line,
        column,
        message: crate::memory::REFUSAL.to_string(),
    }
}

/// A JSON path as messages show it: the root (`.` to serde_path_to_error,
/// empty to the duplicate-key scan) is "the top level".
fn shown_path(p: String) -> String {
    if p == "." || p.is_empty() {
        "the top level".to_string()
    } else {
        p
    }
}

pub(crate) use crate::scan::{Flaw, Scan, MAX_DEPTH};

/// 1-based line and column (in bytes, as serde_json counts) of `offset`.
#[cfg(test)]
pub(crate) fn position(bytes: &[u8], offset: usize) -> (usize, usize) {
    let before = &bytes[..offset.min(bytes.len())];
    let line = 1 + memchr::memchr_iter(b'\n', before).count();
    let column = 1 + before.len() - memchr::memrchr(b'\n', before).map_or(0, |n| n + 1);
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(bytes: &[u8]) -> Result<Scan, Flaw> {
        match crate::scan::scan(bytes) {
            Ok(scan) => Ok(scan),
            Err(crate::scan::Stop::Flaw(flaw, ..)) => Err(flaw),
            Err(crate::scan::Stop::Io(e)) => panic!("{e}"),
        }
    }

    fn find_flaw(bytes: &[u8]) -> Result<(), Flaw> {
        scan(bytes).map(|_| ())
    }

    fn load_str(text: &str) -> Result<Snapshot, LoadError> {
        from_slice(text.as_bytes(), Path::new("s.json"))
    }

    /// A valid snapshot with `region` spliced into its one region object.
    fn with_region(region: &str) -> String {
        format!(
            r#"{{"ibaudit_snapshot": 1, "collected_at": "2026-11-26T07:00:00Z",
  "accounts": [{{"account_id": "111122223333", "regions": [{{"region": "us-east-1", {region}}}]}}]}}"#
        )
    }

    fn data_error(text: &str) -> (String, usize, usize, String) {
        match load_str(text) {
            Err(LoadError::Data {
                json_path,
                line,
                column,
                message,
                ..
            }) => (json_path, line, column, message),
            other => panic!("expected a data error, got {other:?}\n{text}"),
        }
    }

    #[test]
    fn a_second_errors_list_cannot_hide_the_first() {
        let text = with_region(
            r#""errors": [{"operation": "DescribeVpcs", "code": "AccessDenied"}], "errors": []"#,
        );
        let (path, line, column, message) = data_error(&text);
        assert_eq!(path, "accounts[0].regions[0].errors");
        assert_eq!((line, column), (2, 150));
        assert!(
            message.starts_with(r#"duplicate key "errors": "#),
            "{message}"
        );
        assert!(message.contains("JSON readers disagree"), "{message}");
    }

    #[test]
    fn duplicates_are_found_at_every_level() {
        let envelope = r#"{"ibaudit_snapshot": 1, "collected_at": "2026-11-26T07:00:00Z",
          "accounts": [], "accounts": []}"#;
        assert_eq!(data_error(envelope).0, "accounts");
        let unknown_top = r#"{"ibaudit_snapshot": 1, "collected_at": "2026-11-26T07:00:00Z",
          "accounts": [], "x": {"y": [0, {"z": 1, "z": 2}]}}"#;
        assert_eq!(data_error(unknown_top).0, "x.y[1].z");
        let account = r#"{"ibaudit_snapshot": 1, "collected_at": "2026-11-26T07:00:00Z",
          "accounts": [{"account_id": "111122223333", "partition": "aws", "partition": "aws-cn", "regions": []}]}"#;
        assert_eq!(data_error(account).0, "accounts[0].partition");
        for (region, path) in [
            (
                r#""GetTrailStatus": {"arn:t": {"IsLogging": false}, "arn:t": {"IsLogging": true}}"#,
                "accounts[0].regions[0].GetTrailStatus.arn:t",
            ),
            (
                r#""DescribeVpcEndpoints": {"VpcEndpoints": [{"VpcEndpointId": "vpce-1", "VpcEndpointId": "vpce-2"}]}"#,
                "accounts[0].regions[0].DescribeVpcEndpoints.VpcEndpoints[0].VpcEndpointId",
            ),
            (
                r#""DescribeVpcs": {"Vpcs": [], "Unknown": {"a": 1, "a": 1}}"#,
                "accounts[0].regions[0].DescribeVpcs.Unknown.a",
            ),
            (
                r#""errors": [{"operation": "DescribeVpcs", "code": "AccessDenied", "code": "X"}]"#,
                "accounts[0].regions[0].errors[0].code",
            ),
            (r#""region": "us-east-2""#, "accounts[0].regions[0].region"),
        ] {
            assert_eq!(data_error(&with_region(region)).0, path, "{region}");
        }
    }

    #[test]
    fn escaped_and_plain_spellings_of_a_key_are_the_same_key() {
        for pair in [
            r#""a": 1, "\u0061": 2"#,
            r#""é": 1, "\u00e9": 2"#,
            r#""😀": 1, "\ud83d\ude00": 2"#,
            r#""a/b": 1, "a\/b": 2"#,
            r#""\n": 1, "\u000a": 2"#,
        ] {
            let text = with_region(&format!(r#""X": {{{pair}}}"#));
            let (path, ..) = data_error(&text);
            assert!(
                path.starts_with("accounts[0].regions[0].X."),
                "{pair}: {path}"
            );
        }
        for distinct in [
            r#""a": 1, "A": 2"#,
            r#""a": 1, "a ": 2"#,
            r#""a": 1, "\u0062": 2"#,
            r#""\ud83d": 1, "\ude00": 2"#,
        ] {
            let text = with_region(&format!(r#""X": {{{distinct}}}"#));
            load_str(&text).unwrap_or_else(|e| panic!("{distinct}: {e}"));
        }
    }

    #[test]
    fn wide_objects_are_checked_whole() {
        let keys: Vec<String> = (0..1000).map(|i| format!(r#""k{i}": {i}"#)).collect();
        let text = with_region(&format!(r#""X": {{{}}}"#, keys.join(", ")));
        load_str(&text).unwrap();
        let text = with_region(&format!(r#""X": {{{}, "k17": 0}}"#, keys.join(", ")));
        assert_eq!(data_error(&text).0, "accounts[0].regions[0].X.k17");
        // The same key in sibling objects is not a duplicate.
        let text = with_region(r#""X": [{"a": 1}, {"a": 1}], "Y": {"a": {"a": {"a": 1}}}"#);
        load_str(&text).unwrap();
    }

    #[test]
    fn deep_nesting_is_an_input_error_everywhere() {
        let deep = format!("{}{}", "[".repeat(200_000), "]".repeat(200_000));
        let text = with_region(&format!(r#""X": {deep}"#));
        let (path, _, _, message) = data_error(&text);
        assert_eq!(message, "nested deeper than 128 levels");
        assert!(path.starts_with("accounts[0].regions[0].X[0][0]"), "{path}");
        // Just under the limit is fine.
        let ok = format!("{}{}", "[".repeat(120), "]".repeat(120));
        load_str(&with_region(&format!(r#""X": {ok}"#))).unwrap();
    }

    #[test]
    fn malformed_documents_keep_the_parsers_message() {
        for (text, line, column) in [
            ("{\"a\": 1, \"a\": ", 1, 14),
            ("{\"ibaudit_snapshot\": 1,\n \"a\" 1}", 2, 6),
            ("{\"a\": \"\\", 1, 8),
        ] {
            match load_str(text) {
                Err(LoadError::Syntax {
                    line: l, column: c, ..
                }) => assert_eq!((l, c), (line, column), "{text}"),
                other => panic!("{text}: {other:?}"),
            }
        }
    }

    #[test]
    fn the_scan_never_panics_on_fragments() {
        let doc = with_region(
            r#""X": {"a\"b": [1, -2.5e3, true, null, "s\\"], "\u00e9\ud83d\ude00": {}}, "Y": []"#,
        );
        for end in 0..=doc.len() {
            let _ = find_flaw(&doc.as_bytes()[..end]);
            let _ = find_flaw(&doc.as_bytes()[end..]);
        }
        assert_eq!(find_flaw(doc.as_bytes()), Ok(()));
    }

    #[test]
    fn the_scan_measures_the_longest_string_as_decoded() {
        let long = r#""a\"b\\c\u00e9\u20ac\ud83d\ude00\n\/x""#;
        let decoded: String = serde_json::from_str(long).unwrap();
        let doc = format!(r#"{{"k": "abc", "some key": {long}, "x": ["\u0041", 1.5]}}"#);
        assert_eq!(scan(doc.as_bytes()).unwrap().longest_string, decoded.len());
        // Keys are strings too.
        let doc = r#"{"a longer key than any value": "v"}"#;
        let key = "a longer key than any value".len();
        assert_eq!(scan(doc.as_bytes()).unwrap().longest_string, key);
        // Fragments never panic.
        for end in 0..long.len() {
            let _ = scan(&long.as_bytes()[..end]);
        }
    }

    #[test]
    fn unknown_keys_round_trip_as_written() {
        let text = r#"{"ibaudit_snapshot": 1, "collected_at": "2026-11-26T07:00:00Z", "accounts": [],
          "future": {"b": 1e400, "a": [1.0, "\u00e9"]}}"#;
        let s = load_str(text).unwrap();
        assert_eq!(
            s.extra.raw("future").unwrap().get(),
            r#"{"b": 1e400, "a": [1.0, "\u00e9"]}"#
        );
        let written = serde_json::to_string(&s).unwrap();
        assert!(
            written.ends_with(r#","future":{"b": 1e400, "a": [1.0, "\u00e9"]}}"#),
            "{written}"
        );
    }
}
