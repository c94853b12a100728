//! Two producers and a consumer share a queue on async-std's global executor. async-std is
//! discontinued (RUSTSEC-2025-0052): read it, write new code on tokio or smol.
//!
//! Ports: <https://github.com/talkpython/async-techniques-python-course/blob/master/src/09-built-on-asyncio/the_trio/prod_asyncio.py>, on another runtime
//!
//! Run: `cargo run -p ch09-runtimes --bin prod_async_std`
//!
//! Copy: `cargo add async-std anstream anstyle rand@0.9 --features async-std/unstable`
//!
//! Expect: a note on stderr that async-std is discontinued, then what `prod_asyncio` prints: all
//! 40 items in about 20 s (`--time-scale 0.01`: 0.2 s).
//!
//! Python vs Rust: this is `prod_asyncio` on async-std, whose
//! API mirrors std's (`task::spawn`, `task::sleep`); its tasks run on a global pool of threads, so
//! they must be `Send`. `join` on futures needs its `unstable` feature.

use std::time::{Duration, Instant};

use anstyle::{AnsiColor, Style};
use async_std::channel::{Receiver, Sender, unbounded}; // async-std's channel (async-channel)
use async_std::prelude::FutureExt as _; // async-std's `join`
use async_std::task; // async-std's spawn, sleep and block_on
use clap::Parser;
use course_kit::cli::{Seed, TimeScale};
use rand::Rng;
use rand::rngs::StdRng;

/// The course's colours (colorama's YELLOW for producers, CYAN for the consumer).
const PRODUCER: Style = AnsiColor::Yellow.on_default();
const CONSUMER: Style = AnsiColor::Cyan.on_default();
/// The note that async-std is discontinued, on stderr.
const NOTE: Style = AnsiColor::Yellow.on_default().bold(); // the status note

/// An item and when it was made, so the consumer can say how long it waited.
type Item = (u64, Instant);

/// Two producers and a consumer on async-std (discontinued upstream; use smol).
#[derive(Parser, Debug)]
#[command(name = "prod_async_std", version, long_about = None)]
struct Args {
    #[command(flatten)]
    time: TimeScale,
    #[command(flatten)]
    seed: Seed,
    /// How many items each producer makes (the course: 20; at most 100, about 100 s)
    #[arg(long, value_name = "N", default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=100))]
    items: u64,
}

// A `main` that cannot fail: no runtime to build.
fn main() {
    course_kit::exit::quiet_broken_pipe();
    let args = Args::parse();
    let (num, seed, second) = (args.items, args.seed.value(), args.time.secs(1.0));
    // The status note, where a learner meets async-std at run time.
    anstream::eprintln!(
        "{NOTE}note: async-std is discontinued upstream (RUSTSEC-2025-0052); use smol for new code.{NOTE:#}"
    );
    let t0 = Instant::now();
    println!("App started.");

    // No loop to make: async-std's tasks run on a global executor, started on first use.
    let (data, received) = unbounded();

    let (rng1, rng2) = (Seed::rng_for(seed, 1), Seed::rng_for(seed, 2));
    let task1 = task::spawn(generate_data(num, data.clone(), rng1, second));
    let task3 = task::spawn(generate_data(num, data, rng2, second));
    let task2 = task::spawn(process_data(2 * num, received, second));

    // `loop.run_until_complete(asyncio.gather(...))`: a JoinHandle is a future of its task.
    task::block_on(task1.join(task2).join(task3));

    let dt = t0.elapsed().as_secs_f64();
    println!("App exiting, total time: {dt:.2} sec.");
}

async fn generate_data(num: u64, data: Sender<Item>, mut rng: StdRng, second: Duration) {
    for idx in 1..=num {
        let item = idx * idx;
        // Never waits: the channel is unbounded. (It fails once the consumer is gone: ignored.)
        let _ = data.try_send((item, Instant::now())); // `send` is async here, `try_send` is not

        anstream::println!("{PRODUCER} -- generated item {idx}{PRODUCER:#}");
        let pause = second.mul_f64(rng.random_range(0.5..1.5));
        task::sleep(pause).await;
    }
}

// async-std's `Receiver`, whose `recv` takes `&self`
async fn process_data(num: u64, data: Receiver<Item>, second: Duration) {
    let mut processed = 0;
    while processed < num {
        // `Err(Closed)` once every sender is gone: nothing more can come.
        let Ok((value, t)) = data.recv().await else {
            return;
        };

        processed += 1;
        let dt = t.elapsed().as_secs_f64();
        anstream::println!("{CONSUMER} +++ Processed value {value} after {dt:.2} sec.{CONSUMER:#}");
        task::sleep(second / 2).await;
    }
}
