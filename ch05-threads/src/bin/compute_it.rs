//! Does the course's pointless-but-heavy math on 30,000,000 numbers on one thread, and times it.
//!
//! Ports: `src/05-threads/cpu_attempt/compute_it.py` (and `src/11-cython/perf/compute_it.py`,
//! which runs the same loop on `--num 3000000`)
//!
//! Run: `cargo run -p ch05-threads --release --bin compute_it`
//!
//! Copy: nothing to add, std only (`do_math` is in this chapter's `src/lib.rs`, shared with
//! `compute_threaded` and the benchmark so that all three time the same loop)
//!
//! Expect: `Done in 0.05 sec.` to `0.08 sec.` on an idle 2-vCPU machine (Python takes ~4.7 s there) and
//! the sum of the square roots, printed so that the optimiser cannot delete the loop. One core is
//! busy; the others idle. `compute_threaded` splits the same work across all of them.
//!
//! Python vs Rust: the loop compiles to a handful of machine instructions per number, as fast as
//! the same loop in C at `-O2` and some 90× faster than Python's (`cargo bench -p ch05-threads
//! --bench compute` measures both), but only in a release build: a debug build checks every
//! arithmetic step for overflow and is many times slower (the program warns you). Python also
//! runs the function once first to warm it up; compiled code has nothing to warm up.

use std::time::Instant;

use ch05_threads::{do_math, parse_num};
use clap::Parser;
use course_kit::fmt;

/// The do_math loop on one thread, timed.
#[derive(Parser, Debug)]
#[command(version, long_about = None)]
struct Args {
    /// How many numbers to do the math on
    #[arg(long, value_name = "N", default_value_t = 30_000_000, value_parser = parse_num,
          allow_negative_numbers = true)]
    num: u64,
}

fn main() {
    course_kit::exit::quiet_broken_pipe();
    let args = Args::parse();
    course_kit::warn_if_unoptimized!();

    let t0 = Instant::now();
    let sum = do_math(0, args.num);
    let dt = t0.elapsed().as_secs_f64();

    println!("Done in {} sec.", fmt::secs(dt));
    println!("Sum of the square roots: {}", fmt::thousands(sum as u64));
}
