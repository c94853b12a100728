//! The same 500,000-action loop on an alternative executor (smol), timed beside tokio.
//!
//! Ports: src/04-asyncio/loops/loops_uv/loop_program_uv.py
//!
//! Run: cargo run -p ch04-asyncio --release --bin loop_program_uv
//!
//! Expect: `Running uvloop-style loop with 500,000 actions.`, then the time on smol's executor next
//! to the time on tokio's. In a release build here: smol ~0.15 s, tokio ~0.09 s (the course's
//! Python: ~2.9 s with asyncio, ~1.6 s with uvloop). So the lesson turns around: tokio's
//! single-threaded scheduler, the standard choice, is the faster one for this ping-pong of
//! three tasks, and smol's executor (built to be shared by many threads, with a concurrent run
//! queue) pays for that generality on every wake.
//!
//! Python vs Rust: uvloop is installed as asyncio's loop policy and the program does not change.
//! Rust has no global loop to replace; instead the executor is whatever drives the future, so the
//! same `loops::workload` runs on smol here and on tokio in `loop_program`. Only the executor
//! lines differ. Which one wins depends on the workload: measure yours rather than assume.

use std::process::ExitCode;
use std::time::Instant;

use ch04_asyncio::loops::{self, Totals};
use clap::Parser;
use course_kit::{ceprintln, cprintln, fmt, style};

/// The 500,000-action loop on smol's executor and on tokio's, side by side.
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
        "Running uvloop-style loop with {} actions.",
        fmt::thousands(args.actions)
    );
    let t0 = Instant::now();

    // The alternative executor: smol's single-threaded LocalExecutor, driven by `block_on`.
    let ex = smol::LocalExecutor::new();
    let totals = smol::block_on(ex.run(loops::workload(args.actions, |task| ex.spawn(task))));
    let smol_dt = t0.elapsed().as_secs_f64();

    // The standard one, exactly as in loop_program, for the side-by-side figure.
    let t1 = Instant::now();
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread().build() else {
        ceprintln!(style::ERROR, "error: could not start the tokio runtime");
        return ExitCode::FAILURE;
    };
    let tokio_totals = runtime.block_on(loops::workload(args.actions, |task| async {
        tokio::spawn(task).await.unwrap_or_default()
    }));
    let tokio_dt = t1.elapsed().as_secs_f64();

    cprintln!(
        style::APP,
        "  smol LocalExecutor:          {smol_dt:.3} sec."
    );
    cprintln!(
        style::APP,
        "  tokio current-thread (std):  {tokio_dt:.3} sec."
    );
    finish(&[totals, tokio_totals], smol_dt)
}

fn finish(runs: &[Totals], dt: f64) -> ExitCode {
    // Three decimals, not the course's two: Rust's times would round to 0.0x.
    cprintln!(style::APP, "App exiting, total time: {dt:.3} sec.");
    if runs.iter().all(Totals::balanced) {
        cprintln!(
            style::GOOD,
            "Processed all {} items on each executor.",
            fmt::thousands(runs[0].processed)
        );
        ExitCode::SUCCESS
    } else {
        ceprintln!(
            style::ERROR,
            "error: produced {runs:?} but did not process them all"
        );
        ExitCode::FAILURE
    }
}
