//! Compares tokio (multi-thread and current-thread), smol and async-std on the same four
//! workloads and prints a table of medians, spreads and ratios.
//!
//! Ports: the chapter's theme (src/09-built-on-asyncio: "other loops and libraries built on
//! asyncio") as a measurement: which Rust runtime, for which kind of work.
//!
//! Run: cargo run -p ch09-runtimes --release --bin runtimes [-- --runs 11]
//!
//! Expect: for each workload (spawn 100,000 tiny tasks; 500,000 messages through a bounded
//! channel; 10,000 timers of 1–50 ms; 100 concurrent downloads from the embedded site) one row
//! per runtime with the median time of `--runs` runs, its min–max spread, and its ratio to the
//! fastest. Spawning and channels are where the runtimes differ (by up to ~2× on a 2-core
//! machine, and the ranking can change with the core count); timers and downloads are bound by
//! the clock and the network, so every runtime takes about the same time there. About 20 s in
//! all; `--tasks`, `--messages`, `--timers`, `--downloads` make it smaller.
//!
//! Python vs Rust: Python ships one loop (asyncio) and libraries built on it (trio, unsync);
//! in Rust the runtime is a library you choose. The choice matters most for an ecosystem: reqwest
//! (like most of the network stack) is written for tokio, so under smol and async-std each
//! download here is wrapped in `async_compat::Compat`, which lends it a tokio reactor running on a
//! background thread. async-std is discontinued upstream (RUSTSEC-2025-0052, pointing to smol);
//! it is kept for comparison, and is itself built on smol's crates.

use std::hint::black_box;
use std::process::ExitCode;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail, ensure};
use ch09_runtimes::stats::{Spread, ms};
use clap::Parser;
use course_kit::cli::{Net, TimeScale, Workers};
use course_kit::{cprintln, fmt, interrupt, style};

