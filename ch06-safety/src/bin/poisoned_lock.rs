//! `safe_bank` with a worker that panics in the middle of a transfer, holding the lock: the lock
//! is poisoned, the other workers stop at their next `lock()`, and main counts the damage.
//!
//! Ports: a Rust addition to <https://github.com/talkpython/async-techniques-python-course/blob/master/src/06-thread-safety/safe_bank.py>
//!
//! Run: `cargo run -p ch06-safety --bin poisoned_lock` (`--panic-at N`: the Nth transfer, or after)
//!
//! Copy: `cargo add anstream anstyle num-format rand@0.9`
//!
//! Expect: the panic on stderr, `ERROR: worker 1 panicked: …`, `ERROR: 4 other worker(s)
//! stopped …`, `Transfers stopped`, the money counted anyway, $1 to $100 short; exit code 1.
//!
//! Python vs Rust: a Python thread that dies inside `with transfer_lock:` releases the lock and the
//! others carry on, the money gone. Rust *poisons* a `Mutex` whose holder panicked: `lock()` then
//! returns an error, because the data may be half updated.

use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::{Mutex, PoisonError};
use std::thread;
use std::time::Instant;

use anstyle::{AnsiColor, Style};
use clap::Parser;
use course_kit::cli::Seed;
use num_format::{Locale, ToFormattedString};
use rand::Rng;

const ERROR: Style = AnsiColor::Red.on_default().bold(); // the course prints both plain
const GOOD: Style = AnsiColor::Green.on_default();

/// safe_bank with a worker that dies holding the lock.
#[derive(Parser, Debug)]
#[command(name = "poisoned_lock", version, long_about = None)]
struct Args {
    #[command(flatten)]
    seed: Seed,
    /// Transfers per thread (the course makes 9,999)
    #[arg(long, value_name = "N", default_value_t = 9_999,
          value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    transfers: u64,
    /// Do not yield the CPU between a transfer's debit and credit (the course's `sleep(0)`)
    #[arg(long)]
    no_yield: bool,
    /// Make worker 1 panic halfway through its Nth transfer (or the next one that moves money)
    #[arg(long, value_name = "N", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    panic_at: u64,
}

/// The course's `time.sleep(0)` mid-transfer: it lets another thread run while the money is in
/// no account. A static, so that `do_transfer` keeps the course's arguments.
static YIELD_MID_TRANSFER: AtomicBool = AtomicBool::new(true);

/// Why a worker stops early: a lock it needs is poisoned.
#[derive(Debug)]
pub struct Poisoned;

/// So that `lock()?` turns a poisoned lock into a clean stop instead of a panic.
impl<T> From<PoisonError<T>> for Poisoned {
    fn from(_: PoisonError<T>) -> Self {
        Poisoned
    }
}

