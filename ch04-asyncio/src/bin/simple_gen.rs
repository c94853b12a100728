//! Prints the Fibonacci numbers from an endless generator, stopping after the first above 10,000.
//!
//! Ports: `src/04-asyncio/generator/simple_gen.py`
//!
//! Run: `cargo run -p ch04-asyncio --bin simple_gen`
//!
//! Copy: nothing to add: the lesson uses only std.
//!
//! Expect: `1, 1, 2, 3, 5, 8, … 6765, 10946, ` on one line, then `Done`.
//!
//! Python vs Rust: stable Rust has no generators (`yield` exists only on nightly, as `gen`
//! blocks), so the restartable function is an `Iterator`: its state lives in a struct instead of
//! in a suspended stack frame, and `next()` plays the role of resuming the generator. That is also
//! how Rust builds `async fn`: the compiler turns it into a state machine with a `poll` method,
//! the same idea as this hand-written `next`. The async twin, a generator that awaits between its
//! values (`async def` with `yield`, consumed with `async for`), is `async_stream`.

use clap::Parser;

/// Prints Fibonacci numbers from an endless generator.
#[derive(Parser, Debug)]
#[command(version, long_about = None)]
struct Args {}

/// The generator's local variables, kept between calls to `next`.
#[derive(Debug)]
struct Fibonacci {
    current: u64,
    nxt: u64,
}

/// Like calling the generator function: nothing runs yet, it only sets up the state.
fn fibonacci() -> Fibonacci {
    Fibonacci { current: 0, nxt: 1 }
}

impl Iterator for Fibonacci {
    type Item = u64;

    /// One step of the generator's `while True` loop, up to its `yield`.
    fn next(&mut self) -> Option<u64> {
        (self.current, self.nxt) = (self.nxt, self.current + self.nxt);
        // Endless, like the generator: the caller decides when to stop.
        Some(self.current)
    }
}

fn main() {
    course_kit::exit::quiet_broken_pipe();
    Args::parse();
    for n in fibonacci() {
        print!("{n}, ");
        if n > 10_000 {
            break;
        }
    }
    println!();
    println!("Done");
}
