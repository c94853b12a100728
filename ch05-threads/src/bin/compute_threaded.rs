//! Does compute_it's math on 30,000,000 numbers split into one slice per thread, all at once.
//!
//! Ports: <https://github.com/talkpython/async-techniques-python-course/blob/master/src/05-threads/cpu_attempt/compute_threaded.py>
//! (the factor line: `src/11-cython/perf/compute_threaded.py`)
//!
//! Run: `cargo run -p ch05-threads --release --bin compute_threaded`
//!
//! Copy: nothing to add, std only
//!
//! Expect: `Doing math on N processors.`, a time shorter than compute_it's by up to the cores the
//! machine has to spare, and compute_it's sum. `--factor` times one thread first, in this run.
//!
//! Python vs Rust: Python's threads take turns holding the GIL, so the course's version is no
//! faster; Rust has no GIL, and each thread runs its slice on its own core (free-threaded Python
//! can too: see the chapter's README).

use std::thread;
use std::time::Instant;

use clap::Parser;
use course_kit::cli::Workers;
use course_kit::fmt::thousands;

/// The do_math loop split across one thread per worker, timed.
#[derive(Parser, Debug)]
#[command(name = "compute_threaded", version, long_about = None)]
struct Args {
    /// How many numbers to do the math on
    #[arg(long, value_name = "N", default_value_t = 30_000_000,
          value_parser = clap::value_parser!(u64).range(1..=1_000_000_000))]
    num: u64,
    #[command(flatten)]
    workers: Workers,
    /// First time the same loop on one thread, then print the threads' speed-up over it
    #[arg(long)]
    factor: bool,
}

fn main() {
    course_kit::exit::quiet_broken_pipe();
    let args = Args::parse();
    let (num, factor) = (args.num, args.factor);
    course_kit::warn_if_unoptimized!();
    do_math(1, 10);
    let one_thread = factor.then(|| time_one_thread(num));

    let t0 = Instant::now();

    let processor_count = args.workers.get() as u64;
    println!("Doing math on {processor_count} processors.");
    // One thread per slice, `num*(n-1)/p .. num*n/p`. `scope` joins them all before it
    // returns, so the threads may borrow, and each `join` hands back its thread's sum.
    let sum: f64 = thread::scope(|s| {
        let threads: Vec<_> = (1..=processor_count)
            .map(|n| (num * (n - 1) / processor_count, num * n / processor_count))
            .map(|(start, end)| s.spawn(move || do_math(start, end)))
            .collect();
        threads.into_iter().map(|t| t.join().unwrap()).sum()
    });

    let dt = t0.elapsed().as_secs_f64();
    match one_thread {
        None => println!("Done in {dt:.2} sec."),
        Some(one) => println!("Done in {dt:.2} sec. (factor: {:.2}x)", one / dt),
    }
    if one_thread.is_some_and(|one| one < dt) {
        println!("(A factor below 1: other programs were busy on the cores; run it when idle.)");
    }
    println!("Sum of the square roots: {}", thousands(sum as u64));
}

/// Sums the roots Python drops: the optimiser deletes a loop whose result nobody uses. (`pub`:
/// benches/compute.rs times this very loop.)
pub fn do_math(start: u64, num: u64) -> f64 {
    let mut pos = start;
    let k_sq = 1000 * 1000;
    let mut sum = 0.0;
    while pos < num {
        pos += 1;
        let d = pos as i64 - k_sq; // exact: the roots are whole, the sum stays below 2⁵³
        sum += ((d * d) as f64).sqrt();
    }
    sum
}

/// `--factor`'s baseline, timed in this run on this machine, never a figure typed in (the
/// course's file divides 8.54 s by its time).
fn time_one_thread(num: u64) -> f64 {
    let t0 = Instant::now();
    std::hint::black_box(do_math(0, num)); // a result nobody reads lets the loop be deleted
    let one = t0.elapsed().as_secs_f64();
    println!("One thread first, for the factor: {one:.2} sec.");
    one
}
