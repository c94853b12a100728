//! Gets the titles of five web sites on a pool of worker processes (or threads, or rayon: one
//! line switches), and shows which process ran each download.
//!
//! Ports: `src/08-execution-pools/program.py`
//!
//! Run: `cargo run -p ch08-pools --bin program`
//!
//! Copy: `cargo add procspawn rayon reqwest scraper serde anstream anstyle --features reqwest/blocking,serde/derive`,
//! plus this chapter's `src/executor.rs` as `mod executor;` (it is to this file what
//! `concurrent.futures` is to the Python one)
//!
//! Expect: five `Getting title from {host}, PID: {pid}, ProcName: {name}` lines, `Waiting for
//! downloads...`, `Done`, then the five titles in the order they were submitted. By default the
//! pool is made of processes, as in the course: every PID is a worker process's, not the
//! program's. With `--executor threads` or `--executor rayon` every PID is the program's own and
//! the names are thread names. The pages come from the embedded local site (about half a second
//! each); `--live` fetches the real five sites, and URLs given as arguments replace the five.
//! `--timeline` draws what ran when: with `--workers 2`, a band two requests deep.
//!
//! Python vs Rust: Python needs `ProcessPoolExecutor` to run Python code on several cores because
//! of the GIL; Rust threads already run in parallel, so in Rust a process pool buys isolation, not
//! speed. What both languages share is the price of crossing a process boundary: Python pickles
//! the task's argument and result, Rust (procspawn) serialises them with serde, which is why the
//! task is a plain `fn`, its data derive `Serialize` and `Deserialize`, and a failed download
//! comes back as text rather than as a `reqwest::Error`.
//!
//! Which pool? Threads for blocking I/O such as these downloads: cheap to start, and they share
//! memory. Processes for isolation, not speed: a task that crashes, aborts or leaks takes down one
//! worker, which the pool replaces, instead of the whole program; you pay for starting the workers
//! (`--verbose` prints it), for serialising every argument and result, and for each worker's
//! memory. rayon for CPU-bound work: its work-stealing threads are sized to the cores, and
//! `par_iter()` replaces submit-and-collect altogether; do not park its threads on slow I/O. For
//! hundreds of downloads, none of these: use async (chapter 4).

use std::process::ExitCode;
use std::sync::LazyLock;
use std::time::Duration;

use anstyle::{AnsiColor, Style};
use anyhow::{Context, bail};
use ch08_pools::executor::{
    Executor, ProcessPoolExecutor, Ran, RayonExecutor, TaskFuture, ThreadPoolExecutor,
};
use clap::{Parser, ValueEnum};
use course_kit::cli::{Net, TimeScale, Timeline, Workers};
use course_kit::process::{megabytes, peak_memory_kb};
use course_kit::site::{FRONT_PAGES, Source};
use course_kit::timeline::{self, Rows, Span};
use scraper::{ElementRef, Html, Selector};
use serde::{Deserialize, Serialize};

/// The colour of the tasks' lines.
const TASK: Style = AnsiColor::Cyan.on_default();
/// The colour of a failed task's line.
const FAILED: Style = AnsiColor::Red.on_default();

/// The course's five sites.
const SITES: [&str; 5] = [
    "https://talkpython.fm",
    "https://pythonbytes.fm",
    "https://google.com",
    "https://realpython.com",
    "https://training.talkpython.fm/",
];

/// The course sends a browser's User-Agent: some sites refuse clients they do not know.
const USER_AGENT: &str =
    "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0 async-techniques-rs";

/// What the course prints when a page has no usable title.
const NONE: &str = "NONE";

/// One page to fetch. A worker process shares no memory with us, so everything the task needs
/// travels in here, serialised (as Python pickles `get_title`'s argument).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Page {
    /// What the task prints: the course shows the URL without its `https://`.
    host: String,
    url: String,
    timeout: Duration,
    /// This program's PID, so that a task can tell whether it runs in a worker process.
    main_pid: u32,
}

