// Practises ch06-safety/src/bin/safe_bank_fine_grained.rs (and ch06-safety/src/bin/deadlock.rs).
//
// One lock per account lets transfers between different accounts run at once. But `do_transfer`
// locks its source first and its destination second: a transfer 0 → 1 and a transfer 1 → 0 can
// each hold one lock and wait forever for the other's. Take the two locks in an order that no
// pair of transfers can ever cross.
//
// The tests run under shuttle (std's `Mutex` and `thread` in tests are shuttle's): it explores
// every schedule of two opposite transfers and fails the test if, in any, all threads are stuck.

#[cfg(test)]
use shuttle::{sync::Mutex, thread};
#[cfg(not(test))]
use std::{sync::Mutex, thread};

/// The course's six accounts, $44,500 in all, each with its own lock.
fn create_accounts() -> Vec<Mutex<i64>> {
    [5000, 10_000, 7500, 7000, 6000, 9000]
        .into_iter()
        .map(Mutex::new)
        .collect()
}

/// Moves `amount` from account `from` to account `to`, unless `from` holds less.
fn do_transfer(accounts: &[Mutex<i64>], from: usize, to: usize, amount: i64) {
    // One global order, the lower account number first whichever way the money goes: two
    // transfers never each hold the lock the other wants.
    let mut lock1 = accounts[from.min(to)].lock().unwrap();
    let mut lock2 = accounts[from.max(to)].lock().unwrap();
    let (source, destination) = if from < to {
        (&mut *lock1, &mut *lock2)
    } else {
        (&mut *lock2, &mut *lock1)
    };
    if *source < amount {
        return;
    }
    *source -= amount;
    thread::yield_now(); // the course's `time.sleep(0)`: let another thread run here
    *destination += amount;
}

/// What the bank holds, every lock taken at once in account order (a consistent snapshot).
fn validate_bank(accounts: &[Mutex<i64>]) -> i64 {
    let held: Vec<_> = accounts.iter().map(|a| a.lock().unwrap()).collect();
    held.iter().map(|balance| **balance).sum()
}

fn main() {
    // One thread, so this demo cannot hang whatever the order: the tests try the schedules.
    let accounts = create_accounts();
    do_transfer(&accounts, 0, 1, 100);
    do_transfer(&accounts, 1, 0, 50);
    println!("Total after two transfers: ${}", validate_bank(&accounts));
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    /// One thread per transfer, all at once, then the bank must still hold $44,500.
    fn transfers(moves: &'static [(usize, usize)]) {
        let accounts = Arc::new(create_accounts());
        let threads: Vec<_> = moves
            .iter()
            .map(|&(from, to)| {
                let accounts = Arc::clone(&accounts);
                thread::spawn(move || do_transfer(&accounts, from, to, 100))
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        assert_eq!(validate_bank(&accounts), 44_500);
    }

    #[test]
    fn two_opposite_transfers_never_deadlock_in_any_schedule() {
        // Depth-first through every schedule: `None` sets no bound, so this is all of them.
        shuttle::check_dfs(|| transfers(&[(0, 1), (1, 0)]), None);
    }

    #[test]
    fn a_circle_of_three_transfers_never_deadlocks_in_1000_random_schedules() {
        shuttle::check_random(|| transfers(&[(0, 1), (1, 2), (2, 0)]), 1_000);
    }
}
