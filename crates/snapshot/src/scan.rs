//! The checks that run before a snapshot is parsed, over the document read
//! in chunks: no object has the same key twice (at any depth), nothing is
//! nested deeper than [`MAX_DEPTH`]; and what the same pass learns for the
//! parse that follows ([`Scan`]).
//!
//! The document is never held whole: it is read through a window of about
//! [`CHUNK`] bytes. Of each key of the objects still open, only a 32-bit
//! hash of its decoded text and its offset are kept (8 bytes a key in a file
//! under 4 GiB, 16 above; a key takes at least 4 bytes of text, `"a":0,`
//! six). Two keys of one object with the same hash are compared by their
//! decoded text, read again from the input at their offsets; so are the
//! keys an error message names. So the scan's memory is the window, plus
//! the keys of the objects open at once (the widest object, for a real
//! snapshot a few dozen keys), whatever the file's size.

use std::io::{self, Read, Seek, SeekFrom};

/// The deepest nesting the reader accepts, in any part of the document:
/// serde_json's own limit for the values it parses, applied to unknown keys
/// (kept as raw text) too, so that no shape is accepted in one place and
/// refused in another.
pub(crate) const MAX_DEPTH: usize = 128;

/// How much of the document is read at a time.
pub(crate) const CHUNK: usize = 1 << 20;

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

/// Why a scan stopped: a flaw, with the 1-based line and column (in bytes,
/// as serde_json counts) where it is, or the input could not be read.
#[derive(Debug)]
pub(crate) enum Stop {
    Flaw(Flaw, usize, usize),
    Io(io::Error),
}

/// What the scan learned of a document that the parse needs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Scan {
    /// The length, decoded, of the longest string or key (upper bound).
    pub longest_string: usize,
    /// Whether the document holds nothing but whitespace.
    pub empty: bool,
    /// The bytes of the largest element of the top-level `accounts` array.
    pub largest_account: usize,
    /// The bytes of the top-level `accounts` value.
    pub accounts_len: usize,
    /// Where the top-level `organization` value is (start and end offsets),
    /// if the document has one after its `accounts`.
    pub organization_after_accounts: Option<(usize, usize)>,
}

/// Scans a document held in memory.
#[cfg(test)]
pub(crate) fn scan(bytes: &[u8]) -> Result<Scan, Stop> {
    scan_reader(io::Cursor::new(bytes), bytes.len())
}

/// Scans the document `src` reads from its start, `len` bytes (an upper
/// bound: it picks the width of the offsets kept).
#[cfg(test)]
pub(crate) fn scan_reader<R: Read + Seek>(src: R, len: usize) -> Result<Scan, Stop> {
    scan_splicing(src, len, false).map(|(scan, _)| scan)
}

/// [`scan_reader`], also recording where the items of the response lists
/// a read may splice are ([`crate::splice`]), when `ranges`.
pub(crate) fn scan_splicing<R: Read + Seek>(
    src: R,
    len: usize,
    ranges: bool,
) -> Result<(Scan, crate::splice::Ranges), Stop> {
    if u32::try_from(len).is_ok() {
        Scanner::<R, u32>::new(src, ranges).run()
    } else {
        Scanner::<R, u64>::new(src, ranges).run()
    }
}

/// A key's position in the input: a `u32` for files under 4 GiB, a `u64`
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

/// The part of the input being scanned: bytes `base..base + buf.len()`.
struct Window<R> {
    src: R,
    buf: Vec<u8>,
    base: usize,
    eof: bool,
    error: Option<io::Error>,
}

impl<R: Read + Seek> Window<R> {
    fn new(src: R) -> Self {
        Window {
            src,
            buf: Vec::with_capacity(CHUNK + 64),
            base: 0,
            eof: false,
            error: None,
        }
    }

    #[inline]
    fn get(&mut self, i: usize) -> Option<u8> {
        match self.buf.get(i.wrapping_sub(self.base)) {
            Some(&c) => Some(c),
            None => {
                self.fill(i, 1);
                self.buf.get(i.wrapping_sub(self.base)).copied()
            }
        }
    }

