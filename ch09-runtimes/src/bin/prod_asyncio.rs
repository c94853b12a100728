//! Two producers (20 items each) and one consumer run concurrently on tokio, the `asyncio` of Rust.
//!
//! Ports: src/09-built-on-asyncio/the_trio/prod_asyncio.py
//!
//! Run: cargo run -p ch09-runtimes --bin prod_asyncio
//!
//! Expect: yellow ` -- generated item` and cyan ` +++ Processed value` lines interleaved, items
//! processed well under a second after they were made, all 40 processed in about 20 s
//! (`--time-scale 0.01` for 0.2 s). Ctrl-C stops every task and prints the summary.
//!
//! Python vs Rust: `asyncio.Queue` is a channel here. The consumer stops when the channel is
//! closed (every sender dropped, i.e. both producers finished) rather than counting to 40, so it
//! processes exactly what was produced. `prod_smol` and `prod_async_std` are this file with
//! another runtime: diff them to see what changes (spawn, sleep, channel, Ctrl-C) and what doesn't.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use ch09_runtimes::producer::{Item, Tally, make_item, say_exiting, say_generated, say_processed};
use clap::Parser;
use course_kit::cli::{Seed, TimeScale};
use course_kit::{cprintln, style};
use rand::Rng;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

/// Two producers and a consumer on tokio.
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

    // The loop: like `asyncio.new_event_loop()` + `run_until_complete`, but multi-threaded.
    let runtime = tokio::runtime::Runtime::new()?;
    let interrupted = runtime.block_on(produce_and_consume(&args, &tally));
    // Dropping the runtime cancels any task still running (after Ctrl-C).
    drop(runtime);

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
    let (tx, rx) = unbounded_channel();
    let seed = args.seed.value();
    let (n, time) = (args.items, args.time);
    let prod1 = tokio::spawn(generate_data(
        n,
        tx.clone(),
        Seed::rng_for(seed, 1),
        time,
        tally.clone(),
    ));
    let prod2 = tokio::spawn(generate_data(
        n,
        tx,
        Seed::rng_for(seed, 2),
        time,
        tally.clone(),
    ));
    let consumer = tokio::spawn(process_data(rx, time, tally.clone()));

    // `asyncio.gather`: wait for all three (a JoinHandle is itself a future).
    let all = async {
        let _ = tokio::join!(prod1, prod2, consumer);
    };
    tokio::select! {
        () = all => false,
        _ = tokio::signal::ctrl_c() => true,
    }
}

async fn generate_data(
    num: u64,
    data: UnboundedSender<Item>,
    mut rng: impl Rng,
    time: TimeScale,
    tally: Arc<Tally>,
) {
    for idx in 1..=num {
        // Unbounded, like asyncio.Queue(): sending never waits. It fails only if the consumer
        // is gone, and then there is no point producing more.
        if data.send(make_item(idx)).is_err() {
            return;
        }
        tally.produced();
        say_generated(idx);
        tokio::time::sleep(time.secs(rng.random_range(0.5..1.5))).await;
    }
}

async fn process_data(mut data: UnboundedReceiver<Item>, time: TimeScale, tally: Arc<Tally>) {
    // `None` once both producers have finished and dropped their senders.
    while let Some(item) = data.recv().await {
        say_processed(&item);
        tally.processed();
        tokio::time::sleep(time.secs(0.5)).await;
    }
}
