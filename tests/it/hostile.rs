//! Hostile input and hostile environments, end to end: text from a snapshot
//! never drives the terminal, `-o` never destroys what it points at, and
//! closed or broken streams never panic or pass silently.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::common::*;
use serde_json::Value;

/// Every kind of character that must not reach a terminal as itself: an OSC
/// sequence that retitles the window (ended by BEL), an erase-screen CSI, a
/// carriage return, a C1 CSI (U+009B), DEL and a right-to-left override.
const HOSTILE: &str = "\u{1b}]0;pwned\u{7}\u{1b}[2J\r\u{9b}31m\u{7f}\u{202e}";

/// Characters that a terminal interprets: controls (C0, DEL, C1) and the
/// bidirectional embeddings, overrides and isolates.
fn interpreted(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// The first interpreted character other than the newlines that end lines.
fn raw_control(text: &str) -> Option<char> {
    text.chars().find(|&c| c != '\n' && interpreted(c))
}

/// `text` without the table's own colour sequences (`ESC [ digits ; m`).
fn without_colour(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find("\u{1b}[") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let end = after
            .find(|c: char| !(c.is_ascii_digit() || c == ';'))
            .unwrap_or(after.len());
        if after[end..].starts_with('m') {
            rest = &after[end + 1..];
        } else {
            // Not a colour sequence: keep it, so the check below sees it.
            out.push_str("\u{1b}[");
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

fn demo_value() -> Value {
    serde_json::from_slice(&std::fs::read(demo()).unwrap()).unwrap()
}

/// The demo snapshot with hostile text in a resource id, the Sids of an
/// endpoint policy and a recorded error (operation, code, message, resource).
fn hostile_snapshot() -> Value {
    let mut s = demo_value();
    let region = &mut s["accounts"][0]["regions"][0];
    let endpoints = region["DescribeVpcEndpoints"]["VpcEndpoints"]
        .as_array_mut()
        .unwrap();
    let ep = endpoints
        .iter_mut()
        .find(|e| e["VpcEndpointId"] == "vpce-0a1b2c3d4e5f60021")
        .expect("the demo's broken endpoint");
    let mut policy: Value = serde_json::from_str(ep["PolicyDocument"].as_str().unwrap()).unwrap();
    for st in policy["Statement"].as_array_mut().unwrap() {
        st["Sid"] = Value::from(format!("S{HOSTILE}"));
    }
    ep["PolicyDocument"] = Value::from(policy.to_string());
    let errors = region
        .as_object_mut()
        .unwrap()
        .entry("errors")
        .or_insert_with(|| Value::Array(Vec::new()));
    errors.as_array_mut().unwrap().push(serde_json::json!({
        "operation": format!("DescribeThing{HOSTILE}"),
        "code": format!("Denied{HOSTILE}"),
        "message": format!("proxy says{HOSTILE}"),
        "resource": format!("vpce-0bad{HOSTILE}"),
    }));
    s
}

fn write_json(dir: &Path, name: &str, v: &Value) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, serde_json::to_vec(v).unwrap()).unwrap();
    p
}

#[test]
fn the_table_shows_snapshot_text_inert_in_every_colour_mode() {
    let dir = tempfile::tempdir().unwrap();
    let snap = write_json(dir.path(), "h.json", &hostile_snapshot());
    let snap = snap.to_str().unwrap();
    for color in ["never", "always", "auto"] {
        let o = ibaudit(&["audit", snap, "--format", "table", "--color", color]);
        assert_eq!(code(&o), 1, "{}", stderr(&o));
        let out = without_colour(&stdout(&o));
        assert_eq!(raw_control(&out), None, "--color {color}: {out:?}");
        assert_eq!(raw_control(&stderr(&o)), None, "{:?}", stderr(&o));
        // The hostile text is there, escaped: the reader sees what it is.
        for shown in [
            "(Sid \"S\\u{1b}]0;pwned\\u{7}",
            "vpce-0bad\\u{1b}]0;pwned",
            "Denied\\u{1b}]0;pwned",
        ] {
            assert!(
                out.replace(['|', ' ', '\n'], "")
                    .contains(&shown.replace(' ', "")),
                "--color {color}: {shown} in {out}"
            );
        }
        if color == "never" || color == "auto" {
            assert!(!out.contains('\u{1b}'), "{out:?}");
        }
    }
}

#[test]
fn json_keeps_hostile_text_exact() {
    let dir = tempfile::tempdir().unwrap();
    let snap = write_json(dir.path(), "h.json", &hostile_snapshot());
    let o = ibaudit(&["audit", snap.to_str().unwrap(), "--format", "json"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let report: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let findings = report["findings"].as_array().unwrap();
    assert!(findings
        .iter()
        .any(|f| f["resource_id"] == format!("vpce-0bad{HOSTILE}").as_str()));
    assert!(findings.iter().any(|f| f["message"]
        .as_str()
        .unwrap()
        .contains(&format!("(Sid \"S{HOSTILE}\")"))));
}

/// Every load error that quotes snapshot text quotes it inert on stderr.
#[test]
fn errors_on_stderr_quote_snapshot_text_inert() {
    let dir = tempfile::tempdir().unwrap();
    type Edit = fn(&mut Value);
    let cases: [(&str, Edit); 6] = [
        ("region", |s| {
            s["accounts"][0]["regions"][0]["region"] = format!("us-east-1{HOSTILE}").into()
        }),
        ("account", |s| {
            s["accounts"][0]["account_id"] = format!("1111{HOSTILE}").into()
        }),
        ("partition", |s| {
            s["accounts"][0]["partition"] = format!("aws{HOSTILE}").into()
        }),
        ("collected_at", |s| {
            s["collected_at"] = format!("2026-11-26T07:00:00Z{HOSTILE}").into()
        }),
        ("version", |s| {
            s["ibaudit_snapshot"] = format!("1{HOSTILE}").into()
        }),
        ("trail key", |s| {
            let trails = s["accounts"][0]["regions"][0]["GetTrailStatus"]
                .as_object_mut()
                .unwrap();
            trails.insert(
                format!("arn:aws:cloudtrail:us-east-1:111122223333:trail/t{HOSTILE}"),
                Value::from(5),
            );
        }),
    ];
    for (what, edit) in cases {
        let mut s = demo_value();
        edit(&mut s);
        let snap = write_json(dir.path(), "bad.json", &s);
        let o = ibaudit(&["audit", snap.to_str().unwrap()]);
        let err = stderr(&o);
        assert_eq!(code(&o), 2, "{what}: {err}");
        assert_eq!(raw_control(&err), None, "{what}: {err:?}");
        assert!(
            err.contains("\\u{1b}]0;pwned") || err.contains("\\u001b]0;pwned"),
            "{what}: {err}"
        );
        assert!(o.stdout.is_empty());
    }
}

#[test]
fn config_errors_quote_values_inert() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("ibaudit.toml");
    std::fs::write(
        &config,
        "environments = [\"prod\\u001b]0;pwned\\u0007\\u202e\"]\n",
    )
    .unwrap();
    let o = ibaudit(&[
        "audit",
        demo().to_str().unwrap(),
        "--config",
        config.to_str().unwrap(),
    ]);
    let err = stderr(&o);
    assert_eq!(code(&o), 2, "{err}");
    assert_eq!(raw_control(&err), None, "{err:?}");
    assert!(err.contains("prod\\u{1b}]0;pwned"), "{err}");
}

// ---- on a real terminal ----

/// The hostile text of the terminal tests: a carriage return, an erase-line
/// CSI in its 7-bit (`ESC [`) and 8-bit (U+009B) forms, then [`HOSTILE`].
fn terminal_hostile() -> String {
    format!("\r\u{1b}[2K\u{9b}2K{HOSTILE}")
}

/// `s` as a TOML basic string: every character but printable ASCII as
/// `\uXXXX`.
fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            ' '..='~' => out.push(c),
            c => out.push_str(&format!("\\u{:04X}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// The demo with hostile text in every kind of field a report or a message
/// shows: policy Sids and a recorded error (operation, code, message,
/// resource) from [`hostile_snapshot`], the account's name, every Name
/// tag, and an endpoint's id wherever it appears; and a second account, so
/// that the table has its Account column.
fn terminal_snapshot() -> Value {
    fn name_tags(v: &mut Value, h: &str) {
        match v {
            Value::Object(m) => {
                if m.get("Key").and_then(Value::as_str) == Some("Name") {
                    if let Some(Value::String(name)) = m.get_mut("Value") {
                        name.push_str(h);
                    }
                }
                m.values_mut().for_each(|v| name_tags(v, h));
            }
            Value::Array(a) => a.iter_mut().for_each(|v| name_tags(v, h)),
            _ => {}
        }
    }
    let h = terminal_hostile();
    let mut s = hostile_snapshot();
    s["accounts"][0]["account_name"] = format!("Production{h}").into();
    name_tags(&mut s, &h);
    let id = "\"vpce-0a1b2c3d4e5f60021\"";
    let text = s.to_string().replace(
        id,
        &Value::from(format!("vpce-0a1b2c3d4e5f60021{h}")).to_string(),
    );
    let mut s: Value = serde_json::from_str(&text).unwrap();
    let mut other = s["accounts"][0].clone();
    other["account_id"] = "444455556666".into();
    other["account_name"] = format!("Staging{h}").into();
    s["accounts"].as_array_mut().unwrap().push(other);
    s
}

/// Runs the binary with its standard output and standard error each on a
/// pseudo-terminal `cols` wide (`tests/harness/on_terminal.py`): the bytes
/// are exactly what a person at a terminal would get, and the binary sees
/// a terminal (box drawing, colour, the terminal's width).
fn on_terminal(dir: &Path, cols: u16, args: &[&str]) -> Output {
    let helper = root().join("tests/harness/on_terminal.py");
    let cols = cols.to_string();
    let mut all = vec![helper.to_str().unwrap(), cols.as_str()];
    all.extend_from_slice(args);
    Ibaudit::shell(
        r#"helper=$1 cols=$2; shift 2; exec python3 "$helper" --cols "$cols" -- "$0" "$@""#,
        &all,
    )
    .dir(dir)
    .run()
}

/// What a terminal would act on in `bytes`, other than the newlines that end
/// lines and, where `colour`, the table's own colour sequences: the
/// character and the text around it.
fn acted_on(bytes: &[u8], colour: bool) -> Option<String> {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => return Some(format!("not UTF-8: {e}")),
    };
    let text = if colour {
        without_colour(text)
    } else {
        text.to_string()
    };
    let (i, c) = text
        .char_indices()
        .find(|&(_, c)| c != '\n' && interpreted(c))?;
    let from = text.floor_char_boundary(i.saturating_sub(80));
    let to = text.ceil_char_boundary((i + 40).min(text.len()));
    Some(format!("{c:?} in {:?}", &text[from..to]))
}

/// What a run on a terminal must give.
enum Expect {
    /// A report (or a snapshot, a listing) on standard output.
    Report,
    /// Nothing on standard output, messages on standard error.
    Messages,
    /// A usage or input error (exit 2) on standard error.
    Error,
}

/// One run of the binary on a terminal.
struct Run<'a> {
    cols: u16,
    args: Vec<&'a str>,
    /// The table's own colour sequences may be on standard output.
    colour: bool,
    expect: Expect,
}

impl<'a> Run<'a> {
    fn table(cols: u16, args: Vec<&'a str>) -> Self {
        Run {
            cols,
            args,
            colour: true,
            expect: Expect::Report,
        }
    }

    fn report(args: Vec<&'a str>) -> Self {
        Run {
            cols: 100,
            args,
            colour: false,
            expect: Expect::Report,
        }
    }

    fn messages(args: Vec<&'a str>) -> Self {
        Run {
            expect: Expect::Messages,
            ..Run::report(args)
        }
    }

    fn error(args: Vec<&'a str>) -> Self {
        Run {
            expect: Expect::Error,
            ..Run::report(args)
        }
    }
}

/// On a real terminal, no command and no format lets text from the data
/// reach the terminal raw: no carriage return, no ESC or 8-bit CSI, no other
/// control or bidirectional character, on standard output or standard
/// error, whatever the width, colour or number of accounts; the text is
/// shown escaped (`\u{d}`) in human formats and as exact JSON escapes
/// (`\u009b`) in JSON.
#[test]
fn on_a_terminal_no_data_reaches_it_raw() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let h = terminal_hostile();
    let snap = write_json(d, "hostile.json", &terminal_snapshot());
    let snap = snap.to_str().unwrap();
    let mut bad_time = demo_value();
    bad_time["collected_at"] = format!("2026-11-26T07:00:00Z{h}").into();
    let bad_time = write_json(d, "bad-time.json", &bad_time);
    // The same snapshot with CR LF line ends, as an editor may save it: a
    // merge writes each response's JSON text as it was read.
    let crlf = serde_json::to_string_pretty(&terminal_snapshot()).unwrap();
    std::fs::write(d.join("crlf.json"), crlf.replace('\n', "\r\n")).unwrap();
    std::fs::write(
        d.join("ibaudit.toml"),
        format!(
            "[[suppress]]\nrule = \"IB006\"\nresource = \"vpce-*\"\nreason = {}\n\n\
             [[suppress]]\nrule = \"IB020\"\nresource = {}\nreason = \"old\"\nexpires = 2020-01-01\n",
            toml_string(&format!("accepted{h}")),
            toml_string(&format!("vpce-{h}*")),
        ),
    )
    .unwrap();
    // JSON reports for `diff` and `--baseline`, written to files.
    for (input, report) in [
        (demo(), "demo.report.json"),
        (snap.into(), "hostile.report.json"),
    ] {
        let o = ibaudit(&[
            "audit",
            input.to_str().unwrap(),
            "--format",
            "json",
            "-q",
            "-o",
            d.join(report).to_str().unwrap(),
        ]);
        assert_ne!(code(&o), 2, "{}", stderr(&o));
    }
    let plan = fixture("iac/terraform/change-in-account/plan.json");
    let plan = plan.to_str().unwrap();
    let demo = demo();
    let demo = demo.to_str().unwrap();
    let hostile_rule = format!("IB010{h}");
    let hostile_severity = format!("high{h}");
    let c = "--config=ibaudit.toml";
    const ACCOUNT: &str = "--account-id=111122223333";

    let mut runs: Vec<Run> = Vec::new();
    for color in ["auto", "always"] {
        for cols in [40, 100, 250] {
            runs.push(Run::table(cols, vec!["audit", snap, c, "--color", color]));
        }
    }
    runs.push(Run::report(vec!["audit", snap, c, "--color", "never"]));
    for format in [
        "markdown",
        "json",
        "sarif",
        "asff",
        "ocsf",
        "ocsf-jsonl",
        "html",
    ] {
        runs.push(Run::report(vec![
            "audit",
            snap,
            c,
            "--format",
            format,
            "--sarif-include-suppressed",
        ]));
    }
    runs.extend([
        Run::table(100, vec!["audit", snap, "--baseline", "demo.report.json"]),
        Run::table(100, vec!["audit", "crlf.json"]),
        Run::table(100, vec!["iac", plan, "--snapshot", snap, ACCOUNT]),
        Run::report(vec![
            "iac",
            plan,
            "--snapshot",
            snap,
            ACCOUNT,
            "--format",
            "markdown",
        ]),
        Run::report(vec!["diff", "demo.report.json", "hostile.report.json"]),
        Run::report(vec![
            "diff",
            "demo.report.json",
            "hostile.report.json",
            "--format",
            "markdown",
        ]),
        Run::report(vec![
            "diff",
            "demo.report.json",
            "hostile.report.json",
            "--format",
            "json",
        ]),
        Run::report(vec!["merge", snap, "-q"]),
        Run::report(vec!["merge", "crlf.json", "-q"]),
        Run::report(vec!["rules"]),
        Run::report(vec!["explain", "IB010"]),
        // Only messages, on standard error: the files written, with the
        // summary; what `diff` found.
        Run::messages(vec![
            "audit",
            snap,
            c,
            "-v",
            "-o",
            "out.txt",
            "--output",
            "markdown=out.md",
        ]),
        Run::messages(vec!["diff", demo, snap, c, "-v", "-o", "diff.txt"]),
        // Errors that quote what they refuse.
        Run::error(vec!["explain", &hostile_rule]),
        Run::error(vec!["audit", snap, "--fail-on", &hostile_severity]),
        Run::error(vec!["audit", bad_time.to_str().unwrap()]),
    ]);

    let mut failures = Vec::new();
    for run in &runs {
        let o = on_terminal(d, run.cols, &run.args);
        let what = format!(
            "{} columns: ibaudit {}",
            run.cols,
            run.args.join(" ").escape_debug()
        );
        let err = String::from_utf8_lossy(&o.stderr);
        match run.expect {
            Expect::Report => assert!(
                code(&o) != 2 && !o.stdout.is_empty(),
                "{what}: exit {}: {err}",
                code(&o)
            ),
            Expect::Messages => assert!(
                code(&o) != 2 && o.stdout.is_empty() && !o.stderr.is_empty(),
                "{what}: exit {}: {err}",
                code(&o)
            ),
            Expect::Error => assert!(
                code(&o) == 2 && !o.stderr.is_empty(),
                "{what}: exit {}: {err}",
                code(&o)
            ),
        }
        if let Some(raw) = acted_on(&o.stdout, run.colour) {
            failures.push(format!("{what}: stdout: {raw}"));
        }
        if let Some(raw) = acted_on(&o.stderr, false) {
            failures.push(format!("{what}: stderr: {raw}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // It was a terminal, and the data is there, shown for what it is.
    let table = on_terminal(d, 250, &["audit", snap, c]);
    let out = String::from_utf8(table.stdout).unwrap();
    assert!(out.contains('╭') && out.contains("\u{1b}[1m"), "{out}");
    for shown in [
        "vpce-0a1b2c3d4e5f60021\\u{d}\\u{1b}[2K\\u{9b}2K\\u{1b}]0;pwned\\u{7}",
        "(legacy-imagebuilder\\u{d}\\u{1b}[2K",
        "Production\\u{d}\\u{1b}[2K\\u{9b}2K",
        "Staging\\u{d}",
    ] {
        assert!(out.contains(shown), "{shown} in {out}");
    }
    let err = String::from_utf8(table.stderr).unwrap();
    assert!(err.contains("vpce-\\u{d}\\u{1b}[2K\\u{9b}2K"), "{err}");
    let json = on_terminal(d, 100, &["audit", snap, "--format", "json"]);
    let text = String::from_utf8(json.stdout).unwrap();
    assert!(
        text.contains(r"Production\r\u001b[2K\u009b2K\u001b]0;pwned\u0007"),
        "{text}"
    );
    let report: Value = serde_json::from_str(&text).unwrap();
    assert!(report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(
            |f| f["resource_id"] == format!("vpce-0a1b2c3d4e5f60021{h}").as_str()
                && f["account_name"] == format!("Production{h}").as_str()
        ));
    let usage = on_terminal(d, 100, &["audit", snap, "--fail-on", &hostile_severity]);
    assert_eq!(code(&usage), 2);
    let err = String::from_utf8(usage.stderr).unwrap();
    assert!(err.contains("high\\u{d}"), "{err}");
}

// ---- `-o` never destroys what it points at ----

fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o7777
}

/// Runs the binary through `sh` with a umask set (and other shell redirections).
fn ibaudit_sh(script: &str, dir: &Path) -> Output {
    Ibaudit::shell(script, &[demo().to_str().unwrap()])
        .dir(dir)
        .run()
}

#[test]
fn new_files_get_the_umask_and_replaced_files_keep_their_mode() {
    let dir = tempfile::tempdir().unwrap();
    let o = ibaudit_sh(
        r#"umask 027 && exec "$0" audit "$1" -q -o report.txt"#,
        dir.path(),
    );
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert_eq!(mode(&dir.path().join("report.txt")), 0o640);

    let kept = dir.path().join("kept.txt");
    std::fs::write(&kept, "old").unwrap();
    std::fs::set_permissions(&kept, std::os::unix::fs::PermissionsExt::from_mode(0o604)).unwrap();
    let o = ibaudit_sh(
        r#"umask 077 && exec "$0" audit "$1" -q --format json -o kept.txt"#,
        dir.path(),
    );
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert_eq!(mode(&kept), 0o604);
    let report: Value = serde_json::from_slice(&std::fs::read(&kept).unwrap()).unwrap();
    assert_eq!(report["ibaudit_report"], 1);
}

#[test]
fn a_symlink_is_followed_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("reports")).unwrap();
    let target = dir.path().join("reports/latest.json");
    std::fs::write(&target, "old").unwrap();
    let link = dir.path().join("link.json");
    std::os::unix::fs::symlink("reports/latest.json", &link).unwrap();
    let o = ibaudit(&[
        "audit",
        demo().to_str().unwrap(),
        "-q",
        "--format",
        "json",
        "-o",
        link.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(
        std::fs::read_link(&link).unwrap(),
        Path::new("reports/latest.json")
    );
    let report: Value = serde_json::from_slice(&std::fs::read(&target).unwrap()).unwrap();
    assert_eq!(report["ibaudit_report"], 1);
    // A dangling link: its target is created, the link kept.
    let dangling = dir.path().join("dangling.json");
    std::os::unix::fs::symlink("reports/new.json", &dangling).unwrap();
    let o = ibaudit(&[
        "audit",
        demo().to_str().unwrap(),
        "-q",
        "-o",
        dangling.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(std::fs::symlink_metadata(&dangling)
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(dir.path().join("reports/new.json").is_file());
}

#[test]
fn a_fifo_is_written_not_replaced() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("report.fifo");
    let made = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    // Linux opens a FIFO read-write without waiting (fifo(7)): holding that
    // end lets the reading end open at once, and nothing hangs if the FIFO
    // were replaced. The reader sees the end of the data once it is dropped.
    let held = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&fifo)
        .unwrap();
    let mut reading = std::fs::File::open(&fifo).unwrap();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        reading.read_to_string(&mut text).unwrap();
        text
    });
    let o = ibaudit(&[
        "audit",
        demo().to_str().unwrap(),
        "-q",
        "--format",
        "json",
        "-o",
        fifo.to_str().unwrap(),
    ]);
    drop(held);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let text = reader.join().unwrap();
    let report: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(report["ibaudit_report"], 1);
    assert!(std::fs::symlink_metadata(&fifo)
        .unwrap()
        .file_type()
        .is_fifo());
}

fn is_root() -> bool {
    std::os::unix::fs::MetadataExt::uid(&std::fs::metadata("/proc/self").unwrap()) == 0
}

/// A full device: a private `/dev/full` node when running as root (so a
/// regression cannot replace the system's), else `/dev/full` itself.
#[test]
fn a_full_device_is_exit_2_naming_it_and_survives() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap();
    let device = if is_root() {
        let node = dir.path().join("full");
        let made = Command::new("mknod")
            .arg(&node)
            .args(["c", "1", "7"])
            .status()
            .expect("mknod runs");
        assert!(made.success());
        node
    } else if Path::new("/dev/full").exists() {
        PathBuf::from("/dev/full")
    } else {
        eprintln!("no /dev/full here: skipped");
        return;
    };
    let o = ibaudit(&[
        "audit",
        demo().to_str().unwrap(),
        "-o",
        device.to_str().unwrap(),
    ]);
    let err = stderr(&o);
    assert_eq!(code(&o), 2, "{err}");
    assert!(
        err.contains(device.to_str().unwrap()) && err.contains("No space left on device"),
        "{err}"
    );
    assert!(std::fs::symlink_metadata(&device)
        .unwrap()
        .file_type()
        .is_char_device());
}

/// `-o /dev/stdout` (a link to an open descriptor) writes to standard output
/// and the link survives. As root, only a private link of the same kind is
/// used, so that a regression cannot replace the system's `/dev/stdout`.
#[test]
fn an_open_descriptor_is_written_not_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("out");
    std::os::unix::fs::symlink("/proc/self/fd/1", &link).unwrap();
    let mut paths = vec![link.to_str().unwrap()];
    if !is_root() {
        paths.push("/dev/stdout");
    }
    for path in paths {
        let o = ibaudit(&[
            "audit",
            demo().to_str().unwrap(),
            "-q",
            "--format",
            "json",
            "-o",
            path,
        ]);
        assert_eq!(code(&o), 1, "{path}: {}", stderr(&o));
        let report: Value = serde_json::from_str(&stdout(&o)).unwrap();
        assert_eq!(report["ibaudit_report"], 1);
    }
    assert!(std::fs::symlink_metadata("/dev/stdout")
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(
        std::fs::read_link(&link).unwrap(),
        Path::new("/proc/self/fd/1")
    );
}

#[test]
fn an_unwritable_place_is_exit_2_naming_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("a-directory");
    std::fs::create_dir(&sub).unwrap();
    let o = ibaudit(&[
        "audit",
        demo().to_str().unwrap(),
        "-o",
        sub.to_str().unwrap(),
    ]);
    let err = stderr(&o);
    assert_eq!(code(&o), 2, "{err}");
    assert!(err.contains(sub.to_str().unwrap()), "{err}");
    assert!(sub.is_dir());
}

// ---- pipes and closed streams ----

/// A pipe whose reading end is already closed: every write gets EPIPE.
fn broken_pipe() -> Stdio {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    Stdio::from(writer)
}

#[test]
fn a_closed_stderr_pipe_loses_no_output() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.json");
    // Verbose, so that several messages meet the broken pipe.
    let o = Ibaudit::new(&[
        "audit",
        demo().to_str().unwrap(),
        "-v",
        "--format",
        "json",
        "-o",
        out.to_str().unwrap(),
    ])
    .stdout(Stdio::null())
    .stderr(broken_pipe())
    .run();
    assert_eq!(code(&o), 1, "the audit's own exit code");
    let report: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(report["ibaudit_report"], 1);
    // And with an error to report: still exit 2, not a panic.
    let o = Ibaudit::new(&["audit", "no-such-snapshot.json"])
        .stderr(broken_pipe())
        .run();
    assert_eq!(code(&o), 2);
}

