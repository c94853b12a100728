//! Two producers and a consumer started in one scope that waits for all of them, the whole scope
//! cancelled after 5 s: trio's nursery and `move_on_after`, built from tokio's parts.
//!
//! Ports: `src/09-built-on-asyncio/the_trio/prod_trio.py`
//!
//! Run: `cargo run -p ch09-runtimes --bin prod_trio`
//!
//! Copy: `cargo add tokio anstream anstyle rand@0.9 --features tokio/rt,tokio/macros,tokio/sync,tokio/time,tokio/signal`
//!
//! Expect: producers and consumer interleaved through a channel that holds at most 10 items
//! (the producers wait when it is full), then, at 5 s, ` xx Prod 1 cancelled.` (and the same for
//! `Prod 2` and `Consumer`), what was produced and processed by then, and a total time of about
//! 5 s. `--time-scale 0.01` scales the sleeps *and* the deadline (0.05 s); Ctrl-C cancels the
//! scope the same way, early, and says `Cancelled by Ctrl-C.`.
//!
//! Why the current-thread runtime: trio, like asyncio, runs every task on one thread. So does
//! this runtime: no parallelism (a task runs only while the others wait at an `.await`), the same
//! interleaving as the course, and tasks that never move between threads, so they need not be
//! `Send` when spawned with `JoinSet::spawn_local` inside a `LocalSet` (this file's tasks are
//! `Send` anyway and use plain `spawn`). The multi-thread runtime would run the three children in
//! parallel; `runtimes` times both flavours.
//!
//! Python vs Rust: trio's nursery is a language-level promise: no child outlives the `async with`
//! block, a cancelled scope cancels every child and waits for each to unwind, and a child's error
//! cancels its siblings and reaches the parent. Rust's tools give parts of that promise:
//!
//! - `tokio::task::JoinSet` (used here) owns its tasks: `abort_all()` cancels them and
//!   `join_next` awaits each one, so the program can *see* that every child was cancelled
//!   (`JoinError::is_cancelled`). Dropping a JoinSet also aborts its tasks, but does not wait for
//!   them, so cleanup after a drop is not awaited.
//! - `CancellationToken` and `TaskTracker` (from the `tokio-util` crate): the parent cancels a
//!   token and `tracker.wait()`s for every task; cancellation is cooperative (each task must
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
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anstyle::{AnsiColor, Style};
use clap::Parser;
use course_kit::cli::{Seed, TimeScale};
use course_kit::{fmt, interrupt};
use rand::Rng;
use tokio::sync::mpsc::{Receiver, Sender, channel};
use tokio::task::{Id, JoinSet};

/// The course's colour for producers (colorama's Fore.YELLOW).
const PRODUCER: Style = AnsiColor::Yellow.on_default();
/// The course's colour for the consumer (colorama's Fore.CYAN).
const CONSUMER: Style = AnsiColor::Cyan.on_default();
/// A child cancelled by its scope (not in the course: trio cancels silently).
const CANCELLED: Style = AnsiColor::Red.on_default();

/// Items made and processed, for the closing summary. Atomics, so that tasks on any thread of any
/// runtime can count without a lock or a handle passed around.
static PRODUCED: AtomicU64 = AtomicU64::new(0);
static PROCESSED: AtomicU64 = AtomicU64::new(0);

/// An item: its value, and when it was made, so the consumer can say how long it waited.
type Item = (u64, Instant);

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
    course_kit::exit::quiet_broken_pipe();
    course_kit::exit::report(run())
}

