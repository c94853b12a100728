//! Times tokio (multi-thread and current-thread), smol and async-std on the same four workloads
//! and prints a table of medians, spreads and ratios.
//!
//! Ports: the chapter's theme, <https://github.com/talkpython/async-techniques-python-course/tree/master/src/09-built-on-asyncio>
//! (loops and libraries built on asyncio), as a measurement: which Rust runtime, for what work.
//!
//! Run: `cargo run -p ch09-runtimes --release --bin runtimes [-- --runs 11]`
//!
//! Copy: `cargo add tokio smol async-std async-compat reqwest indicatif num-format anyhow anstream anstyle --features tokio/rt-multi-thread,tokio/macros,tokio/time,tokio/sync`
//!
//! Expect: per workload (100,000 tiny tasks, 500,000 messages, 10,000 timers, 100 downloads) a row
//! per runtime: median, min–max, ratio to the fastest; about 20 s. async-std rows say `discontinued`.
//!
//! Python vs Rust: Python ships one loop; in Rust the runtime is a library you choose. reqwest needs
//! tokio's reactor, which smol and async-std borrow through `async_compat`. The README explains more.

use std::hint::black_box;
use std::process::ExitCode;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::{Context as _, ensure};
use clap::Parser;
use course_kit::cli::{Net, TimeScale, Workers, available_parallelism};
use course_kit::http;
use course_kit::site::Source;
use indicatif::ProgressBar;
use num_format::{Locale, ToFormattedString};

// The progress bar and the table: how the figures are shown, not what is compared.
#[path = "runtimes/report.rs"]
mod report;
use report::{Row, Spread};

/// Times tokio, smol and async-std on the same workloads.
#[derive(Parser, Debug)]
#[command(name = "runtimes", version, long_about = None)]
struct Args {
    #[command(flatten)]
    time: TimeScale,
    #[command(flatten)]
    workers: Workers,
    #[command(flatten)]
    net: Net,
    // The bounds keep a run within memory and minutes: a million tasks or 100,000 timers alive at
    // once take a few hundred MB; 250 downloads at once stay under the open-file limit of 1,024.
    /// Runs per figure; each figure is their median (at most 100)
    #[arg(long, value_name = "N", default_value_t = 7, value_parser = clap::value_parser!(u32).range(1..=100))]
    runs: u32,
    /// Tiny tasks to spawn and await in the spawn workload (at most 1,000,000)
    #[arg(long, value_name = "N", default_value_t = 100_000, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    tasks: u64,
    /// Messages through the channel in the producer/consumer workload (at most 10,000,000)
    #[arg(long, value_name = "N", default_value_t = 500_000, value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    messages: u64,
    /// Concurrent timers (each 1–50 ms, not scaled) in the timer workload (at most 100,000)
    #[arg(long, value_name = "N", default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    timers: u64,
    /// Concurrent downloads from the site, 0 skips them (at most 250)
    #[arg(long, value_name = "N", default_value_t = 100, value_parser = clap::value_parser!(u32).range(0..=250))]
    downloads: u32,
}

/// What to measure, as plain values (`main` turns the flags into this once).
#[derive(Debug, Clone)]
struct Plan {
    runs: u32,
    tasks: u64,
    messages: u64,
    timers: u64,
    /// The pages of the download workload (empty: skip it).
    urls: Vec<String>,
    /// A whole request's timeout.
    timeout: Duration,
    /// `--live`: a failed download adds a hint about the local site.
    live: bool,
}

/// The bounded channel's capacity in the producer/consumer workload.
const CAPACITY: usize = 1_000;

/// What every runtime must offer for the workloads; each impl uses that runtime's own spawn,
/// timer and channel.
trait Rt {
    fn name(&self) -> String;
    fn block_on<F: Future>(&self, f: F) -> F::Output;
    fn spawn<F>(&self, f: F) -> impl Future<Output = F::Output> + Send + 'static
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static;
    fn sleep(d: Duration) -> impl Future<Output = ()> + Send + 'static;
    /// The runtime's own bounded channel, all that differs in the channel workload: Python's
    /// `asyncio.Queue(maxsize)`, `await queue.put(i)`, `await queue.get()`.
    type Tx: Send + 'static;
    type Rx: Send + 'static;
    fn bounded(capacity: usize) -> (Self::Tx, Self::Rx);
    fn put(tx: &Self::Tx, i: u64) -> impl Future<Output = ()> + Send;
    /// `None` once the sender is gone.
    fn take(rx: &mut Self::Rx) -> impl Future<Output = Option<u64>> + Send;
    /// reqwest's futures need a tokio reactor: tokio has one, the others borrow one via Compat.
    fn io<F: Future + Send + 'static>(f: F) -> impl Future<Output = F::Output> + Send + 'static
    where
        F::Output: Send,
    {
        async_compat::Compat::new(f)
    }
}

