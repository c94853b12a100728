//! Runs the real `kernels` binary: one line per kernel this CPU has, each with the exact sum and
//! its comparison with the Rust loop; `--timeline` draws one row per thread of the best run.

use ch11_native::{Kernel, Range, closed_form};
use course_kit::testing::{self, Output};
use course_kit::timeline::Rows;

fn run(args: &[&str]) -> Output {
    testing::run("kernels", args)
}

fn exact(num: u64) -> String {
    closed_form(Range::up_to(num).unwrap()).unwrap().to_string()
}

#[test]
fn every_kernel_is_timed_and_its_sum_checked() {
    for workers in ["1", "3"] {
        let (out, err, code) = run(&["--num", "100003", "--workers", workers, "--rounds", "2"]);
        assert_eq!(code, Some(0), "{err}");
        let lines: Vec<&str> = out.lines().collect();
        let threads = if workers == "1" {
            "1 thread,"
        } else {
            "3 threads,"
        };
        assert_eq!(
            lines[0],
            format!("100,003 positions on {threads} best of 2 runs each:")
        );
        let sum = format!("sum = {}", exact(100_003));
        assert!(lines[1].starts_with("Rust scalar loop, 1 thread:") && lines[1].ends_with(&sum));
        let kernels = Kernel::available();
        assert_eq!(lines.len(), 2 + kernels.len(), "{out}");
        for (line, kernel) in lines[2..].iter().zip(&kernels) {
            assert!(
                line.starts_with(&format!("C {} kernel:", kernel.name())),
                "{line}"
            );
            assert!(line.contains(&format!("{sum}, ")), "{line}");
            assert!(line.contains("x the Rust loop; "), "{line}");
            // Whole numbers below 2^53: every order of additions gives the exact sum.
            let verdict = if *kernel == Kernel::Scalar && workers == "1" {
                "identical, bit for bit"
            } else {
                "identical"
            };
            assert!(line.ends_with(&format!("; {verdict}")), "{line}");
        }
    }
}

#[test]
fn one_kernel_and_a_fractional_sum_within_the_bound() {
    // --kernel scalar on 3 threads adds the slices in another order than the one-thread loop.
    let (out, err, code) = run(&["--num", "2000000", "--kernel", "scalar", "--workers", "3"]);
    assert_eq!(code, Some(0), "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert!(lines[2].starts_with("C scalar kernel:"), "{out}");
}

#[test]
fn timeline_draws_one_row_per_worker_thread() {
    for workers in [1_usize, 3] {
        let w = workers.to_string();
        let (out, err, code) = run(&[
            "--num",
            "600000",
            "--workers",
            &w,
            "--kernel",
            "auto",
            "--timeline",
        ]);
        assert_eq!(code, Some(0), "{err}");
        let at = out
            .find("kernel, its best run:")
            .expect("the chart's title");
        let chart = testing::chart(&out[at..]);
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
fn bad_flags_exit_2_with_one_line() {
    testing::assert_bad_flags(
        "kernels",
        &[
            &["--num", "99999999999"][..],
            &["--num", "-1"],
            &["--rounds", "0"],
            &["--rounds", "1000"],
            &["--workers", "0"],
            &["--kernel", "avx1024"],
        ],
    );
}
