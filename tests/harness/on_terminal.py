#!/usr/bin/env python3
"""Runs a command on real pseudo-terminals, for tests/it/hostile.rs.

    python3 tests/harness/on_terminal.py [--cols N] -- COMMAND [ARG...]

The command's standard output and standard error are each the slave side of
a pseudo-terminal of its own (so `isatty` is true for both, and the
terminal's width is N columns, 100 by default), with a controlling terminal
and standard input from /dev/null. Whatever it writes to either is copied
byte for byte to this script's standard output or standard error, and this
script exits with the command's exit code (128 + N for signal N).

Output post-processing is turned off on both terminals (no `onlcr`): a
terminal in its default mode writes every newline as CR LF, which would
hide a carriage return from the command among the terminal's own. With it
off, every byte read is a byte the command wrote.

Only the standard library (Linux or macOS): a fresh Debian machine with
python3 runs it.
"""

import errno
import fcntl
import os
import pty
import select
import signal
import struct
import sys
import termios
import time

TIMEOUT_SECONDS = 300


def open_terminal(cols, rows):
    master, slave = pty.openpty()
    attrs = termios.tcgetattr(slave)
    attrs[1] &= ~termios.OPOST
    termios.tcsetattr(slave, termios.TCSANOW, attrs)
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    return master, slave


def main():
    args = sys.argv[1:]
    cols = 100
    while args and args[0] != "--":
        if args[0] == "--cols" and len(args) > 1:
            cols = int(args[1])
            args = args[2:]
        else:
            sys.exit(f"on_terminal.py: unknown option {args[0]!r}")
    args = args[1:]
    if not args:
        sys.exit("usage: on_terminal.py [--cols N] -- COMMAND [ARG...]")

    out_master, out_slave = open_terminal(cols, 50)
    err_master, err_slave = open_terminal(cols, 50)
    pid = os.fork()
    if pid == 0:
        try:
            os.setsid()
            fcntl.ioctl(out_slave, termios.TIOCSCTTY, 0)
            null = os.open(os.devnull, os.O_RDONLY)
            os.dup2(null, 0)
            os.dup2(out_slave, 1)
            os.dup2(err_slave, 2)
            for fd in (null, out_slave, err_slave, out_master, err_master):
                os.close(fd)
            os.execvp(args[0], args)
        except BaseException as e:  # noqa: BLE001 - report and leave the fork
            os.write(2, f"on_terminal.py: cannot run {args[0]!r}: {e}\n".encode())
        os._exit(127)

    os.close(out_slave)
    os.close(err_slave)
    sinks = {out_master: sys.stdout.buffer, err_master: sys.stderr.buffer}
    captured = {out_master: bytearray(), err_master: bytearray()}
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while any(b is not None for b in captured.values()):
        open_fds = [fd for fd, b in captured.items() if b is not None]
        left = deadline - time.monotonic()
        if left <= 0:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            sys.stderr.write(f"on_terminal.py: {args[0]} still running after {TIMEOUT_SECONDS}s: killed\n")
            sys.exit(124)
        ready, _, _ = select.select(open_fds, [], [], left)
        for fd in ready:
            try:
                data = os.read(fd, 65536)
            except OSError as e:
                # EIO: every slave descriptor is closed, all was read.
                if e.errno != errno.EIO:
                    raise
                data = b""
            if data:
                captured[fd].extend(data)
            else:
                sinks[fd].write(bytes(captured[fd]))
                sinks[fd].flush()
                captured[fd] = None
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    sys.exit(code if code >= 0 else 128 - code)


if __name__ == "__main__":
    main()
