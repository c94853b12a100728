//! The course's list of asyncio's pain points, each one run to show how Rust's runtimes answer it.
//!
//! Ports: the "why more libraries" lecture of <https://github.com/talkpython/async-techniques-python-course/tree/master/src/09-built-on-asyncio>
//! (unsync's and trio's motivation), as six numbered demonstrations.
//!
//! Run: `cargo run -p ch09-runtimes --bin why_runtimes [-- --point 4]`
//!
//! Copy: `cargo add tokio futures anstream anstyle anyhow --features tokio/rt-multi-thread,tokio/macros,tokio/time,tokio/sync`
//!
//! Expect: six short sections (sync↔async, `Send`, awaiting a thread, cancellation, task-locals,
//! testing), each naming the asyncio problem and printing what the Rust answer did; about 1 s.
//!
//! Python vs Rust: most of asyncio's pain comes from one implicit, thread-bound loop. A Rust runtime
//! is a value you build and hand around, futures that cross threads must be `Send` (checked when
//! compiling), and cancelling a future is dropping it.

use std::cell::Cell;
use std::process::ExitCode;
use std::rc::Rc;
use std::time::Duration;

use anstyle::{AnsiColor, Style};
use clap::Parser;
use course_kit::cli::TimeScale;
use tokio::runtime::{Builder, Handle, Runtime};
use tokio::sync::oneshot;

/// Each Rust answer (the course has no such lines; green, like its other good news).
const ANSWER: Style = AnsiColor::Green.on_default();

/// `--time-scale`, as the demonstrations use it: course seconds to a scaled `Duration`.
#[derive(Debug, Clone, Copy)]
struct Pace(f64);

impl Pace {
    fn secs(self, secs: f64) -> Duration {
        Duration::from_secs_f64(secs * self.0)
    }
}

/// Six of asyncio's pain points, and how Rust's async runtimes answer each.
#[derive(Parser, Debug)]
#[command(name = "why_runtimes", version, long_about = None)]
struct Args {
    #[command(flatten)]
    time: TimeScale,
    /// Show only this point (1–6) instead of all six
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(1..=6))]
    point: Option<u8>,
}

/// One demonstration: runs and prints its answer.
type Demo = fn(Pace) -> anyhow::Result<()>;

fn main() -> ExitCode {
    course_kit::exit::quiet_broken_pipe();
    course_kit::exit::report(run())
}

fn run() -> anyhow::Result<ExitCode> {
    let args = Args::parse();
    let points: [(&str, Demo); 6] = [
        ("Running async code from sync code is awkward", from_sync),
        ("asyncio futures are not thread-safe", thread_safe),
        (
            "A thread's result cannot be awaited, and result() blocks",
            await_a_thread,
        ),
        ("Cancellation and timeouts are complicated", cancellation),
        ("Thread-local storage does not work for tasks", task_local),
        ("Testing concurrent code is hard", testing),
    ];
    for (i, (problem, show)) in points.into_iter().enumerate() {
        let n = i as u8 + 1;
        if args.point.is_some_and(|p| p != n) {
            continue;
        }
        println!("{n}. asyncio: {problem}.");
        show(Pace(args.time.time_scale))?;
        println!();
    }
    Ok(ExitCode::SUCCESS)
}

fn say(text: &str) {
    anstream::println!("{ANSWER}   Rust: {text}{ANSWER:#}");
}

/// A continuation line of the answer.
fn more(text: &str) {
    anstream::println!("{ANSWER}         {text}{ANSWER:#}");
}

async fn answer(time: Pace) -> u32 {
    tokio::time::sleep(time.secs(0.05)).await;
    42
}

/// Point 1: A runtime is a value: build one and `block_on` it, or hand its `Handle` to any thread.
fn from_sync(time: Pace) -> anyhow::Result<()> {
    let runtime = Runtime::new()?;
    let got = runtime.block_on(answer(time));
    say(&format!(
        "Runtime::block_on(answer()) from plain main returned {got}."
    ));

    let handle = runtime.handle().clone();
    let got = std::thread::spawn(move || handle.block_on(answer(time)))
        .join()
        .map_err(|_| anyhow::anyhow!("the thread panicked"))?;
    say(&format!(
        "Handle::block_on from a plain std thread returned {got}."
    ));

    // A runtime-free future needs no runtime at all; a tokio timer needs tokio's, and says so.
    let got = futures::executor::block_on(async { 6 * 7 });
    say(&format!(
        "futures::executor::block_on ran a runtime-free future: {got}; outside any runtime, \
         Handle::try_current() says: \"{}\".",
        Handle::try_current().map_or_else(|e| e.to_string(), |_| "a runtime".into())
    ));
    Ok(())
}

/// Point 2: `Send` is checked when compiling; handles are thread-safe; `!Send` work has `LocalSet`.
fn thread_safe(time: Pace) -> anyhow::Result<()> {
    let runtime = Runtime::new()?;
    let task = runtime.spawn(answer(time));
    // The JoinHandle goes to another thread and is awaited there by a *different* executor.
    let got = std::thread::spawn(move || futures::executor::block_on(task))
        .join()
        .map_err(|_| anyhow::anyhow!("the thread panicked"))??;
    say(&format!(
        "a tokio task's JoinHandle, awaited on another thread by futures' executor, gave {got}."
    ));
    say(
        "tokio::spawn of a future that holds an Rc across .await does not compile (E0277, see the compile_fail example in ch09_runtimes' docs).",
    );

    // A future that is not Send can still run: on one thread, in a LocalSet.
    let local = tokio::task::LocalSet::new();
    let got = local.block_on(&runtime, async move {
        let shared = Rc::new(Cell::new(0));
        let inner = Rc::clone(&shared);
        tokio::task::spawn_local(async move {
            tokio::time::sleep(time.secs(0.01)).await;
            inner.set(7);
        })
        .await
        .map(|()| shared.get())
    })?;
    say(&format!(
        "spawn_local ran a !Send task (holding an Rc) on a LocalSet; it set the value to {got}."
    ));
    Ok(())
}

