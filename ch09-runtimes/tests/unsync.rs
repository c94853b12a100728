//! Runs `nosync`, `presync` and `thesync` against local sites and checks what they print and
//! how the downloads overlapped (the site counts concurrent requests), never how long they took.

use std::time::Duration;

use ch09_runtimes::unsync::{PAGE, PAGE_MORE};
use course_kit::site::{Fault, LocalSite, SiteConfig, no_chart};
use course_kit::testing::{self, Chart, Output, chart};
use course_kit::timeline::Rows;

mod common;

const PROGRAMS: [&str; 3] = ["nosync", "presync", "thesync"];

fn run(bin: &str, args: &[&str]) -> Output {
    testing::output(
        testing::command(bin)
            .args(args)
            // Small jobs: 1,000 square roots, waits of 999 × 10 µs.
            .args(["--time-scale", "0.01", "--iterations", "1000"]),
    )
}

fn count(out: &str, line: &str) -> usize {
    out.lines().filter(|l| *l == line).count()
}

/// A site at the course's latency (300–500 ms), so overlapping downloads surely overlap.
fn slow_site(faults: Vec<(String, Fault)>) -> LocalSite {
    LocalSite::start(SiteConfig {
        faults,
        ..SiteConfig::default()
    })
    .unwrap()
}

#[test]
fn every_program_runs_all_eleven_jobs_on_the_embedded_site() {
    for bin in PROGRAMS {
        let (out, err, code) = run(bin, &[]);
        assert_eq!(code, Some(0), "{bin}: {err}");
        assert_eq!(count(&out, "Computing..."), 3, "{bin}:\n{out}");
        assert_eq!(count(&out, "Downloading..."), 2, "{bin}:\n{out}");
        assert_eq!(count(&out, "Downloading more ..."), 2, "{bin}:\n{out}");
        assert_eq!(count(&out, "Waiting..."), 4, "{bin}:\n{out}");
        // The two pages differ, and each download of one page gets the same, non-trivial size.
        let sizes = |prefix: &str| -> Vec<u64> {
            out.lines()
                .filter_map(|l| l.strip_prefix(prefix)?.strip_suffix(" characters."))
                .filter(|n| !n.starts_with('('))
                .map(|n| n.replace(',', "").parse().unwrap())
                .collect()
        };
        let (some, more) = (sizes("Downloaded "), sizes("Downloaded (more) "));
        assert_eq!(some.len(), 2, "{bin}:\n{out}");
        assert_eq!(more.len(), 2, "{bin}:\n{out}");
        assert!(some[0] == some[1] && more[0] == more[1] && some[0] != more[0]);
        assert!(some[0] > 10_000, "a long article: {some:?}");
        assert_eq!(
            out.lines()
                .filter(|l| l.starts_with("Synchronous version done in "))
                .count(),
            1,
            "{bin}:\n{out}"
        );
    }
}

