//! Runs both scrapers against their own embedded site (never the internet): titles, overlap,
//! every fault mode, flags.

mod common;

use common::Run;
use course_kit::site::{Fault, LocalSite, SiteConfig, episode_title};

const SCRAPERS: [&str; 2] = ["sync_scrape", "async_scrape"];

fn site(time_scale: f64, faults: Vec<(String, Fault)>) -> LocalSite {
    LocalSite::start(SiteConfig {
        time_scale,
        faults,
        ..SiteConfig::default()
    })
    .unwrap()
}

fn scrape(bin: &str, site: &LocalSite, extra: &[&str]) -> Run {
    let mut args = vec!["--base-url", site.url().as_str()];
    args.extend_from_slice(extra);
    common::run(bin, &args)
}

fn assert_titles(r: &Run, episodes: impl Iterator<Item = u32>, except: Option<u32>) {
    let found: Vec<&str> = r
        .out
        .lines()
        .filter_map(|l| l.strip_prefix("Title found: "))
        .collect();
    let mut want: Vec<String> = Vec::new();
    for n in episodes {
        if Some(n) != except {
            want.push(episode_title(n));
        }
    }
    let found_good: Vec<&str> = found.iter().copied().filter(|t| *t != "MISSING").collect();
    assert_eq!(found_good, want, "titles in episode order\n{r:?}");
}

#[test]
fn both_find_every_title_in_order() {
    for bin in SCRAPERS {
        let site = site(0.02, vec![]);
        let r = scrape(bin, &site, &[]);
        assert_eq!(r.code, Some(0), "{bin}: {r:?}");
        assert_titles(&r, 375..=384, None);
        assert_eq!(r.out.matches("Getting HTML for episode").count(), 10);
        assert_eq!(r.out.matches("Getting TITLE for episode").count(), 10);
        assert!(r.lines().last().unwrap().starts_with("Done in "), "{bin}");
        assert_eq!(site.requests_served(), 10, "{bin}");
    }
}

#[test]
fn async_overlaps_downloads_and_sync_does_not() {
    let fast = site(0.2, vec![]);
    let r = scrape("async_scrape", &fast, &[]);
    assert_eq!(r.code, Some(0), "{r:?}");
    assert!(
        fast.peak_concurrency() >= 5,
        "peak {}",
        fast.peak_concurrency()
    );
    // All downloads are started before the first title is printed.
    let lines = r.lines();
    assert!(
        lines[..10].iter().all(|l| l.starts_with("Getting HTML")),
        "{lines:#?}"
    );

    let slow = site(0.05, vec![]);
    let r = scrape("sync_scrape", &slow, &[]);
    assert_eq!(r.code, Some(0), "{r:?}");
    assert_eq!(slow.peak_concurrency(), 1);

    // The naive async loop, awaiting each download in turn, gains nothing: one at a time.
    let naive = site(0.05, vec![]);
    let r = scrape("async_scrape", &naive, &["--one-at-a-time"]);
    assert_eq!(r.code, Some(0), "{r:?}");
    assert_titles(&r, 375..=384, None);
    assert_eq!(naive.peak_concurrency(), 1);
}

#[test]
fn episode_range_flags() {
    for bin in SCRAPERS {
        let site = site(0.01, vec![]);
        let r = scrape(bin, &site, &["--first", "1", "--last", "3"]);
        assert_eq!(r.code, Some(0), "{bin}: {r:?}");
        assert_titles(&r, 1..=3, None);
    }
}

/// One faulty page among ten: it is reported on its own line, the nine others still give their
/// titles, and the exit code says that something failed.
fn check_fault(fault: Fault, reasons: &[&str]) {
    for bin in SCRAPERS {
        let site = site(0.01, vec![("/377".into(), fault)]);
        let r = scrape(bin, &site, &["--timeout", "0.5"]);
        assert_eq!(r.code, Some(1), "{bin} {fault:?}: {r:?}");
        assert_titles(&r, 375..=384, Some(377));
        let reported: Vec<&str> = r
            .err
            .lines()
            .filter(|l| l.starts_with("Episode 377: "))
            .collect();
        assert_eq!(reported.len(), 1, "{bin} {fault:?}: {}", r.err);
        assert!(
            reasons.iter().any(|reason| reported[0].contains(reason)),
            "{bin} {fault:?}: {}",
            reported[0]
        );
        assert!(
            r.err
                .lines()
                .all(|l| !l.starts_with("Episode ") || l.starts_with("Episode 377")),
            "only 377 failed: {}",
            r.err
        );
        assert_eq!(
            r.err.lines().last().unwrap(),
            "error: 1 of 10 pages failed (episodes 377)",
            "{bin} {fault:?}"
        );
        assert!(!r.err.contains("panicked"));
    }
}

#[test]
fn fault_404() {
    check_fault(Fault::NotFound, &["HTTP 404 Not Found"]);
}

#[test]
fn fault_500() {
    check_fault(Fault::ServerError, &["HTTP 500 Internal Server Error"]);
}

#[test]
fn fault_slow_times_out() {
    check_fault(Fault::Slow, &["timed out"]);
}

#[test]
fn fault_no_h1_is_missing() {
    check_fault(Fault::NoH1, &["no <h1>"]);
    let site = site(0.01, vec![("/377".into(), Fault::NoH1)]);
    for bin in SCRAPERS {
        let r = scrape(bin, &site, &[]);
        assert_eq!(
            r.out.matches("Title found: MISSING").count(),
            1,
            "{bin}: the course's line"
        );
    }
}

#[test]
fn fault_not_html() {
    check_fault(
        Fault::NotHtml,
        &["not an HTML page (content-type application/octet-stream)"],
    );
}

#[test]
fn fault_dropped_connection() {
    // Depending on where the cut lands, hyper reports the body or the whole message as cut.
    check_fault(
        Fault::Drop,
        &[
            "the response broke off",
            "connection closed before message completed",
        ],
    );
}

#[test]
fn refused_connection_is_reported_for_every_page() {
    for bin in SCRAPERS {
        let r = common::run(
            bin,
            &[
                "--base-url",
                "http://127.0.0.1:1",
                "--first",
                "10",
                "--last",
                "12",
            ],
        );
        assert_eq!(r.code, Some(1), "{bin}: {r:?}");
        for n in 10..=12 {
            let line = format!("Episode {n}: http://127.0.0.1:1/{n}: could not connect");
            assert!(r.err.contains(&line), "{bin}: {}", r.err);
        }
        assert_eq!(
            r.err.lines().last().unwrap(),
            "error: 3 of 3 pages failed (episodes 10, 11, 12)"
        );
    }
}

#[test]
fn bad_flags_exit_2() {
    for bin in SCRAPERS {
        common::assert_bad_flags(
            bin,
            &[
                &["--first", "0"],
                &["--first", "5", "--last", "4"],
                &["--first", "1", "--last", "5000"],
                &["--base-url", "ftp://example.com"],
                &["--timeout", "0"],
                &["--live", "--base-url", "http://127.0.0.1:1"],
                &["--nope"],
            ],
        );
    }
}