/// `| head -c1`: the reader went away. A quiet exit with the audit's own
/// exit code: nothing on stderr, no panic.
#[test]
fn a_broken_stdout_pipe_is_a_quiet_exit() {
    let o = Ibaudit::new(&["audit", demo().to_str().unwrap()])
        .stdout(broken_pipe())
        .run();
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert_eq!(stderr(&o), "");
}

#[test]
fn a_closed_stdout_is_exit_2_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink("/proc/self/fd/1", dir.path().join("out")).unwrap();
    for script in [
        r#"exec "$0" audit "$1" >&-"#,
        r#"exec "$0" rules >&-"#,
        // A link to descriptor 1, like /dev/stdout.
        r#"exec "$0" audit "$1" -o out >&-"#,
    ] {
        let o = ibaudit_sh(script, dir.path());
        let err = stderr(&o);
        assert_eq!(code(&o), 2, "{script}: {err}");
        assert!(err.contains("standard output is closed"), "{script}: {err}");
    }
    // A report sent to a file does not need standard output.
    let o = ibaudit_sh(r#"exec "$0" audit "$1" -q -o report.txt >&-"#, dir.path());
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(dir.path().join("report.txt").is_file());
    // A standard output sent to /dev/null on purpose is not closed.
    let o = ibaudit_sh(r#"exec "$0" audit "$1" >/dev/null"#, dir.path());
    assert_eq!(code(&o), 1, "{}", stderr(&o));
}

// ---- credentials in URLs ----

/// The collector's "cannot reach AWS at URL" shows the URL without its
/// userinfo. Runs offline: nothing listens on the port.
#[cfg(feature = "collector")]
#[test]
fn endpoint_url_credentials_are_never_shown() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("http://someuser:hunter2secret@127.0.0.1:{port}");
    let o = Ibaudit::new(&[
        "collect",
        "--endpoint-url",
        &url,
        "--region",
        "us-east-1",
        "-o",
        "snap.json",
    ])
    .dir(dir.path())
    .env("HOME", dir.path())
    .env("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
    .env(
        "AWS_SECRET_ACCESS_KEY",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY",
    )
    .env("AWS_EC2_METADATA_DISABLED", "true")
    .run();
    let all = format!("{}{}", stdout(&o), stderr(&o));
    assert_eq!(code(&o), 2, "{all}");
    assert!(
        !all.contains("hunter2secret") && !all.contains("someuser"),
        "{all}"
    );
    assert!(
        all.contains(&format!("cannot reach AWS at http://***@127.0.0.1:{port}")),
        "{all}"
    );
}
