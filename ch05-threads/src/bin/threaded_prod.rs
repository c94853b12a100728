//! The two producers and the consumer of `sync_prod`, each on its own thread, sharing one queue;
//! press Enter to cancel.
//!
//! Ports: src/05-threads/basic_threads/threaded_prod.py
//!
//! Run: cargo run -p ch05-threads --bin threaded_prod
//!
//! Expect: a red `Press enter to cancel...`, then generated and processed lines interleaved,
//! each item processed soon after it is made; about 20 s in all instead of sync_prod's 60 s
//! (`--time-scale 0.01` for 0.2 s). Enter (or Ctrl-C) prints `Cancelling on your request!` and
//! the total time at once. With no terminal (`< /dev/null`, CI) stdin is at end-of-file, which is
//! not a request to cancel: the program runs to the end.
//!
//! Python vs Rust: the course marks its threads `daemon` and, on cancel, just stops waiting for
//! them: they die when the process exits, wherever they were. Rust cannot kill a thread either,
//! so here the workers are *told* to stop ([`StopSignal`]), finish what they are doing, and are
//! joined. And the shared list needs a `Mutex`: Rust will not compile two threads changing one
//! `VecDeque` without one, where Python leans on the GIL.

use std::collections::VecDeque;
use std::io;
use std::process::ExitCode;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use ch05_threads::StopSignal;
use clap::Parser;
use course_kit::cli::{Seed, TimeScale};
use course_kit::{cprintln, fmt, interrupt, style};
use rand::Rng;

/// Two producers and a consumer on three threads; press Enter to cancel.
#[derive(Parser, Debug)]
#[command(version, long_about = None)]
struct Args {
    #[command(flatten)]
    time: TimeScale,
    #[command(flatten)]
    seed: Seed,
    /// How many items each producer makes (the consumer processes twice as many)
    #[arg(long, value_name = "N", default_value_t = 20)]
    items: u64,
    /// Fault injection for the tests: producer 1 panics at item N while holding the queue's lock
    #[arg(long, value_name = "N", hide = true)]
    panic_at_item: Option<u64>,
}

/// An item carries when it was made, so the consumer can say how long it waited.
type Item = (u64, Instant);
/// The list the three threads share. `Arc` gives each thread an owner of it; `Mutex` lets only
/// one of them touch it at a time.
type Shared = Arc<Mutex<VecDeque<Item>>>;

/// How often main looks at its workers, as the course's `join(0.001)` loop does.
const TICK: Duration = Duration::from_millis(10);

/// Why main stopped waiting.
#[derive(Debug, PartialEq)]
enum Outcome {
    Finished,
    Cancelled,
    Interrupted,
    WorkerPanicked,
}

fn main() -> ExitCode {
    course_kit::exit::report(run())
}

fn run() -> anyhow::Result<ExitCode> {
    let args = Args::parse();
    let ctrl_c = interrupt::flag();
    let t0 = Instant::now();
    cprintln!(style::APP, "App started.");

    let data: Shared = Arc::default();
    let stop = Arc::new(StopSignal::new());
    let seed = args.seed.value();
    let cancel = spawn_cancel_listener();

    let mut workers = Vec::new();
    for n in 0..2 {
        let (data, stop, time) = (Arc::clone(&data), Arc::clone(&stop), args.time);
        let mut rng = Seed::rng_for(seed, n);
        let panic_at = if n == 0 { args.panic_at_item } else { None };
        let items = args.items;
        workers.push(spawn(format!("producer {}", n + 1), move || {
            generate_data(items, &data, &mut rng, time, &stop, panic_at);
        })?);
    }
    let (items, time) = (2 * args.items, args.time);
    let consumer_stop = Arc::clone(&stop);
    workers.push(spawn("consumer".into(), move || {
        process_data(items, &data, time, &consumer_stop);
    })?);

    let outcome = wait_for(&mut workers, &cancel, || ctrl_c.load(Ordering::Relaxed));
    if matches!(outcome, Outcome::Cancelled | Outcome::Interrupted) {
        cprintln!(style::APP, "Cancelling on your request!");
    }
    // Tell the workers that are still running to stop, and wait for them: they wake from their
    // sleeps at once, so this takes milliseconds, not the rest of their 20 s.
    stop.request();
    let mut panicked = outcome == Outcome::WorkerPanicked;
    for worker in workers {
        panicked |= worker.join().is_err();
    }

    cprintln!(
        style::APP,
        "App exiting, total time: {} sec.",
        fmt::secs(t0.elapsed().as_secs_f64())
    );
    if panicked {
        // The panic message itself was printed by the thread as it panicked.
        bail!("a worker thread panicked, so the others were told to stop");
    }
    Ok(match outcome {
        Outcome::Interrupted => ExitCode::from(130), // the shell's convention for Ctrl-C
        _ => ExitCode::SUCCESS,
    })
}

