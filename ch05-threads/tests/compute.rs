//! Runs the real `compute_it` and `compute_threaded` binaries on small inputs and checks the
//! work they report against an independent oracle, and `compute_threaded --factor`'s factor line
//! with its hint when the factor is below 1.

use course_kit::fmt::thousands;
use course_kit::testing::run;

/// The hint printed under a factor below 1.
const BUSY: &str = "(A factor below 1: other programs were busy on the cores; run it when idle.)";

/// Σ |pos − 1,000,000| for pos in 1..=num, by a plain integer loop: what do_math must sum.
fn oracle(num: u64) -> u64 {
    (1..=num).map(|pos| pos.abs_diff(1_000_000)).sum()
}

fn check_done_and_sum(out: &str, num: u64) {
    let done = out.lines().find(|l| l.starts_with("Done in ")).unwrap();
    let secs = done
        .strip_prefix("Done in ")
        .unwrap()
        .strip_suffix(" sec.")
        .unwrap();
    assert!(secs.replace(',', "").parse::<f64>().is_ok(), "{done}");
    check_sum(out, num);
}

fn check_sum(out: &str, num: u64) {
    let want = format!("Sum of the square roots: {}", thousands(oracle(num)));
    assert_eq!(out.lines().last(), Some(want.as_str()), "{out}");
}

#[test]
fn compute_it_does_exactly_the_work_asked() {
    for num in [1, 999_999, 2_000_001] {
        let (out, _, code) = run("compute_it", &["--num", &num.to_string()]);
        assert_eq!(code, Some(0));
        assert_eq!(out.lines().count(), 2, "{out}");
        check_done_and_sum(&out, num);
    }
}

#[test]
fn compute_it_warns_about_debug_builds() {
    let (_, err, code) = run("compute_it", &["--num", "10"]);
    assert_eq!(code, Some(0));
    // The tests run a debug build, so the warning must be there.
    assert!(err.contains("unoptimised (debug) build"), "{err}");
}

#[test]
fn compute_threaded_gives_the_same_sum_for_any_worker_count() {
    let num = 1_500_007;
    for workers in [1, 2, 3, 7, 64] {
        let (out, _, code) = run(
            "compute_threaded",
            &["--num", "1500007", "--workers", &workers.to_string()],
        );
        assert_eq!(code, Some(0));
        let head = format!("Doing math on {workers} processors.");
        assert_eq!(out.lines().next(), Some(head.as_str()), "{out}");
        check_done_and_sum(&out, num);
    }
}

#[test]
fn compute_threaded_defaults_to_the_available_parallelism() {
    let (out, _, code) = run("compute_threaded", &["--num", "1000"]);
    assert_eq!(code, Some(0));
    let n = std::thread::available_parallelism().unwrap();
    assert_eq!(
        out.lines().next().unwrap(),
        format!("Doing math on {n} processors.")
    );
    check_done_and_sum(&out, 1000);
}

/// `Done in 0.03 sec. (factor: 1.95x)` → (0.03, 1.95).
fn done_with_factor(out: &str) -> (f64, f64) {
    let done = out
        .lines()
        .find(|l| l.starts_with("Done in "))
        .unwrap_or_else(|| panic!("no `Done in` line: {out}"));
    let rest = done.strip_prefix("Done in ").unwrap();
    let (secs, factor) = rest
        .split_once(" sec. (factor: ")
        .unwrap_or_else(|| panic!("no factor: {done}"));
    let factor = factor
        .strip_suffix("x)")
        .unwrap_or_else(|| panic!("{done}"));
    // The course's `{:,.2f}`: two decimals.
    assert_eq!(
        factor.split_once('.').map(|(_, d)| d.len()),
        Some(2),
        "{done}"
    );
    let number = |s: &str| s.replace(',', "").parse::<f64>().unwrap();
    (number(secs), number(factor))
}

