//! One-line errors and exit codes.
//!
//! ```no_run
//! use std::process::ExitCode;
//! fn main() -> ExitCode {
//!     course_kit::exit::report(run())
//! }
//! fn run() -> anyhow::Result<ExitCode> {
//!     Ok(ExitCode::SUCCESS)
//! }
//! ```

use std::io::Write as _;
use std::process::ExitCode;

use crate::style;

/// Turns a program's result into its exit code: `Ok(code)` as is; an error is printed as one line
/// (`error: context: cause`) on stderr and exits with 1. Bad flags never get here: clap exits 2.
pub fn report(result: anyhow::Result<ExitCode>) -> ExitCode {
    match result {
        Ok(code) => code,
        // A closed output pipe that the program saw as an error ends it as quietly as a panic
        // on `println!` does (see `quiet_broken_pipe`).
        Err(err) if is_broken_pipe(&err) => ExitCode::from(BROKEN_PIPE_EXIT_CODE as u8),
        Err(err) => {
            let style = style::ERROR;
            anstream::eprintln!("{style}error: {err:#}{style:#}");
            ExitCode::FAILURE
        }
    }
}

/// A `writeln!` to stdout that failed and came back to `main` through `?`: the error is the
/// `io::Error` itself. (An error that only *wraps* one, as a download's does, is reported.)
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.downcast_ref::<std::io::Error>()
        .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
}

/// The exit code of a program whose output pipe was closed (128 + SIGPIPE, what a shell reports
/// when `program | head` ends the program).
pub const BROKEN_PIPE_EXIT_CODE: i32 = 141;

/// Makes `program | head` end the program quietly, with [`BROKEN_PIPE_EXIT_CODE`], instead of a
/// panic and a backtrace; any other failed print (`program > /dev/full`: no space left) ends it
/// with one `error:` line and exit code 1, as Python's `OSError` does. Call it first thing in `main`. Where a program has worker processes
/// that print (ch08), call it before `procspawn::init()`: procspawn's own hook in a worker hands
/// panics on to the hook that was there before it, so the workers end quietly on a closed pipe
/// too. Workers that print nothing (ch07's) need no hook, and `init()` may come first.
///
/// Rust ignores SIGPIPE, so a write to a closed pipe fails with `BrokenPipe` and `println!`
/// (std's and anstream's) panics on it. A reader that stopped reading is not an error of this
/// program, so this panic hook ends the process the way a C program killed by SIGPIPE would look
/// to the shell; every other panic goes to the default hook as before.
///
/// A panic hook and not the `sigpipe` crate's `reset()` (SIGPIPE back to its default action):
/// that would kill the whole process on *any* write to a closed pipe or socket, and the process
/// pools of ch07 and ch08 talk to their workers over such channels, where a dead worker must be a
/// reported failure, not the end of the parent.
pub fn quiet_broken_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let msg = crate::process::panic_message(info.payload());
        // `println!`'s own panic (std's and anstream's): "failed printing to stdout: <io error>".
        if msg.starts_with("failed printing to std") {
            if msg.contains("Broken pipe") {
                std::process::exit(BROKEN_PIPE_EXIT_CODE);
            }
            // A write, not a panic: when it is stderr that fails, this line is lost too. The lock
            // is held until the exit, so another thread failing at the same moment cannot start
            // a second line that the exit cuts short.
            let mut stderr = std::io::stderr().lock();
            let _ = writeln!(stderr, "error: {msg}");
            std::process::exit(1);
        }
        default(info);
    }));
}
