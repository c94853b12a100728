//! What every chapter's integration tests need: run a binary of the workspace, with no colours and
//! a guard against hangs, and look at what it printed and how it ended. Enabled by the `testing`
//! feature, which the chapters turn on for their dev-dependency only.
//!
//! ```no_run
//! use course_kit::testing::{assert_bad_flags, run};
//!
//! let (out, _err, code) = run("sync_program", &["--time-scale", "0", "--items", "3"]);
//! assert_eq!(code, Some(0));
//! assert_eq!(out.matches("generated item").count(), 3);
//! assert_bad_flags("sync_program", &[&["--seed", "-1"]]);
//! ```

use std::io::{BufRead, BufReader, Read};
use std::process::{Command as StdCommand, Stdio};
use std::time::Duration;

use assert_cmd::Command;

/// What a run printed and how it ended: stdout, stderr, and the exit code (`None` when a signal
/// ended it).
pub type Output = (String, String, Option<i32>);

/// Only a guard against a hang, so generous: the machines are shared, and a loaded machine is slow.
pub const TIMEOUT: Duration = Duration::from_secs(120);

/// The binary `bin` of this workspace, set up as every test wants it: `NO_COLOR=1` and the
/// [`TIMEOUT`]. stdin is at end-of-file unless the test writes to it (`write_stdin`).
pub fn command(bin: &str) -> Command {
    let mut cmd = Command::cargo_bin(bin).unwrap_or_else(|e| panic!("no binary `{bin}`: {e}"));
    cmd.env("NO_COLOR", "1").timeout(TIMEOUT);
    cmd
}

/// Runs a prepared command to its end and captures what it printed.
pub fn output(cmd: &mut Command) -> Output {
    let out = cmd.output().expect("the binary could not be run");
    (
        String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        String::from_utf8(out.stderr).expect("stderr is UTF-8"),
        out.status.code(),
    )
}

/// Runs `bin args…` to its end: `let (out, err, code) = run("hello", &[]);`.
pub fn run(bin: &str, args: &[&str]) -> Output {
    output(command(bin).args(args))
}

/// Each set of bad arguments is refused the workspace's way: exit code 2, an `error:` line first,
/// no panic, and nothing done (nothing on stdout).
pub fn assert_bad_flags(bin: &str, bad: &[&[&str]]) {
    for args in bad {
        let (out, err, code) = run(bin, args);
        assert_eq!(code, Some(2), "{bin} {args:?}: {out}{err}");
        assert!(err.starts_with("error:"), "{bin} {args:?}: {err}");
        assert!(!err.contains("panicked"), "{bin} {args:?}: {err}");
        assert!(
            out.is_empty(),
            "{bin} {args:?} did work before refusing: {out}"
        );
    }
}

/// Starts `bin args…`, waits until its stdout has printed `ready`, waits `settle` more, then sends
/// it Ctrl-C (SIGINT, with the `kill` command, as a terminal would) and collects everything it
/// prints until it ends.
#[cfg(unix)]
pub fn interrupt_after(bin: &str, args: &[&str], ready: &str, settle: Duration) -> Output {
    let mut child = StdCommand::new(assert_cmd::cargo::cargo_bin(bin))
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary could not be started");
    // Read stderr on the side, so that a chatty program cannot block on a full pipe.
    let mut stderr = child.stderr.take().expect("piped");
    let err = std::thread::spawn(move || {
        let mut err = String::new();
        let _ = stderr.read_to_string(&mut err);
        err
    });
    let mut stdout = BufReader::new(child.stdout.take().expect("piped"));
    let mut out = String::new();
    while !out.contains(ready) {
        let read = stdout.read_line(&mut out).expect("stdout is UTF-8");
        if read == 0 {
            let _ = child.kill();
            panic!("{bin} ended before printing {ready:?}: {out}");
        }
    }
    std::thread::sleep(settle);
    let sent = StdCommand::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("the kill command runs");
    assert!(sent.success(), "could not send SIGINT to {bin}");
    stdout.read_to_string(&mut out).expect("stdout is UTF-8");
    let code = child.wait().expect("the child can be waited for").code();
    (out, err.join().unwrap_or_default(), code)
}
