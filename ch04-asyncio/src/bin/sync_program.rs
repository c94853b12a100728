//! One producer makes 20 items, then one consumer processes them, strictly one after the other.
//!
//! Ports: `src/04-asyncio/producer_consumer/prod_sync/sync_program.py`
//!
//! Run: `cargo run -p ch04-asyncio --bin sync_program`
//!
//! Copy: `cargo add rand anstream anstyle`
//!
//! Expect: 20 yellow ` -- generated item` lines about a second apart, then 20 cyan
//! ` +++ Processed value` lines whose ages grow to ~20 s, because nothing is processed until
//! everything has been generated; about 30 s in all (`--time-scale 0.01` for 0.3 s).
//! Ctrl-C stops it between steps; it still prints its total time, and exits with 130.
//!
//! Python vs Rust: nothing differs yet. This is the baseline that `async_program` improves on;
//! `std::thread::sleep` blocks the whole thread exactly like `time.sleep`.

use std::collections::VecDeque;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anstyle::{AnsiColor, Style};
use clap::Parser;
use course_kit::cli::{Seed, TimeScale};
use course_kit::{fmt, interrupt};
use rand::Rng;

/// The course's colour for producers (colorama's Fore.YELLOW).
const PRODUCER: Style = AnsiColor::Yellow.on_default();
/// The course's colour for the consumer (Fore.CYAN).
const CONSUMER: Style = AnsiColor::Cyan.on_default();

/// One producer then one consumer, in sequence (the baseline).
#[derive(Parser, Debug)]
#[command(version, long_about = None)]
struct Args {
    #[command(flatten)]
    time: TimeScale,
    #[command(flatten)]
    seed: Seed,
    /// How many items to produce and process
    #[arg(long, value_name = "N", default_value_t = 20)]
    items: u64,
}

/// An item carries when it was made, so the consumer can say how long it waited.
type Item = (u64, Instant);

fn main() -> ExitCode {
    course_kit::exit::quiet_broken_pipe();
    let args = Args::parse();
    // Before the first line: from now on Ctrl-C sets this flag instead of ending the process.
    let stop = interrupt::flag();
    let second = args.time.secs(1.0);
    let mut rng = Seed::rng_for(args.seed.value(), 0);

    let t0 = Instant::now();
    println!("App started.");

    let mut data = VecDeque::new();
    // `&&` skips the consumer when Ctrl-C stopped the producer.
    let finished = generate_data(args.items, &mut data, &mut rng, second, &stop)
        && process_data(args.items, &mut data, second, &stop);

    println!(
        "App exiting, total time: {} sec.",
        fmt::secs(t0.elapsed().as_secs_f64())
    );
    if finished {
        ExitCode::SUCCESS
    } else {
        interrupt::announce();
        interrupt::exit_code()
    }
}

/// Makes `num` items, pausing 0.5–1.5 `second`s after each. False when Ctrl-C cut it short.
fn generate_data(
    num: u64,
    data: &mut VecDeque<Item>,
    rng: &mut impl Rng,
    second: Duration,
    stop: &AtomicBool,
) -> bool {
    for idx in 1..=num {
        data.push_back((idx * idx, Instant::now()));
        anstream::println!("{PRODUCER} -- generated item {idx}{PRODUCER:#}");
        if !sleep(second.mul_f64(rng.random_range(0.5..1.5)), stop) {
            return false;
        }
    }
    true
}

/// Processes `num` items, pausing half a `second` after each. False when Ctrl-C cut it short.
fn process_data(num: u64, data: &mut VecDeque<Item>, second: Duration, stop: &AtomicBool) -> bool {
    for _ in 0..num {
        // The producer has finished, so the queue holds every item: no waiting needed here.
        let Some((value, made)) = data.pop_front() else {
            break;
        };
        anstream::println!(
            "{CONSUMER} +++ Processed value {value} after {:.2} sec.{CONSUMER:#}",
            made.elapsed().as_secs_f64()
        );
        if !sleep(second / 2, stop) {
            return false;
        }
    }
    true
}

/// `thread::sleep(d)`, but returns false as soon as `stop` is set. A sleeping thread cannot be
/// woken by a flag, so it sleeps in slices of 20 ms, far below what a person notices.
fn sleep(d: Duration, stop: &AtomicBool) -> bool {
    let deadline = Instant::now() + d;
    while !stop.load(Ordering::SeqCst) {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return true;
        }
        std::thread::sleep(left.min(Duration::from_millis(20)));
    }
    false
}
