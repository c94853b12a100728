//! Runs `why_runtimes` and checks each demonstration's outcome.

use course_kit::testing::{self, Output};

fn run(args: &[&str]) -> Output {
    testing::run("why_runtimes", args)
}

#[test]
fn all_six_points_show_their_rust_answer() {
    let (out, err, code) = run(&["--time-scale", "0.05"]);
    assert_eq!(code, Some(0), "{err}");
    for n in 1..=6 {
        assert!(
            out.contains(&format!("\n{n}. asyncio: ")) || out.starts_with("1. asyncio: "),
            "{n}"
        );
    }
    for want in [
        "Runtime::block_on(answer()) from plain main returned 42.",
        "Handle::block_on from a plain std thread returned 42.",
        "awaited on another thread by futures' executor, gave 42.",
        "on a LocalSet; it set the value to 7.",
        "spawn_blocking(sum 1..=1,000,000).await = 500000500000.",
        "awaited by a task: \"done on a std thread\".",
        "with blocking_recv() (like .result()): 42.",
        "returned Err(deadline has elapsed): the sleep was dropped.",
        "select!: the answer (42) won the race",
        "a future dropped while waiting was cancelled (its Drop ran",
        "an aborted task was cancelled at its .await (its Drop ran",
        "awaiting the task says it was cancelled.",
        // The thread-local is clobbered by the other task on the same thread; task-locals are not.
        "request 1: thread_local! says 2, task_local! says 1.",
        "request 2: thread_local! says 2, task_local! says 2.",
        "tests/paused_time.rs",
    ] {
        assert!(out.contains(want), "missing {want:?} in:\n{out}");
    }
}

#[test]
fn one_point_at_a_time_and_bad_flags() {
    let (out, _, code) = run(&["--time-scale", "0.05", "--point", "5"]);
    assert_eq!(code, Some(0));
    assert!(out.starts_with("5. asyncio: Thread-local storage"), "{out}");
    assert!(!out.contains("4. asyncio"), "{out}");
    for bad in [
        &["--point", "7"][..],
        &["--point", "0"],
        &["--time-scale", "x"],
    ] {
        let (_, err, code) = run(bad);
        assert_eq!(code, Some(2), "{bad:?}");
        assert!(err.starts_with("error:"), "{err}");
    }
}
