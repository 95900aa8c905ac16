//! The human formats on a real terminal (a pseudo-terminal, Python's `pty`
//! module): no carriage return, escape or 8-bit CSI from the data reaches
//! it raw, whatever the command, and a terminal that reports no width
//! still gets a readable table.

use std::process::Command;

use serde_json::Value;

use crate::common::*;

/// What the terminal receives from `ibaudit ARGS`, run on a pty of
/// `cols` columns (0: a pty that reports no size).
fn on_pty(args: &[&str], cols: u16) -> Vec<u8> {
    let script = r#"
import fcntl, os, pty, struct, sys, termios
cols = int(sys.argv[1])
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[2], sys.argv[2:])
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 50, cols, 0, 0))
out = b""
while True:
    try:
        b = os.read(fd, 65536)
    except OSError:
        break
    if not b:
        break
    out += b
os.waitpid(pid, 0)
sys.stdout.buffer.write(out)
"#;
    let o = Command::new("python3")
        .args([
            "-c",
            script,
            &cols.to_string(),
            env!("CARGO_BIN_EXE_ibaudit"),
        ])
        .args(args)
        .current_dir(root())
        .env("TERM", "xterm-256color")
        .env_remove("NO_COLOR")
        .output()
        .expect("python3 runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    o.stdout
}

/// Control bytes that did not come from ibaudit's own styling: a CR not
/// followed by LF (the pty writes LF as CR LF), an ESC that does not
/// start an SGR colour sequence, an 8-bit CSI.
fn raw_controls(out: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(out);
    let mut found = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        let next = chars.get(i + 1).copied();
        match c {
            '\r' if next != Some('\n') => found.push(format!("CR at {i}")),
            '\u{9b}' => found.push(format!("CSI at {i}")),
            '\u{1b}' => {
                let rest: String = chars[i + 1..].iter().take(16).collect();
                let sgr = rest.starts_with('[')
                    && rest[1..]
                        .find(|c: char| !(c.is_ascii_digit() || c == ';'))
                        .is_some_and(|end| rest.as_bytes()[1..][end] == b'm');
                if !sgr {
                    found.push(format!("ESC at {i}: {rest:?}"));
                }
            }
            _ => {}
        }
    }
    found
}

const NASTY: &str = "AB\rXY\u{1b}[2Kz\u{9b}31m\u{1b}]0;title\u{7}";

/// The demo with every Name tag, and one message-bearing error, set to
/// [`NASTY`].
fn nasty_snapshot() -> Value {
    fn walk(v: &mut Value) {
        match v {
            Value::Object(m) => {
                for (k, x) in m.iter_mut() {
                    if k == "Tags" {
                        for t in x.as_array_mut().into_iter().flatten() {
                            if t["Key"] == "Name" {
                                t["Value"] = Value::from(NASTY);
                            }
                        }
                    } else if k == "message" && x.is_string() {
                        *x = Value::from(NASTY);
                    } else {
                        walk(x);
                    }
                }
            }
            Value::Array(a) => a.iter_mut().for_each(walk),
            _ => {}
        }
    }
    let mut doc = read_json(&demo());
    walk(&mut doc);
    doc
}

#[test]
fn no_control_character_from_the_data_reaches_a_terminal() {
    let (_dir, path) = write_temp("nasty.json", &nasty_snapshot().to_string());
    let p = path.to_str().unwrap();
    let dir = path.parent().unwrap();
    let report = dir.join("nasty-report.json");
    let demo_report = dir.join("demo-report.json");
    let demo_path = demo();
    for (src, out) in [(p, &report), (demo_path.to_str().unwrap(), &demo_report)] {
        let o = ibaudit(&[
            "audit",
            src,
            "--format",
            "json",
            "-o",
            out.to_str().unwrap(),
        ]);
        assert!(matches!(code(&o), 1 | 3), "{}", stderr(&o));
    }
    let (r, d) = (report.to_str().unwrap(), demo_report.to_str().unwrap());
    let demo = demo();
    let demo = demo.to_str().unwrap();
    let runs: Vec<Vec<&str>> = vec![
        vec!["audit", p, "--fail-on", "none"],
        vec!["audit", p, "--fail-on", "none", "--format", "markdown"],
        vec!["audit", p, "--fail-on", "none", "--verbose"],
        vec!["diff", d, r],
        vec!["diff", demo, p],
        vec!["diff", d, r, "--format", "markdown"],
    ];
    for args in runs {
        for cols in [120, 0] {
            let out = on_pty(&args, cols);
            assert!(!out.is_empty(), "{args:?}");
            let raw = raw_controls(&out);
            assert!(raw.is_empty(), "{args:?} on {cols} columns: {raw:?}");
        }
    }
    // The data is there, escaped.
    let table =
        String::from_utf8_lossy(&on_pty(&["audit", p, "--fail-on", "none"], 200)).into_owned();
    assert!(table.contains("AB\\u{d}XY\\u{1b}[2Kz\\u{9b}31m"), "{table}");
}

#[test]
fn a_terminal_of_no_width_gets_the_fixed_width_table() {
    let out = String::from_utf8_lossy(&on_pty(
        &["audit", demo().to_str().unwrap(), "--fail-on", "none"],
        0,
    ))
    .into_owned();
    let widest = out.lines().map(|l| l.chars().count()).max().unwrap();
    // Not squeezed to a character a column: the message column has room.
    assert!(widest >= 100, "widest line {widest}:\n{out}");
    assert!(out.lines().count() < 200, "{} lines", out.lines().count());
}
