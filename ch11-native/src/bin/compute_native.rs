//! The course's math loop in C, with SIMD square roots, on one Rust thread per worker.
//!
//! Ports: `src/11-cython/perf/compute_cython.py` (and `math_core.pyx`)
//!
//! Run: `cargo run -p ch11-native --release`
//!
//! Copy: `cargo add anstream anstyle anyhow num-format` and `cargo add --build cc`, then copy
//! `c/kernels.h`, `c/kernels.c`, the `kernels.c` half of this crate's `build.rs`, and `src/lib.rs`
//! (the kernels' FFI: `Native`, `Range`, `do_math`) as your library, whose name goes in the
//! `use ch11_native::…` line
//!
//! Expect: `Doing math on N processors.`, which C kernel runs (`--kernel auto` picks the widest
//! the CPU has: AVX-512, AVX2, SSE2, NEON, else portable C), the time of the plain Rust loop on
//! one thread and of the C kernel on all threads, both sums, and `Done in … sec. (factor: …x)`:
//! the speed-up over the Rust loop timed in this same run (best of 5 each), not over a number from
//! someone's laptop. Do not expect 8x from 8 lanes: the CPU's square-root unit sets the pace
//! (`cargo bench -p ch11-native` measures that limit and how far each kernel gets to it). Threads
//! add what the machine's cores can give (little on a 2-vCPU VM).
//! `--timeline` then draws one row per thread, from the start to the end of its one C call.
//! `--discard` adds the course's mistake: the same C loop with its result thrown away takes no time
//! at any size, because the C compiler deleted it. The course's first Cython figures (2000–5600×)
//! partly timed such a deleted loop (the final `math_core.pyx` still discards its square roots);
//! this program keeps every result (it returns the sum and prints it), and so should any
//! benchmark you write.
//!
//! Python vs Rust: Cython needed `with nogil:` before threads could run its C code in parallel.
//! Rust has no GIL: a thread calling C is just a thread. What carries over is the real lesson:
//! stay in native code. Each thread makes ONE call into C that loops over its millions of
//! positions. One call per position would add a function call to every square root and rule
//! out SIMD (and from Python, each crossing costs far more than the square root itself).

use std::hint::black_box;
use std::process::ExitCode;
use std::thread;
use std::time::{Duration, Instant};

use anstyle::{AnsiColor, Style};
use anyhow::Context;
use ch11_native::{Kernel, MAX_ABS, Native, Range, do_math, simd_tolerance};
use clap::Parser;
use course_kit::cli::{Timeline, Workers};
use course_kit::timeline::{self, Rows, Span};
use num_format::{Locale, ToFormattedString};

/// The run's result line.
const GOOD: Style = AnsiColor::Green.on_default();
/// The course's mistake, and what it means.
const WARN: Style = AnsiColor::Yellow.on_default().bold();

/// The course's loop in C (scalar or SIMD), one thread per worker: Cython's `nogil` in Rust.
#[derive(Parser, Debug)]
// No bare `about`: it would show the crate's description; clap takes the doc comment above.
#[command(version, long_about = None)]
struct Args {
    /// How many positions to compute (the course's Cython version used 3,000,000)
    #[arg(long, value_name = "N", default_value_t = 3_000_000,
          value_parser = clap::value_parser!(u64).range(0..=MAX_ABS as u64))]
    num: u64,
    #[command(flatten)]
    workers: Workers,
    /// Which C kernel: auto (the widest this CPU has), scalar, portable, sse2, avx2, avx512, neon
    #[arg(long, value_name = "KERNEL", default_value = "auto", value_parser = parse_kernel)]
    kernel: Choice,
    /// Also time the course's mistake: the C loop with its result discarded
    #[arg(long)]
    discard: bool,
    #[command(flatten)]
    timeline: Timeline,
}

/// The kernel to run, and whether `auto` chose it.
#[derive(Debug, Clone, Copy)]
struct Choice {
    native: Native,
    auto: bool,
}

