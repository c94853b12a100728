//! Runs the real `compute_native` binary: every kernel this CPU has, on several thread counts,
//! must print the exact sum; kernels it lacks and bad flags are refused with exit code 2.

use ch11_native::{Kernel, Native, Range, closed_form};
use course_kit::testing::{self, Output};

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
    let usable: Vec<&str> = Kernel::available().iter().map(|k| k.name()).collect();
    assert_eq!(
        lines[1],
        format!("Kernel: {best} (this CPU can run: {})", usable.join(", "))
    );
    let sum = format!("sum = {}", exact(200_000));
    assert!(lines[2].starts_with("Rust scalar loop, 1 thread:") && lines[2].ends_with(&sum));
    assert!(
        lines[3].starts_with(&format!("C {best} kernel, 2 threads:")) && lines[3].ends_with(&sum),
        "{}",
        lines[3]
    );
    let factor = lines[4]
        .strip_prefix("Done in ")
        .and_then(|l| l.split_once(" sec. (factor: "))
        .and_then(|(_, f)| f.strip_suffix("x over the Rust loop)"))
        .unwrap_or_else(|| panic!("{}", lines[4]));
    let factor: f64 = factor.parse().unwrap();
    assert!(factor > 0.0, "{factor}");
    // Below 1 (the threads' start-up outweighs 200,000 positions, or the cores were busy), one
    // line says why.
    if factor < 1.0 {
        assert!(lines[5].starts_with("(A factor below 1: "), "{out}");
    }
    assert_eq!(lines.len(), if factor < 1.0 { 6 } else { 5 }, "{out}");
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
                out.contains(&format!("Kernel: {} (", kernel.name())),
                "{out}"
            );
            let c_line = out.lines().find(|l| l.starts_with("C ")).unwrap();
            let threads = if workers == "1" {
                "1 thread:"
            } else {
                "3 threads:"
            };
            assert!(c_line.contains(threads), "{c_line}");
            assert!(c_line.ends_with(&sum), "{}: {c_line}", kernel.name());
        }
    }
}

#[test]
fn no_chart_and_no_extras() {
    let (out, _, code) = run(&["--num", "1000", "--workers", "2"]);
    assert_eq!(code, Some(0));
    assert!(
        !out.lines().any(|l| l.ends_with('|')) && !out.contains("running at once"),
        "{out}"
    );
    // The measurements moved to `kernels` and `discarded_loop`: these flags are gone.
    for gone in ["--timeline", "--discard"] {
        let (_, _, code) = run(&["--num", "1000", gone]);
        assert_eq!(code, Some(2), "{gone}");
    }
}

#[test]
fn an_empty_range_sums_to_zero() {
    let (out, _, code) = run(&["--num", "0", "--workers", "1"]);
    assert_eq!(code, Some(0));
    assert!(out.contains(", sum = 0\n"), "{out}");
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
            &["--num", "99999999999"],      // minutes of work at the most: 10^10
            &["--num", "lots"],
            &["--workers", "0"],
            &["--nope"],
        ],
    );
}
