//! Prints the Fibonacci numbers from an endless async generator (a `Stream`) that waits between
//! its values, stopping after the first above 10,000: the async twin of `simple_gen`.
//!
//! Ports: no course file; the learner notes' async generators and `async for`, on the course's
//! `src/04-asyncio/generator/simple_gen.py`
//!
//! Run: `cargo run -p ch04-asyncio --bin async_stream`
//!
//! Copy: `cargo add async-stream futures tokio --features tokio/rt,tokio/macros,tokio/time`
//!
//! Expect: the same `1, 1, 2, 3, 5, 8, … 6765, 10946, ` line as `simple_gen`, but one number
//! every 0.1 s, because the generator sleeps (asynchronously) after each value; then `Done`.
//! About 2 s (`--time-scale 0` for none). The 21st value is the last one asked for, so the
//! generator never runs its 21st sleep: it is dropped where it stands, at its `yield`.
//!
//! Python vs Rust: Python writes `async def` with `yield` and consumes it with `async for`. Rust's
//! own async generators (`async gen` blocks) exist only on nightly; what stable Rust has is the
//! `Stream` trait (from `futures`), the async `Iterator`: `while let Some(x) = stream.next().await`
//! is `async for`. Two ways to write one: the `async-stream` crate's `stream!` macro (tokio's
//! project), used here, lets the body `yield` between `.await`s like the Python does, with its
//! state in plain local variables; `futures::stream::unfold(state, |state| async { … })` needs no
//! macro but threads the state by hand, as `simple_gen`'s `Iterator` does. The macro is chosen
//! because it reads like the Python line for line. Like every future, a stream is lazy: nothing in
//! the body runs until the consumer asks for the next value.

use std::io::Write;
use std::pin::pin;
use std::time::Duration;

use async_stream::stream;
use clap::Parser;
use course_kit::cli::TimeScale;
use futures::{Stream, StreamExt};

/// Prints Fibonacci numbers from an endless async generator.
#[derive(Parser, Debug)]
#[command(version, long_about = None)]
struct Args {
    #[command(flatten)]
    time: TimeScale,
}

/// Like calling an async generator function: nothing runs yet, it only builds the stream.
fn fibonacci(pause: Duration) -> impl Stream<Item = u64> {
    stream! {
        let (mut current, mut nxt) = (0_u64, 1_u64);
        // Endless, like the generator: the consumer decides when to stop.
        loop {
            (current, nxt) = (nxt, current + nxt);
            // Hands one value to the consumer and suspends right here until it asks again.
            yield current;
            // What an Iterator cannot do: wait without blocking; other tasks run meanwhile.
            tokio::time::sleep(pause).await;
        }
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    course_kit::exit::quiet_broken_pipe();
    let args = Args::parse();
    // `stream!` builds a self-referential state machine, so it must be pinned before `next()`.
    let mut numbers = pin!(fibonacci(args.time.secs(0.1)));
    // `async for n in fibonacci():`
    while let Some(n) = numbers.next().await {
        print!("{n}, ");
        // Show each number as it arrives rather than when the line ends.
        let _ = std::io::stdout().flush();
        if n > 10_000 {
            break;
        }
    }
    println!();
    println!("Done");
}
