//! Does the course's 30 million steps of math in a pool of worker processes, one slice each.
//!
//! Ports: <https://github.com/talkpython/async-techniques-python-course/blob/master/src/07-multiprocessing/cpu_attempt/compute_multiprocessing.py>
//! (and `src/11-cython/perf/compute_multiprocessing.py`, whose factor `--factor` prints)
//!
//! Run: `cargo run -p ch07-multiprocessing --release`
//!
//! Copy: `cargo add procspawn anyhow clap -F clap/derive` (`procspawn::init()` first in `main`)
//!
//! Expect: `Doing math on N processors.`, the time, `Our results: ` and the course's own integers
//! (2 workers: `6566667`, `10750000`). A worker that dies fails only its own task.
//!
//! Python vs Rust: Rust threads already run in parallel (ch05's `compute_threaded`): a process
//! pool buys isolation, not speed. As with Python's "spawn", a worker is this program started
//! again. What each process costs: `process_costs`; why procspawn: the chapter's README.

use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use course_kit::cli::Workers;
use course_kit::fmt::thousands;

/// The course's CPU-bound math, one slice per worker process of a pool.
#[derive(Parser, Debug)]
#[command(name = "compute_multiprocessing", version, long_about = None)]
struct Args {
    #[command(flatten)]
    workers: Workers,
    /// Total steps of math, split into one slice per worker
    #[arg(long, value_name = "N", default_value_t = 30_000_000,
          value_parser = clap::value_parser!(u64).range(1..=10_000_000_000))]
    num: u64,
    /// First time the same steps on one thread, then print the pool's speed-up over it
    #[arg(long)]
    factor: bool,
}

fn main() -> ExitCode {
    // First: a worker is this program started again; `init` runs its task there, then exits
    // (and `guard` ends it, too, if this parent dies: see lib.rs).
    let guard = ch07_multiprocessing::exit_with_parent;
    procspawn::ProcConfig::new().config_callback(guard).init();
    course_kit::exit::quiet_broken_pipe();
    let args = Args::parse();
    let (num, factor) = (args.num, args.factor);
    course_kit::warn_if_unoptimized!();
    do_math(1.0, 10.0);
    let one_thread = factor.then(|| time_one_thread(num));

    let t0 = Instant::now();

    let processor_count = args.workers.get() as u64;
    println!("Doing math on {} processors.", thousands(processor_count));

    // multiprocessing.Pool(): returns once every worker process has started and connected back.
    let pool = match procspawn::Pool::new(processor_count as usize) {
        Ok(pool) => pool,
        Err(err) => return course_kit::exit::report(Err(err.into())),
    };
    // apply_async: the bounds go to a free worker, with a plain `fn` (a worker cannot see our
    // variables, so the closure captures nothing). Python's true division: the same doubles.
    let p = processor_count as f64;
    let tasks: Vec<_> = (1..=processor_count)
        .map(|n| ((num * (n - 1)) as f64 / p, (num * n) as f64 / p))
        .map(|bounds| pool.spawn(bounds, |(start, num)| do_math(start, num)))
        .collect();

    // Python calls close() and join(), then get(); procspawn's results wait for their reader,
    // so here they are got first, then the pool is shut down.
    let results: Vec<_> = tasks.into_iter().map(|task| task.join()).collect();
    pool.shutdown();

    let dt = t0.elapsed().as_secs_f64();
    match one_thread {
        None => println!("Done in {dt:.2} sec."),
        Some(one) => println!("Done in {dt:.2} sec. (factor: {:.2}x)", one / dt),
    }
    if one_thread.is_some_and(|one| one < dt) {
        println!("(A factor below 1: starting the processes cost more, or the cores were busy.)");
    }
    println!("Our results: ");
    for (n, result) in (1..).zip(&results) {
        match result {
            Ok(value) => println!("{value}"),
            // Unlike Python's pool, which waits forever, a dead worker fails only its own task.
            Err(e) if e.is_remote_close() => println!("task {n} failed: its worker process died"),
            Err(e) => println!("task {n} failed: {e}"),
        }
    }
    let failed = results.iter().filter(|r| r.is_err()).count();
    if failed == 0 {
        return ExitCode::SUCCESS;
    }
    course_kit::exit::report(Err(anyhow::anyhow!(
        "{failed} of {processor_count} tasks failed"
    )))
}

/// The course's math: the average of `sqrt((pos - 1,000,000)²)` over `start < pos <= num`, each
/// term divided by `num`, in Python's order on the same doubles: the result is bit for bit Python's.
fn do_math(start: f64, num: f64) -> i64 {
    let mut pos = start;
    let k_sq = 1000.0 * 1000.0;
    let mut ave = 0.0;
    while pos < num {
        pos += 1.0;
        let val = ((pos - k_sq) * (pos - k_sq)).sqrt();
        ave += val / num;
    }
    ave as i64 // truncates toward zero, like Python's int()
}

/// `--factor`'s baseline, timed in this run on this machine, never a figure typed in (the
/// course's perf/ file divides 8.54 s by its time).
fn time_one_thread(num: u64) -> f64 {
    let t0 = Instant::now();
    std::hint::black_box(do_math(0.0, num as f64)); // a result nobody reads lets the loop go
    let one = t0.elapsed().as_secs_f64();
    println!("One thread first, for the factor: {one:.2} sec.");
    one
}
