//! A task that blocks stalls every other task on a one-thread runtime: a heartbeat task measures
//! by how much, and `spawn_blocking` shows the cure. `presync`'s lesson, timed.
//!
//! Ports: nothing; a Rust addition beside `presync` (<https://github.com/talkpython/async-techniques-python-course/blob/master/src/09-built-on-asyncio/the_unsync/presync.py>), which shows the stall without timing it.
//!
//! Run: `cargo run -p ch09-runtimes --bin blocking_stalls`
//!
//! Copy: `cargo add tokio anyhow --features tokio/rt-multi-thread,tokio/macros,tokio/time`
//!
//! Expect: a heartbeat meant to beat every 10 ms misses beats for the whole 0.30 s job when the
//! job blocks the runtime's thread, and hardly any when it runs through `spawn_blocking`.
//!
//! Python vs Rust: the same in both: a blocking call (`requests.get`, a CPU loop, `time.sleep`)
//! inside an `async` function holds the loop's only thread. asyncio's debug mode warns about slow
//! callbacks; tokio leaves the measuring to you, as here.

use std::time::{Duration, Instant};

use clap::Parser;
use course_kit::cli::TimeScale;
use tokio::runtime::Builder;

/// How often the heartbeat wants to run.
const BEAT: Duration = Duration::from_millis(10);

/// Times how long a blocking job stalls the other tasks of a current-thread runtime.
#[derive(Parser, Debug)]
#[command(name = "blocking_stalls", version, long_about = None)]
struct Args {
    #[command(flatten)]
    time: TimeScale,
}

fn main() -> anyhow::Result<()> {
    course_kit::exit::quiet_broken_pipe();
    let args = Args::parse();
    let job = args.time.secs(0.3);

    // asyncio's model: one thread runs every task.
    let rt = Builder::new_current_thread().enable_time().build()?;
    let stalled = rt.block_on(longest_gap_while(job, false));
    let secs = job.as_secs_f64();
    println!("A blocking job of {secs:.2} s, run as a task on the runtime's only thread:");
    println!(
        "  the heartbeat's longest gap was {:.3} s.",
        stalled.as_secs_f64()
    );
    let cured = rt.block_on(longest_gap_while(job, true));
    println!("The same job through spawn_blocking, on a thread of its own:");
    println!(
        "  the heartbeat's longest gap was {:.3} s.",
        cured.as_secs_f64()
    );
    Ok(())
}

/// Runs a heartbeat task while a job blocks for `job`, either as a task (the mistake) or
/// through `spawn_blocking` (the cure), and returns the heartbeat's longest gap between beats.
async fn longest_gap_while(job: Duration, off_the_runtime: bool) -> Duration {
    let heartbeat = tokio::spawn(heartbeat(Instant::now() + job + 10 * BEAT));
    // Let it beat before the job starts.
    tokio::time::sleep(2 * BEAT).await;
    if off_the_runtime {
        let _ = tokio::task::spawn_blocking(move || std::thread::sleep(job)).await;
    } else {
        // `async`, but blocks: like presync's `requests.get`, nothing else runs meanwhile.
        let _ = tokio::spawn(async move { std::thread::sleep(job) }).await;
    }
    heartbeat.await.unwrap_or(Duration::MAX)
}

/// Beats every [`BEAT`] until `until`; returns the longest time between two beats.
async fn heartbeat(until: Instant) -> Duration {
    let (mut last, mut longest) = (Instant::now(), Duration::ZERO);
    while last < until {
        tokio::time::sleep(BEAT).await;
        longest = longest.max(last.elapsed());
        last = Instant::now();
    }
    longest
}
