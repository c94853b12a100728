//! Both servers under load on `/api/sun/97227/us`, at 10, 100 and 1,000 connections, in one run:
//! requests per second, p99 latency, the server's peak memory, and each against its Little's-law
//! bound.
//!
//! Run: `cargo bench -p ch10-web --bench servers` (`BENCH_SECS=20` for longer runs; 10 s each by
//! default, about 75 s in all)
//!
//! Each measurement starts a fresh server (`--port 0`, default workers, the embedded site at the
//! course's latencies) and runs the `loadtest` binary against it with a timeout longer than the
//! run, so that a request queued behind the sync server's busy workers is slow, not lost. The
//! bounds (Little's law, L = λW, so λ ≤ L / W):
//! - sync: workers ÷ the mean time one request takes (measured first, with as many connections
//!   as workers, so that nothing queues): busy workers cannot go faster;
//! - async: connections ÷ the run's mean latency: a client waiting for its answer cannot send
//!   another.
//!
//! Targets: at 100 connections the async server serves ≥ 10× the sync one's requests per second,
//! and each reaches ≥ 80 % of its own bound. Needs a file-descriptor limit above 3,000 for the
//! 1,000-connection runs (`ulimit -n`).

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const CONNECTIONS: [u32; 3] = [10, 100, 1_000];
const PATH: &str = "/api/sun/97227/us";

struct Running {
    child: Child,
    url: String,
    workers: Option<usize>,
}

fn start(bin: &str, path: &str) -> Running {
    let mut child = Command::new(path)
        .args(["--port", "0"])
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{bin} does not start: {e}"));
    let mut stdout = BufReader::new(child.stdout.take().expect("piped"));
    let mut workers = None;
    let url = loop {
        let mut line = String::new();
        if stdout.read_line(&mut line).unwrap_or(0) == 0 {
            panic!("{bin} ended before announcing itself");
        }
        if let Some(n) = line
            .strip_prefix(" * ")
            .and_then(|l| l.strip_suffix(" worker threads, each answering one request at a time\n"))
        {
            workers = n.parse().ok();
        }
        if let Some(addr) = line.trim_end().strip_prefix(" * Running on ") {
            break format!("{addr}{PATH}");
        }
    };
    // Keep draining stdout so that the server never blocks on a full pipe.
    std::thread::spawn(move || {
        let mut sink = String::new();
        let _ = stdout.read_to_string(&mut sink);
    });
    Running {
        child,
        url,
        workers,
    }
}

fn peak_rss_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

fn stop(mut running: Running) {
    let _ = Command::new("kill")
        .args(["-INT", &running.child.id().to_string()])
        .status();
    let _ = running.child.wait();
}

#[derive(Debug, Clone, Copy)]
struct Measured {
    per_sec: f64,
    mean_s: f64,
    p99_s: f64,
    errors: u64,
    non_2xx: u64,
}

/// `951.23ms` / `1.21s` / `512.00us` in seconds.
fn seconds(s: &str) -> f64 {
    let s = s.trim().trim_end_matches(',');
    let (num, scale) = if let Some(n) = s.strip_suffix("us") {
        (n, 1e-6)
    } else if let Some(n) = s.strip_suffix("ms") {
        (n, 1e-3)
    } else {
        (s.trim_end_matches('s'), 1.0)
    };
    num.parse::<f64>().unwrap_or(f64::NAN) * scale
}

