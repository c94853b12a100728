//! What worker processes buy a Rust server, loaded by `loadtest` (keep-alive connections):
//!
//! - CPU-bound: the home page at 100 connections, on both servers, in one process and with
//!   `--processes N` for N = 1, 2 and the machine's cores, against the machine's capacity measured
//!   in the same run as ch07 measures it: independent copies of the job side by side (here
//!   `cores` one-process servers, each on its own port with its own loadtest).
//! - Latency-bound: the async server's `/api/sun/97227/us` in the course's cached mode (the views
//!   sleep the course's measured latencies) at 5,000 connections, in one process and with
//!   `--processes 2`, against its Little's-law bound `c ÷ W` (W: the mean time of one request at
//!   10 connections, where nothing queues). Target: ≥ 90 % in both.
//!
//! Run: `cargo bench -p ch10-web --bench processes` (10 s a CPU-bound run, 20 s a latency-bound
//! one, about three minutes in all; `BENCH_SECS` sets the first). The CPU-bound rows all load
//! with `cores` loadtests of 100 ÷ cores connections each, which share the machine's cores with
//! the servers alike: compare rows with each other, not with another machine's.

mod load;

use std::time::Duration;

use load::{Measured, Running, loadtest, start};

const CITYSCAPE: &str = env!("CARGO_BIN_EXE_cityscape_api");
const ACITYSCAPE: &str = env!("CARGO_BIN_EXE_acityscape_api");

/// Stops the server, then lets its sockets drain before the next one starts.
fn stop(server: Running) {
    load::stop(server);
    std::thread::sleep(Duration::from_secs(1));
}

/// One configuration under one load: a server started with `args`, loaded on `path`.
fn measure(bin: &str, args: &[&str], path: &str, connections: u32, secs: f64) -> Measured {
    let server = start(bin, args);
    let m = loadtest(&format!("{}{path}", server.base), connections, secs);
    stop(server);
    m
}

/// `loaders` loadtests at once, loader i on `urls[i % len]`, with `connections` shared among
/// them: requests/s summed, the worst p99, the errors summed. The CPU-bound rows all use the
/// same loaders, so that the load generator costs every row the same.
fn load_split(urls: &[String], loaders: usize, connections: u32, secs: f64) -> Measured {
    let share = connections / loaders as u32;
    let runs: Vec<_> = (0..loaders)
        .map(|i| {
            let url = urls[i % urls.len()].clone();
            std::thread::spawn(move || loadtest(&url, share, secs))
        })
        .collect();
    runs.into_iter()
        .map(|run| run.join().unwrap_or_default())
        .fold(Measured::default(), |all, m| Measured {
            per_sec: all.per_sec + m.per_sec,
            p99_s: all.p99_s.max(m.p99_s),
            socket_errors: all.socket_errors + m.socket_errors,
            timeouts: all.timeouts + m.timeouts,
            non_2xx: all.non_2xx + m.non_2xx,
            ..all
        })
}

/// The home page of `servers` started with `args` (all of them side by side), loaded by `loaders`.
fn cpu_bound(bin: &str, servers: usize, args: &[&str], loaders: usize, secs: f64) -> Measured {
    let running: Vec<Running> = (0..servers).map(|_| start(bin, args)).collect();
    let urls: Vec<String> = running.iter().map(|s| format!("{}/", s.base)).collect();
    let m = load_split(&urls, loaders, 100, secs);
    for server in running {
        stop(server);
    }
    m
}

fn errors(m: &Measured) -> u64 {
    m.socket_errors + m.timeouts + m.non_2xx
}

fn main() {
    let secs: f64 = std::env::var("BENCH_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10.0);
    if cfg!(debug_assertions) {
        println!("warning: not an optimised build; run it with `cargo bench`");
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let open_files = ch10_web::raise_open_file_limit();
    let cpu = load::cpu_name();
    println!(
        "Worker processes, {secs} s per run; {cores} cores ({cpu}); open-file limit {open_files}\n"
    );

    let mut counts = vec![1, 2, cores];
    counts.dedup();
    println!("CPU-bound: the home page at 100 connections\n");
    println!("| server | configuration | requests/s | p99 | errors | of capacity |");
    println!("|---|---|---:|---:|---:|---:|");
    for (name, bin) in [("cityscape_api", CITYSCAPE), ("acityscape_api", ACITYSCAPE)] {
        let capacity = cpu_bound(bin, cores, &[], cores, secs);
        let full = capacity.per_sec;
        println!(
            "| {name} | capacity: {cores} independent one-process servers side by side | {full:.0} | {:.1} ms | {} | 100 % |",
            capacity.p99_s * 1e3,
            errors(&capacity)
        );
        let mut rows = vec![("one process".to_owned(), Vec::new())];
        for n in &counts {
            let label = if *n == cores && *n != 1 {
                format!("--processes {n} (the cores)")
            } else {
                format!("--processes {n}")
            };
            rows.push((label, vec!["--processes".to_owned(), n.to_string()]));
        }
        for (label, args) in rows {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let m = cpu_bound(bin, 1, &args, cores, secs);
            println!(
                "| {name} | {label} | {:.0} | {:.1} ms | {} | {:.0} % |",
                m.per_sec,
                m.p99_s * 1e3,
                errors(&m),
                100.0 * m.per_sec / full
            );
        }
    }

    // 5,000 connections take a few seconds to open and settle: longer runs.
    let secs = 2.0 * secs;
    let connections: u32 = 5_000;
    println!("\nLatency-bound: acityscape_api --cached, /api/sun/97227/us\n");
    let alone = measure(ACITYSCAPE, &["--cached"], "/api/sun/97227/us", 10, secs);
    let w = alone.mean_s;
    let bound = f64::from(connections) / w;
    println!(
        "One request alone takes W = {w:.3} s, so {} connections can make at most {bound:.0} requests/s\n",
        course_kit::fmt::thousands(connections)
    );
    if 3 * u64::from(connections) + 64 > open_files {
        println!("skipped: the open-file limit ({open_files}) is too low for 5,000 connections");
        return;
    }
    println!(
        "| configuration | connections | requests/s | p50 | p99 | errors | Little's-law bound | reached |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for (label, args) in [
        ("one process", &["--cached"][..]),
        ("--processes 2", &["--cached", "--processes", "2"]),
    ] {
        let m = measure(ACITYSCAPE, args, "/api/sun/97227/us", connections, secs);
        let reached = 100.0 * m.per_sec / bound;
        println!(
            "| {label} | {} | {:.0} | {:.2} s | {:.2} s | {} | {bound:.0} | {reached:.0} % (target ≥ 90 %: {}) |",
            course_kit::fmt::thousands(connections),
            m.per_sec,
            m.p50_s,
            m.p99_s,
            errors(&m),
            if reached >= 90.0 { "met" } else { "NOT met" }
        );
    }
}
