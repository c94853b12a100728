//! The fine-grained bank without the lock ordering: each transfer locks its source account, then
//! its destination, so two transfers going opposite ways each hold one lock and wait forever for
//! the other. Here a detector spots the circle and the program reports it instead of hanging.
//!
//! Ports: the deadlock the course shows by removing the ordering from
//! `src/06-thread-safety/safe_bank_fine_grained.py`
//!
//! Run: `cargo run -p ch06-safety --bin deadlock`
//!
//! Copy: `cargo add anstream anstyle num-format rand@0.9` (and `OPENING_BALANCES` and the detector,
//! `ch06-safety/src/lock_graph.rs`, from this crate)
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
//!
//! `diff safe_bank_fine_grained.rs deadlock.rs` shows the lost order and the detector.

use std::process::ExitCode;
use std::sync::PoisonError;
use std::sync::atomic::AtomicBool;
use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant};

use anstyle::{AnsiColor, Style};
use ch06_safety::OPENING_BALANCES;
use ch06_safety::lock_graph::{Cycle, Halt, LockGraph, Watched}; // New: the deadlock detector
use clap::Parser;
use clap::error::ErrorKind;
use course_kit::cli::Seed;
use course_kit::{fmt, interrupt, process};
use num_format::{Locale, ToFormattedString};
use rand::Rng;

// The program runs on std's threads and locks. `cargo test` also compiles this very file into
// tests/model.rs with the model checker's (shuttle's) versions, which let it choose every thread
// switch, as tokio's tests do with loom; that is why the lesson functions are `pub`. The bin is
// never built as a test itself (`test = false` in Cargo.toml), so `cfg(test)` means "inside the
// model". Copying this file? Keep the `not(test)` line, or `cargo add --dev shuttle`.
#[cfg(test)]
use shuttle::{sync::Mutex, thread};
#[cfg(not(test))]
use std::{sync::Mutex, thread};

/// The inconsistent totals (the course prints them plain; red makes the flood readable).
const ERROR: Style = AnsiColor::Red.on_default().bold();
/// The consistent total.
const GOOD: Style = AnsiColor::Green.on_default();

/// Five threads of transfers, one lock per account, locks taken in transfer order (a deadlock).
#[derive(Parser, Debug)]
#[command(version, long_about = None)]
struct Args {
    #[command(flatten)]
    seed: Seed,
    /// Number of worker threads (the course uses five)
    #[arg(long, value_name = "N", default_value_t = 5,
          value_parser = clap::value_parser!(u64).range(1..=64))]
    threads: u64,
    /// Transfers per thread (the course makes 9,999)
    #[arg(long, value_name = "N", default_value_t = 9_999,
          value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    transfers: u64,
    /// Do not yield the CPU between a transfer's debit and credit (the course's `sleep(0)`);
    /// races get rarer, not impossible
    #[arg(long)]
    no_yield: bool,
}

/// Whether a transfer yields the CPU between its debit and its credit, the course's `sleep(0)`:
/// it invites the scheduler to run another thread while the money is in no account, which is what
/// makes an unprotected transfer visible. Under a lock it changes nothing but the speed: whoever
/// runs instead just waits for the lock. `--no-yield` clears it; a static, so that `do_transfer`
/// keeps the course's signature.
static YIELD_MID_TRANSFER: AtomicBool = AtomicBool::new(true);

/// New: how long a transfer sits on its first lock before asking for the second. Without it, a
/// thread usually gets both locks before anyone else runs and the deadlock takes a long time to
/// show up.
const WINDOW: Duration = Duration::from_millis(2);

