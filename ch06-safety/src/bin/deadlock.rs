//! The fine-grained bank without the lock ordering: each transfer locks its source account, then
//! its destination, so two transfers going opposite ways each hold one lock and wait forever for
//! the other. Here a detector spots the circle and the program reports it instead of hanging.
//!
//! Ports: the deadlock the course shows by removing the ordering from
//! src/06-thread-safety/safe_bank_fine_grained.py
//!
//! Run: cargo run -p ch06-safety --bin deadlock
//!
//! Expect: `All good`, `Starting transfers...`, then within a few milliseconds
//! `ERROR: Deadlock! These threads wait for each other in a circle:` with one line per thread
//! (`worker 2 holds account 4 and waits for account 1, held by worker 5`), `Transfers stopped`,
//! a final `All good` (no money was moved by a stuck transfer) and exit code 1. A short sleep
//! between the two locks makes the deadlock happen on every run instead of once in a blue moon.
//!
//! Python vs Rust: nothing stops either language from taking locks in different orders; a real
//! deadlock in either would just hang. Rust's `Mutex::lock` has no timeout; the detector here
//! (`ch06_safety::lock_graph`) checks a wait-for graph before each wait, which is how databases
//! find deadlocks.

use std::process::ExitCode;
use std::sync::{Mutex, PoisonError};
use std::thread;
use std::time::Duration;

use ch06_safety::lock_graph::{Held, LockGraph};
use ch06_safety::{Bank, BankArgs, Halt, Teller, move_money};
use clap::Parser;
use clap::error::ErrorKind;

/// Five threads of transfers, one lock per account, locks taken in transfer order (a deadlock).
#[derive(Parser, Debug)]
#[command(version, long_about = None)]
struct Args {
    #[command(flatten)]
    bank: BankArgs,
}

/// How long a transfer sits on its first lock before asking for the second. Without it, a thread
/// usually gets both locks before anyone else runs and the deadlock takes a long time to show up.
const WINDOW: Duration = Duration::from_millis(2);

/// Each account behind its own lock, and a detector watching who waits for whom.
#[derive(Debug)]
struct UnorderedLocks {
    accounts: Vec<Mutex<i64>>,
    graph: LockGraph,
}

impl Bank for UnorderedLocks {
    fn open(balances: &[i64]) -> Self {
        UnorderedLocks {
            accounts: balances.iter().copied().map(Mutex::new).collect(),
            graph: LockGraph::new(),
        }
    }

    fn transfer(&self, teller: &Teller, from: usize, to: usize, amount: i64) -> Result<(), Halt> {
        // The bug: source first, destination second. A transfer 1 → 2 and a transfer 2 → 1 take
        // the same two locks in opposite orders.
        let mut source = self.graph.lock(teller.id(), from, &self.accounts[from])?;
        thread::sleep(WINDOW);
        let mut destination = self.graph.lock(teller.id(), to, &self.accounts[to])?;
        move_money(&mut source, &mut destination, amount, teller);
        Ok(())
    }

    fn total(&self, teller: &Teller) -> Result<i64, Halt> {
        // Validation still takes all six in index order; it can be caught in a circle too.
        let held = self
            .accounts
            .iter()
            .enumerate()
            .map(|(account, lock)| self.graph.lock(teller.id(), account, lock))
            .collect::<Result<Vec<Held<'_, i64>>, _>>()?;
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
    if args.bank.threads < 2 {
        // One thread alone cannot deadlock here, and this demo must never quietly succeed.
        clap::Error::raw(
            ErrorKind::ValueValidation,
            "--threads must be at least 2: a deadlock needs threads waiting for each other\n",
        )
        .exit();
    }
    course_kit::exit::report(ch06_safety::run::<UnorderedLocks>(&args.bank))
}
