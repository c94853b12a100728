//! The course's benchmark trap, measured: the same C loop with its result kept and thrown away.
//!
//! Ports: none (a Rust addition for the trap in the course's final
//! <https://github.com/talkpython/async-techniques-python-course/blob/master/src/11-cython/perf/math_core.pyx>,
//! whose loop discards its square roots)
//!
//! Run: `cargo run -p ch11-native --release --bin discarded_loop`
//!
//! Copy: `cargo add num-format` and what `compute_native`'s header lists (`src/lib.rs` has the loops)
//!
//! Expect: the kept loop takes time; the discarded one none at any size, even 1000× as many
//! positions, because the C compiler deleted a loop whose result nobody used.
//!
//! Python vs Rust: the same trap in both: keep every result observable (return it, print it, or
//! pass it to `std::hint::black_box`), or a speed-up is fiction.

use std::hint::black_box;
use std::time::{Duration, Instant};

use ch11_native::{Range, c_loop_discarded, c_loop_kept};
use clap::Parser;
use num_format::{Locale, ToFormattedString};

/// The same C loop with its result kept and discarded: the compiler deletes the second.
#[derive(Parser, Debug)]
#[command(name = "discarded_loop", version, long_about = None)]
struct Args {
    /// How many positions the kept loop computes (the discarded one also runs 1000x as many)
    #[arg(long, value_name = "N", default_value_t = 3_000_000,
          value_parser = clap::value_parser!(u64).range(0..=10_000_000_000))]
    num: u64,
}

/// Each time is the best of this many runs.
const RUNS: usize = 5;

fn main() {
    course_kit::exit::quiet_broken_pipe();
    let n = Args::parse().num;
    course_kit::warn_if_unoptimized!();
    let big_n = n.saturating_mul(1000);
    // --num is at most 10^10, so even 1000x as many positions are far inside Range's 2^50.
    let range = Range::up_to(n).expect("a valid range");
    let big = Range::up_to(big_n).expect("a valid range");

    let (kept_time, kept_sum) = best_of(|| c_loop_kept(black_box(range)));
    let discarded_time = best_of(|| {
        c_loop_discarded(black_box(range));
        0.0
    })
    .0;
    let big_time = best_of(|| {
        c_loop_discarded(black_box(big));
        0.0
    })
    .0;

    println!("The same C loop (integers, like Cython's), its result kept and unused:");
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
    // Judge by what was measured: with 1000x the work in no more time, there was no loop to run.
    if n > 0 && big_time < kept_time / 10 {
        println!(
            "1000x the positions, no more time: the C compiler deleted the loop whose result \
             nobody used. A speed-up measured on it is fiction; keep results observable."
        );
    } else {
        println!(
            "This time the discarded loop ran (the compiler kept it, or the range is too small \
             to tell); with optimisation a compiler is free to delete it."
        );
    }
}

/// The best (shortest) time of [`RUNS`] runs of `work`, and its result.
fn best_of(mut work: impl FnMut() -> f64) -> (Duration, f64) {
    let mut best = (Duration::MAX, 0.0);
    for _ in 0..RUNS {
        let t0 = Instant::now();
        let result = black_box(work());
        let took = t0.elapsed();
        if took < best.0 {
            best = (took, result);
        }
    }
    best
}
