//! Prints the Fibonacci numbers from an endless async generator (a `Stream`) that waits between
//! its values, stopping after the first above 10,000: the async twin of `simple_gen`.
//!
//! Ports: no course file: the learner notes' async generators and `async for`, on `simple_gen.py`.
//!
//! Run: `cargo run -p ch04-asyncio --bin async_stream`
//!
//! Copy: `cargo add async-stream futures tokio --features tokio/rt-multi-thread,tokio/macros,tokio/time`
//!
//! Expect: `simple_gen`'s line, one number every 0.1 s, then `Done`; ~2 s (`--time-scale 0`: none).
//! The generator never runs its 21st sleep: it is dropped where it stands, at its `yield`.
//!
//! Python vs Rust: stable Rust has no async generators; a `Stream` is the async `Iterator`, and
//! `while let Some(x) = stream.next().await` is `async for`. The `stream!` macro lets the body
//! `yield` between `.await`s like the Python; the README shows the macro-free alternative.

use std::io::Write;
use std::pin::pin;
use std::time::Duration;

use async_stream::stream;
use clap::Parser;
use course_kit::cli::TimeScale;
use futures::{Stream, StreamExt};

/// Prints Fibonacci numbers from an endless async generator.
#[derive(Parser, Debug)]
#[command(name = "async_stream", version, long_about = None)]
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
