//! Does the course's pointless-but-heavy math on 30,000,000 numbers on one thread, and times it.
//!
//! Ports: <https://github.com/talkpython/async-techniques-python-course/blob/master/src/05-threads/cpu_attempt/compute_it.py>
//!
//! Run: `cargo run -p ch05-threads --release --bin compute_it`
//!
//! Copy: nothing to add, std only
//!
//! Expect: `Done in 0.07 sec.` (AMD EPYC; Python: ~4.7 s) and the sum of the square roots, printed
//! so that the optimiser cannot delete the loop. A debug build is ~2× slower, and says so.
//!
//! Python vs Rust: the loop compiles to a few instructions per number, as fast as C. Rust has no
//! JIT or interpreter to warm up; the course's `do_math(1)` runs 9 numbers, so both time one cold
//! run.

use std::time::Instant;

use clap::Parser;
use course_kit::fmt::thousands;

/// The do_math loop on one thread, timed.
#[derive(Parser, Debug)]
#[command(name = "compute_it", version, long_about = None)]
struct Args {
    /// How many numbers to do the math on
    #[arg(long, value_name = "N", default_value_t = 30_000_000,
          value_parser = clap::value_parser!(u64).range(1..=1_000_000_000))]
    num: u64,
}

fn main() {
    course_kit::exit::quiet_broken_pipe();
    let num = Args::parse().num;
    course_kit::warn_if_unoptimized!();
    do_math(1, 10);

    let t0 = Instant::now();

    let sum = do_math(0, num);

    let dt = t0.elapsed().as_secs_f64();
    println!("Done in {dt:.2} sec.");
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
