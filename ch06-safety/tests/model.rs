//! Model checking: instead of running the banks and hoping the scheduler hits a bad moment, let
//! shuttle choose every thread switch and explore the interleavings of a small bank.
//!
//! Why shuttle rather than loom: both replace `std::sync` and `std::thread` with versions whose
//! scheduling the checker controls, and both report a deadlock as a failure. Loom is exhaustive
//! and also explores weak-memory reorderings of atomics, so its cost explodes beyond a few
//! operations, and it needs the code under test built with `--cfg loom`. The bugs of this chapter
//! are not memory-ordering bugs: they are interleaving bugs (lock order, a two-step transfer) that
//! show up with sequentially consistent threads. Shuttle explores exactly those: exhaustively with
//! `check_dfs` for a model this small, or by randomized/PCT sampling for larger ones, all inside an
//! ordinary `cargo test`, and prints a schedule that `shuttle::replay` reproduces.
//!
//! The model: accounts of $100, one thread per transfer of $10, and the main thread counting the
//! money while they run. Two shapes: a pair of opposite transfers (explored exhaustively) and a
//! circle of three (sampled). `yield_now` between debit and credit is a scheduling point, as in
//! the programs.

use std::panic::{AssertUnwindSafe, catch_unwind};

use shuttle::sync::atomic::{AtomicI64, Ordering::SeqCst};
use shuttle::sync::{Arc, Mutex};
use shuttle::thread;

const OPEN: i64 = 100;

type Locked = Vec<Mutex<i64>>;

/// `safe_bank_fine_grained`'s transfer: the lower account number first.
fn transfer_ordered(accounts: &Locked, from: usize, to: usize, amount: i64) {
    let mut low = accounts[from.min(to)].lock().unwrap();
    let mut high = accounts[from.max(to)].lock().unwrap();
    let (from, to) = if from < to {
        (&mut *low, &mut *high)
    } else {
        (&mut *high, &mut *low)
    };
    if *from >= amount {
        *from -= amount;
        thread::yield_now();
        *to += amount;
    }
}

/// `deadlock`'s transfer: source first, destination second.
fn transfer_unordered(accounts: &Locked, from: usize, to: usize, amount: i64) {
    let mut from = accounts[from].lock().unwrap();
    let mut to = accounts[to].lock().unwrap();
    if *from >= amount {
        *from -= amount;
        thread::yield_now();
        *to += amount;
    }
}

/// Validation as in the fine-grained banks: all locks, in index order.
fn total_locked(accounts: &Locked) -> i64 {
    let held: Vec<_> = accounts.iter().map(|a| a.lock().unwrap()).collect();
    held.iter().map(|balance| **balance).sum()
}

/// The circle: three transfers around three accounts, the smallest shape in which unordered
/// locking can deadlock with every thread holding one lock.
const CIRCLE: &[(usize, usize)] = &[(0, 1), (1, 2), (2, 0)];
/// The pair: two transfers in opposite directions between two accounts, small enough to explore
/// every interleaving.
const PAIR: &[(usize, usize)] = &[(0, 1), (1, 0)];

/// One thread per transfer in `moves`, and the main thread validating while they run.
fn locked_bank(moves: &'static [(usize, usize)], transfer: fn(&Locked, usize, usize, i64)) {
    let n = moves.len().max(2);
    let accounts: Arc<Locked> = Arc::new((0..n).map(|_| Mutex::new(OPEN)).collect());
    let total = OPEN * n as i64;
    let workers: Vec<_> = moves
        .iter()
        .map(|&(from, to)| {
            let accounts = Arc::clone(&accounts);
            thread::spawn(move || transfer(&accounts, from, to, 10))
        })
        .collect();
    assert_eq!(
        total_locked(&accounts),
        total,
        "a validator saw money in flight"
    );
    for worker in workers {
        worker.join().unwrap();
    }
    assert_eq!(total_locked(&accounts), total, "money was created or lost");
}

/// `unsafe_bank`'s transfer: two atomic steps and no lock.
fn unlocked_bank(moves: &'static [(usize, usize)]) {
    let n = moves.len().max(2);
    let accounts: Arc<Vec<AtomicI64>> = Arc::new((0..n).map(|_| AtomicI64::new(OPEN)).collect());
    let workers: Vec<_> = moves
        .iter()
        .map(|&(from, to)| {
            let accounts = Arc::clone(&accounts);
            thread::spawn(move || {
                if accounts[from].load(SeqCst) >= 10 {
                    accounts[from].fetch_sub(10, SeqCst);
                    thread::yield_now();
                    accounts[to].fetch_add(10, SeqCst);
                }
            })
        })
        .collect();
    let seen: i64 = accounts.iter().map(|a| a.load(SeqCst)).sum();
    assert_eq!(
        seen,
        OPEN * n as i64,
        "inconsistent total: a validator saw money in flight"
    );
    for worker in workers {
        worker.join().unwrap();
    }
}

/// Runs a check that must fail and returns its panic message.
fn failure_of(check: impl FnOnce()) -> String {
    let payload = catch_unwind(AssertUnwindSafe(check)).expect_err("shuttle found no failure");
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_default()
}

#[test]
fn ordered_locks_never_deadlock_and_conserve_money_in_every_interleaving() {
    // Exhaustive: `None` means no bound, so this returns only after every schedule of the pair
    // was explored. A proof, for this model.
    shuttle::check_dfs(|| locked_bank(PAIR, transfer_ordered), None);
}

#[test]
fn ordered_locks_survive_a_circle_of_three() {
    // Three transfers around a circle have too many schedules to enumerate quickly, so sample
    // them with PCT, which favours the few well-placed thread switches that expose most bugs.
    shuttle::check_pct(|| locked_bank(CIRCLE, transfer_ordered), 3_000, 3);
}

#[test]
fn unordered_locks_are_found_to_deadlock() {
    // Shuttle reports "every thread is blocked" as a panic, which we catch and inspect.
    let message = failure_of(|| shuttle::check_dfs(|| locked_bank(PAIR, transfer_unordered), None));
    assert!(message.contains("deadlock"), "{message}");
    let message =
        failure_of(|| shuttle::check_pct(|| locked_bank(CIRCLE, transfer_unordered), 3_000, 3));
    assert!(message.contains("deadlock"), "{message}");
}

#[test]
fn the_two_step_transfer_is_found_to_expose_an_inconsistent_total() {
    let message = failure_of(|| shuttle::check_dfs(|| unlocked_bank(PAIR), None));
    assert!(message.contains("inconsistent total"), "{message}");
    let message = failure_of(|| shuttle::check_pct(|| unlocked_bank(CIRCLE), 3_000, 3));
    assert!(message.contains("inconsistent total"), "{message}");
}
