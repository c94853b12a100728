//! Three tasks each print `One`, sleep a second and print `Two`: the sleeps overlap.
//!
//! Ports: the Real Python article's `async_io/count_async.py` (seed 004, not a course file)
//!
//! Run: `cargo run -p ch04-asyncio --bin count_async`
//!
//! Copy: `cargo add tokio --features tokio/rt-multi-thread,tokio/macros,tokio/time`
//!
//! Expect: `One One One Two Two Two` (one per line), then `count_async executed in 1.00 seconds.`:
//! one second in all, not three, because all three sleeps wait at the same time.
//!
//! Python vs Rust: `tokio::join!` is `asyncio.gather` for a fixed number of futures. It polls
//! all three inside the current task, so there is no spawning at all; each `sleep` hands control
//! back to `join!`, which moves on to the next future.

use std::time::{Duration, Instant};

use clap::Parser;
use course_kit::cli::TimeScale;

/// Three counters sharing one thread.
#[derive(Parser, Debug)]
#[command(name = "count_async", version, long_about = None)]
struct Args {
    #[command(flatten)]
    time: TimeScale,
}

/// Prints `One`, waits `second`, prints `Two`.
async fn count(second: Duration) {
    println!("One");
    // Where this future pauses: `join!` polls the next one while the timer runs.
    tokio::time::sleep(second).await;
    println!("Two");
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    course_kit::exit::quiet_broken_pipe();
    let args = Args::parse();
    let second = args.time.secs(1.0);
    let t0 = Instant::now();
    tokio::join!(count(second), count(second), count(second));
    println!(
        "count_async executed in {:.2} seconds.",
        t0.elapsed().as_secs_f64()
    );
}
