//! Mixed mode done right: compute on a CPU pool, the blocking download on a blocking thread, the
//! async download and the waits on a runtime in the background; results from plain sync code.
//!
//! Ports: <https://github.com/talkpython/async-techniques-python-course/blob/master/src/09-built-on-asyncio/the_unsync/thesync.py>
//!
//! Run: `cargo run -p ch09-runtimes --release --bin thesync -- --timeline`
//!
//! Copy: `cargo add tokio rayon reqwest anyhow futures num-format encoding_rs mime --features tokio/rt-multi-thread,tokio/macros,tokio/sync,tokio/time,reqwest/blocking`
//!
//! Expect: every job starts at once, then `Synchronous version done in ~1 seconds.` (the slowest
//! job alone), against ~6 s for `nosync` and ~2 s for `presync`; the downloads drawn overlapping.
//!
//! Python vs Rust: no decorator picks where a job runs: `main` hands each one over, with rayon for
//! `@unsync(cpu_bound=True)` (threads, as there is no GIL), `spawn_blocking` for a plain `def`,
//! `spawn` for an `async def`. `diff` it with `presync` to see what changes.

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
use futures::future::try_join_all;
use mime::Mime;
use num_format::{Locale, ToFormattedString};
use reqwest::header::{CONTENT_TYPE, HeaderMap};
use tokio::runtime::Builder;
use tokio::sync::oneshot; // the CPU pool's answers

/// A page is read whole, so its size is capped: the server chooses it, the memory is ours.
const MAX_PAGE: usize = 4 << 20;

/// Runs each job where it belongs: CPU pool, blocking thread, or async runtime.
#[derive(Parser, Debug)]
#[command(name = "thesync", version, long_about = None)]
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
    let async_client = course_kit::http::client(args.net.timeout())?;
    let (n, ms) = (args.jobs.iterations, args.time.secs(0.001));
    let t0 = Instant::now();

    // unsync's loop on a background thread: worker threads run each task once it is spawned.
    let rt = Builder::new_multi_thread().enable_all().build()?;
    // Each job handed over where `@unsync` would run it (see the header), and started at once.
    let computes = [
        on_cpu_pool(move || compute_some(n)),
        on_cpu_pool(move || compute_some(n)),
        on_cpu_pool(move || compute_some(n)),
    ];
    let (c1, u1) = (client.clone(), url_more.clone());
    let (c2, u2) = (client.clone(), url_more.clone());
    let downloads = [
        rt.spawn(download_some(async_client.clone(), url.clone())),
        rt.spawn(download_some(async_client.clone(), url.clone())),
        rt.spawn_blocking(move || download_some_more(&c1, &u1)),
        rt.spawn_blocking(move || download_some_more(&c2, &u2)),
    ];
    let waits = [
        rt.spawn(wait_some(ms)),
        rt.spawn(wait_some(ms)),
        rt.spawn(wait_some(ms)),
        rt.spawn(wait_some(ms)),
    ];
    // `[t.result() for t in tasks]`: `block_on` only waits here, as every job already runs.
    rt.block_on(try_join_all(computes))?;
    let downloads = rt.block_on(try_join_all(downloads))?;
    rt.block_on(try_join_all(waits))?;

    let dt = t0.elapsed().as_secs_f64();
    println!("Synchronous version done in {dt:.2} seconds.");
    source.draw_timeline(args.timeline.timeline);
    Ok(unsync::report(&downloads, source.is_live()))
}

/// `@unsync(cpu_bound=True)`: runs `job` on rayon's pool, one thread per core (unsync starts
/// a process), and returns at once: the channel says when the job is done.
fn on_cpu_pool(job: impl FnOnce() + Send + 'static) -> oneshot::Receiver<()> {
    let (done, rx) = oneshot::channel();
    rayon::spawn(move || {
        job();
        let _ = done.send(());
    });
    rx
}

/// A plain function again, run on the CPU pool.
fn compute_some(iterations: u64) {
    println!("Computing...");
    for _ in 1..iterations {
        // `black_box` in: the root is not computed once at compile time; out: nor thrown away.
        black_box(black_box(25f64.powi(25) + 0.01).sqrt());
    }
}

/// Truly async, reading the page as it comes; the runtime runs other tasks meanwhile.
async fn download_some(client: reqwest::Client, url: String) -> anyhow::Result<()> {
    println!("Downloading...");
    let mut resp = client.get(&url).send().await?.error_for_status()?;
    let encoding = encoding(resp.headers()); // what `resp.text` decodes the page with

    let mut page = Vec::new(); // refused as soon as it grows past MAX_PAGE bytes
    // reqwest's errors name the URL, but not a body's: the context does.
    while let Some(chunk) = resp.chunk().await.with_context(|| url.clone())? {
        page.extend_from_slice(&chunk);
        anyhow::ensure!(page.len() <= MAX_PAGE, "{url}: over {} MiB", MAX_PAGE >> 20);
    }
    let text = encoding.decode(&page).0;

    let chars = text.chars().count().to_formatted_string(&Locale::en);
    println!("Downloaded {chars} characters.");
    Ok(())
}

/// A plain blocking function again, run on one of the runtime's blocking threads.
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

/// `async`, and `.await`s each sleep: the runtime runs other tasks meanwhile.
async fn wait_some(ms: Duration) {
    println!("Waiting...");
    let start = Instant::now();
    for i in 1..1000 {
        // Until the i-th 1 ms mark, not 1 ms from now: tokio rounds a lone 1 ms sleep up to ~2 ms,
        // and fixed marks make one wait ~1 s in all three programs, so they compare overlap.
        tokio::time::sleep_until((start + i * ms).into()).await;
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
