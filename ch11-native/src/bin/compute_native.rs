//! The course's Cython loop, in C with SIMD square roots, on one Rust thread per worker.
//!
//! Ports: <https://github.com/talkpython/async-techniques-python-course/blob/master/src/11-cython/perf/compute_cython.py>
//! (and `math_core.pyx`, here `c/kernels.c`)
//!
//! Run: `cargo run -p ch11-native --release`
//!
//! Copy: `cargo add clap -F clap/derive` and `cargo add --build cc`; `c/kernels.h`, `c/kernels.c`,
//! the kernels half of `build.rs`, and `src/lib.rs` (the FFI) as your library, named in the `use`
//!
//! Expect: `Doing math on N processors.`, the kernel (`--kernel auto`: the widest this CPU has),
//! the Rust loop's and the C kernel's time and sum, and `Done in … sec. (factor: …x …)`.
//!
//! Python vs Rust: Cython needed `with nogil:` for its C to run on threads in parallel; Rust has
//! no GIL. What carries over: each thread makes ONE call into C for its whole slice.

use std::hint::black_box;
use std::thread;
use std::time::Instant;

use ch11_native::{Kernel, Native, Range, do_math, parse_kernel};
use clap::Parser;
use clap::builder::TypedValueParser;
use course_kit::cli::Workers;

/// The course's loop in C (scalar or SIMD), one thread per worker: Cython's `nogil` in Rust.
#[derive(Parser, Debug)]
#[command(name = "compute_native", version, long_about = None)]
struct Args {
    /// How many positions to compute (the course's Cython version used 3,000,000)
    #[arg(long, value_name = "N", default_value = "3000000",
          value_parser = clap::value_parser!(u64).range(0..=10_000_000_000).try_map(Range::up_to))]
    num: Range,
    #[command(flatten)]
    workers: Workers,
    /// Which C kernel: auto (the widest this CPU has), scalar, portable, sse2, avx2, avx512, neon
    #[arg(long, value_name = "KERNEL", default_value = "auto", value_parser = parse_kernel)]
    kernel: Native,
}

fn main() {
    course_kit::exit::quiet_broken_pipe();
    let args = Args::parse();
    course_kit::warn_if_unoptimized!();
    let (native, range, processor_count) = (args.kernel, args.num, args.workers.get());
    let usable: Vec<&str> = Kernel::available().iter().map(|k| k.name()).collect();

    // The course divides its author's one-thread time by its own; here the factor's baseline is
    // the plain Rust loop on one thread, timed now, on this machine.
    let t0 = Instant::now();
    let rust_sum = do_math(black_box(range));
    let rust_time = t0.elapsed().as_secs_f64();

    println!(
        "Doing math on {} processors.",
        course_kit::fmt::thousands(processor_count)
    );
    println!(
        "Kernel: {} (this CPU can run: {})",
        native.kernel().name(),
        usable.join(", ")
    );
    println!(
        "{:<28} {rust_time:.4} sec, sum = {rust_sum}",
        "Rust scalar loop, 1 thread:"
    );

    let t0 = Instant::now();
    // One slice of the range per thread, and each thread makes ONE call into C for its slice.
    let sum: f64 = thread::scope(|s| {
        let threads: Vec<_> = range
            .split(processor_count)
            .into_iter()
            .map(|slice| s.spawn(move || native.run(slice)))
            .collect();
        // Joined in order, so the total is the same whichever thread finishes first.
        threads
            .into_iter()
            .map(|t| t.join().expect("the C kernels never panic"))
            .sum()
    });
    let dt = t0.elapsed().as_secs_f64();

    let plural = if processor_count == 1 { "" } else { "s" };
    let label = format!(
        "C {} kernel, {processor_count} thread{plural}:",
        native.kernel().name()
    );
    println!("{label:<28} {dt:.4} sec, sum = {}", black_box(sum));
    let factor = rust_time / dt.max(1e-9);
    println!("Done in {dt:.4} sec. (factor: {factor:.2}x over the Rust loop)"); // {:,.4f}, as the course
    if factor < 1.0 {
        println!(
            "(A factor below 1: starting the threads cost more than this work, or the cores were busy.)"
        );
    }
}