/// The course's `main`: submit every download to the pool, keeping the futures; wait for the
/// pool (the end of Python's `with` block); then print each result in submission order.
/// Returns how many failed.
fn get_titles(executor: impl Executor, pages: Vec<Page>) -> usize {
    let hosts: Vec<String> = pages.iter().map(|page| page.host.clone()).collect();
    let work: Vec<TaskFuture<Result<String, String>>> = pages
        .into_iter()
        .map(|page| executor.submit(get_title, page))
        .collect();

    println!("Waiting for downloads...");
    // Like leaving Python's `with` block: returns once every task has finished.
    executor.shutdown();
    println!("Done");

    let mut failures = 0;
    for (i, (future, host)) in work.into_iter().zip(hosts).enumerate() {
        match future.result() {
            Ok(Ok(title)) => println!("{title}"),
            Ok(Err(why)) => {
                failures += 1;
                anstream::println!("{FAILED}Could not get the title of {host}: {why}{FAILED:#}");
            }
            // The task itself never came back: it panicked, or its worker process died.
            Err(err) => {
                failures += 1;
                anstream::println!("{FAILED}Task {} ({host}) failed: {err}{FAILED:#}", i + 1);
            }
        }
    }
    failures
}

/// The task: download one page and return its title. It runs on a pool thread or in a worker
/// process, so it takes and returns plain data, and it builds its own HTTP client (a client
/// cannot be sent to another process).
fn get_title(page: Page) -> Result<String, String> {
    let pid = std::process::id();
    let name = if pid == page.main_pid {
        std::thread::current()
            .name()
            .unwrap_or("unnamed thread")
            .to_owned()
    } else {
        // A worker process runs tasks on its main thread: its role says more than "main".
        format!("worker process of PID {}", page.main_pid)
    };
    anstream::println!(
        "{TASK}Getting title from {}, PID: {pid}, ProcName: {name}{TASK:#}",
        page.host
    );

    let client = reqwest::blocking::Client::builder()
        .user_agent(USER_AGENT)
        .timeout(page.timeout)
        .build()
        .map_err(|e| one_line(&e))?;
    let body = client
        .get(&page.url)
        .send()
        .and_then(reqwest::blocking::Response::error_for_status)
        .and_then(reqwest::blocking::Response::bytes)
        .map_err(|e| one_line(&e))?;
    // Any text is a page, whatever the Content-Type says, as BeautifulSoup parses whatever
    // arrives: plenty of servers send HTML as `application/octet-stream` or with no type at all.
    let html = std::str::from_utf8(&body)
        .ok()
        .filter(|text| !text.contains('\0'))
        .ok_or("the response is not text")?;
    Ok(title_from_html(html))
}

static H1: LazyLock<Selector> = LazyLock::new(|| Selector::parse("h1").expect("valid selector"));
static A: LazyLock<Selector> = LazyLock::new(|| Selector::parse("a").expect("valid selector"));

/// The course's title rule:
///
/// 1. the stripped text of the first `<h1>`;
/// 2. if that is empty, the stripped text of the first `<a>` inside it;
/// 3. if that is empty too, that link's `title` attribute;
/// 4. otherwise, and when the page has no `<h1>` at all, `NONE`.
///
/// Inner runs of whitespace become one space, so a heading split over lines reads as one line.
/// Two small choices where the course's Python is looser than its intent: it tests the
/// *unstripped* heading text, so a whitespace-only `<h1>` would print an empty line instead of
/// falling back; and it returns an empty `title=""` as is. Both give `NONE` here.
fn title_from_html(html: &str) -> String {
    let doc = Html::parse_document(html);
    let Some(h1) = doc.select(&H1).next() else {
        return NONE.to_owned();
    };
    let heading = stripped_text(h1);
    if !heading.is_empty() {
        return heading;
    }
    // An empty heading is usually a logo: an image inside a link, named by the link.
    let Some(link) = h1.select(&A).next() else {
        return NONE.to_owned();
    };
    let link_text = stripped_text(link);
    if !link_text.is_empty() {
        return link_text;
    }
    match link.value().attr("title").map(str::trim) {
        Some(title) if !title.is_empty() => title.to_owned(),
        _ => NONE.to_owned(),
    }
}

/// All the text inside `el`, trimmed, with inner whitespace runs folded into single spaces.
fn stripped_text(el: ElementRef<'_>) -> String {
    let words: Vec<&str> = el.text().flat_map(str::split_whitespace).collect();
    words.join(" ")
}

