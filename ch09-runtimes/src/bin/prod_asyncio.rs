//! Two producers and a consumer share a queue on one thread: asyncio's loop as tokio's
//! current-thread runtime.
//!
//! Ports: <https://github.com/talkpython/async-techniques-python-course/blob/master/src/09-built-on-asyncio/the_trio/prod_asyncio.py>
//!
//! Run: `cargo run -p ch09-runtimes --bin prod_asyncio`
//!
//! Copy: `cargo add tokio anstream anstyle anyhow rand@0.9 --features tokio/rt-multi-thread,tokio/macros,tokio/sync,tokio/time`
//!
//! Expect: yellow ` -- generated item` and cyan ` +++ Processed value` lines interleaved, all 40
//! items in about 20 s (`--time-scale 0.01`: 0.2 s).
//!
//! Python vs Rust: one thread runs every task, as asyncio's loop does; the queue is an unbounded
//! channel. `prod_smol`, `prod_async_std` (other runtimes) and `prod_trio` (a nursery) are this
//! file changed: `diff` shows how.

use std::time::{Duration, Instant};

use anstyle::{AnsiColor, Style};
use clap::Parser;
use course_kit::cli::{Seed, TimeScale};
use rand::Rng;
use rand::rngs::StdRng;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

/// The course's colours (colorama's YELLOW for producers, CYAN for the consumer).
const PRODUCER: Style = AnsiColor::Yellow.on_default();
const CONSUMER: Style = AnsiColor::Cyan.on_default();

/// An item and when it was made, so the consumer can say how long it waited.
type Item = (u64, Instant);

/// Two producers and a consumer on tokio's current-thread runtime.
#[derive(Parser, Debug)]
#[command(name = "prod_asyncio", version, long_about = None)]
struct Args {
    #[command(flatten)]
    time: TimeScale,
    #[command(flatten)]
    seed: Seed,
    /// How many items each producer makes (the course: 20; at most 100, about 100 s)
    #[arg(long, value_name = "N", default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=100))]
    items: u64,
}

fn main() -> anyhow::Result<()> {
    course_kit::exit::quiet_broken_pipe();
    let args = Args::parse();
    let (num, seed, second) = (args.items, args.seed.value(), args.time.secs(1.0));
    let t0 = Instant::now();
    println!("App started.");

    // `asyncio.new_event_loop()`: a runtime whose one thread runs every task.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()?;
    let (data, received) = unbounded_channel();

    let (rng1, rng2) = (Seed::rng_for(seed, 1), Seed::rng_for(seed, 2));
    let task1 = runtime.spawn(generate_data(num, data.clone(), rng1, second));
    let task3 = runtime.spawn(generate_data(num, data, rng2, second));
    let task2 = runtime.spawn(process_data(2 * num, received, second));

    // `loop.run_until_complete(asyncio.gather(...))`: a JoinHandle is a future of its task.
    runtime.block_on(async { tokio::try_join!(task1, task2, task3) })?;

    let dt = t0.elapsed().as_secs_f64();
    println!("App exiting, total time: {dt:.2} sec.");
    Ok(())
}

async fn generate_data(num: u64, data: UnboundedSender<Item>, mut rng: StdRng, second: Duration) {
    for idx in 1..=num {
        let item = idx * idx;
        // Never waits: the channel is unbounded. (It fails once the consumer is gone: ignored.)
        let _ = data.send((item, Instant::now()));

        anstream::println!("{PRODUCER} -- generated item {idx}{PRODUCER:#}");
        let pause = second.mul_f64(rng.random_range(0.5..1.5));
        tokio::time::sleep(pause).await;
    }
}

async fn process_data(num: u64, mut data: UnboundedReceiver<Item>, second: Duration) {
    let mut processed = 0;
    while processed < num {
        // `None` once every sender is gone: nothing more can come.
        let Some((value, t)) = data.recv().await else {
            return;
        };

        processed += 1;
        let dt = t.elapsed().as_secs_f64();
        anstream::println!("{CONSUMER} +++ Processed value {value} after {dt:.2} sec.{CONSUMER:#}");
        tokio::time::sleep(second / 2).await;
    }
}
