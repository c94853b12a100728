//! One producer makes 20 items, then one consumer processes them: the chapter's sequential baseline.
//!
//! Ports: src/09-built-on-asyncio/the_trio/prod_sync.py
//!
//! Run: cargo run -p ch09-runtimes --bin prod_sync
//!
//! Expect: 20 yellow ` -- generated item` lines about a second apart, then 20 cyan
//! ` +++ Processed value` lines whose ages grow to ~20 s, because nothing is processed until
//! everything has been made; about 30 s in all (`--time-scale 0.01` for 0.3 s). Ctrl-C stops it
//! between items and still prints the summary.
//!
//! Python vs Rust: nothing differs yet; `std::thread::sleep` blocks the thread like `time.sleep`.
//! Compare it with `prod_asyncio`, `prod_smol` and `prod_async_std`, which share its shape: a diff
//! between any two of those three shows only the runtime.

use std::collections::VecDeque;
use std::process::ExitCode;
use std::time::Instant;

use ch09_runtimes::producer::{Item, Tally, make_item, say_exiting, say_generated, say_processed};
use clap::Parser;
use course_kit::cli::{Seed, TimeScale};
use course_kit::{cprintln, interrupt, style};
use rand::Rng;

/// One producer, then one consumer, on one thread (the baseline).
#[derive(Parser, Debug)]
#[command(version, long_about = None)]
struct Args {
    #[command(flatten)]
    time: TimeScale,
    #[command(flatten)]
    seed: Seed,
    /// How many items the producer makes
    #[arg(long, value_name = "N", default_value_t = 20)]
    items: u64,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let t0 = Instant::now();
    cprintln!(style::APP, "App started.");
    // Installs the Ctrl-C handler: the loops check it between items.
    let stop = interrupt::flag();
    let tally = Tally::default();

    let mut data = VecDeque::new();
    let rng = Seed::rng_for(args.seed.value(), 1);
    generate_data(args.items, &mut data, rng, args.time, &tally);
    process_data(&mut data, args.time, &tally);

    let interrupted = stop.load(std::sync::atomic::Ordering::SeqCst);
    if interrupted {
        cprintln!(style::WARN, "Interrupted by Ctrl-C.");
    }
    tally.say_summary();
    say_exiting(t0);
    if interrupted {
        ExitCode::from(130)
    } else {
        ExitCode::SUCCESS
    }
}

fn generate_data(
    num: u64,
    data: &mut VecDeque<Item>,
    mut rng: impl Rng,
    time: TimeScale,
    tally: &Tally,
) {
    for idx in 1..=num {
        if interrupt::requested() {
            return;
        }
        data.push_back(make_item(idx));
        tally.produced();
        say_generated(idx);
        std::thread::sleep(time.secs(rng.random_range(0.5..1.5)));
    }
}

fn process_data(data: &mut VecDeque<Item>, time: TimeScale, tally: &Tally) {
    // The producer has finished, so the queue already holds every item: drain it.
    while let Some(item) = data.pop_front() {
        if interrupt::requested() {
            return;
        }
        say_processed(&item);
        tally.processed();
        std::thread::sleep(time.secs(0.5));
    }
}
