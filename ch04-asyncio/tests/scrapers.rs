//! Runs both scrapers against their own embedded site or a bare local server (never the
//! internet): titles, overlap, every fault, the size cap, flags, the timeline.

mod common;

use common::Run;
use course_kit::site::{Fault, LocalSite, SiteConfig, episode_title};
use course_kit::testing::{self, Page};
use course_kit::timeline::Rows;

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
}

/// One faulty page among ten: it is reported on its own line on stderr (and nothing else is),
/// the nine others still give their titles, and the exit code says that something failed.
fn check_fault_with(bin: &str, base: &str, extra: &[&str], reasons: &[&str]) -> Run {
    let mut args = vec!["--base-url", base];
    args.extend_from_slice(extra);
    let r = common::run(bin, &args);
    assert_eq!(r.code, Some(1), "{bin} {reasons:?}: {r:?}");
    assert_eq!(r.out.matches("Title found: ").count(), 9, "{bin}: {r:?}");
    assert!(!r.out.contains("Title found: MISSING"), "{bin}: {r:?}");
    let reported: Vec<&str> = r.err.lines().collect();
    assert_eq!(reported.len(), 1, "{bin} {reasons:?}: {}", r.err);
    assert!(reported[0].starts_with("Episode 377: "), "{bin}: {}", r.err);
    assert!(
        reasons.iter().any(|reason| reported[0].contains(reason)),
        "{bin} {reasons:?}: {}",
        reported[0]
    );
    assert!(!r.err.contains("panicked"));
    assert!(r.lines().last().unwrap().starts_with("Done in "), "{bin}");
    r
}

fn check_fault(fault: Fault, reasons: &[&str]) {
    for bin in SCRAPERS {
        let site = site(0.01, vec![("/377".into(), fault)]);
        let r = check_fault_with(bin, site.url().as_str(), &["--timeout", "0.5"], reasons);
        assert_titles(&r, 375..=384, Some(377));
    }
}

#[test]
fn fault_404() {
    check_fault(Fault::NotFound, &["404 Not Found"]);
}

#[test]
fn fault_500() {
    check_fault(Fault::ServerError, &["500 Internal Server Error"]);
}

#[test]
fn fault_slow_times_out() {
    check_fault(Fault::Slow, &["timed out"]);
}

/// `/fault/not-html` sends bytes that are not UTF-8, as application/octet-stream: decoded as
/// reqwest's `text()` (and `requests`' `.text`) decodes them, with U+FFFD for what is not UTF-8,
/// it is a page without `<h1>`, as in the course.
#[test]
fn a_body_that_is_not_text_is_decoded_anyway() {
    for bin in SCRAPERS {
        let site = site(0.01, vec![("/377".into(), Fault::NotHtml)]);
        let r = scrape(bin, &site, &[]);
        assert_eq!(r.code, Some(0), "{bin}: {r:?}");
        assert_eq!(r.err, "", "{bin}");
        assert_eq!(
            r.out.matches("Title found: MISSING\n").count(),
            1,
            "{bin}: {r:?}"
        );
        assert_titles(&r, 375..=384, Some(377));
    }
}

/// Pages are decoded as reqwest's `text()` does: by the `Content-Type`'s charset (here Latin-1,
/// where `é` is the one byte 0xE9), else as UTF-8. Python's `requests` takes a `text/html` page
/// without a charset for ISO-8859-1, and prints `CafÃ©` for the second page.
#[test]
fn pages_are_decoded_by_their_charset_else_as_utf8() {
    let latin1 = testing::serve(|_| {
        let body = b"<html><body><h1>Caf\xe9 latin-1</h1></body></html>".to_vec();
        Page::ok(Some("text/html; charset=iso-8859-1"), body)
    });
    let utf8 = testing::serve(|_| Page::ok(Some("text/html"), "<h1>Café utf-8</h1>"));
    for bin in SCRAPERS {
        for (base, title) in [(&latin1, "Café latin-1"), (&utf8, "Café utf-8")] {
            let r = common::run(bin, &["--base-url", base]);
            assert_eq!(r.code, Some(0), "{bin}: {r:?}");
            let want = format!("Title found: {title}\n");
            assert_eq!(r.out.matches(&want).count(), 10, "{bin}: {r:?}");
        }
    }
}

