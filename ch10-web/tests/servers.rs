//! Both servers, in every mode, started on port 0 against the embedded site with a small
//! `--time-scale`: every route, bad input, hostile clients, upstream faults, the concurrency each
//! one reaches, shutdown, `--timeline`.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use common::{
    MODES, SERVERS, Server, WITH_PROCESSES, eventually, get, open_fds, proc_status, raw, start_mode,
};
use course_kit::site::{Fault, LocalSite, SiteConfig};
use course_kit::testing::{assert_bad_flags, chart, run};
use course_kit::timeline::Rows;
use serde_json::Value;

const SUN_KEYS: [&str; 10] = [
    "astronomical_twilight_begin",
    "astronomical_twilight_end",
    "civil_twilight_begin",
    "civil_twilight_end",
    "day_length",
    "nautical_twilight_begin",
    "nautical_twilight_end",
    "solar_noon",
    "sunrise",
    "sunset",
];

fn assert_sun_json(body: &str) {
    let sun: Value = serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"));
    let keys: Vec<&str> = sun
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, SUN_KEYS, "{body}");
    assert_eq!(sun["sunrise"], "06:04:09 AM");
    assert_eq!(sun["sunset"], "08:28:48 PM");
    assert_eq!(sun["day_length"], "14:24:39");
}

#[test]
fn every_route_and_the_404_text() {
    for (bin, threads) in MODES {
        for mode in [&[][..], &["--cached"]] {
            let mut args = vec!["--time-scale", "0.01"];
            args.extend_from_slice(threads);
            args.extend_from_slice(mode);
            let server = Server::start(bin, &args);
            let cached = if mode.is_empty() { "False" } else { "True" };
            assert!(
                server
                    .banner
                    .starts_with(&format!("Using cached data? {cached}\n")),
                "{bin}: {}",
                server.banner
            );
            let port: u16 = server.addr.rsplit(':').next().unwrap().parse().unwrap();
            assert!(
                server.addr.starts_with("127.0.0.1:") && port != 0,
                "{}",
                server.addr
            );

            let (code, home) = get(&server.url("/"));
            assert_eq!(code, 200);
            assert!(home.starts_with("Welcome to the city_scape API."), "{home}");
            assert!(
                home.contains("/api/sun/[zipcode]/[country code (e.g. us)]"),
                "{home}"
            );
            assert!(
                home.contains(" /api/weather/[zipcode]/[country code (e.g. us)]"),
                "{home}"
            );

            let (code, sun) = get(&server.url("/api/sun/97227/us"));
            assert_eq!(code, 200, "{bin} {mode:?}: {sun}");
            assert_sun_json(&sun);

            let (code, weather) = get(&server.url("/api/weather/97227/us"));
            assert_eq!(code, 200, "{bin}: {weather}");
            let weather: Value = serde_json::from_str(&weather).unwrap();
            assert_eq!(weather["name"], "Portland");
            assert_eq!(weather["weather"][0]["main"], "Clear");

            for missing in ["/nope", "/api", "/api/sun/97227", "/api/sun/97227/us/extra"] {
                assert_eq!(
                    get(&server.url(missing)),
                    (404, "The page was not found.".to_owned()),
                    "{bin} {missing}"
                );
            }
            // A zip code the weather service does not know.
            assert_eq!(get(&server.url("/api/weather/00000/us")).0, 404, "{bin}");
            if mode.is_empty() {
                // The location service does not know it either (the cached data knows every zip).
                assert_eq!(get(&server.url("/api/sun/00000/us")).0, 404, "{bin}");
            }
            let post = common::client()
                .post(server.url("/api/sun/97227/us"))
                .send()
                .unwrap();
            assert_eq!(post.status(), 405, "{bin}");
            // As Flask and Quart answer: a 405 names the methods, OPTIONS gets them with an empty
            // 200, and HEAD gets GET's head with no body.
            let allow = |r: &reqwest::blocking::Response| r.headers()["allow"].to_owned();
            assert_eq!(allow(&post), "GET, HEAD, OPTIONS", "{bin}");
            let options = common::client()
                .request(reqwest::Method::OPTIONS, server.url("/api/sun/97227/us"))
                .send()
                .unwrap();
            assert_eq!(options.status(), 200, "{bin}");
            assert_eq!(allow(&options), "GET, HEAD, OPTIONS", "{bin}");
            assert_eq!(options.text().unwrap(), "", "{bin}");
            let head = common::client().head(server.url("/")).send().unwrap();
            assert_eq!(head.status(), 200, "{bin}");
            let length = head.headers()["content-length"]
                .to_str()
                .unwrap()
                .to_owned();
            assert_eq!(length, home.len().to_string(), "{bin}: GET's length");
            assert_eq!(head.text().unwrap(), "", "{bin}: no body");

            let (out, err, code) = server.stop("INT");
            assert_eq!(code, Some(130), "{bin}: {out}{err}");
            assert_eq!(err.trim(), "Cancelled by Ctrl-C.", "{bin}");
            let served = if mode.is_empty() { 12 } else { 11 };
            assert_eq!(
                out,
                format!(" * Press Ctrl-C to quit\nServed {served} requests.\n"),
                "{bin}"
            );
        }
    }
}

