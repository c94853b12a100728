//! Does the course's 30 million steps of math in a pool of worker processes, one slice each.
//!
//! Ports: `src/07-multiprocessing/cpu_attempt/compute_multiprocessing.py`, and with `--factor`
//! `src/11-cython/perf/compute_multiprocessing.py`
//!
//! Run: `cargo run -p ch07-multiprocessing --release --bin compute_multiprocessing`
//!
//! Copy: `cargo add procspawn serde --features serde/derive`
//!
//! procspawn needs `procspawn::init()` as the very first line of your `main` (a worker is your
//! executable started again, and `init` is where it takes its task instead of running your main),
//! and everything a worker receives or returns must implement serde's `Serialize` and
//! `Deserialize` (hence `serde/derive`). Copy `do_math` and `slices` from this chapter's `lib.rs`
//! too; the worker's `panic_message` and `peak_memory_kb` are a few lines each in this
//! workspace's `course-kit/src/process.rs` (copy them, or drop the memory figure).
//!
//! Expect: `Doing math on N processors.`, the time, `Our results: ` and one integer per slice,
//! exactly the integers the course's Python prints for the same N (2 workers: 6566667 and
//! 10750000). Then what the processes cost: the pool's start-up time, which worker (PID) ran each
//! slice, how long each task waited to be picked up, and each worker's peak memory. Try
//! `--workers 8` for the course's 8-process output; `--factor` first times the same steps on one
//! thread and prints the pool's speed-up over it (`Done in 0.03 sec. (factor: 1.90x)`), as ch11's
//! `perf/` version does, but measured in the same run rather than against a hard-coded time;
//! `--timeline` draws one row per task (here one task per worker process) from its start to its
//! end, as each worker read the wall clock (`SystemTime`: an `Instant` cannot cross processes).
//! See `compute_compare` for processes against threads, rayon and one thread.
//!
//! Python vs Rust: Python needs processes to escape the GIL; Rust threads already run in
//! parallel (see ch05's `compute_threaded`), so in Rust a process pool buys isolation (a worker
//! that crashes takes only itself down), not speed. Like Python's "spawn" start method (the
//! default on macOS and Windows), a worker is a fresh run of this same executable, and everything
//! it receives or returns is serialized. (procspawn runs on Linux and macOS, not Windows.)
//!
//! Why procspawn: it is the closest thing to `multiprocessing.Pool` in Rust: a pool of worker
//! processes, `spawn(args, fn)` like `apply_async`, a handle per task to `join` like `.get()`.
//! Re-executing the binary by hand would mean writing that protocol ourselves. What it costs:
//! each worker is a new process (fork + exec of this binary, the dynamic loader, `main` up to
//! `procspawn::init()`) plus an IPC handshake over a Unix socket; each call serializes its
//! arguments and result. A pool pays the start-up once per worker, not per task; the program
//! measures and prints it. Rust cannot simply `fork()` as Python long did by default on Linux: a
//! forked child gets only the calling thread, so a lock held by another thread stays locked
//! forever in the child.

use std::process::ExitCode;
use std::sync::Once;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anstyle::{AnsiColor, Style};
use anyhow::{Context, bail};
use ch07_multiprocessing::{COURSE_NUM, do_math, slices};
use clap::Parser;
use course_kit::cli::{Timeline, Workers};
use course_kit::fmt;
use course_kit::process::{megabytes, panic_message, peak_memory_kb};
use course_kit::timeline::{self, Rows, Span};
use serde::{Deserialize, Serialize};

/// A task that failed.
const FAILED: Style = AnsiColor::Red.on_default().bold();
/// What the processes cost: this program's addition, not the course's output.
const COST: Style = AnsiColor::Green.on_default();

/// The course's CPU-bound math, one slice per worker process of a pool.
#[derive(Parser, Debug)]
// No bare `about`: it would show the crate's description; clap takes the doc comment above.
#[command(version, long_about = None)]
struct Args {
    #[command(flatten)]
    workers: Workers,
    /// Total steps of math, split into one slice per worker
    #[arg(long, value_name = "N", default_value_t = COURSE_NUM,
          value_parser = clap::value_parser!(u64).range(1..=MAX_NUM))]
    num: u64,
    /// Time the same steps on one thread first, and print the pool's speed-up over it
    #[arg(long)]
    factor: bool,
    #[command(flatten)]
    timeline: Timeline,
}

/// Ten billion steps (minutes of work): beyond that `pos += 1.0` would still be exact, but the
/// program would run for hours, which is a typo rather than a request.
const MAX_NUM: u64 = 10_000_000_000;

fn main() -> ExitCode {
    // First thing, before anything else runs: a worker is this same executable started again,
    // and init() is where it takes its task instead of running our main (it never returns there).
    procspawn::init();
    course_kit::exit::quiet_broken_pipe();
    let args = Args::parse();
    course_kit::warn_if_unoptimized!();
    course_kit::exit::report(run(&args))
}

fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let (workers, num) = (args.workers.get(), args.num);
    // The course calls do_math(1) once before timing; kept so both programs do the same work.
    std::hint::black_box(do_math(1.0, 10.0));

    // The course's perf/ version divides a one-thread time measured once on the author's machine
    // by its own time; here the one-thread time is measured on this machine, in this run.
    let one_thread = args.factor.then(|| {
        let t0 = Instant::now();
        std::hint::black_box(do_math(0.0, num as f64));
        let took = t0.elapsed();
        println!(
            "One thread first, for the factor: {} sec.",
            fmt::secs(took.as_secs_f64())
        );
        took
    });

    let t0 = Instant::now();
    println!("Doing math on {} processors.", fmt::thousands(workers));
    let pool_run = do_math_on_pool(num, workers).context("could not start the worker processes")?;
    let elapsed = t0.elapsed().as_secs_f64();

    match one_thread {
        Some(one) => println!(
            "Done in {} sec. (factor: {}x)",
            fmt::secs(elapsed),
            fmt::secs(one.as_secs_f64() / elapsed)
        ),
        None => println!("Done in {} sec.", fmt::secs(elapsed)),
    }
    println!("Our results: ");
    for (n, result) in (1..).zip(&pool_run.results) {
        match result {
            Ok(done) => println!("{}", done.value),
            Err(why) => anstream::println!("{FAILED}task {n} failed: {why}{FAILED:#}"),
        }
    }

    // Not in the course: what the processes cost. The lines above are the course's output.
    let startup_ms = pool_run.startup.as_secs_f64() * 1e3;
    println!();
    anstream::println!(
        "{COST}Pool start-up: {workers} worker processes ready in {startup_ms:.1} ms \
         ({:.1} ms each), parent PID {}.{COST:#}",
        startup_ms / workers as f64,
        std::process::id()
    );
    let bounds = slices(num, workers);
    for ((n, (start, end)), result) in (1..).zip(&bounds).zip(&pool_run.results) {
        if let Ok(done) = result {
            let waited = since(pool_run.submitted, done.started).as_secs_f64() * 1e3;
            println!(
                "  task {n:>2}: steps {} .. {} in PID {}, picked up after {waited:.1} ms, \
                 computed in {} sec, peak memory {}",
                bound(*start),
                bound(*end),
                done.pid,
                fmt::secs(since(done.started, done.finished).as_secs_f64()),
                megabytes(done.peak_memory_kb)
            );
        }
    }
    let peak = pool_run
        .results
        .iter()
        .filter_map(|r| r.as_ref().ok()?.peak_memory_kb)
        .max();
    anstream::println!(
        "{COST}Largest worker peak memory (VmHWM): {}.{COST:#}",
        megabytes(peak)
    );

    if args.timeline.timeline {
        // The workers are other processes, so an `Instant` (this process's clock) cannot cross
        // over; `SystemTime` since the Unix epoch is the wall clock every process on the machine
        // reads alike.
        println!();
        println!(
            "Timeline: one row per task (one task per worker process), from its start to its end:"
        );
        let spans: Vec<Span> = (1..)
            .zip(&pool_run.results)
            .filter_map(|(n, result)| {
                let done = result.as_ref().ok()?;
                Some(Span {
                    label: format!("task {n}, PID {}", done.pid),
                    start: since(UNIX_EPOCH, done.started),
                    end: since(UNIX_EPOCH, done.finished),
                })
            })
            .collect();
        timeline::print(&spans, Rows::Workers);
    }

    let failed = pool_run.results.iter().filter(|r| r.is_err()).count();
    if failed > 0 {
        bail!(
            "{failed} of {} tasks failed; the other results are above",
            pool_run.results.len()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// What the pool did: each task's outcome in the order submitted, and what the pool cost.
#[derive(Debug)]
struct PoolRun {
    /// From asking for the pool to every worker process being ready.
    startup: Duration,
    /// When the tasks were submitted (the wall clock, which the workers' clocks can be compared to).
    submitted: SystemTime,
    /// Each slice's result, or why it failed.
    results: Vec<Result<SliceDone, String>>,
}

/// The course's pool from start to end: one worker process per slice; submit every slice; get
/// every result; shut the pool down.
fn do_math_on_pool(num: u64, workers: usize) -> Result<PoolRun, procspawn::SpawnError> {
    // multiprocessing.Pool(). `new` returns once every worker process has started and connected
    // back, so timing it measures the whole price of having processes: exec, loading, handshake.
    let t0 = Instant::now();
    let pool = procspawn::Pool::new(workers)?;
    let startup = t0.elapsed();

    // apply_async(do_math, (start, end)) for each slice: the arguments are serialized and sent to
    // whichever worker is free, and each call returns a handle at once. Only a plain `fn` can be
    // sent, not a closure that captures: the worker cannot see this process's variables.
    let submitted = SystemTime::now();
    let handles: Vec<_> = slices(num, workers)
        .into_iter()
        .map(|slice| pool.spawn(slice, work_on_slice))
        .collect();

    // Python calls close() and join() and then each task's get(). procspawn hands each result
    // over a channel that waits for its reader, so here we get every result first, in submission
    // order; one failed task does not stop the others from coming back.
    let results = handles.into_iter().map(get).collect();
    // close() + join(): waits until the pool is idle, then kills and reaps every worker process.
    pool.shutdown();
    Ok(PoolRun {
        startup,
        submitted,
        results,
    })
}

/// What a worker sends back for one slice: the course's value, and what it cost. It crosses a
/// process boundary, so it is plain serialized data.
///
/// (`pub`, like [`work_on_slice`], [`catch_panic`] and [`get`], so that the test-only program
/// `tests/pool_faults.rs` can submit a failing task beside the real ones.)
#[derive(Debug, Serialize, Deserialize)]
pub struct SliceDone {
    /// `do_math`'s result: the course's "Our results" line for this slice.
    pub value: i64,
    /// The worker's process id: not the parent's, which is the whole point.
    pub pid: u32,
    /// The wall clock when the worker began the slice and when it finished it.
    pub started: SystemTime,
    pub finished: SystemTime,
    /// The worker's peak resident memory (VmHWM) in kB, where the OS reports it.
    pub peak_memory_kb: Option<u64>,
}

/// What each worker process runs for one slice: the course's `do_math(start, end)`.
///
/// It reads the clock only at its start and its end, never inside the loop, so timing the
/// workers does not change what they do.
pub fn work_on_slice((start, end): (f64, f64)) -> Result<SliceDone, String> {
    exit_when_parent_dies();
    let started = SystemTime::now();
    let value = catch_panic(|| do_math(start, end))?;
    let finished = SystemTime::now();
    Ok(SliceDone {
        value,
        pid: std::process::id(),
        started,
        finished,
        peak_memory_kb: peak_memory_kb(),
    })
}

/// Runs a task in the worker and turns a panic into its message, as Python's pool catches a
/// task's exception in the worker and raises it again in the parent's `.get()`: the parent learns
/// why, and the worker lives on to take the next task. (Left uncaught, procspawn's pool kills and
/// replaces the worker, and the message can be lost in that race.)
pub fn catch_panic<T>(task: impl FnOnce() -> T + std::panic::UnwindSafe) -> Result<T, String> {
    std::panic::catch_unwind(task).map_err(|payload| panic_message(&*payload))
}

/// Python's `.get()`: waits for one task and gives its result, or one line saying why it failed:
/// the task panicked (its worker caught it), or the worker process itself died.
pub fn get(handle: procspawn::JoinHandle<Result<SliceDone, String>>) -> Result<SliceDone, String> {
    match handle.join() {
        Ok(Ok(done)) => Ok(done),
        Ok(Err(panic)) => Err(format!("it panicked in its worker process: {panic}")),
        // No result at all: the process ended without unwinding (a signal, abort(), the OOM
        // killer). procspawn does not pass on the exit status, only that the channel closed.
        Err(err) if err.is_remote_close() => {
            Err("its worker process died before returning a result (crashed or was killed)".into())
        }
        Err(err) => Err(format!("its worker process failed: {err}")),
    }
}

/// Makes this worker process end itself soon after its parent dies.
///
/// A pool kills its workers when it shuts down, and an idle worker exits when its channel to
/// the parent closes; but a worker in the middle of a long slice would keep computing after its
/// parent was killed (`kill -9`), an orphan until the slice is done. So each worker checks its
/// parent's PID every 100 ms: when the parent dies the worker is re-parented (to init or a
/// sub-reaper), the PID changes, and the worker exits. Linux's `prctl(PR_SET_PDEATHSIG)` would do
/// it without a thread, but needs `unsafe`; this works on every Unix with safe code.
fn exit_when_parent_dies() {
    static WATCHING: Once = Once::new();
    #[cfg(unix)]
    WATCHING.call_once(|| {
        let parent = std::os::unix::process::parent_id();
        std::thread::spawn(move || {
            loop {
                std::thread::sleep(Duration::from_millis(100));
                if std::os::unix::process::parent_id() != parent {
                    std::process::exit(1);
                }
            }
        });
    });
}

/// The time from `earlier` to `later` on the wall clock (zero if the clock stepped back).
fn since(earlier: SystemTime, later: SystemTime) -> Duration {
    later.duration_since(earlier).unwrap_or_default()
}

/// A slice bound as the learner thinks of it: `15,000,000`, or `4285714.286` when uneven.
fn bound(x: f64) -> String {
    if x.fract() == 0.0 {
        fmt::thousands(x as u64)
    } else {
        format!("{x:.3}")
    }
}
