//! Mixed-mode done right: compute on a CPU pool, the blocking download on a blocking thread, the
//! async download and the waits on a runtime in the background, results collected from plain
//! synchronous code.
//!
//! Ports: `src/09-built-on-asyncio/the_unsync/thesync.py`
//!
//! Run: `cargo run -p ch09-runtimes --release --bin thesync`
//!
//! Copy: `cargo add tokio rayon reqwest num-format --features tokio/rt-multi-thread,tokio/time,reqwest/blocking`
//!
//! Expect: all eleven jobs start at once, then `Synchronous version done in ~1 seconds.`: the
//! time of the slowest single job (a wait of 999 × 1 ms), against ~6 s for `nosync` and ~2 s for
//! `presync`. Time all three with `cargo bench -p ch09-runtimes --bench unsync`. `--timeline`
//! draws the four downloads as the embedded site saw them: all in flight at once. Ctrl-C ends the
//! waits early, says `Cancelled by Ctrl-C.` and still prints the time. The download lines keep
//! the logical labels (see `nosync`'s header).
//!
//! Python vs Rust: the `unsync` library decides from a decorator where a function runs. Rust has
//! no decorators, so the jobs are plain functions and three small functions play the decorator:
//! `on_cpu_pool` (`@unsync(cpu_bound=True)`: `rayon::spawn`, threads rather than processes, as
//! there is no GIL to escape), `on_thread` (`@unsync` on a plain `def`: `Handle::spawn_blocking`,
//! where blocking is allowed) and `on_runtime` (`@unsync` on an `async def`: `Handle::spawn` on a
//! tokio runtime whose worker threads run in the background). Each answers through a one-shot
//! channel, and `Pending::result()` blocks plain synchronous `main` until the answer arrives, like
//! unsync's `.result()`.

use std::hint::black_box;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use ch09_runtimes::unsync::{self, Download, Jobs, PAGE, PAGE_LIVE, PAGE_MORE, PAGE_MORE_LIVE};
use clap::Parser;
use course_kit::cli::{Net, TimeScale, Timeline};
use course_kit::site::Source;
use course_kit::{fmt, interrupt};
use num_format::{Locale, ToFormattedString};
use tokio::runtime::Handle;

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
    #[command(flatten)]
    timeline: Timeline,
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
    // The runtime's worker threads are the "event loop on a background thread": `main` never
    // calls `block_on`, it hands work over through the runtime's handle.
    let runtime = tokio::runtime::Runtime::new()?;
    let rt = runtime.handle();
    let t0 = Instant::now();

    // Each job starts as soon as it is handed over. `timed`/`timed_async` note each download's
    // start and end for `--timeline` (with `--live`/`--base-url`).
    let computes = [
        on_cpu_pool(move || compute_some(n)),
        on_cpu_pool(move || compute_some(n)),
        on_cpu_pool(move || compute_some(n)),
    ];
    let (c, u) = (client.clone(), url.clone());
    let d1 = on_runtime(rt, unsync::timed_async(download_some(c, u)));
    let (c, u) = (client.clone(), url.clone());
    let d2 = on_runtime(rt, unsync::timed_async(download_some(c, u)));
    let (c, u) = (blocking_client.clone(), url_more.clone());
    let d3 = on_thread(rt, move || unsync::timed(|| download_some_more(&c, &u)));
    let (c, u) = (blocking_client.clone(), url_more.clone());
    let d4 = on_thread(rt, move || unsync::timed(|| download_some_more(&c, &u)));
    let waits = [
        on_runtime(rt, wait_some(sleeps, time_scale, Arc::clone(&stop))),
        on_runtime(rt, wait_some(sleeps, time_scale, Arc::clone(&stop))),
        on_runtime(rt, wait_some(sleeps, time_scale, Arc::clone(&stop))),
        on_runtime(rt, wait_some(sleeps, time_scale, Arc::clone(&stop))),
    ];

    // `[t.result() for t in tasks]`: plain blocking calls, no `.await` in sight. `None` means the
    // job panicked (its message is already on stderr): a bug, reported as an error.
    let died = || anyhow::anyhow!("a job died without answering");
    let mut sum = 0.0;
    for compute in computes {
        sum += compute.result().ok_or_else(died)?;
    }
    let mut downloads = Vec::new();
    for (url, download) in [(&url, d1), (&url, d2), (&url_more, d3), (&url_more, d4)] {
        let (result, start, end) = download.result().ok_or_else(died)?;
        downloads.push(Download {
            url: url.clone(),
            result,
            start,
            end,
        });
    }
    for wait in waits {
        wait.result().ok_or_else(died)?;
    }
    black_box(sum);

    let interrupted = stop.load(Ordering::SeqCst);
    if interrupted {
        interrupt::announce();
    }
    println!(
        "Synchronous version done in {} seconds.",
        fmt::secs(t0.elapsed().as_secs_f64())
    );
    Ok(unsync::finish(
        &downloads,
        &source,
        args.timeline.timeline,
        interrupted,
    ))
}

