//! Where output goes: the report (and snapshots) to standard output or to
//! the file `-o` names, and messages to standard error.
//!
//! The file writer never destroys what the path points at:
//! - a regular file, or a path that does not exist yet, is replaced
//!   atomically (a temp file beside it, renamed into place), so a failed run
//!   never leaves a partial report behind;
//! - a symbolic link is followed: its final target is replaced atomically
//!   and the link itself is kept;
//! - anything else (a device such as `/dev/full`, a FIFO, a socket, or an
//!   open file descriptor such as `/dev/stdout` or `/dev/fd/N`) is opened
//!   and written directly, in append mode, so the node survives;
//! - a new file gets the mode the user's umask gives (`0666 & !umask`), as
//!   any other tool's output; a replaced file keeps its mode (and, when
//!   allowed, its owner).
//!
//! Any failure is an error naming the path (exit code 2).
//!
//! Standard output: a reader that stops reading (`| head`) is not an error:
//! the run ends quietly with the exit code the audit decided. A standard
//! output that was closed when the process started (`>&-`) is an error:
//! the report could not be delivered.
//!
//! Standard error: messages are written with [`diag!`], which never panics
//! (a closed stderr pipe loses the messages, never the report), makes
//! snapshot and AWS text inert, and redacts credentials in URLs.

use std::fs::{self, File, Metadata, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

/// Writes one message line to standard error; see [`say`].
macro_rules! diag {
    ($($arg:tt)*) => {
        $crate::output::say(&format!($($arg)*))
    };
}
pub(crate) use diag;

/// The line as it is shown: every control and bidirectional-override
/// character escaped (messages quote snapshot and AWS text: region names,
/// account ids, error messages), and the userinfo of every URL replaced.
pub fn message_line(message: &str) -> String {
    let redacted = ibaudit_snapshot::redact_urls(message);
    let mut line = ibaudit_report::inert(&redacted).into_owned();
    line.push('\n');
    line
}

/// Writes `message` and a newline to standard error. Errors are ignored: a
/// closed or broken stderr must not stop the run or lose its output.
pub fn say(message: &str) {
    let line = message_line(message);
    let mut err = io::stderr().lock();
    let _ = err.write_all(line.as_bytes()).and_then(|()| err.flush());
}

/// What to write, given where: the text of a report, or a writer of a
/// document too large to hold as text too (a merged snapshot).
type Body<'a> = &'a dyn Fn(&mut dyn Write) -> io::Result<()>;

/// Writes `text` to standard output (`None`) or to the file at `path`.
pub fn write_report(text: &str, path: Option<&Path>) -> Result<()> {
    write_with(&|w| w.write_all(text.as_bytes()), path)
}

/// Writes a snapshot as ibaudit writes every snapshot (indented, a final
/// newline), streamed: its text is never held whole beside it.
#[cfg(test)]
pub fn write_snapshot(snapshot: &ibaudit_snapshot::Snapshot, path: Option<&Path>) -> Result<()> {
    write_with(
        &|w| {
            ibaudit_snapshot::json_pretty_to_writer(&mut *w, snapshot)?;
            w.write_all(b"\n")
        },
        path,
    )
}

/// Accounts written out as soon as they are read, to an unnamed temporary
/// file (removed by the system when it is closed, whatever ends the run), and
/// copied into the snapshot, sorted by id, by [`write_spooled_snapshot`] (or
/// joined part by part by [`write_merged_snapshot`]): what is kept in memory
/// is each account's id and place in the file.
pub struct Spool {
    file: File,
    accounts: Vec<Spooled>,
    len: u64,
    /// The text of the account being written.
    buffer: Vec<u8>,
}

/// One account's text in a [`Spool`].
struct Spooled {
    account_id: String,
    offset: u64,
    len: usize,
    /// Written as a merged snapshot writes it when it is the account's only
    /// part: regions in name order, no `collected_at` of its own.
    plain: bool,
}

impl Spool {
    /// A spool beside `output` (the same file system as the snapshot it
    /// will be copied into), or in the temporary directory where that
    /// directory takes no new file (or there is no `output`: standard
    /// output).
    pub fn beside(output: Option<&Path>) -> Result<Spool> {
        let file = match output {
            Some(output) => {
                let dir = match output.parent() {
                    Some(d) if !d.as_os_str().is_empty() => d,
                    _ => Path::new("."),
                };
                tempfile::tempfile_in(dir).or_else(|_| tempfile::tempfile())
            }
            None => tempfile::tempfile(),
        }
        .context("cannot create a temporary file for the accounts read")?;
        Ok(Spool {
            file,
            accounts: Vec::new(),
            len: 0,
            buffer: Vec::new(),
        })
    }

    /// Writes `account` as it stands in a snapshot's `accounts`.
    pub fn add(&mut self, account: &ibaudit_snapshot::Account) -> io::Result<()> {
        self.buffer.clear();
        ibaudit_snapshot::json_pretty_nested_to_writer(&mut self.buffer, account, 2)?;
        self.file.write_all(&self.buffer)?;
        self.accounts.push(Spooled {
            account_id: account.account_id.clone(),
            offset: self.len,
            len: self.buffer.len(),
            plain: account.collected_at.is_none()
                && account.regions.is_sorted_by(|x, y| x.region <= y.region),
        });
        self.len += self.buffer.len() as u64;
        if self.buffer.capacity() > 1 << 20 {
            self.buffer = Vec::new();
        }
        Ok(())
    }

    /// The accounts by id, the parts of each in the order they were added.
    fn sorted(mut self) -> io::Result<(File, Vec<Spooled>)> {
        self.file.flush()?;
        self.accounts
            .sort_by(|a, b| a.account_id.cmp(&b.account_id));
        Ok((self.file, self.accounts))
    }
}

/// The text of `entry`, read back from `file`.
fn read_spooled(mut file: &File, entry: &Spooled) -> io::Result<String> {
    use io::{Read, Seek};
    let mut text = vec![0; entry.len];
    file.seek(io::SeekFrom::Start(entry.offset))?;
    file.read_exact(&mut text)?;
    String::from_utf8(text).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

/// The text of `entry`, to write as it is.
fn raw_spooled(file: &File, entry: &Spooled) -> io::Result<Box<serde_json::value::RawValue>> {
    serde_json::value::RawValue::from_string(read_spooled(file, entry)?).map_err(io::Error::other)
}

/// The accounts of a [`Spool`], serialized one at a time from its file.
#[cfg(feature = "collector")]
struct SpooledAccounts<'a> {
    file: &'a File,
    accounts: &'a [Spooled],
}

#[cfg(feature = "collector")]
impl serde::Serialize for SpooledAccounts<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error, SerializeSeq};
        let mut seq = s.serialize_seq(Some(self.accounts.len()))?;
        for entry in self.accounts {
            seq.serialize_element(&raw_spooled(self.file, entry).map_err(S::Error::custom)?)?;
        }
        seq.end()
    }
}

