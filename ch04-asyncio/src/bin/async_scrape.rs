//! Starts all ten episode downloads at once, then prints the titles in episode order.
//!
//! Ports: src/04-asyncio/web_scraping/async_scrape/program.py
//!
//! Run: cargo run -p ch04-asyncio --bin async_scrape
//!
//! Expect: ten yellow `Getting HTML for episode N` lines at once, then for each episode in order a
//! cyan `Getting TITLE for episode N` and a white `Title found: …`; `Done in ~0.5 sec.`, about the
//! slowest single page instead of the sum of all ten (`sync_scrape` takes ~4 s). Add
//! `--one-at-a-time` to see the naive async version that gains nothing (~4 s again).
//!
//! Why awaiting each download in turn gains nothing: `for n in …{ get_html(n).await }` is async
//! code, but each future only starts when it is awaited, and the loop does not create the next
//! one until the previous has finished, so only one download is ever in flight. Speed comes from
//! having many requests *waiting at the same time*: spawn them all first, then await the results.
//!
//! Python vs Rust: futures are lazy. Calling `get_html(…)` in Rust runs nothing at all (in
//! Python it builds a coroutine that also waits); `tokio::spawn` is `asyncio.create_task`: it
//! hands the future to the runtime, which starts driving it right away.

use std::process::ExitCode;

use ch04_asyncio::scrape::{Episodes, Failure, LIVE_BASE, Report};
use clap::{CommandFactory, Parser};
use course_kit::cli::{Net, TimeScale};
use course_kit::{cprintln, http, style};
use reqwest::Client;
use reqwest::header::CONTENT_TYPE;
use tokio::task::JoinHandle;

/// Downloads episode pages concurrently and prints their titles in order.
#[derive(Parser, Debug)]
#[command(version, long_about = None)]
struct Args {
    #[command(flatten)]
    episodes: Episodes,
    #[command(flatten)]
    net: Net,
    #[command(flatten)]
    time: TimeScale,
    /// Await each download before starting the next (the variant that gains nothing)
    #[arg(long)]
    one_at_a_time: bool,
}

/// A running download: awaiting the handle gives the page, or why it failed.
type Download = JoinHandle<Result<String, Failure>>;

fn main() -> ExitCode {
    course_kit::exit::report(run())
}

// One thread is enough, as for asyncio's event loop: the time goes into waiting, not computing.
#[tokio::main(flavor = "current_thread")]
async fn run() -> anyhow::Result<ExitCode> {
    let args = Args::parse();
    let episodes = args
        .episodes
        .range_or_exit(Args::command().bin_name(env!("CARGO_BIN_NAME")));
    // Keep `source` alive while downloading: dropping it stops the embedded site.
    let source = args.net.source(args.time)?;
    // One client for all requests: it is cheap to clone and shares its connection pool.
    let client = http::client(&args.net)?;
    let live = source.is_live();

    let mut report = Report::start(episodes.clone().count());
    let work = async {
        if args.one_at_a_time {
            for n in episodes {
                let url = source.url_for(LIVE_BASE, &n.to_string());
                // Awaiting here means "start it and wait for it" before the next one exists.
                let html = get_html(client.clone(), url.clone(), n, live).await;
                report.page(n, &url, html);
            }
            return;
        }
        // Start every download first. Each spawned task begins as soon as this task next yields,
        // so all the requests are in flight while we wait for the first one.
        let tasks: Vec<(u32, String, Download)> = episodes
            .map(|n| {
                let url = source.url_for(LIVE_BASE, &n.to_string());
                let task = tokio::spawn(get_html(client.clone(), url.clone(), n, live));
                (n, url, task)
            })
            .collect();
        // Then collect the results in episode order: the later ones are often already done.
        for (n, url, task) in tasks {
            let html = task.await.unwrap_or_else(|e| {
                Err(Failure {
                    reason: format!("the download task failed: {e}"),
                    unreachable: false,
                })
            });
            report.page(n, &url, html);
        }
    };
    // Ctrl-C is just another future to wait for: whichever finishes first wins, and dropping the
    // other cancels it. (`Ok(())`: if no handler can be installed, that branch is just disabled.) Tasks still running stop when the runtime shuts down at the end of `run`.
    let interrupted = tokio::select! {
        () = work => false,
        Ok(()) = tokio::signal::ctrl_c() => true,
    };
    report.finish(interrupted)
}

async fn get_html(
    client: Client,
    url: String,
    episode: u32,
    live: bool,
) -> Result<String, Failure> {
    cprintln!(style::PRODUCER, "Getting HTML for episode {episode}");
    // Each `.await` is where this task waits for the network and other tasks run.
    let resp = client
        .get(&url)
        .send()
        .await
        .and_then(|r| r.error_for_status())
        .map_err(|e| Failure::from_reqwest(&e, live))?;
    Failure::check_html(resp.headers().get(CONTENT_TYPE))?;
    resp.text()
        .await
        .map_err(|e| Failure::from_reqwest(&e, live))
}
