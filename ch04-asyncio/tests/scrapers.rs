//! Runs both scrapers against their own embedded site (never the internet): titles, overlap,
//! every fault mode, flags.

mod common;

use common::Run;
use course_kit::site::{Fault, LocalSite, SiteConfig, episode_title};
use course_kit::testing;
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
fn fault_not_text_is_not_a_page() {
    // `/fault/not-html` sends bytes that are not UTF-8, as application/octet-stream.
    check_fault(Fault::NotHtml, &["the response is not text"]);
}

/// A bare HTTP/1.1 server that answers every GET with a small episode page sent with the given
/// `Content-Type` (`None`: no such header at all), as a static file server sends `/375`. Returns
/// its base URL; it serves until the test process ends.
fn plain_server(content_type: Option<&'static str>) -> String {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut request = String::new();
                let _ = reader.read_line(&mut request);
                // Skip the headers, up to the empty line.
                let mut line = String::new();
                while reader.read_line(&mut line).unwrap_or(0) > 2 {
                    line.clear();
                }
                let path = request.split_whitespace().nth(1).unwrap_or("/").to_owned();
                let body = format!(
                    "<!DOCTYPE html><html><body><h1>Episode {} served plain</h1></body></html>",
                    path.trim_start_matches('/')
                );
                let header =
                    content_type.map_or_else(String::new, |t| format!("Content-Type: {t}\r\n"));
                let _ = write!(
                    stream,
                    "HTTP/1.1 200 OK\r\n{header}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            });
        }
    });
    url
}

#[test]
fn any_text_body_is_a_page_whatever_its_content_type() {
    for content_type in [Some("application/octet-stream"), None, Some("text/plain")] {
        let base = plain_server(content_type);
        for bin in SCRAPERS {
            let r = common::run(bin, &["--base-url", &base, "--first", "1", "--last", "3"]);
            assert_eq!(r.code, Some(0), "{bin} {content_type:?}: {r:?}");
            let titles: Vec<&str> = r
                .out
                .lines()
                .filter_map(|l| l.strip_prefix("Title found: "))
                .collect();
            assert_eq!(
                titles,
                [
                    "Episode 1 served plain",
                    "Episode 2 served plain",
                    "Episode 3 served plain"
                ],
                "{bin} {content_type:?}: {r:?}"
            );
        }
    }
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
fn timeline_without_a_local_server_draws_the_clients_times() {
    let notice = "--timeline: no local server to ask with --base-url; drawing the client's own start and end times";
    for (bin, scale) in [("sync_scrape", 0.05), ("async_scrape", 0.2)] {
        let site = site(scale, vec![]);
        let r = scrape(bin, &site, &["--timeline"]);
        assert_eq!(r.code, Some(0), "{bin}: {r:?}");
        assert_eq!(r.out.matches(notice).count(), 1, "{bin}: {}", r.out);
        if bin == "sync_scrape" {
            assert_staircase(&r.out);
        } else {
            assert_block(&r.out);
        }
    }
}