fn main() -> ExitCode {
    course_kit::exit::quiet_broken_pipe();
    // Ctrl-C sets this flag, which the workers check before each transfer, so an interrupted run
    // still joins its threads and counts the money.
    let stop = interrupt::flag();
    let args = Args::parse();
    if args.threads < 2 {
        // New: one thread alone cannot deadlock here, and this demo must never quietly succeed.
        clap::Error::raw(
            ErrorKind::ValueValidation,
            "--threads must be at least 2: a deadlock needs threads waiting for each other\n",
        )
        .exit();
    }
    YIELD_MID_TRANSFER.store(!args.no_yield, Relaxed);
    let seed = args.seed.value();

    let accounts = OPENING_BALANCES.map(Mutex::new); // New: a lock per account owns its balance
    let total: i64 = OPENING_BALANCES.iter().sum();
    let graph = LockGraph::new(); // New: who holds which account, who waits for which

    let _ = validate_bank(&accounts, graph.watch(0), total, false); // New: no thread yet, so nothing is poisoned
    println!("Starting transfers...");

    let t0 = Instant::now();
    let outcomes: Vec<_> = thread::scope(|s| {
        let workers: Vec<_> = (1..=args.threads)
            .map(|worker| {
                let mut rng = Seed::rng_for(seed, worker);
                let (accounts, stop) = (&accounts, &*stop);
                let me = graph.watch(worker as usize); // New: each worker's name in the graph
                s.spawn(move || {
                    let done = do_bank_stuff(accounts, me, total, args.transfers, &mut rng, stop);
                    if done.is_err() {
                        stop.store(true, Relaxed); // New: one worker cannot go on, so none goes on
                    }
                    done
                })
            })
            .collect();
        // New: joining each worker ourselves turns its panic into a value to report, where
        // `scope` would re-raise it.
        workers.into_iter().map(|worker| worker.join()).collect()
    });
    let dt = fmt::secs(t0.elapsed().as_secs_f64());

    // New: explain every worker that did not finish.
    let (mut failed, mut poisoned, mut deadlocks) = (false, 0, 0);
    for (worker, outcome) in (1..).zip(outcomes) {
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(Halt::Poisoned)) => poisoned += 1,
            Ok(Err(Halt::Deadlock(cycle))) => {
                failed = true;
                // New: the first circle is the lesson; later ones only formed because the first
                // thread to give up let go of its lock while the others were still stopping.
                if deadlocks == 0 {
                    report_deadlock(&cycle);
                }
                deadlocks += 1;
            }
            Err(panic) => {
                failed = true;
                let why = process::panic_message(&*panic);
                anstream::println!("{ERROR}ERROR: worker {worker} panicked: {why}{ERROR:#}");
            }
        }
    }
    if deadlocks > 1 {
        let more = deadlocks - 1;
        println!("({more} more circle(s) formed while the workers were stopping.)");
    }
    if poisoned > 0 {
        failed = true;
        anstream::println!(
            "{ERROR}ERROR: {poisoned} other worker(s) stopped: a lock they needed was poisoned. \
             Rust poisons a Mutex when a thread panics while holding it, because the data behind \
             it may be half updated.{ERROR:#}"
        );
    }
    let interrupted = stop.load(Relaxed);
    if failed || interrupted {
        println!("Transfers stopped ({dt}) sec");
    } else {
        println!("Transfers complete ({dt}) sec");
    }
    // Every worker has stopped, so no money is in flight.
    let consistent = match validate_bank(&accounts, graph.watch(0), total, false) {
        Ok(consistent) => consistent,
        // New: a poisoned lock still holds the data; `into_inner` hands it over anyway. (Alone,
        // main cannot be caught in a circle.)
        Err(_) => {
            println!("Counting the money anyway (PoisonError::into_inner), to see the damage:");
            let balances = accounts
                .iter()
                .map(|a| *a.lock().unwrap_or_else(PoisonError::into_inner));
            report_balance(balances.sum(), total, false)
        }
    };
    if !consistent || failed {
        ExitCode::FAILURE
    } else if interrupted {
        interrupt::announce();
        interrupt::exit_code()
    } else {
        ExitCode::SUCCESS
    }
}

