//! `program | head`: when the reader of its output goes away, a program ends quietly with exit
//! code 141 (128 + SIGPIPE, as a shell reports it), never with a panic and a backtrace.
//! `program > /dev/full`: any other failed write is one `error:` line and exit code 1.

use course_kit::testing::{assert_error_on_full_disk, assert_quiet_on_broken_pipe};

const SERVERS: [&str; 2] = ["cityscape_api", "acityscape_api"];
const ARGS: [&str; 5] = ["--port", "0", "--cached", "--time-scale", "0.01"];

#[test]
fn a_closed_output_pipe_ends_the_program_quietly() {
    for bin in SERVERS {
        assert_quiet_on_broken_pipe(bin, &ARGS);
    }
}

/// `program > /dev/full`: a failed write is one `error:` line and exit code 1, as Python's
/// `OSError`, never a panic.
#[test]
fn a_full_disk_is_one_error_line() {
    for bin in SERVERS {
        assert_error_on_full_disk(bin, &ARGS);
    }
}
