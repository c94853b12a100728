//! `program | head`: when the reader of its output goes away, a program ends quietly with exit
//! code 141 (128 + SIGPIPE, as a shell reports it), never with a panic and a backtrace.

use course_kit::testing::assert_quiet_on_broken_pipe;

#[test]
fn a_closed_output_pipe_ends_the_program_quietly() {
    assert_quiet_on_broken_pipe("unsafe_bank", &["--transfers", "10"]);
    assert_quiet_on_broken_pipe("safe_bank", &["--transfers", "10"]);
    assert_quiet_on_broken_pipe("safe_bank_fine_grained", &["--transfers", "10"]);
    assert_quiet_on_broken_pipe("poisoned_lock", &["--transfers", "10"]);
    assert_quiet_on_broken_pipe("deadlock", &["--transfers", "10"]);
    assert_quiet_on_broken_pipe("reentrant", &[]);
}
