//! Eleven jobs (compute, download, wait) run one after another: the slow baseline of the unsync lesson.
//!
//! Ports: src/09-built-on-asyncio/the_unsync/nosync.py
//!
//! Run: cargo run -p ch09-runtimes --release --bin nosync
//!
//! Expect: `Computing...` three times, `Downloading...` twice and `Downloading more ...` twice
//! (each followed by the page's size), `Waiting...` four times, then `Synchronous version done in
//! ~6 seconds.` (the course's wording, kept in all three programs so their last lines compare).
//! The time is almost all waiting: four downloads from the embedded site (0.3–0.5 s each) and four
//! times 999 sleeps of 1 ms. `--time-scale 0.01` shortens the waits; `--live` fetches the real
//! talkpython.fm and pythonbytes.fm pages.
//!
//! Python vs Rust: the compute jobs take ~1 s each in Python and ~20 ms here, so in Rust this
//! program is about waiting, and that is what `presync` and `thesync` attack.

use std::hint::black_box;
use std::process::ExitCode;
use std::time::Instant;

use ch09_runtimes::unsync::{self, Failure, Jobs};
use clap::Parser;
use course_kit::cli::{Net, TimeScale};
use course_kit::{cprintln, fmt, interrupt, style};

/// Runs compute, downloads and waits in sequence (the baseline for presync and thesync).
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
    // Started before the clock, like the course's real sites which are always up.
    let source = args.net.source(args.time)?;
    let (url, url_more) = unsync::urls(&source);
    let live = source.is_live();
    let client = unsync::blocking_client(&args.net)?;
    let stop = interrupt::flag();
    let t0 = Instant::now();

    let mut sum = 0.0;
    for _ in 0..3 {
        sum += compute_some(args.jobs.iterations);
    }
    let downloads = [
        download_some(&client, &url, live),
        download_some(&client, &url, live),
        download_some_more(&client, &url_more, live),
        download_some_more(&client, &url_more, live),
    ];
    for _ in 0..4 {
        wait_some(args.jobs.sleeps, args.time);
    }
    // The sum is the compute jobs' result: using it keeps the optimiser from deleting them.
    black_box(sum);

    let interrupted = stop.load(std::sync::atomic::Ordering::SeqCst);
    if interrupted {
        cprintln!(style::WARN, "Interrupted by Ctrl-C.");
    }
    println!(
        "Synchronous version done in {} seconds.",
        fmt::secs(t0.elapsed().as_secs_f64())
    );
    Ok(unsync::finish(&downloads, interrupted))
}

fn compute_some(iterations: u64) -> f64 {
    println!("Computing...");
    unsync::compute(iterations)
}

fn download_some(
    client: &reqwest::blocking::Client,
    url: &str,
    live: bool,
) -> Result<usize, Failure> {
    println!("Downloading...");
    let chars = unsync::download_blocking(client, url, live)?;
    println!("Downloaded {} characters.", fmt::thousands(chars));
    Ok(chars)
}

fn download_some_more(
    client: &reqwest::blocking::Client,
    url: &str,
    live: bool,
) -> Result<usize, Failure> {
    println!("Downloading more ...");
    let chars = unsync::download_blocking(client, url, live)?;
    println!("Downloaded (more) {} characters.", fmt::thousands(chars));
    Ok(chars)
}

fn wait_some(sleeps: u32, time: TimeScale) {
    println!("Waiting...");
    let start = Instant::now();
    for i in 1..=sleeps {
        if interrupt::requested() {
            return;
        }
        // Until the next 1 ms mark, not "1 ms from now": see `unsync::tick`.
        std::thread::sleep(unsync::tick(start, i, time).saturating_duration_since(Instant::now()));
    }
}
