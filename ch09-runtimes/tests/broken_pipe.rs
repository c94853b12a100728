//! `program | head`: when the reader of its output goes away, a program ends quietly with exit
//! code 141 (128 + SIGPIPE, as a shell reports it), never with a panic and a backtrace.
//! `program > /dev/full`: any other failed write is one `error:` line and exit code 1.

use course_kit::testing::{assert_error_on_full_disk, assert_quiet_on_broken_pipe};

#[test]
fn a_closed_output_pipe_ends_the_program_quietly() {
    assert_quiet_on_broken_pipe("why_runtimes", &[]);
    assert_quiet_on_broken_pipe("blocking_stalls", &["--time-scale", "0.1"]);
    for prod in ["prod_asyncio", "prod_smol", "prod_async_std", "prod_trio"] {
        assert_quiet_on_broken_pipe(prod, &["--time-scale", "0"]);
    }
    for unsync in ["nosync", "presync", "thesync"] {
        assert_quiet_on_broken_pipe(unsync, &["--time-scale", "0.01", "--iterations", "1000"]);
    }
}

/// `program > /dev/full`: a failed write is one `error:` line and exit code 1, as Python's
/// `OSError`, never a panic.
#[test]
fn a_full_disk_is_one_error_line() {
    assert_error_on_full_disk("nosync", &["--time-scale", "0.01", "--iterations", "1000"]);
    assert_error_on_full_disk("prod_trio", &["--time-scale", "0"]);
}
