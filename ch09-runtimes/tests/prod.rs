//! Runs the producer/consumer binaries (`prod_asyncio`, `prod_smol`, `prod_async_std`,
//! `prod_trio`) fast and checks what they print. (The course's `prod_sync.py` repeats ch04's
//! `sync_program.py`; its Rust twin and tests are ch04's.)

use std::time::Duration;

use course_kit::testing::{self, run};

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

/// `(produced, processed)` from `Produced N items, processed M...`.
fn summary(out: &str) -> (u64, u64) {
    let line = out
        .lines()
        .find(|l| l.starts_with("Produced "))
        .unwrap_or_else(|| panic!("no summary in:\n{out}"));
    let nums: Vec<u64> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap())
        .collect();
    (nums[0], nums[1])
}

#[test]
fn every_runtime_processes_every_item_of_both_producers() {
    for bin in ["prod_asyncio", "prod_smol", "prod_async_std"] {
        let (out, err, code) = run(bin, &["--time-scale", "0.002", "--seed", "5"]);
        assert_eq!(code, Some(0), "{bin}: {err}");
        assert!(out.starts_with("App started.\n"), "{bin}");
        let (mut generated, mut processed) = generated_and_processed(&out);
        assert_eq!(generated.len(), 40, "{bin}: two producers of 20");
        generated.sort_unstable();
        processed.sort_unstable();
        assert_eq!(
            generated, processed,
            "{bin}: each produced item processed once"
        );
        assert_eq!(summary(&out), (40, 40), "{bin}");
        assert!(
            out.lines()
                .last()
                .unwrap()
                .starts_with("App exiting, total time: ")
        );
        assert!(!out.contains('\x1b'), "{bin}: no colour when piped");
        // Only async-std is labelled, on stderr, where a learner meets it at run time.
        let noted = err.contains("async-std is discontinued upstream (RUSTSEC-2025-0052)");
        assert_eq!(noted, bin == "prod_async_std", "{bin}: {err}");
    }
}

#[test]
fn items_flag_sets_each_producers_count() {
    for (bin, want) in [("prod_asyncio", 6), ("prod_smol", 6), ("prod_async_std", 6)] {
        let (out, _, code) = run(bin, &["--time-scale", "0", "--items", "3"]);
        assert_eq!(code, Some(0), "{bin}");
        assert_eq!(summary(&out), (want, want), "{bin}");
    }
}

#[test]
fn trio_scope_is_cancelled_at_the_scaled_deadline() {
    // The course's pace, 50 times faster: the deadline is 0.1 s.
    let (out, err, code) = run("prod_trio", &["--time-scale", "0.02", "--seed", "7"]);
    assert_eq!(code, Some(0), "{err}");
    for name in ["Prod 1", "Prod 2", "Consumer"] {
        assert_eq!(
            out.matches(&format!(" xx {name} cancelled.\n")).count(),
            1,
            "{name} must be cancelled once:\n{out}"
        );
    }
    assert!(
        out.contains("Deadline of 0.10 sec. reached: the scope cancelled its tasks."),
        "{out}"
    );
    let (produced, processed) = summary(&out);
    let (generated, processed_lines) = generated_and_processed(&out);
    assert_eq!(generated.len() as u64, produced);
    assert_eq!(processed_lines.len() as u64, processed);
    assert!(processed >= 1 && processed <= produced, "{out}");
    assert!(produced < 40, "5 s is not enough for all 40 items: {out}");
    // Nothing is printed by a child after the scope has ended.
    let after = out.split("Deadline of").nth(1).unwrap();
    assert!(!after.contains(" -- ") && !after.contains(" +++ "), "{out}");
}

#[test]
fn trio_scope_ends_early_when_every_task_is_done() {
    let (out, _, code) = run(
        "prod_trio",
        &[
            "--time-scale",
            "0.001",
            "--items",
            "2",
            "--deadline",
            "3600",
        ],
    );
    assert_eq!(code, Some(0));
    assert!(
        out.contains("Every task finished before the deadline."),
        "{out}"
    );
    assert!(!out.contains("cancelled"), "{out}");
    assert_eq!(summary(&out), (4, 4));
}

#[test]
fn bad_flags_exit_2_with_one_line() {
    for bin in ["prod_asyncio", "prod_smol", "prod_async_std", "prod_trio"] {
        course_kit::testing::assert_bad_flags(
            bin,
            &[
                &["--time-scale", "fast"][..],
                &["--items", "-1"],
                &["--nope"],
            ],
        );
    }
    course_kit::testing::assert_bad_flags(
        "prod_trio",
        &[&["--buffer", "0"][..], &["--deadline", "-1"]],
    );
}

/// Starts `bin` at the course's pace, presses Ctrl-C (SIGINT) once it is under way, and returns
/// what it printed and its exit code.
fn interrupt(bin: &str, args: &[&str]) -> testing::Output {
    // By the second item every program has installed its Ctrl-C handler.
    testing::interrupt_after(bin, args, " -- generated item 2\n", Duration::ZERO)
}

#[test]
#[cfg(unix)]
fn ctrl_c_stops_every_runtime_cleanly_with_a_summary() {
    for bin in ["prod_asyncio", "prod_smol", "prod_async_std", "prod_trio"] {
        let (out, err, code) = interrupt(bin, &["--time-scale", "0.5", "--seed", "1"]);
        assert_eq!(code, Some(130), "{bin}:\n{out}");
        assert!(err.contains("Cancelled by Ctrl-C."), "{bin}:\n{err}");
        let (produced, processed) = summary(&out);
        assert!(processed <= produced && produced < 40, "{bin}:\n{out}");
        assert!(out.contains("App exiting, total time: "), "{bin}:\n{out}");
    }
    let (out, _, _) = interrupt("prod_trio", &["--time-scale", "0.5", "--seed", "1"]);
    for name in ["Prod 1", "Prod 2", "Consumer"] {
        assert!(out.contains(&format!(" xx {name} cancelled.")), "{out}");
    }
}
