//! Two producers make 20 items each, then one consumer processes all 40, strictly one after the
//! other on the main thread.
//!
//! Ports: `src/05-threads/basic_threads/sync_prod.py`
//!
//! Run: `cargo run -p ch05-threads --bin sync_prod`
//!
//! Copy: `cargo add anstream anstyle rand@0.9` (in rand 0.10 `random_range` is on `RngExt`)
//!
//! Expect: 40 yellow ` -- generated item` lines (1 to 20, twice) about a second apart, then 40
//! cyan ` +++ Processed value` lines whose ages grow to ~40 s, because nothing is processed until
//! everything has been generated; about 60 s in all (`--time-scale 0.01` for 0.6 s).
//!
//! Python vs Rust: nothing differs yet. This is the baseline that `threaded_prod` improves on by
//! running the same three functions on three threads: `diff sync_prod.rs threaded_prod.rs` shows
//! what threads take, each changed line marked `// New: …`.

use std::collections::VecDeque;
use std::thread;
use std::time::{Duration, Instant};

use anstyle::{AnsiColor, Style};
use clap::Parser;
use course_kit::cli::{Seed, TimeScale};
use course_kit::fmt;
use rand::Rng;

/// The course's colour for producers (colorama's `Fore.YELLOW`).
const PRODUCER: Style = AnsiColor::Yellow.on_default();
/// The course's colour for the consumer (colorama's `Fore.CYAN`).
const CONSUMER: Style = AnsiColor::Cyan.on_default();

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

fn main() {
    course_kit::exit::quiet_broken_pipe();
    let args = Args::parse();
    // One of the course's seconds, scaled by `--time-scale`.
    let second = args.time.secs(1.0);
    // One random stream per producer, as in threaded_prod, so the same seed makes the same waits.
    let seed = args.seed.value();
    let (mut rng1, mut rng2) = (Seed::rng_for(seed, 0), Seed::rng_for(seed, 1));
    let t0 = Instant::now();
    println!("App started.");

    let mut data = VecDeque::new();
    generate_data(args.items, &mut data, &mut rng1, second);
    generate_data(args.items, &mut data, &mut rng2, second);
    process_data(2 * args.items, &mut data, second);

    println!(
        "App exiting, total time: {} sec.",
        fmt::secs(t0.elapsed().as_secs_f64())
    );
}

/// Makes `num` items, pausing half a second to a second and a half after each.
fn generate_data(num: u64, data: &mut VecDeque<Item>, rng: &mut impl Rng, second: Duration) {
    for idx in 1..=num {
        data.push_back((idx * idx, Instant::now()));
        anstream::println!("{PRODUCER} -- generated item {idx}{PRODUCER:#}");
        thread::sleep(second.mul_f64(rng.random_range(0.5..1.5)));
    }
}

/// Processes `num` items, oldest first, pausing half a second after each.
fn process_data(num: u64, data: &mut VecDeque<Item>, second: Duration) {
    let mut processed = 0;
    while processed < num {
        let next = data.pop_front();
        let Some((value, made)) = next else {
            // Both producers have finished, so the queue holds every item: empty means done.
            break;
        };
        processed += 1;
        anstream::println!(
            "{CONSUMER} +++ Processed value {value} after {:.2} sec.{CONSUMER:#}",
            made.elapsed().as_secs_f64()
        );
        thread::sleep(second / 2);
    }
}
