//! Two producers (20 items each) and one consumer run concurrently on async-std, which is
//! discontinued: read it, write new code on tokio or smol.
//!
//! Ports: `src/09-built-on-asyncio/the_trio/prod_asyncio.py` (on another runtime)
//!
//! Run: `cargo run -p ch09-runtimes --bin prod_async_std`
//!
//! Copy: `cargo add async-std anstream anstyle rand@0.9 --features async-std/unstable`
//!
//! Status: async-std is DISCONTINUED upstream (advisory RUSTSEC-2025-0052, "unmaintained"); its
//! README points users to smol. It is kept here, like the course keeps older tools, because much
//! published code still uses it, and the program says so on stderr when it starts. Since 1.6 it
//! is itself built on smol's crates (async-global-executor over async-executor, async-io,
//! async-channel).
//!
//! Expect: a one-line note on stderr that async-std is discontinued, then yellow
//! ` -- generated item` and cyan ` +++ Processed value` lines interleaved, items processed well
//! under a second after they were made, all 40 processed in about 20 s (`--time-scale 0.01` for
//! 0.2 s). Ctrl-C stops every task, says `Cancelled by Ctrl-C.` and still prints the summary.
//!
//! Python vs Rust: this is `prod_smol` with async-std's names (`diff` the two files: the changed
//! lines say `// New:`). async-std mirrors the standard library's API (`task::spawn`,
//! `task::sleep`, `channel`) and runs tasks on a global multi-threaded executor. Like tokio's, its
//! `JoinHandle` detaches when dropped; like smol it has no signal handling, so `main` gets Ctrl-C
//! from the `ctrlc` crate (`ch09_runtimes::signal`). `join` and `race` on futures need its
//! `unstable` feature.

use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anstyle::{AnsiColor, Style};
use async_std::channel::{Receiver, Sender, unbounded}; // New: async-std's channel
use async_std::prelude::FutureExt as _; // New: async-std's `join` and `race`
use async_std::task; // New: async-std's spawn and sleep
use clap::Parser;
use course_kit::cli::{Seed, TimeScale};
use course_kit::{fmt, interrupt};
use rand::Rng;

/// The note that async-std is discontinued, on stderr.
const NOTE: Style = AnsiColor::Yellow.on_default().bold(); // New: the status note

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

/// Two producers and a consumer on async-std (discontinued upstream; use smol).
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
    // New: the status note, where a learner meets async-std at run time.
    anstream::eprintln!(
        "{NOTE}note: async-std is discontinued upstream (RUSTSEC-2025-0052); use smol for new code.{NOTE:#}"
    );
    let t0 = Instant::now();
    println!("App started.");
    let seed = args.seed.value();
    let (rng1, rng2) = (Seed::rng_for(seed, 1), Seed::rng_for(seed, 2));
    let work = produce_and_consume(args.items, rng1, rng2, args.time.time_scale);

    // New: no runtime object to build: `block_on` runs the future here, the spawned tasks run on
    // async-std's global executor. After Ctrl-C they are simply abandoned: the process ends.
    let work = async {
        work.await;
        false
    };
    let ctrl_c = async {
        ch09_runtimes::signal::ctrl_c().await;
        true
    };
    let interrupted = task::block_on(work.race(ctrl_c)); // New: async-std's block_on and race

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
    let (tx, rx) = unbounded(); // New: async-std's channel
    let prod1 = task::spawn(generate_data(num, tx.clone(), rng1, time_scale)); // New: task::spawn
    let prod2 = task::spawn(generate_data(num, tx, rng2, time_scale)); // New: task::spawn
    let consumer = task::spawn(process_data(rx, time_scale)); // New: task::spawn

    // `asyncio.gather`: a JoinHandle is itself a future.
    prod1.join(prod2).join(consumer).await; // New: async-std's join
}

// New: async-std's sender
async fn generate_data(num: u64, data: Sender<Item>, mut rng: impl Rng, time_scale: f64) {
    for idx in 1..=num {
        // Sending on an unbounded channel never waits. It fails only once the consumer is gone,
        // and then there is no point producing more.
        if data.send((idx * idx, Instant::now())).await.is_err() {
            // New: async-std's send is async (it only waits on a bounded channel)
            return;
        }
        PRODUCED.fetch_add(1, Ordering::Relaxed);
        anstream::println!("{PRODUCER} -- generated item {idx}{PRODUCER:#}");
        let pause = Duration::from_secs_f64(rng.random_range(0.5..1.5) * time_scale);
        task::sleep(pause).await; // New: async-std's sleep
    }
}

// New: async-std's receiver
async fn process_data(data: Receiver<Item>, time_scale: f64) {
    // The channel ends once both producers have finished and dropped their senders.
    while let Ok((value, made)) = data.recv().await {
        // New: `Err(Closed)` at the end
        let age = made.elapsed().as_secs_f64();
        anstream::println!(
            "{CONSUMER} +++ Processed value {value} after {age:.2} sec.{CONSUMER:#}"
        );
        PROCESSED.fetch_add(1, Ordering::Relaxed);
        task::sleep(Duration::from_secs_f64(0.5 * time_scale)).await; // New: async-std's sleep
    }
}
