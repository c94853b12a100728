//! Lock or RLock? What happens in Rust when a thread locks a mutex it already holds, what a
//! re-entrant mutex gives, and what it costs.
//!
//! Ports: the course's Lock vs RLock discussion (`src/06-thread-safety` uses `RLock`)
//!
//! Run: `cargo run -p ch06-safety --release --bin reentrant`
//!
//! Copy: `cargo add anstream anstyle num-format parking_lot`
//!
//! Expect: three short sections. A `std::sync::Mutex` locked twice by one thread: `try_lock`
//! answers `WouldBlock`, and a second `lock()` would never return (std documents that it "might
//! panic or deadlock"), so the program shows it with a timed attempt instead. Then
//! `parking_lot::ReentrantMutex`: the owner may lock again, other threads still may not, but it
//! only hands out `&T`, so changing the data needs a `RefCell`, whose checks move to run time.
//! Last, rough nanoseconds per uncontended lock and unlock for each kind.
//!
//! Python vs Rust: Python's `Lock` is not re-entrant and `RLock` is; the seeds disagree on which
//! to use. Rust's standard `Mutex` is not re-entrant, and Rust code rarely needs it to be: pass
//! the guard (a `&mut` to the data) to helpers instead of locking again. Use `Mutex` by default.

use std::cell::RefCell;
use std::hint::black_box;
use std::process::ExitCode;
use std::sync::{Mutex, TryLockError};
use std::thread;
use std::time::{Duration, Instant};

use anstyle::{AnsiColor, Style};
use ch06_safety::OPENING_BALANCES;
use clap::Parser;
use num_format::{Locale, ToFormattedString};
use parking_lot::ReentrantMutex;

/// What goes wrong, or would.
const ERROR: Style = AnsiColor::Red.on_default().bold();
/// What works.
const GOOD: Style = AnsiColor::Green.on_default();

/// Lock vs RLock, answered for Rust.
#[derive(Parser, Debug)]
#[command(name = "reentrant", version, long_about = None)]
struct Args {
    /// Lock/unlock pairs to time for each kind of mutex
    #[arg(long, value_name = "N", default_value_t = 1_000_000,
          value_parser = clap::value_parser!(u64).range(1..=1_000_000_000))]
    iterations: u64,
}

fn main() -> ExitCode {
    course_kit::exit::quiet_broken_pipe();
    let args = Args::parse();
    course_kit::warn_if_unoptimized!();
    std_mutex_is_not_reentrant(&OPENING_BALANCES);
    reentrant_mutex_lets_the_owner_back_in(&OPENING_BALANCES);
    costs(args.iterations);
    ExitCode::SUCCESS
}

/// Section 1: a second lock by the owner of a `std::sync::Mutex` can never succeed.
fn std_mutex_is_not_reentrant(balances: &[i64]) {
    println!("1. std::sync::Mutex (Python's Lock) is not re-entrant");
    let accounts = Mutex::new(balances.to_vec());

    let mut held = accounts.lock().expect("nobody else has touched this lock");
    println!("   main locked the accounts once.");
    match accounts.try_lock() {
        Err(TryLockError::WouldBlock) => anstream::println!(
            "{ERROR}   Locking them again from main: try_lock says WouldBlock (main itself holds it).{ERROR:#}"
        ),
        Ok(_) => anstream::println!("{ERROR}   Unexpected: the second lock succeeded.{ERROR:#}"),
        Err(TryLockError::Poisoned(_)) => {
            anstream::println!("{ERROR}   Unexpected: poisoned.{ERROR:#}");
        }
    }
    // A second `lock()` here would wait for main to unlock, which main never will while it waits:
    // a deadlock with itself. parking_lot's Mutex can wait with a time limit, so we can watch that
    // happen without hanging.
    let plain = parking_lot::Mutex::new(());
    let _first = plain.lock();
    let t0 = Instant::now();
    let second = plain.try_lock_for(Duration::from_millis(200));
    anstream::println!(
        "{ERROR}   A timed second lock on the same thread gave up after {:.2} sec: {}; lock() would wait forever.{ERROR:#}",
        t0.elapsed().as_secs_f64(),
        if second.is_some() {
            "got it"
        } else {
            "never got it"
        }
    );

    // The Rust way: lock once, then hand the *data* to the helpers that need it.
    transfer_and_validate(&mut held, 0, 1, 100);
    drop(held);
    anstream::println!(
        "{GOOD}   Instead, lock once and pass the guard's &mut data to helpers: no second lock needed.{GOOD:#}"
    );
}

