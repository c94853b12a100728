//! Does compute_it's math on 30,000,000 numbers split into one slice per worker thread, all at
//! once, and times it.
//!
//! Ports: `src/05-threads/cpu_attempt/compute_threaded.py` (and
//! `src/11-cython/perf/compute_threaded.py`, whose factor `--factor` prints)
//!
//! Run: `cargo run -p ch05-threads --release --bin compute_threaded`
//!
//! Copy: nothing to add, std only (`do_math` is in this chapter's `src/lib.rs`, shared with
//! `compute_it` and the benchmark so that all three time the same loop)
//!
//! Expect: `Doing math on N processors.`, then the time, shorter than compute_it's by up to the
//! number of cores the machine really has to spare, and the same sum of square roots as
//! compute_it, which shows the slices together did exactly the same work. `--factor` first times
//! the same loop on one thread in the same run and prints the speed-up over it, as the ch11 course
//! file does: `Done in 0.03 sec. (factor: 1.95x)`. `--timeline` draws one row per thread, from its
//! start to its end: a block as wide as the run, the threads side by side.
//!
//! Python vs Rust: this is where they part ways. Python's threads take turns holding the GIL,
//! so the course's threaded version is no faster than the plain one. Rust has no GIL: each
//! thread runs its slice on its own core at the same time, truly in parallel. (The speed-up is
//! still bounded by the hardware: see `cargo bench -p ch05-threads --bench compute`.) Python's
//! free-threaded build (PEP 703: `python3.13t`, `python3.14t`) removes the GIL, so these threads
//! can run Python bytecode in parallel and compute_threaded.py can finally speed up; it does not
//! make shared state safe (you still need locks), its single-thread code runs somewhat slower, and
//! a C extension that has not declared support turns the GIL back on when imported.

use std::ops::Range;
use std::panic;
use std::thread;
use std::time::{Duration, Instant};

use ch05_threads::{do_math, parse_num};
use clap::Parser;
use course_kit::cli::{Timeline, Workers};
use course_kit::fmt;
use course_kit::timeline::{self, Rows, Span};

/// The do_math loop split across one thread per worker, timed.
#[derive(Parser, Debug)]
#[command(version, long_about = None)]
struct Args {
    /// How many numbers to do the math on
    #[arg(long, value_name = "N", default_value_t = 30_000_000, value_parser = parse_num,
          allow_negative_numbers = true)]
    num: u64,
    #[command(flatten)]
    workers: Workers,
    /// First time the same loop on one thread, then print the threads' speed-up over it
    #[arg(long)]
    factor: bool,
    #[command(flatten)]
    timeline: Timeline,
}

fn main() {
    course_kit::exit::quiet_broken_pipe();
    let args = Args::parse();
    let (num, workers) = (args.num, args.workers.get());
    course_kit::warn_if_unoptimized!();

    // The factor is measured against the one-thread loop in this very run, on this machine,
    // never against a time typed into the program (the course's file divides 8.54 s by its time).
    let one_thread = args.factor.then(|| {
        let t0 = Instant::now();
        // black_box: a result nobody reads lets the compiler delete the loop it came from.
        std::hint::black_box(do_math(0, num));
        let dt = t0.elapsed();
        println!(
            "One thread first, for the factor: {} sec.",
            fmt::secs(dt.as_secs_f64())
        );
        dt
    });

    println!("Doing math on {workers} processors.");
    let t0 = Instant::now();
    let done = do_math_threaded(num, workers);
    let dt = t0.elapsed();
    let sum: f64 = done.iter().map(|w| w.sum).sum();

    match one_thread {
        Some(one) => println!(
            "Done in {} sec. (factor: {}x)",
            fmt::secs(dt.as_secs_f64()),
            // Starting the threads takes some microseconds, so `dt` is never zero; the floor
            // only keeps a division by zero impossible.
            fmt::secs(one.as_secs_f64() / dt.max(Duration::from_nanos(1)).as_secs_f64())
        ),
        None => println!("Done in {} sec.", fmt::secs(dt.as_secs_f64())),
    }
    println!("Sum of the square roots: {}", fmt::thousands(sum as u64));

    if args.timeline.timeline {
        let spans: Vec<Span> = done
            .iter()
            .enumerate()
            .map(|(n, w)| Span::between(format!("thread {}", n + 1), t0, w.started, w.ended))
            .collect();
        timeline::print(&spans, Rows::Workers);
    }
}

