//! The bank with one lock per account, always taken in the same global order (by account number),
//! so two transfers can never hold one lock each and wait for the other's.
//!
//! Ports: `src/06-thread-safety/safe_bank_fine_grained.py`
//!
//! Run: `cargo run -p ch06-safety --release --bin safe_bank_fine_grained`
//!
//! Copy: `cargo add anstream anstyle num-format rand@0.9` (and `OPENING_BALANCES` from
//! `ch06-safety/src/lib.rs`)
//!
//! Expect: the same four lines as `safe_bank` and no ERROR line, ever. Not faster: every
//! validation still has to take all six locks, which shuts out every transfer just as the one
//! global lock did, and it now costs six lock operations instead of one. The course found the same
//! (~1.3 s against ~1.1 s); compare with `cargo bench -p ch06-safety --bench banks`. Ctrl-C stops
//! the transfers: the summary still prints, then `Cancelled by Ctrl-C.` and exit code 130.
//!
//! Python vs Rust: the course orders the locks by `id()` (an object's address); an index is the
//! simplest stable order in Rust. Each `Mutex<i64>` owns its balance, so no code can touch an
//! account without its lock. Drop the ordering and you get the `deadlock` program.
//!
//! `diff safe_bank.rs safe_bank_fine_grained.rs` shows one lock against one per account (and
//! `safe_bank`'s `--panic-at`); `diff safe_bank_fine_grained.rs deadlock.rs` shows the lost order.

use std::process::ExitCode;
use std::sync::PoisonError;
use std::sync::atomic::AtomicBool;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Instant;

use anstyle::{AnsiColor, Style};
use ch06_safety::OPENING_BALANCES;
use clap::Parser;
use course_kit::cli::Seed;
use course_kit::{fmt, interrupt, process};
use num_format::{Locale, ToFormattedString};
use rand::Rng;

// The program runs on std's threads and locks. `cargo test` also compiles this very file into
// tests/model.rs with the model checker's (shuttle's) versions, which let it choose every thread
// switch, as tokio's tests do with loom; that is why the lesson functions are `pub`. The bin is
// never built as a test itself (`test = false` in Cargo.toml), so `cfg(test)` means "inside the
// model". Copying this file? Keep the `not(test)` line, or `cargo add --dev shuttle`.
#[cfg(test)]
use shuttle::{sync::Mutex, thread};
#[cfg(not(test))]
use std::{sync::Mutex, thread};

/// The inconsistent totals (the course prints them plain; red makes the flood readable).
const ERROR: Style = AnsiColor::Red.on_default().bold();
/// The consistent total.
const GOOD: Style = AnsiColor::Green.on_default();

/// Five threads of transfers, one lock per account, locks taken in index order.
#[derive(Parser, Debug)]
#[command(version, long_about = None)]
struct Args {
    #[command(flatten)]
    seed: Seed,
    /// Number of worker threads (the course uses five)
    #[arg(long, value_name = "N", default_value_t = 5,
          value_parser = clap::value_parser!(u64).range(1..=64))]
    threads: u64,
    /// Transfers per thread (the course makes 9,999)
    #[arg(long, value_name = "N", default_value_t = 9_999,
          value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    transfers: u64,
    /// Do not yield the CPU between a transfer's debit and credit (the course's `sleep(0)`);
    /// races get rarer, not impossible
    #[arg(long)]
    no_yield: bool,
}

/// Whether a transfer yields the CPU between its debit and its credit, the course's `sleep(0)`:
/// it invites the scheduler to run another thread while the money is in no account, which is what
/// makes an unprotected transfer visible. Under a lock it changes nothing but the speed: whoever
/// runs instead just waits for the lock. `--no-yield` clears it; a static, so that `do_transfer`
/// keeps the course's signature.
static YIELD_MID_TRANSFER: AtomicBool = AtomicBool::new(true);

/// New: why a worker stops early. A lock it needs is poisoned: a thread panicked while holding
/// it, so the data behind it may be half updated.
#[derive(Debug)]
pub struct Poisoned;

/// New: `lock()?` turns a poisoned lock into a clean stop instead of a panic.
impl<T> From<PoisonError<T>> for Poisoned {
    fn from(_: PoisonError<T>) -> Self {
        Poisoned
    }
}