#[test]
fn bad_input_is_a_4xx_and_the_server_keeps_serving_in_every_mode() {
    let long = format!("/api/sun/{}/us", "9".repeat(10_000));
    let long_path = format!("/{}", "a".repeat(10_000));
    let bad = [
        "/api/sun//us",
        "/api/sun/97227/",
        "/api/sun/%20/usa",
        "/api/sun/97227/usa",
        "/api/sun/97227/u1",
        "/api/sun/12345678901/us",
        "/api/sun/..%2f..%2fetc/us",
        "/api/sun/..%2f/us",
        "/api/weather/..%2F/us",
        "/api/sun/97%00227/us",
        "/api/sun/97%0a227/us",
        "/api/sun/97227/%0d%0a",
        "/api/sun/%C3%A9t%C3%A9/us",
        "/api/sun/%ff%fe/us",
        "/api/weather/97227/%e2%80%ae",
        long.as_str(),
        long_path.as_str(),
    ];
    for mode in MODES {
        let bin = format!("{} {:?}", mode.0, mode.1);
        let server = start_mode(mode, &["--time-scale", "0.01"]);
        for path in bad {
            let (code, body) = get(&server.url(path));
            assert!((400..500).contains(&code), "{bin} {path}: {code} {body}");
            if code == 400 && body.starts_with('{') {
                let error: Value = serde_json::from_str(&body).unwrap();
                assert!(error["error"].is_string(), "{body}");
                assert!(!body.trim_end().contains('\n'), "one line: {body}");
            }
        }
        // Not HTTP at all: a 4xx, or the connection closed, never a 5xx.
        for garbage in [
            &b"hello there\r\n\r\n"[..],
            b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
            b"GET\r\n\r\n",
        ] {
            let mut stream = TcpStream::connect(&server.addr).unwrap();
            stream
                .set_read_timeout(Some(Duration::from_secs(10)))
                .unwrap();
            stream.write_all(garbage).unwrap();
            let _ = stream.shutdown(std::net::Shutdown::Write);
            let mut answer = Vec::new();
            let _ = stream.read_to_end(&mut answer);
            let answer = String::from_utf8_lossy(&answer);
            assert!(
                answer.is_empty()
                    || answer.starts_with("HTTP/1.1 4")
                    || answer.starts_with("HTTP/1.0 4"),
                "{bin} {garbage:?}: {answer}"
            );
        }
        let (code, sun) = get(&server.url("/api/sun/97227/us"));
        assert_eq!(code, 200, "{bin} still serves");
        assert_sun_json(&sun);
        let (_out, err, code) = server.stop("INT");
        assert_eq!(code, Some(130), "{bin}");
        assert!(!err.contains("panicked"), "{bin}: {err}");
    }
}