/// A download error as one line of text: `HTTP 404 Not Found`, `timed out`, `could not connect:
/// …`. Text, because a `reqwest::Error` cannot travel back from a worker process.
fn one_line(err: &reqwest::Error) -> String {
    if let Some(status) = err.status() {
        return format!("HTTP {status}");
    }
    if err.is_timeout() {
        return "timed out".to_owned();
    }
    // reqwest's own message is generic ("error sending request"); the innermost cause says why.
    let mut cause: &dyn std::error::Error = err;
    while let Some(next) = cause.source() {
        cause = next;
    }
    if err.is_connect() {
        format!("could not connect: {cause}")
    } else {
        cause.to_string()
    }
}

/// Get the titles of five sites on a process, thread or rayon pool.
#[derive(Parser, Debug)]
#[command(version, long_about = None)]
struct Args {
    /// Pages to get the titles of (http:// or https://) [default: the course's five sites]
    #[arg(value_name = "URL", value_parser = parse_page_url)]
    urls: Vec<String>,
    /// Which pool runs the downloads
    #[arg(long, value_enum, default_value_t = Kind::Processes)]
    executor: Kind,
    #[command(flatten)]
    workers: Workers,
    #[command(flatten)]
    time: TimeScale,
    #[command(flatten)]
    net: Net,
    #[command(flatten)]
    timeline: Timeline,
    /// Also print the process pool's start-up time and the main process's peak memory
    #[arg(long, short)]
    verbose: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Kind {
    /// A pool of worker processes (the course's ProcessPoolExecutor)
    Processes,
    /// A pool of OS threads in this process (the course's ThreadPoolExecutor)
    Threads,
    /// rayon's work-stealing thread pool, Rust's usual choice for CPU-bound work
    Rayon,
}

fn main() -> ExitCode {
    // A worker process runs this same executable: init() recognises it, serves tasks, and exits
    // without returning here. Anything above this line would also run in every worker.
    procspawn::init();
    course_kit::exit::quiet_broken_pipe();
    let args = Args::parse();
    course_kit::exit::report(run(&args))
}

fn run(args: &Args) -> anyhow::Result<ExitCode> {
    // `source` keeps the embedded site running until the end of `run`.
    let (targets, source): (Vec<(String, String)>, Option<Source>) = if args.urls.is_empty() {
        let source = Source::from_flags(&args.net, args.time.time_scale)
            .context("starting the embedded site")?;
        let targets = if source.is_live() {
            SITES
                .iter()
                .map(|url| {
                    (
                        url.trim_start_matches("https://").to_owned(),
                        (*url).to_owned(),
                    )
                })
                .collect()
        } else {
            FRONT_PAGES
                .iter()
                .map(|host| {
                    (
                        (*host).to_owned(),
                        source.url_for("", &format!("site/{host}")),
                    )
                })
                .collect()
        };
        (targets, Some(source))
    } else {
        let targets = args
            .urls
            .iter()
            .map(|url| {
                let host = url.split_once("://").map_or(url.as_str(), |(_, rest)| rest);
                (host.to_owned(), url.clone())
            })
            .collect();
        (targets, None)
    };
    let pages: Vec<Page> = targets
        .into_iter()
        .map(|(host, url)| Page {
            host,
            url,
            timeout: args.net.timeout(),
            main_pid: std::process::id(),
        })
        .collect();
    let hosts: Vec<String> = pages.iter().map(|page| page.host.clone()).collect();
    let total = pages.len();

    // Downloads mostly wait, so more workers than cores would be fine (Python's thread pool
    // defaults to cores + 4); try `--workers 5` to fetch all five at once.
    let n = args.workers.get();
    // The one line the course changes: which pool. `get_titles` stays the same for all three.
    let (failures, ran) = match args.executor {
        Kind::Processes => {
            let executor = ProcessPoolExecutor::new(n).context("starting the worker processes")?;
            if args.verbose {
                println!(
                    "Started {n} worker processes in {:.1} ms.",
                    executor.started_in().as_secs_f64() * 1e3
                );
            }
            logged(executor, pages)
        }
        Kind::Threads => logged(ThreadPoolExecutor::new(n)?, pages),
        Kind::Rayon => logged(RayonExecutor::new(n)?, pages),
    };

    if args.verbose {
        println!(
            "Main process: PID {}, peak memory {}.",
            std::process::id(),
            megabytes(peak_memory_kb())
        );
    }
    if args.timeline.timeline {
        draw_timeline(args, source.as_ref(), &hosts, &ran);
    }
    if failures > 0 {
        let hint = if args.net.live {
            " (no internet? run without --live to use the embedded local site)"
        } else {
            ""
        };
        bail!("{failures} of {total} titles could not be fetched{hint}");
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs the lesson on `executor`, keeping the pool's record of when each task ran.
fn logged(executor: impl Executor, pages: Vec<Page>) -> (usize, Vec<Option<Ran>>) {
    let log = executor.run_log();
    let failures = get_titles(executor, pages);
    (failures, log.times())
}

/// The embedded site saw every request; otherwise the pool's own start and end times stand in.
fn draw_timeline(args: &Args, source: Option<&Source>, hosts: &[String], ran: &[Option<Ran>]) {
    if let Some(site) = source.and_then(Source::site) {
        timeline::print(&site.spans(), Rows::Requests);
        return;
    }
    let why = if args.net.live {
        "--live"
    } else if args.net.base_url.is_some() {
        "--base-url"
    } else {
        "URLs of your own"
    };
    println!(
        "--timeline: no local server to ask with {why}; drawing the client's own start and end times"
    );
    let Some(origin) = ran.iter().flatten().map(|r| r.started).min() else {
        timeline::print(&[], Rows::Requests);
        return;
    };
    let spans: Vec<Span> = hosts
        .iter()
        .zip(ran)
        .filter_map(|(host, ran)| {
            ran.map(|r| Span::between(host.as_str(), origin, r.started, r.finished))
        })
        .collect();
    timeline::print(&spans, Rows::Requests);
}

/// A page URL must parse and be http(s) with a host; checked by clap before any work starts.
fn parse_page_url(s: &str) -> Result<String, String> {
    let url = url::Url::parse(s).map_err(|e| format!("`{s}` is not a URL: {e}"))?;
    match url.scheme() {
        "http" | "https" if url.has_host() => Ok(s.to_owned()),
        _ => Err(format!(
            "`{s}` must be an http:// or https:// URL with a host"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_h1_stripped_and_folded() {
        let page = "<h2>sub</h2><h1>\n  Talk <b>Python</b>\n  To Me </h1><h1>second</h1>";
        assert_eq!(title_from_html(page), "Talk Python To Me");
    }

    #[test]
    fn the_course_examples() {
        assert_eq!(
            title_from_html("<h1>\n  Online Python courses\n</h1>"),
            "Online Python courses"
        );
        assert_eq!(
            title_from_html(r#"<h1><a href="/" title="Real Python"><img></a></h1>"#),
            "Real Python"
        );
        assert_eq!(title_from_html("<h2>no h1 here</h2>"), "NONE");
    }

    #[test]
    fn empty_h1_falls_back_to_its_link_text() {
        let page = r#"<h1> <a href="/"> Home page </a> </h1>"#;
        assert_eq!(title_from_html(page), "Home page");
    }

    #[test]
    fn empty_link_falls_back_to_its_title_attribute() {
        let page = r#"<h1><a href="/" title=" Real Python "><img src="x.png" alt=""></a></h1>"#;
        assert_eq!(title_from_html(page), "Real Python");
    }

    #[test]
    fn nothing_usable_is_none() {
        for page in [
            "<p>no heading at all</p>",
            "<h1>   </h1>",
            r#"<h1><a href="/"> </a></h1>"#,
            r#"<h1><a href="/" title="  "></a></h1>"#,
            "",
        ] {
            assert_eq!(title_from_html(page), NONE, "{page:?}");
        }
    }

    #[test]
    fn only_a_link_inside_the_first_h1_counts() {
        // The link sits outside the empty <h1>: the rule does not look there.
        let page = r#"<a href="/" title="Elsewhere">Elsewhere</a><h1></h1>"#;
        assert_eq!(title_from_html(page), NONE);
    }
}
