//! Runs the course's 30 million steps of math five ways and measures each against what this
//! machine can really do in parallel.
//!
//! Ports: `src/07-multiprocessing/cpu_attempt/` (`compute_it.py`, `compute_threaded.py` and
//! `compute_multiprocessing.py` side by side; a Rust addition, not a course file)
//!
//! Run: `cargo run -p ch07-multiprocessing --release --bin compute_compare`
//!
//! Copy: `cargo add procspawn rayon anyhow`
//!
//! (`procspawn::init()` must be the first line of your `main`; copy `do_math` and `slices` from
//! this chapter's `lib.rs`, and `peak_memory_kb` from this workspace's `course-kit/src/process.rs`.)
//!
//! Expect: first the machine's capacity: the whole job on one thread, then one independent copy
//! of it per worker, all at once. Their ratio is how many cores' worth of work the machine
//! really gives (on a shared 2-vCPU virtual machine that can be 1.1×, not 2×). Then a table:
//! one thread, threads, a new process pool, a warm process pool, and rayon, each with its time,
//! its speed-up over one thread, and that speed-up as a share of the capacity (100% = as good as
//! independent copies). Then the pool's start-up cost, the workers' peak memory, and a check that
//! every strategy returned the same integers. Each figure is the best of `--rounds` runs.
//!
//! Python vs Rust: in Python only the process pool beats one thread (the GIL serializes
//! threads); in Rust threads, processes and rayon all run in parallel, so the differences left
//! are what each costs to start: a thread ~tens of µs, a worker process ~milliseconds.

use std::cell::Cell;
use std::process::ExitCode;
use std::sync::Barrier;
use std::time::{Duration, Instant};

use anstyle::{AnsiColor, Style};
use anyhow::{Context, bail};
use ch07_multiprocessing::{COURSE_NUM, do_math, slices};
use clap::Parser;
use course_kit::cli::Workers;
use course_kit::fmt;
use course_kit::process::{megabytes, peak_memory_kb};
use rayon::prelude::*;

/// The summary lines after the table.
const GOOD: Style = AnsiColor::Green.on_default();

/// The same CPU-bound work on one thread, threads, processes and rayon, against the machine's
/// measured parallel capacity.
#[derive(Parser, Debug)]
// No bare `about`: it would show the crate's description; clap takes the doc comment above.
#[command(version, long_about = None)]
struct Args {
    #[command(flatten)]
    workers: Workers,
    /// Total steps of math, split into one slice per worker
    #[arg(long, value_name = "N", default_value_t = COURSE_NUM,
          value_parser = clap::value_parser!(u64).range(1..=10_000_000_000))]
    num: u64,
    /// Run every measurement this many times and keep the best (machines are noisy)
    #[arg(long, value_name = "R", default_value_t = 5,
          value_parser = clap::value_parser!(u32).range(1..=100))]
    rounds: u32,
}

fn main() -> ExitCode {
    // First thing: worker processes are this executable started again (see compute_multiprocessing).
    procspawn::init();
    course_kit::exit::quiet_broken_pipe();
    let args = Args::parse();
    course_kit::warn_if_unoptimized!();
    course_kit::exit::report(run(args))
}

/// One way of doing the work: returns the slices' values and, for a new pool, its start-up time.
type Strategy<'a> = dyn FnMut() -> anyhow::Result<(Vec<i64>, Option<Duration>)> + 'a;

/// One strategy's best time, its results and, for process pools, what starting it cost.
struct Measured {
    time: Duration,
    values: Vec<i64>,
    startup: Option<Duration>,
}

