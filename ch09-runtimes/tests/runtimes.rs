//! Runs `runtimes` with tiny workloads: every runtime must complete (and verify) every workload
//! and appear in the table. Speeds are not asserted: that is the benchmark's job.

use course_kit::site::{LocalSite, SiteConfig};
use course_kit::testing::{self, Output};

mod common;

const SMALL: [&str; 10] = [
    "--runs",
    "3",
    "--tasks",
    "500",
    "--messages",
    "5000",
    "--timers",
    "100",
    "--time-scale",
    "0.01",
];

fn run(args: &[&str]) -> Output {
    testing::run("runtimes", args)
}

#[test]
fn every_runtime_runs_every_workload_and_the_table_has_ratios() {
    let site = LocalSite::start(SiteConfig {
        time_scale: 0.01,
        ..SiteConfig::default()
    })
    .unwrap();
    let mut args = SMALL.to_vec();
    args.extend(["--downloads", "8", "--base-url", site.url().as_str()]);
    let (out, err, code) = run(&args);
    assert_eq!(code, Some(0), "{err}");
    // 4 runtimes × 8 downloads × 3 runs, all concurrent within a run.
    assert_eq!(site.requests_served(), 4 * 8 * 3);
    assert!(site.peak_concurrency() >= 2, "downloads overlapped");

    let workloads = [
        "spawn 500 tasks",
        "channel 5,000 messages",
        "100 timers 1-50 ms",
        "8 downloads",
    ];
    let runtimes = [
        "tokio multi-thread",
        "tokio current-thread",
        "smol",
        "async-std",
    ];
    let rows: Vec<&str> = out.lines().filter(|l| l.ends_with('x')).collect();
    assert_eq!(rows.len(), 16, "4 workloads × 4 runtimes:\n{out}");
    for (i, row) in rows.iter().enumerate() {
        let (workload, runtime) = (workloads[i / 4], runtimes[i % 4]);
        if i % 4 == 0 {
            assert!(row.starts_with(workload), "{row}");
        }
        assert!(row.contains(runtime), "{row}");
        // async-std is labelled where a learner picks a runtime: in its rows.
        assert_eq!(
            row.contains("discontinued"),
            runtime == "async-std",
            "{row}"
        );
        // median within min–max, and a ratio of at least 1 to the best.
        let cols: Vec<&str> = row.split_whitespace().collect();
        let ratio: f64 = cols[cols.len() - 1].trim_end_matches('x').parse().unwrap();
        let (min, max) = cols[cols.len() - 2].split_once('-').unwrap();
        let median: f64 = cols[cols.len() - 3].replace(',', "").parse().unwrap();
        let (min, max): (f64, f64) = (
            min.replace(',', "").parse().unwrap(),
            max.replace(',', "").parse().unwrap(),
        );
        assert!(min <= median && median <= max, "{row}");
        assert!(ratio >= 1.0, "{row}");
    }
    // Exactly one best runtime per workload has a ratio of 1.00.
    for chunk in rows.chunks(4) {
        assert!(chunk.iter().any(|r| r.ends_with(" 1.00x")), "{chunk:?}");
    }
    assert!(
        out.contains("async_compat::Compat"),
        "the table says how reqwest ran"
    );
    // The progress bar is drawn only for a terminal: a piped run's stderr has none of it.
    assert!(!err.contains(" runs, "), "{err}");
}

#[test]
fn a_failing_download_is_reported_with_a_non_zero_exit() {
    let site = LocalSite::start(SiteConfig {
        time_scale: 0.01,
        ..SiteConfig::default()
    })
    .unwrap();
    let mut args = SMALL.to_vec();
    let fault = site.url_for("/fault/500");
    args.extend(["--downloads", "2", "--base-url", &fault]);
    let (_, err, code) = run(&args);
    assert_eq!(code, Some(1), "{err}");
    // One line (after the debug-build warning): the first runtime's failure stops the table.
    let errors: Vec<&str> = err.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors.len(), 1, "{err}");
    assert!(
        errors[0].starts_with("error: 2 downloads on tokio multi-thread"),
        "{err}"
    );
    assert!(
        errors[0].contains("2 of 2 downloads failed") && errors[0].contains("HTTP 500"),
        "{err}"
    );
}

#[test]
fn a_page_over_4_mib_is_a_failed_download() {
    let url = common::huge_page_server();
    let mut args = SMALL.to_vec();
    args.extend(["--downloads", "2", "--base-url", &url]);
    let (_, err, code) = run(&args);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("2 of 2 downloads failed, the first: ") && err.contains(": over 4 MiB"),
        "{err}"
    );
}

/// A server that sends its headers, then the body one byte every 100 ms: `--timeout` bounds the
/// whole download, so the run fails after about 2 s rather than the drip's 50 s.
#[test]
fn a_slow_drip_body_times_out() {
    let url = testing::serve(|_| testing::Page::drip());
    let mut args = SMALL.to_vec();
    args.extend(["--downloads", "2", "--timeout", "2", "--base-url", &url]);
    let t0 = std::time::Instant::now();
    let (_, err, code) = run(&args);
    let took = t0.elapsed();
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("2 of 2 downloads failed, the first: ") && err.contains("timed out"),
        "{err}"
    );
    // Well within the drip's 50 s, even on a loaded machine.
    assert!(took < std::time::Duration::from_secs(10), "took {took:?}");
}

#[test]
fn bad_flags_exit_2_with_one_line() {
    course_kit::testing::assert_bad_flags(
        "runtimes",
        &[
            &["--runs", "0"][..],
            &["--tasks", "0"],
            &["--messages", "lots"],
            &["--workers", "0"],
            // Bounds that fit in memory and minutes (at most a few hundred MB).
            &["--runs", "101"],
            &["--tasks", "1000001"],
            &["--tasks", "99999999999"],
            &["--messages", "10000001"],
            &["--timers", "100001"],
            &["--timers", "99999999999"],
            &["--downloads", "251"],
            &["--downloads", "4294967295"],
        ],
    );
}
