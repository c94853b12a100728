//! `program | head`: when the reader of its output goes away, a program ends quietly with exit
//! code 141 (128 + SIGPIPE, as a shell reports it), never with a panic and a backtrace.

use course_kit::testing::assert_quiet_on_broken_pipe;

#[test]
fn a_closed_output_pipe_ends_the_program_quietly() {
    // Threads only: with processes, a worker that the parent's exit catches mid-handshake can
    // still print procspawn's own complaint (see the chapter's README).
    assert_quiet_on_broken_pipe(
        "program",
        &["--executor", "threads", "--time-scale", "0.01"],
    );
}
