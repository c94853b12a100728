//! Runs the producer/consumer binaries (`prod_asyncio`, `prod_smol`, `prod_async_std`,
//! `prod_trio`) fast and checks what they print. (The course's `prod_sync.py` repeats ch04's
//! `sync_program.py`; its Rust twin and tests are ch04's.)

use std::time::Duration;

use course_kit::testing::{self, run};

const RUNTIMES: [&str; 3] = ["prod_asyncio", "prod_smol", "prod_async_std"];

/// The values in ` -- generated item {i}` (as squares) and ` +++ Processed value {v}` lines.
fn generated_and_processed(out: &str) -> (Vec<u64>, Vec<u64>) {
    let mut generated = Vec::new();
    let mut processed = Vec::new();
    for line in out.lines() {
        if let Some(i) = line.strip_prefix(" -- generated item ") {
            let i: u64 = i.parse().unwrap();
            generated.push(i * i);
        } else if let Some(rest) = line.strip_prefix(" +++ Processed value ") {
            assert!(rest.ends_with(" sec."), "{line}");
            processed.push(rest.split(' ').next().unwrap().parse().unwrap());
        }
    }
    (generated, processed)
}

/// The course's first and last lines, and nothing else around the producers' and consumer's.
fn assert_course_frame(bin: &str, out: &str) {
    assert!(out.starts_with("App started.\n"), "{bin}:\n{out}");
    let last = out.lines().last().unwrap();
    assert!(
        last.starts_with("App exiting, total time: "),
        "{bin}:\n{out}"
    );
    assert!(last.ends_with(" sec."), "{bin}:\n{out}");
    let other = out.lines().filter(|l| {
        !l.starts_with(" -- generated item ") && !l.starts_with(" +++ Processed value ")
    });
    assert_eq!(other.count(), 2, "{bin}: only the course's lines:\n{out}");
}

#[test]
fn every_runtime_processes_every_item_of_both_producers() {
    for bin in RUNTIMES {
        let (out, err, code) = run(bin, &["--time-scale", "0.002", "--seed", "5"]);
        assert_eq!(code, Some(0), "{bin}: {err}");
        assert_course_frame(bin, &out);
        let (mut generated, mut processed) = generated_and_processed(&out);
        assert_eq!(generated.len(), 40, "{bin}: two producers of 20");
        generated.sort_unstable();
        processed.sort_unstable();
        assert_eq!(
            generated, processed,
            "{bin}: each produced item processed once"
        );
        assert!(!out.contains('\x1b'), "{bin}: no colour when piped");
        // Only async-std is labelled, on stderr, where a learner meets it at run time.
        let noted = err.contains("async-std is discontinued upstream (RUSTSEC-2025-0052)");
        assert_eq!(noted, bin == "prod_async_std", "{bin}: {err}");
    }
}

#[test]
fn items_flag_sets_each_producers_count() {
    for bin in RUNTIMES {
        let (out, _, code) = run(bin, &["--time-scale", "0", "--items", "3"]);
        assert_eq!(code, Some(0), "{bin}");
        let (generated, processed) = generated_and_processed(&out);
        assert_eq!((generated.len(), processed.len()), (6, 6), "{bin}:\n{out}");
    }
}

#[test]
fn trio_scope_is_cancelled_at_the_scaled_deadline() {
    // The course's pace, 50 times faster: the deadline is 0.1 s, long before the 40 items.
    let (out, err, code) = run("prod_trio", &["--time-scale", "0.02", "--seed", "7"]);
    assert_eq!(code, Some(0), "{err}");
    // Every task was cancelled: nothing is printed after the scope, whose end is the last line.
    assert_course_frame("prod_trio", &out);
    let (generated, processed) = generated_and_processed(&out);
    assert!(
        generated.len() < 40,
        "5 s is not enough for all 40 items:\n{out}"
    );
    assert!(
        !processed.is_empty() && processed.len() <= generated.len(),
        "{out}"
    );
}

#[test]
fn trio_scope_ends_when_every_task_is_done() {
    // One item each: all done in about 0.15 s, well before the deadline of 0.5 s.
    let (out, err, code) = run("prod_trio", &["--time-scale", "0.1", "--items", "1"]);
    assert_eq!(code, Some(0), "{err}");
    assert_course_frame("prod_trio", &out);
    let (generated, mut processed) = generated_and_processed(&out);
    processed.sort_unstable();
    assert_eq!((generated, processed), (vec![1, 1], vec![1, 1]), "{out}");
}

#[test]
fn bad_flags_exit_2_with_one_line() {
    for bin in ["prod_asyncio", "prod_smol", "prod_async_std", "prod_trio"] {
        course_kit::testing::assert_bad_flags(
            bin,
            &[
                &["--time-scale", "fast"][..],
                &["--items", "-1"],
                &["--items", "0"],
                // A bound that fits in minutes (about 100 s at the course's pace).
                &["--items", "101"],
                &["--items", "99999999999"],
                &["--nope"],
            ],
        );
    }
}

/// Starts `bin` at the course's pace, presses Ctrl-C (SIGINT) once it is under way, and returns
/// what it printed and its exit code.
#[cfg(unix)]
fn interrupt(bin: &str) -> testing::Output {
    // By the second item prod_trio is waiting on its Ctrl-C future.
    let args = ["--time-scale", "0.5", "--seed", "1"];
    testing::interrupt_after(bin, &args, " -- generated item 2\n", Duration::ZERO)
}

#[test]
#[cfg(unix)]
fn ctrl_c_ends_the_runtimes_the_default_way() {
    for bin in RUNTIMES {
        let (out, err, code) = interrupt(bin);
        // No exit code: the signal (SIGINT, the only one sent) ended the process, as it ends
        // Python's. Cancellation is prod_trio's lesson, not theirs.
        assert_eq!(code, None, "{bin}:\n{out}{err}");
        assert!(!out.contains("App exiting"), "{bin}:\n{out}");
    }
}

#[test]
#[cfg(unix)]
fn ctrl_c_cancels_the_trio_scope() {
    let (out, err, code) = interrupt("prod_trio");
    assert_eq!(code, Some(130), "{out}{err}");
    assert!(err.contains("Cancelled by Ctrl-C."), "{err}");
    // The scope ended early, and the program went on after it as after the deadline.
    assert_course_frame("prod_trio", &out);
    let (generated, _) = generated_and_processed(&out);
    assert!(generated.len() < 40, "{out}");
}
