//! `program | head`: when the reader of its output goes away, a program ends quietly with exit
//! code 141 (128 + SIGPIPE, as a shell reports it), never with a panic and a backtrace.
//! `program > /dev/full`: any other failed write is one `error:` line and exit code 1.

use course_kit::testing::{assert_error_on_full_disk, assert_quiet_on_broken_pipe};

#[test]
fn a_closed_output_pipe_ends_the_program_quietly() {
    assert_quiet_on_broken_pipe("shared_state", &["--times", "10"]);
    assert_quiet_on_broken_pipe("compute_multiprocessing", &["--num", "1000"]);
    assert_quiet_on_broken_pipe("compute_compare", &["--num", "1000", "--rounds", "1"]);
    assert_quiet_on_broken_pipe("process_costs", &["--num", "1000"]);
}

/// `program > /dev/full`: a failed write is one `error:` line and exit code 1, as Python's
/// `OSError`, never a panic.
#[test]
fn a_full_disk_is_one_error_line() {
    assert_error_on_full_disk("compute_multiprocessing", &["--num", "1000"]);
    assert_error_on_full_disk("shared_state", &["--times", "10"]);
}