#[test]
fn an_upstream_that_fails_or_hangs_is_a_502_with_one_json_line() {
    let site = LocalSite::start(SiteConfig {
        time_scale: 0.01,
        faults: vec![
            ("/api/sun/json".into(), Fault::ServerError),
            ("/api/location/us/22222".into(), Fault::Slow),
            ("/api/location/us/33333".into(), Fault::NotHtml),
            ("/api/weather/data/2.5/weather".into(), Fault::Drop),
        ],
        ..SiteConfig::default()
    })
    .unwrap();
    let base = site.url().to_string();
    for mode in MODES {
        let bin = format!("{} {:?}", mode.0, mode.1);
        let server = start_mode(mode, &["--base-url", &base, "--timeout", "0.5"]);
        for (path, error) in [
            (
                "/api/sun/97227/us",
                "the sun service failed: HTTP 500 Internal Server Error",
            ),
            (
                "/api/sun/22222/us",
                "the location service failed: timed out",
            ),
            (
                "/api/sun/33333/us",
                "the location service failed: its answer was not the JSON expected",
            ),
            ("/api/weather/97227/us", "the weather service failed:"),
        ] {
            let (code, body) = get(&server.url(path));
            assert_eq!(code, 502, "{bin} {path}: {body}");
            assert_eq!(body.lines().count(), 1, "{body}");
            let json: Value = serde_json::from_str(&body).unwrap();
            assert!(
                json["error"].as_str().unwrap().starts_with(error),
                "{bin} {path}: {body}"
            );
        }
        assert_eq!(get(&server.url("/")).0, 200, "{bin} keeps serving");
        let (_out, err, code) = server.stop("TERM");
        assert_eq!(code, Some(143), "{bin}: {err}");
        assert_eq!(err.trim(), "Stopped by SIGTERM.", "{bin}");
    }

    // No upstream at all: a refused connection is a 502 too.
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let nobody = format!("http://{}/", closed.local_addr().unwrap());
    drop(closed);
    for mode in MODES {
        let bin = format!("{} {:?}", mode.0, mode.1);
        let server = start_mode(mode, &["--base-url", &nobody]);
        let (code, body) = get(&server.url("/api/sun/97227/us"));
        assert_eq!(
            (code, body.as_str()),
            (
                502,
                r#"{"error":"the location service failed: could not connect"}"#
            ),
            "{bin}"
        );
    }
}

/// Fires `n` requests for the sun at once (from `n` threads behind a barrier) and checks each.
fn burst(server: &Server, n: usize) {
    let barrier = Arc::new(Barrier::new(n));
    let handles: Vec<_> = (0..n)
        .map(|_| {
            let (barrier, url) = (Arc::clone(&barrier), server.url("/api/sun/97227/us"));
            std::thread::spawn(move || {
                barrier.wait();
                get(&url)
            })
        })
        .collect();
    for handle in handles {
        let (code, body) = handle.join().unwrap();
        assert_eq!(code, 200, "{body}");
        assert_sun_json(&body);
    }
}

#[test]
fn the_sync_server_by_default_has_a_thread_for_every_client() {
    let site = LocalSite::start(SiteConfig {
        // The course's latencies (0.3 to 0.5 s a call), so that sixteen clients surely overlap.
        time_scale: 1.0,
        ..SiteConfig::default()
    })
    .unwrap();
    let server = Server::start("cityscape_api", &["--base-url", site.url().as_str()]);
    assert!(
        server
            .banner
            .contains(" * A thread per connection (Flask's development server)"),
        "{}",
        server.banner
    );
    // More than the old fixed pool's 2 × cores + 1.
    let clients = 16;
    burst(&server, clients);
    assert_eq!(site.requests_served(), 2 * clients);
    assert_eq!(site.peak_concurrency(), clients, "a thread per client");
}

#[test]
fn the_sync_server_with_workers_never_has_more_upstream_calls_in_flight_than_workers() {
    let site = LocalSite::start(SiteConfig {
        time_scale: 0.2,
        ..SiteConfig::default()
    })
    .unwrap();
    let server = Server::start(
        "cityscape_api",
        &["--workers", "2", "--base-url", site.url().as_str()],
    );
    assert!(
        server.banner.contains(" * 2 worker threads"),
        "{}",
        server.banner
    );
    burst(&server, 8);
    assert_eq!(
        site.requests_served(),
        16,
        "a location and a sun call per request"
    );
    assert_eq!(site.peak_concurrency(), 2, "two workers, eight clients");
}

#[test]
fn the_async_server_has_every_request_in_flight_at_once() {
    let site = LocalSite::start(SiteConfig {
        time_scale: 1.0,
        ..SiteConfig::default()
    })
    .unwrap();
    let server = Server::start("acityscape_api", &["--base-url", site.url().as_str()]);
    burst(&server, 8);
    assert_eq!(
        site.requests_served(),
        16,
        "a location and a sun call per request"
    );
    assert_eq!(
        site.peak_concurrency(),
        8,
        "eight clients, eight calls in flight"
    );
}

