//! Downloads ten talkpython.fm episode pages one after another and prints each page's title.
//!
//! Ports: `src/04-asyncio/web_scraping/sync_scrape/program.py`
//!
//! Run: `cargo run -p ch04-asyncio --bin sync_scrape`
//!
//! Copy: `cargo add reqwest scraper anstream anstyle --features reqwest/blocking`
//!
//! Expect: for each episode 375..=384, a yellow `Getting HTML for episode N`, a pause while the
//! page downloads (300–500 ms from the embedded site), a cyan `Getting TITLE for episode N` and
//! `Title found: …`; then `Done in ~4 sec.`. `--live` fetches the real talkpython.fm,
//! `--first`/`--last` change the range. Any text body is a page, whatever its `Content-Type`
//! (requests + BeautifulSoup parse whatever arrives); a body that is not text is reported as
//! such. A page that fails is reported on its own line, the others are still fetched, and the
//! program exits with 1. `--timeline` then draws what the server saw: a staircase, one request
//! after another. Ctrl-C stops it with its summary and exit code 130.
//!
//! Python vs Rust: nothing differs yet. reqwest's blocking client waits for each response exactly
//! like `requests.get`, so the time is the sum of all the latencies. `async_scrape` is this file
//! with the download made async and all of them started at once (`diff` the two).

use std::ops::RangeInclusive;
use std::process::ExitCode;
use std::sync::atomic::Ordering;
use std::time::Instant;

use anstyle::{AnsiColor, Style};
use clap::{CommandFactory, Parser};
use course_kit::cli::{Net, TimeScale, Timeline};
use course_kit::site::Source;
use course_kit::timeline::{self, Rows, Span};
use course_kit::{http, interrupt};
use reqwest::blocking::Client;
use scraper::{Html, Selector};

/// The course's colour for downloads (colorama's Fore.YELLOW).
const PRODUCER: Style = AnsiColor::Yellow.on_default();
/// The course's colour for parsing (Fore.CYAN).
const CONSUMER: Style = AnsiColor::Cyan.on_default();
/// A page that failed.
const ERROR: Style = AnsiColor::Red.on_default();

/// The course's site; `--live` fetches `https://talkpython.fm/{n}`.
const LIVE_BASE: &str = "https://talkpython.fm";

/// Downloads episode pages one at a time and prints their titles.
#[derive(Parser, Debug)]
#[command(version, long_about = None)]
struct Args {
    /// First episode number to fetch
    #[arg(long, value_name = "N", default_value_t = 375,
          value_parser = clap::value_parser!(u32).range(1..=100_000))]
    first: u32,
    /// Last episode number to fetch (inclusive; at most 1,000 pages in one run)
    #[arg(long, value_name = "N", default_value_t = 384,
          value_parser = clap::value_parser!(u32).range(1..=100_000))]
    last: u32,
    #[command(flatten)]
    net: Net,
    #[command(flatten)]
    time: TimeScale,
    #[command(flatten)]
    timeline: Timeline,
}

impl Args {
    /// `--first..=--last`, or clap's usual one-line error and exit code 2.
    fn episodes(&self) -> RangeInclusive<u32> {
        let problem = if self.last < self.first {
            format!(
                "--last ({}) must not be below --first ({})",
                self.last, self.first
            )
        } else if self.last - self.first >= 1000 {
            "at most 1,000 episodes in one run".to_owned()
        } else {
            return self.first..=self.last;
        };
        Args::command()
            .bin_name(env!("CARGO_BIN_NAME"))
            .error(clap::error::ErrorKind::ValueValidation, problem)
            .exit()
    }
}

/// Why a page could not be used.
#[derive(Debug)]
enum PageError {
    /// The request failed: no connection, an error status, a timeout, a body cut short.
    Http(reqwest::Error),
    /// The body is not text, so it is no page.
    NotText,
}

fn main() -> ExitCode {
    course_kit::exit::quiet_broken_pipe();
    course_kit::exit::report(run())
}

