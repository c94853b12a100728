//! The twin of `wrk`, the load generator the course points at both apps: N keep-alive
//! connections, each sending one request after another for a fixed time, then requests per
//! second, latency percentiles and errors.
//!
//! Ports: `wrk -c N -d SECS URL`, as run in the course's chapter 10 videos (not a Python file)
//!
//! Run: `cargo run -p ch10-web --release --bin loadtest -- --connections 100 --duration 10 http://127.0.0.1:5001/api/sun/97227/us`
//! (with `cityscape_api` or `acityscape_api` running)
//!
//! Copy: `cargo add tokio hyper hyper-util http-body-util hdrhistogram --features tokio/rt-multi-thread,tokio/macros,tokio/net,tokio/time,hyper/client,hyper/http1,hyper-util/tokio`
//!
//! Each connection is driven by hand (hyper's connection API, not a pooled client), so there are
//! exactly N connections with at most one request each in flight, like wrk's. It prints
//! `Requests/sec:`, the transfer rate, p50/p90/p99/max latency (an HdrHistogram, as wrk's), the
//! non-2xx responses and the errors (connect, read/write, timeout), and Little's law: with N
//! connections and a mean latency W, no server can be measured above N ÷ W requests per second.
//! A request still in flight when the time is up is not counted. A live progress line is shown
//! on stderr when it is a terminal. It speaks plain HTTP/1.1 to any server.
//!
//! Python vs Rust: wrk is C with Lua scripting; here one tokio task per connection does the same
//! job, and two threads keep thousands of connections busy because each task only waits.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::bail;
use clap::Parser;
use hdrhistogram::Histogram;
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper::{Request, Uri, header};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio::time::{Instant, sleep_until, timeout};

/// wrk's twin: N keep-alive connections against one URL, then requests/sec and latency percentiles.
#[derive(Parser, Debug)]
#[command(about, long_about = None)]
struct Args {
    /// Keep this many connections open, each with one request in flight at a time
    #[arg(short, long, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=100_000))]
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

/// What one connection (and then all of them) saw.
#[derive(Debug)]
struct Tally {
    /// Latency of every answered request, in microseconds.
    latency_us: Histogram<u64>,
    non_2xx: u64,
    bytes: u64,
    connect_errors: u64,
    io_errors: u64,
    timeouts: u64,
}

impl Tally {
    fn new() -> Tally {
        Tally {
            // 1 µs to one hour, three significant digits (wrk's precision).
            latency_us: Histogram::new_with_bounds(1, 3_600_000_000, 3)
                .expect("valid histogram bounds"),
            non_2xx: 0,
            bytes: 0,
            connect_errors: 0,
            io_errors: 0,
            timeouts: 0,
        }
    }

    fn add(&mut self, other: &Tally) {
        // Same bounds on both sides, so adding cannot fail.
        let _ = self.latency_us.add(&other.latency_us);
        self.non_2xx += other.non_2xx;
        self.bytes += other.bytes;
        self.connect_errors += other.connect_errors;
        self.io_errors += other.io_errors;
        self.timeouts += other.timeouts;
    }