/// Writes `envelope` (a snapshot without its accounts) with the accounts of
/// `spool`, sorted by id, as [`write_snapshot`] writes the whole snapshot.
#[cfg(feature = "collector")]
pub fn write_spooled_snapshot(
    envelope: &ibaudit_snapshot::Snapshot,
    spool: Spool,
    path: Option<&Path>,
) -> Result<()> {
    let (file, accounts) = spool.sorted()?;
    let accounts = SpooledAccounts {
        file: &file,
        accounts: &accounts,
    };
    write_envelope_with(envelope, &accounts, path)
}

fn write_envelope_with(
    envelope: &ibaudit_snapshot::Snapshot,
    accounts: &impl serde::Serialize,
    path: Option<&Path>,
) -> Result<()> {
    write_with(
        &|w| {
            ibaudit_snapshot::json_pretty_to_writer(
                &mut *w,
                &ibaudit_snapshot::SnapshotWith(envelope, accounts),
            )?;
            w.write_all(b"\n")
        },
        path,
    )
}

/// The accounts of a merge: each account's parts read back from the spool
/// and joined ([`ibaudit_snapshot::join`]), one account at a time.
struct MergedAccounts<'a> {
    file: &'a File,
    /// The spool's parts, sorted by account id.
    parts: &'a [Spooled],
    /// Each account's time, in id order.
    accounts: &'a [(String, Option<String>)],
}

