//! Chapter 6 of the course: thread safety. What the chapter's programs share: the bank's opening
//! balances (for `reentrant` and the tests), the explanation of the data race Rust refuses, and
//! the deadlock detector.
//!
//! Six accounts hold $44,500 between them. Five threads each make 9,999 random transfers and, after
//! each one, check that the bank still holds $44,500. Money only moves, so any other total means a
//! thread saw a transfer half done: the "temporarily invalid state" that thread safety is about.
//!
//! Each bank program in `src/bin/` is a whole program on one skeleton (`main` → five threads of
//! `do_bank_stuff` → `do_transfer` → `validate_bank`), as the course's files are. They differ only
//! in how a transfer and a validation are made safe (or not), so `diff`
//! between a bank and the one before it shows the concept and nothing else:
//!
//! | program | strategy |
//! |---|---|
//! | `unsafe_bank` | no lock: debit, yield, credit on atomics; validators see money in flight |
//! | `safe_bank` | one lock around all the accounts |
//! | `poisoned_lock` | `safe_bank` with a worker that panics holding the lock: a poisoned lock |
//! | `safe_bank_fine_grained` | one lock per account, always taken in index order |
//! | `deadlock` | one lock per account, taken in transfer order: a deadlock, detected and reported |
//!
//! The sixth program, `reentrant`, answers the course's Lock vs RLock question for Rust. The
//! chapter's README.md has the table with the Python files and the commands.
//!
//! # Why `unsafe_bank` needs atomics: the data race Rust refuses to compile
//!
//! The course's unsafe bank lets five threads write plain integers at once. The same program in
//! Rust does not compile. Each thread's closure needs the balances mutably, and the borrow checker
//! allows one mutable borrow at a time, across threads as everywhere else:
//!
//! ```compile_fail,E0499
//! let mut balances = vec![5000, 10_000, 7500, 7000, 6000, 9000];
//! std::thread::scope(|s| {
//!     s.spawn(|| balances[0] -= 100); // first mutable borrow of `balances`...
//!     s.spawn(|| balances[1] += 100); // error[E0499]: cannot borrow `balances` as mutable
//!                                     // more than once at a time
//! });
//! ```
//!
//! Sharing it with `Arc` instead fails too (`error[E0596]: cannot borrow data in an Arc as
//! mutable`), and `static mut` needs `unsafe`, which this workspace forbids. Safe Rust only lets
//! threads write shared data through a lock (`Mutex`) or through atomics, so the *data race* (two
//! unsynchronised writes to one integer, undefined behaviour) cannot happen. What can still happen
//! is a *race condition*: each step is atomic but the transfer, two steps, is not. That is what
//! `unsafe_bank` shows.

pub mod lock_graph;

/// The course's six opening balances: $44,500 in all.
pub const OPENING_BALANCES: [i64; 6] = [5000, 10_000, 7500, 7000, 6000, 9000];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opening_total_is_the_courses() {
        assert_eq!(OPENING_BALANCES.iter().sum::<i64>(), 44_500);
    }
}
