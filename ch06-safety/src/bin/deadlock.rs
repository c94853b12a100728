//! The fine-grained bank without the lock ordering: two transfers going opposite ways each hold
//! one lock and wait for the other's; a detector spots the circle and reports it, never hanging.
//!
//! Ports: the deadlock the course shows by dropping the order from <https://github.com/talkpython/async-techniques-python-course/blob/master/src/06-thread-safety/safe_bank_fine_grained.py>
//!
//! Run: `cargo run -p ch06-safety --bin deadlock`
//!
//! Copy: `cargo add anstream anstyle num-format rand@0.9`, and `src/lock_graph.rs` as a module
//!
//! Expect: `ERROR: Deadlock! These threads wait for each other in a circle:`, a line per thread
//! (`worker 2 holds account 4 and waits for account 1, held by worker 5`), `Transfers stopped`,
//! `All good` (a stuck transfer moved no money), exit code 1; a 2 ms pause makes it every run.
//!
//! Python vs Rust: both would just hang; `Mutex::lock` has no timeout, so the detector checks a
//! wait-for graph before each wait, as databases do.

use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::{Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use anstyle::{AnsiColor, Style};
use ch06_safety::lock_graph::{Cycle, Halt, LockGraph, Watched}; // the deadlock detector
use clap::Parser;
use clap::error::ErrorKind;
use course_kit::cli::Seed;
use course_kit::process;
use num_format::{Locale, ToFormattedString};
use rand::Rng;

const ERROR: Style = AnsiColor::Red.on_default().bold(); // the course prints both plain
const GOOD: Style = AnsiColor::Green.on_default();

/// Five threads of transfers, one lock per account, locks taken in transfer order (a deadlock).
#[derive(Parser, Debug)]
#[command(name = "deadlock", version, long_about = None)]
struct Args {
    #[command(flatten)]
    seed: Seed,
    /// Number of worker threads (the course uses five)
    #[arg(long, value_name = "N", default_value_t = 5,
          value_parser = clap::value_parser!(u64).range(1..=64))]
    threads: u64,
    /// Transfers per thread (the course makes 9,999)
    #[arg(long, value_name = "N", default_value_t = 9_999,
          value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    transfers: u64,
    /// Do not yield the CPU between a transfer's debit and credit (the course's `sleep(0)`);
    /// races get rarer, not impossible
    #[arg(long)]
    no_yield: bool,
}

/// The course's `time.sleep(0)` mid-transfer: it lets another thread run while the money is in
/// no account. A static, so that `do_transfer` keeps the course's arguments.
static YIELD_MID_TRANSFER: AtomicBool = AtomicBool::new(true);

/// How long a transfer sits on its first lock before asking for the second. Without it, a
/// thread usually gets both locks before anyone else runs and the deadlock takes a long time to
/// show up.
const WINDOW: Duration = Duration::from_millis(2);

fn main() -> ExitCode {
    course_kit::exit::quiet_broken_pipe();
    // Set by a worker that cannot go on, so that none goes on.
    let stop = AtomicBool::new(false);
    let args = Args::parse();
    if args.threads < 2 {
        // One thread alone cannot deadlock here, and this demo must never quietly succeed.
        clap::Error::raw(
            ErrorKind::ValueValidation,
            "--threads must be at least 2: a deadlock needs threads waiting for each other\n",
        )
        .exit();
    }
    YIELD_MID_TRANSFER.store(!args.no_yield, Relaxed);
    let seed = args.seed.value();

    let accounts = create_accounts();
    let total = accounts.iter().map(|a| *a.lock().unwrap()).sum();
    let graph = LockGraph::new(); // who holds which account, who waits for which

    let _ = validate_bank(&accounts, graph.watch(0), total, false); // no thread yet, so nothing is poisoned
    println!("Starting transfers...");

    let t0 = Instant::now();
    let outcomes: Vec<_> = thread::scope(|s| {
        let workers: Vec<_> = (1..=args.threads)
            .map(|worker| {
                let mut rng = Seed::rng_for(seed, worker);
                let (accounts, stop) = (&accounts, &stop);
                let me = graph.watch(worker as usize); // each worker's name in the graph
                s.spawn(move || {
                    let done = do_bank_stuff(accounts, me, total, args.transfers, &mut rng, stop);
                    if done.is_err() {
                        stop.store(true, Relaxed); // one worker cannot go on, so none goes on
                    }
                    done
                })
            })
            .collect();
        // Joining each worker ourselves turns its panic into a value to report, where
        // `scope` would re-raise it.
        workers.into_iter().map(|worker| worker.join()).collect()
    });
    let dt = t0.elapsed().as_secs_f64();

    // Explain every worker that did not finish.
    let (mut failed, mut poisoned, mut deadlocks) = (false, 0, 0);
    for (worker, outcome) in (1..).zip(outcomes) {
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
    if failed {
        println!("Transfers stopped ({dt:.2}) sec");
    } else {
        println!("Transfers complete ({dt:.2}) sec");
    }
    // Every worker has stopped, so no money is in flight.
    let consistent = match validate_bank(&accounts, graph.watch(0), total, false) {
        Ok(consistent) => consistent,
        // A poisoned lock still holds the data; `into_inner` hands it over anyway. (Alone,
        // main cannot be caught in a circle.)
        Err(_) => {
            println!("Counting the money anyway (PoisonError::into_inner), to see the damage:");
            let balances = accounts
                .iter()
                .map(|a| *a.lock().unwrap_or_else(PoisonError::into_inner));
            report(balances.sum(), total, false)
        }
    };
    if !consistent || failed {
        ExitCode::FAILURE
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
        let (from, to) = get_two_accounts(accounts.len(), rng);
        let amount = rng.random_range(1..=100);
        do_transfer(accounts, me, from, to, amount)?;
        validate_bank(accounts, me, total, true)?;
    }
    Ok(())
}

/// The course's six accounts, $44,500 in all, each with its own lock.
fn create_accounts() -> Vec<Mutex<i64>> {
    [5000, 10_000, 7500, 7000, 6000, 9000]
        .map(Mutex::new)
        .into()
}

/// Two different accounts of `count`, chosen at random.
pub fn get_two_accounts(count: usize, rng: &mut impl Rng) -> (usize, usize) {
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
    // The bug: source first, destination second. A transfer 1 → 2 and a transfer 2 → 1 take
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
    // All six locks at once, in index order; holding them together is what makes the sum a
    // consistent snapshot. Through the detector: a validation can be caught in a circle too.
    let held = accounts
        .iter()
        .enumerate()
        .map(|(account, lock)| me.lock(account, || lock.lock()))
        .collect::<Result<Vec<_>, _>>()?;
    let current = held.iter().map(|balance| **balance).sum();
    Ok(report(current, total, quiet))
}

/// The course's two messages.
fn report(current: i64, total: i64, quiet: bool) -> bool {
    let dollars = |n: i64| n.to_formatted_string(&Locale::en);
    if current != total {
        let (current, total) = (dollars(current), dollars(total));
        anstream::println!(
            "{ERROR}ERROR: Inconsistent account balance: ${current} vs ${total}{ERROR:#}"
        );
    } else if !quiet {
        let total = dollars(total);
        anstream::println!("{GOOD}All good: Consistent account balance: ${total}{GOOD:#}");
    }
    current == total
}

/// The circle, one line per thread.
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
