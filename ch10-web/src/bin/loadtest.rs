//! The twin of `wrk`, the load generator the course points at both apps: N keep-alive connections,
//! each sending one request after another for a fixed time.
//!
//! Ports: `wrk -c N -d SECS URL`, as run in the course's chapter 10 videos (not a Python file)
//!
//! Run: `cargo run -p ch10-web --release --bin loadtest -- -c 100 -d 10 http://127.0.0.1:5001/api/sun/97227/us`
//! with `cityscape_api` or `acityscape_api` running.
//!
//! Copy: `cargo add tokio tokio-util hyper hyper-util http-body-util hdrhistogram rlimit clap anyhow --features tokio/full,tokio-util/io,tokio-util/rt,hyper/client,hyper/http1,hyper-util/tokio,clap/derive`
//!
//! Expect: wrk's summary (latency percentiles, requests and bytes read, socket errors, non-2xx or
//! 3xx responses, `Requests/sec:`, `Transfer/sec:`), then Little's law: N ÷ mean latency.
//!
//! wrk vs loadtest: wrk is C, an event loop per thread; here a tokio task per connection drives
//! hyper's connection API by hand (no pooled client), so each of the N has one request in flight.

use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Parser;
use hdrhistogram::Histogram;
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper::{Request, Uri, header};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio::time::{Instant, sleep_until, timeout};
use tokio_util::io::{InspectReader, InspectWriter};
use tokio_util::task::AbortOnDropHandle;

/// Load one URL from N keep-alive connections for a while, as wrk does, and report what came back.
#[derive(Parser, Debug)]
#[command(name = "loadtest", version, long_about = None)]
struct Args {
    /// Keep this many connections open, each with one request in flight at a time (each needs an
    /// open file and, to one server, a local port: at most 20,000)
    #[arg(short, long, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=20_000))]
    connections: u32,
    /// Run for this many seconds
    #[arg(short, long, value_name = "SECS", default_value_t = 10.0, value_parser = parse_secs)]
    duration: f64,
    /// Count a request as a timeout (and reconnect) when its answer takes longer than this
    #[arg(long, value_name = "SECS", default_value_t = 10.0, value_parser = parse_secs)]
    timeout: f64,
    /// The URL to load (plain http://)
    #[arg(value_parser = parse_url)]
    url: Uri,
}

fn parse_secs(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 && v <= 86_400.0 => Ok(v),
        _ => Err(format!(
            "must be a number of seconds above 0 and at most 86400, got {s}"
        )),
    }
}

fn parse_url(s: &str) -> Result<Uri, String> {
    let uri: Uri = s.parse().map_err(|e| format!("`{s}` is not a URL: {e}"))?;
    match (uri.scheme_str(), uri.host()) {
        (Some("http"), Some(_)) => Ok(uri),
        (Some("https"), _) => Err(format!(
            "`{s}`: loadtest speaks plain HTTP/1.1; https is not supported"
        )),
        _ => Err(format!("`{s}` must be an http:// URL with a host")),
    }
}

/// What all the connections saw; the error counts are wrk's.
#[derive(Debug)]
struct Tally {
    /// Latency of every answered request, in microseconds.
    latency_us: Histogram<u64>,
    /// Every byte read for the answered requests: status lines, headers, bodies.
    bytes: u64,
    /// Answers of 400 or more: wrk's "Non-2xx or 3xx", for a redirect is an answer too.
    status_errors: u64,
    connect: u64,
    read: u64,
    write: u64,
    timeout: u64,
}

impl Tally {
    fn new() -> Tally {
        Tally {
            // 1 µs to one hour, to 0.1 % (wrk keeps a count per µs up to its timeout).
            latency_us: Histogram::new_with_bounds(1, 3_600_000_000, 3)
                .expect("valid histogram bounds"),
            bytes: 0,
            status_errors: 0,
            connect: 0,
            read: 0,
            write: 0,
            timeout: 0,
        }
    }

    fn socket_errors(&self) -> u64 {
        self.connect + self.read + self.write + self.timeout
    }
}

/// Where to connect and what to ask for.
#[derive(Debug, Clone)]
struct Target {
    addr: String,
    host_header: String,
    path: String,
}

