//! `threaded_prod`, with threads that stop when asked: Enter or Ctrl-C cancels, and every worker
//! wakes from its sleep, stops, and is joined before main returns.
//!
//! Ports: a Rust addition to <https://github.com/talkpython/async-techniques-python-course/blob/master/src/05-threads/basic_threads/threaded_prod.py>
//!
//! Run: `cargo run -p ch05-threads --bin cooperative_stop`
//!
//! Copy: `cargo add anstream anstyle rand@0.9` (Ctrl-C: `cargo add ctrlc`, setting the flag)
//!
//! Expect: `threaded_prod`'s lines. Enter prints `Cancelling on your request!`; Ctrl-C prints
//! `Cancelled by Ctrl-C.` on stderr; either way the total time follows within milliseconds (exit
//! 130 for Ctrl-C). At end-of-file on stdin it runs to the end.
//!
//! Python vs Rust: neither can kill a thread; the course lets its daemon threads die with the
//! process. Here they are told to stop (`StopSignal`) and joined.

use std::collections::VecDeque;
use std::io;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use anstyle::{AnsiColor, Style};
use clap::Parser;
use course_kit::cli::{Seed, TimeScale};
use course_kit::interrupt;
use rand::Rng;

const PRODUCER: Style = AnsiColor::Yellow.on_default(); // the course's colorama colours
const CONSUMER: Style = AnsiColor::Cyan.on_default();
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

/// How often main looks at its workers: the course's `join(0.001)` waits 1 ms per thread;
/// 10 ms is still far quicker than anyone can notice.
const TICK: Duration = Duration::from_millis(10);

fn main() -> ExitCode {
    // First thing: a Ctrl-C that came before the handler is installed would end the process
    // without the summary.
    let ctrl_c = interrupt::flag();
    course_kit::exit::quiet_broken_pipe();
    let args = Args::parse();
    let (items, second) = (args.items, args.time.secs(1.0));
    let seed = args.seed.value();
    let (mut rng1, mut rng2) = (Seed::rng_for(seed, 0), Seed::rng_for(seed, 1));
    let t0 = Instant::now();
    println!("App started.");
    let data = Arc::new(Mutex::new(VecDeque::new()));
    let stop = Arc::new(StopSignal::default()); // how main asks the workers to stop

    let (data1, data2) = (Arc::clone(&data), Arc::clone(&data));
    let (stop1, stop2, stop3) = (Arc::clone(&stop), Arc::clone(&stop), Arc::clone(&stop));
    let cancel = spawn_cancel_listener(); // Python: `threading.Thread(target=check_cancel)`
    let workers = [
        thread::spawn(move || generate_data(items, &data1, &mut rng1, second, &stop1)),
        thread::spawn(move || generate_data(items, &data2, &mut rng2, second, &stop2)),
        thread::spawn(move || process_data(2 * items, &data, second, &stop3)),
    ];

    let outcome = wait_for(&workers, &cancel, &ctrl_c);
    match outcome {
        Outcome::Cancelled => println!("Cancelling on your request!"),
        Outcome::Interrupted => interrupt::announce(),
        Outcome::Finished => {}
    }
    // Python returns here and its daemon threads die with the process. These are told to stop
    // and joined: they wake from their sleeps at once, so this takes milliseconds.
    stop.request();
    for worker in workers {
        let _ = worker.join(); // a worker's panic was printed as it happened
    }

    let dt = t0.elapsed().as_secs_f64();
    println!("App exiting, total time: {dt:.2} sec.");
    match outcome {
        Outcome::Interrupted => interrupt::exit_code(),
        _ => ExitCode::SUCCESS,
    }
}

/// Python's `check_cancel`, sending "cancel" on a channel when a line is read.
///
/// This thread is never joined: it may wait for input forever. Like a Python daemon thread it
/// simply ends with the process (see `hello`), which is harmless because it holds nothing.
fn spawn_cancel_listener() -> Receiver<()> {
    let (cancel_tx, cancel) = mpsc::channel();
    thread::spawn(move || {
        anstream::println!("{PROMPT}Press enter to cancel...{PROMPT:#}");
        // `Ok(0)` is end-of-file: there is no terminal (CI, `< /dev/null`), so nobody can press
        // Enter and nobody asked to cancel. Only a real line (even an empty one, "\n") cancels.
        if io::stdin().read_line(&mut String::new()).unwrap_or(0) > 0 {
            let _ = cancel_tx.send(());
        }
    });
    cancel
}

fn generate_data(
    num: u64,
    data: &Mutex<VecDeque<Item>>,
    rng: &mut impl Rng,
    second: Duration,
    stop: &StopSignal,
) {
    for idx in 1..=num {
        if stop.is_requested() {
            return;
        }
        data.lock().unwrap().push_back((idx * idx, Instant::now()));
        anstream::println!("{PRODUCER} -- generated item {idx}{PRODUCER:#}");
        stop.sleep(second.mul_f64(rng.random_range(0.5..1.5))); // Python: `time.sleep(...)`
    }
}

