//! Chapter 6 of the course: thread safety. The bank that every program of the chapter shares.
//!
//! Six accounts hold $44,500 between them. Five threads each make 9,999 random transfers and, after
//! each one, check that the bank still holds $44,500. Money only moves, so any other total means a
//! thread saw a transfer half done: the "temporarily invalid state" that thread safety is about.
//!
//! This crate holds the skeleton (`run`, `do_bank_stuff`, `validate_bank`, the messages and flags).
//! Each bank program in `src/bin/` supplies only a [`Bank`]: how a transfer and a validation are
//! made safe (or not). Diff two of them and you see the concept and nothing else:
//!
//! | program | strategy |
//! |---|---|
//! | `unsafe_bank` | no lock: debit, yield, credit on atomics; validators see money in flight |
//! | `safe_bank` | one lock around all the accounts |
//! | `safe_bank_fine_grained` | one lock per account, always taken in index order |
//! | `deadlock` | one lock per account, taken in transfer order: a deadlock, detected and reported |
//!
//! The fifth program, `reentrant`, answers the course's Lock vs RLock question for Rust.
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

use std::any::Any;
use std::cell::Cell;
use std::process::ExitCode;
use std::sync::PoisonError;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Instant;

use clap::Args;
use course_kit::cli::Seed;
use course_kit::{ceprintln, cprintln, fmt, interrupt, style};
use rand::Rng;

pub mod lock_graph;

/// The course's six opening balances: $44,500 in all.
pub const OPENING_BALANCES: [i64; 6] = [5000, 10_000, 7500, 7000, 6000, 9000];

/// The flags every bank program takes. Each binary flattens this into its own `Args`.
#[derive(Debug, Clone, Args)]
pub struct BankArgs {
    #[command(flatten)]
    pub seed: Seed,
    /// Number of worker threads (the course uses five)
    #[arg(long, value_name = "N", default_value_t = 5,
          value_parser = clap::value_parser!(u64).range(1..=64))]
    pub threads: u64,
    /// Transfers per thread (the course makes 9,999)
    #[arg(long, value_name = "N", default_value_t = 9_999,
          value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    pub transfers: u64,
    /// Make worker 1 panic halfway through its Nth transfer, to see what a poisoned lock means
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub panic_at: Option<u64>,
    /// Do not yield the CPU between a transfer's debit and credit (the course's `sleep(0)`);
    /// races get rarer, not impossible
    #[arg(long)]
    pub no_yield: bool,
}

/// Why a thread stopped before finishing its transfers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Halt {
    /// A lock it needed is poisoned: another thread panicked while holding it, so the data behind
    /// it may be half updated.
    Poisoned,
    /// Waiting for the next lock would never end: the threads of this cycle each hold a lock the
    /// next one waits for.
    Deadlock(lock_graph::Cycle),
}

impl std::fmt::Display for Halt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Halt::Poisoned => f.write_str("a lock is poisoned"),
            Halt::Deadlock(cycle) => write!(f, "deadlock among {} threads", cycle.links.len()),
        }
    }
}

impl std::error::Error for Halt {}

/// `lock()?` works inside a [`Bank`]: a poisoned lock stops the thread instead of panicking it.
impl<T> From<PoisonError<T>> for Halt {
    fn from(_: PoisonError<T>) -> Self {
        Halt::Poisoned
    }
}

/// How a bank moves money and adds it up: the one thing the chapter's programs do differently.
pub trait Bank: Sync {
    /// A bank holding these balances.
    fn open(balances: &[i64]) -> Self
    where
        Self: Sized;

    /// Moves `amount` from account `from` to account `to` (never the same one), unless `from`
    /// holds less. Calls [`Teller::in_flight`] between the debit and the credit.
    fn transfer(&self, teller: &Teller, from: usize, to: usize, amount: i64) -> Result<(), Halt>;

    /// The sum of the balances, as another thread would see it in the middle of the transfers.
    fn total(&self, teller: &Teller) -> Result<i64, Halt>;

    /// The sum of the balances once every worker has stopped, even if a lock is poisoned.
    fn audit(&self) -> i64;
}

/// One thread's identity and its (optional) injected fault. `id` 0 is `main`, workers count from 1.
#[derive(Debug)]
pub struct Teller {
    id: usize,
    panic_at: Option<u64>,
    yields: bool,
    transfer_no: Cell<u64>,
}

impl Teller {
    /// The teller for thread `id` (0 = main), which yields in [`Teller::in_flight`].
    pub fn new(id: usize, panic_at: Option<u64>) -> Self {
        Teller {
            id,
            panic_at,
            yields: true,
            transfer_no: Cell::new(0),
        }
    }

