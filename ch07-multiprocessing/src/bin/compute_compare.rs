//! Runs the course's 30 million steps of math five ways and measures each against what this
//! machine can really do in parallel.
//!
//! Ports: none (a Rust addition beside `src/07-multiprocessing/cpu_attempt/`'s three programs)
//!
//! Run: `cargo run -p ch07-multiprocessing --release --bin compute_compare`
//! Copy: `cargo add procspawn rayon anyhow anstream anstyle clap -F clap/derive`,
//! and `do_math` and `slices` from `src/lib.rs` (`procspawn::init()` first in `main`)
//!
//! Expect: the machine's capacity (a copy of the job per worker at once, against one); one thread,
//! threads, a new and a warm process pool and rayon, best of `--rounds` runs, as shares of it;
//! the same integers from every way. What each worker process costs: `process_costs`.
//!
//! Python vs Rust: only Python's process pool beats one thread; in Rust all run in parallel, and
//! what is left to compare is what each costs to start (see the chapter's README).

use std::process::ExitCode;
use std::sync::Barrier;
use std::time::{Duration, Instant};

use anstyle::{AnsiColor, Style};
use anyhow::{Context, bail};
use ch07_multiprocessing::{COURSE_NUM, do_math, slices};
use clap::Parser;
use course_kit::cli::Workers;
use course_kit::fmt;
use rayon::prelude::*;

/// The summary line after the table.
const GOOD: Style = AnsiColor::Green.on_default();

/// The same CPU-bound work on one thread, threads, processes and rayon, against the machine's
/// measured parallel capacity.
#[derive(Parser, Debug)]
// No bare `about`: it would show the crate's description; clap takes the doc comment above.
#[command(name = "compute_compare", version, long_about = None)]
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
    procspawn::ProcConfig::new()
        .config_callback(ch07_multiprocessing::exit_with_parent)
        .init();
    course_kit::exit::quiet_broken_pipe();
    let args = Args::parse();
    course_kit::warn_if_unoptimized!();
    course_kit::exit::report(run(args))
}

/// The ways of doing the work, in the table's order. `SideBySide` is not a way to do the job but
/// the yardstick: independent copies of it, to measure what the machine can do in parallel.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Way {
    OneThread,
    SideBySide,
    Threads,
    NewPool,
    WarmPool,
    Rayon,
}

const WAYS: [Way; 6] = [
    Way::OneThread,
    Way::SideBySide,
    Way::Threads,
    Way::NewPool,
    Way::WarmPool,
    Way::Rayon,
];

impl Way {
    fn name(self, p: usize) -> String {
        match self {
            Way::OneThread => "one thread".into(),
            Way::SideBySide => format!("{p} copies side by side"),
            Way::Threads => format!("threads ({p})"),
            Way::NewPool => format!("processes, new pool ({p})"),
            Way::WarmPool => format!("processes, warm pool ({p})"),
            Way::Rayon => format!("rayon ({p} threads)"),
        }
    }
}

/// One run of a way: the slices' values and, for a new pool, its start-up.
struct Done {
    values: Vec<i64>,
    startup: Option<Duration>,
}

/// The slices, and the pools that, as in a long-lived program, are started once.
struct Bench<'a> {
    tasks: &'a [(f64, f64)],
    warm: procspawn::Pool,
    rayon: rayon::ThreadPool,
}

impl Bench<'_> {
    /// Does the whole job once, `way`'s way. Every way does the same slices, so they must all
    /// return the same integers.
    fn run(&self, way: Way) -> anyhow::Result<Done> {
        let (p, tasks) = (self.tasks.len(), self.tasks);
        let values = match way {
            Way::OneThread => one_thread(tasks),
            // p copies of the whole job at once, released together by a barrier. Nothing is
            // shared between them: no data, no locks, no allocation, so they are as independent
            // as separate programs. With p free cores this takes one thread's time; the ratio is
            // how many cores' worth of this work the machine really delivers.
            Way::SideBySide => {
                let barrier = Barrier::new(p);
                std::thread::scope(|s| {
                    for _ in 0..p {
                        s.spawn(|| {
                            barrier.wait();
                            std::hint::black_box(one_thread(tasks))
                        });
                    }
                });
                Vec::new()
            }
            Way::Threads => std::thread::scope(|s| {
                let handles: Vec<_> = tasks
                    .iter()
                    .map(|&(start, end)| s.spawn(move || do_math(start, end)))
                    .collect();
                let joined = handles.into_iter().map(|h| h.join());
                joined.map(|r| r.expect("do_math does not panic")).collect()
            }),
            Way::NewPool => {
                let t0 = Instant::now();
                let pool =
                    procspawn::Pool::new(p).context("could not start the worker processes")?;
                let startup = Some(t0.elapsed());
                let values = on_pool(&pool, tasks)?;
                pool.shutdown();
                return Ok(Done { values, startup });
            }
            Way::WarmPool => on_pool(&self.warm, tasks)?,
            // rayon's threads steal work from each other.
            Way::Rayon => self.rayon.install(|| {
                let values = tasks.par_iter().map(|&(start, end)| do_math(start, end));
                values.collect()
            }),
        };
        let startup = None;
        Ok(Done { values, startup })
    }
}