fn main() -> ExitCode {
    course_kit::exit::quiet_broken_pipe();
    // Ctrl-C sets this flag, which the workers check before each transfer, so an interrupted run
    // still joins its threads and counts the money.
    let stop = interrupt::flag();
    let args = Args::parse();
    course_kit::warn_if_unoptimized!();
    YIELD_MID_TRANSFER.store(!args.no_yield, Relaxed);
    let seed = args.seed.value();

    let accounts = OPENING_BALANCES.map(Mutex::new); // New: a lock per account owns its balance
    let total: i64 = OPENING_BALANCES.iter().sum();

    let _ = validate_bank(&accounts, total, false); // New: no thread yet, so nothing is poisoned
    println!("Starting transfers...");

    let t0 = Instant::now();
    let outcomes: Vec<_> = thread::scope(|s| {
        let workers: Vec<_> = (1..=args.threads)
            .map(|worker| {
                let mut rng = Seed::rng_for(seed, worker);
                let (accounts, stop) = (&accounts, &*stop);
                s.spawn(move || {
                    let done = do_bank_stuff(accounts, total, args.transfers, &mut rng, stop);
                    if done.is_err() {
                        stop.store(true, Relaxed); // New: one worker cannot go on, so none goes on
                    }
                    done
                })
            })
            .collect();
        // New: joining each worker ourselves turns its panic into a value to report, where
        // `scope` would re-raise it.
        workers.into_iter().map(|worker| worker.join()).collect()
    });
    let dt = fmt::secs(t0.elapsed().as_secs_f64());

    // New: explain every worker that did not finish.
    let (mut failed, mut poisoned) = (false, 0);
    for (worker, outcome) in (1..).zip(outcomes) {
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(Poisoned)) => poisoned += 1,
            Err(panic) => {
                failed = true;
                let why = process::panic_message(&*panic);
                anstream::println!("{ERROR}ERROR: worker {worker} panicked: {why}{ERROR:#}");
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
    let interrupted = stop.load(Relaxed);
    if failed || interrupted {
        println!("Transfers stopped ({dt}) sec");
    } else {
        println!("Transfers complete ({dt}) sec");
    }
    // Every worker has stopped, so no money is in flight.
    let consistent = match validate_bank(&accounts, total, false) {
        Ok(consistent) => consistent,
        // New: a poisoned lock still holds the data; `into_inner` hands it over anyway.
        Err(Poisoned) => {
            println!("Counting the money anyway (PoisonError::into_inner), to see the damage:");
            let balances = accounts
                .iter()
                .map(|a| *a.lock().unwrap_or_else(PoisonError::into_inner));
            report_balance(balances.sum(), total, false)
        }
    };
    if !consistent || failed {
        ExitCode::FAILURE
    } else if interrupted {
        interrupt::announce();
        interrupt::exit_code()
    } else {
        ExitCode::SUCCESS
    }
}

/// One worker: `transfers` random transfers, each followed by a quiet validation, until `stop`
/// or a poisoned lock.
pub fn do_bank_stuff(
    accounts: &[Mutex<i64>],
    total: i64,
    transfers: u64,
    rng: &mut impl Rng,
    stop: &AtomicBool,
) -> Result<(), Poisoned> {
    for _ in 0..transfers {
        if stop.load(Relaxed) {
            break;
        }
        let (from, to) = get_two_accounts(rng, OPENING_BALANCES.len());
        let amount = rng.random_range(1..=100);
        do_transfer(accounts, from, to, amount)?;
        validate_bank(accounts, total, true)?;
    }
    Ok(())
}

/// Two different accounts out of `count`, chosen at random.
pub fn get_two_accounts(rng: &mut impl Rng, count: usize) -> (usize, usize) {
    let from = rng.random_range(0..count);
    let mut to = from;
    while to == from {
        to = rng.random_range(0..count);
    }
    (from, to)
}

/// Moves `amount` from account `from` to account `to`, unless `from` holds less.
pub fn do_transfer(
    accounts: &[Mutex<i64>],
    from: usize,
    to: usize,
    amount: i64,
) -> Result<(), Poisoned> {
    // New: the two accounts' locks, in one global order (the lower account number first,
    // whichever way the money goes), so two transfers never each hold the lock the other wants.
    let mut low = accounts[from.min(to)].lock()?;
    let mut high = accounts[from.max(to)].lock()?;
    let (from, to) = if from < to {
        (&mut *low, &mut *high)
    } else {
        (&mut *high, &mut *low)
    };
    if *from < amount {
        return Ok(());
    }
    *from -= amount;
    if YIELD_MID_TRANSFER.load(Relaxed) {
        thread::yield_now(); // the money is in no account right now, but nobody can look
    }
    *to += amount;
    Ok(())
}

/// Adds up the bank and prints the course's verdict (only an error when `quiet`). True when the
/// total is right.
pub fn validate_bank(accounts: &[Mutex<i64>], total: i64, quiet: bool) -> Result<bool, Poisoned> {
    // New: all six locks at once, in the same order; holding them together is what makes the
    // sum a consistent snapshot.
    let held = accounts
        .iter()
        .map(Mutex::lock)
        .collect::<Result<Vec<_>, _>>()?;
    let current = held.iter().map(|balance| **balance).sum();
    Ok(report_balance(current, total, quiet))
}

/// The course's two messages: ERROR when `current` is not `total`, else `All good` unless `quiet`.
fn report_balance(current: i64, total: i64, quiet: bool) -> bool {
    if current != total {
        anstream::println!(
            "{ERROR}ERROR: Inconsistent account balance: ${} vs ${}{ERROR:#}",
            current.to_formatted_string(&Locale::en),
            total.to_formatted_string(&Locale::en)
        );
        false
    } else {
        if !quiet {
            anstream::println!(
                "{GOOD}All good: Consistent account balance: ${}{GOOD:#}",
                total.to_formatted_string(&Locale::en)
            );
        }
        true
    }
}