    /// The bytes from `i` on that are in the window (none only at the end
    /// of the input).
    #[inline]
    fn tail(&mut self, i: usize) -> &[u8] {
        if i.wrapping_sub(self.base) >= self.buf.len() {
            self.fill(i, 1);
        }
        self.buf.get(i.wrapping_sub(self.base)..).unwrap_or(&[])
    }

    /// Up to `n` bytes from `i` (fewer only at the end of the input).
    fn ahead(&mut self, i: usize, n: usize) -> &[u8] {
        if i.wrapping_sub(self.base).saturating_add(n) > self.buf.len() {
            self.fill(i, n);
        }
        let from = i.wrapping_sub(self.base).min(self.buf.len());
        let to = (from + n).min(self.buf.len());
        &self.buf[from..to]
    }

    /// Makes bytes `i..i + n` available where the input has them; the
    /// window then starts at `i` (the scan never looks back).
    fn fill(&mut self, i: usize, n: usize) {
        debug_assert!(i >= self.base, "the scan looked back");
        let drop = (i - self.base).min(self.buf.len());
        self.buf.drain(..drop);
        self.base += drop;
        // Bytes before `i` not read yet are skipped.
        while self.base < i && !self.eof {
            self.buf.clear();
            self.read_more();
            let skip = (i - self.base).min(self.buf.len());
            self.buf.drain(..skip);
            self.base += skip;
        }
        while !self.eof && self.buf.len() < (i - self.base) + n {
            self.read_more();
        }
    }

    fn read_more(&mut self) {
        let len = self.buf.len();
        self.buf.resize(len + CHUNK, 0);
        loop {
            match self.src.read(&mut self.buf[len..]) {
                Ok(0) => {
                    self.eof = true;
                    self.buf.truncate(len);
                }
                Ok(k) => self.buf.truncate(len + k),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.eof = true;
                    self.error = Some(e);
                    self.buf.truncate(len);
                }
            }
            return;
        }
    }

    /// The raw text of the key whose first byte (after its opening quote)
    /// is at `at`, up to its closing quote: from the window where it is
    /// there whole, else read again from the input.
    fn raw_key(&mut self, at: usize) -> Vec<u8> {
        if at >= self.base {
            let from = at - self.base;
            if let Some(end) = key_end(&self.buf[from.min(self.buf.len())..]) {
                return self.buf[from..from + end].to_vec();
            }
        }
        let resume = self.base + self.buf.len();
        let mut out = Vec::new();
        if self.src.seek(SeekFrom::Start(at as u64)).is_ok() {
            let mut chunk = vec![0u8; 4096];
            loop {
                match self.src.read(&mut chunk) {
                    Ok(0) | Err(_) => break,
                    Ok(k) => out.extend_from_slice(&chunk[..k]),
                }
                if let Some(end) = key_end(&out) {
                    out.truncate(end);
                    break;
                }
            }
        }
        if let Err(e) = self.src.seek(SeekFrom::Start(resume as u64)) {
            self.error.get_or_insert(e);
            self.eof = true;
        }
        out
    }

    /// 1-based line and column (in bytes) of `offset`, read again from the
    /// start of the input.
    fn position(&mut self, offset: usize) -> (usize, usize) {
        let resume = self.base + self.buf.len();
        let (mut line, mut column) = (1, 1);
        if self.src.seek(SeekFrom::Start(0)).is_ok() {
            let mut chunk = vec![0u8; 64 << 10];
            let mut at = 0;
            while at < offset {
                let want = (offset - at).min(chunk.len());
                match self.src.read(&mut chunk[..want]) {
                    Ok(0) | Err(_) => break,
                    Ok(k) => {
                        let part = &chunk[..k];
                        match memchr::memrchr(b'\n', part) {
                            Some(last) => {
                                line += memchr::memchr_iter(b'\n', part).count();
                                column = k - last;
                            }
                            None => column += k,
                        }
                        at += k;
                    }
                }
            }
        }
        if let Err(e) = self.src.seek(SeekFrom::Start(resume as u64)) {
            self.error.get_or_insert(e);
            self.eof = true;
        }
        (line, column)
    }
}

