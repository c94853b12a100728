//! `threaded_prod` with a planted bug: producer 2 panics while it holds the list's lock. Main sees
//! it, tells the others to stop, and exits with an error; they carry on through the poisoned lock.
//!
//! Ports: a Rust addition to <https://github.com/talkpython/async-techniques-python-course/blob/master/src/05-threads/basic_threads/threaded_prod.py>
//!
//! Run: `cargo run -p ch05-threads --bin worker_panic [-- --panic-at 3]`
//!
//! Copy: `cargo add anstream anstyle anyhow rand@0.9`
//!
//! Expect: `threaded_prod`'s lines until `thread 'producer 2' … panicked at …` on stderr; then
//! `App exiting, total time: …` and `error: producer 2 panicked, so the others were told to stop`
//! (exit 1).
//!
//! Python vs Rust: an exception in a Python thread is printed and ends that thread; main never hears
//! of it. A Rust panic *poisons* the lock it held, and `join` hands it to main as an `Err`.

use std::collections::VecDeque;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use anstyle::{AnsiColor, Style};
use anyhow::{Context, bail};
use clap::Parser;
use course_kit::cli::{Seed, TimeScale};
use rand::Rng;

const PRODUCER: Style = AnsiColor::Yellow.on_default(); // the course's colorama colours
const CONSUMER: Style = AnsiColor::Cyan.on_default();

/// threaded_prod where producer 2 panics; main stops the others and reports it.
#[derive(Parser, Debug)]
#[command(name = "worker_panic", version, long_about = None)]
struct Args {
    #[command(flatten)]
    time: TimeScale,
    #[command(flatten)]
    seed: Seed,
    /// How many items each producer makes (the consumer processes twice as many)
    #[arg(long, value_name = "N", default_value_t = 20,
          value_parser = clap::value_parser!(u64).range(1..=100))]
    items: u64,
    /// The item producer 2 panics on, holding the lock
    #[arg(long, value_name = "N", default_value_t = 3)]
    panic_at: u64,
}

/// An item carries when it was made, so the consumer can say how long it waited.
type Item = (u64, Instant);

fn main() -> ExitCode {
    course_kit::exit::quiet_broken_pipe();
    course_kit::exit::report(run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<ExitCode> {
    let (items, second) = (args.items, args.time.secs(1.0));
    let seed = args.seed.value();
    let t0 = Instant::now();
    println!("App started.");
    let data = Arc::new(Mutex::new(VecDeque::new()));
    // A plain flag, seen at the next loop: `cooperative_stop` shows a sleep a stop cuts short.
    let stop = Arc::new(AtomicBool::new(false));

    let mut workers = Vec::new();
    for (n, panic_at) in [(1, None), (2, Some(args.panic_at))] {
        let (data, stop, mut rng) = (Arc::clone(&data), Arc::clone(&stop), Seed::rng_for(seed, n));
        let work = move || generate_data(items, &data, &mut rng, second, &stop, panic_at);
        workers.push(spawn(&format!("producer {n}"), work)?);
    }
    let consumer_stop = Arc::clone(&stop);
    let work = move || process_data(2 * items, &data, second, &consumer_stop);
    workers.push(spawn("consumer", work)?);

    let panicked = wait_for(&mut workers);
    stop.store(true, Ordering::Relaxed);
    for worker in workers {
        let _ = worker.join(); // the others cannot panic: they lock through the poison
    }

    let dt = t0.elapsed().as_secs_f64();
    println!("App exiting, total time: {dt:.2} sec.");
    if let Some(name) = panicked {
        // The panic message itself was printed by the thread as it panicked.
        bail!("{name} panicked, so the others were told to stop");
    }
    Ok(ExitCode::SUCCESS)
}

/// A named thread, so that its panic message says which worker it was.
fn spawn(name: &str, work: impl FnOnce() + Send + 'static) -> anyhow::Result<JoinHandle<()>> {
    let builder = thread::Builder::new().name(name.to_owned());
    builder
        .spawn(work)
        .with_context(|| format!("cannot start {name}"))
}

/// Joins the workers as they end; returns the name of the first that panicked, if one did (the
/// consumer would otherwise wait forever for a dead producer's items).
fn wait_for(workers: &mut Vec<JoinHandle<()>>) -> Option<String> {
    while !workers.is_empty() {
        for ended in workers.extract_if(.., |w| w.is_finished()) {
            let name = ended.thread().name().unwrap_or("a worker").to_owned();
            if ended.join().is_err() {
                return Some(name);
            }
        }
        thread::sleep(Duration::from_millis(10));
    }
    None
}

fn generate_data(
    num: u64,
    data: &Mutex<VecDeque<Item>>,
    rng: &mut impl Rng,
    second: Duration,
    stop: &AtomicBool,
    panic_at: Option<u64>,
) {
    for idx in 1..=num {
        if stop.load(Ordering::Relaxed) {
            return;
        }
        let mut list = lock(data);
        list.push_back((idx * idx, Instant::now()));
        if panic_at == Some(idx) {
            panic!("a planted bug, on item {idx}, with the list locked");
        }
        drop(list);
        anstream::println!("{PRODUCER} -- generated item {idx}{PRODUCER:#}");
        thread::sleep(second.mul_f64(rng.random_range(0.5..1.5)));
    }
}

fn process_data(num: u64, data: &Mutex<VecDeque<Item>>, second: Duration, stop: &AtomicBool) {
    let mut processed = 0;
    while processed < num && !stop.load(Ordering::Relaxed) {
        let Some((value, t)) = lock(data).pop_front() else {
            thread::sleep(second / 100);
            continue;
        };
        processed += 1;
        let dt = t.elapsed().as_secs_f64();
        anstream::println!("{CONSUMER} +++ Processed value {value} after {dt:.2} sec.{CONSUMER:#}");
        thread::sleep(second / 2);
    }
}

/// Locks the list even after a thread panicked holding it. The panic *poisoned* the mutex, and
/// `lock()` returns an error to warn that the data may be half-updated. Under this lock there is
/// only one `push_back` or one `pop_front`, which cannot leave the queue half-changed, so the data
/// is sound and it is right to carry on; `unwrap()` would spread the panic to every worker.
fn lock(data: &Mutex<VecDeque<Item>>) -> MutexGuard<'_, VecDeque<Item>> {
    data.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    #[test]
    fn producer_and_consumer_carry_on_through_a_poisoned_lock() {
        let data = Arc::new(Mutex::new(VecDeque::new()));
        let poisoner = Arc::clone(&data);
        let died = thread::spawn(move || {
            let _guard = poisoner.lock().unwrap();
            panic!("a fault injected by the test, while holding the queue's lock");
        });
        assert!(died.join().is_err());
        assert!(data.is_poisoned());
        let (stop, mut rng) = (AtomicBool::new(false), StdRng::seed_from_u64(1));
        generate_data(3, &data, &mut rng, Duration::ZERO, &stop, None);
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
    fn main_names_the_worker_that_panicked() {
        let fine = spawn("fine", || thread::sleep(Duration::from_millis(50))).unwrap();
        let faulty = spawn("producer 1", || panic!("a fault injected by the test")).unwrap();
        assert_eq!(
            wait_for(&mut vec![fine, faulty]).as_deref(),
            Some("producer 1")
        );
        let fine = spawn("fine", || thread::sleep(Duration::from_millis(20))).unwrap();
        assert_eq!(wait_for(&mut vec![fine]), None);
    }
}
