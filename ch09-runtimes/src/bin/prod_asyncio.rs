//! Two producers (20 items each) and one consumer run concurrently on tokio's current-thread
//! runtime, the Rust twin of asyncio's one loop on one thread.
//!
//! Ports: `src/09-built-on-asyncio/the_trio/prod_asyncio.py`
//!
//! Run: `cargo run -p ch09-runtimes --bin prod_asyncio`
//!
//! Copy: `cargo add tokio anstream anstyle rand@0.9 --features tokio/rt,tokio/macros,tokio/sync,tokio/time`
//!
//! Expect: yellow ` -- generated item` and cyan ` +++ Processed value` lines interleaved, items
//! processed well under a second after they were made, all 40 processed in about 20 s
//! (`--time-scale 0.01` for 0.2 s). Ctrl-C stops every task, says `Cancelled by Ctrl-C.` and still
//! prints the summary.
//!
//! Why the current-thread runtime: asyncio runs every task on the one thread that runs its loop,
//! and so does this runtime. There is no parallelism: a task runs only while the others wait at
//! an `.await`, so the lines interleave as the course's do. No task ever moves to another
//! thread, so none needs to be `Send`: spawned with `tokio::task::spawn_local` inside a
//! `LocalSet`, a task may hold an `Rc` (the crate's docs show one). `tokio::spawn` asks for
//! `Send` on both flavours; it is kept here because these tasks are `Send` anyway and the file
//! stays a near-copy of `prod_smol`. The multi-thread runtime (`#[tokio::main]`'s default) would
//! run the three tasks on several threads at once; `runtimes` times both flavours.
//!
//! Python vs Rust: `asyncio.Queue` is a channel here. The consumer stops when the channel is
//! closed (every sender dropped, i.e. both producers finished) rather than counting to 40, so it
//! processes exactly what was produced. `prod_smol` and `prod_async_std` are this file with
//! another runtime: diff them to see what changes (the runtime, spawn, sleep, channel, Ctrl-C)
//! and what does not.

use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anstyle::{AnsiColor, Style};
use clap::Parser;
use course_kit::cli::{Seed, TimeScale};
use course_kit::{fmt, interrupt};
use rand::Rng;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

/// The course's colour for producers (colorama's Fore.YELLOW).
const PRODUCER: Style = AnsiColor::Yellow.on_default();
/// The course's colour for the consumer (colorama's Fore.CYAN).
const CONSUMER: Style = AnsiColor::Cyan.on_default();

/// Items made and processed, for the closing summary. Atomics, so that tasks on any thread of any
/// runtime can count without a lock or a handle passed around.
static PRODUCED: AtomicU64 = AtomicU64::new(0);
static PROCESSED: AtomicU64 = AtomicU64::new(0);

/// An item: its value, and when it was made, so the consumer can say how long it waited.
type Item = (u64, Instant);

/// Two producers and a consumer on tokio's current-thread runtime.
#[derive(Parser, Debug)]
#[command(version, long_about = None)]
struct Args {
    #[command(flatten)]
    time: TimeScale,
    #[command(flatten)]
    seed: Seed,
    /// How many items each producer makes
    #[arg(long, value_name = "N", default_value_t = 20)]
    items: u64,
}

fn main() -> ExitCode {
    course_kit::exit::quiet_broken_pipe();
    course_kit::exit::report(run())
}

fn run() -> anyhow::Result<ExitCode> {
    let args = Args::parse();
    let t0 = Instant::now();
    println!("App started.");
    let seed = args.seed.value();
    let (rng1, rng2) = (Seed::rng_for(seed, 1), Seed::rng_for(seed, 2));
    let work = produce_and_consume(args.items, rng1, rng2, args.time.time_scale);

    // The loop, `asyncio.new_event_loop()`: one thread runs every task.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let interrupted = runtime.block_on(async {
        tokio::select! {
            () = work => false,
            // A handler that cannot be installed disables this branch instead of ending the run.
            Ok(()) = tokio::signal::ctrl_c() => true,
        }
    });
    // Dropping the runtime cancels every task still running (after Ctrl-C).
    drop(runtime);

    if interrupted {
        interrupt::announce();
    }
    ch09_runtimes::say_summary(
        PRODUCED.load(Ordering::Relaxed),
        PROCESSED.load(Ordering::Relaxed),
    );
    println!(
        "App exiting, total time: {} sec.",
        fmt::secs(t0.elapsed().as_secs_f64())
    );
    Ok(if interrupted {
        interrupt::exit_code()
    } else {
        ExitCode::SUCCESS
    })
}

/// The course's `main` once it has a loop: start three tasks, then wait for all of them.
/// `time_scale` multiplies every sleep (1.0 is the course's pace).
async fn produce_and_consume(
    num: u64,
    rng1: impl Rng + Send + 'static,
    rng2: impl Rng + Send + 'static,
    time_scale: f64,
) {
    // Unbounded, like `asyncio.Queue()`.
    let (tx, rx) = unbounded_channel();
    let prod1 = tokio::spawn(generate_data(num, tx.clone(), rng1, time_scale));
    let prod2 = tokio::spawn(generate_data(num, tx, rng2, time_scale));
    let consumer = tokio::spawn(process_data(rx, time_scale));

    // `asyncio.gather`: a JoinHandle is itself a future.
    let _ = tokio::join!(prod1, prod2, consumer);
}

async fn generate_data(num: u64, data: UnboundedSender<Item>, mut rng: impl Rng, time_scale: f64) {
    for idx in 1..=num {
        // Sending on an unbounded channel never waits. It fails only once the consumer is gone,
        // and then there is no point producing more.
        if data.send((idx * idx, Instant::now())).is_err() {
            return;
        }
        PRODUCED.fetch_add(1, Ordering::Relaxed);
        anstream::println!("{PRODUCER} -- generated item {idx}{PRODUCER:#}");
        let pause = Duration::from_secs_f64(rng.random_range(0.5..1.5) * time_scale);
        tokio::time::sleep(pause).await;
    }
}

async fn process_data(mut data: UnboundedReceiver<Item>, time_scale: f64) {
    // The channel ends once both producers have finished and dropped their senders.
    while let Some((value, made)) = data.recv().await {
        let age = made.elapsed().as_secs_f64();
        anstream::println!(
            "{CONSUMER} +++ Processed value {value} after {age:.2} sec.{CONSUMER:#}"
        );
        PROCESSED.fetch_add(1, Ordering::Relaxed);
        tokio::time::sleep(Duration::from_secs_f64(0.5 * time_scale)).await;
    }
}
