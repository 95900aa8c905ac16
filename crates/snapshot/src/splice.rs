//! The resources of a snapshot read from slices of the file, not through
//! the streaming parser.
//!
//! The streaming parser (`serde_json` over a reader) takes every byte
//! through a call of its own: on a snapshot of 100,000 endpoints that is
//! most of the time of an audit. The resources of the response lists are
//! most of the bytes, and each is small. So the scan that runs before the
//! read ([`crate::scan`]) records where each resource of a list the model
//! reads item by item ([`crate::described::list`]) starts and ends, for the
//! items of [`MIN`] to [`MAX`] bytes; while the file is read, [`Splice`]
//! hands the parser, in place of each of them, a string naming it (a
//! placeholder, with a nonce of this process that no file can know), and
//! keeps its bytes aside; the list's item, handed the placeholder, parses
//! those bytes as a slice ([`take`]) inside its own frame, as it would have
//! parsed them streamed.
//!
//! Only a read that fails nowhere is kept: a read that fails for any reason
//! is read again without splicing, which gives the error (and its JSON path)
//! a streamed read gives. The memory budget is checked after each item (the
//! parser asks for more of the file right after it), so an item spliced
//! grows the heap by at most what [`MAX`] bytes of it can, before the check.

use std::cell::RefCell;
use std::io::{self, Read};

/// The smallest item spliced: below it, the placeholder and the parser set
/// up for it cost about what they save.
pub(crate) const MIN: usize = 256;

/// The largest item spliced, so that the bytes set aside (and what they grow
/// into before the budget is checked) stay small.
pub(crate) const MAX: usize = u16::MAX as usize;

/// The most items recorded (10 bytes each: 8 MiB at most); the items past
/// it are read streamed.
pub(crate) const MAX_ITEMS: usize = 800_000;

/// Where the spliced items are, in file order.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Ranges {
    starts: Vec<u64>,
    /// Each item's length, at most [`MAX`].
    lens: Vec<u16>,
}

impl Ranges {
    /// Records an item at `start..end`, if it is of a size spliced and the
    /// table has room.
    pub(crate) fn record(&mut self, start: usize, end: usize) {
        let len = end - start;
        if (MIN..=MAX).contains(&len) && self.starts.len() < MAX_ITEMS {
            self.starts.push(start as u64);
            self.lens.push(len as u16);
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.starts.len()
    }

    fn get(&self, i: usize) -> Option<(u64, usize)> {
        Some((*self.starts.get(i)?, *self.lens.get(i)? as usize))
    }
}

/// The item set aside for the placeholder just handed out, while a read
/// splices.
struct Slot {
    /// The placeholder's text, without its quotes: a prefix with the nonce,
    /// and the item's index.
    prefix: String,
    /// The index of the item in the slot, and its bytes.
    item: Option<(usize, Vec<u8>)>,
    /// Items parsed from their slice in this read (for tests).
    taken: usize,
}

thread_local! {
    static SLOT: RefCell<Option<Slot>> = const { RefCell::new(None) };
}

/// A nonce of this process: keys of the standard library's hasher, which
/// come from the operating system's random source.
fn nonce() -> String {
    use std::hash::{BuildHasher, Hasher};
    let part = || {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u8(0);
        h.finish()
    };
    format!("{:016x}{:016x}", part(), part())
}

/// Whether a read that splices is under way on this thread.
pub(crate) fn active() -> bool {
    SLOT.with(|s| s.borrow().is_some())
}

/// The bytes of the item `placeholder` names, if it is the placeholder just
/// handed out.
pub(crate) fn take(placeholder: &str) -> Option<Vec<u8>> {
    SLOT.with(|s| {
        let mut slot = s.borrow_mut();
        let slot = slot.as_mut()?;
        let index: usize = placeholder
            .strip_prefix(slot.prefix.as_str())?
            .parse()
            .ok()?;
        match slot.item.take() {
            Some((i, bytes)) if i == index => {
                slot.taken += 1;
                Some(bytes)
            }
            other => {
                slot.item = other;
                None
            }
        }
    })
}

/// Runs `read` with splicing on for this thread.
pub(crate) fn splicing<T>(read: impl FnOnce() -> T) -> T {
    struct Off;
    impl Drop for Off {
        fn drop(&mut self) {
            let slot = SLOT.with(|s| s.borrow_mut().take());
            LAST.with(|l| l.set((slot.map_or(0, |s| s.taken), false)));
        }
    }
    SLOT.with(|s| {
        *s.borrow_mut() = Some(Slot {
            prefix: format!("ibaudit:spliced:{}:", nonce()),
            item: None,
            taken: 0,
        })
    });
    let _off = Off;
    read()
}

thread_local! {
    /// Of the last read account by account on this thread: the items it
    /// parsed from their slices, and whether that read stood.
    static LAST: std::cell::Cell<(usize, bool)> = const { std::cell::Cell::new((0, false)) };
}

/// Forgets the last read's figures, as a new read starts.
pub(crate) fn begin() {
    LAST.with(|l| l.set((0, false)));
}

/// Notes whether the first read of a file (splicing, where it had items to
/// splice) stood, or was read again.
pub(crate) fn note_read(stood: bool) {
    LAST.with(|l| l.set((l.get().0, stood)));
}

/// Of the last read account by account on this thread: the items it parsed
/// from their slices, and whether that read stood (was not read again).
#[cfg(test)]
pub(crate) fn last_read() -> (usize, bool) {
    LAST.with(std::cell::Cell::get)
}

/// Parses an item's bytes as `T`, as the streamed read would have.
pub(crate) fn parse<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> serde_json::Result<T> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = T::deserialize(&mut de)?;
    de.end()?;
    Ok(value)
}

