//! `program | head`: when the reader of its output goes away, a program ends quietly with exit
//! code 141 (128 + SIGPIPE, as a shell reports it), never with a panic and a backtrace.

use course_kit::testing::assert_quiet_on_broken_pipe;

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
