//! Starts all ten episode downloads at once, then prints the titles in episode order.
//!
//! Ports: [`web_scraping/async_scrape/program.py`](https://github.com/talkpython/async-techniques-python-course/blob/master/src/04-asyncio/web_scraping/async_scrape/program.py)
//!
//! Run: `cargo run -p ch04-asyncio --bin async_scrape -- --timeline`
//!
//! Copy: `cargo add tokio reqwest scraper anyhow anstream anstyle encoding_rs mime --features tokio/rt-multi-thread,tokio/macros`
//!
//! Expect: ten `Getting HTML for episode N` lines at once, then per episode in order `Getting
//! TITLE…` and `Title found: …`; `Done in ~0.5 sec.`, the slowest page, not the sum of ten (see
//! `sync_scrape`); with `--timeline`, a block: every request in flight at once.
//!
//! Python vs Rust: as with a coroutine, calling `get_html(…)` runs none of it; a Rust future moves
//! only when polled, and `tokio::spawn` (`create_task`) hands it to the runtime, which polls it.
//! Failed pages as in `sync_scrape.rs`.

use std::process::ExitCode;
use std::time::Instant;

use anstyle::{AnsiColor, Style};
use clap::Parser;
use course_kit::cli::{Net, TimeScale, Timeline};
use course_kit::{http, site::Source};
use encoding_rs::{Encoding, UTF_8};
use mime::Mime;
use reqwest::Client; // the async client
use reqwest::header::{CONTENT_TYPE, HeaderMap};
use scraper::{Html, Selector};
use tokio::runtime::Builder;

/// The course's colours (colorama's Fore.YELLOW, Fore.CYAN), and red for a page that failed.
const YELLOW: Style = AnsiColor::Yellow.on_default();
const CYAN: Style = AnsiColor::Cyan.on_default();
const RED: Style = AnsiColor::Red.on_default();

/// The course's site, for `--live`.
const LIVE: &str = "https://talkpython.fm";
/// A page is read whole, so its size is capped: the server chooses it, the memory is ours.
const MAX_PAGE: usize = 4 << 20;

/// Downloads ten episode pages concurrently and prints their titles in order.
#[derive(Parser, Debug)]
#[command(name = "async_scrape", version, long_about = None)]
struct Args {
    #[command(flatten)]
    net: Net,
    #[command(flatten)]
    time: TimeScale,
    #[command(flatten)]
    timeline: Timeline,
}

// Async, and owning its arguments, so that its task may outlive the loop that spawned it.
async fn get_html(client: Client, base: String, episode_number: u32) -> anyhow::Result<String> {
    anstream::println!("{YELLOW}Getting HTML for episode {episode_number}{YELLOW:#}");

    let url = format!("{base}/{episode_number}");
    // Each `.await` is where this task waits for the network, and the others run.
    let mut resp = client.get(&url).send().await?.error_for_status()?;
    let encoding = encoding(resp.headers()); // what `resp.text` decodes the page with

    let mut html = Vec::new(); // refused as soon as it grows past MAX_PAGE bytes
    while let Some(chunk) = resp.chunk().await? {
        html.extend_from_slice(&chunk);
        anyhow::ensure!(html.len() <= MAX_PAGE, "{url}: over {} MiB", MAX_PAGE >> 20);
    }
    Ok(encoding.decode(&html).0.into_owned())
}

fn get_title(html: &str, episode_number: u32) -> String {
    anstream::println!("{CYAN}Getting TITLE for episode {episode_number}{CYAN:#}");
    let soup = Html::parse_document(html);
    let h1 = Selector::parse("h1").expect("`h1` is a valid selector");
    let Some(header) = soup.select(&h1).next() else {
        return "MISSING".to_owned();
    };

    // `header.text.strip()`: all the text inside, with only its ends stripped.
    header.text().collect::<String>().trim().to_owned()
}

fn main() -> anyhow::Result<ExitCode> {
    course_kit::exit::quiet_broken_pipe();
    let args = Args::parse();
    // The embedded site (unless `--base-url` or `--live`), serving for as long as `source` lives.
    let source = Source::from_flags(&args.net, args.time.time_scale)?;
    let client = http::client(args.net.timeout())?; // the async client

    let t0 = Instant::now();
    // The event loop. One thread is enough: the time goes into waiting, not computing.
    let event_loop = Builder::new_current_thread().enable_all().build()?;
    let failed = event_loop.block_on(get_title_range(&client, &source.base(LIVE)))?;
    let dt = t0.elapsed().as_secs_f64();
    println!("Done in {dt:.2} sec.");

    source.draw_timeline(args.timeline.timeline);
    Ok(ExitCode::from(u8::from(failed > 0))) // 1 when a page failed
}

/// Prints the title of episodes 375–384, in order; returns how many failed.
async fn get_title_range(client: &Client, base: &str) -> anyhow::Result<usize> {
    // Start every download first. Each task starts as soon as this one waits, so all the
    // requests are in flight while it waits for the first.
    let mut tasks = Vec::new();
    // The course's range: kept small, so as not to load talkpython.fm with `--live`.
    for n in 375..=384 {
        let download = get_html(client.clone(), base.to_owned(), n); // a future, not run yet
        tasks.push((n, tokio::spawn(download))); // a task: the runtime will poll it
    }

    let mut failed = 0;
    // Then wait for each in episode order: the later ones are often done already.
    for (n, task) in tasks {
        match task.await? {
            Ok(html) => {
                let title = get_title(&html, n);
                println!("Title found: {title}");
            }
            Err(err) => {
                anstream::eprintln!("{RED}Episode {n}: {err:#}{RED:#}");
                failed += 1;
            }
        }
    }
    Ok(failed)
}

/// The encoding reqwest's `text()` decodes a page with: the `Content-Type`'s charset, else UTF-8.
fn encoding(headers: &HeaderMap) -> &'static Encoding {
    let content_type = headers.get(CONTENT_TYPE).and_then(|t| t.to_str().ok());
    let mime: Option<Mime> = content_type.and_then(|t| t.parse().ok());
    let charset = mime.as_ref().and_then(|m| m.get_param(mime::CHARSET));
    let label = charset.map_or("utf-8", |c| c.as_str());
    Encoding::for_label(label.as_bytes()).unwrap_or(UTF_8)
}

#[cfg(test)]
mod tests {
    use super::get_title;

    #[test]
    fn the_title_is_the_first_h1_with_its_ends_stripped() {
        let page = "<h2>x</h2><h1>\n  #379: Python &amp; Rust:\n    <span>a love story</span>\n</h1><h1>no</h1>";
        assert_eq!(get_title(page, 1), "#379: Python & Rust:\n    a love story");
        assert_eq!(get_title("<p>none</p>", 1), "MISSING");
        assert_eq!(get_title("<h1>  </h1>", 1), "");
    }
}
