//! `program | head`: when the reader of its output goes away, a program ends quietly with exit
//! code 141 (128 + SIGPIPE, as a shell reports it), never with a panic and a backtrace.

use course_kit::testing::assert_quiet_on_broken_pipe;

#[test]
fn a_closed_output_pipe_ends_the_program_quietly() {
    assert_quiet_on_broken_pipe("shared_state", &["--times", "10"]);
    assert_quiet_on_broken_pipe("compute_multiprocessing", &["--num", "1000"]);
    assert_quiet_on_broken_pipe("compute_compare", &["--num", "1000", "--rounds", "1"]);
}