/// A reader of the file that hands out, in place of each recorded item, its
/// placeholder (see the module's documentation). A read never goes past the
/// end of a placeholder: the parser has then dealt with it before it asks
/// for the next bytes, so one item at a time is set aside.
pub(crate) struct Splice<R> {
    inner: io::BufReader<R>,
    ranges: Ranges,
    /// The next item to splice.
    next: usize,
    /// The offset in the file of the next byte read from it.
    at: u64,
    /// What is left to hand out of the last placeholder.
    pending: Vec<u8>,
    pending_at: usize,
}

impl<R: Read> Splice<R> {
    pub(crate) fn new(inner: R, ranges: Ranges) -> Self {
        Splice {
            inner: io::BufReader::with_capacity(64 << 10, inner),
            ranges,
            next: 0,
            at: 0,
            pending: Vec::new(),
            pending_at: 0,
        }
    }
}

impl<R: Read> Read for Splice<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pending_at < self.pending.len() {
            let n = (self.pending.len() - self.pending_at).min(buf.len());
            buf[..n].copy_from_slice(&self.pending[self.pending_at..self.pending_at + n]);
            self.pending_at += n;
            return Ok(n);
        }
        let Some((start, len)) = self.ranges.get(self.next) else {
            let n = self.inner.read(buf)?;
            self.at += n as u64;
            return Ok(n);
        };
        if self.at > start {
            // Not in file order (the scan records them in order): read
            // streamed.
            self.next = usize::MAX;
            return self.read(buf);
        }
        if self.at < start {
            let room = (start - self.at).min(buf.len() as u64) as usize;
            let n = self.inner.read(&mut buf[..room])?;
            self.at += n as u64;
            return Ok(n);
        }
        // At an item: set it aside, hand out its placeholder.
        let mut bytes = vec![0; len];
        self.inner.read_exact(&mut bytes)?;
        self.at += len as u64;
        let index = self.next;
        self.next += 1;
        // Not splicing (no slot): the item is handed out as it is.
        self.pending = SLOT.with(|s| match s.borrow_mut().as_mut() {
            Some(slot) => {
                let placeholder = format!("\"{}{index}\"", slot.prefix);
                slot.item = Some((index, bytes));
                placeholder.into_bytes()
            }
            None => bytes,
        });
        self.pending_at = 0;
        self.read(buf)
    }
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use crate::{load, load_each, Account};

    fn temp(name: &str, text: &str) -> PathBuf {
        let path =
            std::env::temp_dir().join(format!("ibaudit-splice-{}-{name}.json", std::process::id()));
        std::fs::write(&path, text).unwrap();
        path
    }

    /// The accounts `load_each` hands over, and what the last read noted.
    fn read_each(path: &Path) -> (Result<Vec<Account>, String>, (usize, bool)) {
        let mut accounts = Vec::new();
        let read = load_each(path, |_, a| accounts.push(a)).map_err(|e| e.to_string());
        (read.map(|_| accounts), super::last_read())
    }

    /// The error of a snapshot `text` that does not read: the spliced read
    /// did not stand, and `load_each` refuses it as the streamed `load` does.
    fn refused_alike(name: &str, text: &str) -> String {
        let path = temp(name, text);
        let (spliced, (_, stood)) = read_each(&path);
        let streamed = load(&path).unwrap_err().to_string();
        std::fs::remove_file(&path).unwrap();
        assert!(!stood);
        assert_eq!(spliced.unwrap_err(), streamed);
        streamed
    }

    /// An endpoint of about 600 bytes; `fields` replaces its type.
    fn endpoint(n: usize, fields: &str) -> String {
        format!(
            r#"{{"VpcEndpointId":"vpce-{n:017x}",{fields}"VpcId":"vpc-0123456789abcdef0",
            "ServiceName":"com.amazonaws.us-east-1.imagebuilder","State":"available",
            "PolicyDocument":"{{\"Statement\":[{{\"Action\":\"*\",\"Effect\":\"Allow\",\"Principal\":\"*\",\"Resource\":\"*\"}}]}}",
            "SubnetIds":["subnet-02a3b4c5d6e7f0001","subnet-02a3b4c5d6e7f0002"],
            "Groups":[{{"GroupId":"sg-03c4d5e6f7a8b0001","GroupName":"vpc-endpoints"}}],
            "PrivateDnsEnabled":true,"DnsEntries":[{{"DnsName":"vpce-{n:017x}.imagebuilder.us-east-1.vpce.amazonaws.com"}}],
            "Tags":[{{"Key":"Name","Value":"endpoint {n} \u00e9\n"}}]}}"#
        )
    }

    fn snapshot(regions: &str) -> String {
        format!(
            r#"{{"ibaudit_snapshot":1,"collected_at":"2026-12-01T00:00:00Z",
            "accounts":[{{"account_id":"111122223333","partition":"aws","regions":[{regions}]}}]}}"#
        )
    }

    #[test]
    fn the_demo_reads_spliced_as_it_reads_streamed() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/demo/snapshot.json");
        let (spliced, (taken, stood)) = read_each(&path);
        let streamed = load(&path).unwrap();
        assert_eq!(spliced.unwrap(), streamed.accounts);
        assert!(stood, "the spliced read was read again");
        assert!(taken >= 5, "only {taken} items spliced");
    }

    #[test]
    fn items_spliced_keep_what_the_streamed_read_decides() {
        let ok = endpoint(1, r#""VpcEndpointType":"Interface","#);
        // The AWS CLI's own example output has no type: left out, recorded.
        let odd = endpoint(2, "");
        let text = snapshot(&format!(
            r#"{{"region":"us-east-1","DescribeVpcEndpoints":{{"VpcEndpoints":[{ok},{odd},{ok}]}},
            "DescribeFoo":{{"VpcEndpoints":[{odd}]}},
            "errors":[{{"operation":"DescribeVpcs","code":"AccessDenied","message":"{}"}}]}}"#,
            "x".repeat(400)
        ));
        let path = temp("odd", &text);
        let (spliced, (taken, stood)) = read_each(&path);
        let streamed = load(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        let spliced = spliced.unwrap();
        assert_eq!(spliced, streamed.accounts);
        assert!(stood);
        // The three endpoints of DescribeVpcEndpoints; not the list of an
        // operation the model does not read, nor the region's errors.
        assert_eq!(taken, 3);
        let region = &spliced[0].regions[0];
        assert_eq!(region.errors.len(), 2, "{:?}", region.errors);
        assert_eq!(
            region.errors[1].message,
            "the endpoint at DescribeVpcEndpoints.VpcEndpoints[1] has no VpcEndpointType field"
        );
    }

    #[test]
    fn a_failure_in_a_spliced_item_is_the_streamed_read_s_error() {
        let ok = endpoint(1, r#""VpcEndpointType":"Interface","#);
        let bad = endpoint(2, r#""VpcEndpointType":7,"#);
        let text = snapshot(&format!(
            r#"{{"region":"us-east-1","DescribeVpcEndpoints":{{"VpcEndpoints":[{ok},{bad}]}}}}"#
        ));
        let streamed = refused_alike("bad", &text);
        assert!(
            streamed.contains(
                "accounts[0].regions[0].DescribeVpcEndpoints.VpcEndpoints[1].VpcEndpointType"
            ),
            "{streamed}"
        );
    }

    #[test]
    fn a_placeholder_written_in_the_file_is_only_a_string() {
        // A string where an item belongs, shaped as a placeholder: no file
        // can know this process's nonce, and a string is not an endpoint.
        let ok = endpoint(1, r#""VpcEndpointType":"Interface","#);
        let text = snapshot(&format!(
            r#"{{"region":"us-east-1","DescribeVpcEndpoints":{{"VpcEndpoints":[{ok},"ibaudit:spliced:0:0"]}}}}"#
        ));
        let streamed = refused_alike("forged", &text);
        assert!(streamed.contains("invalid type: string"), "{streamed}");
    }

    #[test]
    fn the_scan_records_items_of_the_lists_read_item_by_item() {
        let big = endpoint(1, r#""VpcEndpointType":"Interface","#);
        let small = r#"{"VpcId":"vpc-1","EnableDnsSupport":{"Value":true}}"#;
        let attr = format!(
            r#"{{"VpcId":"vpc-2","EnableDnsSupport":{{"Value":true}},"Pad":"{}"}}"#,
            "p".repeat(300)
        );
        let text = snapshot(&format!(
            r#"{{"region":"us-east-1","DescribeVpcEndpoints":{{"VpcEndpoints":[{big}],"Other":[{big}]}},
            "DescribeVpcAttribute":[{small},{attr}]}}"#
        ));
        let (_, ranges) =
            crate::scan::scan_splicing(std::io::Cursor::new(text.as_bytes()), text.len(), true)
                .unwrap();
        let items: Vec<&str> = (0..ranges.len())
            .map(|i| {
                let (start, len) = ranges.get(i).unwrap();
                &text[start as usize..start as usize + len]
            })
            .collect();
        assert_eq!(items, [big.as_str(), attr.as_str()]);
    }
}
