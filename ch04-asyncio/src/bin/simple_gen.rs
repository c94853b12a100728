//! Prints the Fibonacci numbers from an endless generator, stopping after the first above 10,000.
//!
//! Ports: [`generator/simple_gen.py`](https://github.com/talkpython/async-techniques-python-course/blob/master/src/04-asyncio/generator/simple_gen.py)
//!
//! Run: `cargo run -p ch04-asyncio --bin simple_gen`
//!
//! Copy: nothing to add: the lesson uses only std.
//!
//! Expect: `1, 1, 2, 3, 5, 8, … 6765, 10946, ` on one line, then `Done`.
//!
//! Python vs Rust: stable Rust has no `yield`, so the generator is an `Iterator`: its local
//! variables live in a struct between calls, and `next()` resumes it. The compiler builds every
//! `async fn` the same way, as a state machine; `async_stream` is this generator made async.

use clap::Parser;

/// Prints Fibonacci numbers from an endless generator.
#[derive(Parser, Debug)]
#[command(name = "simple_gen", version, long_about = None)]
struct Args {}

/// The generator's local variables, kept between calls to `next`.
#[derive(Debug)]
struct Fib {
    current: u64,
    nxt: u64,
}

/// Like calling the generator function: nothing runs yet, it only sets up the state.
fn fib() -> Fib {
    Fib { current: 0, nxt: 1 }
}

impl Iterator for Fib {
    type Item = u64;

    /// One turn of the generator's `while True` loop, up to its `yield`.
    fn next(&mut self) -> Option<u64> {
        (self.current, self.nxt) = (self.nxt, self.current + self.nxt);
        Some(self.current) // never `None`: endless, the caller decides when to stop
    }
}

fn main() {
    course_kit::exit::quiet_broken_pipe();
    Args::parse();
    let result = fib();

    for n in result {
        print!("{n}, ");
        if n > 10_000 {
            break;
        }
    }

    println!();
    println!("Done");
}