/// A server that sends its headers, then the body one byte every 100 ms: `--timeout` bounds the
/// whole download, not each read, so that page fails after 2 s and the others still come back.
#[test]
fn a_slow_drip_body_times_out() {
    let base = testing::serve(|path| match path {
        "/377" => Page::drip(),
        _ => plain_page(path, Some("text/html")),
    });
    for bin in SCRAPERS {
        let t0 = std::time::Instant::now();
        check_fault_with(bin, &base, &["--timeout", "2"], &["timed out"]);
        let took = t0.elapsed();
        // The drip lasts 50 s: well within that, even on a loaded machine.
        assert!(
            took < std::time::Duration::from_secs(10),
            "{bin} took {took:?}"
        );
    }
}

#[test]
fn fault_dropped_connection() {
    // Depending on where the cut lands, hyper reports the body or the whole message as cut.
    check_fault(
        Fault::Drop,
        &[
            "error decoding response body",
            "error reading a body from connection",
            "connection closed before message completed",
        ],
    );
}

/// The course prints `Title found: MISSING` for a page without `<h1>`, and that is no failure.
#[test]
fn a_page_without_h1_is_missing_and_no_failure() {
    for bin in SCRAPERS {
        let site = site(0.01, vec![("/377".into(), Fault::NoH1)]);
        let r = scrape(bin, &site, &[]);
        assert_eq!(r.code, Some(0), "{bin}: {r:?}");
        assert_eq!(r.err, "", "{bin}");
        let titles: Vec<&str> = r
            .out
            .lines()
            .filter_map(|l| l.strip_prefix("Title found: "))
            .collect();
        assert_eq!(titles.len(), 10, "{bin}: {r:?}");
        assert_eq!(titles[2], "MISSING", "{bin}: {r:?}");
        assert_titles(&r, 375..=384, Some(377));
    }
}

/// An episode page, as a static file server sends `/375`.
fn plain_page(path: &str, content_type: Option<&'static str>) -> Page {
    let body = format!(
        "<!DOCTYPE html><html><body><h1>Episode {} served plain</h1></body></html>",
        path.trim_start_matches('/')
    );
    Page::ok(content_type, body)
}

#[test]
fn any_text_body_is_a_page_whatever_its_content_type() {
    for content_type in [Some("application/octet-stream"), None, Some("text/plain")] {
        let base = testing::serve(move |path| plain_page(path, content_type));
        for bin in SCRAPERS {
            let r = common::run(bin, &["--base-url", &base]);
            assert_eq!(r.code, Some(0), "{bin} {content_type:?}: {r:?}");
            let titles: Vec<String> = r
                .out
                .lines()
                .filter_map(|l| l.strip_prefix("Title found: "))
                .map(str::to_owned)
                .collect();
            let want: Vec<String> = (375..=384)
                .map(|n| format!("Episode {n} served plain"))
                .collect();
            assert_eq!(titles, want, "{bin} {content_type:?}: {r:?}");
        }
    }
}

/// The course's title rule is `header.text.strip()`: all the text of the first `<h1>`, with only
/// its ends stripped, so the newline and indentation inside stay.
#[test]
fn titles_keep_their_inner_whitespace() {
    let base = testing::serve(|path| {
        if path != "/379" {
            return plain_page(path, Some("text/html"));
        }
        let body = "<html><body><h1>\n    #379: Python &amp; Rust:\n      <span>a love story</span>\n  </h1><h1>not this</h1></body></html>";
        Page::ok(Some("text/html"), body)
    });
    for bin in SCRAPERS {
        let r = common::run(bin, &["--base-url", &base]);
        assert_eq!(r.code, Some(0), "{bin}: {r:?}");
        assert!(
            r.out.contains(
                "Getting TITLE for episode 379\nTitle found: #379: Python & Rust:\n      a love story\nGetting"
            ),
            "{bin}: {}",
            r.out
        );
        assert!(
            r.out.contains("Title found: Episode 380 served plain\n"),
            "{bin}"
        );
    }
}

/// A page over 4 MiB is refused and reported like any failure, with or without a
/// `Content-Length` (then the client must stop reading by itself).
#[test]
fn a_page_over_the_size_cap_is_a_failure() {
    for length in [true, false] {
        let base = testing::serve(move |path| {
            if path != "/377" {
                return plain_page(path, Some("text/html"));
            }
            let mut body = b"<html><body><h1>Too big</h1>".to_vec();
            body.resize(5 << 20, b' ');
            Page {
                length,
                ..Page::ok(Some("text/html"), body)
            }
        });
        for bin in SCRAPERS {
            check_fault_with(bin, &base, &[], &["/377: over 4 MiB"]);
        }
    }
}