/// The answer to a job running somewhere else (a rayon thread, a blocking thread, a task on a
/// runtime's thread), collected from plain synchronous code with [`Pending::result`], like
/// unsync's `Unfuture.result()`. It is a one-shot channel: the job sends its result, `result()`
/// blocks until it arrives.
#[derive(Debug)]
struct Pending<T> {
    rx: mpsc::Receiver<T>,
}

impl<T> Pending<T> {
    /// A pending result and the sender that completes it.
    fn new() -> (mpsc::SyncSender<T>, Pending<T>) {
        let (tx, rx) = mpsc::sync_channel(1);
        (tx, Pending { rx })
    }

    /// Blocks the calling thread until the job is done. `None` if the job died (panicked)
    /// without answering.
    fn result(self) -> Option<T> {
        self.rx.recv().ok()
    }
}

/// `@unsync(cpu_bound=True)`: CPU work on a rayon pool thread (unsync used a process).
fn on_cpu_pool<T: Send + 'static>(job: impl FnOnce() -> T + Send + 'static) -> Pending<T> {
    let (tx, pending) = Pending::new();
    rayon::spawn(move || {
        let _ = tx.send(job());
    });
    pending
}

/// `@unsync` on a plain `def`: blocking work on one of the runtime's blocking threads, where
/// waiting is allowed (unsync runs it on a thread pool).
fn on_thread<T: Send + 'static>(
    rt: &Handle,
    job: impl FnOnce() -> T + Send + 'static,
) -> Pending<T> {
    let (tx, pending) = Pending::new();
    rt.spawn_blocking(move || {
        let _ = tx.send(job());
    });
    pending
}

/// `@unsync` on an `async def`: a task on the runtime's background threads.
fn on_runtime<T: Send + 'static>(
    rt: &Handle,
    job: impl Future<Output = T> + Send + 'static,
) -> Pending<T> {
    let (tx, pending) = Pending::new();
    rt.spawn(async move {
        let _ = tx.send(job.await);
    });
    pending
}

/// The course's `compute_some`: `iterations` square roots of `25**25 + 0.01`.
fn compute_some(iterations: u64) -> f64 {
    println!("Computing...");
    // `black_box` hides the constant from the optimiser, which would otherwise compute the root
    // once at compile time and delete the loop; the sum is returned so the work stays observable.
    let x = 25f64.powi(25) + 0.01;
    let mut sum = 0.0;
    for _ in 0..iterations {
        sum += black_box(x).sqrt();
    }
    sum
}

/// Async I/O: a truly async download, run by [`on_runtime`].
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

/// Blocking I/O: a plain blocking download, run by [`on_thread`].
fn download_some_more(client: &reqwest::blocking::Client, url: &str) -> reqwest::Result<usize> {
    println!("Downloading more ...");
    let text = client.get(url).send()?.error_for_status()?.text()?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compute_sums_the_roots() {
        let root = (25f64.powi(25) + 0.01).sqrt();
        assert_eq!(compute_some(0), 0.0);
        assert!((compute_some(1_000) - 1_000.0 * root).abs() / (1_000.0 * root) < 1e-9);
    }

    #[test]
    fn pending_delivers_from_another_thread() {
        let (tx, pending) = Pending::new();
        std::thread::spawn(move || tx.send(42).unwrap());
        assert_eq!(pending.result(), Some(42));
        let (tx, pending) = Pending::<u8>::new();
        drop(tx);
        assert_eq!(pending.result(), None, "a job that dies answers None");
    }
}