impl serde::Serialize for MergedAccounts<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error, SerializeSeq};
        let mut seq = s.serialize_seq(Some(self.accounts.len()))?;
        let mut rest = self.parts;
        for (id, collected_at) in self.accounts {
            let n = rest.iter().take_while(|p| &p.account_id == id).count();
            let (parts, after) = rest.split_at(n);
            rest = after;
            match parts {
                // One part, already as the merge writes it: its text.
                [only] if only.plain && collected_at.is_none() => {
                    seq.serialize_element(
                        &raw_spooled(self.file, only).map_err(S::Error::custom)?,
                    )?;
                }
                _ => {
                    let mut read = Vec::with_capacity(parts.len());
                    for p in parts {
                        let text = read_spooled(self.file, p).map_err(S::Error::custom)?;
                        read.push(
                            ibaudit_snapshot::account_from_slice_keeping(text.as_bytes())
                                .map_err(S::Error::custom)?,
                        );
                    }
                    if read.is_empty() {
                        return Err(S::Error::custom(format!(
                            "account {id} is missing from the spool"
                        )));
                    }
                    seq.serialize_element(&ibaudit_snapshot::join(read, collected_at.clone()))?;
                }
            }
        }
        seq.end()
    }
}

/// Writes the merge `merged` (its envelope, and each account's time) with
/// the accounts' parts held in `spool`, as [`write_snapshot`] writes the
/// snapshot [`ibaudit_snapshot::merge`] returns.
pub fn write_merged_snapshot(
    merged: &ibaudit_snapshot::Merged,
    spool: Spool,
    path: Option<&Path>,
) -> Result<()> {
    let (file, parts) = spool.sorted()?;
    let accounts = MergedAccounts {
        file: &file,
        parts: &parts,
        accounts: &merged.accounts,
    };
    write_envelope_with(&merged.envelope, &accounts, path)
}

/// Writes what `body` writes to standard output (`None`) or to the file at
/// `path`, through a buffer: the document is never held whole.
pub fn write_with(body: Body, path: Option<&Path>) -> Result<()> {
    match path {
        None => write_stdout(body),
        Some(path) => write_file(body, path),
    }
}

/// `body` written through a buffer into `out`, flushed.
fn buffered(body: Body, out: &mut dyn Write) -> io::Result<()> {
    let mut w = io::BufWriter::with_capacity(1 << 16, out);
    body(&mut w)?;
    w.flush()
}

fn write_stdout(body: Body) -> Result<()> {
    if stdout_closed() {
        bail!("standard output is closed: nothing was written (redirect it, or use -o FILE)");
    }
    let mut out = io::stdout().lock();
    match buffered(body, &mut out).and_then(|()| out.flush()) {
        // A reader that stopped reading (`| head`) is not an error.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("cannot write to standard output"),
    }
}