#[test]
fn refused_connection_is_reported_for_every_page() {
    for bin in SCRAPERS {
        let r = common::run(bin, &["--base-url", "http://127.0.0.1:1"]);
        assert_eq!(r.code, Some(1), "{bin}: {r:?}");
        let lines: Vec<&str> = r.err.lines().collect();
        assert_eq!(lines.len(), 10, "{bin}: {}", r.err);
        for (n, line) in (375..=384).zip(lines) {
            let url = format!("http://127.0.0.1:1/{n}");
            assert!(
                line.starts_with(&format!("Episode {n}: ")) && line.contains(&url),
                "{bin}: {line}"
            );
            assert!(line.contains("Connection refused"), "{bin}: {line}");
        }
        assert!(!r.out.contains("Title found"), "{bin}: {}", r.out);
    }
}

#[test]
fn bad_flags_exit_2() {
    for bin in SCRAPERS {
        common::assert_bad_flags(
            bin,
            &[
                &["--first", "1"],
                &["--one-at-a-time"],
                &["--base-url", "ftp://example.com"],
                &["--timeout", "0"],
                &["--live", "--base-url", "http://127.0.0.1:1"],
                &["--timeline", "yes"],
                &["--nope"],
            ],
        );
    }
}

/// sync_scrape's chart is a staircase: no two requests share a column, except that one may end
/// in the column where the next one begins.
fn assert_staircase(out: &str) {
    let chart = testing::chart(out);
    assert_eq!(chart.rows.len(), 10, "{out}");
    let labels: Vec<String> = (375..=384).map(|n| format!("/{n}")).collect();
    assert_eq!(chart.labels(), labels, "{out}");
    assert!(chart.rows.iter().all(|r| !r.columns.is_empty()), "{out}");
    if let Some((i, j, shared)) = chart.overlap() {
        panic!("rows {i} and {j} share {shared:?}:\n{out}");
    }
    assert_eq!(
        (chart.kind, chart.count, chart.peak),
        (Rows::Requests, 10, 1),
        "{out}"
    );
}

/// async_scrape's chart is a block: at least 8 of the 10 requests share one column.
fn assert_block(out: &str) {
    let chart = testing::chart(out);
    assert_eq!(chart.rows.len(), 10, "{out}");
    let widest = chart.widest_shared_column();
    assert!(
        widest >= 8,
        "at most {widest} requests share a column:\n{out}"
    );
    assert_eq!((chart.kind, chart.count), (Rows::Requests, 10), "{out}");
    assert!(chart.peak >= 8, "{out}");
}

#[test]
fn timeline_of_the_embedded_site_sync_is_a_staircase() {
    let r = common::run("sync_scrape", &["--time-scale", "0.05", "--timeline"]);
    assert_eq!(r.code, Some(0), "{r:?}");
    // After the run's normal output.
    let done = r.out.find("Done in ").unwrap();
    assert!(r.out.find('█').unwrap() > done, "{}", r.out);
    assert!(!r.out.contains("no local server"), "{}", r.out);
    assert_staircase(&r.out);
}

#[test]
fn timeline_of_the_embedded_site_async_is_a_block() {
    let r = common::run("async_scrape", &["--time-scale", "0.2", "--timeline"]);
    assert_eq!(r.code, Some(0), "{r:?}");
    assert!(
        r.out.find('█').unwrap() > r.out.find("Done in ").unwrap(),
        "{}",
        r.out
    );
    assert!(!r.out.contains("no local server"), "{}", r.out);
    assert_block(&r.out);
}

#[test]
fn timeline_without_the_embedded_site_says_so_and_draws_nothing() {
    let notice = course_kit::site::no_chart("--base-url");
    for bin in SCRAPERS {
        let site = site(0.01, vec![]);
        let r = scrape(bin, &site, &["--timeline"]);
        assert_eq!(r.code, Some(0), "{bin}: {r:?}");
        assert_eq!(
            r.out.lines().last(),
            Some(notice.as_str()),
            "{bin}: {}",
            r.out
        );
        assert!(!r.out.contains('█'), "{bin}: {}", r.out);
    }
}
