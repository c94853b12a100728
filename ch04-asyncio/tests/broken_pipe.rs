//! `program | head`: when the reader of its output goes away, a program ends quietly with exit
//! code 141 (128 + SIGPIPE, as a shell reports it), never with a panic and a backtrace.
//! `program > /dev/full`: any other failed write is one `error:` line and exit code 1.

use course_kit::testing::{assert_error_on_full_disk, assert_quiet_on_broken_pipe};

#[test]
fn a_closed_output_pipe_ends_the_program_quietly() {
    assert_quiet_on_broken_pipe("simple_gen", &[]);
    assert_quiet_on_broken_pipe("async_stream", &["--time-scale", "0"]);
    assert_quiet_on_broken_pipe("sync_scrape", &["--time-scale", "0.01"]);
    assert_quiet_on_broken_pipe("async_scrape", &["--time-scale", "0.01"]);
}

/// `program > /dev/full`: a failed write is one `error:` line and exit code 1, as Python's
/// `OSError`, never a panic.
#[test]
fn a_full_disk_is_one_error_line() {
    assert_error_on_full_disk("simple_gen", &[]);
    assert_error_on_full_disk("sync_program", &["--time-scale", "0"]);
    assert_error_on_full_disk("async_scrape", &["--time-scale", "0.01"]);
}