    fn errors(&self) -> u64 {
        self.connect_errors + self.io_errors + self.timeouts
    }
}

/// Where to connect and what to ask for.
#[derive(Debug, Clone)]
struct Target {
    addr: String,
    host_header: String,
    path: String,
}

/// For the progress line: answers and errors so far, over all connections.
#[derive(Debug, Default)]
struct Progress {
    answered: AtomicU64,
    errors: AtomicU64,
}

/// Runs `connections` connections until `duration` is up and adds up what they saw.
async fn load_test(
    target: Target,
    connections: u32,
    duration: Duration,
    request_timeout: Duration,
    progress: Arc<Progress>,
) -> Tally {
    let deadline = Instant::now() + duration;
    let tasks: Vec<_> = (0..connections)
        .map(|_| {
            let (target, progress) = (target.clone(), Arc::clone(&progress));
            tokio::spawn(connection(target, deadline, request_timeout, progress))
        })
        .collect();
    let mut total = Tally::new();
    for task in tasks {
        if let Ok(tally) = task.await {
            total.add(&tally);
        }
    }
    total
}

/// One connection: request after request until the deadline, reconnecting after an error, a
/// timeout, or a server that closed the connection.
async fn connection(
    target: Target,
    deadline: Instant,
    request_timeout: Duration,
    progress: Arc<Progress>,
) -> Tally {
    let mut tally = Tally::new();
    'connect: while Instant::now() < deadline {
        let stream = tokio::select! {
            () = sleep_until(deadline) => break 'connect,
            stream = timeout(request_timeout, TcpStream::connect(&target.addr)) => stream,
        };
        let Ok(Ok(stream)) = stream else {
            tally.connect_errors += 1;
            progress.errors.fetch_add(1, Ordering::Relaxed);
            // Do not spin on a server that refuses: wait a little before the next attempt.
            tokio::select! {
                () = sleep_until(deadline) => break 'connect,
                () = tokio::time::sleep(Duration::from_millis(10)) => continue 'connect,
            }
        };
        let _ = stream.set_nodelay(true);
        let Ok((mut sender, conn)) =
            hyper::client::conn::http1::handshake(TokioIo::new(stream)).await
        else {
            tally.connect_errors += 1;
            continue 'connect;
        };
        // The connection's I/O runs in its own task; it ends when `sender` is dropped.
        tokio::spawn(conn);

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
                // wrk counts every byte read; the head's size is close to this.
                let head: usize = response
                    .headers()
                    .iter()
                    .map(|(name, value)| name.as_str().len() + value.len() + 4)
                    .sum::<usize>()
                    + 17;
                let body = response.into_body().collect().await?.to_bytes();
                Ok::<_, hyper::Error>((status, head + body.len()))
            };
            let outcome = tokio::select! {
                // Time is up: an answer still on its way is not counted, as with wrk.
                () = sleep_until(deadline) => break 'connect,
                outcome = timeout(request_timeout, exchange) => outcome,
            };
            match outcome {
                Ok(Ok((status, bytes))) => {
                    let micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
                    tally.latency_us.saturating_record(micros.max(1));
                    tally.bytes += bytes as u64;
                    if !status.is_success() {
                        tally.non_2xx += 1;
                    }
                    progress.answered.fetch_add(1, Ordering::Relaxed);
                }
                Ok(Err(_)) => {
                    tally.io_errors += 1;
                    progress.errors.fetch_add(1, Ordering::Relaxed);
                    continue 'connect;
                }
                Err(_) => {
                    // The request is still out on this connection: it cannot carry another.
                    tally.timeouts += 1;
                    progress.errors.fetch_add(1, Ordering::Relaxed);
                    continue 'connect;
                }
            }
        }
    }
    tally
}

/// Once a second, on stderr: how far along the run is.
async fn show_progress(progress: Arc<Progress>, duration: Duration) {
    let started = Instant::now();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.tick().await;
    loop {
        tick.tick().await;
        let elapsed = started.elapsed().min(duration);
        eprint!(
            "\r  {:>4.0} s of {:.0} s: {} answers, {} errors ",
            elapsed.as_secs_f64(),
            duration.as_secs_f64(),
            progress.answered.load(Ordering::Relaxed),
            progress.errors.load(Ordering::Relaxed),
        );
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
        bytes(tally.bytes as f64),
    );
    println!("  Non-2xx responses: {}", tally.non_2xx);
    println!(
        "  Errors: {} (connect {}, read/write {}, timeout {})",
        tally.errors(),
        tally.connect_errors,
        tally.io_errors,
        tally.timeouts
    );
    let rate = answered as f64 / secs;
    println!("Requests/sec: {rate:>10.2}");
    println!("Transfer/sec: {:>10}", bytes(tally.bytes as f64 / secs));
    if answered > 0 {
        let bound = f64::from(connections) / (h.mean() / 1_000_000.0);
        println!(
            "Little's law: {connections} connections / {} mean latency = {bound:.2} requests/sec at most; measured {:.0}% of it",
            latency(h.mean()),
            100.0 * rate / bound
        );
    }
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

    let progress = Arc::new(Progress::default());
    let ticker = std::io::stderr()
        .is_terminal()
        .then(|| tokio::spawn(show_progress(Arc::clone(&progress), duration)));
    let tally = load_test(
        target,
        args.connections,
        duration,
        Duration::from_secs_f64(args.timeout),
        progress,
    )
    .await;
    if let Some(ticker) = ticker {
        ticker.abort();
        eprint!("\r\x1b[2K");
    }

    report(&tally, args.connections, duration);
    if tally.latency_us.is_empty() && tally.errors() > 0 {
        bail!(
            "no request was answered ({} connect errors): is a server listening at {}?",
            tally.connect_errors,
            args.url
        );
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
