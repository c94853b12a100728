//! Runs the producer/consumer binaries (`prod_sync`, `prod_asyncio`, `prod_smol`,
//! `prod_async_std`, `prod_trio`) fast and checks what they print.

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
fn sync_generates_everything_then_processes_everything() {
    let (out, _, code) = run("prod_sync", &["--time-scale", "0.001", "--seed", "3"]);
    assert_eq!(code, Some(0));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "App started.");
    for (i, line) in lines[1..21].iter().enumerate() {
        assert_eq!(*line, format!(" -- generated item {}", i + 1));
    }
    let (generated, processed) = generated_and_processed(&out);
    assert_eq!(generated, processed, "every item, in order");
    assert_eq!(summary(&out), (20, 20));
    assert!(
        lines
            .last()
            .unwrap()
            .starts_with("App exiting, total time: ")
    );
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
    }
}

#[test]
fn items_flag_sets_each_producers_count() {
    for (bin, want) in [
        ("prod_sync", 3),
        ("prod_asyncio", 6),
        ("prod_smol", 6),
        ("prod_async_std", 6),
    ] {
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
    for bin in [
        "prod_sync",
        "prod_asyncio",
        "prod_smol",
        "prod_async_std",
        "prod_trio",
    ] {
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
/// its output and exit code.
fn interrupt(bin: &str, args: &[&str]) -> (String, Option<i32>) {
    // By the second item every program has installed its Ctrl-C handler.
    let (out, _, code) =
        testing::interrupt_after(bin, args, " -- generated item 2\n", Duration::ZERO);
    (out, code)
}

#[test]
#[cfg(unix)]
fn ctrl_c_stops_every_runtime_cleanly_with_a_summary() {
    for bin in [
        "prod_sync",
        "prod_asyncio",
        "prod_smol",
        "prod_async_std",
        "prod_trio",
    ] {
        let (out, code) = interrupt(bin, &["--time-scale", "0.5", "--seed", "1"]);
        assert_eq!(code, Some(130), "{bin}:\n{out}");
        assert!(out.contains("Interrupted by Ctrl-C"), "{bin}:\n{out}");
        let (produced, processed) = summary(&out);
        assert!(processed <= produced && produced < 40, "{bin}:\n{out}");
        assert!(out.contains("App exiting, total time: "), "{bin}:\n{out}");
    }
    let (out, _) = interrupt("prod_trio", &["--time-scale", "0.5", "--seed", "1"]);
    for name in ["Prod 1", "Prod 2", "Consumer"] {
        assert!(out.contains(&format!(" xx {name} cancelled.")), "{out}");
    }
}
