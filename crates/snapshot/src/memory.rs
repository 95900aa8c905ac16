//! What a snapshot may cost in memory while it is read.
//!
//! A snapshot is data anyone may have written. Most of its shapes cost about
//! their size once read, but some cost many times it: a list of one-letter
//! identifiers (`["a","a",…]`, four bytes of text each) becomes one string
//! of at least 24 bytes plus its heap block per item, and a list of empty
//! objects becomes one full record per three bytes. No valid shape may make
//! ibaudit exhaust the machine's memory, so the reader keeps a budget: the
//! heap may grow by at most [`GROWTH`] times the file's size (and never less
//! than [`FLOOR`]) while the file is read, checked each time the reader asks
//! for more of the file. A snapshot over budget is refused with its JSON
//! path, like any other bad input.
//!
//! The budget needs to know how much heap is in use: [`CountingAllocator`]
//! keeps that count, and the `ibaudit` binary installs it as the global
//! allocator. Without it (a library user, a unit test) there is no count and
//! no budget.

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::{self, Read};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The system allocator, counting the bytes it has handed out and not taken back.
pub struct CountingAllocator;

static LIVE: AtomicUsize = AtomicUsize::new(0);

/// What an allocation of `size` bytes costs the process: the allocator
/// keeps a header beside each block and hands out blocks in steps of 16
/// bytes, 32 at least (glibc's malloc on 64-bit targets). A one-letter
/// string is one byte asked for and 32 taken; counting the bytes asked for
/// would let a list of them grow to many times the budget.
const fn cost(size: usize) -> usize {
    let block = (size + 8 + 15) & !15;
    if block < 32 {
        32
    } else {
        block
    }
}

// SAFETY: every call is passed to the system allocator unchanged; only the
// count is added.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc(layout);
        if !p.is_null() {
            LIVE.fetch_add(cost(layout.size()), Ordering::Relaxed);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc_zeroed(layout);
        if !p.is_null() {
            LIVE.fetch_add(cost(layout.size()), Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout);
        LIVE.fetch_sub(cost(layout.size()), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = System.realloc(ptr, layout, new_size);
        if !p.is_null() {
            let (old, new) = (cost(layout.size()), cost(new_size));
            if new >= old {
                LIVE.fetch_add(new - old, Ordering::Relaxed);
            } else {
                LIVE.fetch_sub(old - new, Ordering::Relaxed);
            }
        }
        p
    }
}

/// The heap in use, when [`CountingAllocator`] is the global allocator.
pub fn live_bytes() -> Option<usize> {
    match LIVE.load(Ordering::Relaxed) {
        // Any program has allocated something before it reads a snapshot.
        0 => None,
        n => Some(n),
    }
}

/// How much the heap may grow while a snapshot is read, as a multiple of the
/// file's size, so that peak memory stays under twice the file. A snapshot
/// of real accounts costs well under it: the 100,000-endpoint benchmark
/// peaks at 1.0x its size as `collect` writes it (indented), 1.2x written
/// without any whitespace, the whole audit included.
pub const GROWTH: f64 = 1.6;

/// The growth always allowed, whatever the file's size: small snapshots are
/// never refused.
pub const FLOOR: usize = 16 << 20;

/// The heap a snapshot of `len` bytes may reach, from `start` bytes in use.
pub(crate) fn limit(start: usize, len: usize) -> usize {
    start.saturating_add(growth(len))
}

/// How much the heap may grow while `len` bytes of snapshot are read.
pub(crate) fn growth(len: usize) -> usize {
    (((len as f64) * GROWTH) as usize).max(FLOOR)
}

/// Within [`with_limit`], lets the heap grow by `growth` from what it holds
/// now, and never past `ceiling`: the budget of the next part of the
/// snapshot (one account of a snapshot read account by account), within
/// the budget of the whole.
pub(crate) fn grow_from_here(growth: usize, ceiling: usize) {
    let live = live_bytes().unwrap_or(0);
    LIMIT.with(|l| l.set(live.saturating_add(growth).min(ceiling)));
}

/// What the parser's own string buffer costs once it has read a string of
/// `longest` bytes (decoded): on top of the model, which holds its own copy
/// of the string. The streaming parser reads every string and key into one
/// buffer, grown by doubling and kept for the rest of the read, and copies
/// it out from there: one 30 MiB policy document costs a 32 MiB buffer plus
/// the 30 MiB string. Counted against the budget, that buffer would refuse
/// a snapshot whose model fits well within it, so the budget grants it on
/// top, sized from the longest string in the file (found by the scan that
/// runs before the read).
pub(crate) fn string_buffer(longest: usize) -> usize {
    if longest == 0 {
        0
    } else {
        // `Vec<u8>` grows to 8 bytes, then by doubling.
        cost(longest.max(8).next_power_of_two())
    }
}

/// Why a snapshot is refused when it is over budget.
pub(crate) const REFUSAL: &str = "reading this snapshot would take more than 1.6x its size in \
     memory (its lists hold more, smaller items than AWS sends); it is refused rather than let it \
     exhaust the machine's memory";

thread_local! {
    /// The heap allowed while the current snapshot is read on this thread.
    static LIMIT: std::cell::Cell<usize> = const { std::cell::Cell::new(usize::MAX) };
}

/// Runs `read` with the heap limited to `limit` for every [`Budgeted`]
/// reader it uses, and restores the previous limit afterwards.
pub(crate) fn with_limit<R>(limit: usize, read: impl FnOnce() -> R) -> R {
    struct Restore(usize);
    impl Drop for Restore {
        fn drop(&mut self) {
            LIMIT.with(|l| l.set(self.0));
        }
    }
    let _restore = Restore(LIMIT.with(|l| l.replace(limit)));
    read()
}

/// `reader`, checked against the budget every [`CHECK_EVERY`] bytes.
pub(crate) fn budgeted<R: Read>(reader: R) -> io::BufReader<Budgeted<R>> {
    io::BufReader::with_capacity(CHECK_EVERY, Budgeted::new(reader))
}

/// How often the budget is checked, in bytes read. The densest shape (a
/// list of empty objects, three bytes each, read as records of about 400
/// bytes) grows the heap by about 1 MiB between two checks.
pub(crate) const CHECK_EVERY: usize = 8 << 10;

/// A reader that fails, with [`io::ErrorKind::OutOfMemory`] and an
/// [`OverBudget`] naming where, once the heap is over the limit of
/// [`with_limit`]. Wrapped in a `BufReader`, it checks once per buffer
/// refill, that is once the parser has consumed every byte handed out so
/// far: the position after those bytes is where the parser stands.
pub(crate) struct Budgeted<R> {
    inner: R,
    /// 1-based line of the next byte.
    line: usize,
    /// Bytes of the current line handed out so far (serde_json's column of
    /// the last byte consumed).
    column: usize,
}

impl<R> Budgeted<R> {
    pub(crate) fn new(inner: R) -> Self {
        Budgeted {
            inner,
            line: 1,
            column: 0,
        }
    }
}

impl<R: Read> Read for Budgeted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let limit = LIMIT.with(std::cell::Cell::get);
        if live_bytes().is_some_and(|live| live > limit) {
            return Err(io::Error::new(
                io::ErrorKind::OutOfMemory,
                OverBudget {
                    line: self.line,
                    column: self.column,
                },
            ));
        }
        let n = self.inner.read(buf)?;
        let read = &buf[..n];
        match memchr::memrchr(b'\n', read) {
            Some(last) => {
                self.line += memchr::memchr_iter(b'\n', read).count();
                self.column = n - last - 1;
            }
            None => self.column += n,
        }
        Ok(n)
    }
}