fn write_file(body: Body, path: &Path) -> Result<()> {
    let target = match resolve(path).with_context(|| format!("{}: cannot write", path.display()))? {
        Resolved::File(target) => target,
        Resolved::Descriptor(fd) => {
            if names_stdout(&fd) && stdout_closed() {
                bail!(
                    "{}: standard output is closed: nothing was written",
                    path.display()
                );
            }
            return write_direct(body, path);
        }
    };
    match fs::metadata(&target) {
        Ok(m) if m.is_file() => replace(body, path, &target, Some(&m)),
        Ok(_) => write_direct(body, path),
        Err(e) if e.kind() == io::ErrorKind::NotFound => replace(body, path, &target, None),
        Err(e) => Err(e).with_context(|| format!("{}: cannot write", path.display())),
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Resolved {
    /// The path of the file itself, every link followed (it may not exist).
    File(PathBuf),
    /// A link to an open file descriptor (`/dev/stdout`, `/dev/fd/N`,
    /// `/proc/self/fd/N`): a stream to write to, not a file to replace.
    Descriptor(PathBuf),
}

/// What `path` names once every symbolic link is followed (the links
/// themselves are kept).
fn resolve(path: &Path) -> io::Result<Resolved> {
    let mut p = path.to_path_buf();
    // Linux follows at most 40 links in one path lookup (path_resolution(7)).
    for _ in 0..40 {
        if is_descriptor_link(&p) {
            return Ok(Resolved::Descriptor(p));
        }
        match fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => {
                let link = fs::read_link(&p)?;
                p = match p.parent() {
                    Some(dir) if link.is_relative() => dir.join(link),
                    _ => link,
                };
            }
            _ => return Ok(Resolved::File(p)),
        }
    }
    Err(io::Error::other("too many levels of symbolic links"))
}

/// `/proc/...` and `/dev/fd/...`: names of open descriptors, not files.
fn is_descriptor_link(p: &Path) -> bool {
    p.starts_with("/proc") || p.starts_with("/dev/fd")
}

fn names_stdout(p: &Path) -> bool {
    [
        "/dev/stdout",
        "/dev/fd/1",
        "/proc/self/fd/1",
        "/proc/thread-self/fd/1",
    ]
    .iter()
    .any(|s| p == Path::new(s))
}

/// Writes to what `path` names without replacing it: a device, a FIFO, a
/// socket, an open descriptor. Append mode: written at the end of a file
/// that a shell opened with `>>`, and no different anywhere else.
fn write_direct(body: Body, path: &Path) -> Result<()> {
    let mut file = OpenOptions::new()
        .append(true)
        .open(path)
        .with_context(|| format!("{}: cannot open for writing", path.display()))?;
    buffered(body, &mut file).with_context(|| format!("{}: cannot write", path.display()))
}

/// Replaces the regular file `target` (or creates it) atomically. `shown`
/// is the path as the user gave it, for messages.
fn replace(body: Body, shown: &Path, target: &Path, existing: Option<&Metadata>) -> Result<()> {
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".ibaudit-").suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // The kernel applies the umask to the mode a file is created with
        // (open(2)): a new report gets 0666 & !umask, like any tool's
        // output. Replacing a file, start from its own mode, never wider.
        let mode = existing.map_or(0o666, |m| m.permissions().mode() & 0o777);
        builder.permissions(fs::Permissions::from_mode(mode));
    }
    let mut tmp = builder.tempfile_in(dir).with_context(|| {
        format!(
            "{}: cannot create a file in {}",
            shown.display(),
            dir.display()
        )
    })?;
    if let Some(m) = existing {
        keep_mode_and_owner(tmp.as_file(), m);
    }
    buffered(body, &mut tmp)
        .and_then(|()| tmp.as_file().sync_all())
        .with_context(|| format!("{}: cannot write", shown.display()))?;
    tmp.persist(target)
        .map_err(|e| e.error)
        .with_context(|| format!("{}: cannot replace", shown.display()))?;
    Ok(())
}

/// The replacement keeps the replaced file's exact mode (the umask does not
/// apply to chmod) and, where the user may set it, its owner and group.
/// Best effort: a file system that does not keep modes does not stop the run.
fn keep_mode_and_owner(file: &File, old: &Metadata) {
    let _ = file.set_permissions(old.permissions());
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let _ = std::os::unix::fs::fchown(file, Some(old.uid()), Some(old.gid()));
        // chown may clear the set-id bits: set the mode again.
        let _ = file.set_permissions(old.permissions());
    }
}

/// Whether file descriptor 1 was closed when the process started. The Rust
/// runtime puts `/dev/null` in place of a closed standard descriptor before
/// `main` runs, which would make every write to standard output succeed
/// unseen; this probe runs before that, as an ELF initialiser.
pub fn stdout_closed() -> bool {
    #[cfg(target_os = "linux")]
    {
        stdout_probe::CLOSED.load(std::sync::atomic::Ordering::Relaxed)
    }
    #[cfg(not(target_os = "linux"))]
    {
        false
    }
}

#[cfg(target_os = "linux")]
mod stdout_probe {
    use std::sync::atomic::{AtomicBool, Ordering};

    pub static CLOSED: AtomicBool = AtomicBool::new(false);

