//! Shows that calling an async fn runs nothing, that `.await` runs it inline, and that
//! `tokio::spawn` runs it concurrently, with a timestamp on every line.
//!
//! Ports: no course file; the seed notes on creating tasks versus awaiting a coroutine directly.
//!
//! Run: cargo run -p ch04-asyncio --bin lazy_futures
//!
//! Expect: four parts. (1) A future is created and dropped: its body never prints. (2) It is
//! awaited: it runs right there, and `main` waits for it. (3) Two futures awaited one after the
//! other take two sleeps (~2 s). (4) Two spawned tasks start at once while `main` carries on, and
//! take one sleep (~1 s) together.
//!
//! Python vs Rust: in Python, `await coro()` also runs the coroutine inline without giving the
//! loop a chance to run anything else, and `create_task` schedules it. The difference is before
//! that: a Rust future does not even start until it is polled (Python prints "coroutine was never
//! awaited" for a forgotten one; Rust warns at compile time, `unused_must_use`), and dropping a
//! future or an aborted task's future cancels it on the spot.

use std::time::Instant;

use clap::Parser;
use course_kit::cli::TimeScale;
use course_kit::{cprintln, style};

/// Lazy futures: create, await, spawn.
#[derive(Parser, Debug)]
#[command(version, long_about = None)]
struct Args {
    #[command(flatten)]
    time: TimeScale,
}

/// Prints a line with the seconds since the program started.
macro_rules! at {
    ($t0:expr, $style:expr, $($arg:tt)*) => {
        cprintln!($style, "[{:5.2}s] {}", $t0.elapsed().as_secs_f64(), format_args!($($arg)*))
    };
}

async fn work(name: &'static str, t0: Instant, time: TimeScale) -> &'static str {
    at!(t0, style::PRODUCER, "  {name}: started");
    tokio::time::sleep(time.secs(1.0)).await;
    at!(t0, style::PRODUCER, "  {name}: finished");
    name
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args = Args::parse();
    let (t0, time) = (Instant::now(), args.time);

    at!(
        t0,
        style::APP,
        "1. calling work(\"A\") only builds a future:"
    );
    let fut = work("A", t0, time);
    at!(
        t0,
        style::APP,
        "   nothing has run: no \"A: started\" above. Dropping it now."
    );
    drop(fut); // its body never runs: a future that is never polled does nothing

    at!(
        t0,
        style::APP,
        "2. awaiting work(\"B\") runs it right here; main waits:"
    );
    let b = work("B", t0, time).await;
    at!(t0, style::APP, "   main resumes after {b} has finished");

    at!(
        t0,
        style::APP,
        "3. awaiting two futures one after the other:"
    );
    work("C", t0, time).await;
    work("D", t0, time).await;
    at!(
        t0,
        style::APP,
        "   that took two sleeps, one after the other"
    );

    at!(
        t0,
        style::APP,
        "4. spawning two tasks runs them concurrently:"
    );
    let e = tokio::spawn(work("E", t0, time));
    let f = tokio::spawn(work("F", t0, time));
    // The tasks have not started yet: on this one-thread runtime they run when main next waits.
    at!(
        t0,
        style::APP,
        "   main: both spawned, and main keeps going"
    );
    let (e, f) = tokio::join!(e, f);
    let names = [e, f].map(|r| r.unwrap_or("a failed task"));
    at!(
        t0,
        style::APP,
        "   main: joined {} and {}: one sleep for both",
        names[0],
        names[1]
    );
}