/// The refusal of a read over budget, with the position the parser had
/// reached (serde_json's line and column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct OverBudget {
    pub line: usize,
    pub column: usize,
}

impl std::fmt::Display for OverBudget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(REFUSAL)
    }
}

impl std::error::Error for OverBudget {}

impl OverBudget {
    /// The refusal an I/O error carries, if it is one.
    pub(crate) fn of(e: &io::Error) -> Option<OverBudget> {
        e.get_ref()?.downcast_ref::<OverBudget>().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_refusal_names_the_budget() {
        assert!(REFUSAL.contains(&format!(" {GROWTH}x ")), "{REFUSAL}");
    }

    #[test]
    fn the_reader_knows_where_the_parser_stands() {
        let text = b"{\n  \"a\": 1,\n  \"bc\": 2}";
        let mut r = Budgeted::new(&text[..]);
        let mut buf = [0u8; 5];
        let mut got = Vec::new();
        loop {
            let n = r.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            got.extend_from_slice(&buf[..n]);
            let (line, column) = crate::load::position(&got, got.len());
            // `position` is 1-based and points at the next byte.
            assert_eq!((r.line, r.column), (line, column - 1), "{got:?}");
        }
        assert_eq!(got, text);
    }

    #[test]
    fn the_string_buffer_is_the_power_of_two_a_vec_grows_to() {
        assert_eq!(string_buffer(0), 0);
        assert_eq!(string_buffer(1), cost(8));
        assert_eq!(string_buffer(30 << 20), cost(32 << 20));
        assert_eq!(string_buffer((32 << 20) + 1), cost(64 << 20));
        // Grown byte by byte, as the parser grows it.
        let mut v = Vec::<u8>::new();
        for i in 0..1000u32 {
            v.push(b'a' + (i % 26) as u8);
        }
        assert_eq!(cost(v.capacity()), string_buffer(1000));
    }

    #[test]
    fn a_block_costs_what_the_allocator_takes() {
        assert_eq!(cost(1), 32);
        assert_eq!(cost(24), 32);
        assert_eq!(cost(25), 48);
        assert_eq!(cost(1000), 1008);
    }
}