/// Times tokio, smol and async-std on the same workloads.
#[derive(Parser, Debug)]
#[command(version, long_about = None)]
struct Args {
    #[command(flatten)]
    time: TimeScale,
    #[command(flatten)]
    workers: Workers,
    #[command(flatten)]
    net: Net,
    /// Runs per figure; each figure is their median
    #[arg(long, value_name = "N", default_value_t = 7, value_parser = clap::value_parser!(u32).range(1..=1000))]
    runs: u32,
    /// Tiny tasks to spawn and await in the spawn workload
    #[arg(long, value_name = "N", default_value_t = 100_000, value_parser = clap::value_parser!(u64).range(1..))]
    tasks: u64,
    /// Messages through the channel in the producer/consumer workload
    #[arg(long, value_name = "N", default_value_t = 500_000, value_parser = clap::value_parser!(u64).range(1..))]
    messages: u64,
    /// Concurrent timers (each 1–50 ms, not scaled) in the timer workload
    #[arg(long, value_name = "N", default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..))]
    timers: u64,
    /// Concurrent downloads from the site (0 skips the download workload)
    #[arg(long, value_name = "N", default_value_t = 100)]
    downloads: u32,
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
    /// One producer task sends `0..n` through a bounded channel, one consumer task sums them.
    fn pipe(&self, n: u64) -> impl Future<Output = u64>;
    /// reqwest's futures need a tokio reactor: tokio has one, the others borrow one via Compat.
    fn io<F: Future + Send + 'static>(f: F) -> impl Future<Output = F::Output> + Send + 'static
    where
        F::Output: Send;
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
    async fn pipe(&self, n: u64) -> u64 {
        let (tx, mut rx) = tokio::sync::mpsc::channel(CAPACITY);
        let producer = self.spawn(async move {
            for i in 0..n {
                tx.send(i).await.expect("the consumer is alive");
            }
        });
        let consumer = self.spawn(async move {
            let mut sum = 0;
            while let Some(i) = rx.recv().await {
                sum += i;
            }
            sum
        });
        producer.await;
        consumer.await
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
    async fn pipe(&self, n: u64) -> u64 {
        let (tx, rx) = smol::channel::bounded(CAPACITY);
        let producer = self.spawn(async move {
            for i in 0..n {
                tx.send(i).await.expect("the consumer is alive");
            }
        });
        let consumer = self.spawn(async move {
            let mut sum = 0;
            while let Ok(i) = rx.recv().await {
                sum += i;
            }
            sum
        });
        producer.await;
        consumer.await
    }
    fn io<F: Future + Send + 'static>(f: F) -> impl Future<Output = F::Output> + Send + 'static
    where
        F::Output: Send,
    {
        async_compat::Compat::new(f)
    }
}

/// async-std's global executor (one thread per core unless ASYNC_STD_THREAD_COUNT says
/// otherwise; it cannot be sized per runtime, nor shut down).
struct AsyncStd;

impl Rt for AsyncStd {
    fn name(&self) -> String {
        let threads = std::env::var("ASYNC_STD_THREAD_COUNT")
            .unwrap_or_else(|_| course_kit::cli::available_parallelism().to_string());
        format!("async-std ({threads} threads)")
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
    async fn pipe(&self, n: u64) -> u64 {
        // async_std::channel *is* async-channel, the same crate as smol::channel.
        let (tx, rx) = async_std::channel::bounded(CAPACITY);
        let producer = self.spawn(async move {
            for i in 0..n {
                tx.send(i).await.expect("the consumer is alive");
            }
        });
        let consumer = self.spawn(async move {
            let mut sum = 0;
            while let Ok(i) = rx.recv().await {
                sum += i;
            }
            sum
        });
        producer.await;
        consumer.await
    }
    fn io<F: Future + Send + 'static>(f: F) -> impl Future<Output = F::Output> + Send + 'static
    where
        F::Output: Send,
    {
        async_compat::Compat::new(f)
    }
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
    fn label(self, args: &Args) -> String {
        match self {
            Workload::Spawn => format!("spawn {} tasks", fmt::thousands(args.tasks)),
            Workload::Channel => format!("channel {} messages", fmt::thousands(args.messages)),
            Workload::Timers => format!("{} timers 1-50 ms", fmt::thousands(args.timers)),
            Workload::Downloads => format!("{} downloads", fmt::thousands(args.downloads)),
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

async fn channel<R: Rt>(rt: &R, n: u64) -> anyhow::Result<()> {
    let sum = rt.pipe(n).await;
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

async fn downloads<R: Rt>(rt: &R, urls: &[String], net: &Net, live: bool) -> anyhow::Result<()> {
    // A fresh client per run: its connection pool belongs to the reactor that made the connections.
    let client = course_kit::http::client(net)?;
    let handles: Vec<_> = urls
        .iter()
        .map(|url| {
            let (client, url) = (client.clone(), url.clone());
            rt.spawn(R::io(async move {
                let fetch = async {
                    let resp = client.get(&url).send().await?.error_for_status()?;
                    resp.text().await
                };
                fetch
                    .await
                    .map(|t| t.len())
                    .map_err(|e| format!("{url}: {}", course_kit::http::describe(&e, live)))
            }))
        })
        .collect();
    let mut failures = Vec::new();
    for h in handles {
        if let Err(e) = h.await {
            failures.push(e);
        }
    }
    if let Some(first) = failures.first() {
        bail!(
            "{} of {} downloads failed, the first: {first}",
            failures.len(),
            urls.len()
        );
    }
    Ok(())
}

/// Times `runs` runs of `workload` on `rt`; the clock starts inside the runtime, so building it
/// is not counted.
fn measure<R: Rt>(
    rt: &R,
    workload: Workload,
    args: &Args,
    urls: &[String],
    live: bool,
) -> anyhow::Result<Vec<Duration>> {
    let mut times = Vec::new();
    for _ in 0..args.runs {
        if interrupt::requested() {
            break;
        }
        let elapsed = rt.block_on(async {
            let t0 = Instant::now();
            match workload {
                Workload::Spawn => spawn_many(rt, args.tasks).await,
                Workload::Channel => channel(rt, args.messages).await,
                Workload::Timers => timers(rt, args.timers).await,
                Workload::Downloads => downloads(rt, urls, &args.net, live).await,
            }
            .map(|()| t0.elapsed())
        });
        times.push(elapsed.with_context(|| format!("{} on {}", workload.label(args), rt.name()))?);
    }
    Ok(times)
}

/// One row of the table.
struct Row {
    workload: Workload,
    runtime: String,
    spread: Spread,
}

fn measure_all<R: Rt>(
    rt: &R,
    args: &Args,
    urls: &[String],
    live: bool,
    rows: &mut Vec<Row>,
) -> anyhow::Result<()> {
    let mut workloads = vec![Workload::Spawn, Workload::Channel, Workload::Timers];
    if !urls.is_empty() {
        workloads.push(Workload::Downloads);
    }
    for workload in workloads {
        let times = measure(rt, workload, args, urls, live)?;
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
    course_kit::exit::report(run())
}

fn run() -> anyhow::Result<ExitCode> {
    let args = Args::parse();
    course_kit::warn_if_unoptimized!();
    let stop = interrupt::flag();
    let workers = args.workers.get();
    let source = args.net.source(args.time)?;
    let urls: Vec<String> = (1..=args.downloads)
        .map(|n| source.url_for("https://talkpython.fm", &format!("/{}", 100 + n)))
        .collect();
    let live = source.is_live();
    cprintln!(
        style::APP,
        "Timing {} runs per figure on {workers} worker threads...",
        args.runs
    );

    let mut rows = Vec::new();
    // One runtime at a time, each dropped (its threads stopped) before the next is built.
    measure_all(
        &Tokio::multi_thread(workers)?,
        &args,
        &urls,
        live,
        &mut rows,
    )?;
    measure_all(&Tokio::current_thread()?, &args, &urls, live, &mut rows)?;
    measure_all(&Smol::new(workers)?, &args, &urls, live, &mut rows)?;
    // async-std reads its thread count from the environment once, at first use.
    measure_all(&AsyncStd, &args, &urls, live, &mut rows)?;

    print_table(&args, &rows);
    if stop.load(std::sync::atomic::Ordering::SeqCst) {
        cprintln!(
            style::WARN,
            "Interrupted by Ctrl-C: the table has the runs done so far."
        );
        return Ok(ExitCode::from(130));
    }
    Ok(ExitCode::SUCCESS)
}

fn print_table(args: &Args, rows: &[Row]) {
    println!();
    println!(
        "{:<26} {:<32} {:>11} {:>19} {:>10}",
        "workload", "runtime", "median ms", "min-max ms", "vs best"
    );
    let mut last = None;
    for row in rows_by_workload(rows) {
        let best = rows
            .iter()
            .filter(|r| r.workload == row.workload)
            .map(|r| r.spread.median)
            .min()
            .unwrap_or(row.spread.median);
        let label = if last == Some(row.workload) {
            String::new()
        } else {
            row.workload.label(args)
        };
        last = Some(row.workload);
        let ratio = row.spread.median.as_secs_f64() / best.as_secs_f64().max(1e-12);
        let line = format!(
            "{label:<26} {:<32} {:>11} {:>19} {:>9.2}x",
            row.runtime,
            ms(row.spread.median),
            format!("{}-{}", ms(row.spread.min), ms(row.spread.max)),
            ratio
        );
        if ratio < 1.0001 {
            cprintln!(style::GOOD, "{line}");
        } else {
            println!("{line}");
        }
    }
    let runs = rows.iter().map(|r| r.spread.runs).max().unwrap_or(0);
    println!();
    println!(
        "Each figure: the median of {runs} runs, with the fastest and slowest; 'vs best' is the \
         median over the fastest runtime's median for that workload."
    );
    println!(
        "Under smol and async-std each download runs inside async_compat::Compat (reqwest needs \
         a tokio reactor; Compat runs one on a background thread)."
    );
}

/// Rows grouped by workload, in the order the workloads were run.
fn rows_by_workload(rows: &[Row]) -> Vec<&Row> {
    let order = [
        Workload::Spawn,
        Workload::Channel,
        Workload::Timers,
        Workload::Downloads,
    ];
    order
        .iter()
        .flat_map(|w| rows.iter().filter(move |r| r.workload == *w))
        .collect()
}
