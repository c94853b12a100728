//! Shows that processes do not share memory: a counter four worker processes add to stays 0 in
//! the parent, four threads reach the full count, and processes that send their counts back do too.
//!
//! Ports: none (a Rust addition for the course's advice to avoid shared state between processes)
//!
//! Run: `cargo run -p ch07-multiprocessing --bin shared_state`
//!
//! Copy: `cargo add procspawn anyhow clap -F clap/derive` (`procspawn::init()` first in `main`)
//!
//! Expect: `the parent's COUNTER is 0`, then `COUNTER is 4,000,000` and `the sum is 4,000,000`:
//! each worker process counts in its own copy of `COUNTER`; the threads share one.
//!
//! Python vs Rust: Python shares a number between processes with `multiprocessing.Value` and a
//! lock you must remember to take; Rust cannot check what another process does with memory, so
//! it sends values and results instead (see the chapter's README).

use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::Context;
use clap::Parser;
use course_kit::fmt;

/// The same counter three ways: processes, threads, and processes that send their counts back.
#[derive(Parser, Debug)]
// No bare `about`: it would show the crate's description; clap takes the doc comment above.
#[command(name = "shared_state", version, long_about = None)]
struct Args {
    /// How many worker processes, and then threads, add to the counter
    #[arg(long, value_name = "N", default_value_t = 4,
          value_parser = clap::value_parser!(u16).range(1..=64))]
    workers: u16,
    /// How many times each worker adds 1
    #[arg(long, value_name = "N", default_value_t = 1_000_000,
          value_parser = clap::value_parser!(u64).range(1..=1_000_000_000))]
    times: u64,
}

fn main() -> ExitCode {
    // First thing: a worker process is this executable started again (see compute_multiprocessing),
    // and it ends itself when this parent dies mid-count (Ctrl-C, a kill), as that program's do.
    procspawn::ProcConfig::new()
        .config_callback(ch07_multiprocessing::exit_with_parent)
        .init();
    course_kit::exit::quiet_broken_pipe();
    let args = Args::parse();
    course_kit::exit::report(run(&args))
}

fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let (workers, times) = (usize::from(args.workers), args.times);
    let adding = |who: &str| {
        format!(
            "{workers} {who}, each adding {} to COUNTER:",
            fmt::thousands(times)
        )
    };

    let parent_sees = in_processes(workers, times).context("a worker process failed")?;
    println!(
        "{:<49}the parent's COUNTER is {}",
        adding("processes"),
        fmt::thousands(parent_sees)
    );

    let after_threads = in_threads(workers, times);
    println!(
        "{:<49}COUNTER is {}",
        adding("threads"),
        fmt::thousands(after_threads)
    );

    let sum = sent_back(workers, times).context("a worker process failed")?;
    println!(
        "{:<49}the sum is {}",
        format!("{workers} processes, each sending back its count:"),
        fmt::thousands(sum)
    );
    Ok(ExitCode::SUCCESS)
}

/// A counter in this process's memory. Every process has its own copy: a worker process starts
/// with its own `COUNTER` at 0, and what it adds stays in it.
static COUNTER: AtomicU64 = AtomicU64::new(0);

/// Adds 1 to this process's `COUNTER`, `times` times. (`Relaxed`: only the count matters, not
/// its order relative to other memory.)
fn count(times: u64) {
    for _ in 0..times {
        COUNTER.fetch_add(1, Ordering::Relaxed);
    }
}

/// Way 1: `workers` processes each run `count`, and the parent looks at its own `COUNTER`.
fn in_processes(workers: usize, times: u64) -> Result<u64, procspawn::SpawnError> {
    // procspawn::spawn starts a fresh process per call; each counts in its own memory.
    let handles: Vec<_> = (0..workers)
        .map(|_| procspawn::spawn(times, count))
        .collect();
    for handle in handles {
        handle.join()?;
    }
    Ok(COUNTER.load(Ordering::Relaxed))
}

/// Way 2: `workers` threads each run the same `count`, on the one `COUNTER` they share.
fn in_threads(workers: usize, times: u64) -> u64 {
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| count(times));
        }
    });
    COUNTER.load(Ordering::Relaxed)
}

/// Way 3, the sound one between processes: each worker counts in its own memory and sends its
/// count back as its result; the parent adds the results up.
fn sent_back(workers: usize, times: u64) -> Result<u64, procspawn::SpawnError> {
    let handles: Vec<_> = (0..workers)
        .map(|_| procspawn::spawn(times, count_and_send_back))
        .collect();
    handles.into_iter().map(|handle| handle.join()).sum()
}

/// What a worker of way 3 runs: `count` in its own process, then its own `COUNTER` as the result.
fn count_and_send_back(times: u64) -> u64 {
    count(times);
    COUNTER.load(Ordering::Relaxed)
}
