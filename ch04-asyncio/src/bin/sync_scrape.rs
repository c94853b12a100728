//! Downloads ten talkpython.fm episode pages one after another and prints each page's title.
//!
//! Ports: [`web_scraping/sync_scrape/program.py`](https://github.com/talkpython/async-techniques-python-course/blob/master/src/04-asyncio/web_scraping/sync_scrape/program.py)
//!
//! Run: `cargo run -p ch04-asyncio --bin sync_scrape -- --timeline`
//!
//! Copy: `cargo add reqwest scraper anyhow anstream anstyle encoding_rs mime --features reqwest/blocking`
//!
//! Expect: for episodes 375–384, `Getting HTML for episode N`, a pause (300–500 ms from the
//! embedded site), `Getting TITLE for episode N` and `Title found: …`; `Done in ~4 sec.`; with
//! `--timeline`, a staircase: one request after another.
//!
//! Python vs Rust: reqwest's blocking client waits like `requests.get`. Where Python stops at the
//! first failed page, this reports it on stderr, goes on, and exits with 1. A `text/html` page with
//! no charset is read as UTF-8, where `requests` takes ISO-8859-1 and garbles `é` into `Ã©`.

use std::io::Read;
use std::process::ExitCode;
use std::time::Instant;

use anstyle::{AnsiColor, Style};
use clap::Parser;
use course_kit::cli::{Net, TimeScale, Timeline};
use course_kit::{http, site::Source};
use encoding_rs::{Encoding, UTF_8};
use mime::Mime;
use reqwest::blocking::Client;
use reqwest::header::{CONTENT_TYPE, HeaderMap};
use scraper::{Html, Selector};

/// The course's colours (colorama's Fore.YELLOW, Fore.CYAN), and red for a page that failed.
const YELLOW: Style = AnsiColor::Yellow.on_default();
const CYAN: Style = AnsiColor::Cyan.on_default();
const RED: Style = AnsiColor::Red.on_default();

/// The course's site, for `--live`.
const LIVE: &str = "https://talkpython.fm";
/// A page is read whole, so its size is capped: the server chooses it, the memory is ours.
const MAX_PAGE: usize = 4 << 20;

/// Downloads ten episode pages one at a time and prints their titles.
#[derive(Parser, Debug)]
#[command(name = "sync_scrape", version, long_about = None)]
struct Args {
    #[command(flatten)]
    net: Net,
    #[command(flatten)]
    time: TimeScale,
    #[command(flatten)]
    timeline: Timeline,
}

fn get_html(client: &Client, base: &str, episode_number: u32) -> anyhow::Result<String> {
    anstream::println!("{YELLOW}Getting HTML for episode {episode_number}{YELLOW:#}");

    let url = format!("{base}/{episode_number}");
    let resp = client.get(&url).send()?.error_for_status()?;
    let encoding = encoding(resp.headers()); // what `resp.text` decodes the page with

    let mut html = Vec::new(); // at most MAX_PAGE bytes, and one more to tell a longer page
    resp.take(MAX_PAGE as u64 + 1).read_to_end(&mut html)?;
    anyhow::ensure!(html.len() <= MAX_PAGE, "{url}: over {} MiB", MAX_PAGE >> 20);
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
    let client = http::blocking_client(args.net.timeout())?;

    let t0 = Instant::now();
    let failed = get_title_range(&client, &source.base(LIVE));
    let dt = t0.elapsed().as_secs_f64();
    println!("Done in {dt:.2} sec.");

    source.draw_timeline(args.timeline.timeline);
    Ok(ExitCode::from(u8::from(failed > 0))) // 1 when a page failed
}

/// Prints the title of episodes 375–384, each as soon as it is downloaded; returns how many failed.
fn get_title_range(client: &Client, base: &str) -> usize {
    let mut failed = 0;
    // The course's range: kept small, so as not to load talkpython.fm with `--live`.
    for n in 375..=384 {
        match get_html(client, base, n) {
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
    failed
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
