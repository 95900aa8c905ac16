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
    let growth = ((len as f64) * GROWTH) as usize;
    start.saturating_add(growth.max(FLOOR))
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
    io::BufReader::with_capacity(CHECK_EVERY, Budgeted(reader))
}

/// How often the budget is checked, in bytes read. The densest shape (a
/// list of empty objects, three bytes each, read as records of about 400
/// bytes) grows the heap by about 1 MiB between two checks.
pub(crate) const CHECK_EVERY: usize = 8 << 10;

/// A reader that fails, with [`io::ErrorKind::OutOfMemory`], once the heap
/// is over the limit of [`with_limit`]. Wrapped in a `BufReader`, it checks
/// once per buffer refill.
pub(crate) struct Budgeted<R>(pub R);

impl<R: Read> Read for Budgeted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let limit = LIMIT.with(std::cell::Cell::get);
        if live_bytes().is_some_and(|live| live > limit) {
            return Err(io::Error::new(io::ErrorKind::OutOfMemory, REFUSAL));
        }
        self.0.read(buf)
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
    fn a_block_costs_what_the_allocator_takes() {
        assert_eq!(cost(1), 32);
        assert_eq!(cost(24), 32);
        assert_eq!(cost(25), 48);
        assert_eq!(cost(1000), 1008);
    }
}
