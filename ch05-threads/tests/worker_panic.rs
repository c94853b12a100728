//! Runs the real `worker_panic`: producer 2 panics holding the lock; main must notice, stop the
//! others long before their items are made, and exit with an error that names the thread.

use std::time::{Duration, Instant};

use course_kit::testing;

#[test]
fn a_panicked_producer_stops_the_run_with_an_error() {
    // 100 items at 0.05 s per course second: the full run would take about 5 s.
    let args = ["--time-scale", "0.05", "--items", "100", "--panic-at", "2"];
    let t0 = Instant::now();
    let (out, err, code) = testing::run("worker_panic", &args);
    let took = t0.elapsed();
    assert_eq!(code, Some(1), "{out}\n{err}");
    assert!(
        err.contains("thread 'producer 2'") && err.contains("panicked at"),
        "{err}"
    );
    assert!(err.contains("a planted bug, on item 2"), "{err}");
    let error = "error: producer 2 panicked, so the others were told to stop";
    assert!(err.contains(error), "{err}");
    assert!(
        out.lines()
            .last()
            .unwrap()
            .starts_with("App exiting, total time: "),
        "{out}"
    );
    // Producer 2 panicked before printing its item 2: only producer 1's can be there.
    assert!(out.matches(" -- generated item 2\n").count() <= 1, "{out}");
    assert!(
        took < Duration::from_secs(3),
        "stopped at once, not after 5 s: {took:?}"
    );
}

#[test]
fn without_the_bug_it_runs_to_the_end() {
    let args = ["--time-scale", "0.01", "--items", "3", "--panic-at", "9"];
    let (out, err, code) = testing::run("worker_panic", &args);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out.matches(" +++ Processed value ").count(), 6, "{out}");
}