fn main() -> ExitCode {
    course_kit::exit::quiet_broken_pipe();
    let args = Args::parse(); // no debug-build warning: its time is not the lesson
    YIELD_MID_TRANSFER.store(!args.no_yield, Relaxed);
    let (seed, transfers) = (args.seed.value(), args.transfers);

    let accounts = create_accounts();
    let total = accounts.lock().unwrap().iter().sum();

    validate_bank(&accounts, total, false).ok(); // nothing is poisoned yet
    println!("Starting transfers...");

    let t0 = Instant::now();
    let jobs: Vec<_> = thread::scope(|s| {
        let jobs: Vec<_> = (1..=5)
            .map(|job| {
                let (accounts, mut rng) = (&accounts, Seed::rng_for(seed, job));
                let panic_at = (job == 1).then_some(args.panic_at); // worker 1 dies
                s.spawn(move || do_bank_stuff(accounts, total, transfers, &mut rng, panic_at))
            })
            .collect();
        // Join each job here: `scope` would re-raise its panic, `join` returns it.
        jobs.into_iter().map(|job| job.join()).collect()
    });
    let dt = t0.elapsed().as_secs_f64();

    // What became of each worker.
    let (mut failed, mut poisoned) = (false, 0);
    for (job, outcome) in (1..).zip(jobs) {
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(Poisoned)) => poisoned += 1,
            Err(panic) => {
                failed = true;
                let why = panic.downcast_ref::<&str>().unwrap_or(&"?");
                anstream::println!("{ERROR}ERROR: worker {job} panicked: {why}{ERROR:#}");
            }
        }
    }
    if poisoned > 0 {
        failed = true;
        anstream::println!(
            "{ERROR}ERROR: {poisoned} other worker(s) stopped: a lock they needed was poisoned. \
             Rust poisons a Mutex when a thread panics while holding it, because the data behind \
             it may be half updated.{ERROR:#}"
        );
    }

    let verb = if failed { "stopped" } else { "complete" };
    println!("Transfers {verb} ({dt:.2}) sec");
    if validate_bank(&accounts, total, false).is_err() {
        // A poisoned lock still holds the data; `into_inner` hands it over anyway.
        println!("Counting the money anyway (PoisonError::into_inner), to see the damage:");
        let accounts = accounts.lock().unwrap_or_else(PoisonError::into_inner);
        report(accounts.iter().sum(), total, false);
    }
    // A run that lost a worker says so in its exit code.
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

pub fn do_bank_stuff(
    accounts: &Mutex<Vec<i64>>,
    total: i64,
    transfers: u64,
    rng: &mut impl Rng,
    panic_at: Option<u64>,
) -> Result<(), Poisoned> {
    for n in 1..=transfers {
        let (a1, a2) = get_two_accounts(6, rng); // the count is behind the lock
        let amount = rng.random_range(1..=100);
        let die = panic_at.is_some_and(|at| n >= at);
        do_transfer(accounts, a1, a2, amount, die)?; // `?`: a poisoned lock stops this worker
        validate_bank(accounts, total, true)?;
    }
    Ok(())
}

/// The course's six accounts, $44,500 in all, and the course's `transfer_lock`.
fn create_accounts() -> Mutex<Vec<i64>> {
    Mutex::new(vec![5000, 10_000, 7500, 7000, 6000, 9000])
}

pub fn do_transfer(
    accounts: &Mutex<Vec<i64>>,
    from: usize,
    to: usize,
    amount: i64,
    die: bool,
) -> Result<(), Poisoned> {
    let mut accounts = accounts.lock()?; // `?` where safe_bank unwraps
    if accounts[from] < amount {
        return Ok(());
    }

    accounts[from] -= amount;
    if die {
        panic!("injected fault (--panic-at): died between a debit and its credit");
    }
    if YIELD_MID_TRANSFER.load(Relaxed) {
        thread::yield_now();
    }
    accounts[to] += amount;
    Ok(())
} // The guard is dropped here, unlocking; or by the panic, which unlocks and poisons.

/// True when the bank holds `total`.
pub fn validate_bank(
    accounts: &Mutex<Vec<i64>>,
    total: i64,
    quiet: bool,
) -> Result<bool, Poisoned> {
    let current = accounts.lock()?.iter().sum();
    Ok(report(current, total, quiet))
}

/// The course's two messages.
fn report(current: i64, total: i64, quiet: bool) -> bool {
    let dollars = |n: i64| n.to_formatted_string(&Locale::en);
    if current != total {
        let (current, total) = (dollars(current), dollars(total));
        anstream::println!(
            "{ERROR}ERROR: Inconsistent account balance: ${current} vs ${total}{ERROR:#}"
        );
    } else if !quiet {
        let total = dollars(total);
        anstream::println!("{GOOD}All good: Consistent account balance: ${total}{GOOD:#}");
    }
    current == total
}

/// Two different accounts of `count`, chosen at random.
pub fn get_two_accounts(count: usize, rng: &mut impl Rng) -> (usize, usize) {
    let a1 = rng.random_range(0..count);
    let mut a2 = a1;
    while a2 == a1 {
        a2 = rng.random_range(0..count);
    }
    (a1, a2)
}
