// Practises ch06-safety/src/bin/safe_bank.rs (after ch06-safety/src/bin/unsafe_bank.rs).
//
// The bank keeps each balance in an atomic, as `unsafe_bank` does: every step is indivisible, but
// a transfer is two steps, and a thread that adds up the bank between them sees money in no
// account. Give the balances one lock that every transfer and every validation holds throughout.
//
// The tests run the bank under shuttle, which replaces std's `Mutex`, atomics and `thread` with
// its own and tries 1,000 random thread schedules, each switch where a real scheduler could
// switch. That is why this file takes them from shuttle in tests (`cfg(test)`) and from std
// otherwise: the same API.

use std::sync::atomic::Ordering::SeqCst;

#[cfg(test)]
use shuttle::{sync::atomic::AtomicI64, thread};
#[cfg(not(test))]
use std::{sync::atomic::AtomicI64, thread};

// TODO: put the balances behind one `Mutex` (`Mutex<Vec<i64>>`), and make `do_transfer` and
// `validate_bank` hold it from start to end.
type Bank = Vec<AtomicI64>;

/// The course's six accounts, $44,500 in all.
fn create_accounts() -> Bank {
    [5000, 10_000, 7500, 7000, 6000, 9000]
        .into_iter()
        .map(AtomicI64::new)
        .collect()
}

/// Moves `amount` from account `from` to account `to`, unless `from` holds less.
fn do_transfer(bank: &Bank, from: usize, to: usize, amount: i64) {
    if bank[from].load(SeqCst) < amount {
        return;
    }
    bank[from].fetch_sub(amount, SeqCst);
    thread::yield_now(); // the course's `time.sleep(0)`: let another thread run here
    bank[to].fetch_add(amount, SeqCst);
}

/// What the bank holds right now.
fn validate_bank(bank: &Bank) -> i64 {
    bank.iter().map(|balance| balance.load(SeqCst)).sum()
}

fn main() {
    let bank = std::sync::Arc::new(create_accounts());
    let total = validate_bank(&bank);
    let workers: Vec<_> = (0..5)
        .map(|job| {
            let bank = std::sync::Arc::clone(&bank);
            thread::spawn(move || {
                for i in 0..10_000 {
                    do_transfer(
                        &bank,
                        (job + i) % 6,
                        (job + 2 * i + 1) % 6,
                        1 + (i % 100) as i64,
                    );
                    assert_eq!(validate_bank(&bank), total, "inconsistent account balance");
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().unwrap();
    }
    println!(
        "All good: consistent account balance: ${}",
        validate_bank(&bank)
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    const TOTAL: i64 = 44_500;

    /// Three transfers around a circle of accounts while a fourth thread adds up the bank.
    fn three_transfers_and_a_validator() {
        let bank = Arc::new(create_accounts());
        let transfers: Vec<_> = [(0, 1, 100), (1, 2, 200), (2, 0, 300)]
            .into_iter()
            .map(|(from, to, amount)| {
                let bank = Arc::clone(&bank);
                thread::spawn(move || do_transfer(&bank, from, to, amount))
            })
            .collect();
        let seen = validate_bank(&bank);
        assert_eq!(seen, TOTAL, "a validation saw money in flight");
        for transfer in transfers {
            transfer.join().unwrap();
        }
        assert_eq!(validate_bank(&bank), TOTAL, "money was created or lost");
    }

    #[test]
    fn the_total_holds_in_1000_random_schedules() {
        shuttle::check_random(three_transfers_and_a_validator, 1_000);
    }
}
