//! The table on a terminal that reports no width (a pseudo-terminal of 0
//! columns, Python's `pty` module). That no data reaches a terminal raw is
//! `hostile::on_a_terminal_no_data_reaches_it_raw`.

use std::process::Command;

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
