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
/// The file is read twice through one open handle: once whole, for the
/// checks that need random access (duplicated keys, nesting), and then
/// streamed into the model, so that the file's text and the model are never
/// in memory together: peak memory is the larger of the two, not their sum.
pub fn load(path: &Path) -> Result<Snapshot, LoadError> {
    use std::io::{Read, Seek};
    let io = |error| LoadError::Io {
        path: path.to_path_buf(),
        error,
    };
    let mut file = std::fs::File::open(path).map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    let mut bytes = Vec::with_capacity(if meta.is_file() {
        meta.len() as usize
    } else {
        0
    });
    file.read_to_end(&mut bytes).map_err(io)?;
    // Only a regular file can be read a second time; a pipe or device is
    // parsed from the bytes already read.
    if !meta.is_file() {
        return from_bytes(bytes, path);
    }
    let scan = precheck(&bytes, path)?;
    let len = bytes.len();
    drop(bytes);
    file.rewind().map_err(io)?;
    let snapshot = stream(&mut file, len, scan, path).map_err(|e| {
        as_whole_read(e, path, || {
            std::fs::read(path).ok().map(std::borrow::Cow::Owned)
        })
    })?;
    // The checks hold for the text that was checked: a file rewritten in
    // place between the two reads (a collector still writing it) is refused.
    let now = file.metadata().map_err(io)?;
    if now.len() != len as u64 || now.modified().ok() != meta.modified().ok() {
        return Err(LoadError::Changed {
            path: path.to_path_buf(),
        });
    }
    Ok(snapshot)
}

/// Parses a snapshot held in memory (standard input); `path` only names the
/// input in errors.
pub fn from_bytes(bytes: Vec<u8>, path: &Path) -> Result<Snapshot, LoadError> {
    let scan = precheck(&bytes, path)?;
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
    precheck(bytes, path)?;
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

/// What [`precheck`] learned of a document that the streamed read needs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Scan {
    /// The length, decoded, of the longest string or key (upper bound).
    pub longest_string: usize,
}

/// What must hold before the document is parsed: it is not empty, no object
/// has the same key twice, nothing is nested too deep.
fn precheck(bytes: &[u8], path: &Path) -> Result<Scan, LoadError> {
    let path = path.to_path_buf();
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(LoadError::Empty {
            path,
            message: "the file is empty, not a snapshot".into(),
        });
    }
    // Duplicated keys first: once parsed, the second copy has replaced (or
    // been dropped for) the first, and nothing says so.
    let flaw = match scan(bytes) {
        Ok(scan) => return Ok(scan),
        Err(flaw) => flaw,
    };
    let (json_path, offset, message) = match flaw {
        Flaw::Duplicate { path, key, offset } => (
            path,
            offset,
            format!(
                "duplicate key {key:?}: the same key twice in one object is ambiguous \
                 (JSON readers disagree on which copy wins)"
            ),
        ),
        Flaw::TooDeep { path, offset } => (
            path,
            offset,
            format!("nested deeper than {MAX_DEPTH} levels"),
        ),
    };
    let (line, column) = position(bytes, offset);
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
    let path = path.to_path_buf();
    let err = match serde_path_to_error::deserialize::<_, Snapshot>(&mut de) {
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
    drop(de);
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

/// The deepest nesting the reader accepts, in any part of the document:
/// serde_json's own limit for the values it parses, applied to unknown keys
/// (kept as raw text) too, so that no shape is accepted in one place and
/// refused in another.
pub(crate) const MAX_DEPTH: usize = 128;

/// What the duplicate-key scan found wrong with a document.
#[derive(Debug, PartialEq)]
pub(crate) enum Flaw {
    /// A key appears twice in one object. `path` names the duplicated key;
    /// `offset` is where its second copy starts.
    Duplicate {
        path: String,
        key: String,
        offset: usize,
    },
    /// Containers nested deeper than [`MAX_DEPTH`].
    TooDeep { path: String, offset: usize },
}

/// A key's position in the input: a `u32` for files under 4 GiB (so that the
/// keys of a wide object cost at most half the bytes they occupy), a `u64`
/// above.
trait Offset: Copy {
    fn new(at: usize) -> Self;
    fn get(self) -> usize;
}

impl Offset for u32 {
    fn new(at: usize) -> Self {
        at as u32
    }
    fn get(self) -> usize {
        self as usize
    }
}

impl Offset for u64 {
    fn new(at: usize) -> Self {
        at as u64
    }
    fn get(self) -> usize {
        self as usize
    }
}

/// Finds the first duplicated key in a JSON document, at any depth, and
/// nesting deeper than [`MAX_DEPTH`]. RFC 8259 section 4: "When the names
/// within an object are not unique, the behavior of software that receives
/// such an object is unpredictable. Many implementations report the last
/// name/value pair only. Other implementations report an error or fail to
/// parse the object, and some implementations report all of the name/value
/// pairs, including duplicates."
///
/// A single pass over the bytes that keeps one offset per key of the objects
/// still open; malformed JSON ends the scan with `Ok` (the parser reports
/// it, with its position). Keys compare by their decoded text, so `"a"` and
/// `"\u0061"` are the same key.
#[cfg(test)]
pub(crate) fn find_flaw(bytes: &[u8]) -> Result<(), Flaw> {
    scan(bytes).map(|_| ())
}

/// [`find_flaw`], and what the same pass learns for the streamed read
/// ([`Scan`]).
pub(crate) fn scan(bytes: &[u8]) -> Result<Scan, Flaw> {
    if u32::try_from(bytes.len()).is_ok() {
        Scanner::<u32>::new(bytes).run()
    } else {
        Scanner::<u64>::new(bytes).run()
    }
}

#[derive(Clone, Copy)]
struct Frame {
    object: bool,
    /// Objects: where this object's keys start in `Scanner::keys`.
    keys_start: usize,
    /// Arrays: the index of the current element.
    index: usize,
}

struct Scanner<'a, O> {
    b: &'a [u8],
    /// Offsets of the first byte after the opening quote of each key of the
    /// open objects, innermost last.
    keys: Vec<O>,
    frames: Vec<Frame>,
    /// The longest string or key so far, decoded.
    longest: usize,
}

