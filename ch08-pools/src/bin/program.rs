//! Gets the titles of five web sites on a pool of workers: threads, processes or rayon, switched by
//! one line.
//!
//! Ports: src/08-execution-pools/program.py
//!
//! Run: cargo run -p ch08-pools --bin program -- --executor processes
//!
//! Expect: five `Getting title from {host}, PID: {pid}, ProcName: {name}` lines, `Waiting for
//! downloads...`, `Done`, then the five titles in the order they were submitted. With
//! `--executor threads` (the default) or `rayon`, every PID is this program's own and the names
//! are thread names; with `--executor processes` the PIDs are the worker processes', different
//! from the parent's. The pages come from the embedded local site (about half a second each);
//! `--live` fetches the real five sites, and URLs given as arguments replace the five.
//!
//! Python vs Rust: Python needs `ProcessPoolExecutor` to run Python code on several cores because
//! of the GIL; Rust threads already run in parallel, so in Rust a process pool buys isolation, not
//! speed. What both languages share is the price of crossing a process boundary: Python pickles
//! the function's arguments, Rust (procspawn) serialises them with serde, which is why the task is
//! a plain `fn` and its data derive `Serialize` and `Deserialize`.
//!
//! Which pool? Threads for blocking I/O such as these downloads: cheap to start, and they share
//! memory. Processes for isolation, not speed: a task that crashes, aborts or leaks takes down one
//! worker, which the pool replaces, instead of the whole program; you pay for starting the workers
//! (`--verbose` prints it), for serialising every argument and result, and for each worker's
//! memory. rayon for CPU-bound work: its work-stealing threads are sized to the cores, and
//! `par_iter()` replaces submit-and-collect altogether; do not park its threads on slow I/O. For
//! hundreds of downloads, none of these: use async (chapter 4).

use std::process::ExitCode;

use anyhow::{Context, bail};
use ch08_pools::executor::{
    Executor, ProcessPoolExecutor, RayonExecutor, TaskFuture, ThreadPoolExecutor,
};
use ch08_pools::{peak_memory_kb, title_from_html};
use clap::{Parser, ValueEnum};
use course_kit::cli::{Net, TimeScale, Workers};
use course_kit::site::FRONT_PAGES;
use course_kit::{cprintln, http, style};
use serde::{Deserialize, Serialize};