/// smol's and async-std's channels are both the async-channel crate (2.x and 1.x): one body of
/// code, for two types.
macro_rules! async_channel {
    ($runtime:ident) => {
        type Tx = $runtime::channel::Sender<u64>;
        type Rx = $runtime::channel::Receiver<u64>;
        fn bounded(capacity: usize) -> (Self::Tx, Self::Rx) {
            $runtime::channel::bounded(capacity)
        }
        async fn put(tx: &Self::Tx, i: u64) {
            tx.send(i).await.expect("the consumer is alive");
        }
        async fn take(rx: &mut Self::Rx) -> Option<u64> {
            rx.recv().await.ok()
        }
    };
}

struct Tokio {
    runtime: tokio::runtime::Runtime,
    name: String,
}

impl Tokio {
    fn multi_thread(workers: usize) -> anyhow::Result<Tokio> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers)
            .enable_all()
            .build()?;
        Ok(Tokio {
            runtime,
            name: format!("tokio multi-thread ({workers} workers)"),
        })
    }

    fn current_thread() -> anyhow::Result<Tokio> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        Ok(Tokio {
            runtime,
            name: "tokio current-thread".into(),
        })
    }
}

impl Rt for Tokio {
    fn name(&self) -> String {
        self.name.clone()
    }
    fn block_on<F: Future>(&self, f: F) -> F::Output {
        self.runtime.block_on(f)
    }
    fn spawn<F>(&self, f: F) -> impl Future<Output = F::Output> + Send + 'static
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let handle = self.runtime.spawn(f);
        async move { handle.await.expect("a benchmark task panicked") }
    }
    // tokio's Sleep registers with the runtime it is created in: being inside an `async fn`,
    // it is only created when first polled, inside the task.
    async fn sleep(d: Duration) {
        tokio::time::sleep(d).await;
    }
    type Tx = tokio::sync::mpsc::Sender<u64>;
    type Rx = tokio::sync::mpsc::Receiver<u64>;
    fn bounded(capacity: usize) -> (Self::Tx, Self::Rx) {
        tokio::sync::mpsc::channel(capacity)
    }
    async fn put(tx: &Self::Tx, i: u64) {
        tx.send(i).await.expect("the consumer is alive");
    }
    async fn take(rx: &mut Self::Rx) -> Option<u64> {
        rx.recv().await
    }
    fn io<F: Future + Send + 'static>(f: F) -> impl Future<Output = F::Output> + Send + 'static
    where
        F::Output: Send,
    {
        f
    }
}

/// smol's executor on `workers` threads of our own (smol's global executor has one thread unless
/// the SMOL_THREADS variable says otherwise). The calling thread only waits in `block_on`.
struct Smol {
    ex: Arc<smol::Executor<'static>>,
    stop: smol::channel::Sender<()>,
    threads: Vec<JoinHandle<()>>,
    workers: usize,
}

impl Smol {
    fn new(workers: usize) -> anyhow::Result<Smol> {
        let ex = Arc::new(smol::Executor::new());
        let (stop, stopped) = smol::channel::unbounded::<()>();
        let threads = (0..workers)
            .map(|i| {
                let (ex, stopped) = (Arc::clone(&ex), stopped.clone());
                std::thread::Builder::new()
                    .name(format!("smol-{i}"))
                    // Runs tasks until the channel is closed (when `Smol` is dropped).
                    .spawn(move || smol::block_on(ex.run(stopped.recv())).unwrap_or(()))
            })
            .collect::<Result<_, _>>()?;
        Ok(Smol {
            ex,
            stop,
            threads,
            workers,
        })
    }
}

