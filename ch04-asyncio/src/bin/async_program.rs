//! Two producers make 20 items each while one consumer processes all 40, concurrently, on one
//! thread.
//!
//! Ports: `src/04-asyncio/producer_consumer/prod_async/async_program.py`
//!
//! Run: `cargo run -p ch04-asyncio --bin async_program`
//!
//! Copy: `cargo add tokio rand anstream anstyle --features tokio/rt,tokio/macros,tokio/time,tokio/sync`
//!
//! Expect: yellow ` -- generated item` lines from both producers interleaved with cyan
//! ` +++ Processed value` lines; each item is processed soon after it is made (ages well under a
//! second, where `sync_program` reached ~20 s), and the whole run takes ~20 s instead of ~30 s
//! for half the items (`--time-scale 0.01` for 0.2 s). Ctrl-C stops it with its total time and
//! exit code 130.
//!
//! Python vs Rust: an `async fn` call builds a future that does nothing until it is polled;
//! `tokio::spawn` (asyncio's `create_task`) hands it to the runtime, which polls it. The channel
//! replaces `asyncio.Queue`: `recv().await` waits without polling, like `await queue.get()`.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use anstyle::{AnsiColor, Style};
use clap::Parser;
use course_kit::cli::{Seed, TimeScale};
use course_kit::{fmt, interrupt};
use rand::Rng;
use rand::rngs::StdRng;
use tokio::sync::mpsc;

/// The course's colour for producers (colorama's Fore.YELLOW).
const PRODUCER: Style = AnsiColor::Yellow.on_default();
/// The course's colour for the consumer (Fore.CYAN).
const CONSUMER: Style = AnsiColor::Cyan.on_default();

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
    course_kit::exit::quiet_broken_pipe();
    let args = Args::parse();
    let second = args.time.secs(1.0);
    let seed = args.seed.value();
    let t0 = Instant::now();
    println!("App started.");

    // Unbounded like asyncio.Queue(): producers never wait to put.
    let (tx, rx) = mpsc::unbounded_channel();
    // Each producer has its own random stream, so a seed repeats a run whatever the interleaving.
    let producer1 = tokio::spawn(generate_data(
        args.items,
        tx.clone(),
        Seed::rng_for(seed, 0),
        second,
    ));
    let producer2 = tokio::spawn(generate_data(
        args.items,
        tx,
        Seed::rng_for(seed, 1),
        second,
    ));
    let consumer = tokio::spawn(process_data(args.items * 2, rx, second));

    // asyncio.gather: wait for all three. Ctrl-C is one more future to race against them.
    let all = async { tokio::join!(producer1, producer2, consumer) };
    let code = tokio::select! {
        (p1, p2, c) = all => {
            if p1.is_err() || p2.is_err() || c.is_err() {
                course_kit::exit::report(Err(anyhow::anyhow!("a task failed")))
            } else {
                ExitCode::SUCCESS
            }
        }
        Ok(()) = tokio::signal::ctrl_c() => {
            interrupt::announce();
            interrupt::exit_code()
        }
    };

    println!(
        "App exiting, total time: {} sec.",
        fmt::secs(t0.elapsed().as_secs_f64())
    );
    code
}

/// Sends `num` items, pausing 0.5–1.5 `second`s after each.
async fn generate_data(
    num: u64,
    data: mpsc::UnboundedSender<Item>,
    mut rng: StdRng,
    second: Duration,
) {
    for idx in 1..=num {
        if data.send((idx * idx, Instant::now())).is_err() {
            return; // the consumer has gone away
        }
        anstream::println!("{PRODUCER} -- generated item {idx}{PRODUCER:#}");
        // An async sleep: this task waits, the others run.
        tokio::time::sleep(second.mul_f64(rng.random_range(0.5..1.5))).await;
    }
}

/// Receives `num` items, pausing half a `second` after each.
async fn process_data(num: u64, mut data: mpsc::UnboundedReceiver<Item>, second: Duration) {
    for _ in 0..num {
        // Waits here, without spinning, until a producer has sent something.
        let Some((value, made)) = data.recv().await else {
            break; // both producers have finished and the channel is empty
        };
        anstream::println!(
            "{CONSUMER} +++ Processed value {value} after {:.2} sec.{CONSUMER:#}",
            made.elapsed().as_secs_f64()
        );
        tokio::time::sleep(second / 2).await;
    }
}