/// Get the titles of five sites on a thread, process or rayon pool.
#[derive(Parser, Debug)]
#[command(version, long_about = None)]
struct Args {
    /// Pages to get the titles of (http:// or https://) [default: the course's five sites]
    #[arg(value_name = "URL", value_parser = parse_page_url)]
    urls: Vec<String>,
    /// Which pool runs the downloads
    #[arg(long, value_enum, default_value_t = Kind::Threads)]
    executor: Kind,
    #[command(flatten)]
    workers: Workers,
    #[command(flatten)]
    time: TimeScale,
    #[command(flatten)]
    net: Net,
    /// Also print each task's PID and peak memory, and the process pool's start-up time
    #[arg(long, short)]
    verbose: bool,
    /// Test only: make task N (counted from 1) panic or abort its worker
    #[arg(long, hide = true, value_name = "N:panic|abort", value_parser = parse_fault)]
    inject_fault: Option<(usize, Fault)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Kind {
    /// A pool of OS threads in this process (the course's ThreadPoolExecutor)
    Threads,
    /// A pool of worker processes (the course's ProcessPoolExecutor)
    Processes,
    /// rayon's work-stealing thread pool, Rust's usual choice for CPU-bound work
    Rayon,
}

/// What a worker receives: everything it needs, since a worker process shares nothing with us.
#[derive(Debug, Serialize, Deserialize)]
struct Job {
    label: String,
    url: String,
    parent_pid: u32,
    live: bool,
    timeout_secs: f64,
    fault: Option<Fault>,
}

/// What a worker sends back.
#[derive(Debug, Serialize, Deserialize)]
struct Report {
    pid: u32,
    peak_memory_kb: Option<u64>,
    /// The title, or why the download failed.
    title: Result<String, String>,
}

/// A failure that tests can ask a worker for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
enum Fault {
    Panic,
    Abort,
}

/// The course's five sites.
const SITES: [&str; 5] = [
    "https://talkpython.fm",
    "https://pythonbytes.fm",
    "https://google.com",
    "https://realpython.com",
    "https://training.talkpython.fm/",
];

fn main() -> ExitCode {
    // A worker process runs this same executable: init() recognises it, serves tasks, and exits
    // without returning here. Anything above this line would also run in every worker.
    procspawn::init();
    let args = Args::parse();
    course_kit::exit::report(run(&args))
}

fn run(args: &Args) -> anyhow::Result<ExitCode> {
    // `_site` keeps the embedded site running until the end of `run`.
    let (pages, _site) = if args.urls.is_empty() {
        let source = args.net.source(args.time)?;
        let pages: Vec<(String, String)> = if source.is_live() {
            let label = |url: &str| url.trim_start_matches("https://").to_owned();
            SITES
                .iter()
                .map(|url| (label(url), (*url).to_owned()))
                .collect()
        } else {
            let page = |host: &str| source.url_for("", &format!("site/{host}"));
            FRONT_PAGES
                .iter()
                .map(|host| ((*host).to_owned(), page(host)))
                .collect()
        };
        (pages, Some(source))
    } else {
        let label = |url: &str| {
            url.split_once("://")
                .map_or(url, |(_, rest)| rest)
                .to_owned()
        };
        let pages = args
            .urls
            .iter()
            .map(|url| (label(url), url.clone()))
            .collect();
        (pages, None)
    };

    let jobs: Vec<Job> = pages
        .into_iter()
        .enumerate()
        .map(|(i, (label, url))| Job {
            label,
            url,
            parent_pid: std::process::id(),
            live: args.net.live,
            timeout_secs: args.net.timeout,
            fault: args
                .inject_fault
                .and_then(|(n, fault)| (n == i + 1).then_some(fault)),
        })
        .collect();

    let total = jobs.len();
    // Downloads mostly wait, so more threads than cores would be fine (Python's thread pool
    // defaults to cores + 4); try `--workers 5` to fetch all five at once.
    let n = args.workers.get();
    // The one line the course changes: which pool. Everything in `get_titles` stays the same.
    let failures = match args.executor {
        Kind::Threads => get_titles(ThreadPoolExecutor::new(n)?, jobs, args.verbose),
        Kind::Processes => {
            let executor = ProcessPoolExecutor::new(n).context("starting the worker processes")?;
            if args.verbose {
                cprintln!(
                    style::APP,
                    "Started {n} worker processes in {:.1} ms.",
                    executor.started_in().as_secs_f64() * 1e3
                );
            }
            get_titles(executor, jobs, args.verbose)
        }
        Kind::Rayon => get_titles(RayonExecutor::new(n)?, jobs, args.verbose),
    };

    if args.verbose {
        cprintln!(
            style::APP,
            "Main process: PID {}, peak memory {}.",
            std::process::id(),
            megabytes(peak_memory_kb())
        );
    }
    if failures > 0 {
        bail!("{failures} of {total} titles could not be fetched");
    }
    Ok(ExitCode::SUCCESS)
}

/// The course's `main`: submit every download, wait for the pool, print the results in order.
/// Returns how many failed.
fn get_titles(executor: impl Executor, jobs: Vec<Job>, verbose: bool) -> usize {
    let labels: Vec<String> = jobs.iter().map(|job| job.label.clone()).collect();
    let work: Vec<TaskFuture<Report>> = jobs
        .into_iter()
        .map(|job| executor.submit(get_title, job))
        .collect();

    cprintln!(style::APP, "Waiting for downloads...");
    // Like leaving Python's `with` block: returns once every task has finished.
    executor.shutdown();
    cprintln!(style::APP, "Done");

    let mut failures = 0;
    for (i, (future, label)) in work.into_iter().zip(labels).enumerate() {
        match future.result() {
            Ok(report) => {
                match &report.title {
                    Ok(title) => cprintln!(style::APP, "{title}"),
                    Err(reason) => {
                        failures += 1;
                        cprintln!(style::ERROR, "Could not get the title of {label}: {reason}");
                    }
                }
                if verbose {
                    cprintln!(
                        style::GOOD,
                        "    (PID {}, peak memory of that process so far: {})",
                        report.pid,
                        megabytes(report.peak_memory_kb)
                    );
                }
            }
            Err(err) => {
                failures += 1;
                cprintln!(style::ERROR, "Task {} ({label}) failed: {err}", i + 1);
            }
        }
    }
    failures
}

/// The task. It runs on a pool thread or in a worker process, so it takes and returns only
/// plain data.
fn get_title(job: Job) -> Report {
    let pid = std::process::id();
    let name = if pid == job.parent_pid {
        std::thread::current()
            .name()
            .unwrap_or("unnamed thread")
            .to_owned()
    } else {
        // A worker process runs tasks on its main thread: its role says more than "main".
        format!("worker process of PID {}", job.parent_pid)
    };
    cprintln!(
        style::CONSUMER,
        "Getting title from {}, PID: {pid}, ProcName: {name}",
        job.label
    );
    match job.fault {
        Some(Fault::Panic) => panic!("injected fault: task for {} panics", job.label),
        // What a segfault in C code or an out-of-memory kill looks like from outside.
        Some(Fault::Abort) => std::process::abort(),
        None => {}
    }
    Report {
        pid,
        title: download_title(&job),
        peak_memory_kb: peak_memory_kb(),
    }
}

fn download_title(job: &Job) -> Result<String, String> {
    let net = Net {
        base_url: None,
        live: job.live,
        timeout: job.timeout_secs,
    };
    let live = job.live;
    // A blocking client is right here: each worker does one thing at a time.
    let client = http::blocking_client(&net).map_err(|e| http::describe(&e, live))?;
    let response = client
        .get(&job.url)
        .send()
        .and_then(reqwest::blocking::Response::error_for_status)
        .map_err(|e| http::describe(&e, live))?;
    if !http::is_html(response.headers().get(reqwest::header::CONTENT_TYPE)) {
        return Err("not an HTML page".to_owned());
    }
    let html = response.text().map_err(|e| http::describe(&e, live))?;
    Ok(title_from_html(&html))
}

fn megabytes(kb: Option<u64>) -> String {
    kb.map_or_else(
        || "unknown".to_owned(),
        |kb| format!("{:.1} MB", kb as f64 / 1024.0),
    )
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

fn parse_fault(s: &str) -> Result<(usize, Fault), String> {
    let (n, kind) = s.split_once(':').ok_or("expected N:panic or N:abort")?;
    let n: usize = n
        .parse()
        .map_err(|_| format!("`{n}` is not a task number"))?;
    let fault = match kind {
        "panic" => Fault::Panic,
        "abort" => Fault::Abort,
        _ => return Err(format!("`{kind}` is not panic or abort")),
    };
    Ok((n, fault))
}
