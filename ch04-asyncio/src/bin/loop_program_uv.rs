//! The same 500,000-action loop as `loop_program`, on another executor: smol's, the analogue of
//! swapping asyncio's loop for uvloop.
//!
//! Ports: [`loops/loops_uv/loop_program_uv.py`](https://github.com/talkpython/async-techniques-python-course/blob/master/src/04-asyncio/loops/loops_uv/loop_program_uv.py)
//!
//! Run: `cargo run -p ch04-asyncio --release --bin loop_program_uv`
//!
//! Copy: `cargo add tokio smol futures --features tokio/sync`
//!
//! Expect: the course's `Running standard loop with 500,000 actions.` (its uvloop file says
//! "standard" too), then the total time: about `loop_program`'s, where uvloop gains 1.8× on asyncio.
//!
//! Python vs Rust: uvloop is installed as asyncio's loop policy and the program is unchanged. Rust
//! has no global loop to replace: the executor is whatever drives the future, so the lines
//! that make and drive it change. tokio's channel works on any executor.

use std::time::Instant;

use clap::Parser;
use course_kit::fmt;
use tokio::sync::mpsc;

/// Two producers and a consumer pass 500,000 items through a queue, yielding after each.
#[derive(Parser, Debug)]
#[command(name = "loop_program_uv", version, long_about = None)]
struct Args {
    /// How many queue actions (items) in all
    #[arg(long, value_name = "N", default_value_t = 500_000,
          value_parser = clap::value_parser!(u64).range(2..=10_000_000))]
    actions: u64,
}

// No `?` in `main`: building a smol executor cannot fail.
fn main() {
    course_kit::exit::quiet_broken_pipe();
    let args = Args::parse();
    course_kit::warn_if_unoptimized!();
    let lim = args.actions / 2;
    println!(
        "Running standard loop with {} actions.",
        fmt::thousands(args.actions)
    );
    let t0 = Instant::now();

    // smol's single-threaded executor; `block_on` below drives it on this thread.
    let event_loop = smol::LocalExecutor::new();
    // Unbounded, like asyncio.Queue() without a maxsize: a put never waits.
    let (data, rx) = mpsc::unbounded_channel();

    let task1 = event_loop.spawn(generate_data(lim, data.clone()));
    let task3 = event_loop.spawn(generate_data(args.actions - lim, data));
    let task2 = event_loop.spawn(process_data(args.actions, rx));

    // A smol task hands back its value itself (a panic in it resumes here).
    let final_task = async { futures::join!(task1, task2, task3) };
    smol::block_on(event_loop.run(final_task)); // drive the executor until all are done

    let dt = t0.elapsed().as_secs_f64();
    println!("App exiting, total time: {dt:.3} sec.");
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
