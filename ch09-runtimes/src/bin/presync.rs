//! The same eleven jobs as tokio tasks on one thread, but compute and one download still block
//! inside their async functions, so they stall the runtime and only the rest overlaps.
//!
//! Ports: `src/09-built-on-asyncio/the_unsync/presync.py`
//!
//! Run: `cargo run -p ch09-runtimes --release --bin presync`
//!
//! Copy: `cargo add tokio reqwest num-format --features tokio/rt,tokio/time,reqwest/blocking`
//!
//! Expect: the same lines as `nosync` in another order (every job starts, the blocking ones run
//! to the end one at a time), `Synchronous version done in ~2 seconds.` against `nosync`'s ~6,
//! and how long the runtime's only thread was blocked (~1 s). The four waits and the two async
//! downloads overlap; the blocking jobs (three computes, two downloads) still add up one after
//! another, as in `nosync`, and nothing else moves while they run: an async download that had
//! not yet sent its request waits for them too. `--timeline` draws the four downloads as the
//! embedded site saw them. Ctrl-C ends the waits early, says `Cancelled by Ctrl-C.` and still
//! prints the time. The download lines keep the logical labels (see `nosync`'s header).
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
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use ch09_runtimes::unsync::{self, Download, Jobs, PAGE, PAGE_LIVE, PAGE_MORE, PAGE_MORE_LIVE};
use clap::Parser;
use course_kit::cli::{Net, TimeScale, Timeline};
use course_kit::site::Source;
use course_kit::{fmt, interrupt};
use num_format::{Locale, ToFormattedString};

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
    #[command(flatten)]
    timeline: Timeline,
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
    course_kit::exit::quiet_broken_pipe();
    course_kit::exit::report(run())
}

fn run() -> anyhow::Result<ExitCode> {
    let stop = interrupt::flag();
    let args = Args::parse();
    course_kit::warn_if_unoptimized!();
    let source = Source::from_flags(&args.net, args.time.time_scale)?;
    let url = source.url_for(PAGE_LIVE, PAGE);
    let url_more = source.url_for(PAGE_MORE_LIVE, PAGE_MORE);
    let client = course_kit::http::client(args.net.timeout())?;
    let blocking_client = course_kit::http::blocking_client(args.net.timeout())?;
    let (n, sleeps, time_scale) = (args.jobs.iterations, args.jobs.sleeps, args.time.time_scale);
    // One thread, one loop: asyncio's model.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let t0 = Instant::now();

    let (sum, downloads) = runtime.block_on(async {
        // `loop.create_task(...)` for each job. `timed_async` notes each download's start and end
        // for `--timeline` (with `--live`/`--base-url`).
        let computes = [
            tokio::spawn(compute_some(n)),
            tokio::spawn(compute_some(n)),
            tokio::spawn(compute_some(n)),
        ];
        let downloads = [
            tokio::spawn(unsync::timed_async(download_some(
                client.clone(),
                url.clone(),
            ))),
            tokio::spawn(unsync::timed_async(download_some(
                client.clone(),
                url.clone(),
            ))),
            tokio::spawn(unsync::timed_async(download_some_more(
                blocking_client.clone(),
                url_more.clone(),
            ))),
            tokio::spawn(unsync::timed_async(download_some_more(
                blocking_client.clone(),
                url_more.clone(),
            ))),
        ];
        let waits = [
            tokio::spawn(wait_some(sleeps, time_scale, Arc::clone(&stop))),
            tokio::spawn(wait_some(sleeps, time_scale, Arc::clone(&stop))),
            tokio::spawn(wait_some(sleeps, time_scale, Arc::clone(&stop))),
            tokio::spawn(wait_some(sleeps, time_scale, Arc::clone(&stop))),
        ];
        // `asyncio.gather(*tasks)`.
        let sum: f64 = futures::future::join_all(computes)
            .await
            .into_iter()
            .map(|r| r.unwrap_or(0.0))
            .sum();
        let downloads = futures::future::join_all(downloads).await;
        futures::future::join_all(waits).await;
        (sum, downloads)
    });
    black_box(sum);

    let interrupted = stop.load(Ordering::SeqCst);
    if interrupted {
        interrupt::announce();
    }
    let total = t0.elapsed().as_secs_f64();
    println!("Synchronous version done in {} seconds.", fmt::secs(total));
    let blocked = BLOCKED_NS.load(Ordering::Relaxed) as f64 / 1e9;
    println!(
        "The runtime's only thread was blocked for {} of those seconds.",
        fmt::secs(blocked)
    );
    let urls = [&url, &url, &url_more, &url_more];
    let mut done = Vec::new();
    for (url, joined) in urls.into_iter().zip(downloads) {
        // A download task that panicked has no result to report: that is a bug, not a failure.
        let (result, start, end) = joined?;
        done.push(Download {
            url: url.clone(),
            result,
            start,
            end,
        });
    }
    Ok(unsync::finish(
        &done,
        &source,
        args.timeline.timeline,
        interrupted,
    ))
}

/// `async`, but never awaits: the whole loop runs without giving the thread back.
async fn compute_some(iterations: u64) -> f64 {
    println!("Computing...");
    blocking(|| {
        // `black_box` hides the constant from the optimiser, which would otherwise compute the
        // root once at compile time and delete the loop; the sum keeps the work observable.
        let x = 25f64.powi(25) + 0.01;
        let mut sum = 0.0;
        for _ in 0..iterations {
            sum += black_box(x).sqrt();
        }
        sum
    })
}

/// Truly async: while the request is in flight, the runtime runs other tasks.
async fn download_some(client: reqwest::Client, url: String) -> reqwest::Result<usize> {
    println!("Downloading...");
    let text = client
        .get(&url)
        .send()
        .await?
        .error_for_status()?
        .text()
        .await?;
    let chars = text.chars().count();
    println!(
        "Downloaded {} characters.",
        chars.to_formatted_string(&Locale::en)
    );
    Ok(chars)
}

/// `async` in name only: it waits for a blocking download without an `.await`.
async fn download_some_more(
    client: reqwest::blocking::Client,
    url: String,
) -> reqwest::Result<usize> {
    println!("Downloading more ...");
    // reqwest's blocking client refuses to run on a runtime thread, so the request runs on a
    // helper thread and this thread *waits* for it: the loop stalls as under `requests.get`.
    let text = blocking(|| {
        std::thread::scope(|s| {
            s.spawn(|| client.get(&url).send()?.error_for_status()?.text())
                .join()
                // A panic in the helper thread is a bug: pass it on.
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        })
    })?;
    let chars = text.chars().count();
    println!(
        "Downloaded (more) {} characters.",
        chars.to_formatted_string(&Locale::en)
    );
    Ok(chars)
}

/// `sleeps` sleeps of 1 ms (times `time_scale`); returns early once `stop` is set (Ctrl-C).
async fn wait_some(sleeps: u32, time_scale: f64, stop: Arc<AtomicBool>) {
    println!("Waiting...");
    let start = Instant::now();
    for i in 1..=sleeps {
        if stop.load(Ordering::Relaxed) {
            return;
        }
        // Until the i-th millisecond mark, not "1 ms from now": tokio's timer rounds every
        // deadline up to its next 1 ms tick, so 999 separate `sleep(1 ms)` calls take ~2 s, while
        // a thread's take ~1.06 s; that would measure timer rounding, not concurrency. Fixed marks
        // make one wait take ~1 s in every program (it is what `tokio::time::interval` does).
        let mark = start + Duration::from_secs_f64(0.001 * f64::from(i) * time_scale);
        tokio::time::sleep_until(mark.into()).await;
    }
}
