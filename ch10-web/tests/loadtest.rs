//! `loadtest` against one of our servers and against a plain static server started here (one
//! that keeps connections alive, and one path that closes them after each answer).

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::Server;
use course_kit::testing::{assert_bad_flags, run};

/// The figures loadtest printed.
#[derive(Debug)]
struct Figures {
    requests: u64,
    per_sec: f64,
    non_2xx: u64,
    errors: u64,
    littles_share: Option<f64>,
}

fn figures(out: &str) -> Figures {
    let after = |prefix: &str| -> &str {
        out.lines()
            .find_map(|l| l.trim_start().strip_prefix(prefix))
            .unwrap_or_else(|| panic!("no `{prefix}` in\n{out}"))
            .trim()
    };
    let first = |s: &str| s.split_whitespace().next().unwrap().to_owned();
    let requests_line = out
        .lines()
        .find(|l| l.contains(" requests in "))
        .expect("a requests line");
    Figures {
        requests: first(requests_line).parse().unwrap(),
        per_sec: after("Requests/sec:").parse().unwrap(),
        non_2xx: after("Non-2xx responses:").parse().unwrap(),
        errors: first(after("Errors:")).parse().unwrap(),
        littles_share: out
            .lines()
            .find_map(|l| l.split("measured ").nth(1))
            .map(|p| p.trim_end_matches("% of it").parse().unwrap()),
    }
}

#[test]
fn against_the_async_server() {
    let server = Server::start("acityscape_api", &["--time-scale", "0.05"]);
    let (out, err, code) = run(
        "loadtest",
        &[
            "--connections",
            "8",
            "--duration",
            "1.5",
            &server.url("/api/sun/97227/us"),
        ],
    );
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(
        err.is_empty(),
        "no progress line when stderr is not a terminal: {err}"
    );
    assert!(
        out.starts_with("Running 1.5s test @ http://127.0.0.1:"),
        "{out}"
    );
    assert!(out.contains("  8 connections, timeout 10s"), "{out}");
    let latency = out.lines().find(|l| l.contains("Latency:")).unwrap();
    for part in ["mean ", "p50 ", "p90 ", "p99 ", "max "] {
        assert!(latency.contains(part), "{latency}");
    }
    assert!(out.contains("Transfer/sec:"), "{out}");
    let f = figures(&out);
    assert_eq!((f.non_2xx, f.errors), (0, 0), "{out}");
    // Each request waits 0.05 × (0.29..0.54 + 0.40..0.74) s: 35–64 ms, so 8 connections answer
    // 125–230 a second; a few in flight at the end are not counted.
    assert!(f.requests >= 100, "{out}");
    assert!((f.per_sec - f.requests as f64 / 1.5).abs() < 0.01, "{out}");
    let share = f.littles_share.expect("a Little's law line");
    assert!((50.0..=101.0).contains(&share), "{out}");
}

#[test]
fn non_2xx_answers_are_counted_against_the_sync_server() {
    let server = Server::start("cityscape_api", &["--time-scale", "0.01"]);
    let (out, err, code) = run("loadtest", &["-c", "3", "-d", "0.5", &server.url("/nope")]);
    assert_eq!(code, Some(0), "{out}{err}");
    let f = figures(&out);
    assert!(f.requests > 0, "{out}");
    assert_eq!(f.non_2xx, f.requests, "every answer was a 404\n{out}");
    assert_eq!(f.errors, 0, "{out}");
}

/// A plain HTTP/1.1 server: answers every request with a small text, `/missing` with a 404, and
/// `/close` with `Connection: close` (then closes). Returns its address and how many it answered.
fn static_server() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let answered = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&answered);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let count = Arc::clone(&count);
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut stream = stream;
                loop {
                    let mut request_line = String::new();
                    if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
                        return;
                    }
                    let path = request_line
                        .split_whitespace()
                        .nth(1)
                        .unwrap_or("/")
                        .to_owned();
                    loop {
                        let mut header = String::new();
                        if reader.read_line(&mut header).unwrap_or(0) == 0 {
                            return;
                        }
                        if header == "\r\n" {
                            break;
                        }
                    }
                    let (status, close) = match path.as_str() {
                        "/missing" => ("404 Not Found", false),
                        "/close" => ("200 OK", true),
                        _ => ("200 OK", false),
                    };
                    let body = "a static page\n";
                    let connection = if close { "Connection: close\r\n" } else { "" };
                    let answer = format!(
                        "HTTP/1.1 {status}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n{connection}\r\n{body}",
                        body.len()
                    );
                    if stream.write_all(answer.as_bytes()).is_err() {
                        return;
                    }
                    count.fetch_add(1, Ordering::SeqCst);
                    if close {
                        return;
                    }
                }
            });
        }
    });
    (addr, answered)
}

#[test]
fn against_a_plain_static_server() {
    for (path, all_non_2xx) in [("/", false), ("/close", false), ("/missing", true)] {
        let (addr, answered) = static_server();
        let connections = 4;
        let (out, err, code) = run(
            "loadtest",
            &[
                "--connections",
                "4",
                "--duration",
                "0.5",
                &format!("http://{addr}{path}"),
            ],
        );
        assert_eq!(code, Some(0), "{path}: {out}{err}");
        let f = figures(&out);
        let served = answered.load(Ordering::SeqCst) as u64;
        assert!(f.requests > 10, "{path}: {out}");
        // Every answer counted was served; at most one per connection was cut off at the end.
        assert!(
            f.requests <= served && served <= f.requests + connections,
            "{path}: served {served}\n{out}"
        );
        assert_eq!(
            f.errors, 0,
            "{path}: a server that closes is not an error\n{out}"
        );
        assert_eq!(
            f.non_2xx,
            if all_non_2xx { f.requests } else { 0 },
            "{path}: {out}"
        );
    }
}

#[test]
fn nothing_listening_is_one_error_line_and_exit_1() {
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", closed.local_addr().unwrap());
    drop(closed);
    let (out, err, code) = run("loadtest", &["-c", "2", "-d", "0.3", &url]);
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(
        out.contains("Errors: ") && !out.contains("Errors: 0 "),
        "{out}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("error: no request was answered"), "{err}");
}

#[test]
fn bad_flags_exit_2() {
    assert_bad_flags(
        "loadtest",
        &[
            &[],
            &["--connections", "0", "http://127.0.0.1:1/"],
            &["--connections", "x", "http://127.0.0.1:1/"],
            &["--duration", "0", "http://127.0.0.1:1/"],
            &["--duration", "-1", "http://127.0.0.1:1/"],
            &["--timeout", "nan", "http://127.0.0.1:1/"],
            &["https://127.0.0.1:1/"],
            &["ftp://127.0.0.1/"],
            &["127.0.0.1:5001"],
            &["not a url"],
            &["http://127.0.0.1:1/", "http://127.0.0.1:2/"],
        ],
    );
}
