//! Downloads ten talkpython.fm episode pages one after another and prints each page's title.
//!
//! Ports: src/04-asyncio/web_scraping/sync_scrape/program.py
//!
//! Run: cargo run -p ch04-asyncio --bin sync_scrape
//!
//! Expect: for each episode 375..=384, a yellow `Getting HTML for episode N`, a pause while the
//! page downloads (300–500 ms from the embedded site), a cyan `Getting TITLE for episode N` and a
//! white `Title found: …`; then `Done in ~4 sec.`. `--live` fetches the real talkpython.fm,
//! `--first`/`--last` change the range. A page that fails is reported on its own line, the others
//! are still fetched, and the program exits with 1.
//!
//! Python vs Rust: nothing differs yet. reqwest's blocking client waits for each response exactly
//! like `requests.get`, so the time is the sum of all the latencies; `async_scrape` overlaps them.

use std::process::ExitCode;
use std::sync::atomic::Ordering;

use ch04_asyncio::scrape::{Episodes, Failure, LIVE_BASE, Report};
use clap::{CommandFactory, Parser};
use course_kit::cli::{Net, TimeScale};
use course_kit::{ceprintln, cprintln, http, interrupt, style};
use reqwest::blocking::Client;
use reqwest::header::CONTENT_TYPE;

/// Downloads episode pages one at a time and prints their titles.
#[derive(Parser, Debug)]
#[command(version, long_about = None)]
struct Args {
    #[command(flatten)]
    episodes: Episodes,
    #[command(flatten)]
    net: Net,
    #[command(flatten)]
    time: TimeScale,
}

fn main() -> ExitCode {
    course_kit::exit::report(run())
}

fn run() -> anyhow::Result<ExitCode> {
    let args = Args::parse();
    let episodes = args
        .episodes
        .range_or_exit(Args::command().bin_name(env!("CARGO_BIN_NAME")));
    // Keep `source` alive while downloading: dropping it stops the embedded site.
    let source = args.net.source(args.time)?;
    let client = http::blocking_client(&args.net)?;
    // Ctrl-C sets this flag instead of killing the process, so we can still print the summary.
    let stop = interrupt::flag();

    let mut report = Report::start(episodes.clone().count());
    for n in episodes {
        if stop.load(Ordering::SeqCst) {
            return report.finish(true);
        }
        let url = source.url_for(LIVE_BASE, &n.to_string());
        let html = get_html(&client, &url, n, source.is_live());
        // Without a network every live page would fail the same way, one slow timeout after
        // another: say so once and stop.
        if let Err(Failure {
            unreachable: true, ..
        }) = &html
            && source.is_live()
        {
            report.page(n, &url, html);
            ceprintln!(
                style::ERROR,
                "Cannot reach {LIVE_BASE}; skipping the other pages."
            );
            return report.finish(false);
        }
        report.page(n, &url, html);
    }
    report.finish(false)
}

fn get_html(client: &Client, url: &str, episode: u32, live: bool) -> Result<String, Failure> {
    cprintln!(style::PRODUCER, "Getting HTML for episode {episode}");
    // Blocks this thread until the whole response has arrived (or failed).
    let resp = client
        .get(url)
        .send()
        .and_then(|r| r.error_for_status())
        .map_err(|e| Failure::from_reqwest(&e, live))?;
    Failure::check_html(resp.headers().get(CONTENT_TYPE))?;
    resp.text().map_err(|e| Failure::from_reqwest(&e, live))
}