fn run(args: Args) -> anyhow::Result<ExitCode> {
    let p = args.workers.get();
    let tasks = slices(args.num, p);

    println!(
        "The same {} steps of math on {p} workers, every way; best of {} rounds.",
        fmt::thousands(args.num),
        args.rounds
    );

    // Every strategy does the same slices, so they must all return the same integers.
    let one_thread = || -> Vec<i64> {
        tasks
            .iter()
            .map(|&(start, end)| do_math(start, end))
            .collect()
    };
    let serial = || Ok((one_thread(), None));

    // --- What the machine can do: independent copies of the job, no coordination at all. ---
    // The whole job on one thread (`serial`, above), then p copies of it at once, each on its own
    // thread, released together by a barrier. Nothing is shared between the copies: no data, no
    // locks, no allocation, so they are as independent as separate programs. With p free cores
    // both would take the same time; the ratio is how many cores' worth of this work the machine
    // really delivers, and no strategy can beat it.
    let side_by_side = || {
        let barrier = Barrier::new(p);
        std::thread::scope(|s| {
            for _ in 0..p {
                s.spawn(|| {
                    barrier.wait();
                    std::hint::black_box(one_thread())
                });
            }
        });
        Ok((Vec::new(), None))
    };

    // --- The parallel strategies. ----------------------------------------------------------
    let threads = || {
        let values = std::thread::scope(|s| {
            let handles: Vec<_> = tasks
                .iter()
                .map(|&(start, end)| s.spawn(move || do_math(start, end)))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("do_math does not panic"))
                .collect()
        });
        Ok((values, None))
    };
    let peak_kb = Cell::new(None);
    let new_pool = || {
        let t0 = Instant::now();
        let pool = procspawn::Pool::new(p).context("could not start the worker processes")?;
        let startup = t0.elapsed();
        let results = on_pool(&pool, &tasks)?;
        pool.shutdown();
        peak_kb.set(peak_kb.get().max(results.iter().filter_map(|r| r.1).max()));
        Ok((results.iter().map(|r| r.0).collect(), Some(startup)))
    };
    // A pool that is already running, as in a long-lived program: the start-up is paid once.
    let warm = procspawn::Pool::new(p).context("could not start the worker processes")?;
    on_pool(&warm, &tasks)?;
    let warm_pool = || Ok((on_pool(&warm, &tasks)?.iter().map(|r| r.0).collect(), None));
    // rayon's pool, like a warm pool, is built once; its threads then steal work from each other.
    let rayon_pool = rayon::ThreadPoolBuilder::new()
        .num_threads(p)
        .build()
        .context("could not start rayon's threads")?;
    let rayon = || {
        let values = rayon_pool.install(|| {
            tasks
                .par_iter()
                .map(|&(start, end)| do_math(start, end))
                .collect()
        });
        Ok((values, None))
    };

    let mut strategies: Vec<(String, Box<Strategy<'_>>)> = vec![
        ("one thread".into(), Box::new(serial)),
        (format!("{p} copies side by side"), Box::new(side_by_side)),
        (format!("threads ({p})"), Box::new(threads)),
        (format!("processes, new pool ({p})"), Box::new(new_pool)),
        (format!("processes, warm pool ({p})"), Box::new(warm_pool)),
        (format!("rayon ({p} threads)"), Box::new(rayon)),
    ];
    // Every round runs every strategy once, so a burst of noise from the neighbours hits them
    // all alike instead of spoiling one strategy's whole measurement.
    let mut best: Vec<Option<Measured>> = strategies.iter().map(|_| None).collect();
    for _ in 0..args.rounds {
        for ((_, strategy), best) in strategies.iter_mut().zip(&mut best) {
            let t0 = Instant::now();
            let (values, startup) = strategy()?;
            let took = t0.elapsed();
            if best.as_ref().is_none_or(|b| took < b.time) {
                *best = Some(Measured {
                    time: took,
                    values,
                    startup,
                });
            }
        }
    }
    let names: Vec<String> = strategies.into_iter().map(|(name, _)| name).collect();
    warm.shutdown();
    let best: Vec<Measured> = best.into_iter().flatten().collect();
    let [serial, side_by_side, rest @ ..] = &best[..] else {
        unreachable!("six strategies were measured");
    };
    let capacity = p as f64 * serial.time.as_secs_f64() / side_by_side.time.as_secs_f64();

    println!();
    println!("What this machine can do (the job alone, then {p} independent copies at once):");
    println!(
        "  {:<26}{:>9}",
        "the whole job, one thread",
        secs3(serial.time)
    );
    println!(
        "  {:<26}{:>9}   -> capacity {capacity:.2}x one core",
        format!("{p} copies side by side"),
        secs3(side_by_side.time)
    );

    println!();
    println!(
        "{:<28}{:>9}{:>11}{:>14}",
        "strategy", "time", "speed-up", "of capacity"
    );
    let base = serial.time.as_secs_f64();
    let rows: Vec<(&str, &Measured)> = names
        .iter()
        .map(String::as_str)
        .zip(&best)
        .filter(|(_, m)| !std::ptr::eq(*m, side_by_side))
        .collect();
    for &(name, m) in &rows {
        let speedup = base / m.time.as_secs_f64();
        let note = m.startup.map_or(String::new(), |s| {
            format!("   incl. {:.1} ms start-up", s.as_secs_f64() * 1e3)
        });
        println!(
            "{name:<28}{:>9}{:>10.2}x{:>13.0}%{note}",
            secs3(m.time),
            speedup,
            100.0 * speedup / capacity
        );
    }

    println!(
        "(speed-up = one thread's time / this time; of capacity = speed-up / {capacity:.2}: \
         100% is as fast as independent copies)"
    );

    println!();
    if let Some(startup) = rest.iter().find_map(|m| m.startup) {
        anstream::println!(
            "{GOOD}Process pool start-up: {:.1} ms for {p} workers ({:.2} ms per worker process).{GOOD:#}",
            startup.as_secs_f64() * 1e3,
            startup.as_secs_f64() * 1e3 / p as f64
        );
    }
    anstream::println!(
        "{GOOD}Largest worker peak memory (VmHWM): {}.{GOOD:#}",
        megabytes(peak_kb.get())
    );
    for &(name, m) in &rows[1..] {
        if m.values != serial.values {
            bail!(
                "{name} returned {:?}, one thread returned {:?}",
                m.values,
                serial.values
            );
        }
    }
    let listed: Vec<String> = serial.values.iter().map(i64::to_string).collect();
    anstream::println!(
        "{GOOD}Every strategy returned the same results: {}{GOOD:#}",
        listed.join(", ")
    );
    Ok(ExitCode::SUCCESS)
}

/// Submits every slice to `pool` (`apply_async`) and gets each result in order (`.get()`): each
/// slice's value and its worker's peak memory. Here a failed worker is simply an error.
fn on_pool(
    pool: &procspawn::Pool,
    tasks: &[(f64, f64)],
) -> anyhow::Result<Vec<(i64, Option<u64>)>> {
    let handles: Vec<_> = tasks
        .iter()
        .map(|&slice| pool.spawn(slice, slice_in_worker))
        .collect();
    (1..)
        .zip(handles)
        .map(|(n, h)| h.join().with_context(|| format!("task {n} failed")))
        .collect()
}

/// What each worker process runs: one slice, and what the worker's memory peaked at.
fn slice_in_worker((start, end): (f64, f64)) -> (i64, Option<u64>) {
    (do_math(start, end), peak_memory_kb())
}

fn secs3(d: Duration) -> String {
    format!("{:.3} s", d.as_secs_f64())
}