/// Runs `connections` connections until `duration` is up and adds up what they saw.
async fn load_test(
    target: Target,
    connections: u32,
    duration: Duration,
    request_timeout: Duration,
) -> Tally {
    let deadline = Instant::now() + duration;
    // One tally, locked for a moment per answer: a histogram per connection would take 190 KB
    // each (1 GB for 5,000). A std Mutex, for no lock is held across an `.await`.
    let tally = Arc::new(Mutex::new(Tally::new()));
    let tasks: Vec<_> = (0..connections)
        .map(|_| {
            let tally = Arc::clone(&tally);
            tokio::spawn(connection(target.clone(), deadline, request_timeout, tally))
        })
        .collect();
    for task in tasks {
        let _ = task.await;
    }
    let tally = Arc::into_inner(tally).expect("every connection has ended");
    tally.into_inner().unwrap_or_else(PoisonError::into_inner)
}

/// One connection: request after request until the deadline, reconnecting after an error, a
/// timeout, or a server that closed the connection.
async fn connection(
    target: Target,
    deadline: Instant,
    request_timeout: Duration,
    tally: Arc<Mutex<Tally>>,
) {
    let tally = || tally.lock().unwrap_or_else(PoisonError::into_inner);
    'connect: while Instant::now() < deadline {
        // What the socket really carried, as wrk counts it: hyper only hands over the parsed head.
        let (read, written) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
        let (r, w) = (Arc::clone(&read), Arc::clone(&written));
        let connect = async {
            let stream = TcpStream::connect(&target.addr).await.ok()?;
            stream.set_nodelay(true).ok()?;
            let stream = InspectReader::new(stream, move |b: &[u8]| {
                r.fetch_add(b.len() as u64, Relaxed);
            });
            let stream = InspectWriter::new(stream, move |b: &[u8]| {
                w.fetch_add(b.len() as u64, Relaxed);
            });
            hyper::client::conn::http1::handshake(TokioIo::new(stream))
                .await
                .ok()
        };
        let connected = tokio::select! {
            () = sleep_until(deadline) => break 'connect,
            connected = timeout(request_timeout, connect) => connected,
        };
        let Ok(Some((mut sender, conn))) = connected else {
            tally().connect += 1;
            // Do not spin on a server that refuses: wait a little before the next attempt.
            tokio::select! {
                () = sleep_until(deadline) => break 'connect,
                () = tokio::time::sleep(Duration::from_millis(10)) => continue 'connect,
            }
        };
        // The connection's I/O runs in its own task, aborted when this attempt ends, so a
        // connection given up on does not stay open.
        let _io = AbortOnDropHandle::new(tokio::spawn(conn));

        loop {
            // A server that answered `Connection: close` has no more room: connect again.
            if sender.ready().await.is_err() {
                continue 'connect;
            }
            let request = Request::get(target.path.as_str())
                .header(header::HOST, target.host_header.as_str())
                .body(Empty::<Bytes>::new())
                .expect("a valid request");
            let started = Instant::now();
            let exchange = async {
                let response = sender.send_request(request).await?;
                let status = response.status();
                response.into_body().collect().await?;
                Ok::<_, hyper::Error>(status)
            };
            let outcome = tokio::select! {
                // Time is up: an answer still on its way is not counted, as with wrk.
                () = sleep_until(deadline) => break 'connect,
                outcome = timeout(request_timeout, exchange) => outcome,
            };
            let mut tally = tally();
            match outcome {
                Ok(Ok(status)) => {
                    let micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
                    tally.latency_us.saturating_record(micros.max(1));
                    tally.bytes += read.swap(0, Relaxed);
                    written.store(0, Relaxed);
                    tally.status_errors += u64::from(status.as_u16() >= 400);
                    continue;
                }
                // Not one byte of the request went out.
                Ok(Err(_)) if written.load(Relaxed) == 0 => tally.write += 1,
                Ok(Err(_)) => tally.read += 1,
                // wrk keeps waiting on such a request; here the connection is given up, since
                // it cannot carry another request while this one is out.
                Err(_) => tally.timeout += 1,
            }
            continue 'connect;
        }
    }
}

/// A latency as wrk writes it: `512.00us`, `12.34ms`, `1.23s`.
fn latency(micros: f64) -> String {
    if micros < 1_000.0 {
        format!("{micros:.2}us")
    } else if micros < 1_000_000.0 {
        format!("{:.2}ms", micros / 1_000.0)
    } else {
        format!("{:.2}s", micros / 1_000_000.0)
    }
}

