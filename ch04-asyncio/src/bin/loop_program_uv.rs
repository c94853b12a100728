//! The same 500,000-action loop as `loop_program`, on an alternative executor: smol's.
//!
//! Ports: `src/04-asyncio/loops/loops_uv/loop_program_uv.py`
//!
//! Run: `cargo run -p ch04-asyncio --release --bin loop_program_uv`
//!
//! Copy: `cargo add tokio smol futures --features tokio/sync`
//!
//! Expect: `Running uvloop-style loop with 500,000 actions.`, the total time and `Processed all
//! 500,000 items.`: about a tenth of a second in a release build, like `loop_program` on tokio
//! (best of 7 in `cargo bench -p ch04-asyncio --bench ch04`: smol 0.097 s against tokio's
//! 0.091 s on one of this project's machines, 0.097 s against 0.122 s on another; the course's
//! Python: ~2.9 s with asyncio, ~1.6 s with uvloop). So the swap that gains 1.8× in Python gains
//! little or nothing here: both executors do the loop's bookkeeping in compiled code, and which
//! one wins this ping-pong of three tasks changes from machine to machine (smol's executor is
//! built to be shared by many threads, with a concurrent run queue; tokio's current-thread
//! scheduler is not).
//!
//! Python vs Rust: uvloop is installed as asyncio's loop policy and the program does not change.
//! Rust has no global loop to replace: the executor is whatever drives the future, so this file
//! is `loop_program.rs` with the lines marked `// New:` changed (`diff` the two). The queue
//! (tokio's channel) and the yield work on any executor. Which executor wins depends on the
//! workload: measure yours rather than assume.

use std::process::ExitCode;
use std::time::Instant;

use anstyle::{AnsiColor, Style};
use clap::Parser;
use course_kit::fmt;
use tokio::sync::mpsc;

/// Success (colorama's Fore.GREEN).
const GOOD: Style = AnsiColor::Green.on_default();

/// The course's number of queue actions.
pub const ACTIONS: u64 = 500_000;

/// Two producers and one consumer passing 500,000 items, yielding after each.
#[derive(Parser, Debug)]
#[command(version, long_about = None)]
struct Args {
    /// How many queue actions (items) in all
    #[arg(long, value_name = "N", default_value_t = ACTIONS,
          value_parser = clap::value_parser!(u64).range(2..=100_000_000))]
    actions: u64,
}

/// How many items a task handled, and the sum of their values (which keeps the work observable,
/// so the optimiser cannot delete it).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    pub items: u64,
    pub sum: u64,
}

fn main() -> ExitCode {
    course_kit::exit::quiet_broken_pipe();
    course_kit::exit::report(run())
}

fn run() -> anyhow::Result<ExitCode> {
    let args = Args::parse();
    course_kit::warn_if_unoptimized!();
    println!(
        "Running uvloop-style loop with {} actions.",
        fmt::thousands(args.actions)
    );
    let t0 = Instant::now();

    // New: the executor is smol's single-threaded LocalExecutor, driven by `block_on`.
    let ex = smol::LocalExecutor::new();
    let (produced, processed) = smol::block_on(ex.run(workload(&ex, args.actions)))?;

    let dt = t0.elapsed().as_secs_f64();
    // Three decimals, not the course's two: Rust's times would round to 0.0x.
    println!("App exiting, total time: {dt:.3} sec.");
    anyhow::ensure!(
        produced == processed,
        "produced {produced:?} but processed {processed:?}"
    );
    anstream::println!(
        "{GOOD}Processed all {} items.{GOOD:#}",
        fmt::thousands(processed.items)
    );
    Ok(ExitCode::SUCCESS)
}

/// Starts two producers and one consumer as tasks and waits for all three (the course's
/// `create_task` ×3 then `gather`). Returns what the producers made and what the consumer took.
/// New: smol spawns on an executor the caller passes in; tokio's spawn finds its runtime itself.
pub async fn workload(
    ex: &smol::LocalExecutor<'_>,
    actions: u64,
) -> std::io::Result<(Tally, Tally)> {
    // Unbounded, like asyncio.Queue() without a maxsize: a put never waits.
    let (tx, rx) = mpsc::unbounded_channel();
    let half = actions / 2;
    let p1 = ex.spawn(produce(half, tx.clone())); // New: smol's spawn
    let p2 = ex.spawn(produce(actions - half, tx)); // New: smol's spawn
    let c = ex.spawn(consume(actions, rx)); // New: smol's spawn
    // New: a smol task hands back its value itself (a panic in the task resumes here).
    let (p1, p2, c) = futures::join!(p1, p2, c);
    let produced = Tally {
        items: p1.items + p2.items,
        sum: p1.sum + p2.sum,
    };
    Ok((produced, c))
}

async fn produce(num: u64, queue: mpsc::UnboundedSender<(u64, Instant)>) -> Tally {
    let mut sum = 0;
    for idx in 1..=num {
        let item = idx * idx;
        if queue.send((item, Instant::now())).is_err() {
            break; // the consumer is gone; nothing left to do
        }
        sum += item;
        // `sleep(0)`: hand control back to the executor. This yield wakes the task at once and
        // works on any executor. tokio's own `task::yield_now` deliberately waits until the
        // scheduler has also polled its I/O and timer driver (fair to sockets, but here about a
        // third slower per action, on a runtime that has no driver to poll).
        smol::future::yield_now().await;
    }
    Tally { items: num, sum }
}

async fn consume(num: u64, mut queue: mpsc::UnboundedReceiver<(u64, Instant)>) -> Tally {
    let mut tally = Tally::default();
    while tally.items < num {
        // Waits (without polling) until a producer has sent something. Like the course, the
        // consumer only counts; the sum keeps the values observable.
        let Some((value, _made)) = queue.recv().await else {
            break; // every producer has finished and the channel is empty
        };
        tally.items += 1;
        tally.sum += value;
        smol::future::yield_now().await;
    }
    tally
}
