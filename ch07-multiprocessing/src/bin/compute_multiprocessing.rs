//! Does the course's 30 million steps of math in a pool of worker processes, one slice each.
//!
//! Ports: src/07-multiprocessing/cpu_attempt/compute_multiprocessing.py
//!
//! Run: cargo run -p ch07-multiprocessing --release
//!
//! Expect: `Doing math on N processors.`, the time, `Our results: ` and one integer per slice,
//! exactly the integers the course's Python prints for the same N (2 workers: 6566667 and
//! 10750000). Then what the processes cost: the pool's start-up time, which worker (PID) ran each
//! slice, how long each task waited to be picked up, and each worker's peak memory. Try
//! `--workers 8` for the course's 8-process output, and `cargo run -p ch07-multiprocessing
//! --release --bin compute_compare` to see processes against threads, rayon and one thread.
//!
//! Python vs Rust: Python needs processes to escape the GIL; Rust threads already run in
//! parallel (see ch05's `compute_threaded`), so in Rust a process pool buys isolation — a worker
//! that crashes takes only itself down — not speed. Like Python's "spawn" start method (the default
//! on macOS and Windows), a worker is a fresh run of this same executable, and everything it
//! receives or returns is serialized. (procspawn runs on Linux and macOS, not Windows.)
//!
//! Why procspawn: it is the closest thing to `multiprocessing.Pool` in Rust — a pool of worker
//! processes, `spawn(args, fn)` like `apply_async`, a handle per task to `join` like `.get()`, and
//! a worker's panic sent back to the parent as an error. Re-executing the binary by hand would
//! mean writing that protocol ourselves. What it costs: each worker is a new process (fork + exec
//! of this binary, the dynamic loader, `main` up to `procspawn::init()`) plus an IPC handshake
//! over a Unix socket; each call serializes its arguments and result with serde. A pool pays the
//! start-up once per worker, not per task; the program measures and prints it. Rust cannot
//! simply `fork()` as Python long did by default on Linux: a forked child gets only the calling
//! thread, so a lock held by another thread stays locked forever in the child.

use std::process::ExitCode;
use std::time::{Instant, SystemTime};

use anyhow::{Context, bail};
use ch07_multiprocessing::{
    COURSE_NUM, Fault, SliceReport, join_task, megabytes, slices, unix_micros, work_on_slice,
};
use clap::Parser;
use course_kit::cli::Workers;
use course_kit::{cprintln, fmt, style};

/// The course's CPU-bound math, one slice per worker process of a pool.
#[derive(Parser, Debug)]
// No bare `about`: it would show the crate's description; clap takes the doc comment above.
#[command(version, long_about = None)]
struct Args {
    #[command(flatten)]
    workers: Workers,
    /// Total steps of math, split into one slice per worker
    #[arg(long, value_name = "N", default_value_t = COURSE_NUM,
          value_parser = clap::value_parser!(u64).range(1..=MAX_NUM))]
    num: u64,
    /// Test hook: the worker of slice N panics
    #[arg(long, value_name = "N", hide = true)]
    fail_slice: Option<usize>,
    /// Test hook: the worker process of slice N aborts (a crash: nothing comes back)
    #[arg(long, value_name = "N", hide = true)]
    crash_slice: Option<usize>,
}

/// Ten billion steps (minutes of work): beyond that `pos += 1.0` would still be exact, but the
/// program would run for hours, which is a typo rather than a request.
const MAX_NUM: u64 = 10_000_000_000;

fn main() -> ExitCode {
    // First thing, before anything else runs: a worker is this same executable started again,
    // and init() is where it takes its task instead of running our main (it never returns there).
    procspawn::init();
    let args = Args::parse();
    course_kit::warn_if_unoptimized!();
    course_kit::exit::report(run(args))
}

fn run(args: Args) -> anyhow::Result<ExitCode> {
    let workers = args.workers.get();
    // The course calls do_math(1) once before timing; kept so both programs do the same work.
    std::hint::black_box(ch07_multiprocessing::do_math(1.0, 10.0));

    let t0 = Instant::now();
    cprintln!(
        style::APP,
        "Doing math on {} processors.",
        fmt::thousands(workers)
    );

    // Pool::new returns once every worker process has started and connected back to us, so
    // timing it measures the whole price of having processes: exec, loading, IPC handshake.
    let pool = procspawn::Pool::new(workers).context("could not start the worker processes")?;
    let startup = t0.elapsed();

    // apply_async: submit every slice at once; each call returns a handle at once.
    let mut tasks = slices(args.num, workers);
    for task in &mut tasks {
        if args.fail_slice == Some(task.index) {
            task.fault = Some(Fault::Panic);
        }
        if args.crash_slice == Some(task.index) {
            task.fault = Some(Fault::Abort);
        }
    }
    let submitted_us = unix_micros(SystemTime::now());
    let handles: Vec<_> = tasks
        .iter()
        .map(|&task| pool.spawn(task, work_on_slice))
        .collect();

    // Python's close() + join() + get(): here the handles are what we wait on. Joining each
    // in submission order returns its slice's value, or the reason its worker failed; one failed
    // task does not stop the others from coming back.
    let results: Vec<Result<SliceReport, String>> = handles.into_iter().map(join_task).collect();
    // shutdown() waits until the pool is idle (including replacing a crashed worker), then kills
    // and reaps every worker process, so none is left behind when we exit.
    pool.shutdown();
    let elapsed = t0.elapsed();

    cprintln!(
        style::APP,
        "Done in {} sec.",
        fmt::secs(elapsed.as_secs_f64())
    );
    cprintln!(style::APP, "Our results: ");
    for (task, result) in tasks.iter().zip(&results) {
        match result {
            Ok(report) => cprintln!(style::APP, "{}", report.value),
            Err(why) => cprintln!(style::ERROR, "task {} failed: {why}", task.index),
        }
    }

    // Not in the course: what the processes cost. The lines above are the course's output.
    println!();
    cprintln!(
        style::GOOD,
        "Pool start-up: {} worker processes ready in {:.1} ms ({:.1} ms each), parent PID {}.",
        workers,
        startup.as_secs_f64() * 1e3,
        startup.as_secs_f64() * 1e3 / workers as f64,
        std::process::id()
    );
    for (task, result) in tasks.iter().zip(&results) {
        if let Ok(r) = result {
            let waited_ms = r.started_unix_us.saturating_sub(submitted_us) as f64 / 1e3;
            println!(
                "  task {:>2}: steps {} .. {} in PID {}, picked up after {waited_ms:.1} ms, \
                 computed in {} sec, peak memory {}",
                task.index,
                bound(task.start),
                bound(task.end),
                r.pid,
                fmt::secs(r.compute_secs),
                megabytes(r.peak_memory_kb)
            );
        }
    }
    let peak = results
        .iter()
        .filter_map(|r| r.as_ref().ok()?.peak_memory_kb)
        .max();
    cprintln!(
        style::GOOD,
        "Largest worker peak memory (VmHWM): {}.",
        megabytes(peak)
    );

    let failed = results.iter().filter(|r| r.is_err()).count();
    if failed > 0 {
        bail!(
            "{failed} of {} tasks failed; the other results are above",
            results.len()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// A slice bound as the learner thinks of it: `15,000,000`, or `4285714.286` when uneven.
fn bound(x: f64) -> String {
    if x.fract() == 0.0 {
        fmt::thousands(x as u64)
    } else {
        format!("{x:.3}")
    }
}
