//! `loadtest` against our async and sync servers and against small servers started here, on
//! 127.0.0.1: a plain one (keep-alive, `Connection: close`, 3xx, 4xx, 5xx, a long reason phrase,
//! a hang-up), one that never answers and a closed port; then its flags.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::Server;
use course_kit::testing::{assert_bad_flags, output, run};

/// The figures loadtest printed.
#[derive(Debug, PartialEq)]
struct Figures {
    requests: u64,
    per_sec: f64,
    /// The `… read` figure, in bytes, and half its last printed digit (what rounding may hide).
    read: (f64, f64),
    /// connect, read, write, timeout.
    socket_errors: [u64; 4],
    status_errors: u64,
    littles_share: Option<f64>,
}

/// `12.34KB` as bytes, and half a unit of its last digit.
fn wrk_bytes(s: &str) -> (f64, f64) {
    let (number, unit) = s.split_at(s.find(|c: char| c.is_ascii_alphabetic()).unwrap());
    let scale = match unit {
        "B" => 1.0,
        "KB" => 1024.0,
        "MB" => 1024.0 * 1024.0,
        other => panic!("unit {other}"),
    };
    (number.parse::<f64>().unwrap() * scale, 0.005 * scale)
}

fn figures(out: &str) -> Figures {
    let after = |prefix: &str| -> &str {
        out.lines()
            .find_map(|l| l.trim_start().strip_prefix(prefix))
            .unwrap_or_else(|| panic!("no `{prefix}` in\n{out}"))
            .trim()
    };
    let requests_line: Vec<&str> = out
        .lines()
        .find(|l| l.contains(" requests in "))
        .expect("a requests line")
        .split_whitespace()
        .collect();
    let socket: Vec<u64> = after("Socket errors:")
        .split(", ")
        .map(|part| part.rsplit(' ').next().unwrap().parse().unwrap())
        .collect();
    Figures {
        requests: requests_line[0].parse().unwrap(),
        per_sec: after("Requests/sec:").parse().unwrap(),
        read: wrk_bytes(requests_line[4]),
        socket_errors: socket.try_into().unwrap(),
        status_errors: after("Non-2xx or 3xx responses:").parse().unwrap(),
        littles_share: out
            .lines()
            .find_map(|l| l.split("measured ").nth(1))
            .map(|p| p.trim_end_matches("% of it").parse().unwrap()),
    }
}

fn loadtest(connections: &str, secs: &str, url: &str) -> (Figures, String, Option<i32>) {
    let (out, err, code) = run("loadtest", &["-c", connections, "-d", secs, url]);
    (figures(&out), format!("{out}{err}"), code)
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
    assert!(err.is_empty(), "nothing on stderr: {err}");
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
    assert_eq!((f.status_errors, f.socket_errors), (0, [0; 4]), "{out}");
    // Each request waits 0.05 × (0.29..0.54 + 0.40..0.74) s: 35–64 ms, so 8 connections answer
    // 125–230 a second; a few in flight at the end are not counted.
    assert!(f.requests >= 100, "{out}");
    assert!((f.per_sec - f.requests as f64 / 1.5).abs() < 0.01, "{out}");
    let share = f.littles_share.expect("a Little's law line");
    assert!((50.0..=101.0).contains(&share), "{out}");
}

#[test]
fn a_404_from_the_sync_server_is_a_status_error() {
    let server = Server::start("cityscape_api", &["--time-scale", "0.01"]);
    let (f, out, code) = loadtest("3", "0.5", &server.url("/nope"));
    assert_eq!(code, Some(0), "{out}");
    assert!(f.requests > 0, "{out}");
    assert_eq!(f.status_errors, f.requests, "every answer was a 404\n{out}");
    assert_eq!(f.socket_errors, [0; 4], "{out}");
}

/// Its answer to `/long`: 200 with a long reason phrase, 40 % of the answer's bytes.
const LONG: &str = "HTTP/1.1 200 Everything Went Perfectly Well Thank You Very Much For Asking\r\n\
                    Content-Type: text/plain\r\nContent-Length: 14\r\n\r\na static page\n";

/// A plain HTTP/1.1 server: reads each request's head and answers by its path (below). Returns
/// its address and how many answers it wrote.
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
                    let mut head = String::new();
                    while !head.ends_with("\r\n\r\n") {
                        if reader.read_line(&mut head).unwrap_or(0) == 0 {
                            return;
                        }
                    }
                    let path = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
                    let plain = |status: &str, extra: &str| {
                        format!(
                            "HTTP/1.1 {status}\r\nContent-Type: text/plain\r\n{extra}Content-Length: 14\r\n\r\na static page\n"
                        )
                    };
                    let answer = match path.as_str() {
                        "/long" => LONG.to_owned(),
                        "/close" => plain("200 OK", "Connection: close\r\n"),
                        "/redirect" => plain("302 Found", "Location: /\r\n"),
                        "/missing" => plain("404 Not Found", ""),
                        "/fail" => plain("500 Internal Server Error", ""),
                        "/hangup" => return,
                        _ => plain("200 OK", ""),
                    };
                    if stream.write_all(answer.as_bytes()).is_err() {
                        return;
                    }
                    count.fetch_add(1, Ordering::SeqCst);
                    if path == "/close" {
                        return;
                    }
                }
            });
        }
    });
    (addr, answered)
}

