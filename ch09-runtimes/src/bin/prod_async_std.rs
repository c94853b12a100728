//! Two producers (20 items each) and one consumer run concurrently on async-std (discontinued).
//!
//! Ports: src/09-built-on-asyncio/the_trio/prod_asyncio.py (on another runtime)
//!
//! Run: cargo run -p ch09-runtimes --bin prod_async_std
//!
//! Status: async-std is DISCONTINUED upstream (advisory RUSTSEC-2025-0052, "unmaintained"); its
//! README points users to smol. It is kept here, like the course keeps older tools, because much
//! published code still uses it; write new code on tokio or smol. Since 1.6 it is itself built on
//! smol's crates (async-global-executor over async-executor, async-io, async-channel).
//!
//! Expect: yellow ` -- generated item` and cyan ` +++ Processed value` lines interleaved, items
//! processed well under a second after they were made, all 40 processed in about 20 s
//! (`--time-scale 0.01` for 0.2 s). Ctrl-C stops every task and prints the summary.
//!
//! Python vs Rust: this is `prod_smol` with async-std's names (diff the two files): async-std
//! mirrors the standard library's API (`task::spawn`, `task::sleep`, `channel`) and runs tasks on
//! a global multi-threaded executor. Like tokio's, its `JoinHandle` detaches when dropped; like
//! smol it has no signal handling, so Ctrl-C comes from the `ctrlc` crate (`ch09_runtimes::signal`).

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use async_std::channel::{Receiver, Sender, unbounded};
use async_std::prelude::FutureExt as _;
use async_std::task;
use ch09_runtimes::producer::{Item, Tally, make_item, say_exiting, say_generated, say_processed};
use clap::Parser;
use course_kit::cli::{Seed, TimeScale};
use course_kit::{cprintln, style};
use rand::Rng;

/// Two producers and a consumer on async-std (discontinued; see smol).
#[derive(Parser, Debug)]
#[command(version, long_about = None)]
struct Args {
    #[command(flatten)]
    time: TimeScale,
    #[command(flatten)]
    seed: Seed,
    /// How many items each producer makes
    #[arg(long, value_name = "N", default_value_t = 20)]
    items: u64,
}

fn main() -> ExitCode {
    course_kit::exit::report(run())
}

fn run() -> anyhow::Result<ExitCode> {
    let args = Args::parse();
    let t0 = Instant::now();
    cprintln!(style::APP, "App started.");
    let tally = Arc::new(Tally::default());

    // No runtime object to build: `block_on` runs the future here, the spawned tasks run on
    // async-std's global executor. After Ctrl-C the tasks are simply abandoned: the process ends.
    let interrupted = task::block_on(produce_and_consume(&args, &tally));

    if interrupted {
        cprintln!(style::WARN, "Interrupted by Ctrl-C.");
    }
    tally.say_summary();
    say_exiting(t0);
    Ok(if interrupted {
        ExitCode::from(130)
    } else {
        ExitCode::SUCCESS
    })
}

/// Runs the three tasks to the end; true if Ctrl-C came first.
async fn produce_and_consume(args: &Args, tally: &Arc<Tally>) -> bool {
    let (tx, rx) = unbounded();
    let seed = args.seed.value();
    let (n, time) = (args.items, args.time);
    let prod1 = task::spawn(generate_data(
        n,
        tx.clone(),
        Seed::rng_for(seed, 1),
        time,
        tally.clone(),
    ));
    let prod2 = task::spawn(generate_data(
        n,
        tx,
        Seed::rng_for(seed, 2),
        time,
        tally.clone(),
    ));
    let consumer = task::spawn(process_data(rx, time, tally.clone()));

    // `asyncio.gather`: wait for all three (a JoinHandle is itself a future).
    let all = async {
        prod1.join(prod2).join(consumer).await;
        false
    };
    let ctrl_c = async {
        ch09_runtimes::signal::ctrl_c().await;
        true
    };
    all.race(ctrl_c).await
}

async fn generate_data(
    num: u64,
    data: Sender<Item>,
    mut rng: impl Rng,
    time: TimeScale,
    tally: Arc<Tally>,
) {
    for idx in 1..=num {
        // Unbounded, like asyncio.Queue(): the `.await` never actually waits. It fails only if
        // the consumer is gone, and then there is no point producing more.
        if data.send(make_item(idx)).await.is_err() {
            return;
        }
        tally.produced();
        say_generated(idx);
        task::sleep(time.secs(rng.random_range(0.5..1.5))).await;
    }
}

async fn process_data(data: Receiver<Item>, time: TimeScale, tally: Arc<Tally>) {
    // `Err(Closed)` once both producers have finished and dropped their senders.
    while let Ok(item) = data.recv().await {
        say_processed(&item);
        tally.processed();
        task::sleep(time.secs(0.5)).await;
    }
}
