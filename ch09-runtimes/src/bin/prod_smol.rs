//! Two producers and a consumer share a queue on one thread: asyncio's loop as smol's
//! `LocalExecutor`, a small runtime's.
//!
//! Ports: <https://github.com/talkpython/async-techniques-python-course/blob/master/src/09-built-on-asyncio/the_trio/prod_asyncio.py>, on another runtime
//!
//! Run: `cargo run -p ch09-runtimes --bin prod_smol`
//!
//! Copy: `cargo add smol anstream anstyle rand@0.9`
//!
//! Expect: what `prod_asyncio` prints: the producers' and the consumer's lines interleaved, all 40
//! items in about 20 s (`--time-scale 0.01`: 0.2 s).
//!
//! Python vs Rust: Python has one standard loop; in Rust the runtime is a library you choose. This
//! is `prod_asyncio` on smol: a local executor runs its tasks
//! on the thread that runs it, and a smol `Task` is cancelled when dropped (tokio's detaches).

use std::time::{Duration, Instant};

use anstyle::{AnsiColor, Style};
use clap::Parser;
use course_kit::cli::{Seed, TimeScale};
use rand::Rng;
use rand::rngs::StdRng;
use smol::channel::{Receiver, Sender, unbounded}; // smol's channel (async-channel)
use smol::{LocalExecutor, Timer, future}; // smol's executor, timer and combinators

/// The course's colours (colorama's YELLOW for producers, CYAN for the consumer).
const PRODUCER: Style = AnsiColor::Yellow.on_default();
const CONSUMER: Style = AnsiColor::Cyan.on_default();

/// An item and when it was made, so the consumer can say how long it waited.
type Item = (u64, Instant);

/// Two producers and a consumer on smol's local executor.
#[derive(Parser, Debug)]
#[command(name = "prod_smol", version, long_about = None)]
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
    let t0 = Instant::now();
    println!("App started.");

    // `asyncio.new_event_loop()`: an executor whose tasks run on the thread that runs it.
    let ex = LocalExecutor::new();
    let (data, received) = unbounded();

    let (rng1, rng2) = (Seed::rng_for(seed, 1), Seed::rng_for(seed, 2));
    let task1 = ex.spawn(generate_data(num, data.clone(), rng1, second));
    let task3 = ex.spawn(generate_data(num, data, rng2, second));
    let task2 = ex.spawn(process_data(2 * num, received, second));

    // `loop.run_until_complete(asyncio.gather(...))`: a Task is a future of its result.
    smol::block_on(ex.run(future::zip(future::zip(task1, task2), task3)));

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
        Timer::after(pause).await;
    }
}

// smol's `Receiver`, whose `recv` takes `&self`
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
        Timer::after(second / 2).await;
    }
}
