//! Mixed-mode done right: compute on a CPU pool, the blocking download on a blocking thread, the
//! async download and the waits on a runtime in the background, results collected from plain
//! synchronous code.
//!
//! Ports: src/09-built-on-asyncio/the_unsync/thesync.py
//!
//! Run: cargo run -p ch09-runtimes --release --bin thesync
//!
//! Expect: all eleven jobs start at once, then `Synchronous version done in ~1 seconds.`: the
//! time of the slowest single job (a wait of 999 × 1 ms), against ~6 s for `nosync` and ~2 s for
//! `presync`. Time all three with `cargo bench -p ch09-runtimes --bench unsync`.
//!
//! Python vs Rust: the `unsync` library decides from a decorator where a function runs. Rust has
//! no such magic, but every piece is one call: `rayon::spawn` for CPU work (threads, not
//! processes: there is no GIL to escape), `Handle::spawn_blocking` for blocking I/O, and
//! `Handle::spawn` for async work on a tokio runtime whose worker threads run in the background.
//! Each job answers through a one-shot channel, and `Pending::result()` blocks plain synchronous
//! `main` until it arrives, like unsync's `.result()`.

use std::hint::black_box;
use std::process::ExitCode;
use std::sync::atomic::Ordering;
use std::time::Instant;

use ch09_runtimes::unsync::{self, Failure, Jobs, Pending};
use clap::Parser;
use course_kit::cli::{Net, TimeScale};
use course_kit::{cprintln, fmt, interrupt, style};

/// Runs each job where it belongs: CPU pool, blocking thread, or async runtime.
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
    // The runtime's worker threads are the "event loop on a background thread": `main` never
    // calls `block_on`, it hands work over through the runtime's handle.
    let runtime = tokio::runtime::Runtime::new()?;
    let rt = runtime.handle();
    let t0 = Instant::now();

    let (n, sleeps, time) = (args.jobs.iterations, args.jobs.sleeps, args.time);
    let computes = [compute_some(n), compute_some(n), compute_some(n)];
    let downloads = [
        on_runtime(rt, download_some(client.clone(), url.clone(), live)),
        on_runtime(rt, download_some(client.clone(), url.clone(), live)),
        download_some_more(rt, blocking_client.clone(), url_more.clone(), live),
        download_some_more(rt, blocking_client.clone(), url_more.clone(), live),
    ];
    let waits = [
        on_runtime(rt, wait_some(sleeps, time)),
        on_runtime(rt, wait_some(sleeps, time)),
        on_runtime(rt, wait_some(sleeps, time)),
        on_runtime(rt, wait_some(sleeps, time)),
    ];

    // `[t.result() for t in tasks]`: plain blocking calls, no `.await` in sight.
    let sum: f64 = computes.into_iter().filter_map(Pending::result).sum();
    let downloads: Vec<Result<usize, Failure>> = downloads
        .into_iter()
        .map(|d| d.result().unwrap_or_else(|| Err("the job died".into())))
        .collect();
    waits.into_iter().for_each(|w| {
        w.result();
    });
    black_box(sum);

    let interrupted = stop.load(Ordering::SeqCst);
    if interrupted {
        cprintln!(style::WARN, "Interrupted by Ctrl-C.");
    }
    println!(
        "Synchronous version done in {} seconds.",
        fmt::secs(t0.elapsed().as_secs_f64())
    );
    Ok(unsync::finish(&downloads, interrupted))
}

/// Starts an async job on the runtime; its answer comes back through a [`Pending`].
fn on_runtime<T: Send + 'static>(
    rt: &tokio::runtime::Handle,
    job: impl Future<Output = T> + Send + 'static,
) -> Pending<T> {
    let (tx, pending) = Pending::new();
    rt.spawn(async move {
        let _ = tx.send(job.await);
    });
    pending
}

/// CPU-bound: a rayon pool thread (unsync's `cpu_bound=True`, which used a process).
fn compute_some(iterations: u64) -> Pending<f64> {
    let (tx, pending) = Pending::new();
    rayon::spawn(move || {
        println!("Computing...");
        let _ = tx.send(unsync::compute(iterations));
    });
    pending
}

/// Async I/O: runs on the runtime, via [`on_runtime`].
async fn download_some(client: reqwest::Client, url: String, live: bool) -> Result<usize, Failure> {
    println!("Downloading...");
    let chars = unsync::download_async(&client, &url, live).await?;
    println!("Downloaded {} characters.", fmt::thousands(chars));
    Ok(chars)
}

/// Blocking I/O: one of the runtime's blocking threads, where waiting is allowed (unsync runs a
/// plain function on a thread pool).
fn download_some_more(
    rt: &tokio::runtime::Handle,
    client: reqwest::blocking::Client,
    url: String,
    live: bool,
) -> Pending<Result<usize, Failure>> {
    let (tx, pending) = Pending::new();
    rt.spawn_blocking(move || {
        println!("Downloading more ...");
        let result = unsync::download_blocking(&client, &url, live);
        if let Ok(chars) = result {
            println!("Downloaded (more) {} characters.", fmt::thousands(chars));
        }
        let _ = tx.send(result);
    });
    pending
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
