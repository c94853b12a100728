//! Two producers and one consumer pass 40 items through a queue, concurrently, on one thread.
//!
//! Ports: [`producer_consumer/prod_async/async_program.py`](https://github.com/talkpython/async-techniques-python-course/blob/master/src/04-asyncio/producer_consumer/prod_async/async_program.py)
//!
//! Run: `cargo run -p ch04-asyncio --bin async_program`
//!
//! Copy: `cargo add tokio rand@0.9 anstream anstyle --features tokio/rt-multi-thread,tokio/macros,tokio/time,tokio/sync`
//!
//! Expect: the two producers' yellow ` -- generated item` lines interleaved with cyan ` +++
//! Processed value` lines aged well under a second (`sync_program` reached ~20 s); ~20 s in all
//! for twice the items (`--time-scale 0.01` for 0.2 s).
//!
//! Python vs Rust: an `async fn` call builds a future that does nothing until polled; the
//! runtime's `spawn` (`create_task`) makes it a task that the runtime polls.

use std::time::{Duration, Instant};

use anstyle::{AnsiColor, Style};
use clap::Parser;
use course_kit::cli::{Seed, TimeScale};
use rand::Rng;
use rand::rngs::StdRng;
use tokio::runtime::Builder;
use tokio::sync::mpsc; // an async queue

/// The course's colour for producers (colorama's Fore.YELLOW).
const PRODUCER: Style = AnsiColor::Yellow.on_default();
/// The course's colour for the consumer (Fore.CYAN).
const CONSUMER: Style = AnsiColor::Cyan.on_default();

/// Two producers and one consumer, concurrently on one thread.
#[derive(Parser, Debug)]
#[command(name = "async_program", version, long_about = None)]
struct Args {
    #[command(flatten)]
    time: TimeScale,
    #[command(flatten)]
    seed: Seed,
    /// How many items each producer makes
    #[arg(long, value_name = "N", default_value_t = 20,
          value_parser = clap::value_parser!(u64).range(1..=1000))]
    items: u64,
}

/// An item carries when it was made, so the consumer can say how long it waited.
type Item = (u64, Instant);

fn main() -> std::io::Result<()> {
    course_kit::exit::quiet_broken_pipe();
    let args = Args::parse();
    let (second, seed) = (args.time.secs(1.0), args.seed.value());
    let rng = |stream| Seed::rng_for(seed, stream);
    // The event loop. One thread runs every task, as in asyncio: the concurrency comes from
    // tasks taking turns while they wait, not from parallelism.
    let event_loop = Builder::new_current_thread().enable_time().build()?;

    let t0 = Instant::now();
    println!("App started.");
    // Unbounded, like asyncio.Queue(): a producer never waits to put.
    let (data, rx) = mpsc::unbounded_channel();
    // Each producer has its own random stream, so a seed repeats whatever the interleaving.
    let task1 = event_loop.spawn(generate_data(args.items, data.clone(), rng(0), second));
    let task2 = event_loop.spawn(generate_data(args.items, data, rng(1), second));
    let task3 = event_loop.spawn(process_data(args.items * 2, rx, second));

    // `loop.run_until_complete(asyncio.gather(...))`. Err only if a task panicked.
    let final_task = async { tokio::try_join!(task1, task2, task3) };
    event_loop.block_on(final_task)?;

    let dt = t0.elapsed().as_secs_f64();
    println!("App exiting, total time: {dt:.2} sec.");
    Ok(())
}

/// Makes `num` items, pausing 0.5–1.5 `second`s after each.
// `async def`: it puts into the queue instead of appending to a list.
async fn generate_data(
    num: u64,
    data: mpsc::UnboundedSender<Item>,
    mut rng: StdRng,
    second: Duration,
) {
    for idx in 1..=num {
        let item = idx * idx;
        if data.send((item, Instant::now())).is_err() {
            return; // the consumer is gone, so nobody wants the rest
        }

        anstream::println!("{PRODUCER} -- generated item {idx}{PRODUCER:#}");
        // `await asyncio.sleep(...)`: this task waits, the others run.
        tokio::time::sleep(second.mul_f64(rng.random::<f64>() + 0.5)).await;
    }
}

/// Processes `num` items, pausing half a `second` after each.
// `async def`: it waits on the queue for each item.
async fn process_data(num: u64, mut data: mpsc::UnboundedReceiver<Item>, second: Duration) {
    let mut processed = 0;
    while processed < num {
        let Some(item) = data.recv().await else {
            break; // both producers are done and the queue is empty
        };

        processed += 1;
        let (value, t) = item;
        let dt = t.elapsed().as_secs_f64();

        anstream::println!("{CONSUMER} +++ Processed value {value} after {dt:.2} sec.{CONSUMER:#}");
        tokio::time::sleep(second / 2).await;
    }
}
