//! Three tasks draw random numbers until each gets one above its own threshold, then the results
//! are gathered in order.
//!
//! Ports: the Real Python article's `async_io/rand_async.py` (seed 004, not a course file)
//!
//! Run: `cargo run -p ch04-asyncio --bin rand_async -- --seed 444`
//!
//! Copy: `cargo add tokio rand anstream anstyle --features tokio/rt,tokio/macros,tokio/time`
//!
//! Expect: each task in its own colour: `Initiated makerandom(i).`, some
//! `makerandom(i) == x too low; retrying.` lines (task i waits i+1 s between tries), then
//! `---> Finished: makerandom(i) == x`; the tasks' lines interleave. Last, `r1: …, r2: …, r3: …`
//! in task order, whatever order they finished in. About 10–20 s (`--time-scale 0.01`).
//! Ctrl-C stops it with exit code 130.
//!
//! Python vs Rust: the article seeds one global generator, so its draws depend on how the tasks
//! interleave; here each task owns its generator (one stream of `--seed` each), so a seed repeats
//! every task's draws exactly. `tokio::join!` is `asyncio.gather` for a fixed number of futures.

use std::process::ExitCode;
use std::time::Duration;

use anstyle::{AnsiColor, Style};
use clap::Parser;
use course_kit::cli::{Seed, TimeScale};
use course_kit::interrupt;
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
#[command(version, long_about = None)]
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
async fn main() -> ExitCode {
    course_kit::exit::quiet_broken_pipe();
    let args = Args::parse();
    let seed = args.seed.value();
    let rng = |i| Seed::rng_for(seed, i);
    let second = args.time.secs(1.0);
    // asyncio.gather for a fixed number of futures: join! polls all three and returns their
    // values in the order they were given, whatever order they finished in.
    // Thresholds 9, 8, 7: the later tasks succeed more often per try but sleep longer between.
    let gather = async {
        tokio::join!(
            makerandom(0, 9, rng(0), second),
            makerandom(1, 8, rng(1), second),
            makerandom(2, 7, rng(2), second),
        )
    };
    tokio::select! {
        (r1, r2, r3) = gather => {
            println!();
            println!("r1: {r1}, r2: {r2}, r3: {r3}");
            ExitCode::SUCCESS
        }
        Ok(()) = tokio::signal::ctrl_c() => {
            interrupt::announce();
            interrupt::exit_code()
        }
    }
}
