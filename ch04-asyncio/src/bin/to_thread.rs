//! Runs a blocking call from async code twice: inline, which freezes every other task, and with
//! `spawn_blocking`, which keeps the runtime responsive (Python's `asyncio.to_thread`).
//!
//! Ports: no course file: the learner notes on `asyncio.to_thread`.
//!
//! Run: `cargo run -p ch04-asyncio --bin to_thread`
//!
//! Copy: `cargo add tokio anstream anstyle --features tokio/rt-multi-thread,tokio/macros,tokio/time`
//!
//! Expect: a tick every 0.1 s; none while the 1 s blocking call runs inline (part 1), ~10 while
//! it runs under `spawn_blocking` (part 2). Each part ends with its count of ticks.
//!
//! Python vs Rust: the same rule: a blocking call in a task blocks the loop's thread.
//! `spawn_blocking` runs it on tokio's pool of blocking threads, like `to_thread`; with no GIL,
//! CPU-heavy work there really runs in parallel (for lots of it, prefer rayon).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anstyle::{AnsiColor, Style};
use clap::Parser;
use course_kit::cli::TimeScale;

/// The ticker's colour (colorama's Fore.YELLOW).
const TICK: Style = AnsiColor::Yellow.on_default();

/// Blocking code inside async code: inline versus spawn_blocking.
#[derive(Parser, Debug)]
#[command(name = "to_thread", version, long_about = None)]
struct Args {
    #[command(flatten)]
    time: TimeScale,
}

/// A stand-in for any blocking call (a file read, a C library, `std::thread::sleep`).
fn blocking_io(d: Duration) -> &'static str {
    std::thread::sleep(d);
    "done"
}

/// Counts the ticks that happened strictly between `from` and `to`.
fn ticks_between(ticks: &Mutex<Vec<Instant>>, from: Instant, to: Instant) -> usize {
    let ticks = ticks
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    ticks.iter().filter(|&&t| t > from && t < to).count()
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), tokio::task::JoinError> {
    course_kit::exit::quiet_broken_pipe();
    let args = Args::parse();
    let t0 = Instant::now();
    let period = args.time.secs(0.1).max(Duration::from_micros(100));
    let block = args.time.secs(1.0);

    // The ticker: proof of life for the runtime. It records when each tick really ran.
    let ticks = Arc::new(Mutex::new(Vec::new()));
    let ticker = tokio::spawn({
        let ticks = Arc::clone(&ticks);
        async move {
            let mut interval = tokio::time::interval(period);
            // After a freeze, carry on from now rather than firing all the missed ticks at once.
            interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                interval.tick().await;
                let now = Instant::now();
                ticks
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .push(now);
                anstream::println!("{TICK}  tick at {:.2}s{TICK:#}", (now - t0).as_secs_f64());
            }
        }
    });
    // Let the ticker start before the first experiment.
    tokio::time::sleep(period * 2).await;

    println!("1. calling the blocking function directly in async code:");
    let start = Instant::now();
    let result = blocking_io(block); // blocks the runtime's only thread: nothing else can run
    let end = Instant::now();
    let frozen = ticks_between(&ticks, start, end);
    println!("   {result}; ticks during the call: {frozen}");

    println!("2. the same function with spawn_blocking (asyncio.to_thread):");
    let start = Instant::now();
    // Err only if the blocking call panicked, as `await asyncio.to_thread(f)` raises what f raised.
    let result = tokio::task::spawn_blocking(move || blocking_io(block)).await?;
    let end = Instant::now();
    let live = ticks_between(&ticks, start, end);
    ticker.abort();
    println!("   {result}; ticks during the call: {live}");
    Ok(())
}
