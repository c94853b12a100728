//! Does compute_it's math on 30,000,000 numbers split into one slice per worker thread, all at
//! once, and times it.
//!
//! Ports: src/05-threads/cpu_attempt/compute_threaded.py
//!
//! Run: cargo run -p ch05-threads --bin compute_threaded --release
//!
//! Expect: `Doing math on N processors.`, then the time, shorter than compute_it's by up to the
//! number of cores the machine really has to spare, and the same sum of square roots as
//! compute_it, which shows the slices together did exactly the same work.
//!
//! Python vs Rust: this is where they part ways. Python's threads take turns holding the GIL,
//! so the course's threaded version is no faster than the plain one. Rust has no GIL: each
//! thread runs its slice on its own core at the same time, truly in parallel. (The speed-up is
//! still bounded by the hardware: see `cargo bench -p ch05-threads --bench compute`.)

use std::time::Instant;

use ch05_threads::{do_math_threaded, parse_num};
use clap::Parser;
use course_kit::cli::Workers;
use course_kit::{cprintln, fmt, style};

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
}

fn main() {
    let args = Args::parse();
    let workers = args.workers.get();
    course_kit::warn_if_unoptimized!();

    cprintln!(style::APP, "Doing math on {workers} processors.");
    let t0 = Instant::now();
    let sum = do_math_threaded(args.num, workers);
    let dt = t0.elapsed().as_secs_f64();

    cprintln!(style::APP, "Done in {} sec.", fmt::secs(dt));
    cprintln!(
        style::APP,
        "Sum of the square roots: {}",
        fmt::thousands(sum as u64)
    );
}
