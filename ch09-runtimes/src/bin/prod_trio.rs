//! Two producers and a consumer started in one scope that waits for all of them, the whole scope
//! cancelled after 5 s: trio's nursery and `move_on_after`, built from tokio's parts.
//!
//! Ports: src/09-built-on-asyncio/the_trio/prod_trio.py
//!
//! Run: cargo run -p ch09-runtimes --bin prod_trio
//!
//! Expect: producers and consumer interleaved through a channel that holds at most 10 items
//! (the producers wait when it is full), then, at 5 s, ` xx Prod 1 cancelled.` (and the same for
//! `Prod 2` and `Consumer`), what was produced and processed by then, and a total time of about
//! 5 s. `--time-scale 0.01` scales the sleeps *and* the deadline (0.05 s); Ctrl-C cancels the
//! scope the same way, early.
//!
//! Python vs Rust: trio's nursery is a language-level promise: no child outlives the `async with`
//! block, a cancelled scope cancels every child and waits for each to unwind, and a child's error
//! cancels its siblings and reaches the parent. Rust's tools give parts of that promise:
//!
//! - `tokio::task::JoinSet` (used here) owns its tasks: `abort_all()` cancels them and
//!   `join_next` awaits each one, so the program can *see* that every child was cancelled
//!   (`JoinError::is_cancelled`). Dropping a JoinSet also aborts its tasks, but does not wait for
//!   them, so cleanup after a drop is not awaited.
//! - `tokio_util::sync::CancellationToken` + `tokio_util::task::TaskTracker`: the parent cancels
//!   a token and `tracker.wait()`s for every task; cancellation is cooperative (each task must
//!   `select!` on `token.cancelled()`), which allows graceful cleanup but can be forgotten.
//! - `tokio::time::timeout(d, scope)` is `move_on_after`/`fail_after` for one future: on expiry it
//!   drops the future, which cancels everything that future *owns*, but a task it merely
//!   `tokio::spawn`ed keeps running, detached.
//! - `futures::join!` / `FuturesUnordered` are truly structured (children are plain futures inside
//!   the parent, may borrow its locals, and die with it), but they share one task: concurrency
//!   without parallelism.
//!
//! Where they fall short of a nursery: `tokio::spawn` needs `'static` futures, so children cannot
//! borrow from the scope and nothing forces them into one; cancellation happens only at an
//! `.await` (a CPU loop or a `spawn_blocking` job cannot be aborted); and Rust has no async drop,
//! so a scope that is itself cancelled cannot wait for its children to finish unwinding.

use std::collections::HashMap;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use anyhow::anyhow;
use ch09_runtimes::producer::{Item, Tally, make_item, say_exiting, say_generated, say_processed};
use clap::Parser;
use course_kit::cli::{Seed, TimeScale};
use course_kit::{cprintln, fmt, style};
use rand::Rng;
use tokio::sync::mpsc::{Receiver, Sender, channel};
use tokio::task::{Id, JoinSet};

/// Two producers and a consumer in a scope that is cancelled at a deadline (trio's nursery).
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
    /// Cancel the whole scope after this many seconds (scaled by --time-scale)
    #[arg(long, value_name = "SECS", default_value_t = 5.0, value_parser = positive_secs)]
    deadline: f64,
    /// How many items the channel holds before producers must wait (trio's max_buffer_size)
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..))]
    buffer: u16,
}

fn positive_secs(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && (0.0..=3600.0).contains(&v) => Ok(v),
        _ => Err(format!(
            "must be a number of seconds from 0 to 3600, got {s}"
        )),
    }
}

/// Why the scope ended.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Ended {
    /// Every child finished on its own before the deadline.
    AllDone,
    /// The deadline passed (`move_on_after` fired).
    Deadline,
    /// Ctrl-C.
    Interrupted,
}

fn main() -> ExitCode {
    course_kit::exit::report(run())
}

