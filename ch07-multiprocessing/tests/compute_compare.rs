//! Runs the real `compute_compare` binary, small: every strategy ran, against a capacity that
//! can be true, and agreed.

use course_kit::testing::{self, Output};

/// One run at a time: the capacity check compares timings, which a second busy run would skew.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn run(args: &[&str]) -> Output {
    let _turn = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    testing::run("compute_compare", args)
}

#[test]
fn every_strategy_runs_and_returns_the_course_integers() {
    let (out, err, code) = run(&["--workers", "3", "--num", "3000000", "--rounds", "2"]);
    assert_eq!(code, Some(0), "{err}");
    // The course's Python gives these for 3,000,000 steps on 3 processes (computed once with
    // CPython and embedded here).
    assert!(
        out.lines()
            .any(|l| l == "Every strategy returned the same results: 499999, 250000, 500000"),
        "{out}"
    );
    for row in [
        "one thread ",
        "threads (3) ",
        "processes, new pool (3) ",
        "processes, warm pool (3) ",
        "rayon (3 threads) ",
    ] {
        let line = out
            .lines()
            .find(|l| l.starts_with(row))
            .unwrap_or_else(|| panic!("no row {row:?} in\n{out}"));
        assert!(line.contains(" s ") && line.contains('%'), "{line}");
    }
    let capacity: f64 = out
        .lines()
        .find_map(|l| l.split("-> capacity ").nth(1))
        .and_then(|c| c.strip_suffix("x one core"))
        .expect("capacity line")
        .parse()
        .unwrap();
    // Three loops side by side can never be more than three times one loop's work.
    assert!(capacity > 0.0 && capacity < 3.5, "{capacity}");
    let new_pool = out
        .lines()
        .find(|l| l.starts_with("processes, new pool"))
        .unwrap();
    assert!(new_pool.contains(" ms start-up"), "{new_pool}");
    assert!(err.contains("unoptimised") || !cfg!(debug_assertions));
}

#[test]
fn bad_flags_exit_2_with_one_line() {
    course_kit::testing::assert_bad_flags(
        "compute_compare",
        &[
            &["--workers", "0"][..],
            &["--rounds", "0"],
            &["--num", "x"],
            &["--workers", "9999"],
            &["--num", "99999999999"],
            &["--rounds", "1000"],
        ],
    );
}
