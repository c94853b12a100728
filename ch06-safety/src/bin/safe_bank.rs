//! The bank with one lock: every transfer and every validation holds it, so no thread ever sees
//! money in flight.
//!
//! Ports: src/06-thread-safety/safe_bank.py
//!
//! Run: cargo run -p ch06-safety --bin safe_bank --release
//!
//! Expect: `All good: Consistent account balance: $44,500`, `Starting transfers...`,
//! `Transfers complete (0.05) sec` or so, and `All good` again: no ERROR line, ever. The course's
//! Python took ~1.1 s (~4.9 s on a 2-core server); see `cargo bench -p ch06-safety --bench banks`.
//! `--panic-at 10` kills a worker mid-transfer to show a poisoned lock being handled.
//!
//! Python vs Rust: the lock *owns* the balances (`Mutex<Vec<i64>>`), so the compiler will not let
//! any code touch them without holding it; in Python the lock and the data are only associated by
//! convention. The course used an `RLock`, but nothing here locks twice, so a plain (non
//! re-entrant) `Mutex` is all it needs: see `reentrant`.

use std::process::ExitCode;
use std::sync::{Mutex, PoisonError};

use ch06_safety::{Bank, BankArgs, Halt, Teller, move_money};
use clap::Parser;

/// Five threads of transfers under one global lock.
#[derive(Parser, Debug)]
#[command(version, long_about = None)]
struct Args {
    #[command(flatten)]
    bank: BankArgs,
}

/// All six accounts behind one lock.
#[derive(Debug)]
struct GlobalLock {
    accounts: Mutex<Vec<i64>>,
}

impl Bank for GlobalLock {
    fn open(balances: &[i64]) -> Self {
        GlobalLock {
            accounts: Mutex::new(balances.to_vec()),
        }
    }

    fn transfer(&self, teller: &Teller, from: usize, to: usize, amount: i64) -> Result<(), Halt> {
        // `?` turns a poisoned lock into a clean stop (see `Halt::Poisoned`).
        let mut accounts = self.accounts.lock()?;
        let [from, to] = accounts
            .get_disjoint_mut([from, to])
            .expect("a transfer is between two different accounts");
        move_money(from, to, amount, teller);
        Ok(())
    }

    fn total(&self, _teller: &Teller) -> Result<i64, Halt> {
        Ok(self.accounts.lock()?.iter().sum())
    }

    fn audit(&self) -> i64 {
        // After a panic the lock is poisoned; `into_inner` reads the data anyway.
        let accounts = self.accounts.lock().unwrap_or_else(PoisonError::into_inner);
        accounts.iter().sum()
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    course_kit::warn_if_unoptimized!();
    course_kit::exit::report(ch06_safety::run::<GlobalLock>(&args.bank))
}
