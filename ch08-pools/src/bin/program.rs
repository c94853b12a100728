//! Gets five sites' titles on a pool of worker processes (or threads, or rayon's), showing who ran each.
//!
//! Ports: [`src/08-execution-pools/program.py`](https://github.com/talkpython/async-techniques-python-course/blob/master/src/08-execution-pools/program.py)
//!
//! Run: `cargo run -p ch08-pools` (or `-- --executor threads`, `-- --workers 2 --timeline`)
//!
//! Copy: `cargo add anyhow clap encoding_rs mime procspawn rayon reqwest scraper serde url --features clap/derive,reqwest/blocking,serde/derive`, and this chapter's `src/executor.rs` as `mod executor;`
//!
//! Expect: five `Getting title from …, PID: …, ProcName: SpawnProcess-N` lines, `Waiting for
//! downloads...`, `Done`, the titles in submission order; pages from the embedded site (`--live`).
//!
//! Python vs Rust: Rust threads already run in parallel, so a process pool buys isolation, not
//! speed; the task is a plain `fn` with serde data (Python pickles). Failures are reported per
//! URL on stderr (Python raises). A worker is `SpawnProcess-N`, not Linux Python's `ForkProcess-N`
//! (each is this program started again); on threads, ProcName is the thread's name.

use std::io::Read;
use std::process::ExitCode;
use std::time::Duration;

use ch08_pools::executor::{self, Executor, PoolExecutor};
use ch08_pools::executor::{ProcessPoolExecutor, RayonExecutor, ThreadPoolExecutor};
use clap::{Parser, ValueEnum};
use course_kit::cli::{MAX_WORKERS, Net, TimeScale, Timeline};
use course_kit::site::{FRONT_PAGES, Source};
use encoding_rs::{Encoding, UTF_8};
use mime::Mime;
use reqwest::header::{CONTENT_TYPE, HeaderMap};
use scraper::{Html, Selector};

const URLS: [&str; 5] = [
    "https://talkpython.fm",
    "https://pythonbytes.fm",
    "https://google.com",
    "https://realpython.com",
    "https://training.talkpython.fm/",
];

/// A page is read whole, so its size is capped: the server chooses it, the memory is ours.
const MAX_PAGE: usize = 4 << 20;
/// A browser-like User-Agent, as the course sends: some sites refuse unknown clients.
const USER_AGENT: &str =
    "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0 async-techniques-rs";

