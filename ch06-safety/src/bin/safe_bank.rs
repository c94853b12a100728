//! The bank with one lock: every transfer and every validation holds it, so no thread ever sees
//! money in flight.
//!
//! Ports: <https://github.com/talkpython/async-techniques-python-course/blob/master/src/06-thread-safety/safe_bank.py>
//!
//! Run: `cargo run -p ch06-safety --release --bin safe_bank`
//!
//! Copy: `cargo add anstream anstyle num-format rand@0.9`
//!
//! Expect: `All good: Consistent account balance: $44,500`, `Starting transfers...`, `Transfers
//! complete (0.09) sec` and `All good` again: no ERROR line, ever (Python: ~4.9 s on 2 cores).
//!
//! Python vs Rust: the lock *owns* the balances (`Mutex<Vec<i64>>`): no code can touch them
//! without it. A plain `Mutex`, not the course's `RLock`: nothing here locks twice (see
//! `reentrant`). A panic under the lock poisons it: see `poisoned_lock`.

use std::sync::Mutex;
use std::sync::atomic::AtomicBool;
use std::sync::atomic::Ordering::Relaxed;
use std::thread;
use std::time::Instant;

use anstyle::{AnsiColor, Style};
use clap::Parser;
use course_kit::cli::Seed;
use num_format::{Locale, ToFormattedString};
use rand::Rng;

const ERROR: Style = AnsiColor::Red.on_default().bold(); // the course prints both plain
const GOOD: Style = AnsiColor::Green.on_default();

/// Five threads of transfers under one global lock.
#[derive(Parser, Debug)]
#[command(name = "safe_bank", version, long_about = None)]
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
}

/// The course's `time.sleep(0)` mid-transfer: it lets another thread run while the money is in
/// no account. A static, so that `do_transfer` keeps the course's arguments.
static YIELD_MID_TRANSFER: AtomicBool = AtomicBool::new(true);

fn main() {
    course_kit::exit::quiet_broken_pipe();
    let args = Args::parse();
    course_kit::warn_if_unoptimized!();
    YIELD_MID_TRANSFER.store(!args.no_yield, Relaxed);
    let (seed, transfers) = (args.seed.value(), args.transfers);

    let accounts = create_accounts();
    let total = accounts.lock().unwrap().iter().sum();

    validate_bank(&accounts, total, false);
    println!("Starting transfers...");

    let t0 = Instant::now();
    thread::scope(|s| {
        for job in 1..=5 {
            let (accounts, mut rng) = (&accounts, Seed::rng_for(seed, job));
            s.spawn(move || do_bank_stuff(accounts, total, transfers, &mut rng));
        }
    }); // `scope` joins every job before it returns.
    let dt = t0.elapsed().as_secs_f64();

    println!("Transfers complete ({dt:.2}) sec");
    validate_bank(&accounts, total, false);
}

pub fn do_bank_stuff(accounts: &Mutex<Vec<i64>>, total: i64, transfers: u64, rng: &mut impl Rng) {
    for _ in 0..transfers {
        let (a1, a2) = get_two_accounts(6, rng); // the count is behind the lock
        let amount = rng.random_range(1..=100);
        do_transfer(accounts, a1, a2, amount);
        validate_bank(accounts, total, true);
    }
}

/// The course's six accounts, $44,500 in all, and the course's `transfer_lock`.
fn create_accounts() -> Mutex<Vec<i64>> {
    Mutex::new(vec![5000, 10_000, 7500, 7000, 6000, 9000]) // the lock owns them
}

pub fn do_transfer(accounts: &Mutex<Vec<i64>>, from: usize, to: usize, amount: i64) {
    // The whole transfer, check included, holds the lock; `unwrap` panics only if another
    // thread panicked while holding it (`poisoned_lock` shows that).
    let mut accounts = accounts.lock().unwrap();
    if accounts[from] < amount {
        return;
    }

    accounts[from] -= amount;
    if YIELD_MID_TRANSFER.load(Relaxed) {
        thread::yield_now();
    }
    accounts[to] += amount;
} // the guard goes out of scope here, which unlocks.

/// True when the bank holds `total`.
pub fn validate_bank(accounts: &Mutex<Vec<i64>>, total: i64, quiet: bool) -> bool {
    let current = accounts.lock().unwrap().iter().sum(); // no transfer runs while it sums
    report(current, total, quiet)
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
