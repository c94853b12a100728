//! Four greeter threads say hello while `main` does other work, waits a little for each of them,
//! and exits without waiting for the slow ones.
//!
//! Ports: `src/05-threads/hello_threads/hello.py`
//!
//! Run: `cargo run -p ch05-threads --bin hello`
//!
//! Copy: nothing to add, std only
//!
//! Expect: the greeters' `0. Hello there …` lines interleaved with `This is other work.` and `4`,
//! then about 3 s of greetings, then `Done.`. Zoe (2 greetings) finishes; Sarah, Michael and Mark
//! are cut off mid-greeting when the process ends (`--time-scale 0.1` for 0.3 s).
//!
//! Python vs Rust: every Rust thread is what Python calls a *daemon* thread. When `main`
//! returns, the process exits and any thread still running simply stops existing, mid-sleep,
//! with no clean-up run. There is no `daemon=False` that makes the process wait: to wait, you
//! join (or use `std::thread::scope`, which joins for you). And `JoinHandle::join` has no
//! timeout, so this program shows the idiomatic way to wait with a deadline.

use std::convert::Infallible;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use clap::Parser;
use course_kit::cli::TimeScale;

/// Four greeter threads; main waits at most 1 s for each, then leaves the rest behind.
#[derive(Parser, Debug)]
#[command(version, long_about = None)]
struct Args {
    #[command(flatten)]
    time: TimeScale,
}

/// A running thread plus a way to wait for it with a deadline.
struct Greeter {
    handle: JoinHandle<()>,
    /// Nothing can ever be sent on it (`Infallible` has no values): it only reports
    /// "disconnected", once the thread has ended.
    ended: Receiver<Infallible>,
}

fn main() {
    course_kit::exit::quiet_broken_pipe();
    let args = Args::parse();
    // One of the course's seconds, scaled by `--time-scale`.
    let second = args.time.secs(1.0);

    let greeters = [("Michael", 10), ("Sarah", 5), ("Zoe", 2), ("Mark", 11)]
        .map(|(name, times)| spawn_greeter(name, times, second));

    println!("This is other work.");
    println!("{}", 2 * 2);

    // Like the course's `join(timeout=1)`, one after the other: each wait has its own 1 s.
    for greeter in greeters {
        if wait_at_most(&greeter, second) {
            // It has ended, so this join returns at once. A greeter that panicked would show
            // up here as an `Err` carrying its panic; a greeting cannot fail, so just report it.
            if greeter.handle.join().is_err() {
                eprintln!("a greeter thread panicked");
            }
        }
        // Otherwise we drop the handle: that *detaches* the thread, it does not stop it.
    }

    println!("Done.");
    // Returning from main ends the process, and with it Michael, Sarah and Mark.
}

/// Starts `greeter` on its own thread, pausing `pause` after each greeting.
fn spawn_greeter(name: &'static str, times: u32, pause: Duration) -> Greeter {
    let (ended_tx, ended) = mpsc::channel();
    let handle = thread::spawn(move || {
        // The sender is dropped when this closure ends, whether it returns or panics, and
        // that is what wakes `wait_at_most`: the thread cannot forget to say it is done.
        let _ended = ended_tx;
        greeter(name, times, pause);
    });
    Greeter { handle, ended }
}

/// Waits until the thread has ended or `timeout` has passed; true if it has ended.
///
/// Why a channel: `recv_timeout` sleeps until the thread ends or the deadline passes, whichever
/// comes first, and wakes the moment the thread ends. The alternative, a loop of
/// `handle.is_finished()` checks with short sleeps in between, works too but has to pick a
/// polling interval: too short wastes CPU, too long waits longer than needed.
fn wait_at_most(greeter: &Greeter, timeout: Duration) -> bool {
    match greeter.ended.recv_timeout(timeout) {
        Err(RecvTimeoutError::Disconnected) => true,
        Err(RecvTimeoutError::Timeout) => false,
        Ok(never) => match never {},
    }
}

/// The course's `greeter(name, times)`.
fn greeter(name: &str, times: u32, pause: Duration) {
    for n in 0..times {
        println!("{n}. Hello there {name}");
        thread::sleep(pause);
    }
}
