//! The bank with one lock per account, always taken in one global order (by account number), so
//! two transfers can never hold one lock each and wait for the other's.
//!
//! Ports: <https://github.com/talkpython/async-techniques-python-course/blob/master/src/06-thread-safety/safe_bank_fine_grained.py>
//!
//! Run: `cargo run -p ch06-safety --release --bin safe_bank_fine_grained`
//!
//! Copy: `cargo add anstream anstyle num-format rand@0.9`
//!
//! Expect: `safe_bank`'s four lines, no ERROR line, ever, and no faster: every validation takes all
//! six locks, which shuts out every transfer as the one lock did (the course found the same).
//!
//! Python vs Rust: the course orders locks by `id()`; an index is Rust's simplest stable order.
//! Each `Mutex<i64>` owns its balance. The course's unused `do_transfer_global_style` is
//! `safe_bank`'s; without the order you get `deadlock`.

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

/// Five threads of transfers, one lock per account, locks taken in index order.
#[derive(Parser, Debug)]
#[command(name = "safe_bank_fine_grained", version, long_about = None)]
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
    let total = accounts.iter().map(|a| *a.lock().unwrap()).sum();

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

pub fn do_bank_stuff(accounts: &[Mutex<i64>], total: i64, transfers: u64, rng: &mut impl Rng) {
    for _ in 0..transfers {
        let (a1, a2) = get_two_accounts(accounts.len(), rng);
        let amount = rng.random_range(1..=100);
        do_transfer(accounts, a1, a2, amount);
        validate_bank(accounts, total, true);
    }
}

/// The course's six accounts, $44,500 in all, each with its own lock.
fn create_accounts() -> Vec<Mutex<i64>> {
    [5000, 10_000, 7500, 7000, 6000, 9000]
        .map(Mutex::new)
        .into()
}

pub fn do_transfer(accounts: &[Mutex<i64>], from: usize, to: usize, amount: i64) {
    // The two locks in one global order, the lower account number first whichever way the
    // money goes, so two transfers never each hold the lock the other wants.
    let mut lock1 = accounts[from.min(to)].lock().unwrap();
    let mut lock2 = accounts[from.max(to)].lock().unwrap();
    let (from, to) = if from < to {
        (&mut *lock1, &mut *lock2)
    } else {
        (&mut *lock2, &mut *lock1)
    };
    if *from < amount {
        return;
    }

    *from -= amount;
    if YIELD_MID_TRANSFER.load(Relaxed) {
        thread::yield_now();
    }
    *to += amount;
} // The guards go out of scope here, which unlocks.

/// True when the bank holds `total`.
pub fn validate_bank(accounts: &[Mutex<i64>], total: i64, quiet: bool) -> bool {
    // All six locks, in the same order, held together: that makes the sum a snapshot.
    let held: Vec<_> = accounts.iter().map(|a| a.lock().unwrap()).collect();
    let current = held.iter().map(|balance| **balance).sum();
    report(current, total, quiet)
} // the six guards are dropped here.

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