/// A named thread, so that a panic message says which worker it was.
fn spawn(name: String, work: impl FnOnce() + Send + 'static) -> anyhow::Result<JoinHandle<()>> {
    thread::Builder::new()
        .name(name.clone())
        .spawn(work)
        .with_context(|| format!("cannot start the {name} thread"))
}

/// The course's fourth thread: prompt, then block reading a line. A line means "cancel".
///
/// This thread is never joined: it may wait for input forever. Like a Python daemon thread it
/// simply ends with the process (see `hello`), which is harmless because it holds nothing.
fn spawn_cancel_listener() -> Receiver<()> {
    let (cancel_tx, cancel) = mpsc::channel();
    thread::spawn(move || {
        cprintln!(style::PROMPT, "Press enter to cancel...");
        let mut line = String::new();
        // `Ok(0)` is end-of-file: there is no terminal (CI, `< /dev/null`), so nobody can press
        // Enter and nobody asked to cancel. Only a real line (even an empty one, "\n") cancels.
        if let Ok(n) = io::stdin().read_line(&mut line)
            && n > 0
        {
            let _ = cancel_tx.send(());
        }
    });
    cancel
}

/// Main's loop: until every worker has ended, the user cancels, or a worker panics.
fn wait_for(
    workers: &mut Vec<JoinHandle<()>>,
    cancel: &Receiver<()>,
    interrupted: impl Fn() -> bool,
) -> Outcome {
    loop {
        // Join the workers that have already ended (that cannot block); a panicked one makes
        // the others pointless (the consumer would wait forever for a dead producer's items).
        for ended in workers.extract_if(.., |w| w.is_finished()) {
            if ended.join().is_err() {
                return Outcome::WorkerPanicked;
            }
        }
        if workers.is_empty() {
            return Outcome::Finished;
        }
        if interrupted() {
            return Outcome::Interrupted;
        }
        match cancel.recv_timeout(TICK) {
            Ok(()) => return Outcome::Cancelled,
            Err(RecvTimeoutError::Timeout) => {}
            // The listener saw end-of-file and ended: keep waiting, without the channel.
            Err(RecvTimeoutError::Disconnected) => thread::sleep(TICK),
        }
    }
}

/// Locks the shared list even if a thread panicked while holding the lock.
///
/// A panic while the lock is held *poisons* the mutex, and `lock()` then returns an error, to
/// warn that the data may be half-updated. Here the only things done under the lock are one
/// `push_back` or one `pop_front`, which cannot leave the queue half-changed, so the data is
/// sound and it is right to carry on; main still reports the panic when it joins that thread.
fn lock(data: &Shared) -> MutexGuard<'_, VecDeque<Item>> {
    data.lock().unwrap_or_else(PoisonError::into_inner)
}

fn generate_data(
    num: u64,
    data: &Shared,
    rng: &mut impl Rng,
    time: TimeScale,
    stop: &StopSignal,
    panic_at: Option<u64>,
) {
    for idx in 1..=num {
        if stop.is_requested() {
            return;
        }
        {
            let mut queue = lock(data);
            queue.push_back((idx * idx, Instant::now()));
            if panic_at == Some(idx) {
                panic!("injected fault at item {idx}, while holding the queue's lock");
            }
        } // The lock is released here, before printing and sleeping.
        cprintln!(style::PRODUCER, " -- generated item {idx}");
        stop.sleep(time.secs(rng.random_range(0.5..1.5)));
    }
}

fn process_data(num: u64, data: &Shared, time: TimeScale, stop: &StopSignal) {
    let mut processed = 0;
    while processed < num && !stop.is_requested() {
        // The lock is held for this one statement only: a guard that lived on through the
        // sleeps below would block both producers while the consumer sleeps.
        let next = lock(data).pop_front();
        let Some((value, made)) = next else {
            // Nothing yet: poll again in 10 ms, as the course does. A `Condvar` would wake the
            // consumer the moment an item arrives instead (and a channel does that for you:
            // `std::sync::mpsc` or ch04's async queue); the course's point here is the shared
            // list, so it keeps the simple poll.
            stop.sleep(time.secs(0.01));
            continue;
        };
        processed += 1;
        cprintln!(
            style::CONSUMER,
            " +++ Processed value {value} after {:.2} sec.",
            made.elapsed().as_secs_f64()
        );
        stop.sleep(time.secs(0.5));
    }
}