fn run() -> anyhow::Result<ExitCode> {
    let args = Args::parse();
    let t0 = Instant::now();
    println!("App started.");
    let seed = args.seed.value();
    let (rng1, rng2) = (Seed::rng_for(seed, 1), Seed::rng_for(seed, 2));
    let deadline = args.time.secs(args.deadline);
    let scope = move_on_after(
        deadline,
        usize::from(args.buffer),
        args.items,
        rng1,
        rng2,
        args.time.time_scale,
    );

    // `trio.run(main)`: one thread runs every task, as trio does.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let ended = runtime.block_on(scope).map_err(anyhow::Error::msg)?;

    match ended {
        Ended::AllDone => println!("Every task finished before the deadline."),
        Ended::Deadline => println!(
            "Deadline of {} sec. reached: the scope cancelled its tasks.",
            fmt::secs(deadline.as_secs_f64())
        ),
        Ended::Interrupted => interrupt::announce(),
    }
    ch09_runtimes::say_summary(
        PRODUCED.load(Ordering::Relaxed),
        PROCESSED.load(Ordering::Relaxed),
    );
    println!(
        "App exiting, total time: {} sec.",
        fmt::secs(t0.elapsed().as_secs_f64())
    );
    Ok(if ended == Ended::Interrupted {
        interrupt::exit_code()
    } else {
        ExitCode::SUCCESS
    })
}

/// `with trio.move_on_after(deadline): async with trio.open_nursery() as nursery: ...`, with
/// Ctrl-C cancelling the scope too. `time_scale` multiplies every sleep (1.0 is the course's
/// pace). An error names the child that failed.
async fn move_on_after(
    deadline: Duration,
    buffer: usize,
    num: u64,
    rng1: impl Rng + Send + 'static,
    rng2: impl Rng + Send + 'static,
    time_scale: f64,
) -> Result<Ended, String> {
    // trio.open_memory_channel(10): a bounded channel, so producers wait when it is full.
    let (tx, rx) = channel(buffer);

    // The nursery. tokio's tasks have no names (without `tokio_unstable`), so keep our own.
    let mut nursery = JoinSet::new();
    let mut names: HashMap<Id, &str> = HashMap::new();
    let p1 = nursery.spawn(generate_data(num, tx.clone(), rng1, time_scale));
    names.insert(p1.id(), "Prod 1");
    let p2 = nursery.spawn(generate_data(num, tx, rng2, time_scale));
    names.insert(p2.id(), "Prod 2");
    let c = nursery.spawn(process_data(rx, time_scale));
    names.insert(c.id(), "Consumer");

    let deadline = tokio::time::sleep(deadline);
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
                    return Err(format!("{name} failed: {err}"));
                }
            },
            () = &mut deadline => break Ended::Deadline,
            // A handler that cannot be installed disables this branch instead of ending the scope.
            Ok(()) = &mut ctrl_c => break Ended::Interrupted,
        }
    };

    // Cancel the scope: abort every child still running, then *wait* for each, so that when this
    // function returns no child is left (dropping the JoinSet would abort them without waiting).
    nursery.abort_all();
    while let Some(joined) = nursery.join_next_with_id().await {
        match joined {
            Err(err) if err.is_cancelled() => {
                let name = names.get(&err.id()).copied().unwrap_or("a task");
                anstream::println!("{CANCELLED} xx {name} cancelled.{CANCELLED:#}");
            }
            // It finished in the instant between the deadline and the abort.
            Ok(_) => {}
            Err(err) => return Err(format!("a task failed while being cancelled: {err}")),
        }
    }
    Ok(ended)
}

async fn generate_data(num: u64, data: Sender<Item>, mut rng: impl Rng, time_scale: f64) {
    for idx in 1..=num {
        // Waits while the channel is full; cancellation can land here too.
        if data.send((idx * idx, Instant::now())).await.is_err() {
            return;
        }
        PRODUCED.fetch_add(1, Ordering::Relaxed);
        anstream::println!("{PRODUCER} -- generated item {idx}{PRODUCER:#}");
        let pause = Duration::from_secs_f64(rng.random_range(0.5..1.5) * time_scale);
        tokio::time::sleep(pause).await;
    }
}

async fn process_data(mut data: Receiver<Item>, time_scale: f64) {
    while let Some((value, made)) = data.recv().await {
        let age = made.elapsed().as_secs_f64();
        anstream::println!(
            "{CONSUMER} +++ Processed value {value} after {age:.2} sec.{CONSUMER:#}"
        );
        PROCESSED.fetch_add(1, Ordering::Relaxed);
        tokio::time::sleep(Duration::from_secs_f64(0.5 * time_scale)).await;
    }
}