/// `--kernel`: a kernel this machine cannot run is a bad flag (exit 2), refused before any C runs.
fn parse_kernel(s: &str) -> Result<Choice, String> {
    if s == "auto" {
        return Ok(Choice {
            native: Native::best(),
            auto: true,
        });
    }
    let kernel = Kernel::from_name(s).ok_or_else(|| {
        let names: Vec<&str> = Kernel::ALL.iter().map(|k| k.name()).collect();
        format!("no kernel `{s}` (choose auto, {})", names.join(", "))
    })?;
    let native = kernel.native().map_err(|e| e.to_string())?;
    Ok(Choice {
        native,
        auto: false,
    })
}

/// Each measurement is the best of this many runs, so one hiccup of a busy machine does not
/// decide the factor.
const RUNS: usize = 5;

fn main() -> ExitCode {
    course_kit::exit::quiet_broken_pipe();
    let args = Args::parse();
    course_kit::warn_if_unoptimized!();
    course_kit::exit::report(run(&args))
}

fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let range = Range::up_to(args.num).context("bad --num")?;
    let threads = args.workers.get();
    let native = args.kernel.native;

    // Warm-up, as the course does with do_math(1): page in the code, wake the CPU up.
    black_box(native.run(Range::up_to(1)?));

    println!(
        "Doing math on {} processors.",
        course_kit::fmt::thousands(threads)
    );
    if args.kernel.auto {
        let usable: Vec<&str> = Kernel::available().iter().map(|k| k.name()).collect();
        println!(
            "Kernel: {} (auto picked the widest this CPU can run; it can run: {})",
            native.kernel().name(),
            usable.join(", ")
        );
    } else {
        println!("Kernel: {}", native.kernel().name());
    }

    // The baseline, measured now on this machine: the plain Rust loop on one thread. The two
    // take turns, so a burst of load from elsewhere hits both alike; each keeps its best time,
    // and the C run keeps the workers' start and end times of its best run for --timeline.
    let mut rust = Best::new();
    let mut c = Best::new();
    let mut best_workers = (Instant::now(), Vec::new());
    for _ in 0..RUNS {
        rust.time(|| do_math(black_box(range)));
        let t0 = Instant::now();
        let (sum, workers) = do_math_threaded(native, black_box(range), threads);
        if c.record(t0.elapsed(), black_box(sum)) {
            best_workers = (t0, workers);
        }
    }
    let (rust_time, rust_sum) = (rust.time, rust.result);
    let (c_time, c_sum) = (c.time, c.result);
    println!(
        "{:<28} {:.4} sec, sum = {rust_sum}",
        "Rust scalar loop, 1 thread:",
        rust_time.as_secs_f64()
    );
    let label = format!(
        "C {} kernel, {threads} thread{}:",
        native.kernel().name(),
        if threads == 1 { "" } else { "s" }
    );
    println!("{label:<28} {:.4} sec, sum = {c_sum}", c_time.as_secs_f64());
    check_sums(native.kernel(), range, threads, rust_sum, c_sum)?;

    // The course printed {:,.2f} seconds; 3 million positions take milliseconds now, so 4 places.
    anstream::println!(
        "{GOOD}Done in {:.4} sec. (factor: {:.2}x over the Rust loop timed above){GOOD:#}",
        c_time.as_secs_f64(),
        rust_time.as_secs_f64() / c_time.as_secs_f64().max(1e-9)
    );

    if args.discard {
        discard_lesson(range)?;
    }

    if args.timeline.timeline {
        let (origin, workers) = &best_workers;
        let spans: Vec<Span> = workers
            .iter()
            .enumerate()
            .map(|(i, &(start, end))| {
                Span::between(format!("thread {}", i + 1), *origin, start, end)
            })
            .collect();
        println!();
        timeline::print(&spans, Rows::Workers);
    }
    Ok(ExitCode::SUCCESS)
}

/// The course's `compute_cython.py`: cut the range into one slice per thread, and let each thread
/// make ONE call into C for its whole slice. Returns the total, and when each thread's C call
/// began and ended (the clock is read only around the call, never inside the loop, so timing
/// cannot slow it down).
fn do_math_threaded(
    native: Native,
    range: Range,
    threads: usize,
) -> (f64, Vec<(Instant, Instant)>) {
    let slices = range.split(threads);
    thread::scope(|s| {
        let handles: Vec<_> = slices
            .iter()
            .map(|&slice| {
                s.spawn(move || {
                    let started = Instant::now();
                    let sum = native.run(slice); // the one call into C
                    (sum, started, Instant::now())
                })
            })
            .collect();
        // Joined in order, so the total is the same whichever thread finishes first.
        let mut total = 0.0;
        let mut times = Vec::with_capacity(handles.len());
        for handle in handles {
            let (sum, started, ended) = handle.join().expect("a kernel thread panicked");
            total += sum;
            times.push((started, ended));
        }
        (total, times)
    })
}

