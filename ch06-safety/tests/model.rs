//! Model checking: instead of running the banks and hoping the scheduler hits a bad moment, let
//! shuttle choose every thread switch and explore the interleavings of a small bank.
//!
//! The code under test is the programs' own: this file includes `src/bin/*_bank.rs`,
//! `poisoned_lock.rs` and `deadlock.rs` as modules, in the copies that `build.rs` makes with
//! shuttle's `Mutex`, atomics and `thread` in place of std's (the programs themselves are plain
//! std). So the `do_transfer` and `validate_bank` explored here are the ones the programs run.
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
//! The model: accounts of $100, one thread per transfer of $10, and the main thread validating
//! while they run. Two shapes: a pair of opposite transfers (explored exhaustively) and a circle
//! of three (sampled). The `yield_now` between debit and credit is a scheduling point, as is every
//! lock and atomic operation.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

use ch06_safety::OPENING_BALANCES;
use ch06_safety::lock_graph::{Cycle, Halt, LockGraph};
use rand::SeedableRng;
use rand::rngs::StdRng;
use shuttle::sync::atomic::AtomicI64;
use shuttle::sync::{Arc, Mutex};
use shuttle::thread;

/// A program's file, as build.rs copied it with shuttle's primitives. Its `main` and flags are not
/// used here, only its lesson functions.
macro_rules! program {
    ($name:ident) => {
        #[allow(dead_code)]
        mod $name {
            include!(concat!(env!("OUT_DIR"), "/", stringify!($name), ".rs"));
        }
    };
}
program!(deadlock);
program!(poisoned_lock);
program!(safe_bank);
program!(safe_bank_fine_grained);
program!(unsafe_bank);

const OPEN: i64 = 100;

/// The circle: three transfers around three accounts, the smallest shape in which unordered
/// locking can deadlock with every thread holding one lock.
const CIRCLE: &[(usize, usize)] = &[(0, 1), (1, 2), (2, 0)];
/// The pair: two transfers in opposite directions between two accounts, small enough to explore
/// every interleaving.
const PAIR: &[(usize, usize)] = &[(0, 1), (1, 0)];

/// How many accounts a shape of moves needs.
fn accounts_for(moves: &[(usize, usize)]) -> usize {
    moves.len().max(2)
}

/// `unsafe_bank`: one thread per transfer, the main thread validating while they run.
fn unlocked_bank(moves: &'static [(usize, usize)]) {
    let n = accounts_for(moves);
    let accounts: Arc<Vec<AtomicI64>> = Arc::new((0..n).map(|_| AtomicI64::new(OPEN)).collect());
    let total = OPEN * n as i64;
    let workers: Vec<_> = moves
        .iter()
        .map(|&(from, to)| {
            let accounts = Arc::clone(&accounts);
            thread::spawn(move || unsafe_bank::do_transfer(&accounts, from, to, 10))
        })
        .collect();
    assert!(
        unsafe_bank::validate_bank(&accounts, total, true),
        "inconsistent total: a validator saw money in flight"
    );
    for worker in workers {
        worker.join().unwrap();
    }
}

/// `safe_bank`: the same, with the one lock.
fn one_lock_bank(moves: &'static [(usize, usize)]) {
    let n = accounts_for(moves);
    let accounts = Arc::new(Mutex::new(vec![OPEN; n]));
    let total = OPEN * n as i64;
    let workers: Vec<_> = moves
        .iter()
        .map(|&(from, to)| {
            let accounts = Arc::clone(&accounts);
            thread::spawn(move || safe_bank::do_transfer(&accounts, from, to, 10))
        })
        .collect();
    let seen = safe_bank::validate_bank(&accounts, total, true);
    assert!(seen, "a validator saw money in flight");
    for worker in workers {
        worker.join().unwrap();
    }
    let done = safe_bank::validate_bank(&accounts, total, true);
    assert!(done, "money was created or lost");
}