    /// Functions in `.init_array` run before the Rust runtime's own
    /// initialisation (which replaces closed descriptors 0-2). A closed
    /// descriptor 1 has no `/proc/self/fd/1` entry; without /proc mounted
    /// nothing is concluded.
    extern "C" fn probe() {
        if std::fs::metadata("/proc/self/fd").is_ok()
            && matches!(
                std::fs::symlink_metadata("/proc/self/fd/1"),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound
            )
        {
            CLOSED.store(true, Ordering::Relaxed);
        }
    }

    #[used]
    #[link_section = ".init_array"]
    static PROBE: extern "C" fn() = probe;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_inert_and_without_credentials() {
        let line = message_line(
            "cannot reach AWS at http://user:secret@host:1: region us-east-1\u{1b}]0;x\u{7}\r\u{9b}\u{202e}",
        );
        assert_eq!(
            line,
            "cannot reach AWS at http://***@host:1: region us-east-1\\u{1b}]0;x\\u{7}\\u{d}\\u{9b}\\u{202e}\n"
        );
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn descriptor_links_are_streams() {
        assert_eq!(
            resolve(Path::new("/dev/stdout")).unwrap(),
            Resolved::Descriptor(PathBuf::from("/proc/self/fd/1"))
        );
        assert_eq!(
            resolve(Path::new("/dev/fd/2")).unwrap(),
            Resolved::Descriptor(PathBuf::from("/dev/fd/2"))
        );
        assert_eq!(
            resolve(Path::new("no/such/file")).unwrap(),
            Resolved::File(PathBuf::from("no/such/file"))
        );
    }

    #[cfg(feature = "collector")]
    #[test]
    fn a_spooled_snapshot_is_the_snapshot_written_whole_byte_for_byte() {
        let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo/snapshot.json");
        let mut snapshot = ibaudit_snapshot::load_keeping(&demo).unwrap();
        let first = snapshot.accounts[0].clone();
        for id in ["999999999999", "000000000001", "555555555555"] {
            let mut a = first.clone();
            a.account_id = id.into();
            a.errors.push(ibaudit_snapshot::CollectionError {
                operation: "AssumeRole".into(),
                code: "AccessDenied".into(),
                message: "not \u{1b}[31m authorized\r\n".into(),
                resource: None,
            });
            snapshot.accounts.push(a);
        }
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out.json");
        // Each account's regions in order, as the collector hands it over;
        // the accounts out of order, as they finish.
        for a in &mut snapshot.accounts {
            a.regions.sort_by(|x, y| x.region.cmp(&y.region));
        }
        let mut spool = Spool::beside(Some(&out)).unwrap();
        for a in snapshot.accounts.iter().rev() {
            spool.add(a).unwrap();
        }
        let envelope = ibaudit_snapshot::Snapshot {
            accounts: Vec::new(),
            ..snapshot.clone()
        };
        write_spooled_snapshot(&envelope, spool, Some(&out)).unwrap();
        snapshot.sort();
        let whole = dir.path().join("whole.json");
        write_snapshot(&snapshot, Some(&whole)).unwrap();
        assert_eq!(
            String::from_utf8(fs::read(&out).unwrap()).unwrap(),
            String::from_utf8(fs::read(&whole).unwrap()).unwrap()
        );
        // The spool left nothing behind.
        let mut names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        names.sort();
        assert_eq!(names, ["out.json", "whole.json"]);
        // No accounts: the envelope as it is written whole.
        let empty = dir.path().join("empty.json");
        write_spooled_snapshot(
            &envelope,
            Spool::beside(Some(&empty)).unwrap(),
            Some(&empty),
        )
        .unwrap();
        write_snapshot(&envelope, Some(&whole)).unwrap();
        assert_eq!(fs::read(&empty).unwrap(), fs::read(&whole).unwrap());
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_are_followed_relative_to_their_directory() {
        let dir = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink("b", dir.path().join("a")).unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        std::os::unix::fs::symlink("../a", dir.path().join("sub/c")).unwrap();
        assert_eq!(
            resolve(&dir.path().join("sub/c")).unwrap(),
            Resolved::File(dir.path().join("sub/../b"))
        );
        std::os::unix::fs::symlink("loop", dir.path().join("loop")).unwrap();
        assert!(resolve(&dir.path().join("loop")).is_err());
    }
}
