//! The three ways of serving chapter 10's API, loaded on `/api/sun/97227/us` by `loadtest` at 10,
//! 20, 100, 1,000 and 5,000 connections (and 10,000 where the open-file limit allows): requests/s,
//! p50 and p99 latency, socket errors and timeouts, the server's peak RSS and peak thread count
//! (from `/proc`), and the share of its Little's-law bound.
//!
//! Run: `cargo bench -p ch10-web --bench servers` (20 s a run, about eight minutes in all;
//! `BENCH_SECS=8` for a quicker look, whose bounds are a few percent noisier)
//!
//! - thread per connection: `cityscape_api` as the course runs Flask (its development server);
//! - fixed pool: `cityscape_api --threads 2×cores+1`, Gunicorn's formula for its sync workers;
//! - async: `acityscape_api`, Quart's twin.
//!
//! Each run starts a fresh server in the course's cached mode (`--cached --port 0 --seed 1`: the
//! views sleep the course's measured upstream latencies, as the wrk runs of Flask and
//! Quart did, so the table measures the serving model; `BENCH_UPSTREAM=site` makes every request
//! call the embedded upstream site instead, inside the server's own process, which then spends
//! the two cores on three HTTP exchanges per request) and a `loadtest` with a timeout longer than the run,
//! so that a request queued behind busy workers is slow, not lost. Little's law (L = λW) bounds
//! each: with `c` connections each holding one request, and `W` the time one request takes alone
//! (measured first: the mean latency of the async server at 10 connections, where nothing queues,
//! over a whole run, since each request's latencies are drawn at random), at most `c ÷ W` requests/s; a fixed pool of `n` workers at
//! most `min(c, n) ÷ W`. Targets: async at 5,000 connections ≥ 90 % of its bound; thread per
//! connection at 20 and 100 within 10 % of async (as Flask is of Quart there); the fixed pool
//! within 10 % of `n ÷ W` at every load (it is the saturation lesson).

mod load;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use load::{Running, stop};

const LEVELS: [u32; 6] = [10, 20, 100, 1_000, 5_000, 10_000];
const PATH: &str = "/api/sun/97227/us";
/// Descriptors a server may hold per connection (its socket, the upstream call's, and the
/// embedded site's end of it), as `ch10_web` counts them.
const SERVER_FDS_PER_CONNECTION: u64 = 3;

#[derive(Clone, Copy)]
struct Model {
    name: &'static str,
    bin: &'static str,
    workers: Option<usize>,
}

/// Starts `model` on a free port, as the table's row runs it.
fn start(model: Model) -> Running {
    let threads = model.workers.map(|n| n.to_string());
    let mut args = Vec::new();
    if cached() {
        args.push("--cached");
    }
    if let Some(threads) = &threads {
        args.extend(["--threads", threads.as_str()]);
    }
    load::start(model.bin, &args)
}

/// The course's cached mode, unless `BENCH_UPSTREAM=site`.
fn cached() -> bool {
    std::env::var("BENCH_UPSTREAM").map_or(true, |v| v != "site")
}