/// `safe_bank_fine_grained`: the same, with a lock per account taken in index order.
fn ordered_locks_bank(moves: &'static [(usize, usize)]) {
    let n = accounts_for(moves);
    let accounts: Arc<Vec<Mutex<i64>>> = Arc::new((0..n).map(|_| Mutex::new(OPEN)).collect());
    let total = OPEN * n as i64;
    let workers: Vec<_> = moves
        .iter()
        .map(|&(from, to)| {
            let accounts = Arc::clone(&accounts);
            thread::spawn(move || {
                safe_bank_fine_grained::do_transfer(&accounts, from, to, 10);
            })
        })
        .collect();
    let seen = safe_bank_fine_grained::validate_bank(&accounts, total, true);
    assert!(seen, "a validator saw money in flight");
    for worker in workers {
        worker.join().unwrap();
    }
    let done = safe_bank_fine_grained::validate_bank(&accounts, total, true);
    assert!(done, "money was created or lost");
}

/// Each thread of a circle holds what the previous one waits for and is held up by the next.
fn assert_a_real_circle(cycle: &Cycle) {
    let links = &cycle.links;
    assert!(links.len() >= 2, "a circle needs two threads: {cycle:?}");
    for (i, link) in links.iter().enumerate() {
        let next = &links[(i + 1) % links.len()];
        assert_eq!(link.held_by, next.thread, "{cycle:?}");
        assert_eq!(link.waits_for, next.holds, "{cycle:?}");
        assert_ne!(link.holds, link.waits_for, "{cycle:?}");
    }
}

/// `deadlock`: the same as `ordered_locks_bank` with the locks in transfer order, through the
/// detector. Returns how many threads (of this one execution) were stopped by a circle.
fn unordered_locks_bank(moves: &'static [(usize, usize)]) -> usize {
    let n = accounts_for(moves);
    let bank: Arc<(Vec<Mutex<i64>>, LockGraph)> =
        Arc::new(((0..n).map(|_| Mutex::new(OPEN)).collect(), LockGraph::new()));
    let total = OPEN * n as i64;
    let workers: Vec<_> = (1..)
        .zip(moves)
        .map(|(worker, &(from, to))| {
            let bank = Arc::clone(&bank);
            thread::spawn(move || {
                let (accounts, graph) = &*bank;
                deadlock::do_transfer(accounts, graph.watch(worker), from, to, 10)
            })
        })
        .collect();
    let (accounts, graph) = &*bank;
    let mut circles = 0;
    let mut check = |outcome: Result<(), Halt>| match outcome {
        Ok(()) => {}
        Err(Halt::Deadlock(cycle)) => {
            assert_a_real_circle(&cycle);
            circles += 1;
        }
        Err(Halt::Poisoned) => panic!("nothing panicked, yet a lock is poisoned"),
    };
    check(
        deadlock::validate_bank(accounts, graph.watch(0), total, true).map(|seen| {
            assert!(seen, "a validator saw money in flight");
        }),
    );
    for worker in workers {
        check(worker.join().unwrap());
    }
    // A transfer stopped by the detector had not moved any money yet.
    let done = deadlock::validate_bank(accounts, graph.watch(0), total, true).unwrap();
    assert!(done, "money was created or lost");
    circles
}

/// Runs a check that must fail and returns its panic message.
fn failure_of(check: impl FnOnce()) -> String {
    let payload = catch_unwind(AssertUnwindSafe(check)).expect_err("shuttle found no failure");
    course_kit::process::panic_message(&*payload)
}

#[test]
fn ordered_locks_never_deadlock_and_conserve_money_in_every_interleaving() {
    // Exhaustive: `None` means no bound, so this returns only after every schedule of the pair
    // was explored. A proof, for this model.
    shuttle::check_dfs(|| ordered_locks_bank(PAIR), None);
}

#[test]
fn ordered_locks_survive_a_circle_of_three() {
    // Three transfers around a circle have too many schedules to enumerate quickly, so sample
    // them with PCT, which favours the few well-placed thread switches that expose most bugs.
    shuttle::check_pct(|| ordered_locks_bank(CIRCLE), 3_000, 3);
}

