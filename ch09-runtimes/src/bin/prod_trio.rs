//! Two producers and a consumer in a nursery that a deadline cancels after 5 s: trio's structured
//! concurrency, from tokio's `JoinSet`, `timeout` and a bounded channel.
//!
//! Ports: <https://github.com/talkpython/async-techniques-python-course/blob/master/src/09-built-on-asyncio/the_trio/prod_trio.py>
//!
//! Run: `cargo run -p ch09-runtimes --bin prod_trio`
//!
//! Copy: `cargo add tokio anstream anstyle anyhow rand@0.9 --features tokio/rt-multi-thread,tokio/macros,tokio/sync,tokio/time,tokio/signal`
//!
//! Expect: the lines of `prod_asyncio` through a channel of 10 items until, after 5 s, the scope
//! cancels all three tasks and the app exits (`--time-scale 0.01`: 0.05 s). Ctrl-C cancels it too.
//!
//! Python vs Rust: a `JoinSet` owns its tasks as a nursery does, and `shutdown()` cancels each and
//! waits for its end; but nothing forces a task into one, and a task is cancelled only at an
//! `.await`. The chapter's README says more.

use std::process::ExitCode; // 130 after Ctrl-C
use std::time::{Duration, Instant};

use anstyle::{AnsiColor, Style};
use clap::Parser;
use course_kit::cli::{Seed, TimeScale};
use course_kit::interrupt; // Ctrl-C's message and exit code
use rand::Rng;
use rand::rngs::StdRng;
use tokio::sync::mpsc::{Receiver, Sender, channel}; // a bounded channel
use tokio::task::JoinSet; // the nursery

/// The course's colours (colorama's YELLOW for producers, CYAN for the consumer).
const PRODUCER: Style = AnsiColor::Yellow.on_default();
const CONSUMER: Style = AnsiColor::Cyan.on_default();

/// An item and when it was made, so the consumer can say how long it waited.
type Item = (u64, Instant);

/// Two producers and a consumer in a scope cancelled at a deadline (trio's nursery).
#[derive(Parser, Debug)]
#[command(name = "prod_trio", version, long_about = None)]
struct Args {
    #[command(flatten)]
    time: TimeScale,
    #[command(flatten)]
    seed: Seed,
    /// How many items each producer makes (the course: 20; at most 100, about 100 s)
    #[arg(long, value_name = "N", default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=100))]
    items: u64,
}

#[tokio::main(flavor = "current_thread")] // `trio.run(main)`: one thread runs every task
async fn main() -> anyhow::Result<ExitCode> {
    course_kit::exit::quiet_broken_pipe();
    let args = Args::parse();
    let (num, seed, second) = (args.items, args.seed.value(), args.time.secs(1.0));
    let t0 = Instant::now();
    println!("App started.");

    // `trio.open_memory_channel(max_buffer_size=10)`: producers wait while it is full.
    let (send_channel, receive_channel) = channel(10);

    // `async with trio.open_nursery() as nursery:` a set that owns the tasks it starts.
    let mut nursery = JoinSet::new();
    let (rng1, rng2) = (Seed::rng_for(seed, 1), Seed::rng_for(seed, 2));
    nursery.spawn(generate_data(num, send_channel.clone(), rng1, second)); // Prod 1
    nursery.spawn(generate_data(num, send_channel, rng2, second)); // Prod 2
    nursery.spawn(process_data(2 * num, receive_channel, second)); // Consumer

    // `with trio.move_on_after(5):` wait for every task, but 5 s at most, or until Ctrl-C.
    let every_task = async {
        while let Some(task) = nursery.join_next().await {
            task?; // a task that panicked
        }
        anyhow::Ok(())
    };
    let interrupted = tokio::select! {
        ended = tokio::time::timeout(5 * second, every_task) => {
            // `Err` is the deadline: carry on after the block, as `move_on_after` does.
            if let Ok(finished) = ended {
                finished?;
            }
            false
        }
        Ok(()) = tokio::signal::ctrl_c() => true,
    };
    // Leaving the scope cancels every task still running, and waits until each has ended.
    nursery.shutdown().await;

    let dt = t0.elapsed().as_secs_f64();
    println!("App exiting, total time: {dt:.2} sec.");
    if interrupted {
        interrupt::announce(); // Ctrl-C's message on stderr, and exit code 130
        return Ok(interrupt::exit_code());
    }
    Ok(ExitCode::SUCCESS)
}

async fn generate_data(num: u64, data: Sender<Item>, mut rng: StdRng, second: Duration) {
    for idx in 1..=num {
        let item = idx * idx;
        // Waits while the channel is full. (It fails once the consumer is gone: ignored.)
        let _ = data.send((item, Instant::now())).await;

        anstream::println!("{PRODUCER} -- generated item {idx}{PRODUCER:#}");
        let pause = second.mul_f64(rng.random_range(0.5..1.5));
        tokio::time::sleep(pause).await;
    }
}

async fn process_data(num: u64, mut data: Receiver<Item>, second: Duration) {
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
