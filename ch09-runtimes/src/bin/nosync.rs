//! Eleven jobs (compute, download, wait) run one after another: the slow baseline of the unsync
//! lesson.
//!
//! Ports: `src/09-built-on-asyncio/the_unsync/nosync.py`
//!
//! Run: `cargo run -p ch09-runtimes --release --bin nosync`
//!
//! Copy: `cargo add reqwest num-format --features reqwest/blocking`
//!
//! Expect: `Computing...` three times, `Downloading...` twice and `Downloading more ...` twice
//! (each followed by the page's size), `Waiting...` four times, then `Synchronous version done in
//! ~6 seconds.` (the course's wording, kept in all three programs so their last lines compare).
//! The time is almost all waiting: four downloads from the embedded site (0.3–0.5 s each) and four
//! times 999 sleeps of 1 ms. `--time-scale 0.01` shortens the waits; `--live` fetches the real
//! talkpython.fm and pythonbytes.fm pages. `--timeline` draws the four downloads as the embedded
//! site saw them: a staircase, never two at once. Ctrl-C ends the waits early, says
//! `Cancelled by Ctrl-C.` and still prints the time.
//!
//! Labels: the course prints `Downloaded (more) … characters.` from `download_some` and
//! `Downloaded … characters.` from `download_some_more`, the other way round from their
//! `Downloading...` and `Downloading more ...` lines (a slip in the course, it seems). The three
//! unsync programs keep the logical labels, `(more)` on the download that says `more`, so that
//! each line tells which page it reports.
//!
//! Python vs Rust: the compute jobs take ~1 s each in Python and ~20 ms here, so in Rust this
//! program is about waiting, and that is what `presync` and `thesync` attack.

use std::hint::black_box;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use ch09_runtimes::unsync::{self, Download, Jobs, PAGE, PAGE_LIVE, PAGE_MORE, PAGE_MORE_LIVE};
use clap::Parser;
use course_kit::cli::{Net, TimeScale, Timeline};
use course_kit::site::Source;
use course_kit::{fmt, interrupt};
use num_format::{Locale, ToFormattedString};

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
    // Started before the clock, like the course's real sites which are always up.
    let source = Source::from_flags(&args.net, args.time.time_scale)?;
    let url = source.url_for(PAGE_LIVE, PAGE);
    let url_more = source.url_for(PAGE_MORE_LIVE, PAGE_MORE);
    let client = course_kit::http::blocking_client(args.net.timeout())?;
    let (n, sleeps, time_scale) = (args.jobs.iterations, args.jobs.sleeps, args.time.time_scale);
    let t0 = Instant::now();

    let mut sum = 0.0;
    sum += compute_some(n);
    sum += compute_some(n);
    sum += compute_some(n);
    // `timed` notes each download's start and end for `--timeline` (with `--live`/`--base-url`).
    let downloads = [
        (&url, unsync::timed(|| download_some(&client, &url))),
        (&url, unsync::timed(|| download_some(&client, &url))),
        (
            &url_more,
            unsync::timed(|| download_some_more(&client, &url_more)),
        ),
        (
            &url_more,
            unsync::timed(|| download_some_more(&client, &url_more)),
        ),
    ];
    wait_some(sleeps, time_scale, &stop);
    wait_some(sleeps, time_scale, &stop);
    wait_some(sleeps, time_scale, &stop);
    wait_some(sleeps, time_scale, &stop);
    // The sum is the compute jobs' result: using it keeps the optimiser from deleting them.
    black_box(sum);

    let interrupted = stop.load(Ordering::SeqCst);
    if interrupted {
        interrupt::announce();
    }
    println!(
        "Synchronous version done in {} seconds.",
        fmt::secs(t0.elapsed().as_secs_f64())
    );
    let downloads: Vec<Download> = downloads
        .into_iter()
        .map(|(url, (result, start, end))| Download {
            url: url.clone(),
            result,
            start,
            end,
        })
        .collect();
    Ok(unsync::finish(
        &downloads,
        &source,
        args.timeline.timeline,
        interrupted,
    ))
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

/// GETs the talkpython.fm page; its length in characters.
fn download_some(client: &reqwest::blocking::Client, url: &str) -> reqwest::Result<usize> {
    println!("Downloading...");
    let text = client.get(url).send()?.error_for_status()?.text()?;
    let chars = text.chars().count();
    println!(
        "Downloaded {} characters.",
        chars.to_formatted_string(&Locale::en)
    );
    Ok(chars)
}

/// GETs the pythonbytes.fm page; its length in characters.
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
fn wait_some(sleeps: u32, time_scale: f64, stop: &AtomicBool) {
    println!("Waiting...");
    let start = Instant::now();
    for i in 1..=sleeps {
        if stop.load(Ordering::Relaxed) {
            return;
        }
        // Until the i-th millisecond mark, not "1 ms from now", as in presync and thesync: tokio's
        // timer rounds every deadline up to its next 1 ms tick, so 999 separate 1 ms sleeps take
        // ~2 s there against ~1.06 s for a thread. Fixed marks make one wait take ~1 s in every
        // program, sync or async, so the three compare concurrency, not timer rounding.
        let mark = start + Duration::from_secs_f64(0.001 * f64::from(i) * time_scale);
        std::thread::sleep(mark.saturating_duration_since(Instant::now()));
    }
}
