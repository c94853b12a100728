//! The same eleven jobs as tokio tasks on one thread, but compute and one download still block
//! inside their async functions, so they stall the runtime and only the rest overlaps.
//!
//! Ports: src/09-built-on-asyncio/the_unsync/presync.py
//!
//! Run: cargo run -p ch09-runtimes --release --bin presync
//!
//! Expect: the same lines as `nosync` in another order (every job starts, the blocking ones run
//! to the end one at a time), `Synchronous version done in ~2 seconds.` against `nosync`'s ~6,
//! and how long the runtime's only thread was blocked (~1 s). The four waits and the two async
//! downloads overlap; the blocking jobs (three computes, two downloads) still add up one after
//! another, as in `nosync`, and nothing else moves while they run: an async download that had
//! not yet sent its request waits for them too.
//!
//! Python vs Rust: asyncio has a single loop on one thread, so this uses tokio's *current-thread*
//! runtime (on a multi-thread runtime a blocking job stalls only one worker, which hides the
//! mistake until every worker is blocked). In the course the three compute jobs take ~1 s each,
//! so the blocked time dominates and presync gains almost nothing. In Rust they take ~20 ms, so
//! the waits' overlap shows as a real gain (about 3×) and the lesson is in the blocked time:
//! make compute Python-sized with `--iterations 600000000` and presync is only about 2× faster
//! than nosync, while `thesync` stays ahead. The cure for blocking code in async functions is
//! `thesync`'s: move it off the runtime thread (`spawn_blocking`, a CPU pool).
//! One more difference: reqwest's blocking client refuses to run on a runtime thread (debug
//! builds panic), so `download_some_more` blocks the runtime by *waiting for a helper thread*,
//! which stalls the loop exactly as `requests.get` does.

use std::hint::black_box;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use ch09_runtimes::unsync::{self, Failure, Jobs};
use clap::Parser;
use course_kit::cli::{Net, TimeScale};
use course_kit::{cprintln, fmt, interrupt, style};

/// Runs the jobs as tasks on a single-threaded runtime, some of them still blocking.
#[derive(Parser, Debug)]
#[command(version, long_about = None)]
struct Args {
    #[command(flatten)]
    time: TimeScale,
    #[command(flatten)]
    net: Net,
    #[command(flatten)]
    jobs: Jobs,
}

/// Nanoseconds the runtime's thread spent inside blocking calls.
static BLOCKED_NS: AtomicU64 = AtomicU64::new(0);

/// Runs `f` on the runtime thread (the mistake being shown) and counts how long it blocked.
fn blocking<T>(f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = f();
    BLOCKED_NS.fetch_add(start.elapsed().as_nanos() as u64, Ordering::Relaxed);
    out
}

fn main() -> ExitCode {
    course_kit::exit::report(run())
}

fn run() -> anyhow::Result<ExitCode> {
    let args = Args::parse();
    course_kit::warn_if_unoptimized!();
    let source = args.net.source(args.time)?;
    let (url, url_more) = unsync::urls(&source);
    let live = source.is_live();
    let client = course_kit::http::client(&args.net)?;
    let blocking_client = unsync::blocking_client(&args.net)?;
    let stop = interrupt::flag();
    // One thread, one loop: asyncio's model.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let t0 = Instant::now();

    let (sum, downloads) = runtime.block_on(async {
        let (n, sleeps, time) = (args.jobs.iterations, args.jobs.sleeps, args.time);
        let computes = [
            tokio::spawn(compute_some(n)),
            tokio::spawn(compute_some(n)),
            tokio::spawn(compute_some(n)),
        ];
        let downloads = [
            tokio::spawn(download_some(client.clone(), url.clone(), live)),
            tokio::spawn(download_some(client.clone(), url.clone(), live)),
            tokio::spawn(download_some_more(
                blocking_client.clone(),
                url_more.clone(),
                live,
            )),
            tokio::spawn(download_some_more(
                blocking_client.clone(),
                url_more.clone(),
                live,
            )),
        ];
        let waits = [
            tokio::spawn(wait_some(sleeps, time)),
            tokio::spawn(wait_some(sleeps, time)),
            tokio::spawn(wait_some(sleeps, time)),
            tokio::spawn(wait_some(sleeps, time)),
        ];
        // `asyncio.gather(*tasks)`. A task that panicked counts as a failed job.
        let sum: f64 = futures::future::join_all(computes)
            .await
            .into_iter()
            .map(|r| r.unwrap_or(0.0))
            .sum();
        let downloads: Vec<Result<usize, Failure>> = futures::future::join_all(downloads)
            .await
            .into_iter()
            .map(|r| r.unwrap_or_else(|e| Err(format!("the task failed: {e}"))))
            .collect();
        futures::future::join_all(waits).await;
        (sum, downloads)
    });
    black_box(sum);

    let interrupted = stop.load(Ordering::SeqCst);
    if interrupted {
        cprintln!(style::WARN, "Interrupted by Ctrl-C.");
    }
    let total = t0.elapsed().as_secs_f64();
    println!("Synchronous version done in {} seconds.", fmt::secs(total));
    let blocked = BLOCKED_NS.load(Ordering::Relaxed) as f64 / 1e9;
    cprintln!(
        style::WARN,
        "The runtime's only thread was blocked for {} of those seconds.",
        fmt::secs(blocked)
    );
    Ok(unsync::finish(&downloads, interrupted))
}

/// `async`, but never awaits: the whole loop runs without giving the thread back.
async fn compute_some(iterations: u64) -> f64 {
    println!("Computing...");
    blocking(|| unsync::compute(iterations))
}

/// Truly async: while the request is in flight, the runtime runs other tasks.
async fn download_some(client: reqwest::Client, url: String, live: bool) -> Result<usize, Failure> {
    println!("Downloading...");
    let chars = unsync::download_async(&client, &url, live).await?;
    println!("Downloaded {} characters.", fmt::thousands(chars));
    Ok(chars)
}

/// `async` in name only: it waits for a blocking download without an `.await`.
async fn download_some_more(
    client: reqwest::blocking::Client,
    url: String,
    live: bool,
) -> Result<usize, Failure> {
    println!("Downloading more ...");
    let chars = blocking(|| {
        std::thread::scope(|s| {
            s.spawn(|| unsync::download_blocking(&client, &url, live))
                .join()
                .unwrap_or_else(|_| Err(format!("{url}: the download thread panicked")))
        })
    })?;
    println!("Downloaded (more) {} characters.", fmt::thousands(chars));
    Ok(chars)
}

async fn wait_some(sleeps: u32, time: TimeScale) {
    println!("Waiting...");
    let start = Instant::now();
    for i in 1..=sleeps {
        if interrupt::requested() {
            return;
        }
        // Until the next 1 ms mark, not "1 ms from now": see `unsync::tick`.
        tokio::time::sleep_until(unsync::tick(start, i, time).into()).await;
    }
}