/// One worker: `transfers` random transfers, each followed by a quiet validation, until `stop`
/// or a poisoned lock.
pub fn do_bank_stuff(
    accounts: &[Mutex<i64>],
    me: Watched<'_>,
    total: i64,
    transfers: u64,
    rng: &mut impl Rng,
    stop: &AtomicBool,
) -> Result<(), Halt> {
    for _ in 0..transfers {
        if stop.load(Relaxed) {
            break;
        }
        let (from, to) = get_two_accounts(rng, OPENING_BALANCES.len());
        let amount = rng.random_range(1..=100);
        do_transfer(accounts, me, from, to, amount)?;
        validate_bank(accounts, me, total, true)?;
    }
    Ok(())
}

/// Two different accounts out of `count`, chosen at random.
pub fn get_two_accounts(rng: &mut impl Rng, count: usize) -> (usize, usize) {
    let from = rng.random_range(0..count);
    let mut to = from;
    while to == from {
        to = rng.random_range(0..count);
    }
    (from, to)
}

/// Moves `amount` from account `from` to account `to`, unless `from` holds less.
pub fn do_transfer(
    accounts: &[Mutex<i64>],
    me: Watched<'_>,
    from: usize,
    to: usize,
    amount: i64,
) -> Result<(), Halt> {
    // New: the bug: source first, destination second. A transfer 1 → 2 and a transfer 2 → 1 take
    // the same two locks in opposite orders. Each lock goes through the detector.
    let mut source = me.lock(from, || accounts[from].lock())?;
    thread::sleep(WINDOW);
    let mut destination = me.lock(to, || accounts[to].lock())?;
    let (from, to) = (&mut *source, &mut *destination);
    if *from < amount {
        return Ok(());
    }
    *from -= amount;
    if YIELD_MID_TRANSFER.load(Relaxed) {
        thread::yield_now(); // the money is in no account right now, but nobody can look
    }
    *to += amount;
    Ok(())
}

/// Adds up the bank and prints the course's verdict (only an error when `quiet`). True when the
/// total is right.
pub fn validate_bank(
    accounts: &[Mutex<i64>],
    me: Watched<'_>,
    total: i64,
    quiet: bool,
) -> Result<bool, Halt> {
    // New: all six locks at once, in index order; holding them together is what makes the sum a
    // consistent snapshot. Through the detector: a validation can be caught in a circle too.
    let held = accounts
        .iter()
        .enumerate()
        .map(|(account, lock)| me.lock(account, || lock.lock()))
        .collect::<Result<Vec<_>, _>>()?;
    let current = held.iter().map(|balance| **balance).sum();
    Ok(report_balance(current, total, quiet))
}

/// The course's two messages: ERROR when `current` is not `total`, else `All good` unless `quiet`.
fn report_balance(current: i64, total: i64, quiet: bool) -> bool {
    if current != total {
        anstream::println!(
            "{ERROR}ERROR: Inconsistent account balance: ${} vs ${}{ERROR:#}",
            current.to_formatted_string(&Locale::en),
            total.to_formatted_string(&Locale::en)
        );
        false
    } else {
        if !quiet {
            anstream::println!(
                "{GOOD}All good: Consistent account balance: ${}{GOOD:#}",
                total.to_formatted_string(&Locale::en)
            );
        }
        true
    }
}

/// New: the circle, one line per thread.
fn report_deadlock(cycle: &Cycle) {
    anstream::println!(
        "{ERROR}ERROR: Deadlock! These threads wait for each other in a circle:{ERROR:#}"
    );
    let name = |thread: usize| match thread {
        0 => "main".to_owned(),
        n => format!("worker {n}"),
    };
    for link in &cycle.links {
        anstream::println!(
            "{ERROR}  {} holds account {} and waits for account {}, held by {}{ERROR:#}",
            name(link.thread),
            link.holds,
            link.waits_for,
            name(link.held_by)
        );
    }
    println!(
        "None of them can ever go on: without a detector this program would hang here. Taking the \
         locks in one global order (see safe_bank_fine_grained) makes such a circle impossible."
    );
}
