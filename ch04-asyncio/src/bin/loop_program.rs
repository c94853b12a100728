//! Measures the event loop itself: 500,000 queue actions, every task yielding after each one.
//!
//! Ports: `src/04-asyncio/loops/loops_asyncio/loop_program.py`
//!
//! Run: `cargo run -p ch04-asyncio --release --bin loop_program`
//!
//! Copy: `cargo add tokio smol futures --features tokio/rt,tokio/sync`
//!
//! Expect: `Running standard loop with 500,000 actions.`, the total time, and `Processed all
//! 500,000 items.`: about a tenth of a second in a release build (0.088 s on one of this
//! project's machines, 0.11–0.12 s on another, an AMD EPYC), where the course's asyncio takes
//! ~2.9 s and uvloop ~1.6 s. `loop_program_uv` is the same file with another executor: `diff`
//! the two to see the only lines that change.
//!
//! Python vs Rust: the loop's bookkeeping is compiled code: a task switch is a function return,
//! a few atomic operations and a queue push, with no interpreter and no objects created per
//! `await`. That is where the 25–33× comes from; the program's shape is unchanged.

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
        "Running standard loop with {} actions.",
        fmt::thousands(args.actions)
    );
    let t0 = Instant::now();

    // The executor: tokio's single-threaded runtime, the closest thing to asyncio's one loop.
    // No I/O or timer driver is enabled: this workload needs neither.
    let runtime = tokio::runtime::Builder::new_current_thread().build()?;
    let (produced, processed) = runtime.block_on(workload(args.actions))?;

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
/// `loop_program_uv` differs only in the lines it marks `// New:`: how tasks are spawned.
pub async fn workload(actions: u64) -> std::io::Result<(Tally, Tally)> {
    // Unbounded, like asyncio.Queue() without a maxsize: a put never waits.
    let (tx, rx) = mpsc::unbounded_channel();
    let half = actions / 2;
    let p1 = tokio::spawn(produce(half, tx.clone()));
    let p2 = tokio::spawn(produce(actions - half, tx));
    let c = tokio::spawn(consume(actions, rx));
    let (p1, p2, c) = futures::join!(p1, p2, c);
    // A tokio task hands back a `Result`: Err if it panicked or was aborted.
    let (p1, p2, c) = (p1?, p2?, c?);
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