fn loadtest(url: &str, connections: u32, secs: f64) -> Measured {
    let out = Command::new(env!("CARGO_BIN_EXE_loadtest"))
        .args([
            "--connections",
            &connections.to_string(),
            "--duration",
            &secs.to_string(),
            // Longer than the run: a request queued behind busy workers is slow, not an error.
            "--timeout",
            &(secs * 3.0 + 5.0).to_string(),
            url,
        ])
        .stderr(Stdio::inherit())
        .output()
        .expect("loadtest runs");
    let out = String::from_utf8_lossy(&out.stdout).into_owned();
    let field = |prefix: &str| -> String {
        out.lines()
            .find_map(|l| l.trim_start().strip_prefix(prefix))
            .map(|v| v.trim().to_owned())
            .unwrap_or_else(|| panic!("no {prefix} in\n{out}"))
    };
    let latency = field("Latency:");
    let part = |name: &str| {
        latency
            .split(", ")
            .find_map(|p| p.strip_prefix(name))
            .map_or(f64::NAN, seconds)
    };
    Measured {
        per_sec: field("Requests/sec:").parse().unwrap_or(0.0),
        mean_s: part("mean "),
        p99_s: part("p99 "),
        errors: field("Errors:")
            .split_whitespace()
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or(0),
        non_2xx: field("Non-2xx responses:").parse().unwrap_or(0),
    }
}

fn main() {
    // `cargo bench` passes `--bench`; this harness takes no arguments of its own.
    let secs: f64 = std::env::var("BENCH_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10.0);
    let servers = [
        ("cityscape_api (sync)", env!("CARGO_BIN_EXE_cityscape_api")),
        (
            "acityscape_api (async)",
            env!("CARGO_BIN_EXE_acityscape_api"),
        ),
    ];
    println!(
        "Both servers on {PATH}, {secs} s per run, the embedded site at the course's latencies\n"
    );

    // The sync server's bound: its workers ÷ the time one request takes when nothing queues.
    let calibration = start("cityscape_api", servers[0].1);
    let workers = calibration
        .workers
        .expect("the sync server names its worker count");
    let alone = loadtest(
        &calibration.url,
        u32::try_from(workers).unwrap_or(1),
        secs / 2.0,
    );
    stop(calibration);
    let sync_bound = workers as f64 / alone.mean_s;
    println!(
        "sync: {workers} workers (2 × cores + 1); one request alone takes {:.3} s, so at most {sync_bound:.2} requests/s\n",
        alone.mean_s
    );

    println!(
        "| server | connections | requests/s | p99 | mean | peak RSS | Little's-law bound | reached | errors | non-2xx |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let mut at_100 = [None, None];
    for (i, (name, path)) in servers.iter().enumerate() {
        for connections in CONNECTIONS {
            let running = start(name, path);
            let pid = running.child.id();
            let m = loadtest(&running.url, connections, secs);
            let rss = peak_rss_kb(pid);
            stop(running);
            let bound = if i == 0 {
                sync_bound.min(f64::from(connections) / alone.mean_s)
            } else {
                f64::from(connections) / m.mean_s
            };
            let reached = 100.0 * m.per_sec / bound;
            println!(
                "| {name} | {connections} | {:.1} | {:.2} s | {:.2} s | {} | {bound:.1} | {reached:.0} % | {} | {} |",
                m.per_sec,
                m.p99_s,
                m.mean_s,
                course_kit::process::megabytes(rss),
                m.errors,
                m.non_2xx
            );
            if connections == 100 {
                at_100[i] = Some((m.per_sec, reached));
            }
            // Let the sockets of the last run drain before the next server starts.
            std::thread::sleep(Duration::from_millis(500));
        }
    }

    if let [Some((sync, sync_reached)), Some((asynch, async_reached))] = at_100 {
        let ratio = asynch / sync;
        let verdict = |ok: bool| if ok { "met" } else { "NOT met" };
        println!();
        println!(
            "At 100 connections: async {asynch:.1} vs sync {sync:.1} requests/s = {ratio:.1}× (target ≥ 10×: {})",
            verdict(ratio >= 10.0)
        );
        println!(
            "Share of their Little's-law bound at 100 connections: sync {sync_reached:.0} %, async {async_reached:.0} % (target ≥ 80 % each: {})",
            verdict(sync_reached >= 80.0 && async_reached >= 80.0)
        );
    }
}
