//! Two producers make 20 items each, then one consumer processes all 40, one after the other.
//!
//! Ports: <https://github.com/talkpython/async-techniques-python-course/blob/master/src/05-threads/basic_threads/sync_prod.py>
//!
//! Run: `cargo run -p ch05-threads --bin sync_prod`
//!
//! Copy: `cargo add anstream anstyle rand@0.9` (in rand 0.10 `random_range` is on `RngExt`)
//!
//! Expect: 40 yellow ` -- generated item` lines about a second apart, then 40 cyan
//! ` +++ Processed value` lines whose ages grow to ~40 s; ~60 s in all (`--time-scale 0.01`: 0.6 s).
//!
//! Python vs Rust: nothing differs yet. `threaded_prod` runs the same functions on three threads.

use std::collections::VecDeque;
use std::thread;
use std::time::{Duration, Instant};

use anstyle::{AnsiColor, Style};
use clap::Parser;
use course_kit::cli::{Seed, TimeScale};
use rand::Rng;

const PRODUCER: Style = AnsiColor::Yellow.on_default(); // the course's colorama colours
const CONSUMER: Style = AnsiColor::Cyan.on_default();

/// Two producers then one consumer, in sequence.
#[derive(Parser, Debug)]
#[command(name = "sync_prod", version, long_about = None)]
struct Args {
    #[command(flatten)]
    time: TimeScale,
    #[command(flatten)]
    seed: Seed,
    /// How many items each producer makes (the consumer processes twice as many)
    #[arg(long, value_name = "N", default_value_t = 20,
          value_parser = clap::value_parser!(u64).range(1..=100))]
    items: u64,
}

/// An item carries when it was made, so the consumer can say how long it waited.
type Item = (u64, Instant);

fn main() {
    course_kit::exit::quiet_broken_pipe();
    let args = Args::parse();
    let (items, second) = (args.items, args.time.secs(1.0));
    let seed = args.seed.value();
    let (mut rng1, mut rng2) = (Seed::rng_for(seed, 0), Seed::rng_for(seed, 1));
    let t0 = Instant::now();
    println!("App started.");
    let mut data = VecDeque::new();

    generate_data(items, &mut data, &mut rng1, second);
    generate_data(items, &mut data, &mut rng2, second);
    process_data(2 * items, &mut data, second);

    let dt = t0.elapsed().as_secs_f64();
    println!("App exiting, total time: {dt:.2} sec.");
}

fn generate_data(num: u64, data: &mut VecDeque<Item>, rng: &mut impl Rng, second: Duration) {
    for idx in 1..=num {
        let item = idx * idx;
        data.push_back((item, Instant::now()));

        anstream::println!("{PRODUCER} -- generated item {idx}{PRODUCER:#}");
        thread::sleep(second.mul_f64(rng.random_range(0.5..1.5)));
    }
}

fn process_data(num: u64, data: &mut VecDeque<Item>, second: Duration) {
    let mut processed = 0;
    while processed < num {
        let Some((value, t)) = data.pop_front() else {
            thread::sleep(second / 100); // never here: both producers have finished
            continue;
        };

        processed += 1;
        let dt = t.elapsed().as_secs_f64();
        anstream::println!("{CONSUMER} +++ Processed value {value} after {dt:.2} sec.{CONSUMER:#}");
        thread::sleep(second / 2);
    }
}
