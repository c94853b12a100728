//! Times every C kernel this CPU has against the plain Rust loop, best of several runs, and
//! checks every sum.
//!
//! Ports: none (a Rust addition: the measurements that `compute_native`, the twin of
//! `src/11-cython/perf/compute_cython.py`, leaves out)
//!
//! Run: `cargo run -p ch11-native --release --bin kernels` (`--timeline` draws the threads)
//! Copy: `cargo add anyhow` and what `compute_native`'s header lists
//!
//! Expect: one line per kernel, widest first: its best time on `--workers` threads, its sum, its
//! factor over the Rust loop's best time, and how the sums compare (bit for bit, identical, or
//! within the rounding bound of another order of additions).
//!
//! Python vs Rust: no JIT to warm up; the best of `--rounds` runs, taken in turns, drops the cold
//! first run and one hiccup of a busy machine alike.

use std::hint::black_box;
use std::process::ExitCode;
use std::thread;
use std::time::{Duration, Instant};

use anyhow::bail;
use ch11_native::{Kernel, Native, Range, do_math, parse_kernel, simd_tolerance};
use clap::Parser;
use clap::builder::TypedValueParser;
use course_kit::cli::{Timeline, Workers};
use course_kit::timeline::{self, Rows, Span};

/// Every C kernel against the Rust loop, best of several runs, every sum checked.
#[derive(Parser, Debug)]
#[command(name = "kernels", version, long_about = None)]
struct Args {
    /// How many positions to compute (the course's Cython version used 3,000,000)
    #[arg(long, value_name = "N", default_value = "3000000",
          value_parser = clap::value_parser!(u64).range(0..=10_000_000_000).try_map(Range::up_to))]
    num: Range,
    #[command(flatten)]
    workers: Workers,
    /// Time only this kernel (auto: the widest this CPU has) instead of every one it can run
    #[arg(long, value_name = "KERNEL", value_parser = parse_kernel)]
    kernel: Option<Native>,
    /// Run every measurement this many times and keep the best
    #[arg(long, value_name = "R", default_value_t = 5,
          value_parser = clap::value_parser!(u32).range(1..=100))]
    rounds: u32,
    #[command(flatten)]
    timeline: Timeline,
}

fn main() -> ExitCode {
    course_kit::exit::quiet_broken_pipe();
    let args = Args::parse();
    course_kit::warn_if_unoptimized!();
    course_kit::exit::report(run(&args))
}

/// The best (shortest) of several timed runs, with that run's result and thread spans.
#[derive(Debug)]
struct Best {
    time: Duration,
    sum: f64,
    /// When the best run began, and when each of its threads began and ended its C call.
    threads: (Instant, Vec<(Instant, Instant)>),
}

impl Best {
    fn new() -> Best {
        Best {
            time: Duration::MAX,
            sum: 0.0,
            threads: (Instant::now(), Vec::new()),
        }
    }

    /// Keeps this run if it is the fastest so far. Every sum goes through `black_box`, so the
    /// work cannot be optimised away.
    fn keep(&mut self, t0: Instant, sum: f64, threads: Vec<(Instant, Instant)>) {
        let time = t0.elapsed();
        if time < self.time {
            *self = Best {
                time,
                sum: black_box(sum),
                threads: (t0, threads),
            };
        }
    }
}

fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let (range, threads) = (args.num, args.workers.get());
    let kernels: Vec<Native> = match args.kernel {
        Some(native) => vec![native],
        None => Kernel::available()
            .into_iter()
            .filter_map(|k| k.native().ok())
            .collect(),
    };
    println!(
        "{} positions on {threads} thread{}, best of {} runs each:",
        course_kit::fmt::thousands(range.iterations()),
        if threads == 1 { "" } else { "s" },
        args.rounds
    );

    // Every contender runs once per round, in turn, so a burst of load from elsewhere hits all
    // of them alike instead of spoiling one's whole measurement.
    let mut rust = Best::new();
    let mut best: Vec<Best> = kernels.iter().map(|_| Best::new()).collect();
    for _ in 0..args.rounds {
        let t0 = Instant::now();
        rust.keep(t0, do_math(black_box(range)), Vec::new());
        for (native, best) in kernels.iter().zip(&mut best) {
            let t0 = Instant::now();
            let (sum, spans) = do_math_threaded(*native, black_box(range), threads);
            best.keep(t0, sum, spans);
        }
    }

    let secs = |d: Duration| d.as_secs_f64();
    println!(
        "{:<28} {:.4} sec, sum = {}",
        "Rust scalar loop, 1 thread:",
        secs(rust.time),
        rust.sum
    );
    let mut wrong = 0;
    for (native, best) in kernels.iter().zip(&best) {
        let label = format!("C {} kernel:", native.kernel().name());
        let factor = secs(rust.time) / secs(best.time).max(1e-9);
        let (verdict, ok) = compare(native.kernel(), range, threads, rust.sum, best.sum);
        println!(
            "{label:<28} {:.4} sec, sum = {}, {factor:.2}x the Rust loop; {verdict}",
            secs(best.time),
            best.sum
        );
        wrong += usize::from(!ok);
    }

    if args.timeline.timeline {
        // The first kernel listed (the widest, or the one chosen): one row per thread, from the
        // start to the end of its one C call, in its best run.
        let (origin, spans) = &best[0].threads;
        let spans: Vec<Span> = (1..)
            .zip(spans)
            .map(|(n, &(start, end))| Span::between(format!("thread {n}"), *origin, start, end))
            .collect();
        println!();
        println!("{} kernel, its best run:", kernels[0].kernel().name());
        timeline::print(&spans, Rows::Workers);
    }
    if wrong > 0 {
        bail!("{wrong} kernel(s) gave a sum beyond the rounding bound");
    }
    Ok(ExitCode::SUCCESS)
}

/// `compute_native`'s threads: one slice per thread, ONE call into C each; the total, and when
/// each thread's C call began and ended (the clock is read only around the call, never inside
/// the loop, so timing cannot slow it down).
fn do_math_threaded(
    native: Native,
    range: Range,
    threads: usize,
) -> (f64, Vec<(Instant, Instant)>) {
    thread::scope(|s| {
        let handles: Vec<_> = range
            .split(threads)
            .into_iter()
            .map(|slice| {
                s.spawn(move || {
                    let started = Instant::now();
                    let sum = native.run(slice);
                    (sum, started, Instant::now())
                })
            })
            .collect();
        // Joined in order, so the total is the same whichever thread finishes first.
        let mut total = 0.0;
        let mut spans = Vec::with_capacity(handles.len());
        for handle in handles {
            let (sum, started, ended) = handle.join().expect("the C kernels never panic");
            total += sum;
            spans.push((started, ended));
        }
        (total, spans)
    })
}

/// How a kernel's sum compares with the Rust loop's, and whether that is right. The scalar kernel
/// on one thread must match to the last bit; SIMD kernels and thread slices add in another order,
/// so they must be within the rounding bound of `simd_tolerance`.
fn compare(kernel: Kernel, range: Range, threads: usize, rust: f64, c: f64) -> (String, bool) {
    let diff = (c - rust).abs();
    if kernel == Kernel::Scalar && threads == 1 {
        let same = c.to_bits() == rust.to_bits();
        let verdict = if same {
            "identical, bit for bit"
        } else {
            "NOT bit for bit"
        };
        return (verdict.to_owned(), same);
    }
    let allowed = simd_tolerance(range, rust);
    if diff == 0.0 {
        // Whole-number terms and partial sums below 2^53 are exact, so any order gives the same.
        ("identical".to_owned(), true)
    } else {
        let verdict = format!("differs by {diff:e} (rounding bound: {allowed:.1e})");
        (verdict, diff <= allowed)
    }
}
