//! One producer makes 20 items, then one consumer processes them, strictly one after the other.
//!
//! Ports: src/04-asyncio/producer_consumer/prod_sync/sync_program.py
//!
//! Run: cargo run -p ch04-asyncio --bin sync_program
//!
//! Expect: 20 yellow ` -- generated item` lines about a second apart, then 20 cyan
//! ` +++ Processed value` lines whose ages grow to ~20 s, because nothing is processed until
//! everything has been generated; about 30 s in all (`--time-scale 0.01` for 0.3 s).
//!
//! Ctrl-C stops it between steps; it still prints its total time, and exits with 130.
//!
//! Python vs Rust: nothing differs yet. This is the baseline that `async_program` improves on;
//! `std::thread::sleep` blocks the whole thread exactly like `time.sleep`.

use std::collections::VecDeque;
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use course_kit::cli::{Seed, TimeScale};
use course_kit::{ceprintln, cprintln, fmt, interrupt, style};
use rand::Rng;

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
    let args = Args::parse();
    // Install the Ctrl-C handler before the first line appears, so that a Ctrl-C at any moment
    // reaches `interrupt::sleep` below instead of killing the process.
    interrupt::flag();
    let t0 = Instant::now();
    cprintln!(style::APP, "App started.");

    let mut data = VecDeque::new();
    let mut rng = Seed::rng_for(args.seed.value(), 0);
    // `&&` skips the consumer when Ctrl-C stopped the producer.
    let finished = generate_data(args.items, &mut data, &mut rng, args.time)
        && process_data(args.items, &mut data, args.time);

    cprintln!(
        style::APP,
        "App exiting, total time: {} sec.",
        fmt::secs(t0.elapsed().as_secs_f64())
    );
    if finished {
        ExitCode::SUCCESS
    } else {
        ceprintln!(style::WARN, "Cancelled by Ctrl-C.");
        ExitCode::from(interrupt::EXIT_CODE)
    }
}

/// Returns false when Ctrl-C cut it short.
fn generate_data(num: u64, data: &mut VecDeque<Item>, rng: &mut impl Rng, time: TimeScale) -> bool {
    for idx in 1..=num {
        data.push_back((idx * idx, Instant::now()));
        cprintln!(style::PRODUCER, " -- generated item {idx}");
        if !interrupt::sleep(time.secs(rng.random_range(0.5..1.5))) {
            return false;
        }
    }
    true
}

/// Returns false when Ctrl-C cut it short.
fn process_data(num: u64, data: &mut VecDeque<Item>, time: TimeScale) -> bool {
    for _ in 0..num {
        // The producer has finished, so the queue holds every item: no waiting needed here.
        let Some((value, made)) = data.pop_front() else {
            break;
        };
        cprintln!(
            style::CONSUMER,
            " +++ Processed value {value} after {:.2} sec.",
            made.elapsed().as_secs_f64()
        );
        if !interrupt::sleep(time.secs(0.5)) {
            return false;
        }
    }
    true
}