fn process_data(num: u64, data: &Mutex<VecDeque<Item>>, second: Duration, stop: &StopSignal) {
    let mut processed = 0;
    while processed < num && !stop.is_requested() {
        let Some((value, t)) = data.lock().unwrap().pop_front() else {
            stop.sleep(second / 100);
            continue;
        };
        processed += 1;
        let dt = t.elapsed().as_secs_f64();
        anstream::println!("{CONSUMER} +++ Processed value {value} after {dt:.2} sec.{CONSUMER:#}");
        stop.sleep(second / 2);
    }
}

/// Why main stopped waiting.
#[derive(Debug, PartialEq)]
enum Outcome {
    Finished,
    Cancelled,
    Interrupted,
}

/// Python's loop of `join(0.001)`s: until every worker has ended or the user cancels (Enter or
/// Ctrl-C).
fn wait_for(workers: &[JoinHandle<()>], cancel: &Receiver<()>, ctrl_c: &AtomicBool) -> Outcome {
    loop {
        if workers.iter().all(JoinHandle::is_finished) {
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
/// Rust cannot kill a thread (killing one that holds a lock would leave the lock held forever),
/// so it *asks*: workers check [`is_requested`](Self::is_requested) at the top of each loop and
/// sleep with [`sleep`](Self::sleep), which returns at once when a stop is requested. A `Condvar`
/// rather than an `AtomicBool` polled in short sleeps: it wakes the sleeper the moment
/// [`request`](Self::request) is called, with no interval to choose.
#[derive(Debug, Default)]
struct StopSignal {
    stopped: Mutex<bool>,
    wake: Condvar,
}

impl StopSignal {
    /// Asks every worker to stop, and wakes those sleeping in [`sleep`](Self::sleep).
    fn request(&self) {
        *self.lock() = true;
        self.wake.notify_all();
    }

    fn is_requested(&self) -> bool {
        *self.lock()
    }

    /// Sleeps for `d`, or less if a stop is requested meanwhile. Returns true if the whole
    /// time was slept, false if the sleep was cut short (or a stop was already requested).
    fn sleep(&self, d: Duration) -> bool {
        // `wait_timeout_while` re-checks the condition after every wake-up, so a spurious
        // wake-up cannot end the sleep early.
        let (stopped, _) = self
            .wake
            .wait_timeout_while(self.lock(), d, |stopped| !*stopped)
            .unwrap_or_else(PoisonError::into_inner);
        !*stopped
    }

    fn lock(&self) -> MutexGuard<'_, bool> {
        // A bool cannot be left half-written by a thread that panicked while holding the lock,
        // so a poisoned lock is still usable: a stop must get through whatever happened.
        self.stopped.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_signal_cuts_every_sleep_short() {
        let stop = Arc::new(StopSignal::default());
        let sleepers: Vec<_> = (0..4)
            .map(|_| {
                let stop = Arc::clone(&stop);
                thread::spawn(move || stop.sleep(Duration::from_secs(600)))
            })
            .collect();
        thread::sleep(Duration::from_millis(20));
        let t0 = Instant::now();
        stop.request();
        for s in sleepers {
            assert!(!s.join().unwrap(), "the sleep was cut short");
        }
        assert!(t0.elapsed() < Duration::from_secs(5));
        // Once requested, a sleep returns at once.
        assert!(!stop.sleep(Duration::from_secs(600)));
    }

    #[test]
    fn stop_signal_sleeps_the_full_time_when_not_stopped() {
        let stop = StopSignal::default();
        let t0 = Instant::now();
        assert!(stop.sleep(Duration::from_millis(30)));
        assert!(t0.elapsed() >= Duration::from_millis(30));
        assert!(!stop.is_requested());
    }

    #[test]
    fn the_consumer_stops_when_asked_even_while_waiting_for_items() {
        let data = Mutex::new(VecDeque::new());
        let stop = StopSignal::default();
        thread::scope(|s| {
            let consumer = s.spawn(|| process_data(5, &data, Duration::from_secs(1), &stop));
            thread::sleep(Duration::from_millis(30));
            stop.request();
            consumer.join().unwrap();
        });
    }

    #[test]
    fn main_waits_for_every_worker_then_finishes() {
        let (_tx, cancel) = mpsc::channel();
        let ends = Arc::new(Mutex::new(0));
        let workers = [10, 40, 20].map(|ms| {
            let ends = Arc::clone(&ends);
            thread::spawn(move || {
                thread::sleep(Duration::from_millis(ms));
                *ends.lock().unwrap() += 1;
            })
        });
        let ctrl_c = AtomicBool::new(false);
        assert_eq!(wait_for(&workers, &cancel, &ctrl_c), Outcome::Finished);
        assert_eq!(*ends.lock().unwrap(), 3);
    }

    #[test]
    fn enter_and_ctrl_c_end_the_wait() {
        let long = || [thread::spawn(|| thread::sleep(Duration::from_millis(300)))];
        let (tx, cancel) = mpsc::channel();
        tx.send(()).unwrap();
        let ctrl_c = AtomicBool::new(false);
        assert_eq!(wait_for(&long(), &cancel, &ctrl_c), Outcome::Cancelled);
        let (_tx, cancel) = mpsc::channel();
        ctrl_c.store(true, Ordering::Relaxed);
        assert_eq!(wait_for(&long(), &cancel, &ctrl_c), Outcome::Interrupted);
    }
}