    /// This thread's number: 0 for `main`, 1.. for the workers.
    pub fn id(&self) -> usize {
        self.id
    }

    /// The moment between a transfer's debit and its credit: the money has left one account and
    /// not yet reached the other. Yielding here (the course's `sleep(0)`) invites the scheduler to
    /// run another thread right now, which is what makes an unprotected transfer visible. Under a
    /// lock it changes nothing but the speed: whoever runs instead just waits for the lock.
    pub fn in_flight(&self) {
        if self.id == 1 && self.panic_at.is_some_and(|n| self.transfer_no.get() >= n) {
            panic!("injected fault (--panic-at): died between a debit and its credit");
        }
        if self.yields {
            thread::yield_now();
        }
    }
}

/// A thread's display name: `main` or `worker N`.
pub fn thread_name(id: usize) -> String {
    if id == 0 {
        "main".to_owned()
    } else {
        format!("worker {id}")
    }
}

/// The course's shared part of a transfer, for banks that hold both accounts mutably: skip when
/// the source is short, else debit, let the money be in flight, credit.
pub fn move_money(from: &mut i64, to: &mut i64, amount: i64, teller: &Teller) {
    if *from < amount {
        return;
    }
    *from -= amount;
    teller.in_flight();
    *to += amount;
}

/// Runs the course's program on bank `B`: validate, five threads of transfers, validate again.
/// The exit code is 1 when the final validation fails or a thread stopped early (deadlock,
/// panic, poisoned lock), and 130 after Ctrl-C.
pub fn run<B: Bank>(args: &BankArgs) -> anyhow::Result<ExitCode> {
    let bank = B::open(&OPENING_BALANCES);
    let total: i64 = OPENING_BALANCES.iter().sum();
    let main_teller = Teller::new(0, None);
    let seed = args.seed.value();
    // Ctrl-C sets a flag that the workers check before each transfer, so an interrupted run
    // still joins its threads and counts the money.
    interrupt::flag();

    // Before any thread starts nothing can be locked or poisoned, so this cannot halt.
    validate_bank(&bank, &main_teller, total, false)?;
    cprintln!(style::APP, "Starting transfers...");

    let stop = AtomicBool::new(false);
    let t0 = Instant::now();
    let outcomes = thread::scope(|s| -> anyhow::Result<Vec<_>> {
        let mut handles = Vec::new();
        for id in 1..=args.threads as usize {
            let (bank, stop) = (&bank, &stop);
            let worker = thread::Builder::new()
                .name(format!("worker-{id}"))
                .spawn_scoped(s, move || {
                    let teller = Teller {
                        yields: !args.no_yield,
                        ..Teller::new(id, args.panic_at)
                    };
                    let mut rng = Seed::rng_for(seed, id as u64);
                    let result =
                        do_bank_stuff(bank, &teller, total, args.transfers, stop, &mut rng);
                    if result.is_err() {
                        // Tell the others to finish their current step and go home.
                        stop.store(true, Ordering::Relaxed);
                    }
                    result
                })?;
            handles.push(worker);
        }
        // Joining every handle ourselves collects each panic as a value instead of letting
        // `scope` re-raise it.
        Ok(handles.into_iter().map(|h| h.join()).collect())
    })?;
    let dt = fmt::secs(t0.elapsed().as_secs_f64());

    let Stops { failed, poisoned } = report_stops(outcomes);
    let interrupted = interrupt::requested();
    if failed || interrupted {
        cprintln!(style::APP, "Transfers stopped ({dt}) sec");
    } else {
        cprintln!(style::APP, "Transfers complete ({dt}) sec");
    }
    if poisoned > 0 {
        cprintln!(
            style::APP,
            "Counting the money anyway (PoisonError::into_inner), to see the damage:"
        );
    }
    // Every worker has stopped, so the audit sees the accounts at rest.
    let consistent = report_total(bank.audit(), total, false);
    Ok(if !consistent || failed {
        ExitCode::FAILURE
    } else if interrupted {
        ceprintln!(style::WARN, "Cancelled by Ctrl-C.");
        ExitCode::from(interrupt::EXIT_CODE)
    } else {
        ExitCode::SUCCESS
    })
}

/// What the workers' stops added up to.
struct Stops {
    /// A deadlock, a panic or a poisoned lock ended the run early.
    failed: bool,
    /// How many workers stopped at a poisoned lock.
    poisoned: usize,
}

