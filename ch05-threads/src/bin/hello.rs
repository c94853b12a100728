//! Four greeter threads say hello while `main` does other work, waits a little for each of them,
//! and exits without waiting for the slow ones.
//!
//! Ports: <https://github.com/talkpython/async-techniques-python-course/blob/master/src/05-threads/hello_threads/hello.py>
//!
//! Run: `cargo run -p ch05-threads --bin hello`
//!
//! Copy: nothing to add, std only
//!
//! Expect: `0. Hello there …` lines with `This is other work.` and `4`, ~3 s of greetings, `Done.`;
//! Zoe finishes, the others are cut off when the process ends (`--time-scale 0.1`: 0.3 s).
//!
//! Python vs Rust: every Rust thread is what Python calls a *daemon*: when `main` returns, the
//! process ends and so do they. To wait, you join; std's `join` has no timeout, so `join_timeout`
//! polls `is_finished` until its deadline.

use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use clap::Parser;
use course_kit::cli::TimeScale;

/// Four greeter threads; main waits at most 1 s for each, then leaves the rest behind.
#[derive(Parser, Debug)]
#[command(name = "hello", version, long_about = None)]
struct Args {
    #[command(flatten)]
    time: TimeScale,
}

fn main() {
    course_kit::exit::quiet_broken_pipe();
    let second = Args::parse().time.secs(1.0);
    let threads = [("Michael", 10), ("Sarah", 5), ("Zoe", 2), ("Mark", 11)]
        .map(|(name, times)| thread::spawn(move || greeter(name, times, second)));

    println!("This is other work.");
    println!("{}", 2 * 2);

    for t in &threads {
        join_timeout(t, second);
    }

    println!("Done.");
} // Returning from main ends the process, and with it Michael, Sarah and Mark.

fn greeter(name: &str, times: u32, second: Duration) {
    for n in 0..times {
        println!("{n}. Hello there {name}");
        thread::sleep(second);
    }
}

/// Python's `t.join(timeout)`: waits until the thread has ended or `timeout` has passed.
fn join_timeout(t: &JoinHandle<()>, timeout: Duration) {
    let deadline = Instant::now() + timeout;
    while !t.is_finished() && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(1));
    }
}