#[test]
fn nosync_downloads_one_at_a_time_and_thesync_all_at_once() {
    let site = slow_site(vec![]);
    let (_, err, code) = run("nosync", &["--base-url", site.url().as_str()]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(site.requests_served(), 4);
    assert_eq!(site.peak_concurrency(), 1, "nosync never overlaps");

    let site = slow_site(vec![]);
    let (_, err, code) = run("thesync", &["--base-url", site.url().as_str()]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(site.requests_served(), 4);
    assert_eq!(
        site.peak_concurrency(),
        4,
        "thesync runs all four downloads at once"
    );
}

#[test]
fn failing_downloads_are_reported_and_the_rest_continue() {
    let site = LocalSite::start(SiteConfig {
        time_scale: 0.01,
        ..SiteConfig::default()
    })
    .unwrap();
    let all_fail = site.url_for("/fault/500");
    for bin in PROGRAMS {
        let (out, err, code) = run(bin, &["--base-url", &all_fail]);
        assert_eq!(code, Some(1), "{bin}: {err}");
        assert_eq!(err.matches("Download failed: ").count(), 4, "{bin}: {err}");
        assert_eq!(err.matches("HTTP 500").count(), 4, "{bin}: {err}");
        assert!(err.contains("4 of 4 downloads failed."), "{bin}: {err}");
        assert_eq!(count(&out, "Waiting..."), 4, "{bin}: the waits still ran");
        assert!(out.contains("Synchronous version done in "), "{bin}");
    }
    // One page broken, the other fine.
    let site = LocalSite::start(SiteConfig {
        time_scale: 0.01,
        faults: vec![(PAGE_MORE.into(), Fault::NotFound)],
        ..SiteConfig::default()
    })
    .unwrap();
    for bin in PROGRAMS {
        let (out, err, code) = run(bin, &["--base-url", site.url().as_str()]);
        assert_eq!(code, Some(1), "{bin}: {err}");
        assert!(err.contains("2 of 4 downloads failed."), "{bin}: {err}");
        assert_eq!(err.matches("HTTP 404").count(), 2, "{bin}: {err}");
        assert!(
            !err.contains(PAGE),
            "{bin}: the good page did not fail: {err}"
        );
        assert_eq!(
            out.lines()
                .filter(|l| l.starts_with("Downloaded ") && !l.contains("(more)"))
                .count(),
            2,
            "{bin}:\n{out}"
        );
    }
}

#[test]
fn bad_flags_exit_2_with_one_line() {
    for bin in PROGRAMS {
        course_kit::testing::assert_bad_flags(
            bin,
            &[
                &["--iterations", "many"][..],
                &["--iterations", "-1"],
                // A bound that fits in minutes: 10⁹ square roots take ~1 s in a release build.
                &["--iterations", "1000000001"],
                &["--iterations", "99999999999"],
                &["--sleeps", "1"],
                &["--base-url", "ftp://example.com"],
                &["--timeout", "0"],
            ],
        );
    }
}

#[test]
#[cfg(unix)]
fn ctrl_c_ends_them_the_default_way() {
    let site = LocalSite::start(SiteConfig {
        time_scale: 0.01,
        ..SiteConfig::default()
    })
    .unwrap();
    for bin in PROGRAMS {
        // The waits at the course's pace: about a second each, so Ctrl-C lands in one.
        let args = ["--iterations", "1000", "--base-url", site.url().as_str()];
        let settle = Duration::from_millis(100);
        let (out, err, code) = testing::interrupt_after(bin, &args, "Waiting...\n", settle);
        // No exit code: the signal ended the process, as it ends Python's.
        assert_eq!(code, None, "{bin}:\n{out}{err}");
        assert!(!out.contains("Synchronous version done"), "{bin}:\n{out}");
    }
}

#[test]
fn a_page_over_4_mib_is_a_failed_download() {
    let url = common::huge_page_server();
    for bin in PROGRAMS {
        let (out, err, code) = run(bin, &["--base-url", &url]);
        assert_eq!(code, Some(1), "{bin}: {err}");
        // Both kinds of download (blocking, and async where the program has one) refuse it.
        assert_eq!(err.matches(": over 4 MiB").count(), 4, "{bin}: {err}");
        assert!(err.contains("4 of 4 downloads failed."), "{bin}: {err}");
        assert!(out.contains("Synchronous version done in "), "{bin}");
        assert!(!out.contains("Downloaded"), "{bin}:\n{out}");
    }
}

/// A page is decoded as reqwest's `text()` does: by the `Content-Type`'s charset. In Latin-1,
/// `é` and the no-break space are one byte each (0xE9 0xA0), 14 characters a line; read as UTF-8
/// they would be one U+FFFD, 13.
#[test]
fn a_latin1_page_counts_its_characters() {
    let base = testing::serve(|_| {
        let body = b"Caf\xe9\xa0latin-1\r\n".repeat(100);
        testing::Page::ok(Some("text/html; charset=iso-8859-1"), body)
    });
    for bin in PROGRAMS {
        let (out, err, code) = run(bin, &["--base-url", &base]);
        assert_eq!(code, Some(0), "{bin}: {err}");
        assert_eq!(
            count(&out, "Downloaded 1,400 characters."),
            2,
            "{bin}:\n{out}"
        );
        assert_eq!(
            count(&out, "Downloaded (more) 1,400 characters."),
            2,
            "{bin}:\n{out}"
        );
    }
}

/// A server that sends its headers, then the body one byte every 100 ms, for the page `path`;
/// any other page is small and quick. Returns its base URL.
fn drip_server(path: &'static str) -> String {
    testing::serve(move |p| {
        if p == path {
            testing::Page::drip()
        } else {
            testing::Page::ok(Some("text/html"), "<h1>Small</h1>")
        }
    })
}

/// The line that reports `path` timed out: reqwest leaves the URL out of a body's errors, so this
/// checks that the programs name it themselves.
fn timed_out(base: &str, path: &str) -> String {
    format!("Download failed: {base}{path}: timed out")
}

/// A slow drip for the page that every program downloads blocking: `--timeout` bounds the whole
/// download, not each read, so both fail after 2 s each and the other jobs still run.
#[test]
fn a_slow_drip_body_times_out() {
    let base = drip_server(PAGE_MORE);
    for bin in PROGRAMS {
        let t0 = std::time::Instant::now();
        let (out, err, code) = run(bin, &["--timeout", "2", "--base-url", &base]);
        let took = t0.elapsed();
        assert_eq!(code, Some(1), "{bin}: {err}");
        // presync's blocking downloads stall its one thread for 2 s each, past its async
        // downloads' own 2 s: those time out too, which is presync's lesson.
        let failed = if bin == "presync" { 4 } else { 2 };
        assert_eq!(err.matches(": timed out").count(), failed, "{bin}: {err}");
        assert_eq!(count(&err, &timed_out(&base, PAGE_MORE)), 2, "{bin}: {err}");
        let others = count(&err, &timed_out(&base, PAGE));
        assert_eq!(others, failed - 2, "{bin}: {err}");
        let summary = format!("{failed} of 4 downloads failed.");
        assert!(err.contains(&summary), "{bin}: {err}");
        let fine = count(&out, "Downloaded 14 characters.");
        assert_eq!(fine, 4 - failed, "{bin}:\n{out}");
        // The drip lasts 50 s: well within that, even on a loaded machine.
        assert!(took < Duration::from_secs(10), "{bin} took {took:?}");
    }
}

/// A slow drip for the page that `presync` and `thesync` download async (and `nosync` blocking):
/// an async body's error has no URL either, and its line still names the page.
#[test]
fn a_slow_drip_async_body_times_out_and_names_its_url() {
    let base = drip_server(PAGE);
    for bin in PROGRAMS {
        let (out, err, code) = run(bin, &["--timeout", "2", "--base-url", &base]);
        assert_eq!(code, Some(1), "{bin}: {err}");
        assert_eq!(count(&err, &timed_out(&base, PAGE)), 2, "{bin}: {err}");
        assert!(err.contains("2 of 4 downloads failed."), "{bin}: {err}");
        let fine = count(&out, "Downloaded (more) 14 characters.");
        assert_eq!(fine, 2, "{bin}:\n{out}");
    }
}

/// Runs `bin --timeline` with waits and latencies at a tenth of the course's (30–50 ms a page),
/// long enough for overlapping downloads to overlap surely on a loaded machine.
fn run_timeline(bin: &str, args: &[&str]) -> Output {
    testing::output(
        testing::command(bin)
            .args(["--timeline", "--time-scale", "0.1", "--iterations", "1000"])
            .args(args),
    )
}

#[test]
fn timeline_nosync_draws_a_staircase() {
    let (out, err, code) = run_timeline("nosync", &[]);
    assert_eq!(code, Some(0), "{err}");
    let chart = chart(&out);
    assert_eq!(chart.rows.len(), 4, "one row per request:\n{out}");
    assert_eq!(
        (chart.kind, chart.count, chart.peak),
        (Rows::Requests, 4, 1),
        "never two at once:\n{out}"
    );
    // In order of arrival: the first page twice, then the second twice.
    let labels = chart.labels();
    assert!(labels[0].starts_with("/episodes/show/174/"), "{out}");
    assert!(labels[3].starts_with("/episodes/show/92/"), "{out}");
    // No two requests share a column, except where one ends in the column the next begins.
    assert_eq!(chart.overlap(), None, "rows overlap:\n{out}");
    assert!(out.contains("Synchronous version done in "), "{out}");
}

#[test]
fn timeline_thesync_draws_the_downloads_overlapping() {
    let (out, err, code) = run_timeline("thesync", &[]);
    assert_eq!(code, Some(0), "{err}");
    let chart = chart(&out);
    assert_eq!(chart.rows.len(), 4, "one row per request:\n{out}");
    assert_eq!((chart.kind, chart.count), (Rows::Requests, 4), "{out}");
    assert!(chart.peak >= 2, "downloads overlap:\n{out}");
    assert!(chart.widest_shared_column() >= 2, "{out}");
}

#[test]
fn timeline_presync_draws_the_blocking_downloads_one_after_the_other() {
    let (out, err, code) = run_timeline("presync", &[]);
    assert_eq!(code, Some(0), "{err}");
    let chart = chart(&out);
    assert_eq!(chart.rows.len(), 4, "one row per request:\n{out}");
    assert_eq!((chart.kind, chart.count), (Rows::Requests, 4), "{out}");
    assert!((1..=3).contains(&chart.peak), "{out}");
    // `download_some_more` blocks the runtime's only thread: its two requests never overlap.
    let blocking = Chart {
        rows: chart
            .rows
            .iter()
            .filter(|r| r.label.starts_with("/episodes/show/92/"))
            .cloned()
            .collect(),
        ..chart.clone()
    };
    assert_eq!(blocking.rows.len(), 2, "{out}");
    assert_eq!(
        blocking.overlap(),
        None,
        "the blocking downloads overlap:\n{out}"
    );
}

#[test]
fn timeline_without_a_local_site_says_why_there_is_no_chart() {
    let site = LocalSite::start(SiteConfig {
        time_scale: 0.1,
        ..SiteConfig::default()
    })
    .unwrap();
    for bin in PROGRAMS {
        let (out, err, code) = run_timeline(bin, &["--base-url", site.url().as_str()]);
        assert_eq!(code, Some(0), "{bin}: {err}");
        assert_eq!(site.requests_served() % 4, 0, "{bin}");
        let last = out.lines().last().unwrap();
        assert_eq!(last, no_chart("--base-url"), "{bin}:\n{out}");
        assert!(
            !out.lines().any(|l| l.ends_with('|')),
            "{bin}: no chart:\n{out}"
        );
    }
}

#[test]
fn no_timeline_without_the_flag() {
    let (out, _, code) = run("nosync", &[]);
    assert_eq!(code, Some(0));
    assert!(!out.lines().any(|l| l.ends_with('|')), "{out}");
    assert!(!out.contains("in flight at once"), "{out}");
}
