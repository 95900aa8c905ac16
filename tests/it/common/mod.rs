//! Shared helpers for the end-to-end tests.
pub mod patch;

use std::ffi::OsStr;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use ibaudit_rules::{audit, AuditOptions, Config, Date, Report};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture(rel: &str) -> PathBuf {
    root().join("fixtures").join(rel)
}

/// A JSON file, parsed.
pub fn read_json(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The clean account the rule fixtures patch.
pub fn base_account() -> serde_json::Value {
    read_json(&fixture("rules/base.json"))
}

/// The complete snapshot a rule fixture describes: its patch applied to the
/// base account (`fixtures/rules/README.md`).
pub fn rule_fixture(path: &Path) -> serde_json::Value {
    let mut doc = patch::apply(Some(&base_account()), &read_json(path));
    patch::resolve(&mut doc);
    doc
}

pub fn demo() -> PathBuf {
    fixture("demo/snapshot.json")
}

/// Audits a snapshot file with default options on a fixed day.
pub fn audit_file(path: &Path) -> Report {
    let snapshot = ibaudit_snapshot::load(path).unwrap_or_else(|e| panic!("{e}"));
    audit(&snapshot, &options())
}

pub fn options() -> AuditOptions {
    AuditOptions {
        config: Config::default(),
        environments: Vec::new(),
        today: Date::parse("2026-11-26").unwrap(),
    }
}

/// Runs the binary with `args` in the repository root, with a scrubbed
/// environment (see [`Ibaudit`]).
pub fn ibaudit(args: &[&str]) -> Output {
    Ibaudit::new(args).run()
}

/// The one way the tests run the `ibaudit` binary: with a scrubbed
/// environment (nothing but `PATH`: no colour settings, no AWS profile or
/// credentials of the person running the tests), in the repository root,
/// with no standard input. A test adds exactly the environment, directory
/// and input it needs.
#[must_use]
pub struct Ibaudit {
    cmd: Command,
    stdin: Option<Vec<u8>>,
}

impl Ibaudit {
    pub fn new(args: &[&str]) -> Self {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ibaudit"));
        cmd.args(args);
        Self::scrubbed(cmd)
    }

    /// Runs `script` with `sh -c`, the binary's path as `$0` and `args` as
    /// `$1...`: for what only a shell can set up (a umask, a closed
    /// descriptor).
    pub fn shell(script: &str, args: &[&str]) -> Self {
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg(script)
            .arg(env!("CARGO_BIN_EXE_ibaudit"))
            .args(args);
        Self::scrubbed(cmd)
    }

    fn scrubbed(mut cmd: Command) -> Self {
        cmd.current_dir(root())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .stdin(Stdio::null());
        Ibaudit { cmd, stdin: None }
    }

    /// Where standard output goes (captured unless set).
    pub fn stdout(mut self, to: Stdio) -> Self {
        self.cmd.stdout(to);
        self
    }

    /// Where standard error goes (captured unless set).
    pub fn stderr(mut self, to: Stdio) -> Self {
        self.cmd.stderr(to);
        self
    }

    #[cfg_attr(not(feature = "collector"), allow(dead_code))]
    pub fn env(mut self, key: &str, value: impl AsRef<OsStr>) -> Self {
        self.cmd.env(key, value);
        self
    }

    pub fn dir(mut self, dir: &Path) -> Self {
        self.cmd.current_dir(dir);
        self
    }

    /// Feeds `input` on standard input.
    pub fn stdin(mut self, input: impl Into<Vec<u8>>) -> Self {
        self.stdin = Some(input.into());
        self
    }

    /// Runs to the end and returns what it printed and its exit status.
    pub fn run(mut self) -> Output {
        let Some(input) = self.stdin else {
            return self.cmd.output().expect("the binary runs");
        };
        self.cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = self.cmd.spawn().expect("the binary runs");
        let mut pipe = child.stdin.take().expect("stdin is piped");
        // Written from a thread so that a child that prints before it has
        // read everything cannot deadlock the test.
        // A child that stops reading early closes the pipe: what it did
        // with the part it read is what the test checks.
        let writer = std::thread::spawn(move || match pipe.write_all(&input) {
            Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => panic!("stdin: {e}"),
            _ => (),
        });
        let out = child.wait_with_output().expect("the binary runs");
        writer.join().expect("the writer thread ends");
        out
    }
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("stdout is UTF-8")
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).expect("stderr is UTF-8")
}

pub fn code(o: &Output) -> i32 {
    o.status.code().expect("exited, not killed")
}

/// A small snapshot: the rule fixtures' base account (`fixtures/rules/`) with
/// its Image Builder endpoint broken (private DNS off, in a single zone: one
/// medium and one low finding), copied under each given account id.
pub fn small_snapshot(accounts: &[&str]) -> serde_json::Value {
    let broken = patch::apply(
        Some(&base_account()),
        &serde_json::json!({"accounts": [{"account_id": BASE_ACCOUNT, "regions": [{
            "region": "us-east-1",
            "DescribeVpcEndpoints": {"VpcEndpoints": [{
                "VpcEndpointId": "vpce-0a1b2c3d4e5f60001",
                "PrivateDnsEnabled": false,
                "SubnetIds": ["subnet-02a3b4c5d6e7f0001"]
            }]}
        }]}]}),
    );
    // The account id is also in ARNs and owner ids: each copy is the text
    // of the base's account with every occurrence replaced.
    let account = broken["accounts"][0].to_string();
    let mut doc = broken;
    doc["accounts"] = accounts
        .iter()
        .map(|a| {
            serde_json::from_str::<serde_json::Value>(&account.replace(BASE_ACCOUNT, a)).unwrap()
        })
        .collect::<Vec<_>>()
        .into();
    doc
}

/// The account id of the rule fixtures' base account.
pub const BASE_ACCOUNT: &str = "111122223333";

/// Writes a value as a file in a fresh temporary directory.
pub fn write_temp(name: &str, contents: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, contents).unwrap();
    (dir, path)
}
