//! `threaded_prod`, with threads that stop when asked: Enter or Ctrl-C cancels, and every worker
//! wakes from its sleep, stops, and is joined before main returns.
//!
//! Ports: a Rust addition to <https://github.com/talkpython/async-techniques-python-course/blob/master/src/05-threads/basic_threads/threaded_prod.py>
//!
//! Run: `cargo run -p ch05-threads --bin cooperative_stop`
//!
//! Copy: `cargo add anstream anstyle anyhow rand@0.9` (Ctrl-C: `cargo add ctrlc`, setting the flag)
//!
//! Expect: `threaded_prod`'s lines. Enter prints `Cancelling on your request!`; Ctrl-C prints
//! `Cancelled by Ctrl-C.` on stderr; either way the total time follows within milliseconds (exit
//! 130 for Ctrl-C). At end-of-file on stdin it runs to the end.
//!
//! Python vs Rust: neither can kill a thread; the course lets its daemon threads die with the
//! process. Here they are told to stop (`StopSignal`) and joined. `// New:` vs `threaded_prod`.

use std::collections::VecDeque;
use std::io;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use anstyle::{AnsiColor, Style};
use anyhow::{Context, bail};
use clap::Parser;
use course_kit::cli::{Seed, TimeScale};
use course_kit::interrupt;
use rand::Rng;

/// The course's colour for producers (colorama's `Fore.YELLOW`).
const PRODUCER: Style = AnsiColor::Yellow.on_default();
/// The course's colour for the consumer (colorama's `Fore.CYAN`).
const CONSUMER: Style = AnsiColor::Cyan.on_default();
/// The course's colour for the prompt (colorama's `Fore.RED`).
const PROMPT: Style = AnsiColor::Red.on_default();

/// threaded_prod with workers that stop when asked; Enter or Ctrl-C cancels.
#[derive(Parser, Debug)]
#[command(name = "cooperative_stop", version, long_about = None)]
struct Args {
    #[command(flatten)]
    time: TimeScale,
    #[command(flatten)]
    seed: Seed,
    /// How many items each producer makes (the consumer processes twice as many)
    #[arg(long, value_name = "N", default_value_t = 20,
          value_parser = clap::value_parser!(u64).range(1..=100))]
    items: u64,
}

/// An item carries when it was made, so the consumer can say how long it waited.
type Item = (u64, Instant);

/// New: how often main looks at its workers (the course's `join(0.001)` waits 1 ms per thread;
/// 10 ms is still far quicker than anyone can notice).
const TICK: Duration = Duration::from_millis(10);

fn main() -> ExitCode {
    // First thing: a Ctrl-C that came before the handler is installed would end the process
    // without the summary.
    let ctrl_c = interrupt::flag();
    course_kit::exit::quiet_broken_pipe();
    course_kit::exit::report(run(Args::parse(), &ctrl_c))
}

