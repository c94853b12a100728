//! Starts all ten episode downloads at once, then prints the titles in episode order.
//!
//! Ports: `src/04-asyncio/web_scraping/async_scrape/program.py`
//!
//! Run: `cargo run -p ch04-asyncio --bin async_scrape`
//!
//! Copy: `cargo add tokio reqwest scraper anstream anstyle --features tokio/rt,tokio/macros`
//!
//! Expect: ten yellow `Getting HTML for episode N` lines at once, then for each episode in order a
//! cyan `Getting TITLE for episode N` and `Title found: …`; `Done in ~0.5 sec.`, about the
//! slowest single page instead of the sum of all ten (`sync_scrape` takes ~4 s). Add
//! `--one-at-a-time` to see the naive async version that gains nothing (~4 s again). Pages,
//! failures, `--live`, `--first`/`--last` and Ctrl-C as in `sync_scrape`; `--timeline` draws a
//! block: every request in flight at once.
//!
//! Why awaiting each download in turn gains nothing: `for n in …{ get_html(n).await }` is async
//! code, but each future only starts when it is awaited, and the loop does not create the next
//! one until the previous has finished, so only one download is ever in flight. Speed comes from
//! having many requests *waiting at the same time*: spawn them all first, then await the results.
//!
//! Python vs Rust: futures are lazy. Calling `get_html(…)` in Rust runs nothing at all (in
//! Python it builds a coroutine that also waits); `tokio::spawn` is `asyncio.create_task`: it
//! hands the future to the runtime, which starts driving it right away. This file is
//! `sync_scrape.rs` with the changed lines marked `// New:` (`diff` the two).

use std::future::Future;
use std::ops::RangeInclusive;
use std::process::ExitCode;
use std::time::Instant;

use anstyle::{AnsiColor, Style};
use clap::{CommandFactory, Parser};
use course_kit::cli::{Net, TimeScale, Timeline};
use course_kit::site::Source;
use course_kit::timeline::{self, Rows, Span};
use course_kit::{http, interrupt};
use reqwest::Client;
use scraper::{Html, Selector};

/// The course's colour for downloads (colorama's Fore.YELLOW).
const PRODUCER: Style = AnsiColor::Yellow.on_default();
/// The course's colour for parsing (Fore.CYAN).
const CONSUMER: Style = AnsiColor::Cyan.on_default();
/// A page that failed.
const ERROR: Style = AnsiColor::Red.on_default();

/// The course's site; `--live` fetches `https://talkpython.fm/{n}`.
const LIVE_BASE: &str = "https://talkpython.fm";

/// Downloads episode pages concurrently and prints their titles in order.
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
    /// Await each download before starting the next (the variant that gains nothing)
    #[arg(long)]
    one_at_a_time: bool,
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

// New: an async runtime. One thread is enough, as for asyncio's event loop: the time goes into
// waiting, not computing.
#[tokio::main(flavor = "current_thread")]
async fn run() -> anyhow::Result<ExitCode> {
    let args = Args::parse();
    let episodes = args.episodes();
    // Keep `source` alive while downloading: dropping it stops the embedded site.
    let source = Source::from_flags(&args.net, args.time.time_scale)?;
    // One client for all requests: it is cheap to clone and shares its connection pool.
    let client = http::client(args.net.timeout())?;
    let live = source.is_live();
    // Why a page failed, in one line.
    let reason = |err: PageError| match err {
        PageError::Http(err) => http::describe(&err, live),
        PageError::NotText => "the response is not text".to_owned(),
    };

    let t0 = Instant::now();
    let (mut fetched, mut failed, mut spans) = (0, Vec::new(), Vec::new());
    let work = async {
        if args.one_at_a_time {
            for n in episodes.clone() {
                let url = source.url_for(LIVE_BASE, &n.to_string());
                // Awaiting here means "start it and wait for it" before the next one exists.
                let (html, start, end) = timed(get_html(client.clone(), url.clone(), n)).await;
                spans.push(Span::between(format!("/{n}"), t0, start, end));
                if !show_title(n, &url, html.map_err(reason)) {
                    failed.push(n);
                }
                fetched += 1;
            }
            return Ok(());
        }
        // New: start every download first. Each spawned task begins as soon as this task next
        // yields, so all the requests are in flight while we wait for the first one.
        let tasks: Vec<_> = episodes
            .clone()
            .map(|n| {
                let url = source.url_for(LIVE_BASE, &n.to_string());
                let task = tokio::spawn(timed(get_html(client.clone(), url.clone(), n)));
                (n, url, task)
            })
            .collect();
        // New: then collect the results in episode order: the later ones are often done already.
        for (n, url, task) in tasks {
            let (html, start, end) = task.await?;
            spans.push(Span::between(format!("/{n}"), t0, start, end));
            if !show_title(n, &url, html.map_err(reason)) {
                failed.push(n);
            }
            fetched += 1;
        }
        anyhow::Ok(())
    };
    // New: Ctrl-C is one more future to wait for: whichever finishes first wins, and the other
    // is dropped, which cancels it. Downloads still running stop when the runtime shuts down.
    let interrupted = tokio::select! {
        done = work => {
            done?;
            false
        }
        Ok(()) = tokio::signal::ctrl_c() => true,
    };
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

/// Runs `fut` and notes when it started and ended (the client's own view, for `--timeline`).
async fn timed<T>(fut: impl Future<Output = T>) -> (T, Instant, Instant) {
    let start = Instant::now();
    let out = fut.await;
    (out, start, Instant::now())
}

/// Downloads one page and returns its text. New: async, and it owns its arguments, so that
/// the task running it can outlive the loop that spawned it.
async fn get_html(client: Client, url: String, episode: u32) -> Result<String, PageError> {
    anstream::println!("{PRODUCER}Getting HTML for episode {episode}{PRODUCER:#}");
    // New: each `.await` is where this task waits for the network and other tasks run.
    let resp = client
        .get(&url)
        .send()
        .await
        .and_then(|r| r.error_for_status())
        .map_err(PageError::Http)?;
    let body = resp.bytes().await.map_err(PageError::Http)?;
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
