//! Runs a group of tasks with `JoinSet`, the analogue of Python's `asyncio.TaskGroup` and
//! `gather`: all results collected, and when one task fails, the others cancelled.
//!
//! Ports: no course file; the seed notes on task groups replacing manual tracking and gather.
//!
//! Run: cargo run -p ch04-asyncio --bin task_group
//!
//! Expect: part 1 starts five jobs of different lengths, reports each as it finishes (shortest
//! first), then prints the results in job order, after about the longest job (~1 s), not the sum.
//! Part 2 starts the same jobs but job 3 fails early: the group stops waiting, cancels the jobs
//! still running (each says so as it is dropped) and reports the error.
//!
//! Python vs Rust: a `TaskGroup` cancels its siblings and raises an `ExceptionGroup` when a task
//! fails. A `JoinSet` is a plain collection of tasks: you decide what a failure means
//! (here: `abort_all`), and dropping the set aborts whatever is still in it, so no task can
//! outlive the group by accident. Cancelling a Rust task drops its future at its current
//! `.await`, which runs its destructors: that is where the "cancelled" lines come from.

use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Result, bail};
use clap::Parser;
use course_kit::cli::TimeScale;
use course_kit::{ceprintln, cprintln, style};
use tokio::task::JoinSet;

/// A task group with JoinSet: gather, then fail-fast cancellation.
#[derive(Parser, Debug)]
#[command(version, long_about = None)]
struct Args {
    #[command(flatten)]
    time: TimeScale,
}

/// Job n sleeps LENGTHS[n-1] seconds (times --time-scale) and returns n².
const LENGTHS: [f64; 5] = [0.8, 0.4, 1.0, 0.2, 0.6];

/// Prints a line when the job's future is dropped before it finished: that is cancellation.
struct CancelNotice {
    job: usize,
    finished: bool,
}

impl Drop for CancelNotice {
    fn drop(&mut self) {
        if !self.finished {
            cprintln!(style::WARN, "  job {} cancelled", self.job);
        }
    }
}

async fn job(n: usize, fail: bool, time: TimeScale) -> Result<(usize, u64)> {
    let mut notice = CancelNotice {
        job: n,
        finished: false,
    };
    if fail {
        tokio::time::sleep(time.secs(0.1)).await;
        notice.finished = true;
        bail!("job {n} failed on purpose");
    }
    tokio::time::sleep(time.secs(LENGTHS[n - 1])).await;
    notice.finished = true;
    let value = (n * n) as u64;
    cprintln!(style::CONSUMER, "  job {n} done -> {value}");
    Ok((n, value))
}

/// Runs every job in one JoinSet; returns the results in job order, or the first error.
async fn run_group(fail: Option<usize>, time: TimeScale) -> Result<Vec<u64>> {
    let mut group = JoinSet::new();
    for n in 1..=LENGTHS.len() {
        group.spawn(job(n, Some(n) == fail, time));
    }
    let mut results = vec![0; LENGTHS.len()];
    // join_next gives tasks back in the order they finish, not the order they were spawned.
    while let Some(joined) = group.join_next().await {
        match joined {
            Ok(Ok((n, value))) => results[n - 1] = value,
            Ok(Err(err)) => {
                cprintln!(
                    style::ERROR,
                    "  {err}: cancelling the {} still running",
                    group.len()
                );
                // Ask every remaining task to stop, then wait until they have (like TaskGroup).
                group.abort_all();
                while group.join_next().await.is_some() {}
                return Err(err);
            }
            Err(join_error) => bail!("a job panicked: {join_error}"),
        }
    }
    Ok(results)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args = Args::parse();

    let t0 = Instant::now();
    let total: f64 = LENGTHS.iter().sum();
    cprintln!(
        style::APP,
        "1. A group of {} jobs, all succeed:",
        LENGTHS.len()
    );
    match run_group(None, args.time).await {
        Ok(results) => cprintln!(
            style::APP,
            "   results in job order (like gather): {results:?}, after {:.2} sec (sum of the jobs: {:.2} sec)",
            t0.elapsed().as_secs_f64(),
            total * args.time.time_scale
        ),
        Err(err) => {
            ceprintln!(style::ERROR, "error: {err}");
            return ExitCode::FAILURE;
        }
    }

    cprintln!(style::APP, "2. The same group, but job 3 fails:");
    match run_group(Some(3), args.time).await {
        Ok(results) => {
            ceprintln!(style::ERROR, "error: expected a failure, got {results:?}");
            ExitCode::FAILURE
        }
        Err(err) => {
            cprintln!(style::APP, "   the group ended with: {err}");
            ExitCode::SUCCESS
        }
    }
}
