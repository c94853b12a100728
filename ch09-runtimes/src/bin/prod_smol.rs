//! Two producers (20 items each) and one consumer run concurrently on smol, a small runtime.
//!
//! Ports: `src/09-built-on-asyncio/the_trio/prod_asyncio.py` (on another runtime)
//!
//! Run: `cargo run -p ch09-runtimes --bin prod_smol`
//!
//! Copy: `cargo add smol anstream anstyle rand@0.9`
//!
//! Expect: yellow ` -- generated item` and cyan ` +++ Processed value` lines interleaved, items
//! processed well under a second after they were made, all 40 processed in about 20 s
//! (`--time-scale 0.01` for 0.2 s). Ctrl-C stops every task, says `Cancelled by Ctrl-C.` and still
//! prints the summary.
//!
//! Python vs Rust: Python has one standard loop; Rust lets you pick the runtime, and this is
//! `prod_asyncio` with smol instead of tokio (`diff` the two files: the changed lines say
//! `// New:`). smol is a few small crates (async-executor, async-io, async-channel);
//! `smol::block_on` drives the main future on this thread and `smol::spawn` puts tasks on a global
//! executor (one thread unless `SMOL_THREADS` says otherwise, so like asyncio no two tasks run at
//! once). Two differences from tokio show up: a smol `Task` is cancelled when it is dropped
//! (tokio's `JoinHandle` detaches instead), and smol has no signal handling, so `main` gets
//! Ctrl-C from the `ctrlc` crate through a channel (`ch09_runtimes::signal`).

use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anstyle::{AnsiColor, Style};
use clap::Parser;
use course_kit::cli::{Seed, TimeScale};
use course_kit::{fmt, interrupt};
use rand::Rng;
use smol::channel::{Receiver, Sender, unbounded}; // New: smol's channel
use smol::{Timer, future}; // New: smol's timer and future combinators

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

/// Two producers and a consumer on smol.
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

    // New: no runtime object to build: `block_on` runs the future here, the spawned tasks run on
    // smol's global executor. After Ctrl-C the tasks are cancelled as their `Task`s are dropped.
    let work = async {
        work.await;
        false
    };
    let ctrl_c = async {
        ch09_runtimes::signal::ctrl_c().await;
        true
    };
    let interrupted = smol::block_on(future::or(work, ctrl_c)); // New: smol's block_on and race

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
    let (tx, rx) = unbounded(); // New: smol's channel
    let prod1 = smol::spawn(generate_data(num, tx.clone(), rng1, time_scale)); // New: smol::spawn
    let prod2 = smol::spawn(generate_data(num, tx, rng2, time_scale)); // New: smol::spawn
    let consumer = smol::spawn(process_data(rx, time_scale)); // New: smol::spawn

    // `asyncio.gather`: a Task is itself a future.
    future::zip(future::zip(prod1, prod2), consumer).await; // New: smol's zip
}

// New: smol's sender
async fn generate_data(num: u64, data: Sender<Item>, mut rng: impl Rng, time_scale: f64) {
    for idx in 1..=num {
        // Sending on an unbounded channel never waits. It fails only once the consumer is gone,
        // and then there is no point producing more.
        if data.send((idx * idx, Instant::now())).await.is_err() {
            // New: smol's send is async (it only waits on a bounded channel)
            return;
        }
        PRODUCED.fetch_add(1, Ordering::Relaxed);
        anstream::println!("{PRODUCER} -- generated item {idx}{PRODUCER:#}");
        let pause = Duration::from_secs_f64(rng.random_range(0.5..1.5) * time_scale);
        Timer::after(pause).await; // New: smol's timer
    }
}

// New: smol's receiver
async fn process_data(data: Receiver<Item>, time_scale: f64) {
    // The channel ends once both producers have finished and dropped their senders.
    while let Ok((value, made)) = data.recv().await {
        // New: `Err(Closed)` at the end
        let age = made.elapsed().as_secs_f64();
        anstream::println!(
            "{CONSUMER} +++ Processed value {value} after {age:.2} sec.{CONSUMER:#}"
        );
        PROCESSED.fetch_add(1, Ordering::Relaxed);
        Timer::after(Duration::from_secs_f64(0.5 * time_scale)).await; // New: smol's timer
    }
}
