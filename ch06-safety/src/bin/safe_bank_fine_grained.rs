//! The bank with one lock per account, always taken in the same global order (by account number),
//! so two transfers can never hold one lock each and wait for the other's.
//!
//! Ports: src/06-thread-safety/safe_bank_fine_grained.py
//!
//! Run: cargo run -p ch06-safety --bin safe_bank_fine_grained --release
//!
//! Expect: the same four lines as `safe_bank` and no ERROR line, ever. Not faster: every
//! validation still has to take all six locks, which shuts out every transfer just as the one
//! global lock did, and it now costs six lock operations instead of one. The course found the same
//! (~1.3 s against ~1.1 s); compare with `cargo bench -p ch06-safety --bench banks`.
//!
//! Python vs Rust: the course orders the locks by `id()` (an object's address); an index is the
//! simplest stable order in Rust. Drop the ordering and you get the `deadlock` program.

use std::process::ExitCode;
use std::sync::{Mutex, MutexGuard, PoisonError};

use ch06_safety::{Bank, BankArgs, Halt, Teller, move_money};
use clap::Parser;

/// Five threads of transfers, one lock per account, locks taken in index order.
#[derive(Parser, Debug)]
#[command(version, long_about = None)]
struct Args {
    #[command(flatten)]
    bank: BankArgs,
}

/// Each account behind its own lock.
#[derive(Debug)]
struct OrderedLocks {
    accounts: Vec<Mutex<i64>>,
}

impl Bank for OrderedLocks {
    fn open(balances: &[i64]) -> Self {
        OrderedLocks {
            accounts: balances.iter().copied().map(Mutex::new).collect(),
        }
    }

    fn transfer(&self, teller: &Teller, from: usize, to: usize, amount: i64) -> Result<(), Halt> {
        // The global order: the lower account number first, whichever way the money goes.
        let (first, second) = (from.min(to), from.max(to));
        let mut low = self.accounts[first].lock()?;
        let mut high = self.accounts[second].lock()?;
        let (from, to) = if from < to {
            (&mut *low, &mut *high)
        } else {
            (&mut *high, &mut *low)
        };
        move_money(from, to, amount, teller);
        Ok(())
    }

    fn total(&self, _teller: &Teller) -> Result<i64, Halt> {
        // All six at once, in the same order; holding them together is what makes the sum a
        // consistent snapshot.
        let held = self
            .accounts
            .iter()
            .map(Mutex::lock)
            .collect::<Result<Vec<MutexGuard<'_, i64>>, _>>()?;
        Ok(held.iter().map(|balance| **balance).sum())
    }

    fn audit(&self) -> i64 {
        self.accounts
            .iter()
            .map(|account| *account.lock().unwrap_or_else(PoisonError::into_inner))
            .sum()
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    course_kit::warn_if_unoptimized!();
    course_kit::exit::report(ch06_safety::run::<OrderedLocks>(&args.bank))
}