/// The course's split of `0..num` into `workers` slices, `num*(n-1)/workers .. num*n/workers`
/// for n = 1..=workers. The slices are contiguous, cover the whole range and differ in length
/// by at most one.
fn slices(num: u64, workers: usize) -> Vec<Range<u64>> {
    let w = workers.max(1) as u128;
    // u128 so that `num * n` cannot overflow for any u64 `num`.
    let at = |n: u128| (num as u128 * n / w) as u64;
    (1..=w).map(|n| at(n - 1)..at(n)).collect()
}

/// What one worker thread hands back when it is joined. (`pub`, like `do_math_threaded`, only
/// so that `benches/compute.rs` can time this very code.)
#[derive(Debug)]
pub struct Worker {
    /// `do_math` over its slice.
    pub sum: f64,
    /// When it began and ended its slice. The clock is read only there, never inside the loop,
    /// so that timing the worker does not slow it down.
    pub started: Instant,
    pub ended: Instant,
}

/// [`do_math`] over `0..num`, one slice per worker thread, all running at once. The workers'
/// sums add up to `do_math(0, num)`.
///
/// Unlike Python's threads, which take turns holding the GIL, these run truly in parallel, one
/// per core. `thread::scope` lets the threads borrow from this function and guarantees they have
/// all finished when it returns, so no `Arc` or `'static` is needed.
pub fn do_math_threaded(num: u64, workers: usize) -> Vec<Worker> {
    thread::scope(|s| {
        // Start every thread first, then join them: joining inside the same loop would wait for
        // each thread before starting the next, and the slices would run one after the other.
        let handles: Vec<_> = slices(num, workers)
            .into_iter()
            .map(|slice| {
                s.spawn(move || {
                    let started = Instant::now();
                    let sum = do_math(slice.start, slice.end);
                    let ended = Instant::now();
                    Worker {
                        sum,
                        started,
                        ended,
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            // A worker can only panic on a bug; re-raising its panic here is the honest report.
            .map(|h| h.join().unwrap_or_else(|p| panic::resume_unwind(p)))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Σ |pos − 1,000,000| for pos in 1..=num, by a plain integer loop: what the slices must sum.
    fn oracle(num: u64) -> u64 {
        (1..=num).map(|pos| pos.abs_diff(1_000_000)).sum()
    }

    #[test]
    fn slices_cover_the_range_exactly_once() {
        assert_eq!(slices(10, 3), vec![0..3, 3..6, 6..10]);
        for (num, workers) in [(0, 1), (1, 4), (10, 3), (30_000_000, 7), (u64::MAX, 5)] {
            let s = slices(num, workers);
            assert_eq!(s.len(), workers);
            assert_eq!(s[0].start, 0);
            assert_eq!(s[workers - 1].end, num);
            for pair in s.windows(2) {
                assert_eq!(pair[0].end, pair[1].start);
                let (a, b) = (pair[0].end - pair[0].start, pair[1].end - pair[1].start);
                assert!(a.abs_diff(b) <= 1, "{s:?}");
            }
        }
    }

    #[test]
    fn threaded_sum_equals_the_single_threaded_sum() {
        for workers in [1, 2, 3, 8, 33] {
            let done = do_math_threaded(1_234_567, workers);
            assert_eq!(done.len(), workers);
            let sum: f64 = done.iter().map(|w| w.sum).sum();
            assert_eq!(sum as u64, oracle(1_234_567), "{workers} workers");
            assert!(done.iter().all(|w| w.started <= w.ended));
        }
    }
}
