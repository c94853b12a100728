//! Starts a new pool of worker processes, one slice of the course's math each as
//! compute_multiprocessing does, and shows what each worker process costs.
//!
//! Ports: none (a Rust addition beside `src/07-multiprocessing/cpu_attempt/compute_multiprocessing.py`)
//!
//! Run: `cargo run -p ch07-multiprocessing --release --bin process_costs -- --timeline`
//! Copy: `cargo add procspawn anyhow anstream anstyle serde clap -F serde/derive,clap/derive`,
//! `do_math`, `slices` (`src/lib.rs`), course-kit's `peak_memory_kb`, `megabytes`, `thousands`
//!
//! Expect: the pool's start-up; per task its worker's PID, how long it waited to be picked up, how
//! long it computed, its peak memory (VmHWM); the course's integers. `--timeline` charts the same
//! slices on threads, then on the worker processes.
//!
//! Python vs Rust: a worker is this program started again, as with Python's "spawn"; its
//! `Instant`s mean nothing to the parent, so it reports the wall clock (`SystemTime`).

use std::process::ExitCode;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use anstyle::{AnsiColor, Style};
use anyhow::Context;
use ch07_multiprocessing::{COURSE_NUM, do_math, slices};
use clap::Parser;
use course_kit::cli::{Timeline, Workers};
use course_kit::fmt;
use course_kit::process::{megabytes, peak_memory_kb};
use course_kit::timeline::{self, Rows, Span};

/// The pool's start-up line.
const GOOD: Style = AnsiColor::Green.on_default();

/// What each worker process of a new pool costs: start-up, PID, wait, compute time, peak memory.
#[derive(Parser, Debug)]
// No bare `about`: it would show the crate's description; clap takes the doc comment above.
#[command(name = "process_costs", version, long_about = None)]
struct Args {
    #[command(flatten)]
    workers: Workers,
    /// Total steps of math, split into one slice per worker
    #[arg(long, value_name = "N", default_value_t = COURSE_NUM,
          value_parser = clap::value_parser!(u64).range(1..=10_000_000_000))]
    num: u64,
    #[command(flatten)]
    timeline: Timeline,
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

fn run(args: Args) -> anyhow::Result<ExitCode> {
    let p = args.workers.get();
    let tasks = slices(args.num, p);
    println!(
        "A new pool, one slice of the {} steps per worker process:",
        fmt::thousands(args.num)
    );
    let done = task_by_task(p, &tasks)?;
    let listed: Vec<String> = done.iter().map(|d| d.value.to_string()).collect();
    println!("Results: {}", listed.join(", "));
    if args.timeline.timeline {
        println!();
        println!(
            "Threads (as in ch05's compute_threaded), one row per thread, from its start to its end:"
        );
        timeline::print(&threads_timeline(&tasks), Rows::Workers);
        println!();
        println!(
            "Worker processes, one row per task (one task per worker), from its start to its end:"
        );
        timeline::print(&processes_timeline(&done), Rows::Workers);
    }
    Ok(ExitCode::SUCCESS)
}

/// What a worker process reports for one slice: its value, and what it cost. It crosses a
/// process boundary, so it is plain serialized data, and its times are the wall clock
/// (`SystemTime`): an `Instant` is this process's own clock and cannot cross over.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct SliceDone {
    value: i64,
    pid: u32,
    started: SystemTime,
    finished: SystemTime,
    peak_memory_kb: Option<u64>,
}

/// What a worker of [`task_by_task`] runs. It reads the clock only at its start and end, never
/// inside the loop, so timing the worker does not change what it does.
fn slice_reported((start, end): (f64, f64)) -> SliceDone {
    let started = SystemTime::now();
    let value = do_math(start, end);
    SliceDone {
        value,
        pid: std::process::id(),
        started,
        finished: SystemTime::now(),
        peak_memory_kb: peak_memory_kb(),
    }
}

/// A new pool of `p` workers, one slice each, as compute_multiprocessing does it; prints its
/// start-up, then per task which worker (PID) ran it, how long it waited to be picked up, how
/// long it computed and the worker's peak memory.
fn task_by_task(p: usize, tasks: &[(f64, f64)]) -> anyhow::Result<Vec<SliceDone>> {
    let t0 = Instant::now();
    let pool = procspawn::Pool::new(p).context("could not start the worker processes")?;
    let startup_ms = t0.elapsed().as_secs_f64() * 1e3;
    let submitted = SystemTime::now();
    let handles: Vec<_> = tasks
        .iter()
        .map(|&slice| pool.spawn(slice, slice_reported))
        .collect();
    let done: Vec<SliceDone> = (1..)
        .zip(handles)
        .map(|(n, h)| h.join().with_context(|| format!("task {n} failed")))
        .collect::<anyhow::Result<_>>()?;
    pool.shutdown();

    anstream::println!(
        "{GOOD}Pool start-up: {p} worker processes ready in {startup_ms:.1} ms ({:.1} ms each), \
         parent PID {}.{GOOD:#}",
        startup_ms / p as f64,
        std::process::id()
    );
    let since = |a: SystemTime, b: SystemTime| b.duration_since(a).unwrap_or_default();
    for ((n, &(start, end)), d) in (1..).zip(tasks).zip(&done) {
        println!(
            "  task {n:>2}: steps {} .. {} in PID {}, picked up after {:.1} ms, computed in {:.2} \
             sec, peak memory {}",
            bound(start),
            bound(end),
            d.pid,
            since(submitted, d.started).as_secs_f64() * 1e3,
            since(d.started, d.finished).as_secs_f64(),
            megabytes(d.peak_memory_kb)
        );
    }
    Ok(done)
}

/// The worker processes' spans, for `--timeline`: one row per task, on the wall clock.
fn processes_timeline(done: &[SliceDone]) -> Vec<Span> {
    let since_epoch = |t: SystemTime| t.duration_since(UNIX_EPOCH).unwrap_or_default();
    (1..)
        .zip(done)
        .map(|(n, d)| Span {
            label: format!("task {n}, PID {}", d.pid),
            start: since_epoch(d.started),
            end: since_epoch(d.finished),
        })
        .collect()
}

/// One run of the threads strategy with each thread's start and end, for `--timeline`.
fn threads_timeline(tasks: &[(f64, f64)]) -> Vec<Span> {
    let t0 = Instant::now();
    std::thread::scope(|s| {
        let handles: Vec<_> = tasks
            .iter()
            .map(|&(start, end)| {
                s.spawn(move || {
                    let started = Instant::now();
                    std::hint::black_box(do_math(start, end));
                    (started, Instant::now())
                })
            })
            .collect();
        (1..)
            .zip(handles)
            .map(|(n, h)| {
                let (started, ended) = h.join().expect("do_math does not panic");
                Span::between(format!("thread {n}"), t0, started, ended)
            })
            .collect()
    })
}

/// A slice bound as the learner thinks of it: `15,000,000`, or `4285714.286` when uneven.
fn bound(x: f64) -> String {
    if x.fract() == 0.0 {
        fmt::thousands(x as u64)
    } else {
        format!("{x:.3}")
    }
}