/// Point 3: Awaiting work on a thread: `spawn_blocking`, or any thread plus a oneshot channel; and the
/// synchronous side can wait without a runtime (`blocking_recv`).
fn await_a_thread(time: Pace) -> anyhow::Result<()> {
    let runtime = Runtime::new()?;
    let sum = runtime.block_on(async {
        tokio::task::spawn_blocking(|| (1..=1_000_000u64).sum::<u64>()).await
    })?;
    say(&format!("spawn_blocking(sum 1..=1,000,000).await = {sum}."));

    let (tx, rx) = oneshot::channel();
    std::thread::spawn(move || {
        std::thread::sleep(time.secs(0.05));
        let _ = tx.send("done on a std thread");
    });
    let got = runtime.block_on(rx)?;
    say(&format!(
        "a std thread's oneshot answer, awaited by a task: \"{got}\"."
    ));

    let (tx, rx) = oneshot::channel();
    runtime.spawn(async move {
        let _ = tx.send(answer(time).await);
    });
    let got = rx.blocking_recv()?;
    say(&format!(
        "a task's answer, collected from sync code with blocking_recv() (like .result()): {got}."
    ));
    Ok(())
}

/// Prints when it is dropped: shows a future being cancelled at its `.await`.
struct Guard(&'static str);

impl Drop for Guard {
    fn drop(&mut self) {
        say(&format!(
            "{} (its Drop ran: cleanup happens on cancel).",
            self.0
        ));
    }
}

/// Point 4: Timeouts wrap any future; `select!` races; dropping a future cancels it; tasks abort.
fn cancellation(time: Pace) -> anyhow::Result<()> {
    let runtime = Runtime::new()?;
    runtime.block_on(async {
        let slow = tokio::time::sleep(time.secs(10.0));
        match tokio::time::timeout(time.secs(0.1), slow).await {
            Ok(()) => say("the timeout did not fire?"),
            Err(elapsed) => say(&format!(
                "timeout(0.1 s, a 10 s sleep) returned Err({elapsed}): the sleep was dropped."
            )),
        }

        tokio::select! {
            got = answer(time) => say(&format!("select!: the answer ({got}) won the race against a 1 s deadline.")),
            () = tokio::time::sleep(time.secs(1.0)) => say("select!: the deadline won?"),
        }

        let doomed = async {
            let _guard = Guard("a future dropped while waiting was cancelled");
            tokio::time::sleep(time.secs(10.0)).await;
        };
        // Poll it until it waits, then let the timeout drop it.
        let _ = tokio::time::timeout(time.secs(0.02), doomed).await;

        let task = tokio::spawn(async {
            let _guard = Guard("an aborted task was cancelled at its .await");
            tokio::time::sleep(Duration::from_secs(3600)).await;
        });
        tokio::time::sleep(time.secs(0.02)).await;
        task.abort();
        match task.await {
            Err(e) if e.is_cancelled() => say("JoinHandle::abort(): awaiting the task says it was cancelled."),
            other => say(&format!("abort: unexpected {other:?}")),
        }
    });
    Ok(())
}

tokio::task_local! {
    static REQUEST_ID: u32;
}

thread_local! {
    static THREAD_REQUEST_ID: Cell<u32> = const { Cell::new(0) };
}

/// Point 5: Two tasks interleave on ONE thread: a thread-local is shared (and clobbered), a
/// `task_local!` value belongs to its task.
fn task_local(time: Pace) -> anyhow::Result<()> {
    let runtime = Builder::new_current_thread().enable_all().build()?;
    let seen = runtime.block_on(async {
        let handler = |id: u32| async move {
            THREAD_REQUEST_ID.with(|c| c.set(id));
            // Both tasks reach this await before either continues: they interleave.
            tokio::time::sleep(time.secs(0.02)).await;
            let thread_seen = THREAD_REQUEST_ID.with(Cell::get);
            let task_seen = REQUEST_ID.get();
            (id, thread_seen, task_seen)
        };
        let a = tokio::spawn(REQUEST_ID.scope(1, handler(1)));
        let b = tokio::spawn(REQUEST_ID.scope(2, handler(2)));
        (a.await, b.await)
    });
    for (id, thread_seen, task_seen) in [seen.0?, seen.1?] {
        say(&format!(
            "request {id}: thread_local! says {thread_seen}, task_local! says {task_seen}."
        ));
    }
    more("(a thread-local is shared by every task on the thread; a task-local follows its task)");
    Ok(())
}

/// Point 6: tokio's test clock: time can be paused and advanced, so timeouts are tested instantly.
fn testing(_time: Pace) -> anyhow::Result<()> {
    say("#[tokio::test(start_paused = true)] freezes tokio's clock; when every task waits, it");
    more("jumps to the next timer. A 5 s deadline or a 1 h timeout is tested in microseconds,");
    more(
        "deterministically: see tests/paused_time.rs (cargo test -p ch09-runtimes --test paused_time).",
    );
    more("It needs tokio's `test-util` feature, enabled only as a dev-dependency.");
    Ok(())
}
