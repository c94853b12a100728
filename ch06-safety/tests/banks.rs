//! Runs the real bank programs and checks what they print and how they exit.

use std::time::Duration;

use course_kit::testing::{assert_bad_flags, run};

const ALL_GOOD: &str = "All good: Consistent account balance: $44,500";

/// `ERROR: Inconsistent account balance: $X vs $44,500` → X.
fn inconsistent_total(line: &str) -> Option<i64> {
    let rest = line.strip_prefix("ERROR: Inconsistent account balance: $")?;
    let (current, total) = rest.split_once(" vs $")?;
    assert_eq!(total, "44,500", "{line}");
    current.replace(',', "").parse().ok()
}

fn assert_clean_run(bin: &str, out: &str, code: Option<i32>) {
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(code, Some(0), "{bin}: {out}");
    assert_eq!(lines.len(), 4, "{bin} printed an extra line: {out}");
    assert_eq!(lines[0], ALL_GOOD);
    assert_eq!(lines[1], "Starting transfers...");
    assert!(
        lines[2].starts_with("Transfers complete (") && lines[2].ends_with(") sec"),
        "{}",
        lines[2]
    );
    assert_eq!(lines[3], ALL_GOOD);
}

#[test]
fn safe_banks_run_the_full_course_workload_cleanly() {
    for bin in ["safe_bank", "safe_bank_fine_grained"] {
        let (out, _, code) = run(bin, &["--seed", "42"]);
        assert_clean_run(bin, &out, code);
    }
}

/// Stress: many seeds, never one ERROR line.
#[test]
fn safe_banks_never_print_an_error_whatever_the_seed() {
    for bin in ["safe_bank", "safe_bank_fine_grained"] {
        for seed in 1..=12 {
            let seed = seed.to_string();
            let (out, _, code) = run(bin, &["--seed", &seed, "--transfers", "2500"]);
            assert!(!out.contains("ERROR"), "{bin} --seed {seed}: {out}");
            assert_clean_run(bin, &out, code);
        }
    }
}

#[test]
fn unsafe_bank_shows_money_in_flight_but_balances_at_the_end() {
    let (out, _, code) = run("unsafe_bank", &["--seed", "7"]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], ALL_GOOD);
    assert_eq!(lines[1], "Starting transfers...");
    let errors: Vec<i64> = lines.iter().filter_map(|l| inconsistent_total(l)).collect();
    // 50,000 yields in the middle of unprotected transfers: validators catch money in flight.
    assert!(!errors.is_empty(), "no race seen: {out}");
    // Usually money is missing (in flight); a validator reading accounts one by one while
    // transfers go on can also count a transfer twice. Either way, never the true total.
    assert!(errors.iter().all(|&current| current != 44_500));
    assert!(lines[lines.len() - 2].starts_with("Transfers complete ("));
    // Atomic debits and credits lose nothing, so at rest the books balance again.
    assert_eq!(lines[lines.len() - 1], ALL_GOOD);
    assert_eq!(code, Some(0));
}

#[test]
fn deadlock_is_detected_reported_and_exits_non_zero() {
    for seed in ["1", "2", "3"] {
        let (out, _, code) = run("deadlock", &["--seed", seed]);
        assert_eq!(code, Some(1), "{out}");
        assert_eq!(
            out.matches("ERROR: Deadlock! These threads wait for each other in a circle:")
                .count(),
            1,
            "{out}"
        );
        // Parse the circle: each thread holds what the previous one waits for, and is held by
        // the next one.
        let report = out
            .split_once("in a circle:\n")
            .and_then(|(_, rest)| rest.split_once("None of them"))
            .map(|(links, _)| links)
            .unwrap_or_else(|| panic!("{out}"));
        let links: Vec<(String, usize, usize, String)> = report
            .lines()
            .filter_map(|l| {
                let l = l.strip_prefix("  ")?;
                let (who, rest) = l.split_once(" holds account ")?;
                let (holds, rest) = rest.split_once(" and waits for account ")?;
                let (waits, by) = rest.split_once(", held by ")?;
                Some((
                    who.to_owned(),
                    holds.parse().ok()?,
                    waits.parse().ok()?,
                    by.to_owned(),
                ))
            })
            .collect();
        assert!(links.len() >= 2, "a circle needs two threads: {out}");
        for (i, link) in links.iter().enumerate() {
            let next = &links[(i + 1) % links.len()];
            assert_eq!(link.3, next.0, "{out}");
            assert_eq!(link.2, next.1, "{out}");
            assert_ne!(link.1, link.2);
        }
        assert!(out.contains("Transfers stopped ("), "{out}");
        assert!(!out.contains("Transfers complete"), "{out}");
        // A stuck transfer had not moved any money yet.
        assert!(out.trim_end().ends_with(ALL_GOOD), "{out}");
    }
}