/// A byte count as wrk writes it: `512.00B`, `1.21KB`, `3.40MB`.
fn bytes(n: f64) -> String {
    const UNITS: [&str; 4] = ["B", "KB", "MB", "GB"];
    let mut value = n;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.2}{}", UNITS[unit])
}

fn report(tally: &Tally, connections: u32, duration: Duration) {
    let secs = duration.as_secs_f64();
    let answered = tally.latency_us.len();
    let h = &tally.latency_us;
    if answered > 0 {
        println!(
            "  Latency: mean {}, p50 {}, p90 {}, p99 {}, max {}",
            latency(h.mean()),
            latency(h.value_at_quantile(0.50) as f64),
            latency(h.value_at_quantile(0.90) as f64),
            latency(h.value_at_quantile(0.99) as f64),
            latency(h.max() as f64),
        );
    } else {
        println!("  Latency: no answers");
    }
    println!(
        "  {answered} requests in {secs:.2}s, {} read",
        bytes(tally.bytes as f64)
    );
    println!(
        "  Socket errors: connect {}, read {}, write {}, timeout {}",
        tally.connect, tally.read, tally.write, tally.timeout
    );
    println!("  Non-2xx or 3xx responses: {}", tally.status_errors);
    let rate = answered as f64 / secs;
    println!("Requests/sec: {rate:>10.2}");
    println!("Transfer/sec: {:>10}", bytes(tally.bytes as f64 / secs));
    if answered > 0 {
        // Each connection has one request out at a time, so it cannot finish more than one per
        // mean latency: N connections ÷ W is the most any server can be measured at.
        let bound = f64::from(connections) / (h.mean() / 1_000_000.0);
        println!(
            "Little's law: {connections} connections / {} mean latency = {bound:.2} requests/sec at most; measured {:.0}% of it",
            latency(h.mean()),
            100.0 * rate / bound
        );
    }
}

/// Raises the open-file soft limit as far as `connections` sockets need (up to the hard limit),
/// or says why the run cannot start.
fn allow_open_files(connections: u32) -> anyhow::Result<()> {
    // stdin, stdout, stderr and the runtime's own descriptors, with room to spare.
    let needed = u64::from(connections) + 32;
    let limit = rlimit::increase_nofile_limit(needed).context("raising the open-file limit")?;
    if limit < needed {
        bail!(
            "{connections} connections need about {needed} open files, but this process may open \
             only {limit} (its hard limit, `ulimit -Hn`): ask for fewer connections, or raise it"
        );
    }
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    course_kit::exit::quiet_broken_pipe();
    let args = Args::parse();
    course_kit::exit::report(run(&args).await)
}

async fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let (Some(host), Some(authority)) = (args.url.host(), args.url.authority()) else {
        bail!("{} has no host", args.url);
    };
    allow_open_files(args.connections)?;
    let port = args.url.port_u16().unwrap_or(80);
    let target = Target {
        // IPv6 literals keep their brackets: `[::1]:8080`.
        addr: format!("{host}:{port}"),
        host_header: authority.to_string(),
        path: args
            .url
            .path_and_query()
            .map_or_else(|| "/".to_owned(), ToString::to_string),
    };
    let duration = Duration::from_secs_f64(args.duration);
    println!(
        "Running {}s test @ {}\n  {} connections, timeout {}s",
        args.duration, args.url, args.connections, args.timeout
    );
    let request_timeout = Duration::from_secs_f64(args.timeout);
    let tally = load_test(target, args.connections, duration, request_timeout).await;

    report(&tally, args.connections, duration);
    let errors = tally.socket_errors();
    if tally.latency_us.is_empty() && errors > 0 {
        let hint = if errors == tally.connect {
            format!(": is a server listening at {}?", args.url)
        } else {
            String::new()
        };
        bail!("no request was answered ({errors} socket errors){hint}");
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_like_wrk() {
        assert_eq!(latency(512.0), "512.00us");
        assert_eq!(latency(12_340.0), "12.34ms");
        assert_eq!(latency(1_230_000.0), "1.23s");
        assert_eq!(bytes(512.0), "512.00B");
        assert_eq!(bytes(1536.0), "1.50KB");
    }

    #[test]
    fn urls() {
        assert!(parse_url("http://127.0.0.1:5001/api/sun/97227/us").is_ok());
        assert!(parse_url("https://example.com/").is_err());
        assert!(parse_url("127.0.0.1:5001").is_err());
        assert!(parse_url("not a url").is_err());
    }
}