#[test]
fn answers_by_status_as_wrk_counts_them() {
    // (path, every answer a status error): 3xx is an answer, 4xx and 5xx are not.
    for (path, all_errors) in [
        ("/", false),
        ("/close", false),
        ("/redirect", false),
        ("/missing", true),
        ("/fail", true),
    ] {
        let (addr, answered) = static_server();
        let (f, out, code) = loadtest("4", "0.5", &format!("http://{addr}{path}"));
        assert_eq!(code, Some(0), "{path}: {out}");
        let served = answered.load(Ordering::SeqCst) as u64;
        assert!(f.requests > 10, "{path}: {out}");
        // Every answer counted was served; at most one per connection was cut off at the end.
        assert!(
            f.requests <= served && served <= f.requests + 4,
            "{path}: served {served}\n{out}"
        );
        assert_eq!(
            f.socket_errors, [0; 4],
            "{path}: a close is no error\n{out}"
        );
        let expected = if all_errors { f.requests } else { 0 };
        assert_eq!(f.status_errors, expected, "{path}: {out}");
    }
}

#[test]
fn the_bytes_read_are_the_bytes_sent() {
    let (addr, _) = static_server();
    let (f, out, code) = loadtest("3", "0.5", &format!("http://{addr}/long"));
    assert_eq!(code, Some(0), "{out}");
    let sent = (f.requests * LONG.len() as u64) as f64;
    let (read, rounding) = f.read;
    assert!(f.requests > 10, "{out}");
    assert!((read - sent).abs() <= rounding, "sent {sent} B\n{out}");
}

#[test]
fn nothing_listening_is_connect_errors_and_the_hint() {
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", closed.local_addr().unwrap());
    drop(closed);
    let (out, err, code) = run("loadtest", &["-c", "2", "-d", "0.3", &url]);
    assert_eq!(code, Some(1), "{out}{err}");
    let [connect, read, write, timeout] = figures(&out).socket_errors;
    assert!(connect > 0 && (read, write, timeout) == (0, 0, 0), "{out}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("error: no request was answered ("), "{err}");
    assert!(err.contains("is a server listening at"), "{err}");
}

#[test]
fn a_server_that_never_answers_is_timeouts_with_no_hint() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    // Accepts and holds every connection, and never writes a byte.
    std::thread::spawn(move || listener.incoming().collect::<Vec<_>>());
    let (out, err, code) = run(
        "loadtest",
        &["-c", "2", "-d", "0.7", "--timeout", "0.2", &url],
    );
    assert_eq!(code, Some(1), "{out}{err}");
    let [connect, read, write, timeout] = figures(&out).socket_errors;
    // Each connection times out at 0.2, 0.4 and 0.6 s at the most (later on a busy machine).
    assert!((2..=6).contains(&timeout), "{out}");
    assert_eq!((connect, read, write), (0, 0, 0), "{out}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("error: no request was answered ("), "{err}");
    assert!(!err.contains("listening"), "{err}");
}

#[test]
fn a_server_that_hangs_up_is_read_errors() {
    let (addr, _) = static_server();
    let (f, out, code) = loadtest("2", "0.3", &format!("http://{addr}/hangup"));
    assert_eq!(code, Some(1), "{out}");
    let [connect, read, _, timeout] = f.socket_errors;
    assert!(read > 0 && (connect, timeout) == (0, 0), "{out}");
    assert!(!out.contains("listening"), "{out}");
}

/// Runs loadtest from bash after `ulimit {limit}`.
fn under_ulimit(limit: &str, args: &[&str]) -> (String, String, Option<i32>) {
    let mut cmd = std::process::Command::new("bash");
    cmd.args(["-c", &format!("ulimit {limit} && exec \"$0\" \"$@\"")])
        .arg(env!("CARGO_BIN_EXE_loadtest"))
        .args(args)
        .env("NO_COLOR", "1");
    output(&mut cmd.into())
}

#[test]
fn the_open_file_limit_is_raised_or_named() {
    let (addr, answered) = static_server();
    let url = format!("http://{addr}/");
    // 300 connections need more than a soft limit of 100: loadtest raises it to run them all.
    let (out, err, code) = under_ulimit("-S -n 100", &["-c", "300", "-d", "0.5", &url]);
    assert_eq!(code, Some(0), "{out}{err}");
    let f = figures(&out);
    assert_eq!(f.socket_errors, [0; 4], "{out}");
    assert!(
        f.requests > 0 && answered.load(Ordering::SeqCst) > 0,
        "{out}"
    );
    // Under a hard limit of 100 it says so, in one line, before it starts.
    let (out, err, code) = under_ulimit("-n 100", &["-c", "300", &url]);
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(out.is_empty(), "{out}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("300 connections need about 332 open files"),
        "{err}"
    );
    assert!(err.contains("only 100"), "{err}");
}

#[test]
fn help_and_version() {
    let (out, _, code) = run("loadtest", &["--help"]);
    assert_eq!(code, Some(0));
    assert_eq!(
        out.lines().next(),
        Some(
            "Load one URL from N keep-alive connections for a while, as wrk does, and report what came back"
        )
    );
    let (out, _, code) = run("loadtest", &["-V"]);
    assert_eq!(code, Some(0));
    assert_eq!(out, format!("loadtest {}\n", env!("CARGO_PKG_VERSION")));
}

#[test]
fn bad_flags_exit_2() {
    let url = "http://127.0.0.1:1/";
    assert_bad_flags(
        "loadtest",
        &[
            &[],
            &["--connections", "0", url],
            &["--connections", "20001", url],
            &["--connections", "99999999999", url],
            &["--connections", "x", url],
            &["--duration", "0", url],
            &["--duration", "-1", url],
            &["--duration", "86401", url],
            &["--timeout", "nan", url],
            &["--timeout", "0", url],
            &["https://127.0.0.1:1/"],
            &["ftp://127.0.0.1/"],
            &["127.0.0.1:5001"],
            &["not a url"],
            &[url, "http://127.0.0.1:2/"],
        ],
    );
}