#[test]
fn one_lock_never_shows_money_in_flight_in_any_interleaving() {
    shuttle::check_dfs(|| one_lock_bank(PAIR), None);
    shuttle::check_pct(|| one_lock_bank(CIRCLE), 3_000, 3);
}

#[test]
fn unordered_locks_are_found_to_deadlock_and_the_detector_catches_every_circle() {
    // Shuttle fails a check when every thread is blocked, so a clean pass means no schedule hung:
    // the detector turned every circle into a report. And some schedules do form one.
    static CIRCLES: AtomicUsize = AtomicUsize::new(0);
    shuttle::check_dfs(
        || {
            CIRCLES.fetch_add(unordered_locks_bank(PAIR), SeqCst);
        },
        None,
    );
    assert!(
        CIRCLES.load(SeqCst) > 0,
        "no schedule of the pair deadlocked"
    );
    CIRCLES.store(0, SeqCst);
    shuttle::check_pct(
        || {
            CIRCLES.fetch_add(unordered_locks_bank(CIRCLE), SeqCst);
        },
        3_000,
        3,
    );
    assert!(
        CIRCLES.load(SeqCst) > 0,
        "no schedule of the circle deadlocked"
    );
}

#[test]
fn the_detector_raises_no_false_alarm_when_every_thread_locks_in_one_order() {
    // Three validators at once take all locks in index order, through the detector: threads wait
    // for each other, yet never in a circle, so none may be stopped.
    shuttle::check_pct(
        || {
            let bank = Arc::new((
                (0..3).map(|_| Mutex::new(OPEN)).collect::<Vec<_>>(),
                LockGraph::new(),
            ));
            let validators: Vec<_> = (0..3)
                .map(|me| {
                    let bank = Arc::clone(&bank);
                    thread::spawn(move || {
                        let (accounts, graph) = &*bank;
                        deadlock::validate_bank(accounts, graph.watch(me), 3 * OPEN, true)
                    })
                })
                .collect();
            for validator in validators {
                assert_eq!(validator.join().unwrap(), Ok(true));
            }
        },
        3_000,
        3,
    );
}

#[test]
fn the_two_step_transfer_is_found_to_expose_an_inconsistent_total() {
    let message = failure_of(|| shuttle::check_dfs(|| unlocked_bank(PAIR), None));
    assert!(message.contains("inconsistent total"), "{message}");
    let message = failure_of(|| shuttle::check_pct(|| unlocked_bank(CIRCLE), 3_000, 3));
    assert!(message.contains("inconsistent total"), "{message}");
}

// The lesson functions one at a time, and what a panic in the middle of a transfer does: with no
// lock (the test plays the dying worker) and with `poisoned_lock`'s one lock.

/// A worker dies after taking $50 out of account 0 and before putting them anywhere.
const LOST: i64 = 50;

/// Each bank's `get_two_accounts`: an account count and a generator in, two accounts out.
type Picker = fn(usize, &mut StdRng) -> (usize, usize);

#[test]
fn two_accounts_always_differ_and_cover_all_in_every_bank() {
    let pickers: [Picker; 5] = [
        unsafe_bank::get_two_accounts,
        safe_bank::get_two_accounts,
        safe_bank_fine_grained::get_two_accounts,
        poisoned_lock::get_two_accounts,
        deadlock::get_two_accounts,
    ];
    for pick in pickers {
        let mut rng = StdRng::seed_from_u64(3);
        let mut seen = [false; 6];
        for _ in 0..1000 {
            let (a, b) = pick(6, &mut rng);
            assert_ne!(a, b);
            seen[a] = true;
            seen[b] = true;
        }
        assert!(seen.iter().all(|&s| s));
    }
}