fn run() -> anyhow::Result<ExitCode> {
    let args = Args::parse();
    let t0 = Instant::now();
    cprintln!(style::APP, "App started.");
    let tally = Arc::new(Tally::default());

    let runtime = tokio::runtime::Runtime::new()?;
    let ended = runtime.block_on(move_on_after(&args, &tally))?;

    match ended {
        Ended::AllDone => cprintln!(style::GOOD, "Every task finished before the deadline."),
        Ended::Deadline => cprintln!(
            style::WARN,
            "Deadline of {} sec. reached: the scope cancelled its tasks.",
            fmt::secs(args.time.secs(args.deadline).as_secs_f64())
        ),
        Ended::Interrupted => cprintln!(
            style::WARN,
            "Interrupted by Ctrl-C: the scope cancelled its tasks."
        ),
    }
    tally.say_summary();
    say_exiting(t0);
    Ok(if ended == Ended::Interrupted {
        ExitCode::from(130)
    } else {
        ExitCode::SUCCESS
    })
}

/// `with trio.move_on_after(5): async with trio.open_nursery() as nursery: ...`
async fn move_on_after(args: &Args, tally: &Arc<Tally>) -> anyhow::Result<Ended> {
    // trio.open_memory_channel(10): a bounded channel, so producers wait when it is full.
    let (tx, rx) = channel(usize::from(args.buffer));
    let seed = args.seed.value();
    let (n, time) = (args.items, args.time);

    // The nursery. tokio's tasks have no names (without `tokio_unstable`), so keep our own.
    let mut nursery = JoinSet::new();
    let mut names: HashMap<Id, &str> = HashMap::new();
    let p1 = nursery.spawn(generate_data(
        n,
        tx.clone(),
        Seed::rng_for(seed, 1),
        time,
        tally.clone(),
    ));
    names.insert(p1.id(), "Prod 1");
    let p2 = nursery.spawn(generate_data(
        n,
        tx,
        Seed::rng_for(seed, 2),
        time,
        tally.clone(),
    ));
    names.insert(p2.id(), "Prod 2");
    let c = nursery.spawn(process_data(rx, time, tally.clone()));
    names.insert(c.id(), "Consumer");

    let deadline = tokio::time::sleep(time.secs(args.deadline));
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(deadline, ctrl_c);

    // Wait for the children, the deadline or Ctrl-C, whichever comes first.
    let ended = loop {
        tokio::select! {
            joined = nursery.join_next_with_id() => match joined {
                None => break Ended::AllDone,
                Some(Ok(_)) => {}
                // A child panicked. A nursery cancels the siblings, then re-raises in the parent.
                Some(Err(err)) => {
                    nursery.shutdown().await;
                    let name = names.get(&err.id()).copied().unwrap_or("a task");
                    return Err(anyhow!("{name} failed: {err}"));
                }
            },
            () = &mut deadline => break Ended::Deadline,
            _ = &mut ctrl_c => break Ended::Interrupted,
        }
    };

    // Cancel the scope: abort every child still running, then *wait* for each, so that when this
    // function returns no child is left (dropping the JoinSet would abort them without waiting).
    nursery.abort_all();
    while let Some(joined) = nursery.join_next_with_id().await {
        match joined {
            Err(err) if err.is_cancelled() => {
                let name = names.get(&err.id()).copied().unwrap_or("a task");
                cprintln!(style::WARN, " xx {name} cancelled.");
            }
            // It finished in the instant between the deadline and the abort.
            Ok(_) => {}
            Err(err) => return Err(anyhow!("a task failed while being cancelled: {err}")),
        }
    }
    Ok(ended)
}

async fn generate_data(
    num: u64,
    data: Sender<Item>,
    mut rng: impl Rng,
    time: TimeScale,
    tally: Arc<Tally>,
) {
    for idx in 1..=num {
        // Waits while the channel is full; cancellation can land here too.
        if data.send(make_item(idx)).await.is_err() {
            return;
        }
        tally.produced();
        say_generated(idx);
        tokio::time::sleep(time.secs(rng.random_range(0.5..1.5))).await;
    }
}

async fn process_data(mut data: Receiver<Item>, time: TimeScale, tally: Arc<Tally>) {
    while let Some(item) = data.recv().await {
        say_processed(&item);
        tally.processed();
        tokio::time::sleep(time.secs(0.5)).await;
    }
}