impl Drop for Smol {
    fn drop(&mut self) {
        self.stop.close();
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

impl Rt for Smol {
    fn name(&self) -> String {
        format!("smol ({} threads)", self.workers)
    }
    fn block_on<F: Future>(&self, f: F) -> F::Output {
        smol::block_on(f)
    }
    fn spawn<F>(&self, f: F) -> impl Future<Output = F::Output> + Send + 'static
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.ex.spawn(f)
    }
    async fn sleep(d: Duration) {
        smol::Timer::after(d).await;
    }
    async_channel!(smol);
}

/// async-std's global executor (one thread per core unless ASYNC_STD_THREAD_COUNT says
/// otherwise; it cannot be sized per runtime, nor shut down). Discontinued upstream: its rows say
/// so, since a table is where a learner would pick a runtime.
struct AsyncStd;

impl Rt for AsyncStd {
    fn name(&self) -> String {
        let threads = std::env::var("ASYNC_STD_THREAD_COUNT")
            .unwrap_or_else(|_| available_parallelism().to_string());
        format!("async-std ({threads} threads; discontinued)")
    }
    fn block_on<F: Future>(&self, f: F) -> F::Output {
        async_std::task::block_on(f)
    }
    fn spawn<F>(&self, f: F) -> impl Future<Output = F::Output> + Send + 'static
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        async_std::task::spawn(f)
    }
    async fn sleep(d: Duration) {
        async_std::task::sleep(d).await;
    }
    async_channel!(async_std);
}

/// One workload; each returns an error if its result is wrong (a benchmark that checks itself).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Workload {
    Spawn,
    Channel,
    Timers,
    Downloads,
}

impl Workload {
    fn label(self, plan: &Plan) -> String {
        let n = |n: u64| n.to_formatted_string(&Locale::en);
        match self {
            Workload::Spawn => format!("spawn {} tasks", n(plan.tasks)),
            Workload::Channel => format!("channel {} messages", n(plan.messages)),
            Workload::Timers => format!("{} timers 1-50 ms", n(plan.timers)),
            Workload::Downloads => format!("{} downloads", n(plan.urls.len() as u64)),
        }
    }
}

async fn spawn_many<R: Rt>(rt: &R, n: u64) -> anyhow::Result<()> {
    let handles: Vec<_> = (0..n)
        .map(|i| rt.spawn(async move { black_box(i) * 2 }))
        .collect();
    let mut sum = 0;
    for h in handles {
        sum += h.await;
    }
    ensure!(sum == n * (n - 1), "spawn: wrong sum {sum}");
    Ok(())
}

/// One producer task sends `0..n` through the runtime's bounded channel, one consumer sums them.
async fn channel<R: Rt>(rt: &R, n: u64) -> anyhow::Result<()> {
    let (tx, mut rx) = R::bounded(CAPACITY);
    let producer = rt.spawn(async move {
        for i in 0..n {
            R::put(&tx, i).await;
        }
    });
    let consumer = rt.spawn(async move {
        let mut sum = 0;
        while let Some(i) = R::take(&mut rx).await {
            sum += i;
        }
        sum
    });
    producer.await;
    let sum = consumer.await;
    ensure!(sum == n * (n - 1) / 2, "channel: wrong sum {sum}");
    Ok(())
}

async fn timers<R: Rt>(rt: &R, n: u64) -> anyhow::Result<()> {
    let handles: Vec<_> = (0..n)
        .map(|i| {
            let sleep = R::sleep(Duration::from_millis(1 + i % 50));
            rt.spawn(async move {
                sleep.await;
                1u64
            })
        })
        .collect();
    let mut fired = 0;
    for h in handles {
        fired += h.await;
    }
    ensure!(fired == n, "timers: {fired} of {n} fired");
    Ok(())
}

/// A page's size is the server's choice: one larger than any real page is a fault of the site (a
/// wrong `--base-url`), not a figure. Pages are counted as they arrive, never kept nor decoded.
const MAX_PAGE: usize = 4 << 20;

/// Downloads every URL at once; the failed ones, each with why (`live`: `--live`'s hint).
async fn downloads<R: Rt>(
    rt: &R,
    urls: &[String],
    timeout: Duration,
    live: bool,
) -> reqwest::Result<Vec<(String, String)>> {
    // A fresh client per run: its connection pool belongs to the reactor that made the connections.
    let client = reqwest::Client::builder().timeout(timeout).build()?;
    let handles: Vec<_> = urls
        .iter()
        .map(|url| {
            let (client, url) = (client.clone(), url.clone());
            rt.spawn(R::io(async move {
                let fetch = async {
                    let mut resp = client.get(&url).send().await?.error_for_status()?;
                    // Counted as it arrives, never kept: a page of any size costs no memory.
                    let mut len = 0;
                    while let Some(chunk) = resp.chunk().await? {
                        len += chunk.len();
                        if len > MAX_PAGE {
                            return Ok(Err(format!("over {} MiB", MAX_PAGE >> 20)));
                        }
                    }
                    Ok::<_, reqwest::Error>(Ok(len))
                };
                match fetch.await {
                    Ok(Ok(_)) => Ok(()),
                    Ok(Err(why)) => Err((url, why)),
                    Err(e) => Err((url, http::describe(&e, live))),
                }
            }))
        })
        .collect();
    let mut failures = Vec::new();
    for h in handles {
        if let Err(failure) = h.await {
            failures.push(failure);
        }
    }
    Ok(failures)
}