/// The scan ends quietly: malformed JSON is the parser's to report.
struct Malformed;

impl<'a, O: Offset> Scanner<'a, O> {
    fn new(b: &'a [u8]) -> Self {
        Scanner {
            b,
            keys: Vec::new(),
            frames: Vec::with_capacity(MAX_DEPTH + 1),
            longest: 0,
        }
    }

    fn run(mut self) -> Result<Scan, Flaw> {
        match self.scan() {
            Ok(()) | Err(Ok(Malformed)) => Ok(Scan {
                longest_string: self.longest,
            }),
            Err(Err(flaw)) => Err(flaw),
        }
    }

    fn ws(&self, mut i: usize) -> usize {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.b.get(i) {
            i += 1;
        }
        i
    }

    /// `i` is just after an opening quote; returns the index after the
    /// closing one. Records the string's decoded length.
    fn skip_string(&mut self, mut i: usize) -> Result<usize, Malformed> {
        let start = i;
        // What the escapes save: `\n` is one byte, `\u00e9` two.
        let mut saved = 0;
        loop {
            match memchr::memchr2(b'"', b'\\', self.b.get(i..).ok_or(Malformed)?) {
                Some(n) if self.b[i + n] == b'"' => {
                    let end = i + n;
                    self.longest = self.longest.max((end - start).saturating_sub(saved));
                    return Ok(end + 1);
                }
                Some(n) => {
                    i += n;
                    saved += match self.b.get(i + 1) {
                        // `\uXXXX`: 1 to 3 bytes of UTF-8; half of the 4 bytes
                        // of a surrogate pair (two escapes).
                        Some(b'u') => match self.hex4(i + 2) {
                            Some(0..=0x7F) => 5,
                            Some(0x80..=0x7FF | 0xD800..=0xDFFF) => 4,
                            _ => 3,
                        },
                        _ => 1,
                    };
                    i += 2;
                }
                None => return Err(Malformed),
            }
        }
    }

    fn hex4(&self, at: usize) -> Option<u32> {
        let s = std::str::from_utf8(self.b.get(at..at + 4)?).ok()?;
        u32::from_str_radix(s, 16).ok()
    }

    /// Reads `"key" :` at `i`, records the key, returns the index of the value.
    fn key(&mut self, i: usize) -> Result<usize, Malformed> {
        if self.b.get(i) != Some(&b'"') {
            return Err(Malformed);
        }
        self.keys.push(O::new(i + 1));
        let end = self.skip_string(i + 1)?;
        let i = self.ws(end);
        if self.b.get(i) != Some(&b':') {
            return Err(Malformed);
        }
        Ok(self.ws(i + 1))
    }

