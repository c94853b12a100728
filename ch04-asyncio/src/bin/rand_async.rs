//! Three tasks draw random numbers until each gets one above its own threshold, then the results
//! are gathered in order.
//!
//! Ports: no course file: the Real Python article's `rand_async.py`, from the learner notes.
//!
//! Run: `cargo run -p ch04-asyncio --bin rand_async -- --seed 444`
//!
//! Copy: `cargo add tokio rand@0.9 anstream anstyle --features tokio/rt-multi-thread,tokio/macros,tokio/time`
//!
//! Expect: per task, in its colour, `Initiated makerandom(i).`, some `… too low; retrying.` lines
//! (task i waits i+1 s between tries) and `---> Finished: makerandom(i) == x`, interleaved; then
//! `r1: …, r2: …, r3: …` in task order, whatever order they finished in. ~10–20 s.
//!
//! Python vs Rust: each task owns its generator (a stream of `--seed`), so a seed repeats every
//! draw, where the article's one global generator depends on the interleaving.

use std::time::Duration;

use anstyle::{AnsiColor, Style};
use clap::Parser;
use course_kit::cli::{Seed, TimeScale};
use rand::Rng;
use rand::rngs::StdRng;

/// The article's colour for each task: cyan, bright red, magenta.
const COLOURS: [Style; 3] = [
    AnsiColor::Cyan.on_default(),
    AnsiColor::BrightRed.on_default(),
    AnsiColor::Magenta.on_default(),
];

/// Three random-number tasks with different thresholds, gathered.
#[derive(Parser, Debug)]
#[command(name = "rand_async", version, long_about = None)]
struct Args {
    #[command(flatten)]
    time: TimeScale,
    #[command(flatten)]
    seed: Seed,
}

/// Draws from 0..=10 until a number is above `threshold`, waiting `idx + 1` `second`s between
/// tries, and returns it.
async fn makerandom(idx: usize, threshold: u32, mut rng: StdRng, second: Duration) -> u32 {
    let colour = COLOURS[idx % COLOURS.len()];
    anstream::println!("{colour}Initiated makerandom({idx}).{colour:#}");
    let mut i = rng.random_range(0..=10);
    while i <= threshold {
        anstream::println!("{colour}makerandom({idx}) == {i} too low; retrying.{colour:#}");
        tokio::time::sleep(second * (idx as u32 + 1)).await;
        i = rng.random_range(0..=10);
    }
    anstream::println!("{colour}---> Finished: makerandom({idx}) == {i}{colour:#}");
    i
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    course_kit::exit::quiet_broken_pipe();
    let args = Args::parse();
    let seed = args.seed.value();
    let rng = |i| Seed::rng_for(seed, i);
    let second = args.time.secs(1.0);
    // asyncio.gather for a fixed number of futures: join! polls all three in this task and
    // returns their values in the order given, whatever order they finished in.
    let (r1, r2, r3) = tokio::join!(
        makerandom(0, 9, rng(0), second),
        makerandom(1, 8, rng(1), second),
        makerandom(2, 7, rng(2), second),
    );
    println!();
    println!("r1: {r1}, r2: {r2}, r3: {r3}");
}
