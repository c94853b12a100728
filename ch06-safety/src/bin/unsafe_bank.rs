//! The bank with no lock: a transfer debits one account, yields, then credits the other, so other
//! threads can count the bank while the money is in flight.
//!
//! Ports: `src/06-thread-safety/unsafe_bank.py`
//!
//! Run: `cargo run -p ch06-safety --release --bin unsafe_bank`
//!
//! Copy: `cargo add anstream anstyle num-format rand@0.9` (and `OPENING_BALANCES` from
//! `ch06-safety/src/lib.rs`)
//!
//! Expect: `All good`, `Starting transfers...`, then a flood of
//! `ERROR: Inconsistent account balance: $44,4xx vs $44,500` from validators that looked mid
//! transfer, `Transfers complete`, and a final `All good`: once every thread has stopped, no money
//! is in flight, so the books balance again. A heisenbug: the count of ERROR lines differs run to
//! run, even with the same `--seed`, because it depends on the scheduler, not on the data; with
//! `--no-yield` it drops from tens of thousands to a few hundred, and in a debug build to a few
//! dozen. Rarer is not fixed: `safe_bank` prints none, ever. Ctrl-C stops the transfers: the
//! summary still prints, then `Cancelled by Ctrl-C.` and exit code 130.
//!
//! Python vs Rust: the Python version races on plain integers. Safe Rust refuses to compile that
//! (see the `compile_fail` example in the crate docs), so each balance is an atomic: every single
//! step is indivisible, yet the transfer, two steps, is not. Atomics prevent *data races*, not
//! *race conditions*.

use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::sync::atomic::Ordering::{Relaxed, SeqCst};
use std::time::Instant;

use anstyle::{AnsiColor, Style};
use ch06_safety::OPENING_BALANCES;
use clap::Parser;
use course_kit::cli::Seed;
use course_kit::{fmt, interrupt};
use num_format::{Locale, ToFormattedString};
use rand::Rng;

// The program runs on std's threads and atomics. `cargo test` also compiles this very file into
// tests/model.rs with the model checker's (shuttle's) versions, which let it choose every thread
// switch, as tokio's tests do with loom; that is why the lesson functions are `pub`. The bin is
// never built as a test itself (`test = false` in Cargo.toml), so `cfg(test)` means "inside the
// model". Copying this file? Keep the `not(test)` line, or `cargo add --dev shuttle`.
#[cfg(test)]
use shuttle::{sync::atomic::AtomicI64, thread};
#[cfg(not(test))]
use std::{sync::atomic::AtomicI64, thread};

/// The inconsistent totals (the course prints them plain; red makes the flood readable).
const ERROR: Style = AnsiColor::Red.on_default().bold();
/// The consistent total.
const GOOD: Style = AnsiColor::Green.on_default();

/// Five threads of transfers with no lock at all.
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

fn main() -> ExitCode {
    course_kit::exit::quiet_broken_pipe();
    // Ctrl-C sets this flag, which the workers check before each transfer, so an interrupted run
    // still joins its threads and counts the money.
    let stop = interrupt::flag();
    let args = Args::parse();
    course_kit::warn_if_unoptimized!();
    YIELD_MID_TRANSFER.store(!args.no_yield, Relaxed);
    let seed = args.seed.value();

    let accounts = OPENING_BALANCES.map(AtomicI64::new);
    let total: i64 = OPENING_BALANCES.iter().sum();

    validate_bank(&accounts, total, false);
    println!("Starting transfers...");

    let t0 = Instant::now();
    thread::scope(|s| {
        for worker in 1..=args.threads {
            let mut rng = Seed::rng_for(seed, worker);
            let (accounts, stop) = (&accounts, &*stop);
            s.spawn(move || do_bank_stuff(accounts, total, args.transfers, &mut rng, stop));
        }
    });
    let dt = fmt::secs(t0.elapsed().as_secs_f64());

    let interrupted = stop.load(Relaxed);
    if interrupted {
        println!("Transfers stopped ({dt}) sec");
    } else {
        println!("Transfers complete ({dt}) sec");
    }
    // Every worker has stopped, so no money is in flight.
    let consistent = validate_bank(&accounts, total, false);
    if !consistent {
        ExitCode::FAILURE
    } else if interrupted {
        interrupt::announce();
        interrupt::exit_code()
    } else {
        ExitCode::SUCCESS
    }
}

/// One worker: `transfers` random transfers, each followed by a quiet validation, until `stop`.
pub fn do_bank_stuff(
    accounts: &[AtomicI64],
    total: i64,
    transfers: u64,
    rng: &mut impl Rng,
    stop: &AtomicBool,
) {
    for _ in 0..transfers {
        if stop.load(Relaxed) {
            break;
        }
        let (from, to) = get_two_accounts(rng, OPENING_BALANCES.len());
        let amount = rng.random_range(1..=100);
        do_transfer(accounts, from, to, amount);
        validate_bank(accounts, total, true);
    }
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
pub fn do_transfer(accounts: &[AtomicI64], from: usize, to: usize, amount: i64) {
    // SeqCst, the strongest ordering, to show that ordering is not the problem: each step is
    // atomic, the pair of steps is not. And check, then act: another thread may debit `from` in
    // between, so a balance can even dip below zero. A second race, for the same reason.
    if accounts[from].load(SeqCst) < amount {
        return;
    }
    accounts[from].fetch_sub(amount, SeqCst);
    if YIELD_MID_TRANSFER.load(Relaxed) {
        thread::yield_now(); // the money is in no account right now, and nothing hides that
    }
    accounts[to].fetch_add(amount, SeqCst);
}

/// Adds up the bank and prints the course's verdict (only an error when `quiet`). True when the
/// total is right.
pub fn validate_bank(accounts: &[AtomicI64], total: i64, quiet: bool) -> bool {
    // Six separate reads: transfers keep running between them.
    let current = accounts.iter().map(|balance| balance.load(SeqCst)).sum();
    report_balance(current, total, quiet)
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