/// `poisoned_lock`: tests/model.rs checks the same with the test playing the dying worker.
#[test]
fn a_panicking_worker_poisons_the_lock_and_is_explained() {
    let bin = "poisoned_lock";
    for args in [&["--seed", "5", "--panic-at", "20"][..], &["--seed", "6"]] {
        let (out, err, code) = run(bin, args);
        assert_eq!(code, Some(1), "{bin} {args:?}: {out}");
        assert!(err.contains("injected fault (--panic-at)"), "{err}");
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0], ALL_GOOD);
        assert_eq!(lines[1], "Starting transfers...");
        assert_eq!(
            lines[2],
            "ERROR: worker 1 panicked: injected fault (--panic-at): died between a debit and its credit"
        );
        assert!(
            lines[3]
                .starts_with("ERROR: 4 other worker(s) stopped: a lock they needed was poisoned."),
            "{out}"
        );
        assert!(lines[4].starts_with("Transfers stopped ("), "{out}");
        assert_eq!(
            lines[5],
            "Counting the money anyway (PoisonError::into_inner), to see the damage:"
        );
        // The dead worker had debited but not credited: between $1 and $100 are missing.
        let current = inconsistent_total(lines[6]).unwrap_or_else(|| panic!("{out}"));
        assert!((44_400..44_500).contains(&current), "{}", lines[6]);
        assert_eq!(lines.len(), 7, "{out}");
    }
}

#[test]
fn poisoned_lock_without_a_panic_is_safe_bank() {
    // A panic set after the last transfer never happens: the run is safe_bank's.
    let (out, _, code) = run(
        "poisoned_lock",
        &["--transfers", "100", "--panic-at", "101"],
    );
    assert_clean_run("poisoned_lock", &out, code);
}

#[test]
fn reentrant_answers_lock_vs_rlock() {
    let (out, _, code) = run("reentrant", &["--iterations", "1000"]);
    assert_eq!(code, Some(0), "{out}");
    for expected in [
        "try_lock says WouldBlock",
        "never got it; lock() would wait forever",
        "Transfer and validation under one lock: $44,500 in the bank.",
        "main locked it 3 times without deadlocking",
        "refused: re-entry is only for the owner",
        "BorrowMutError",
        "parking_lot::ReentrantMutex<RefCell>",
    ] {
        assert!(out.contains(expected), "missing {expected:?} in:\n{out}");
    }
}

#[test]
fn bad_flags_exit_2_with_one_line() {
    // Beyond 10,000,000 transfers a thread, a run would take many minutes.
    let counts: &[&[&str]] = &[
        &["--transfers", "many"],
        &["--transfers", "-5"],
        &["--transfers", "0"],
        &["--transfers", "10000001"],
        &["--transfers", "99999999999"],
        &["--seed", "-1"],
    ];
    for bin in [
        "safe_bank",
        "safe_bank_fine_grained",
        "unsafe_bank",
        "poisoned_lock",
        "deadlock",
    ] {
        assert_bad_flags(bin, counts);
    }
    assert_bad_flags(
        "poisoned_lock",
        &[
            &["--panic-at", "0"],
            &["--panic-at", "x"],
            &["--panic-at", "10000001"],
        ],
    );
    // The poisoned lock is its own program; the banks follow the course's flags.
    for bin in [
        "safe_bank",
        "safe_bank_fine_grained",
        "unsafe_bank",
        "deadlock",
    ] {
        let (_, err, code) = run(bin, &["--panic-at", "5"]);
        assert_eq!(code, Some(2), "{bin}");
        assert!(err.contains("unexpected argument '--panic-at'"), "{err}");
    }
    for bin in ["safe_bank", "safe_bank_fine_grained", "unsafe_bank"] {
        let (_, err, code) = run(bin, &["--threads", "8"]);
        assert_eq!(code, Some(2), "{bin}");
        assert!(err.contains("unexpected argument '--threads'"), "{err}");
    }
    assert_bad_flags("deadlock", &[&["--threads", "0"], &["--threads", "65"]]);
    let (_, err, code) = run("deadlock", &["--threads", "1"]);
    assert_eq!(code, Some(2));
    assert!(
        err.starts_with("error: --threads must be at least 2"),
        "{err}"
    );
    let (_, err, code) = run("reentrant", &["--iterations", "0"]);
    assert_eq!(code, Some(2));
    assert!(err.starts_with("error:"), "{err}");
}

/// Ctrl-C is not these programs' lesson: it takes the default action, and the process ends at
/// once, killed by SIGINT (a shell reports 130), with no summary.
#[cfg(unix)]
#[test]
fn ctrl_c_takes_the_default_action() {
    // unsafe_bank without its yield, or its flood of ERROR lines fills the pipe.
    for (bin, extra) in [
        ("safe_bank", None),
        ("safe_bank_fine_grained", None),
        ("unsafe_bank", Some("--no-yield")),
    ] {
        let mut args = vec!["--transfers", "10000000"];
        args.extend(extra);
        let (out, err, code) = course_kit::testing::interrupt_after(
            bin,
            &args,
            "Starting transfers...",
            Duration::ZERO,
        );
        assert_eq!(code, None, "{bin}: killed by the signal: {out}{err}");
        assert!(!out.contains("Transfers "), "{bin}: {out}");
        assert!(!err.contains("Cancelled"), "{bin}: {err}");
    }
}