/// Times `plan.runs` runs of `workload` on `rt`, one step of `progress` each; the clock starts
/// inside the runtime, so building it is not counted.
fn measure<R: Rt>(
    rt: &R,
    workload: Workload,
    plan: &Plan,
    progress: &ProgressBar,
) -> anyhow::Result<Vec<Duration>> {
    progress.set_message(format!("{} on {}", workload.label(plan), rt.name()));
    let mut times = Vec::new();
    for _ in 0..plan.runs {
        let elapsed = rt.block_on(async {
            let t0 = Instant::now();
            match workload {
                Workload::Spawn => spawn_many(rt, plan.tasks).await,
                Workload::Channel => channel(rt, plan.messages).await,
                Workload::Timers => timers(rt, plan.timers).await,
                Workload::Downloads => {
                    let failures = downloads(rt, &plan.urls, plan.timeout, plan.live).await?;
                    if let Some((url, why)) = failures.first() {
                        anyhow::bail!(
                            "{} of {} downloads failed, the first: {url}: {why}",
                            failures.len(),
                            plan.urls.len(),
                        );
                    }
                    Ok(())
                }
            }
            .map(|()| t0.elapsed())
        });
        times.push(elapsed.with_context(|| format!("{} on {}", workload.label(plan), rt.name()))?);
        progress.inc(1);
    }
    Ok(times)
}

/// The workloads the plan asks for.
fn workloads(plan: &Plan) -> Vec<Workload> {
    let mut workloads = vec![Workload::Spawn, Workload::Channel, Workload::Timers];
    if !plan.urls.is_empty() {
        workloads.push(Workload::Downloads);
    }
    workloads
}

fn measure_all<R: Rt>(
    rt: &R,
    plan: &Plan,
    progress: &ProgressBar,
    rows: &mut Vec<Row>,
) -> anyhow::Result<()> {
    for workload in workloads(plan) {
        let times = measure(rt, workload, plan, progress)?;
        if let Some(spread) = Spread::of(&times) {
            rows.push(Row {
                workload,
                runtime: rt.name(),
                spread,
            });
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    course_kit::exit::quiet_broken_pipe();
    course_kit::exit::report(run())
}

fn run() -> anyhow::Result<ExitCode> {
    let args = Args::parse();
    course_kit::warn_if_unoptimized!();
    let workers = args.workers.get();
    let source = Source::from_flags(&args.net, args.time.time_scale)?;
    let plan = Plan {
        runs: args.runs,
        tasks: args.tasks,
        messages: args.messages,
        timers: args.timers,
        urls: (1..=args.downloads)
            .map(|n| source.url_for("https://talkpython.fm", &format!("/{}", 100 + n)))
            .collect(),
        timeout: args.net.timeout(),
        live: source.is_live(),
    };
    println!(
        "Timing {} runs per figure on {workers} worker threads...",
        args.runs
    );

    let steps = 4 * workloads(&plan).len() as u64 * u64::from(plan.runs);
    let progress = report::progress(steps)?;
    let mut rows = Vec::new();
    let measured = measure_every_runtime(workers, &plan, &progress, &mut rows);
    progress.finish_and_clear();
    measured?;

    report::print_table(&plan, &rows);
    Ok(ExitCode::SUCCESS)
}

/// One runtime at a time, each dropped (its threads stopped) before the next is built.
fn measure_every_runtime(
    workers: usize,
    plan: &Plan,
    progress: &ProgressBar,
    rows: &mut Vec<Row>,
) -> anyhow::Result<()> {
    measure_all(&Tokio::multi_thread(workers)?, plan, progress, rows)?;
    measure_all(&Tokio::current_thread()?, plan, progress, rows)?;
    measure_all(&Smol::new(workers)?, plan, progress, rows)?;
    // async-std reads its thread count from the environment once, at first use.
    measure_all(&AsyncStd, plan, progress, rows)
}
