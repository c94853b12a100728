//! The bank with no lock: a transfer debits one account, yields, then credits the other, so other
//! threads can count the bank while the money is in flight.
//!
//! Ports: src/06-thread-safety/unsafe_bank.py
//!
//! Run: cargo run -p ch06-safety --bin unsafe_bank --release
//!
//! Expect: `All good`, `Starting transfers...`, then a flood of
//! `ERROR: Inconsistent account balance: $44,4xx vs $44,500` from validators that looked mid
//! transfer, `Transfers complete`, and a final `All good`: once every thread has stopped, no money
//! is in flight, so the books balance again. A heisenbug: the count of ERROR lines differs run to
//! run, even with the same `--seed`, because it depends on the scheduler, not on the data; with
//! `--no-yield` it drops from tens of thousands to a few hundred, and in a debug build to a few
//! dozen. Rarer is not fixed: `safe_bank` prints none, ever.
//!
//! Python vs Rust: the Python version races on plain integers. Safe Rust refuses to compile that
//! (see the `compile_fail` example in the crate docs), so each balance is an atomic: every single
//! step is indivisible, yet the transfer, two steps, is not. Atomics prevent *data races*, not
//! *race conditions*.

use std::process::ExitCode;
use std::sync::atomic::{AtomicI64, Ordering::SeqCst};

use ch06_safety::{Bank, BankArgs, Halt, Teller};
use clap::Parser;

/// Five threads of transfers with no lock at all.
#[derive(Parser, Debug)]
#[command(version, long_about = None)]
struct Args {
    #[command(flatten)]
    bank: BankArgs,
}

/// Six atomic balances and no lock.
#[derive(Debug)]
struct NoLock {
    accounts: Vec<AtomicI64>,
}

impl Bank for NoLock {
    fn open(balances: &[i64]) -> Self {
        NoLock {
            accounts: balances.iter().copied().map(AtomicI64::new).collect(),
        }
    }

    fn transfer(&self, teller: &Teller, from: usize, to: usize, amount: i64) -> Result<(), Halt> {
        // SeqCst, the strongest ordering, to show that ordering is not the problem: each step is
        // atomic, the pair of steps is not.
        let (from, to) = (&self.accounts[from], &self.accounts[to]);
        // Check, then act: another thread may debit `from` in between, so a balance can even dip
        // below zero. A second race, for the same reason.
        if from.load(SeqCst) < amount {
            return Ok(());
        }
        from.fetch_sub(amount, SeqCst);
        teller.in_flight(); // the money is in no account right now, and nothing hides that
        to.fetch_add(amount, SeqCst);
        Ok(())
    }

    fn total(&self, _teller: &Teller) -> Result<i64, Halt> {
        // Six separate reads: transfers keep running between them.
        Ok(self
            .accounts
            .iter()
            .map(|balance| balance.load(SeqCst))
            .sum())
    }

    fn audit(&self) -> i64 {
        self.accounts
            .iter()
            .map(|balance| balance.load(SeqCst))
            .sum()
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    course_kit::warn_if_unoptimized!();
    course_kit::exit::report(ch06_safety::run::<NoLock>(&args.bank))
}