/// Where the key text `raw` (starting after its opening quote) ends: the
/// index of its closing quote, if `raw` holds it.
fn key_end(raw: &[u8]) -> Option<usize> {
    let mut i = 0;
    loop {
        let n = memchr::memchr2(b'"', b'\\', raw.get(i..)?)?;
        if raw[i + n] == b'"' {
            return Some(i + n);
        }
        i += n + 2;
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

/// One key of an open object: the hash of its decoded text, and where its
/// text starts (after the opening quote).
#[derive(Clone, Copy)]
struct Key<O> {
    hash: u32,
    at: O,
}

/// Which top-level key the scan is in.
#[derive(Clone, Copy, PartialEq, Eq)]
enum TopKey {
    Other,
    Accounts,
    Organization,
}

struct Scanner<R, O> {
    w: Window<R>,
    /// The keys of the open objects, innermost last.
    keys: Vec<Key<O>>,
    frames: Vec<Frame>,
    /// The longest string or key so far, decoded.
    longest: usize,
    top_key: TopKey,
    /// Where the current top-level value starts.
    top_start: usize,
    /// The frame at depth 1 is the top-level `accounts` array.
    in_accounts: bool,
    account_start: Option<usize>,
    accounts_seen: bool,
    scan: Scan,
    /// Where the items a read may splice are, when recorded.
    ranges: Option<crate::splice::Ranges>,
    /// Within an account: its current key is `regions`.
    regions_key: bool,
    /// Within a region: its current key is the operation `LISTS[k]`.
    op: Option<usize>,
    /// Within that operation's response: its current key is its list.
    list_key: bool,
    /// Where the item being scanned starts, and the depth it is at.
    item: Option<(usize, usize)>,
}

/// The scan ends quietly: malformed JSON is the parser's to report.
struct Malformed;

/// FNV-1a, 32 bits.
const FNV_OFFSET: u32 = 0x811c_9dc5;

#[inline]
fn fnv(mut h: u32, bytes: &[u8]) -> u32 {
    for &b in bytes {
        h ^= b as u32;
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

fn hex4(b: &[u8], at: usize) -> Option<u32> {
    let s = std::str::from_utf8(b.get(at..at + 4)?).ok()?;
    u32::from_str_radix(s, 16).ok()
}

/// What the escape at `raw[at]` (a backslash) saves of its text once
/// decoded: `\n` is one byte, `\u00e9` two (an upper bound).
fn saved_at(raw: &[u8], at: usize) -> usize {
    match raw.get(at + 1) {
        // `\uXXXX`: 1 to 3 bytes of UTF-8; half of the 4 bytes of a
        // surrogate pair (two escapes).
        Some(b'u') => match hex4(raw, at + 2) {
            Some(0..=0x7F) => 5,
            Some(0x80..=0x7FF | 0xD800..=0xDFFF) => 4,
            _ => 3,
        },
        _ => 1,
    }
}

impl<R: Read + Seek, O: Offset> Scanner<R, O> {
    fn new(src: R, ranges: bool) -> Self {
        Scanner {
            ranges: ranges.then(crate::splice::Ranges::default),
            regions_key: false,
            op: None,
            list_key: false,
            item: None,
            w: Window::new(src),
            keys: Vec::new(),
            frames: Vec::with_capacity(MAX_DEPTH + 1),
            longest: 0,
            top_key: TopKey::Other,
            top_start: 0,
            in_accounts: false,
            account_start: None,
            accounts_seen: false,
            scan: Scan::default(),
        }
    }

    fn run(mut self) -> Result<(Scan, crate::splice::Ranges), Stop> {
        let result = self.scan();
        if let Some(e) = self.w.error.take() {
            return Err(Stop::Io(e));
        }
        match result {
            Ok(()) | Err(Ok(Malformed)) => {
                self.scan.longest_string = self.longest;
                Ok((self.scan, self.ranges.take().unwrap_or_default()))
            }
            Err(Err(flaw)) => {
                let offset = match &flaw {
                    Flaw::Duplicate { offset, .. } | Flaw::TooDeep { offset, .. } => *offset,
                };
                let (line, column) = self.w.position(offset);
                match self.w.error.take() {
                    Some(e) => Err(Stop::Io(e)),
                    None => Err(Stop::Flaw(flaw, line, column)),
                }
            }
        }
    }

    #[inline]
    fn ws(&mut self, mut i: usize) -> usize {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.w.get(i) {
            i += 1;
        }
        i
    }

    /// `i` is just after an opening quote; returns the index after the
    /// closing one. Records the string's decoded length.
    fn skip_string(&mut self, mut i: usize) -> Result<usize, Malformed> {
        let start = i;
        let mut saved = 0;
        loop {
            let tail = self.w.tail(i);
            if tail.is_empty() {
                return Err(Malformed);
            }
            match memchr::memchr2(b'"', b'\\', tail) {
                Some(n) if tail[n] == b'"' => {
                    let end = i + n;
                    self.longest = self.longest.max((end - start).saturating_sub(saved));
                    return Ok(end + 1);
                }
                Some(n) => {
                    i += n;
                    saved += saved_at(self.w.ahead(i, 6), 0);
                    i += 2;
                }
                None => i += tail.len(),
            }
        }
    }

    /// [`Self::skip_string`] for a key, which also returns the hash of the
    /// key's decoded text.
    fn skip_key(&mut self, mut i: usize) -> Result<(usize, u32), Malformed> {
        let start = i;
        let mut saved = 0;
        let mut h = FNV_OFFSET;
        loop {
            let tail = self.w.tail(i);
            if tail.is_empty() {
                return Err(Malformed);
            }
            match memchr::memchr2(b'"', b'\\', tail) {
                Some(n) if tail[n] == b'"' => {
                    h = fnv(h, &tail[..n]);
                    let end = i + n;
                    self.longest = self.longest.max((end - start).saturating_sub(saved));
                    return Ok((end + 1, h));
                }
                Some(n) => {
                    h = fnv(h, &tail[..n]);
                    i += n;
                    let raw = self.w.ahead(i, 12);
                    let (consumed, bytes, len) = escape(raw);
                    h = fnv(h, &bytes[..len]);
                    saved += saved_at(raw, 0);
                    if consumed == 12 {
                        saved += saved_at(raw, 6);
                    }
                    i += consumed;
                }
                None => {
                    h = fnv(h, tail);
                    i += tail.len();
                }
            }
        }
    }

    /// Reads `"key" :` at `i`, records the key, returns the index of the value.
    fn key(&mut self, i: usize) -> Result<usize, Malformed> {
        if self.w.get(i) != Some(b'"') {
            return Err(Malformed);
        }
        let (end, hash) = self.skip_key(i + 1)?;
        self.keys.push(Key {
            hash,
            at: O::new(i + 1),
        });
        if self.frames.len() == 1 {
            self.top_key = self.top_key_at(i + 1, hash);
        } else if self.in_accounts && self.ranges.is_some() {
            self.splice_key(i + 1, hash);
        }
        let i = self.ws(end);
        if self.w.get(i) != Some(b':') {
            return Err(Malformed);
        }
        Ok(self.ws(i + 1))
    }

    fn top_key_at(&mut self, at: usize, hash: u32) -> TopKey {
        for (name, key) in [
            ("accounts", TopKey::Accounts),
            ("organization", TopKey::Organization),
        ] {
            if hash == fnv(FNV_OFFSET, name.as_bytes()) && self.decoded(at) == name.as_bytes() {
                return key;
            }
        }
        TopKey::Other
    }

    /// Follows the keys on the way to the items a read may splice:
    /// `accounts[i].regions[j].<operation>.<list>[k]`, or
    /// `accounts[i].regions[j].<operation>[k]` for a response that is a list.
    fn splice_key(&mut self, at: usize, hash: u32) {
        match self.frames.len() {
            3 => {
                self.regions_key = self.is(at, hash, "regions");
                self.op = None;
                self.list_key = false;
            }
            5 => {
                self.op = crate::aws::LISTS
                    .iter()
                    .position(|&(op, _)| self.is(at, hash, op));
                self.list_key = false;
            }
            6 => {
                self.list_key = match self.op.and_then(|k| crate::aws::LISTS[k].1) {
                    Some(list) => self.is(at, hash, list),
                    None => false,
                };
            }
            _ => {}
        }
    }

    /// Whether the key at `at`, of hash `hash`, is `name`.
    fn is(&mut self, at: usize, hash: u32, name: &str) -> bool {
        hash == fnv(FNV_OFFSET, name.as_bytes()) && self.decoded(at) == name.as_bytes()
    }

    /// Whether an object starting now is an item a read may splice.
    fn at_item(&self) -> bool {
        let f = &self.frames;
        match f.len() {
            7 => self.list_key && !f[3].object && f[4].object && f[5].object && !f[6].object,
            6 => {
                matches!(self.op, Some(k) if crate::aws::LISTS[k].1.is_none())
                    && !f[3].object
                    && f[4].object
                    && !f[5].object
            }
            _ => false,
        }
    }

    /// The decoded text of the key at `at`.
    fn decoded(&mut self, at: usize) -> Vec<u8> {
        KeyBytes::new(&self.w.raw_key(at)).collect()
    }

    #[allow(clippy::type_complexity)]
    fn scan(&mut self) -> Result<(), Result<Malformed, Flaw>> {
        let mut i = 0;
        while let Some(c) = self.w.get(i) {
            if !c.is_ascii_whitespace() {
                break;
            }
            i += 1;
        }
        if self.w.get(i).is_none() {
            self.scan.empty = true;
            return Err(Ok(Malformed));
        }
        let mut i = self.ws(0);
        loop {
            // A value starts at `i`.
            match self.frames.len() {
                1 => self.top_start = i,
                2 if self.in_accounts => self.account_start = Some(i),
                _ => {}
            }
            match self.w.get(i) {
                Some(open @ (b'{' | b'[')) => {
                    if self.frames.len() == MAX_DEPTH {
                        return Err(Err(Flaw::TooDeep {
                            path: self.path(None),
                            offset: i,
                        }));
                    }
                    let object = open == b'{';
                    if self.frames.len() == 1 && !object && self.top_key == TopKey::Accounts {
                        self.in_accounts = true;
                    }
                    if object
                        && self.in_accounts
                        && self.regions_key
                        && self.ranges.is_some()
                        && self.at_item()
                    {
                        self.item = Some((i, self.frames.len()));
                    }
                    self.frames.push(Frame {
                        object,
                        keys_start: self.keys.len(),
                        index: 0,
                    });
                    let j = self.ws(i + 1);
                    let close = if object { b'}' } else { b']' };
                    if self.w.get(j) == Some(close) {
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
                    while let Some(c) = self.w.get(i) {
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
                self.value_ended(i);
                i = self.ws(i);
                let Some(top) = self.frames.last_mut() else {
                    return Ok(());
                };
                match (top.object, self.w.get(i)) {
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

    /// A value ended just before `i`, in the innermost open container.
    fn value_ended(&mut self, i: usize) {
        if let Some((start, depth)) = self.item {
            if self.frames.len() == depth {
                self.item = None;
                if let Some(ranges) = &mut self.ranges {
                    ranges.record(start, i);
                }
            }
        }
        match self.frames.len() {
            1 => {
                let len = i - self.top_start;
                match self.top_key {
                    TopKey::Accounts => {
                        self.scan.accounts_len = len;
                        self.accounts_seen = true;
                        self.in_accounts = false;
                    }
                    TopKey::Organization if self.accounts_seen => {
                        self.scan.organization_after_accounts = Some((self.top_start, i));
                    }
                    _ => {}
                }
            }
            2 if self.in_accounts => {
                if let Some(start) = self.account_start.take() {
                    self.scan.largest_account = self.scan.largest_account.max(i - start);
                }
            }
            _ => {}
        }
    }

    /// Checks the keys of the innermost object, which is closing.
    fn check_object(&mut self) -> Result<(), Flaw> {
        let start = self.frames.last().map_or(0, |f| f.keys_start);
        let n = self.keys.len() - start;
        let found = if n <= 16 {
            let mut found = None;
            'outer: for j in 1..n {
                for k in 0..j {
                    let (x, y) = (self.keys[start + k], self.keys[start + j]);
                    if x.hash == y.hash && self.decoded(x.at.get()) == self.decoded(y.at.get()) {
                        found = Some(y.at.get());
                        break 'outer;
                    }
                }
            }
            found
        } else {
            // Wide objects: sort by hash, then compare the keys of each run
            // of equal hashes by their text. Of the keys that appear twice,
            // the least (by decoded text) is named, at its second copy.
            self.keys[start..].sort_unstable_by_key(|k| (k.hash, k.at.get()));
            let mut best: Option<(Vec<u8>, usize)> = None;
            let mut a = start;
            while a < self.keys.len() {
                let mut b = a + 1;
                while b < self.keys.len() && self.keys[b].hash == self.keys[a].hash {
                    b += 1;
                }
                if b - a > 1 {
                    let run: Vec<usize> = self.keys[a..b].iter().map(|k| k.at.get()).collect();
                    let texts: Vec<Vec<u8>> = run.iter().map(|&at| self.decoded(at)).collect();
                    for p in 1..run.len() {
                        if texts[..p].contains(&texts[p])
                            && best
                                .as_ref()
                                .is_none_or(|(t, at)| (&texts[p], run[p]) < (t, *at))
                        {
                            best = Some((texts[p].clone(), run[p]));
                        }
                    }
                }
                a = b;
            }
            best.map(|(_, at)| at)
        };
        match found {
            None => Ok(()),
            Some(offset) => {
                let key = String::from_utf8_lossy(&self.decoded(offset)).into_owned();
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
    fn path(&mut self, last: Option<&str>) -> String {
        fn push_key(out: &mut String, k: &str) {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(k);
        }
        let mut out = String::new();
        for n in 0..self.frames.len() {
            let f = self.frames[n];
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
                    let at = self.keys[end - 1].at.get();
                    let key = String::from_utf8_lossy(&self.decoded(at)).into_owned();
                    push_key(&mut out, &key)
                }
                _ => {}
            }
        }
        out
    }
}

/// The escape at the start of `raw` (a backslash), decoded: how many bytes
/// of `raw` it takes, and its UTF-8 bytes (a lone surrogate is encoded as
/// its three WTF-8 bytes). A surrogate pair is one escape of 12 bytes.
fn escape(raw: &[u8]) -> (usize, [u8; 4], usize) {
    let e = raw.get(1).copied().unwrap_or(b'\\');
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
        return (2, [s, 0, 0, 0], 1);
    }
    let Some(mut cp) = hex4(raw, 2) else {
        return (2, [b'u', 0, 0, 0], 1);
    };
    let mut used = 6;
    if (0xD800..0xDC00).contains(&cp) && raw.get(6) == Some(&b'\\') && raw.get(7) == Some(&b'u') {
        if let Some(lo) = hex4(raw, 8).filter(|lo| (0xDC00..0xE000).contains(lo)) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            used = 12;
        }
    }
    // WTF-8: like UTF-8, but a lone surrogate is allowed.
    let (len, first) = match cp {
        0..=0x7F => return (used, [cp as u8, 0, 0, 0], 1),
        0x80..=0x7FF => (2, 0xC0 | (cp >> 6) as u8),
        0x800..=0xFFFF => (3, 0xE0 | (cp >> 12) as u8),
        _ => (4, 0xF0 | (cp >> 18) as u8),
    };
    let mut buf = [first, 0, 0, 0];
    for (n, slot) in buf.iter_mut().enumerate().take(len).skip(1) {
        let shift = 6 * (len - 1 - n);
        *slot = 0x80 | ((cp >> shift) & 0x3F) as u8;
    }
    (used, buf, len)
}

/// The UTF-8 bytes of a key's decoded text (a lone surrogate escape is
/// encoded as its three WTF-8 bytes).
struct KeyBytes<'a> {
    raw: &'a [u8],
    i: usize,
    pending: [u8; 4],
    pending_len: usize,
    pending_at: usize,
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
}

impl Iterator for KeyBytes<'_> {
    type Item = u8;
    fn next(&mut self) -> Option<u8> {
        if self.pending_at < self.pending_len {
            self.pending_at += 1;
            return Some(self.pending[self.pending_at - 1]);
        }
        let c = *self.raw.get(self.i)?;
        if c != b'\\' {
            self.i += 1;
            return Some(c);
        }
        let (used, bytes, len) = escape(&self.raw[self.i..]);
        self.i += used;
        self.pending = bytes;
        self.pending_len = len;
        self.pending_at = 1;
        Some(bytes[0])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that hands out one byte at a time: every refill boundary
    /// falls inside a key, a string or an escape somewhere.
    struct Trickle<'a>(io::Cursor<&'a [u8]>);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = buf.len().min(1);
            self.0.read(&mut buf[..n])
        }
    }

    impl Seek for Trickle<'_> {
        fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
            self.0.seek(to)
        }
    }

    fn flaw(r: Result<Scan, Stop>) -> Option<(Flaw, usize, usize)> {
        match r {
            Ok(_) => None,
            Err(Stop::Flaw(f, l, c)) => Some((f, l, c)),
            Err(Stop::Io(e)) => panic!("{e}"),
        }
    }

    #[test]
    fn chunk_boundaries_change_nothing() {
        let docs = [
            r#"{"a": 1, "\u0061": 2}"#,
            r#"{"x": {"😀": 1, "\ud83d\ude00": 2}}"#,
            "{\"k\":\n [{\"a\\\"b\": 1, \"a\\\"b\": 2}]}",
            r#"{"accounts": [{"a": 1}, {"bb": 22}], "organization": {"id": "o"}}"#,
            r#"{"s": "a\"b\\c\u00e9\u20ac\ud83d\ude00\n\/x", "t": ["\u0041", 1.5]}"#,
        ];
        for doc in docs {
            let whole = scan(doc.as_bytes());
            let trickled = scan_reader(Trickle(io::Cursor::new(doc.as_bytes())), doc.len());
            match (whole, trickled) {
                (Ok(a), Ok(b)) => assert_eq!(a, b, "{doc}"),
                (a, b) => assert_eq!(flaw(a), flaw(b), "{doc}"),
            }
        }
    }

    #[test]
    fn the_envelope_is_measured() {
        let doc = r#"{"accounts": [{"a": 1}, {"bb": 22}], "organization": {"id": "o"}}"#;
        let s = scan(doc.as_bytes()).unwrap();
        assert_eq!(s.largest_account, r#"{"bb": 22}"#.len());
        assert_eq!(s.accounts_len, r#"[{"a": 1}, {"bb": 22}]"#.len());
        let (a, b) = s.organization_after_accounts.unwrap();
        assert_eq!(&doc[a..b], r#"{"id": "o"}"#);
        let doc = r#"{"organization": {"id": "o"}, "accounts": []}"#;
        assert_eq!(
            scan(doc.as_bytes()).unwrap().organization_after_accounts,
            None
        );
    }

    #[test]
    fn colliding_hashes_are_told_apart_by_their_text() {
        // Many keys: some share a 32-bit hash, none is the same key.
        let keys: Vec<String> = (0..200_000).map(|i| format!(r#""k{i}": 0"#)).collect();
        let doc = format!("{{{}}}", keys.join(","));
        assert!(scan(doc.as_bytes()).is_ok());
    }
}