fn one_thread(tasks: &[(f64, f64)]) -> Vec<i64> {
    tasks
        .iter()
        .map(|&(start, end)| do_math(start, end))
        .collect()
}

/// One way's best time and its results.
struct Measured {
    way: Way,
    time: Duration,
    done: Done,
}

/// Runs every way `rounds` times; each one's best run. Every round runs every way once, so a
/// burst of noise from the neighbours hits them all alike instead of spoiling one way's whole
/// measurement.
fn measure(bench: &Bench<'_>, rounds: u32) -> anyhow::Result<Vec<Measured>> {
    let mut best: Vec<Option<Measured>> = WAYS.iter().map(|_| None).collect();
    for _ in 0..rounds {
        for (&way, best) in WAYS.iter().zip(&mut best) {
            let t0 = Instant::now();
            let done = bench.run(way)?;
            let time = t0.elapsed();
            if best.as_ref().is_none_or(|b| time < b.time) {
                *best = Some(Measured { way, time, done });
            }
        }
    }
    Ok(best.into_iter().flatten().collect())
}

fn run(args: Args) -> anyhow::Result<ExitCode> {
    let p = args.workers.get();
    let tasks = slices(args.num, p);
    println!(
        "The same {} steps of math on {p} workers, every way; best of {} rounds.",
        fmt::thousands(args.num),
        args.rounds
    );

    let bench = Bench {
        tasks: &tasks,
        warm: procspawn::Pool::new(p).context("could not start the worker processes")?,
        rayon: rayon::ThreadPoolBuilder::new()
            .num_threads(p)
            .build()
            .context("could not start rayon's threads")?,
    };
    on_pool(&bench.warm, &tasks)?; // warmed up: its start-up is paid before the clock starts
    let best = measure(&bench, args.rounds)?;
    bench.warm.shutdown();

    let [serial, side_by_side, rest @ ..] = &best[..] else {
        unreachable!("six ways were measured");
    };
    let capacity = p as f64 * serial.time.as_secs_f64() / side_by_side.time.as_secs_f64();
    print_capacity(p, serial.time, side_by_side.time, capacity);
    print_table(p, serial, rest, capacity);

    println!();
    let expected = &serial.done.values;
    if let Some(m) = rest.iter().find(|m| m.done.values != *expected) {
        let (name, values) = (m.way.name(p), &m.done.values);
        bail!("{name} returned {values:?}, one thread returned {expected:?}");
    }
    let listed: Vec<String> = expected.iter().map(i64::to_string).collect();
    anstream::println!(
        "{GOOD}Every strategy returned the same results: {}{GOOD:#}",
        listed.join(", ")
    );
    Ok(ExitCode::SUCCESS)
}

/// What the machine can do: the whole job on one thread, then p independent copies at once.
fn print_capacity(p: usize, serial: Duration, side_by_side: Duration, capacity: f64) {
    println!();
    println!("What this machine can do (the job alone, then {p} independent copies at once):");
    println!("  {:<26}{:>9}", "the whole job, one thread", secs3(serial));
    println!(
        "  {:<26}{:>9}   -> capacity {capacity:.2}x one core",
        format!("{p} copies side by side"),
        secs3(side_by_side)
    );
}

/// One row per way but the yardstick: its time, speed-up over one thread, share of capacity.
fn print_table(p: usize, serial: &Measured, rest: &[Measured], capacity: f64) {
    println!();
    println!(
        "{:<28}{:>9}{:>11}{:>14}",
        "strategy", "time", "speed-up", "of capacity"
    );
    for m in std::iter::once(serial).chain(rest) {
        let speedup = serial.time.as_secs_f64() / m.time.as_secs_f64();
        let note = m.done.startup.map_or(String::new(), |s| {
            format!("   incl. {:.1} ms start-up", s.as_secs_f64() * 1e3)
        });
        println!(
            "{:<28}{:>9}{:>10.2}x{:>13.0}%{note}",
            m.way.name(p),
            secs3(m.time),
            speedup,
            100.0 * speedup / capacity
        );
    }
    println!(
        "(speed-up = one thread's time / this time; of capacity = speed-up / {capacity:.2}: \
         100% is as fast as independent copies)"
    );
}

/// Submits every slice to `pool` (`apply_async`) and gets each result in order (`.get()`). Here a
/// failed worker is simply an error.
fn on_pool(pool: &procspawn::Pool, tasks: &[(f64, f64)]) -> anyhow::Result<Vec<i64>> {
    let handles: Vec<_> = tasks
        .iter()
        .map(|&slice| pool.spawn(slice, |(start, end)| do_math(start, end)))
        .collect();
    (1..)
        .zip(handles)
        .map(|(n, h)| h.join().with_context(|| format!("task {n} failed")))
        .collect()
}

fn secs3(d: Duration) -> String {
    format!("{:.3} s", d.as_secs_f64())
}