fn run() -> anyhow::Result<ExitCode> {
    let args = Args::parse();
    let episodes = args.episodes();
    // Ctrl-C sets this flag instead of ending the process, so the summary still prints.
    let stop = interrupt::flag();
    // Keep `source` alive while downloading: dropping it stops the embedded site.
    let source = Source::from_flags(&args.net, args.time.time_scale)?;
    let client = http::blocking_client(args.net.timeout())?;
    let live = source.is_live();
    // Why a page failed, in one line.
    let reason = |err: PageError| match err {
        PageError::Http(err) => http::describe(&err, live),
        PageError::NotText => "the response is not text".to_owned(),
    };

    let t0 = Instant::now();
    let (mut fetched, mut failed, mut spans) = (0, Vec::new(), Vec::new());
    let mut interrupted = false;
    for n in episodes.clone() {
        if stop.load(Ordering::SeqCst) {
            interrupted = true;
            break;
        }
        let url = source.url_for(LIVE_BASE, &n.to_string());
        let (html, start, end) = timed(|| get_html(&client, &url, n));
        spans.push(Span::between(format!("/{n}"), t0, start, end));
        let unreachable = matches!(&html, Err(PageError::Http(e)) if e.is_connect());
        if !show_title(n, &url, html.map_err(reason)) {
            failed.push(n);
        }
        fetched += 1;
        // Without a network every live page would fail the same way, one slow timeout after
        // another: say so once and stop.
        if live && unreachable {
            anstream::eprintln!(
                "{ERROR}Cannot reach {LIVE_BASE}; skipping the other pages.{ERROR:#}"
            );
            break;
        }
    }
    println!("Done in {:.2} sec.", t0.elapsed().as_secs_f64());

    if args.timeline.timeline {
        match source.site() {
            // The embedded site saw every request arrive and its last byte leave.
            Some(site) => timeline::print(&site.spans(), Rows::Requests),
            None => {
                let flag = if live { "--live" } else { "--base-url" };
                println!(
                    "--timeline: no local server to ask with {flag}; drawing the client's own start and end times"
                );
                timeline::print(&spans, Rows::Requests);
            }
        }
    }
    if interrupted {
        interrupt::announce();
    }
    if !failed.is_empty() {
        let list: Vec<String> = failed.iter().map(u32::to_string).collect();
        let planned = episodes.count();
        let skipped = match planned - fetched {
            0 => String::new(),
            n => format!("; {n} not fetched"),
        };
        anyhow::bail!(
            "{} of {planned} pages failed (episodes {}){skipped}",
            failed.len(),
            list.join(", ")
        );
    }
    Ok(if interrupted {
        interrupt::exit_code()
    } else {
        ExitCode::SUCCESS
    })
}

/// Runs `f` and notes when it started and ended (the client's own view, for `--timeline`).
fn timed<T>(f: impl FnOnce() -> T) -> (T, Instant, Instant) {
    let start = Instant::now();
    let out = f();
    (out, start, Instant::now())
}

/// Downloads one page and returns its text.
fn get_html(client: &Client, url: &str, episode: u32) -> Result<String, PageError> {
    anstream::println!("{PRODUCER}Getting HTML for episode {episode}{PRODUCER:#}");
    // Blocks this thread until the whole response has arrived (or failed).
    let resp = client
        .get(url)
        .send()
        .and_then(|r| r.error_for_status())
        .map_err(PageError::Http)?;
    let body = resp.bytes().map_err(PageError::Http)?;
    text(&body).ok_or(PageError::NotText)
}

/// The body as text, whatever its `Content-Type` says: servers send HTML as
/// `application/octet-stream` or with no type at all. Text is valid UTF-8 without a NUL byte;
/// anything else (an image, a zip) is `None`.
fn text(body: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?;
    (!text.contains('\0')).then(|| text.to_owned())
}

/// The course's title rule: the text of the first `<h1>`, stripped (inner runs of whitespace
/// become one space); `None` when the page has no `<h1>`.
fn get_title(html: &str, episode: u32) -> Option<String> {
    anstream::println!("{CONSUMER}Getting TITLE for episode {episode}{CONSUMER:#}");
    let h1 = Selector::parse("h1").expect("`h1` is a valid selector");
    let text: String = Html::parse_document(html)
        .select(&h1)
        .next()?
        .text()
        .collect();
    Some(text.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// Prints the page's title the course's way. False when there was none: the reason goes to
/// stderr.
fn show_title(episode: u32, url: &str, html: Result<String, String>) -> bool {
    match html.map(|html| get_title(&html, episode)) {
        Ok(Some(title)) => {
            println!("Title found: {title}");
            true
        }
        Ok(None) => {
            println!("Title found: MISSING");
            anstream::eprintln!("{ERROR}Episode {episode}: no <h1> in {url}{ERROR:#}");
            false
        }
        Err(reason) => {
            anstream::eprintln!("{ERROR}Episode {episode}: {url}: {reason}{ERROR:#}");
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_title_is_the_first_h1_stripped() {
        let page = "<html><body><h2>x</h2><h1>\n  Hello <b>as</b>ync  world \n</h1><h1>no</h1></body></html>";
        assert_eq!(get_title(page, 1).as_deref(), Some("Hello async world"));
        assert_eq!(get_title("<p>none</p>", 1), None);
        assert_eq!(get_title("<h1>  </h1>", 1).as_deref(), Some(""));
    }

    #[test]
    fn any_text_is_a_page_and_nothing_else_is() {
        assert_eq!(text(b"<h1>hi</h1>").as_deref(), Some("<h1>hi</h1>"));
        assert_eq!(text("caf\u{e9}".as_bytes()).as_deref(), Some("caf\u{e9}"));
        assert_eq!(text(b"\xff\xfe<h1>"), None, "invalid UTF-8");
        assert_eq!(text(b"PK\x03\x04\0\0"), None, "a NUL byte");
    }
}