/// A helper that needs the accounts takes them as `&mut`, not the lock: the caller already holds it.
fn transfer_and_validate(accounts: &mut [i64], from: usize, to: usize, amount: i64) {
    accounts[from] -= amount;
    accounts[to] += amount;
    let total: i64 = accounts.iter().sum();
    anstream::println!(
        "{GOOD}   Transfer and validation under one lock: ${} in the bank.{GOOD:#}",
        total.to_formatted_string(&Locale::en)
    );
}

/// Section 2: a re-entrant mutex lets its owner in again, and what that costs in design.
fn reentrant_mutex_lets_the_owner_back_in(balances: &[i64]) {
    println!("2. parking_lot::ReentrantMutex (Python's RLock) lets its owner lock again");
    let accounts = ReentrantMutex::new(RefCell::new(balances.to_vec()));
    let outer = accounts.lock();
    let inner = accounts.lock();
    let innermost = accounts.lock();
    anstream::println!(
        "{GOOD}   main locked it 3 times without deadlocking; it unlocks when the last guard drops.{GOOD:#}"
    );
    thread::scope(|s| {
        let other = s.spawn(|| accounts.try_lock().is_some()).join();
        println!(
            "   Another thread's try_lock meanwhile: {}.",
            match other {
                Ok(false) => "refused: re-entry is only for the owner",
                Ok(true) => "unexpectedly got it",
                Err(_) => "panicked",
            }
        );
    });
    drop((innermost, inner));

    // Several guards of one thread can be alive at once, so a guard can only give `&T`: handing
    // out `&mut T` twice would break Rust's aliasing rule. Mutation goes through a RefCell, which
    // checks borrows at run time: a borrow_mut kept across the re-entry fails (or panics).
    let mut balances = outer.borrow_mut();
    balances[0] -= 100;
    let again = accounts.lock();
    let nested = again.try_borrow_mut();
    anstream::println!(
        "{ERROR}   Guards give only &T, so mutation needs RefCell; a nested borrow_mut while the outer one \
         is live: {}.{ERROR:#}",
        match nested {
            Err(_) => "BorrowMutError (borrow_mut() would panic)",
            Ok(_) => "unexpectedly allowed",
        }
    );
}

/// Section 3: nanoseconds per uncontended lock and unlock, for each kind of mutex.
fn costs(iterations: u64) {
    println!(
        "3. The cost: one uncontended lock + unlock, {} times (rough; noisy machines vary)",
        iterations.to_formatted_string(&Locale::en)
    );
    let std_mutex = Mutex::new(0_u64);
    let pl_mutex = parking_lot::Mutex::new(0_u64);
    let reentrant = ReentrantMutex::new(RefCell::new(0_u64));
    let rows: [(&str, &dyn Fn()); 3] = [
        ("std::sync::Mutex", &|| {
            *black_box(&std_mutex).lock().expect("not poisoned") += 1;
        }),
        ("parking_lot::Mutex", &|| *black_box(&pl_mutex).lock() += 1),
        ("parking_lot::ReentrantMutex<RefCell>", &|| {
            *black_box(&reentrant).lock().borrow_mut() += 1;
        }),
    ];
    for (name, lock_once) in &rows {
        let t0 = Instant::now();
        for _ in 0..iterations {
            lock_once();
        }
        let ns = t0.elapsed().as_nanos() as f64 / iterations as f64;
        println!("   {name:<38} {ns:>6.1} ns");
    }
    // Each counter was bumped once per iteration: the work was done, not optimised away.
    let done =
        *std_mutex.lock().expect("not poisoned") + *pl_mutex.lock() + *reentrant.lock().borrow();
    assert_eq!(done, 3 * iterations);
    println!(
        "   The run-time cost is small (the re-entrant lock checks its owner thread and keeps a \
         depth count, RefCell keeps a borrow flag). The real cost is design: data you hold a guard \
         on can change under you when a helper re-enters, and mutation is checked only at run time."
    );
}
