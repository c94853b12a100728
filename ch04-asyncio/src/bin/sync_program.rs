//! One producer makes 20 items, then one consumer processes them, strictly one after the other.
//!
//! Ports: [`producer_consumer/prod_sync/sync_program.py`](https://github.com/talkpython/async-techniques-python-course/blob/master/src/04-asyncio/producer_consumer/prod_sync/sync_program.py)
//!
//! Run: `cargo run -p ch04-asyncio --bin sync_program`
//!
//! Copy: `cargo add rand@0.9 anstream anstyle`
//!
//! Expect: 20 yellow ` -- generated item` lines about a second apart, then 20 cyan
//! ` +++ Processed value` lines whose ages grow to ~20 s, because nothing is processed until
//! everything has been generated; ~30 s in all (`--time-scale 0.01` for 0.3 s).
//!
//! Python vs Rust: nothing differs yet: `std::thread::sleep` blocks the whole thread exactly like
//! `time.sleep`. This is the baseline that `async_program` improves on.

use std::collections::VecDeque;
use std::thread;
use std::time::{Duration, Instant};

use anstyle::{AnsiColor, Style};
use clap::Parser;
use course_kit::cli::{Seed, TimeScale};
use rand::Rng;
use rand::rngs::StdRng;

/// The course's colour for producers (colorama's Fore.YELLOW).
const PRODUCER: Style = AnsiColor::Yellow.on_default();
/// The course's colour for the consumer (Fore.CYAN).
const CONSUMER: Style = AnsiColor::Cyan.on_default();

/// One producer, then one consumer.
#[derive(Parser, Debug)]
#[command(name = "sync_program", version, long_about = None)]
struct Args {
    #[command(flatten)]
    time: TimeScale,
    #[command(flatten)]
    seed: Seed,
    /// How many items the producer makes
    #[arg(long, value_name = "N", default_value_t = 20,
          value_parser = clap::value_parser!(u64).range(1..=1000))]
    items: u64,
}

/// An item carries when it was made, so the consumer can say how long it waited.
type Item = (u64, Instant);

fn main() {
    course_kit::exit::quiet_broken_pipe();
    let args = Args::parse();
    let (second, seed) = (args.time.secs(1.0), args.seed.value());
    let rng = |stream| Seed::rng_for(seed, stream);

    let t0 = Instant::now();
    println!("App started.");
    let mut data = VecDeque::new();
    generate_data(args.items, &mut data, rng(0), second);
    process_data(args.items, &mut data, second);

    let dt = t0.elapsed().as_secs_f64();
    println!("App exiting, total time: {dt:.2} sec.");
}

/// Makes `num` items, pausing 0.5–1.5 `second`s after each.
fn generate_data(num: u64, data: &mut VecDeque<Item>, mut rng: StdRng, second: Duration) {
    for idx in 1..=num {
        let item = idx * idx;
        data.push_back((item, Instant::now()));

        anstream::println!("{PRODUCER} -- generated item {idx}{PRODUCER:#}");
        thread::sleep(second.mul_f64(rng.random::<f64>() + 0.5));
    }
}

/// Processes `num` items, pausing half a `second` after each.
fn process_data(num: u64, data: &mut VecDeque<Item>, second: Duration) {
    let mut processed = 0;
    while processed < num {
        let Some(item) = data.pop_front() else {
            break; // the queue is empty: the producer made fewer than `num`
        };

        processed += 1;
        let (value, t) = item;
        let dt = t.elapsed().as_secs_f64();

        anstream::println!("{CONSUMER} +++ Processed value {value} after {dt:.2} sec.{CONSUMER:#}");
        thread::sleep(second / 2);
    }
}
