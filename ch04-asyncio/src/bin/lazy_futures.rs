//! Shows that calling an async fn runs nothing, that `.await` runs it inline, and that
//! `tokio::spawn` runs it concurrently, with a timestamp on every line.
//!
//! Ports: no course file: the learner notes on creating tasks versus awaiting a coroutine.
//!
//! Run: `cargo run -p ch04-asyncio --bin lazy_futures`
//!
//! Copy: `cargo add tokio anstream anstyle --features tokio/rt-multi-thread,tokio/macros,tokio/time`
//!
//! Expect: (1) a future created and dropped never prints; (2) an awaited one runs right there;
//! (3) two awaited in turn take two sleeps (~2 s); (4) two spawned tasks take one (~1 s).
//!
//! Python vs Rust: a called coroutine does not start either (Python warns "never awaited" at run
//! time, Rust at compile time). The difference: a Rust future is a plain value that nothing
//! schedules but a poll (`.await`, `join!`, or the runtime after `spawn`); dropping it cancels it.

use std::fmt::Display;
use std::time::{Duration, Instant};

use anstyle::{AnsiColor, Style};
use clap::Parser;
use course_kit::cli::TimeScale;

/// The course's colour for workers (colorama's Fore.YELLOW).
const WORKER: Style = AnsiColor::Yellow.on_default();
/// The app's own lines: the terminal's default colour.
const APP: Style = Style::new();

/// Lazy futures: create, await, spawn.
#[derive(Parser, Debug)]
#[command(name = "lazy_futures", version, long_about = None)]
struct Args {
    #[command(flatten)]
    time: TimeScale,
}

/// Prints `msg` after the seconds since `t0`.
fn at(t0: Instant, style: Style, msg: impl Display) {
    anstream::println!(
        "{style}[{:5.2}s] {msg}{style:#}",
        t0.elapsed().as_secs_f64()
    );
}

/// Prints when it starts and ends, with a sleep of `second` between.
async fn work(name: &'static str, t0: Instant, second: Duration) -> &'static str {
    at(t0, WORKER, format_args!("  {name}: started"));
    tokio::time::sleep(second).await;
    at(t0, WORKER, format_args!("  {name}: finished"));
    name
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    course_kit::exit::quiet_broken_pipe();
    let args = Args::parse();
    let (t0, second) = (Instant::now(), args.time.secs(1.0));

    at(t0, APP, "1. calling work(\"A\") only builds a future:");
    let fut = work("A", t0, second);
    at(
        t0,
        APP,
        "   nothing has run: no \"A: started\" above. Dropping it now.",
    );
    drop(fut); // its body never runs: a future that is never polled does nothing

    at(
        t0,
        APP,
        "2. awaiting work(\"B\") runs it right here; main waits:",
    );
    let b = work("B", t0, second).await;
    at(
        t0,
        APP,
        format_args!("   main resumes after {b} has finished"),
    );

    at(t0, APP, "3. awaiting two futures one after the other:");
    work("C", t0, second).await;
    work("D", t0, second).await;
    at(t0, APP, "   that took two sleeps, one after the other");

    at(t0, APP, "4. spawning two tasks runs them concurrently:");
    let e = tokio::spawn(work("E", t0, second));
    let f = tokio::spawn(work("F", t0, second));
    // The tasks have not started yet: on this one-thread runtime they run when main next waits.
    at(t0, APP, "   main: both spawned, and main keeps going");
    let (e, f) = tokio::join!(e, f);
    let names = [e, f].map(|r| r.unwrap_or("a failed task"));
    at(
        t0,
        APP,
        format_args!(
            "   main: joined {} and {}: one sleep for both",
            names[0], names[1]
        ),
    );
}