#[test]
fn compute_threaded_factor_is_measured_against_one_thread_in_the_same_run() {
    let num = 3_000_000;
    let (out, err, code) = run(
        "compute_threaded",
        &["--num", "3000000", "--workers", "2", "--factor"],
    );
    assert_eq!(code, Some(0), "{err}");
    let lines: Vec<&str> = out.lines().collect();
    // On a busy machine the factor may come out below 1, with its hint: see the next test.
    assert!(lines.len() == 4 || lines[3] == BUSY, "{out}");
    // The one-thread loop runs first, in this run, then the threads.
    let one = lines[0]
        .strip_prefix("One thread first, for the factor: ")
        .and_then(|s| s.strip_suffix(" sec."))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(one.replace(',', "").parse::<f64>().is_ok(), "{out}");
    assert_eq!(lines[1], "Doing math on 2 processors.");
    let (secs, factor) = done_with_factor(&out);
    assert!(secs >= 0.0, "{out}");
    assert!(factor > 0.0 && factor.is_finite(), "{out}");
    // The threads still do exactly the work asked.
    check_sum(&out, num);
}

#[test]
fn compute_threaded_without_factor_prints_the_plain_done_line() {
    let (out, _, code) = run("compute_threaded", &["--num", "1000", "--workers", "2"]);
    assert_eq!(code, Some(0));
    assert!(
        !out.contains("factor") && !out.contains("One thread first"),
        "{out}"
    );
}

#[test]
fn a_factor_below_1_comes_with_the_hint_that_the_cores_were_busy() {
    // 256 threads for 100 numbers: starting them costs far more than the loop (a microsecond),
    // so the threads are slower than one thread, as when other programs hold the cores.
    let (out, err, code) = run(
        "compute_threaded",
        &["--num", "100", "--workers", "256", "--factor"],
    );
    assert_eq!(code, Some(0), "{err}");
    let (_, factor) = done_with_factor(&out);
    assert!(factor < 1.0, "{out}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 5, "{out}");
    assert!(lines[2].starts_with("Done in "), "{out}");
    assert_eq!(lines[3], BUSY, "under the factor line");
    check_sum(&out, 100);
}

#[test]
fn the_hint_is_printed_exactly_when_the_factor_is_below_1() {
    for workers in ["1", "2"] {
        let (out, _, code) = run(
            "compute_threaded",
            &["--num", "2000000", "--workers", workers, "--factor"],
        );
        assert_eq!(code, Some(0));
        let (_, factor) = done_with_factor(&out);
        // The printed factor is rounded to two decimals; the hint follows the exact one, so a
        // factor printed as 1.00 may come either way.
        if factor < 1.0 {
            assert!(out.contains(BUSY), "{out}");
        } else if factor > 1.0 {
            assert!(!out.contains(BUSY), "{out}");
        }
    }
}

#[test]
fn bad_flags_exit_2_with_one_line() {
    let cases: [(&str, &[&str], &str); 14] = [
        ("compute_it", &["--num", "-5"], "-5"),
        ("compute_it", &["--num", "lots"], "--num"),
        ("compute_it", &["--num", "0"], "--num"),
        ("compute_it", &["--num", "1000000001"], "--num"),
        ("compute_it", &["--num", "99999999999"], "--num"),
        ("compute_threaded", &["--num", "-1"], "-1"),
        ("compute_threaded", &["--num", "1000000001"], "--num"),
        ("compute_threaded", &["--workers", "0"], "--workers"),
        ("compute_threaded", &["--workers", "two"], "--workers"),
        ("compute_threaded", &["--workers", "5000"], "--workers"),
        ("compute_it", &["--workers", "2"], "--workers"),
        ("compute_it", &["--factor"], "--factor"),
        ("compute_threaded", &["--factor", "yes"], "yes"),
        // The worker chart moved to ch07's process_costs.
        ("compute_threaded", &["--timeline"], "--timeline"),
    ];
    for (bin, args, flag) in cases {
        let (out, err, code) = run(bin, args);
        assert_eq!(code, Some(2), "{bin} {args:?}");
        assert!(out.is_empty(), "{bin} {args:?}: no work done");
        let first = err.lines().next().unwrap();
        assert!(
            first.starts_with("error:") && first.contains(flag),
            "{bin} {args:?}: {err}"
        );
    }
}