/// The best (shortest) of several timed runs, and the result of the last. Every result goes
/// through `black_box` and is kept, so the work cannot be optimised away.
#[derive(Debug)]
struct Best {
    time: Duration,
    result: f64,
}

impl Best {
    fn new() -> Best {
        Best {
            time: Duration::MAX,
            result: 0.0,
        }
    }

    /// Keeps `result`; returns whether `time` is the best so far.
    fn record(&mut self, time: Duration, result: f64) -> bool {
        self.result = result;
        let better = time < self.time;
        self.time = self.time.min(time);
        better
    }

    fn time(&mut self, work: impl FnOnce() -> f64) {
        let t0 = Instant::now();
        let result = black_box(work());
        self.record(t0.elapsed(), result);
    }
}

fn best_of(runs: usize, mut work: impl FnMut() -> f64) -> (Duration, f64) {
    let mut best = Best::new();
    for _ in 0..runs {
        best.time(&mut work);
    }
    (best.time, best.result)
}

/// The scalar kernel on one thread must match Rust to the last bit. SIMD kernels and thread slices
/// add in another order, so they must be within the rounding bound of `simd_tolerance`.
fn check_sums(
    kernel: Kernel,
    range: Range,
    threads: usize,
    rust_sum: f64,
    c_sum: f64,
) -> anyhow::Result<()> {
    let exact = kernel == Kernel::Scalar && threads == 1;
    let allowed = if exact {
        0.0
    } else {
        simd_tolerance(range, rust_sum)
    };
    let diff = (c_sum - rust_sum).abs();
    if diff > allowed {
        anyhow::bail!("the C sum differs from the Rust sum by {diff:e} (allowed: {allowed:e})");
    }
    if exact {
        println!("Sums are identical, bit for bit.");
    } else if diff == 0.0 {
        // Whole-number terms and partial sums below 2^53 are exact, so any order gives the same.
        println!("Sums are identical.");
    } else {
        println!(
            "Sums differ by {diff:e} (rounding bound for a different order of additions: {allowed:.1e})."
        );
    }
    Ok(())
}

/// The course's mistake, measured: the same C loop with and without its result used.
fn discard_lesson(range: Range) -> anyhow::Result<()> {
    let n = range.iterations();
    let big_n = n.saturating_mul(1000).min(MAX_ABS as u64);
    let big = Range::up_to(big_n)?;
    let (kept_time, kept_sum) = best_of(RUNS, || ch11_native::c_loop_kept(black_box(range)));
    let discarded_time = best_of(RUNS, || {
        ch11_native::c_loop_discarded(black_box(range));
        0.0
    })
    .0;
    let big_time = best_of(RUNS, || {
        ch11_native::c_loop_discarded(black_box(big));
        0.0
    })
    .0;
    anstream::println!(
        "{WARN}The course's mistake: the same C loop (integers, like Cython's) with its result unused.{WARN:#}"
    );
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let (n_text, big_text) = (
        n.to_formatted_string(&Locale::en),
        big_n.to_formatted_string(&Locale::en),
    );
    println!(
        "  result kept:      {n_text:>17} positions in {:9.4} ms (sum = {kept_sum})",
        ms(kept_time)
    );
    println!(
        "  result discarded: {n_text:>17} positions in {:9.4} ms",
        ms(discarded_time)
    );
    println!(
        "  result discarded: {big_text:>17} positions in {:9.4} ms",
        ms(big_time)
    );
    // Judge by what was measured: with 1000× the work in no more time, there was no loop to run.
    if n > 0 && big_time < kept_time / 10 {
        anstream::println!(
            "{WARN}1000x the positions, no more time: the C compiler deleted the loop whose result \
             nobody used. A speed-up measured on it is fiction; keep results observable.{WARN:#}"
        );
    } else {
        println!(
            "This time the discarded loop ran (the compiler kept it, or the range is too small \
             to tell); with optimisation a compiler is free to delete it."
        );
    }
    Ok(())
}