#[test]
fn help_opens_with_each_servers_own_about_and_names_the_thread_models() {
    for (bin, about) in [
        (
            "cityscape_api",
            "The course's city API (Flask's twin): blocking views, a thread per connection or a fixed pool, in one process or N",
        ),
        (
            "acityscape_api",
            "The course's city API (Quart's twin): async views, axum on tokio, in one process or N",
        ),
    ] {
        let (out, err, code) = run(bin, &["--help"]);
        assert_eq!(code, Some(0), "{err}");
        assert_eq!(out.lines().next(), Some(about), "{bin}:\n{out}");
    }
    let (help, _, _) = run("cityscape_api", &["--help"]);
    for words in [
        "--threads <N>",
        "as Gunicorn's `--threads N`",
        "a thread per connection, as Flask's development server, which the course runs",
        "--max-threads <N>",
    ] {
        assert!(help.contains(words), "{words}:\n{help}");
    }
    // Which Python server each mode matches.
    for bin in SERVERS {
        let (help, _, _) = run(bin, &["--help"]);
        let help = help.split_whitespace().collect::<Vec<_>>().join(" ");
        for words in [
            "--processes <N> N worker processes on one listening socket",
            "Gunicorn's `-w N`, Uvicorn's and Hypercorn's `--workers N`",
            "[default: one process, as `flask run` or `hypercorn app:app`",
        ] {
            assert!(help.contains(words), "{bin}: {words}:\n{help}");
        }
    }
}

#[test]
fn a_port_in_use_is_one_line_and_exit_1() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    for bin in SERVERS {
        let (out, err, code) = run(bin, &["--port", &port, "--time-scale", "0.01"]);
        assert_eq!(code, Some(1), "{bin}: {out}{err}");
        assert_eq!(err.lines().count(), 1, "{bin}: {err}");
        assert!(
            err.starts_with(&format!("error: port {port} is already in use")),
            "{bin}: {err}"
        );
        assert!(!out.contains("Running on"), "{bin}: {out}");
    }
}

#[test]
fn bad_flags_exit_2() {
    let common: &[&[&str]] = &[
        &["--port", "70000"],
        &["--port", "x"],
        &["--port", "-1"],
        &["--host", "localhost:80"],
        &["--host", ""],
        &["--time-scale", "-1"],
        &["--timeout", "0"],
        &["--base-url", "ftp://x"],
        &["--live", "--base-url", "http://127.0.0.1:1"],
        &["--seed", "-3"],
        &["--cached", "yes"],
        &["--bogus"],
    ];
    for bin in SERVERS {
        assert_bad_flags(bin, common);
    }
    assert_bad_flags(
        "cityscape_api",
        &[
            &["--workers", "0"],
            &["--workers", "1025"],
            &["--workers", "two"],
            &["--max-threads", "0"],
            &["--workers", "2", "--max-threads", "3"],
            &["--threads", "0"],
            &["--threads", "2", "--max-threads", "3"],
        ],
    );
    for bin in SERVERS {
        assert_bad_flags(
            bin,
            &[
                &["--processes", "0"],
                &["--processes", "257"],
                &["--processes", "100000"],
                &["--processes", "-2"],
                &["--processes", "two"],
                &["--processes"],
            ],
        );
    }
    assert_bad_flags("acityscape_api", &[&["--workers", "4"]]);
}

#[test]
fn timeline_draws_the_upstream_calls_as_a_band_or_a_block() {
    for (bin, extra, peak) in [
        ("cityscape_api", &["--workers", "2"][..], 2),
        ("cityscape_api", &[], 6),
        ("acityscape_api", &[], 6),
    ] {
        let mut args = vec!["--time-scale", "0.2", "--timeline"];
        args.extend_from_slice(extra);
        let server = Server::start(bin, &args);
        burst(&server, 6);
        let (out, _err, code) = server.stop("INT");
        assert_eq!(code, Some(130), "{bin}");
        assert!(
            out.contains("--timeline: the upstream calls the embedded site answered"),
            "{out}"
        );
        let chart = chart(&out);
        assert_eq!(
            chart.rows.len(),
            12,
            "{bin}: a location and a sun call per request\n{out}"
        );
        assert!(chart.rows.iter().all(|r| !r.columns.is_empty()), "{out}");
        assert!(
            out.trim_end()
                .ends_with(&format!("12 requests, at most {peak} in flight at once")),
            "{bin}:\n{out}"
        );
        // The busiest column holds at least the peak's bars; where calls meet end to start, a
        // column can show both, so at most twice the peak.
        let widest = chart.widest_shared_column();
        assert!(
            (peak..=2 * peak).contains(&widest),
            "{bin}: {widest}\n{out}"
        );
    }
}