    #[allow(clippy::type_complexity)]
    fn scan(&mut self) -> Result<(), Result<Malformed, Flaw>> {
        let mut i = self.ws(0);
        loop {
            // A value starts at `i`.
            match self.b.get(i) {
                Some(&open @ (b'{' | b'[')) => {
                    if self.frames.len() == MAX_DEPTH {
                        return Err(Err(Flaw::TooDeep {
                            path: self.path(None),
                            offset: i,
                        }));
                    }
                    let object = open == b'{';
                    self.frames.push(Frame {
                        object,
                        keys_start: self.keys.len(),
                        index: 0,
                    });
                    let j = self.ws(i + 1);
                    let close = if object { b'}' } else { b']' };
                    if self.b.get(j) == Some(&close) {
                        self.frames.pop();
                        i = j + 1;
                    } else if object {
                        i = self.key(j).map_err(Ok)?;
                        continue;
                    } else {
                        i = j;
                        continue;
                    }
                }
                Some(b'"') => i = self.skip_string(i + 1).map_err(Ok)?,
                Some(_) => {
                    let start = i;
                    while let Some(c) = self.b.get(i) {
                        if matches!(c, b',' | b']' | b'}' | b':' | b' ' | b'\n' | b'\r' | b'\t') {
                            break;
                        }
                        i += 1;
                    }
                    if i == start {
                        return Err(Ok(Malformed));
                    }
                }
                None => return Err(Ok(Malformed)),
            }
            // After a value: a separator, or the end of containers.
            loop {
                i = self.ws(i);
                let Some(top) = self.frames.last_mut() else {
                    return Ok(());
                };
                match (top.object, self.b.get(i)) {
                    (true, Some(b',')) => {
                        let j = self.ws(i + 1);
                        i = self.key(j).map_err(Ok)?;
                        break;
                    }
                    (false, Some(b',')) => {
                        top.index += 1;
                        i = self.ws(i + 1);
                        break;
                    }
                    (true, Some(b'}')) => {
                        self.check_object().map_err(Err)?;
                        let start = self.frames.pop().map_or(0, |f| f.keys_start);
                        self.keys.truncate(start);
                        i += 1;
                    }
                    (false, Some(b']')) => {
                        self.frames.pop();
                        i += 1;
                    }
                    _ => return Err(Ok(Malformed)),
                }
            }
        }
    }

    /// Checks the keys of the innermost object, which is closing.
    fn check_object(&mut self) -> Result<(), Flaw> {
        let start = self.frames.last().map_or(0, |f| f.keys_start);
        let b = self.b;
        let keys = &mut self.keys[start..];
        let found = if keys.len() <= 16 {
            let mut found = None;
            'outer: for j in 1..keys.len() {
                for k in 0..j {
                    if key_cmp(b, keys[k].get(), keys[j].get()).is_eq() {
                        found = Some(keys[j].get());
                        break 'outer;
                    }
                }
            }
            found
        } else {
            // Wide objects: sort the offsets by key, then compare neighbours.
            keys.sort_unstable_by(|x, y| key_cmp(b, x.get(), y.get()).then(x.get().cmp(&y.get())));
            keys.windows(2)
                .find(|w| key_cmp(b, w[0].get(), w[1].get()).is_eq())
                .map(|w| w[1].get())
        };
        match found {
            None => Ok(()),
            Some(offset) => {
                let key = decode_key(b, offset);
                Err(Flaw::Duplicate {
                    path: self.path(Some(&key)),
                    key,
                    offset: offset - 1,
                })
            }
        }
    }

    /// The JSON path of the current position, in serde_path_to_error's
    /// notation (`accounts[0].regions[1].errors`): in the innermost object,
    /// `last` if given, else its latest key.
    fn path(&self, last: Option<&str>) -> String {
        fn push_key(out: &mut String, k: &str) {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(k);
        }
        let mut out = String::new();
        for (n, f) in self.frames.iter().enumerate() {
            if !f.object {
                out.push_str(&format!("[{}]", f.index));
                continue;
            }
            // The key of this object that holds the next frame, or the
            // current position.
            let end = self
                .frames
                .get(n + 1)
                .map_or(self.keys.len(), |g| g.keys_start);
            match (n + 1 == self.frames.len(), last) {
                (true, Some(k)) => push_key(&mut out, k),
                _ if end > f.keys_start => {
                    push_key(&mut out, &decode_key(self.b, self.keys[end - 1].get()))
                }
                _ => {}
            }
        }
        out
    }
}

