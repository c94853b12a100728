//! Two producers make 20 items each while one consumer processes all 40, concurrently, on one
//! thread.
//!
//! Ports: src/04-asyncio/producer_consumer/prod_async/async_program.py
//!
//! Run: cargo run -p ch04-asyncio --bin async_program
//!
//! Expect: yellow ` -- generated item` lines from both producers interleaved with cyan
//! ` +++ Processed value` lines; each item is processed soon after it is made (ages well under a
//! second, where `sync_program` reached ~20 s), and the whole run takes ~20 s instead of ~30 s
//! for half the items (`--time-scale 0.01` for 0.2 s).
//!
//! Python vs Rust: an `async fn` call builds a future that does nothing until it is polled;
//! `tokio::spawn` (asyncio's `create_task`) hands it to the runtime, which polls it. The channel
//! replaces `asyncio.Queue`: `recv().await` waits without polling, like `await queue.get()`.

use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use course_kit::cli::{Seed, TimeScale};
use course_kit::{ceprintln, cprintln, fmt, style};
use rand::Rng;
use tokio::sync::mpsc;

/// Two producers and one consumer running concurrently on an async runtime.
#[derive(Parser, Debug)]
#[command(version, long_about = None)]
struct Args {
    #[command(flatten)]
    time: TimeScale,
    #[command(flatten)]
    seed: Seed,
    /// How many items each of the two producers makes
    #[arg(long, value_name = "N", default_value_t = 20)]
    items: u64,
}

/// An item carries when it was made, so the consumer can say how long it waited.
type Item = (u64, Instant);

// `current_thread`: one thread runs every task, exactly like asyncio's event loop. All the
// concurrency here comes from tasks taking turns while they sleep, not from parallelism.
#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args = Args::parse();
    let t0 = Instant::now();
    cprintln!(style::APP, "App started.");

    // Unbounded like asyncio.Queue(): producers never wait to put.
    let (tx, rx) = mpsc::unbounded_channel();
    let seed = args.seed.value();
    // Each producer has its own random stream, so a seed repeats a run whatever the interleaving.
    let producer1 = tokio::spawn(generate_data(
        args.items,
        tx.clone(),
        Seed::rng_for(seed, 0),
        args.time,
    ));
    let producer2 = tokio::spawn(generate_data(
        args.items,
        tx,
        Seed::rng_for(seed, 1),
        args.time,
    ));
    let consumer = tokio::spawn(process_data(args.items * 2, rx, args.time));

    // asyncio.gather: wait for all three. Ctrl-C is one more future to race against them.
    let all = async { tokio::join!(producer1, producer2, consumer) };
    let code = tokio::select! {
        (p1, p2, c) = all => {
            if p1.is_err() || p2.is_err() || c.is_err() {
                ceprintln!(style::ERROR, "error: a task failed");
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            }
        }
        Ok(()) = tokio::signal::ctrl_c() => {
            ceprintln!(style::WARN, "Cancelled by Ctrl-C.");
            ExitCode::from(130)
        }
    };

    cprintln!(
        style::APP,
        "App exiting, total time: {} sec.",
        fmt::secs(t0.elapsed().as_secs_f64())
    );
    code
}

async fn generate_data(
    num: u64,
    data: mpsc::UnboundedSender<Item>,
    mut rng: impl Rng,
    time: TimeScale,
) {
    for idx in 1..=num {
        if data.send((idx * idx, Instant::now())).is_err() {
            return; // the consumer has gone away
        }
        cprintln!(style::PRODUCER, " -- generated item {idx}");
        // An async sleep: this task waits, the others run.
        tokio::time::sleep(time.secs(rng.random_range(0.5..1.5))).await;
    }
}

async fn process_data(num: u64, mut data: mpsc::UnboundedReceiver<Item>, time: TimeScale) {
    for _ in 0..num {
        // Waits here, without spinning, until a producer has sent something.
        let Some((value, made)) = data.recv().await else {
            break; // both producers have finished and the channel is empty
        };
        cprintln!(
            style::CONSUMER,
            " +++ Processed value {value} after {:.2} sec.",
            made.elapsed().as_secs_f64()
        );
        tokio::time::sleep(time.secs(0.5)).await;
    }
}