fn run(args: Args, ctrl_c: &AtomicBool) -> anyhow::Result<ExitCode> {
    // One of the course's seconds, scaled by `--time-scale`.
    let second = args.time.secs(1.0);
    // One random stream per producer, as in sync_prod, so the same seed makes the same waits.
    let seed = args.seed.value();
    let (rng1, rng2) = (Seed::rng_for(seed, 0), Seed::rng_for(seed, 1));
    let t0 = Instant::now();
    println!("App started.");

    // One list for three threads: `Arc` makes each an owner, `Mutex` lets one in at a time.
    let data = Arc::new(Mutex::new(VecDeque::new()));
    let stop = Arc::new(StopSignal::new()); // New: how main asks the workers to stop.
    let cancel = spawn_cancel_listener(); // New: a channel that says "cancel".

    // New: each worker gets its own handles to the list and the stop signal, moved into its
    // thread; the thread's name is what its panic message would show.
    let mut workers = Vec::new();
    for (name, mut rng) in [("producer 1", rng1), ("producer 2", rng2)] {
        let (data, stop, items) = (Arc::clone(&data), Arc::clone(&stop), args.items);
        let work = move || generate_data(items, &data, &mut rng, second, &stop);
        workers.push(spawn(name, work).with_context(|| format!("cannot start {name}"))?);
    }
    let (items, consumer_stop) = (2 * args.items, Arc::clone(&stop));
    let work = move || process_data(items, &data, second, &consumer_stop);
    workers.push(spawn("consumer", work).context("cannot start the consumer")?);

    // New: wait for all three, for Enter, or for Ctrl-C, whichever comes first.
    let outcome = wait_for(&mut workers, &cancel, ctrl_c);
    match outcome {
        Outcome::Cancelled => println!("Cancelling on your request!"),
        Outcome::Interrupted => interrupt::announce(),
        Outcome::Finished | Outcome::WorkerPanicked => {}
    }
    // New: tell the workers that are still running to stop, and wait for them: they wake from
    // their sleeps at once, so this takes milliseconds, not the rest of their 20 s.
    stop.request();
    let mut panicked = outcome == Outcome::WorkerPanicked;
    for worker in workers {
        panicked |= worker.join().is_err();
    }

    let dt = t0.elapsed().as_secs_f64();
    println!("App exiting, total time: {dt:.2} sec.");
    if panicked {
        // The panic message itself was printed by the thread as it panicked.
        bail!("a worker thread panicked, so the others were told to stop");
    }
    Ok(match outcome {
        Outcome::Interrupted => interrupt::exit_code(),
        _ => ExitCode::SUCCESS,
    })
}

/// Makes `num` items, pausing half a second to a second and a half after each.
fn generate_data(
    num: u64,
    data: &Mutex<VecDeque<Item>>,
    rng: &mut impl Rng,
    second: Duration,
    stop: &StopSignal, // New
) {
    for idx in 1..=num {
        if stop.is_requested() {
            return; // New: main asked us to stop.
        }
        lock(data).push_back((idx * idx, Instant::now())); // New: `lock`, poison-proof
        anstream::println!("{PRODUCER} -- generated item {idx}{PRODUCER:#}");
        stop.sleep(second.mul_f64(rng.random_range(0.5..1.5))); // New: a sleep main can cut short.
    }
}

/// Processes `num` items, oldest first, pausing half a second after each.
fn process_data(
    num: u64,
    data: &Mutex<VecDeque<Item>>,
    second: Duration,
    stop: &StopSignal, // New
) {
    let mut processed = 0;
    while processed < num && !stop.is_requested() {
        // New: `&& !stop.is_requested()`, main may ask us to stop.
        let next = lock(data).pop_front(); // New: `lock`, poison-proof
        let Some((value, made)) = next else {
            stop.sleep(second / 100); // New: a sleep main can cut short.
            continue;
        };
        processed += 1;
        anstream::println!(
            "{CONSUMER} +++ Processed value {value} after {:.2} sec.{CONSUMER:#}",
            made.elapsed().as_secs_f64()
        );
        stop.sleep(second / 2); // New: a sleep main can cut short.
    }
}

/// Locks the shared list even if a thread panicked while holding the lock.
///
/// A panic while the lock is held *poisons* the mutex, and `lock()` then returns an error, to
/// warn that the data may be half-updated. Here the only things done under the lock are one
/// `push_back` or one `pop_front`, which cannot leave the queue half-changed, so the data is
/// sound and it is right to carry on; main still reports the panic when it joins that thread.
fn lock(data: &Mutex<VecDeque<Item>>) -> MutexGuard<'_, VecDeque<Item>> {
    data.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A named thread, so that a panic message says which worker it was.
fn spawn(name: &str, work: impl FnOnce() + Send + 'static) -> io::Result<JoinHandle<()>> {
    thread::Builder::new().name(name.to_owned()).spawn(work)
}