#[test]
fn timeline_without_the_embedded_site_draws_the_servers_own_requests_in_a_window() {
    for (bin, extra, peak) in [
        ("cityscape_api", &["--workers", "2"][..], 2),
        ("acityscape_api", &[], 6),
    ] {
        let mut args = vec!["--cached", "--time-scale", "0.2", "--timeline"];
        args.extend_from_slice(extra);
        let server = Server::start(bin, &args);
        burst(&server, 6);
        for _ in 0..40 {
            assert_eq!(get(&server.url("/")).0, 200);
        }
        let (out, _err, code) = server.stop("INT");
        assert_eq!(code, Some(130), "{bin}");
        assert!(out.contains("drawing this server's own requests"), "{out}");
        let chart = chart(&out);
        assert_eq!(chart.rows.len(), 40, "{bin}: the window\n{out}");
        assert_eq!((chart.kind, chart.count), (Rows::Requests, 40), "{out}");
        assert!(
            out.trim_end().ends_with(&format!(
                "(the first 40 of 46 requests; over all of them, at most {peak} in flight at once)"
            )),
            "{bin}:\n{out}"
        );
    }
}

#[test]
fn timeline_with_base_url_says_it_needs_the_embedded_site() {
    let site = LocalSite::start(SiteConfig::default()).unwrap();
    for bin in SERVERS {
        let server = Server::start(bin, &["--base-url", site.url().as_str(), "--timeline"]);
        let (out, _err, code) = server.stop("INT");
        assert_eq!(code, Some(130), "{bin}");
        assert!(
            out.contains("--timeline: the chart needs the embedded site"),
            "{bin}: {out}"
        );
    }
}

// Hostile clients, each against every mode, and with `--processes 2` (where the measures add
// up the workers). (tiny_http, the blocking server's former HTTP
// library, failed every one of these.)

/// A `/proc/<pid>/status` figure summed over the processes that serve.
fn total(server: &Server, key: &str) -> u64 {
    server
        .serving_pids()
        .into_iter()
        .map(|pid| proc_status(pid, key))
        .sum()
}

fn total_fds(server: &Server) -> usize {
    server.serving_pids().into_iter().map(open_fds).sum()
}

/// The server's answer to one hostile client, and that it still serves and stops cleanly.
fn still_serves_and_stops(server: Server, what: &str) {
    let (code, body) = get(&server.url("/"));
    assert_eq!(code, 200, "{what}: {body}");
    let started = Instant::now();
    let (out, err, code) = server.stop("INT");
    assert_eq!(code, Some(130), "{what}: {out}{err}");
    assert!(!err.contains("panicked"), "{what}: {err}");
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{what}: stopped only after {:?}",
        started.elapsed()
    );
}

#[test]
fn a_huge_content_length_allocates_nothing() {
    for mode in WITH_PROCESSES {
        let what = format!("{mode:?}");
        let server = start_mode(mode, &["--time-scale", "0.01"]);
        let rss = total(&server, "VmRSS");
        for length in [
            "1000000000000",
            "18446744073709551615",
            "18446744073709551616",
        ] {
            for _ in 0..5 {
                let request =
                    format!("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: {length}\r\n\r\nabc");
                let answer = raw(
                    &server.addr,
                    request.as_bytes(),
                    true,
                    Duration::from_secs(5),
                );
                assert!(
                    answer.is_empty() || answer.starts_with("HTTP/1.1 "),
                    "{what} {length}: {answer}"
                );
            }
        }
        let grown = total(&server, "VmRSS").saturating_sub(rss);
        assert!(grown < 50_000, "{what}: RSS grew by {grown} kB");
        still_serves_and_stops(server, &what);
    }
}

