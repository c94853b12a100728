//! Measures the event loop itself: two producers and a consumer pass 500,000 items through a queue,
//! handing control back to the loop after every action.
//!
//! Ports: [`loops/loops_asyncio/loop_program.py`](https://github.com/talkpython/async-techniques-python-course/blob/master/src/04-asyncio/loops/loops_asyncio/loop_program.py)
//!
//! Run: `cargo run -p ch04-asyncio --release --bin loop_program`
//!
//! Copy: `cargo add tokio smol --features tokio/rt-multi-thread,tokio/macros,tokio/sync`
//!
//! Expect: `Running standard loop with 500,000 actions.`, then `App exiting, total time: …`, about
//! 0.1 s in a release build, where the course's asyncio takes ~2.9 s (figures: the README).
//!
//! Python vs Rust: the loop's bookkeeping is compiled code: a task switch is a function return
//! and a queue push, with no interpreter and no objects made per `await`. The time has three
//! decimals, not two: two would round it away. `loop_program_uv` is this file on smol's executor.

use std::time::Instant;

use clap::Parser;
use course_kit::fmt;
use tokio::sync::mpsc;

/// Two producers and a consumer pass 500,000 items through a queue, yielding after each.
#[derive(Parser, Debug)]
#[command(name = "loop_program", version, long_about = None)]
struct Args {
    /// How many queue actions (items) in all
    #[arg(long, value_name = "N", default_value_t = 500_000,
          value_parser = clap::value_parser!(u64).range(2..=10_000_000))]
    actions: u64,
}

fn main() -> std::io::Result<()> {
    course_kit::exit::quiet_broken_pipe();
    let args = Args::parse();
    course_kit::warn_if_unoptimized!();
    let lim = args.actions / 2;
    println!(
        "Running standard loop with {} actions.",
        fmt::thousands(args.actions)
    );
    let t0 = Instant::now();

    // tokio's single-threaded runtime, the closest thing to asyncio's one loop. It needs no I/O
    // or timer driver for this workload.
    let event_loop = tokio::runtime::Builder::new_current_thread().build()?;
    // Unbounded, like asyncio.Queue() without a maxsize: a put never waits.
    let (data, rx) = mpsc::unbounded_channel();

    let task1 = event_loop.spawn(generate_data(lim, data.clone()));
    let task3 = event_loop.spawn(generate_data(args.actions - lim, data));
    let task2 = event_loop.spawn(process_data(args.actions, rx));

    let final_task = async { tokio::try_join!(task1, task2, task3) };
    event_loop.block_on(final_task)?; // Err only if a task panicked

    let dt = t0.elapsed().as_secs_f64();
    println!("App exiting, total time: {dt:.3} sec.");
    Ok(())
}

async fn generate_data(num: u64, data: mpsc::UnboundedSender<(u64, Instant)>) {
    for idx in 1..=num {
        let item = idx * idx;
        if data.send((item, Instant::now())).is_err() {
            return; // the consumer is gone, so nobody wants the rest
        }
        // `asyncio.sleep(0)`: back to the executor. smol's yield wakes the task at once on any
        // executor; tokio's own `yield_now` first lets the runtime poll its I/O and timers,
        // fair to sockets but about a third slower per action here.
        smol::future::yield_now().await;
    }
}

async fn process_data(num: u64, mut data: mpsc::UnboundedReceiver<(u64, Instant)>) {
    let mut processed = 0;
    while processed < num {
        // `None` only once every producer is gone and the queue is empty: a miscount.
        data.recv()
            .await
            .expect("the producers make `num` items in all");
        processed += 1;
        smol::future::yield_now().await;
    }
}
