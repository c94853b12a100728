//! Runs the real `compute_it` and `compute_threaded` binaries on small inputs and checks the
//! work they report against an independent oracle.

use course_kit::fmt::thousands;
use course_kit::testing::run;

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
            &["--num", "1,500,007", "--workers", &workers.to_string()],
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

#[test]
fn bad_flags_exit_2_with_one_line() {
    let cases: [(&str, &[&str], &str); 9] = [
        ("compute_it", &["--num", "-5"], "--num"),
        ("compute_it", &["--num", "lots"], "--num"),
        ("compute_it", &["--num", "0"], "--num"),
        ("compute_it", &["--num", "1000000001"], "--num"),
        ("compute_threaded", &["--num", "-1"], "--num"),
        ("compute_threaded", &["--workers", "0"], "--workers"),
        ("compute_threaded", &["--workers", "two"], "--workers"),
        ("compute_threaded", &["--workers", "5000"], "--workers"),
        ("compute_it", &["--workers", "2"], "--workers"),
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