#[test]
fn http2_one_liners_leak_no_thread_and_no_descriptor() {
    for mode in WITH_PROCESSES {
        let what = format!("{mode:?}");
        let server = start_mode(mode, &["--time-scale", "0.01"]);
        assert_eq!(get(&server.url("/")).0, 200);
        let (threads, fds) = (total(&server, "Threads"), total_fds(&server));
        let handles: Vec<_> = (0..10)
            .map(|_| {
                let addr = server.addr.clone();
                std::thread::spawn(move || {
                    for _ in 0..20 {
                        let answer =
                            raw(&addr, b"GET / HTTP/2.0\r\n", false, Duration::from_secs(5));
                        assert!(
                            answer.is_empty()
                                || answer.starts_with("HTTP/1.1 4")
                                || answer.starts_with("HTTP/1.1 505"),
                            "{answer}"
                        );
                    }
                })
            })
            .collect();
        for handle in handles {
            handle.join().unwrap();
        }
        assert!(
            eventually(Duration::from_secs(5), || total(&server, "Threads")
                <= threads
                && total_fds(&server) <= fds),
            "{what}: {threads} threads and {fds} descriptors before, {} and {} after",
            total(&server, "Threads"),
            total_fds(&server)
        );
        still_serves_and_stops(server, &what);
    }
}

#[test]
fn a_client_that_pipelines_and_never_reads_holds_no_memory_and_stops_nothing() {
    let request = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n".repeat(1000);
    for mode in WITH_PROCESSES {
        let what = format!("{mode:?}");
        let server = start_mode(mode, &["--time-scale", "0.01"]);
        let rss = total(&server, "VmRSS");
        let mut hog = TcpStream::connect(&server.addr).unwrap();
        hog.set_write_timeout(Some(Duration::from_secs(2))).unwrap();
        let mut sent = 0;
        while sent < 4 << 20 {
            match hog.write(&request) {
                Ok(n) => sent += n,
                Err(_) => break, // the server stopped reading: its answers are not taken
            }
        }
        let grown = total(&server, "VmRSS").saturating_sub(rss);
        assert!(
            grown < 50_000,
            "{what}: RSS grew by {grown} kB after {sent} bytes"
        );
        // Others are served while it hangs on, and SIGINT ends the server all the same.
        still_serves_and_stops(server, &what);
        drop(hog);
    }
}

#[test]
fn a_header_line_with_no_end_is_cut_short() {
    let line = vec![b'a'; 64 * 1024];
    for mode in WITH_PROCESSES {
        let what = format!("{mode:?}");
        let server = start_mode(mode, &["--time-scale", "0.01"]);
        let mut stream = TcpStream::connect(&server.addr).unwrap();
        stream
            .set_write_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        stream.write_all(b"GET / HTTP/1.1\r\nX-Long: ").unwrap();
        let mut sent = 0;
        while sent < 64 << 20 {
            match stream.write(&line) {
                Ok(n) => sent += n,
                Err(_) => break,
            }
        }
        assert!(
            sent < 64 << 20,
            "{what}: took all {sent} bytes of one header line"
        );
        let mut answer = String::new();
        let _ = stream.read_to_string(&mut answer);
        assert!(
            answer.is_empty() || answer.starts_with("HTTP/1.1 431"),
            "{what}: {answer}"
        );
        still_serves_and_stops(server, &what);
    }
}

/// The first line of the answer to `request`, on a connection of its own, and how long it took;
/// the connection may stay open after it.
fn first_line(addr: &str, request: &[u8]) -> (String, Duration) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(15)))
        .unwrap();
    let t0 = std::time::Instant::now();
    stream.write_all(request).unwrap();
    let mut answer = Vec::new();
    let mut byte = [0; 1];
    while !answer.ends_with(b"\r\n") && stream.read(&mut byte).unwrap_or(0) == 1 {
        answer.push(byte[0]);
    }
    (
        String::from_utf8_lossy(&answer).trim_end().to_owned(),
        t0.elapsed(),
    )
}

#[test]
fn the_same_head_gets_the_same_answer_from_either_server() {
    let header = |len: usize| {
        format!(
            "GET / HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
            "a".repeat(len)
        )
    };
    for mode in WITH_PROCESSES {
        let what = format!("{mode:?}");
        let server = start_mode(mode, &["--time-scale", "0.01"]);
        // A GET that declares a body it never sends: answered at once, as Flask and Quart do,
        // not at the read timeout (10 s) while the server waits for the body.
        let declared = b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n";
        let (line, took) = first_line(&server.addr, declared);
        assert_eq!(line, "HTTP/1.1 200 OK", "{what}");
        assert!(
            took < Duration::from_secs(5),
            "{what}: answered after {took:?}"
        );
        // A head over 64 KiB is refused, however it arrives; one under it is served.
        let (line, _) = first_line(&server.addr, header(100_000).as_bytes());
        assert_eq!(
            line, "HTTP/1.1 431 Request Header Fields Too Large",
            "{what}"
        );
        let (line, _) = first_line(&server.addr, header(60_000).as_bytes());
        assert_eq!(line, "HTTP/1.1 200 OK", "{what}");
        still_serves_and_stops(server, &what);
    }
}