/// The raw bytes of the key starting at `at`, and whether they hold escapes.
fn raw_key(b: &[u8], at: usize) -> (&[u8], bool) {
    let rest = &b[at..];
    let mut escaped = false;
    let mut i = 0;
    loop {
        match memchr::memchr2(b'"', b'\\', &rest[i..]) {
            Some(n) if rest[i + n] == b'"' => return (&rest[..i + n], escaped),
            Some(n) => {
                escaped = true;
                i += n + 2;
            }
            // The scan checked the key is terminated.
            None => return (rest, escaped),
        }
    }
}

/// Compares two keys by their decoded text (the bytes of its UTF-8), which
/// is their raw bytes until an escape: the common case needs no decoding.
fn key_cmp(b: &[u8], x: usize, y: usize) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let mut n = 0;
    while let (Some(&p), Some(&q)) = (b.get(x + n), b.get(y + n)) {
        if p == b'\\' || q == b'\\' {
            break;
        }
        match (p == b'"', q == b'"') {
            (true, true) => return Ordering::Equal,
            (true, false) => return Ordering::Less,
            (false, true) => return Ordering::Greater,
            _ if p != q => return p.cmp(&q),
            _ => n += 1,
        }
    }
    KeyBytes::new(raw_key(b, x).0).cmp(KeyBytes::new(raw_key(b, y).0))
}

fn decode_key(b: &[u8], at: usize) -> String {
    let (raw, _) = raw_key(b, at);
    let bytes: Vec<u8> = KeyBytes::new(raw).collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The UTF-8 bytes of a key's decoded text (a lone surrogate escape is
/// encoded as its three WTF-8 bytes), without allocating.
struct KeyBytes<'a> {
    raw: &'a [u8],
    i: usize,
    pending: [u8; 4],
    pending_len: u8,
    pending_at: u8,
}

impl<'a> KeyBytes<'a> {
    fn new(raw: &'a [u8]) -> Self {
        KeyBytes {
            raw,
            i: 0,
            pending: [0; 4],
            pending_len: 0,
            pending_at: 0,
        }
    }

    fn hex4(&self, at: usize) -> Option<u32> {
        let s = std::str::from_utf8(self.raw.get(at..at + 4)?).ok()?;
        u32::from_str_radix(s, 16).ok()
    }
}

impl Iterator for KeyBytes<'_> {
    type Item = u8;
    fn next(&mut self) -> Option<u8> {
        if self.pending_at < self.pending_len {
            self.pending_at += 1;
            return Some(self.pending[self.pending_at as usize - 1]);
        }
        let c = *self.raw.get(self.i)?;
        if c != b'\\' {
            self.i += 1;
            return Some(c);
        }
        let e = self.raw.get(self.i + 1).copied().unwrap_or(b'\\');
        self.i += 2;
        let simple = match e {
            b'b' => Some(0x08),
            b'f' => Some(0x0c),
            b'n' => Some(b'\n'),
            b'r' => Some(b'\r'),
            b't' => Some(b'\t'),
            b'u' => None,
            other => Some(other),
        };
        if let Some(s) = simple {
            return Some(s);
        }
        let Some(mut cp) = self.hex4(self.i) else {
            return Some(b'u');
        };
        self.i += 4;
        if (0xD800..0xDC00).contains(&cp)
            && self.raw.get(self.i) == Some(&b'\\')
            && self.raw.get(self.i + 1) == Some(&b'u')
        {
            if let Some(lo) = self
                .hex4(self.i + 2)
                .filter(|lo| (0xDC00..0xE000).contains(lo))
            {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                self.i += 6;
            }
        }
        // WTF-8: like UTF-8, but a lone surrogate is allowed.
        let (len, first) = match cp {
            0..=0x7F => return Some(cp as u8),
            0x80..=0x7FF => (2, 0xC0 | (cp >> 6) as u8),
            0x800..=0xFFFF => (3, 0xE0 | (cp >> 12) as u8),
            _ => (4, 0xF0 | (cp >> 18) as u8),
        };
        let mut buf = [first, 0, 0, 0];
        for (n, slot) in buf.iter_mut().enumerate().take(len).skip(1) {
            let shift = 6 * (len - 1 - n);
            *slot = 0x80 | ((cp >> shift) & 0x3F) as u8;
        }
        self.pending = buf;
        self.pending_len = len as u8;
        self.pending_at = 1;
        Some(first)
    }
}

/// 1-based line and column (in bytes, as serde_json counts) of `offset`.
pub(crate) fn position(bytes: &[u8], offset: usize) -> (usize, usize) {
    let before = &bytes[..offset.min(bytes.len())];
    let line = 1 + memchr::memchr_iter(b'\n', before).count();
    let column = 1 + before.len() - memchr::memrchr(b'\n', before).map_or(0, |n| n + 1);
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

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