/// Get the titles of five sites on a process, thread or rayon pool.
#[derive(Parser, Debug)]
#[command(name = "program", version, long_about = None)]
struct Args {
    /// Pages to get the titles of, instead of the course's five sites
    #[arg(value_name = "URL", value_parser = |s: &str| course_kit::cli::parse_http_url(s).map(|_| s.to_owned()), conflicts_with = "timeline")]
    urls: Vec<String>,
    /// Which pool runs the downloads
    #[arg(long, value_enum, default_value_t = Kind::Processes)]
    executor: Kind,
    /// Number of workers [default: Python's: one process per core, min(32, cores + 4) threads]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=MAX_WORKERS as i64))]
    workers: Option<u16>,
    #[command(flatten)]
    time: TimeScale,
    #[command(flatten)]
    net: Net,
    #[command(flatten)]
    timeline: Timeline,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Kind {
    /// Worker processes (the course's ProcessPoolExecutor)
    Processes,
    /// Threads of this process (the course's ThreadPoolExecutor)
    Threads,
    /// rayon's work-stealing threads, Rust's usual pool for CPU-bound work
    Rayon,
}

fn main() -> anyhow::Result<ExitCode> {
    // First, so that the worker processes end quietly too when `program | head` closes the pipe.
    course_kit::exit::quiet_broken_pipe();
    // A worker process runs this same executable: init() serves its tasks and never returns.
    procspawn::init();
    let args = Args::parse();
    let source = Source::from_flags(&args.net, args.time.time_scale)?;
    let base = source.base("");
    let urls = match &source {
        _ if !args.urls.is_empty() => args.urls,
        Source::Live => URLS.map(String::from).into(),
        _ => FRONT_PAGES.map(|host| format!("{base}/site/{host}")).into(),
    };

    // The course changes its import line to switch pools; here `--executor` picks one. Without
    // `--workers`, Python's defaults for `PoolExecutor()`: `min(32, cores + 4)` threads (they
    // mostly wait on I/O), one process per core.
    let cores = course_kit::cli::available_parallelism();
    let default = match args.executor {
        Kind::Threads => (cores + 4).min(32),
        Kind::Processes | Kind::Rayon => cores,
    };
    let n = args.workers.map_or(default, usize::from);
    let executor = match args.executor {
        Kind::Processes => PoolExecutor::Processes(ProcessPoolExecutor::new(n)?),
        Kind::Threads => PoolExecutor::Threads(ThreadPoolExecutor::new(n)?),
        Kind::Rayon => PoolExecutor::Rayon(RayonExecutor::new(n)?),
    };
    let mut work = Vec::new();
    for url in &urls {
        work.push(executor.submit(get_title, (url.clone(), args.net.timeout())));
    }
    println!("Waiting for downloads...");
    executor.shutdown(); // the end of Python's `with` block: waits for every task

    println!("Done");
    let mut failures = 0;
    for (f, url) in work.into_iter().zip(&urls) {
        match f.result().map_err(|e| e.to_string()).and_then(|t| t) {
            Ok(title) => println!("{title}"),
            Err(why) => {
                failures += 1;
                eprintln!("Could not get the title of {url}: {why}");
            }
        }
    }
    source.draw_timeline(args.timeline.timeline);
    Ok(ExitCode::from(u8::from(failures > 0))) // 1 when a title could not be fetched
}

/// Runs on a pool thread or in a worker process, so it takes and returns plain data: the URL and
/// the timeout; the title, or why there is none, as text (a `reqwest::Error` cannot travel).
fn get_title((url, timeout): (String, Duration)) -> Result<String, String> {
    let executor::Process { pid, name } = executor::current_process();
    let host = url.replace("https://", ""); // as the course prints it: `http://` stays
    println!("Getting title from {host}, PID: {pid}, ProcName: {name}");

    // A client cannot be sent to another process either: each task makes its own. On the async
    // builder, `timeout` bounds the whole download, body included; on a blocking one, each read.
    let whole_download = reqwest::Client::builder().timeout(timeout);
    let resp = reqwest::blocking::ClientBuilder::from(whole_download)
        .user_agent(USER_AGENT)
        .timeout(timeout)
        .build()
        .and_then(|client| client.get(&url).send())
        .and_then(reqwest::blocking::Response::error_for_status)
        .map_err(|e| describe(&e))?;
    let encoding = encoding(resp.headers()); // what `resp.text` decodes the page with

    let mut page = Vec::new(); // at most MAX_PAGE bytes, and one more to tell a longer page
    let read = resp.take(MAX_PAGE as u64 + 1).read_to_end(&mut page);
    // A read's error wraps reqwest's (a timeout, a cut connection): described as the others are.
    read.map_err(|e| match e.get_ref().and_then(|e| e.downcast_ref()) {
        Some(e) => describe(e),
        None => format!("the response broke off: {e}"),
    })?;
    if page.len() > MAX_PAGE {
        return Err(format!("over {} MiB", MAX_PAGE >> 20));
    }
    // Any body is a page, as BeautifulSoup parses what arrives: as in `text()`, bytes that are not
    // text in its encoding become U+FFFD.
    let html = encoding.decode(&page).0;

    let soup = Html::parse_document(&html);
    let Some(tag) = soup.select(&Selector::parse("h1").expect("valid")).next() else {
        return Ok("NONE".to_owned());
    };
    if tag.text().all(str::is_empty) {
        // Usually a logo: an image link, named by its title (its text is the heading's: empty).
        let a = tag.select(&Selector::parse("a").expect("valid")).next();
        return Ok(a.and_then(|a| a.attr("title")).unwrap_or("NONE").to_owned());
    }
    // `get_text(strip=True)`: each piece of text stripped, joined with nothing.
    Ok(tag.text().map(str::trim).collect())
}

/// A download error as one short line: `HTTP 404 Not Found`, `timed out`, `could not connect: …`.
fn describe(err: &reqwest::Error) -> String {
    // reqwest's own text is generic ("error sending request"); the innermost cause says why.
    let mut cause: &dyn std::error::Error = err;
    while let Some(next) = cause.source() {
        cause = next;
    }
    match err.status() {
        Some(status) => format!("HTTP {status}"),
        None if err.is_timeout() => "timed out".to_owned(),
        None if err.is_connect() => format!("could not connect: {cause}"),
        None if err.is_body() || err.is_decode() => format!("the response broke off: {cause}"),
        None => cause.to_string(),
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
