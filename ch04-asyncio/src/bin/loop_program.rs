//! Measures the event loop itself: 500,000 queue actions, every task yielding after each one.
//!
//! Ports: src/04-asyncio/loops/loops_asyncio/loop_program.py
//!
//! Run: cargo run -p ch04-asyncio --release --bin loop_program
//!
//! Expect: `Running standard loop with 500,000 actions.`, the total time, and `Processed all
//! 500,000 items.`: about a tenth of a second in a release build, where the course's asyncio
//! takes ~2.9 s on this machine and uvloop ~1.6 s. `loop_program_uv` runs the same workload on a
//! second executor.
//!
//! Python vs Rust: the loop's bookkeeping is compiled code: a task switch is a function return,
//! a few atomic operations and a queue push, with no interpreter and no objects created per
//! `await`. That is where the ~20× comes from; the program's shape is unchanged. The workload
//! lives in the library (`ch04_asyncio::loops`), so this file only picks the executor.

use std::process::ExitCode;
use std::time::Instant;

use ch04_asyncio::loops::{self, Totals};
use clap::Parser;
use course_kit::{ceprintln, cprintln, fmt, style};

/// Two producers and one consumer passing 500,000 items, yielding after each.
#[derive(Parser, Debug)]
#[command(version, long_about = None)]
struct Args {
    /// How many queue actions (items) in all
    #[arg(long, value_name = "N", default_value_t = loops::ACTIONS,
          value_parser = clap::value_parser!(u64).range(2..=100_000_000))]
    actions: u64,
}

fn main() -> ExitCode {
    let args = Args::parse();
    course_kit::warn_if_unoptimized!();
    cprintln!(
        style::APP,
        "Running standard loop with {} actions.",
        fmt::thousands(args.actions)
    );
    let t0 = Instant::now();

    // The executor: tokio's single-threaded runtime, the closest thing to asyncio's one loop.
    // No I/O or timer driver is enabled: this workload needs neither.
    let runtime = tokio::runtime::Builder::new_current_thread().build();
    let Ok(runtime) = runtime else {
        ceprintln!(style::ERROR, "error: could not start the tokio runtime");
        return ExitCode::FAILURE;
    };
    let totals = runtime.block_on(loops::workload(args.actions, |task| async {
        tokio::spawn(task).await.unwrap_or_default()
    }));

    let dt = t0.elapsed().as_secs_f64();
    finish(totals, dt)
}

fn finish(totals: Totals, dt: f64) -> ExitCode {
    // Three decimals, not the course's two: Rust's times would round to 0.0x.
    cprintln!(style::APP, "App exiting, total time: {dt:.3} sec.");
    if totals.balanced() {
        cprintln!(
            style::GOOD,
            "Processed all {} items.",
            fmt::thousands(totals.processed)
        );
        ExitCode::SUCCESS
    } else {
        ceprintln!(
            style::ERROR,
            "error: produced {totals:?} but did not process them all"
        );
        ExitCode::FAILURE
    }
}