/// Explains every worker that did not finish: a panic, a poisoned lock, a deadlock.
fn report_stops(outcomes: Vec<thread::Result<Result<(), Halt>>>) -> Stops {
    let mut failed = false;
    let mut poisoned = 0;
    let mut panicked = false;
    let mut deadlocks = 0;
    for (n, outcome) in outcomes.into_iter().enumerate() {
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(Halt::Poisoned)) => poisoned += 1,
            Ok(Err(Halt::Deadlock(cycle))) => {
                failed = true;
                // The first circle is the lesson; later ones only formed because the first
                // thread to give up let go of its lock while the others were still stopping.
                if deadlocks == 0 {
                    report_deadlock(&cycle);
                }
                deadlocks += 1;
            }
            Err(payload) => {
                failed = true;
                panicked = true;
                cprintln!(
                    style::ERROR,
                    "ERROR: {} panicked: {}",
                    thread_name(n + 1),
                    panic_message(&*payload)
                );
            }
        }
    }
    if deadlocks > 1 {
        cprintln!(
            style::APP,
            "({} more circle(s) formed while the workers were stopping.)",
            deadlocks - 1
        );
    }
    if poisoned > 0 {
        failed = true;
        cprintln!(
            style::ERROR,
            "ERROR: {poisoned} other worker(s) stopped: a lock they needed was poisoned. Rust \
             poisons a Mutex when a thread panics while holding it, because the data behind it \
             may be half updated."
        );
    } else if panicked {
        cprintln!(
            style::WARN,
            "Nothing was poisoned, so nobody was told: the other workers carried on."
        );
    }
    Stops { failed, poisoned }
}

/// One worker: `transfers` random transfers, each followed by a quiet validation.
pub fn do_bank_stuff<B: Bank>(
    bank: &B,
    teller: &Teller,
    total: i64,
    transfers: u64,
    stop: &AtomicBool,
    rng: &mut impl Rng,
) -> Result<(), Halt> {
    for n in 1..=transfers {
        if stop.load(Ordering::Relaxed) || interrupt::requested() {
            break;
        }
        let (from, to) = get_two_accounts(rng, OPENING_BALANCES.len());
        let amount = rng.random_range(1..=100);
        teller.transfer_no.set(n);
        bank.transfer(teller, from, to, amount)?;
        validate_bank(bank, teller, total, true)?;
    }
    Ok(())
}

/// Two different accounts, chosen at random.
pub fn get_two_accounts(rng: &mut impl Rng, accounts: usize) -> (usize, usize) {
    let from = rng.random_range(0..accounts);
    let mut to = from;
    while to == from {
        to = rng.random_range(0..accounts);
    }
    (from, to)
}

/// Adds up the bank and prints the course's verdict (only errors when `quiet`).
/// Returns whether the total was right.
pub fn validate_bank<B: Bank>(
    bank: &B,
    teller: &Teller,
    total: i64,
    quiet: bool,
) -> Result<bool, Halt> {
    let current = bank.total(teller)?;
    Ok(report_total(current, total, quiet))
}

fn report_total(current: i64, total: i64, quiet: bool) -> bool {
    if current != total {
        cprintln!(
            style::ERROR,
            "ERROR: Inconsistent account balance: ${} vs ${}",
            fmt::thousands(current),
            fmt::thousands(total)
        );
        false
    } else {
        if !quiet {
            cprintln!(
                style::GOOD,
                "All good: Consistent account balance: ${}",
                fmt::thousands(total)
            );
        }
        true
    }
}

fn report_deadlock(cycle: &lock_graph::Cycle) {
    cprintln!(
        style::ERROR,
        "ERROR: Deadlock! These threads wait for each other in a circle:"
    );
    for link in &cycle.links {
        cprintln!(
            style::ERROR,
            "  {} holds account {} and waits for account {}, held by {}",
            thread_name(link.thread),
            link.holds,
            link.waits_for,
            thread_name(link.held_by)
        );
    }
    cprintln!(
        style::APP,
        "None of them can ever go on: without a detector this program would hang here. Taking the \
         locks in one global order (see safe_bank_fine_grained) makes such a circle impossible."
    );
}

fn panic_message(payload: &(dyn Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_accounts_always_differ_and_cover_all() {
        let mut rng = Seed::rng_for(3, 0);
        let mut seen = [false; 6];
        for _ in 0..1000 {
            let (a, b) = get_two_accounts(&mut rng, 6);
            assert_ne!(a, b);
            seen[a] = true;
            seen[b] = true;
        }
        assert!(seen.iter().all(|&s| s));
    }

    #[test]
    fn move_money_skips_when_short_and_conserves() {
        let t = Teller::new(0, None);
        let (mut a, mut b) = (50, 0);
        move_money(&mut a, &mut b, 60, &t);
        assert_eq!((a, b), (50, 0));
        move_money(&mut a, &mut b, 50, &t);
        assert_eq!((a, b), (0, 50));
    }

    #[test]
    fn opening_total_is_the_courses() {
        assert_eq!(OPENING_BALANCES.iter().sum::<i64>(), 44_500);
    }
}