/// New: threaded_prod's `check_cancel`, sending "cancel" on a channel when a line is read.
///
/// This thread is never joined: it may wait for input forever. Like a Python daemon thread it
/// simply ends with the process (see `hello`), which is harmless because it holds nothing.
fn spawn_cancel_listener() -> Receiver<()> {
    let (cancel_tx, cancel) = mpsc::channel();
    thread::spawn(move || {
        anstream::println!("{PROMPT}Press enter to cancel...{PROMPT:#}");
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

/// Why main stopped waiting.
#[derive(Debug, PartialEq)]
enum Outcome {
    Finished,
    Cancelled,
    Interrupted,
    WorkerPanicked,
}

/// Main's loop: until every worker has ended, the user cancels (Enter or Ctrl-C), or a worker
/// panics.
fn wait_for(
    workers: &mut Vec<JoinHandle<()>>,
    cancel: &Receiver<()>,
    ctrl_c: &AtomicBool,
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
        if ctrl_c.load(Ordering::Relaxed) {
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

/// A "please stop" message for worker threads, with a sleep that it interrupts.
///
/// Python's `threaded_prod` cannot stop its threads: it marks them `daemon` and they die when
/// the process ends, wherever they were. Rust has no way to kill a thread either (and killing
/// one that holds a lock would leave the lock held forever). The safe way is to *ask*: workers
/// check [`is_requested`](Self::is_requested) at the top of each loop and sleep with
/// [`sleep`](Self::sleep), which returns at once when a stop is requested.
///
/// Why a `Condvar` and not an `AtomicBool` polled in a loop of short sleeps: a condition
/// variable wakes the sleeper the moment [`request`](Self::request) is called, with no polling
/// interval to choose and no CPU spent checking a flag that has not changed.
#[derive(Debug, Default)]
struct StopSignal {
    stopped: Mutex<bool>,
    wake: Condvar,
}

impl StopSignal {
    /// A signal that has not been given yet.
    fn new() -> Self {
        Self::default()
    }

    /// Asks every worker to stop, and wakes those sleeping in [`sleep`](Self::sleep).
    fn request(&self) {
        *self.lock() = true;
        self.wake.notify_all();
    }

    /// True once [`request`](Self::request) has been called.
    fn is_requested(&self) -> bool {
        *self.lock()
    }

    /// Sleeps for `d`, or less if a stop is requested meanwhile. Returns true if the whole
    /// time was slept, false if the sleep was cut short (or a stop was already requested).
    fn sleep(&self, d: Duration) -> bool {
        let stopped = self.lock();
        // `wait_timeout_while` re-checks the condition after every wake-up, so a spurious
        // wake-up cannot end the sleep early.
        let (stopped, _) = self
            .wake
            .wait_timeout_while(stopped, d, |stopped| !*stopped)
            .unwrap_or_else(PoisonError::into_inner);
        !*stopped
    }

    fn lock(&self) -> MutexGuard<'_, bool> {
        // A bool cannot be left half-written by a thread that panicked while holding the lock,
        // so a poisoned lock is still perfectly usable here.
        self.stopped.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    #[test]
    fn stop_signal_cuts_a_sleep_short() {
        let stop = Arc::new(StopSignal::new());
        let worker = {
            let stop = Arc::clone(&stop);
            thread::spawn(move || stop.sleep(Duration::from_secs(60)))
        };
        let t0 = Instant::now();
        stop.request();
        assert!(!worker.join().unwrap(), "the sleep was cut short");
        assert!(t0.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn stop_signal_sleeps_the_full_time_when_not_stopped() {
        let stop = StopSignal::new();
        let t0 = Instant::now();
        assert!(stop.sleep(Duration::from_millis(30)));
        assert!(t0.elapsed() >= Duration::from_millis(30));
        assert!(!stop.is_requested());
    }

    #[test]
    fn stop_signal_wakes_every_sleeper() {
        let stop = Arc::new(StopSignal::new());
        let sleepers: Vec<_> = (0..4)
            .map(|_| {
                let stop = Arc::clone(&stop);
                thread::spawn(move || stop.sleep(Duration::from_secs(600)))
            })
            .collect();
        thread::sleep(Duration::from_millis(20));
        stop.request();
        for s in sleepers {
            assert!(!s.join().unwrap());
        }
        // Once requested, a sleep returns at once.
        assert!(!stop.sleep(Duration::from_secs(600)));
    }

    /// The test's own fault: a thread that panics while holding the queue's lock, poisoning it.
    fn poison(data: &Arc<Mutex<VecDeque<Item>>>) {
        let data = Arc::clone(data);
        let died = thread::spawn(move || {
            let _guard = data.lock().unwrap();
            panic!("a fault injected by the test, while holding the queue's lock");
        })
        .join();
        assert!(died.is_err());
    }

    #[test]
    fn producer_and_consumer_carry_on_through_a_poisoned_lock() {
        let data = Arc::new(Mutex::new(VecDeque::new()));
        poison(&data);
        assert!(data.is_poisoned());
        let stop = StopSignal::new();
        let mut rng = StdRng::seed_from_u64(1);
        generate_data(3, &data, &mut rng, Duration::ZERO, &stop);
        assert_eq!(
            lock(&data).len(),
            3,
            "the producer pushed through the poison"
        );
        process_data(3, &data, Duration::ZERO, &stop);
        assert!(
            lock(&data).is_empty(),
            "the consumer popped through the poison"
        );
    }

    #[test]
    fn the_consumer_stops_when_asked_even_while_waiting_for_items() {
        let data = Mutex::new(VecDeque::new());
        let stop = StopSignal::new();
        thread::scope(|s| {
            let consumer = s.spawn(|| process_data(5, &data, Duration::from_secs(1), &stop));
            thread::sleep(Duration::from_millis(30));
            stop.request();
            consumer.join().unwrap();
        });
    }

    fn no_cancel() -> (mpsc::Sender<()>, Receiver<()>) {
        mpsc::channel()
    }

    #[test]
    fn main_sees_a_panicked_worker() {
        let (_tx, cancel) = no_cancel();
        let fine = spawn("fine", || thread::sleep(Duration::from_millis(50))).unwrap();
        let faulty = spawn("producer 1", || panic!("a fault injected by the test")).unwrap();
        assert_eq!(faulty.thread().name(), Some("producer 1"));
        let mut workers = vec![fine, faulty];
        let ctrl_c = AtomicBool::new(false);
        assert_eq!(
            wait_for(&mut workers, &cancel, &ctrl_c),
            Outcome::WorkerPanicked
        );
    }

    #[test]
    fn main_waits_for_every_worker_then_finishes() {
        let (_tx, cancel) = no_cancel();
        let ends = Arc::new(Mutex::new(0));
        let mut workers: Vec<_> = [10, 40, 20]
            .map(|ms| {
                let ends = Arc::clone(&ends);
                spawn("w", move || {
                    thread::sleep(Duration::from_millis(ms));
                    *ends.lock().unwrap() += 1;
                })
                .unwrap()
            })
            .into();
        let ctrl_c = AtomicBool::new(false);
        assert_eq!(wait_for(&mut workers, &cancel, &ctrl_c), Outcome::Finished);
        assert_eq!(*ends.lock().unwrap(), 3);
        assert!(workers.is_empty());
    }

    #[test]
    fn enter_and_ctrl_c_end_the_wait() {
        let long = || spawn("w", || thread::sleep(Duration::from_millis(300))).unwrap();
        let (tx, cancel) = no_cancel();
        tx.send(()).unwrap();
        let ctrl_c = AtomicBool::new(false);
        assert_eq!(
            wait_for(&mut vec![long()], &cancel, &ctrl_c),
            Outcome::Cancelled
        );
        let (_tx, cancel) = no_cancel();
        ctrl_c.store(true, Ordering::Relaxed);
        assert_eq!(
            wait_for(&mut vec![long()], &cancel, &ctrl_c),
            Outcome::Interrupted
        );
    }
}
