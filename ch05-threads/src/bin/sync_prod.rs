//! Two producers make 20 items each, then one consumer processes all 40, strictly one after the
//! other on the main thread.
//!
//! Ports: src/05-threads/basic_threads/sync_prod.py
//!
//! Run: cargo run -p ch05-threads --bin sync_prod
//!
//! Expect: 40 yellow ` -- generated item` lines (1 to 20, twice) about a second apart, then 40
//! cyan ` +++ Processed value` lines whose ages grow to ~40 s, because nothing is processed until
//! everything has been generated; about 60 s in all (`--time-scale 0.01` for 0.6 s).
//!
//! Python vs Rust: nothing differs yet. This is the baseline that `threaded_prod` improves on by
//! running the same three functions on three threads.

use std::collections::VecDeque;
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use course_kit::cli::{Seed, TimeScale};
use course_kit::{cprintln, fmt, style};
use rand::Rng;

/// Two producers then one consumer, in sequence (the baseline for threaded_prod).
#[derive(Parser, Debug)]
#[command(version, long_about = None)]
struct Args {
    #[command(flatten)]
    time: TimeScale,
    #[command(flatten)]
    seed: Seed,
    /// How many items each producer makes (the consumer processes twice as many)
    #[arg(long, value_name = "N", default_value_t = 20)]
    items: u64,
}

/// An item carries when it was made, so the consumer can say how long it waited.
type Item = (u64, Instant);

fn main() -> ExitCode {
    let args = Args::parse();
    let t0 = Instant::now();
    cprintln!(style::APP, "App started.");

    let mut data = VecDeque::new();
    let seed = args.seed.value();
    // One random stream per producer, as in threaded_prod, so the same seed makes the same waits.
    generate_data(
        args.items,
        &mut data,
        &mut Seed::rng_for(seed, 0),
        args.time,
    );
    generate_data(
        args.items,
        &mut data,
        &mut Seed::rng_for(seed, 1),
        args.time,
    );
    process_data(2 * args.items, &mut data, args.time);

    cprintln!(
        style::APP,
        "App exiting, total time: {} sec.",
        fmt::secs(t0.elapsed().as_secs_f64())
    );
    ExitCode::SUCCESS
}

fn generate_data(num: u64, data: &mut VecDeque<Item>, rng: &mut impl Rng, time: TimeScale) {
    for idx in 1..=num {
        data.push_back((idx * idx, Instant::now()));
        cprintln!(style::PRODUCER, " -- generated item {idx}");
        std::thread::sleep(time.secs(rng.random_range(0.5..1.5)));
    }
}

fn process_data(num: u64, data: &mut VecDeque<Item>, time: TimeScale) {
    for _ in 0..num {
        // Both producers have finished, so the queue holds every item: no waiting needed here.
        let Some((value, made)) = data.pop_front() else {
            break;
        };
        cprintln!(
            style::CONSUMER,
            " +++ Processed value {value} after {:.2} sec.",
            made.elapsed().as_secs_f64()
        );
        std::thread::sleep(time.secs(0.5));
    }
}
