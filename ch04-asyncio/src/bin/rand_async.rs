//! Three tasks draw random numbers until each gets one above its own threshold, then the results
//! are gathered in order.
//!
//! Ports: the Real Python article's async_io/rand_async.py (seed 004, not a course file)
//!
//! Run: cargo run -p ch04-asyncio --bin rand_async -- --seed 444
//!
//! Expect: each task in its own colour: `Initiated makerandom(i).`, some
//! `makerandom(i) == x too low; retrying.` lines (task i waits i+1 s between tries), then
//! `---> Finished: makerandom(i) == x`; the tasks' lines interleave. Last, `r1: …, r2: …, r3: …`
//! in task order, whatever order they finished in. About 10–20 s (`--time-scale 0.01`).
//!
//! Python vs Rust: the article seeds one global generator, so its draws depend on how the tasks
//! interleave; here each task owns its generator (one stream of `--seed` each), so a seed repeats
//! every task's draws exactly. `tokio::join!` is `asyncio.gather` for a fixed number of futures.

use std::process::ExitCode;

use clap::Parser;
use course_kit::cli::{Seed, TimeScale};
use course_kit::{ceprintln, cprintln, style};
use rand::Rng;
use rand::rngs::StdRng;

/// Three random-number tasks with different thresholds, gathered.
#[derive(Parser, Debug)]
#[command(version, long_about = None)]
struct Args {
    #[command(flatten)]
    time: TimeScale,
    #[command(flatten)]
    seed: Seed,
}

async fn makerandom(idx: u64, threshold: u32, mut rng: StdRng, time: TimeScale) -> u32 {
    let colour = style::TASKS[idx as usize % style::TASKS.len()];
    cprintln!(colour, "Initiated makerandom({idx}).");
    let mut i = rng.random_range(0..=10);
    while i <= threshold {
        cprintln!(colour, "makerandom({idx}) == {i} too low; retrying.");
        tokio::time::sleep(time.secs((idx + 1) as f64)).await;
        i = rng.random_range(0..=10);
    }
    cprintln!(colour, "---> Finished: makerandom({idx}) == {i}");
    i
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args = Args::parse();
    let seed = args.seed.value();
    let rng = |i| Seed::rng_for(seed, i);
    // asyncio.gather for a fixed number of futures: join! polls all three and returns their
    // values in the order they were given, whatever order they finished in.
    // Thresholds 9, 8, 7: the later tasks succeed more often per try but sleep longer between.
    let gather = async {
        tokio::join!(
            makerandom(0, 9, rng(0), args.time),
            makerandom(1, 8, rng(1), args.time),
            makerandom(2, 7, rng(2), args.time),
        )
    };
    tokio::select! {
        (r1, r2, r3) = gather => {
            println!();
            cprintln!(style::APP, "r1: {r1}, r2: {r2}, r3: {r3}");
            ExitCode::SUCCESS
        }
        Ok(()) = tokio::signal::ctrl_c() => {
            ceprintln!(style::WARN, "Cancelled by Ctrl-C.");
            ExitCode::from(130)
        }
    }
}