/// Samples the server's thread count while the load runs; returns the peak.
fn watch_threads(pid: u32) -> (Arc<AtomicBool>, std::thread::JoinHandle<u64>) {
    let done = Arc::new(AtomicBool::new(false));
    let peak = Arc::new(AtomicU64::new(0));
    let (stop, seen) = (Arc::clone(&done), Arc::clone(&peak));
    let handle = std::thread::spawn(move || {
        while !stop.load(Ordering::SeqCst) {
            if let Some(n) = course_kit::process::status_number(pid, "Threads") {
                seen.fetch_max(n, Ordering::SeqCst);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        peak.load(Ordering::SeqCst)
    });
    (done, handle)
}

fn main() {
    // `cargo bench` passes `--bench`; this harness takes no arguments of its own.
    let secs: f64 = std::env::var("BENCH_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20.0);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let pool = 2 * cores + 1;
    let models = [
        Model {
            name: "thread per connection",
            bin: env!("CARGO_BIN_EXE_cityscape_api"),
            workers: None,
        },
        Model {
            name: "fixed pool",
            bin: env!("CARGO_BIN_EXE_cityscape_api"),
            workers: Some(pool),
        },
        Model {
            name: "async",
            bin: env!("CARGO_BIN_EXE_acityscape_api"),
            workers: None,
        },
    ];
    // This process's limit is what the servers and loadtest (its children) inherit and raise to.
    let open_files = ch10_web::raise_open_file_limit();
    let cpu = load::cpu_name();
    println!(
        "Three servers on {PATH}, {secs} s per run, {}; {cores} cores ({cpu}); open-file limit {open_files}\n",
        if cached() {
            "cached mode (the views sleep the course's measured latencies)"
        } else {
            "every request calling the embedded upstream site at the course's latencies"
        }
    );

    // W: one request's time when nothing queues. Its latencies are drawn at random per request,
    // so take the mean over a whole run at 10 connections (a few requests on one connection would
    // leave W, and every bound below, a few percent off).
    let calibration = start(models[2]);
    let alone = load::loadtest(&format!("{}{PATH}", calibration.base), 10, secs);
    stop(calibration);
    let w = alone.mean_s;
    println!(
        "One request alone takes W = {w:.3} s; a fixed pool of {pool} (2 × cores + 1) can serve at most {:.2} requests/s\n",
        pool as f64 / w
    );

    println!(
        "| model | connections | requests/s | p50 | p99 | socket errors | timeouts | non-2xx | peak RSS | peak threads | Little's-law bound | reached |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let mut results: Vec<(usize, u32, load::Measured, f64)> = Vec::new();
    let mut skipped = Vec::new();
    for (i, model) in models.iter().enumerate() {
        for connections in LEVELS {
            let c = u64::from(connections);
            if SERVER_FDS_PER_CONNECTION * c + 64 > open_files {
                skipped.push(format!(
                    "{} at {}: skipped, the open-file limit ({open_files}) is too low for a server with that many connections",
                    model.name,
                    course_kit::fmt::thousands(connections)
                ));
                continue;
            }
            let running = start(*model);
            let pid = running.child.id();
            let (done, threads) = watch_threads(pid);
            let m = load::loadtest(&format!("{}{PATH}", running.base), connections, secs);
            done.store(true, Ordering::SeqCst);
            let peak_threads = threads.join().unwrap_or(0);
            let rss = course_kit::process::status_number(pid, "VmHWM");
            stop(running);
            let in_service = model
                .workers
                .map_or(connections as usize, |n| n.min(connections as usize));
            let bound = in_service as f64 / w;
            let reached = 100.0 * m.per_sec / bound;
            println!(
                "| {} | {} | {:.1} | {:.2} s | {:.2} s | {} | {} | {} | {} | {peak_threads} | {bound:.1} | {reached:.0} % |",
                model.name,
                course_kit::fmt::thousands(connections),
                m.per_sec,
                m.p50_s,
                m.p99_s,
                m.socket_errors,
                m.timeouts,
                m.non_2xx,
                course_kit::process::megabytes(rss),
            );
            results.push((i, connections, m, reached));
            // Let the sockets of the last run drain before the next server starts.
            std::thread::sleep(Duration::from_secs(1));
        }
    }

    let find = |model: usize, connections: u32| {
        results
            .iter()
            .find(|(i, c, _, _)| *i == model && *c == connections)
            .map(|(_, _, m, reached)| (m.per_sec, *reached))
    };
    let verdict = |ok: bool| if ok { "met" } else { "NOT met" };
    println!();
    for line in &skipped {
        println!("{line}");
    }
    if let Some((_, reached)) = find(2, 5_000) {
        println!(
            "async at 5,000 connections: {reached:.0} % of its Little's-law bound (target ≥ 90 %: {})",
            verdict(reached >= 90.0)
        );
    }
    for connections in [20, 100] {
        if let (Some((threads, _)), Some((asynch, _))) =
            (find(0, connections), find(2, connections))
        {
            let ratio = threads / asynch;
            println!(
                "thread per connection at {connections}: {threads:.1} vs async {asynch:.1} requests/s = {:.0} % (target within 10 %: {})",
                100.0 * ratio,
                verdict((ratio - 1.0).abs() <= 0.10)
            );
        }
    }
    let pool_shares: Vec<f64> = LEVELS
        .iter()
        .filter_map(|&c| find(1, c).map(|(_, reached)| reached))
        .collect();
    if !pool_shares.is_empty() {
        let (low, high) = pool_shares
            .iter()
            .fold((f64::MAX, f64::MIN), |(lo, hi), &r| (lo.min(r), hi.max(r)));
        println!(
            "fixed pool of {pool}: {low:.0} % to {high:.0} % of workers ÷ W at every load (target within 10 %: {})",
            verdict(low >= 90.0 && high <= 110.0)
        );
    }
}