#[test]
fn many_keep_alive_clients_are_all_served() {
    let (clients, each) = (12, 15);
    for mode in WITH_PROCESSES {
        let what = format!("{mode:?}");
        let server = start_mode(mode, &["--time-scale", "0.01"]);
        let barrier = Arc::new(Barrier::new(clients));
        let handles: Vec<_> = (0..clients)
            .map(|_| {
                let (barrier, url) = (Arc::clone(&barrier), server.url("/"));
                std::thread::spawn(move || {
                    // One client, one keep-alive connection (reconnecting if the server closes it).
                    let client = common::client();
                    barrier.wait();
                    (0..each)
                        .filter(|_| client.get(&url).send().is_ok_and(|r| r.status() == 200))
                        .count()
                })
            })
            .collect();
        let answered: Vec<usize> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        assert_eq!(answered, vec![each; clients], "{what}");
        still_serves_and_stops(server, &what);
    }
}

#[test]
fn requests_whose_clients_hung_up_do_not_hold_the_server() {
    for mode in WITH_PROCESSES {
        let what = format!("{mode:?}");
        // A request for the sun takes about 0.9 s × 0.05 here.
        let server = start_mode(mode, &["--time-scale", "0.05"]);
        for _ in 0..100 {
            let mut stream = TcpStream::connect(&server.addr).unwrap();
            let _ = stream.write_all(b"GET /api/sun/97227/us HTTP/1.1\r\nHost: x\r\n\r\n");
        }
        let started = Instant::now();
        assert_eq!(get(&server.url("/")).0, 200, "{what}");
        // A thread per connection or a task each: the abandoned requests run beside the new
        // one. A fixed pool of two serves its queue in order first (Gunicorn's does the same):
        // 100 × 45 ms ÷ 2.
        let limit = if mode.1.contains(&"--workers") {
            10.0
        } else {
            1.5
        };
        assert!(
            started.elapsed() < Duration::from_secs_f64(limit),
            "{what}: answered after {:?}",
            started.elapsed()
        );
        still_serves_and_stops(server, &what);
    }
}

#[test]
fn a_client_that_half_closes_after_sending_gets_its_answer() {
    for mode in WITH_PROCESSES {
        let what = format!("{mode:?}");
        let server = start_mode(mode, &["--time-scale", "0.01"]);
        let request = b"GET /api/sun/97227/us HTTP/1.1\r\nHost: x\r\n\r\n";
        let answer = raw(&server.addr, request, true, Duration::from_secs(10));
        assert!(answer.starts_with("HTTP/1.1 200"), "{what}: {answer}");
        assert!(
            answer.contains("\"sunrise\":\"06:04:09 AM\""),
            "{what}: {answer}"
        );
        still_serves_and_stops(server, &what);
    }
}

#[test]
fn beyond_max_threads_a_connection_gets_a_503() {
    let server = Server::start(
        "cityscape_api",
        &["--max-threads", "2", "--time-scale", "0.01"],
    );
    assert!(
        server.banner.contains("at most 2 at once"),
        "{}",
        server.banner
    );
    // Two idle connections hold both threads.
    let idle: Vec<TcpStream> = (0..2)
        .map(|_| TcpStream::connect(&server.addr).unwrap())
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    let answer = raw(
        &server.addr,
        b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
        false,
        Duration::from_secs(5),
    );
    assert!(
        answer.starts_with("HTTP/1.1 503 Service Unavailable"),
        "{answer}"
    );
    assert!(
        answer.ends_with("The server is busy: too many connections at once. Try again shortly."),
        "{answer}"
    );
    drop(idle);
    assert!(eventually(Duration::from_secs(5), || {
        raw(
            &server.addr,
            b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            false,
            Duration::from_secs(5),
        )
        .starts_with("HTTP/1.1 200")
    }));
    still_serves_and_stops(server, "--max-threads 2");
}
