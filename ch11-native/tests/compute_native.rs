//! Runs the real `compute_native` binary: every kernel this CPU has, on several thread counts,
//! must print the exact sum; `--timeline` draws one row per thread; kernels it lacks and bad
//! flags are refused with exit code 2.

use ch11_native::{Kernel, Native, Range, closed_form};
use course_kit::testing::{self, Output};
use course_kit::timeline::Rows;

fn run(args: &[&str]) -> Output {
    testing::run("compute_native", args)
}

/// The exact answer for 0..num (whole numbers below 2^53: every kernel gets it exactly).
fn exact(num: u64) -> String {
    closed_form(Range::up_to(num).unwrap()).unwrap().to_string()
}

#[test]
fn auto_runs_the_widest_kernel_on_every_worker_and_reports_a_factor() {
    let (out, err, code) = run(&["--num", "200000", "--workers", "2"]);
    assert_eq!(code, Some(0), "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "Doing math on 2 processors.");
    let best = Native::best().kernel().name();
    assert!(
        lines[1].starts_with(&format!("Kernel: {best} (auto picked the widest")),
        "{}",
        lines[1]
    );
    let sum = format!("sum = {}", exact(200_000));
    assert!(lines[2].starts_with("Rust scalar loop, 1 thread:") && lines[2].ends_with(&sum));
    assert!(
        lines[3].starts_with(&format!("C {best} kernel, 2 threads:")) && lines[3].ends_with(&sum),
        "{}",
        lines[3]
    );
    assert_eq!(lines[4], "Sums are identical.");
    assert!(lines[5].starts_with("Done in ") && lines[5].contains(" sec. (factor: "));
    assert!(
        lines[5].ends_with("x over the Rust loop timed above)"),
        "{}",
        lines[5]
    );
    assert_eq!(lines.len(), 6);
    // Tests run the debug build: the program says its timings mean nothing there.
    assert!(err.contains("unoptimised (debug) build"), "{err}");
}

#[test]
fn every_available_kernel_gives_the_exact_sum_on_any_thread_count() {
    let sum = format!("sum = {}", exact(100_003));
    for kernel in Kernel::available() {
        for workers in ["1", "3"] {
            let (out, err, code) = run(&[
                "--num",
                "100003",
                "--kernel",
                kernel.name(),
                "--workers",
                workers,
            ]);
            assert_eq!(code, Some(0), "{}: {err}", kernel.name());
            assert!(
                out.contains(&format!("Kernel: {}\n", kernel.name())),
                "{out}"
            );
            let c_line = out.lines().find(|l| l.starts_with("C ")).unwrap();
            assert!(c_line.ends_with(&sum), "{}: {c_line}", kernel.name());
            if kernel == Kernel::Scalar && workers == "1" {
                assert!(out.contains("Sums are identical, bit for bit."), "{out}");
            }
        }
    }
}

#[test]
fn timeline_draws_one_row_per_worker_thread() {
    for workers in [1_usize, 3] {
        let w = workers.to_string();
        let (out, err, code) = run(&["--num", "600000", "--workers", &w, "--timeline"]);
        assert_eq!(code, Some(0), "{err}");
        // The run's normal output comes first, unchanged.
        assert!(
            out.contains(&format!("sum = {}\n", exact(600_000))),
            "{out}"
        );
        let done = out.find("Done in ").expect("the result line");
        let chart = testing::chart(&out[done..]);
        assert_eq!(chart.rows.len(), workers, "{out}");
        let mut labels = chart.labels();
        labels.sort_unstable();
        let want: Vec<String> = (1..=workers).map(|i| format!("thread {i}")).collect();
        assert_eq!(labels, want, "{out}");
        if workers == 1 {
            // One span is the whole run: its bar fills every column.
            let every: Vec<usize> = (0..chart.width).collect();
            assert_eq!(chart.rows[0].columns, every, "{out}");
        }
        // The summary line ends the output, the time axis above it (the chart checks the axis
        // and the wording: `1 worker, at most 1 running at once`, `3 workers, …`).
        let summary = out.lines().last().unwrap_or_default();
        assert_eq!(summary, chart.summary, "{out}");
        assert_eq!(
            (chart.kind, chart.count),
            (Rows::Workers, workers),
            "{summary}"
        );
        assert!((1..=workers).contains(&chart.peak), "{summary}");
    }
}

#[test]
fn no_chart_without_the_flag() {
    let (out, _, code) = run(&["--num", "1000", "--workers", "2"]);
    assert_eq!(code, Some(0));
    assert!(
        !out.lines().any(|l| l.ends_with('|')) && !out.contains("running at once"),
        "{out}"
    );
}

#[test]
fn an_empty_range_sums_to_zero() {
    let (out, _, code) = run(&["--num", "0", "--workers", "1"]);
    assert_eq!(code, Some(0));
    assert!(out.contains(", sum = 0\n"), "{out}");
}

#[test]
fn discard_shows_the_deleted_loop_next_to_the_kept_one() {
    let (out, err, code) = run(&["--num", "200000", "--workers", "1", "--discard"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("the same C loop (integers, like Cython's) with its result unused"));
    let kept = out.lines().find(|l| l.contains("result kept:")).unwrap();
    assert!(
        kept.contains("200,000 positions")
            && kept.ends_with(&format!("(sum = {})", exact(200_000)))
    );
    let discarded: Vec<&str> = out
        .lines()
        .filter(|l| l.contains("result discarded:"))
        .collect();
    assert_eq!(discarded.len(), 2, "{out}");
    assert!(
        discarded[1].contains("200,000,000 positions"),
        "{}",
        discarded[1]
    );
}

#[test]
fn kernels_this_machine_lacks_are_bad_flags() {
    let foreign = if cfg!(target_arch = "x86_64") {
        "neon"
    } else {
        "avx512"
    };
    let (out, err, code) = run(&["--kernel", foreign]);
    assert_eq!(code, Some(2));
    assert!(out.is_empty(), "nothing ran: {out}");
    assert!(err.starts_with("error: invalid value"), "{err}");
    assert!(
        err.contains(&format!("the {foreign} kernel cannot run on this machine")),
        "{err}"
    );

    let (_, err, code) = run(&["--kernel", "avx1024"]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("no kernel `avx1024` (choose auto, avx512,"),
        "{err}"
    );
}

#[test]
fn bad_flags_exit_2_with_one_line() {
    course_kit::testing::assert_bad_flags(
        "compute_native",
        &[
            &["--num", "-1"][..],
            &["--num", "1125899906842625"], // 2^50 + 1
            &["--num", "lots"],
            &["--workers", "0"],
            &["--nope"],
        ],
    );
}
