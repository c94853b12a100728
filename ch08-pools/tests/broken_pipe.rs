//! `program | head`: when the reader of its output goes away, a program ends quietly with exit
//! code 141 (128 + SIGPIPE, as a shell reports it), never with a panic and a backtrace.
//! `program > /dev/full`: any other failed write is one `error:` line and exit code 1.

use course_kit::testing::{assert_error_on_full_disk, assert_quiet_on_broken_pipe};

#[test]
fn a_closed_output_pipe_ends_the_program_quietly() {
    // Threads only: with processes, a worker that the parent's exit catches mid-handshake can
    // still print procspawn's own complaint (see the chapter's README).
    assert_quiet_on_broken_pipe(
        "program",
        &["--executor", "threads", "--time-scale", "0.01"],
    );
}

/// `program > /dev/full`: a failed write is one `error:` line and exit code 1, as Python's
/// `OSError`, never a panic.
#[test]
fn a_full_disk_is_one_error_line() {
    assert_error_on_full_disk(
        "program",
        &["--executor", "threads", "--time-scale", "0.01"],
    );
}