#[test]
fn every_transfer_skips_when_short_and_conserves_money() {
    shuttle::check_dfs(
        || {
            let a = [AtomicI64::new(50), AtomicI64::new(0)];
            unsafe_bank::do_transfer(&a, 0, 1, 60);
            assert_eq!((a[0].load(SeqCst), a[1].load(SeqCst)), (50, 0));
            unsafe_bank::do_transfer(&a, 0, 1, 50);
            assert_eq!((a[0].load(SeqCst), a[1].load(SeqCst)), (0, 50));

            let a = Mutex::new(vec![50, 0]);
            safe_bank::do_transfer(&a, 0, 1, 60);
            assert_eq!(*a.lock().unwrap(), [50, 0]);
            safe_bank::do_transfer(&a, 0, 1, 50);
            assert_eq!(*a.lock().unwrap(), [0, 50]);
            poisoned_lock::do_transfer(&a, 1, 0, 60, false).unwrap();
            assert_eq!(*a.lock().unwrap(), [0, 50]);
            poisoned_lock::do_transfer(&a, 1, 0, 20, false).unwrap();
            assert_eq!(*a.lock().unwrap(), [20, 30]);

            // Both directions: the fine-grained banks map the locks back to from/to.
            let a = [Mutex::new(0), Mutex::new(50)];
            let read = |a: &[Mutex<i64>; 2]| (*a[0].lock().unwrap(), *a[1].lock().unwrap());
            safe_bank_fine_grained::do_transfer(&a, 1, 0, 60);
            assert_eq!(read(&a), (0, 50));
            safe_bank_fine_grained::do_transfer(&a, 1, 0, 50);
            assert_eq!(read(&a), (50, 0));

            let graph = LockGraph::new();
            deadlock::do_transfer(&a, graph.watch(1), 1, 0, 10).unwrap();
            assert_eq!(read(&a), (50, 0), "skipped: account 1 is empty");
            deadlock::do_transfer(&a, graph.watch(1), 0, 1, 20).unwrap();
            assert_eq!(read(&a), (30, 20));
        },
        None,
    );
}

#[test]
fn without_a_lock_a_panic_poisons_nothing_and_the_money_is_just_gone() {
    shuttle::check_dfs(
        || {
            let accounts = Arc::new(OPENING_BALANCES.map(AtomicI64::new));
            let total: i64 = OPENING_BALANCES.iter().sum();
            let dying = Arc::clone(&accounts);
            let died = thread::spawn(move || {
                catch_unwind(AssertUnwindSafe(|| {
                    dying[0].fetch_sub(LOST, SeqCst);
                    panic!("the test's worker dies between a debit and its credit");
                }))
                .is_err()
            });
            assert!(died.join().unwrap());
            // Nobody is told: a worker carries on with every one of its transfers...
            let mut rng = StdRng::seed_from_u64(1);
            unsafe_bank::do_bank_stuff(&accounts[..], total, 20, &mut rng);
            // ...and the money is gone for good.
            assert!(!unsafe_bank::validate_bank(&accounts[..], total, false));
            let left: i64 = accounts.iter().map(|a| a.load(SeqCst)).sum();
            assert_eq!(left, total - LOST);
        },
        None,
    );
}

#[test]
fn a_panic_holding_the_lock_poisons_it_and_stops_the_other_workers() {
    shuttle::check_dfs(
        || {
            let accounts = Arc::new(Mutex::new(OPENING_BALANCES.to_vec()));
            let total: i64 = OPENING_BALANCES.iter().sum();
            let dying = Arc::clone(&accounts);
            let died = thread::spawn(move || {
                catch_unwind(AssertUnwindSafe(|| {
                    poisoned_lock::do_transfer(&dying, 0, 1, LOST, true)
                }))
                .is_err()
            });
            assert!(died.join().unwrap(), "the worker died mid-transfer");
            assert!(accounts.lock().is_err(), "the panic poisoned the lock");
            // The next worker stops cleanly at the poisoned lock, instead of panicking or
            // carrying on.
            let mut rng = StdRng::seed_from_u64(1);
            let stopped = poisoned_lock::do_bank_stuff(&accounts, total, 20, &mut rng, None);
            assert!(matches!(stopped, Err(poisoned_lock::Poisoned)));
            assert!(poisoned_lock::validate_bank(&accounts, total, false).is_err());
            // `into_inner` still reads the damage: the $50 in flight are missing.
            let left: i64 = accounts
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .iter()
                .sum();
            assert_eq!(left, total - LOST);
        },
        None,
    );
}
