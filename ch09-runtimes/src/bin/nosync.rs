//! Eleven jobs (compute, download, wait) run one after another: the slow baseline of the unsync
//! lesson.
//!
//! Ports: <https://github.com/talkpython/async-techniques-python-course/blob/master/src/09-built-on-asyncio/the_unsync/nosync.py>
//!
//! Run: `cargo run -p ch09-runtimes --release --bin nosync -- --timeline`
//!
//! Copy: `cargo add reqwest anyhow num-format encoding_rs mime --features reqwest/blocking`
//!
//! Expect: `Computing...` 3×, `Downloading...` and `Downloading more ...` 2× each with the page's
//! size, `Waiting...` 4×, then `Synchronous version done in ~6 seconds.`; a staircase of downloads.
//!
//! Python vs Rust: a compute job takes ~25 ms here against ~1 s in Python, so this is about waiting.
//! The course prints `(more)` on the other download's line: here it goes with `Downloading more`.
//! `presync` makes the jobs async tasks.

use std::hint::black_box;
use std::io::Read as _;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use ch09_runtimes::unsync::{self, Jobs, PAGE, PAGE_LIVE, PAGE_MORE, PAGE_MORE_LIVE};
use clap::Parser;
use course_kit::cli::{Net, TimeScale, Timeline};
use course_kit::site::Source;
use encoding_rs::{Encoding, UTF_8};
use mime::Mime;
use num_format::{Locale, ToFormattedString};
use reqwest::header::{CONTENT_TYPE, HeaderMap};

/// A page is read whole, so its size is capped: the server chooses it, the memory is ours.
const MAX_PAGE: usize = 4 << 20;

/// Runs compute, downloads and waits in sequence (the baseline for presync and thesync).
#[derive(Parser, Debug)]
#[command(name = "nosync", version, long_about = None)]
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

fn main() -> anyhow::Result<ExitCode> {
    course_kit::exit::quiet_broken_pipe();
    let args = Args::parse();
    let source = Source::from_flags(&args.net, args.time.time_scale)?;
    let url = source.url_for(PAGE_LIVE, PAGE);
    let url_more = source.url_for(PAGE_MORE_LIVE, PAGE_MORE);
    let client = course_kit::http::blocking_client(args.net.timeout())?;
    let (n, ms) = (args.jobs.iterations, args.time.secs(0.001));
    let t0 = Instant::now();

    compute_some(n);
    compute_some(n);
    compute_some(n);
    let downloads = [
        download_some(&client, &url),
        download_some(&client, &url),
        download_some_more(&client, &url_more),
        download_some_more(&client, &url_more),
    ];
    wait_some(ms);
    wait_some(ms);
    wait_some(ms);
    wait_some(ms);

    let dt = t0.elapsed().as_secs_f64();
    println!("Synchronous version done in {dt:.2} seconds.");
    source.draw_timeline(args.timeline.timeline);
    Ok(unsync::report(&downloads, source.is_live()))
}

fn compute_some(iterations: u64) {
    println!("Computing...");
    for _ in 1..iterations {
        // `black_box` in: the root is not computed once at compile time; out: nor thrown away.
        black_box(black_box(25f64.powi(25) + 0.01).sqrt());
    }
}

fn download_some(client: &reqwest::blocking::Client, url: &str) -> anyhow::Result<()> {
    println!("Downloading...");
    let resp = client.get(url).send()?.error_for_status()?;
    let encoding = encoding(resp.headers()); // what `resp.text` decodes the page with

    let mut page = Vec::new(); // at most MAX_PAGE bytes, and one more to tell a longer page
    let read = resp.take(MAX_PAGE as u64 + 1).read_to_end(&mut page);
    read.with_context(|| url.to_owned())?; // reqwest's errors name the URL, but not a body's
    anyhow::ensure!(page.len() <= MAX_PAGE, "{url}: over {} MiB", MAX_PAGE >> 20);
    let text = encoding.decode(&page).0;

    let chars = text.chars().count().to_formatted_string(&Locale::en);
    println!("Downloaded {chars} characters.");
    Ok(())
}

fn download_some_more(client: &reqwest::blocking::Client, url: &str) -> anyhow::Result<()> {
    println!("Downloading more ...");
    let resp = client.get(url).send()?.error_for_status()?;
    let encoding = encoding(resp.headers()); // what `resp.text` decodes the page with

    let mut page = Vec::new(); // at most MAX_PAGE bytes, and one more to tell a longer page
    let read = resp.take(MAX_PAGE as u64 + 1).read_to_end(&mut page);
    read.with_context(|| url.to_owned())?; // reqwest's errors name the URL, but not a body's
    anyhow::ensure!(page.len() <= MAX_PAGE, "{url}: over {} MiB", MAX_PAGE >> 20);
    let text = encoding.decode(&page).0;

    let chars = text.chars().count().to_formatted_string(&Locale::en);
    println!("Downloaded (more) {chars} characters.");
    Ok(())
}

fn wait_some(ms: Duration) {
    println!("Waiting...");
    let start = Instant::now();
    for i in 1..1000 {
        // Until the i-th 1 ms mark, not 1 ms from now: tokio rounds a lone 1 ms sleep up to ~2 ms,
        // and fixed marks make one wait ~1 s in all three programs, so they compare overlap.
        std::thread::sleep((start + i * ms).saturating_duration_since(Instant::now()));
    }
}

/// The encoding reqwest's `text()` decodes a page with: the `Content-Type`'s charset, else UTF-8.
fn encoding(headers: &HeaderMap) -> &'static Encoding {
    let content_type = headers.get(CONTENT_TYPE).and_then(|t| t.to_str().ok());
    let mime: Option<Mime> = content_type.and_then(|t| t.parse().ok());
    let charset = mime.as_ref().and_then(|m| m.get_param(mime::CHARSET));
    let label = charset.map_or("utf-8", |c| c.as_str());
    Encoding::for_label(label.as_bytes()).unwrap_or(UTF_8)
}
