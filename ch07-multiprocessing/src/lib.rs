//! Chapter 7 of the course: multiprocessing.
//!
//! The lesson code that the chapter's binaries share:
//!
//! - [`do_math`]: the course's CPU-bound loop, with the course's exact floating-point arithmetic,
//!   so that the integers a Rust worker returns are the integers Python prints.
//! - [`slices`]: how the 30,000,000 steps are cut into one slice per worker.
//! - [`SliceTask`], [`SliceReport`], [`work_on_slice`] and [`join_task`]: what the parent sends
//!   to a worker process, what comes back, the function the worker runs, and how the parent
//!   waits for it. They cross a process boundary, so they are plain serde data (a process pool
//!   cannot share memory with the parent or borrow from it).
//! - [`peak_memory_kb`]: a process's own peak resident memory, so each worker can report it.
//! - [`exit_when_parent_dies`]: no worker process outlives its parent, even after `kill -9`.
//!
//! The programs: `compute_multiprocessing` (the course's program: a pool of worker processes) and
//! `compute_compare` (the same work on one thread, threads, processes and rayon, measured against
//! what this machine can really do in parallel). The chapter's `compute_it.py` and
//! `compute_threaded.py` are the ch05 programs: `cargo run -p ch05-threads --release --bin compute_it`.

use std::any::Any;
use std::sync::Once;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// The course's total amount of work: 30 million steps.
pub const COURSE_NUM: u64 = 30_000_000;

/// The course's `do_math(start, num)`: walks `pos` from `start` up to `num` in steps of 1.0 and
/// averages `sqrt((pos - 1,000,000)²)`, dividing each term by `num` (the slice's END, not its
/// length: that is what the course does, and the oracle values depend on it). Returns the
/// average truncated to an integer, as Python's `int()` does.
///
/// The order of operations is the course's, on the same IEEE-754 doubles, so the result is
/// bit-for-bit Python's: `pos` is incremented *before* each term, and each term is divided
/// before it is added (summing first and dividing once would round differently). The square
/// root of the square stays too: it gives back exactly `|pos - 1,000,000|`, but it is the
/// expensive step whose cost the lesson measures. Rust does not fuse `a * b + c` into an FMA or
/// reorder float arithmetic unless asked, so the optimiser cannot change any result either.
///
/// ```
/// use ch07_multiprocessing::do_math;
/// // The course's two-process run: slices 0..15M and 15M..30M.
/// assert_eq!(do_math(0.0, 15e6), 6_566_667);
/// assert_eq!(do_math(15e6, 30e6), 10_750_000);
/// ```
pub fn do_math(start: f64, num: f64) -> i64 {
    const K_SQ: f64 = 1_000.0 * 1_000.0;
    let mut pos = start;
    let mut ave = 0.0_f64;
    while pos < num {
        pos += 1.0;
        let val = ((pos - K_SQ) * (pos - K_SQ)).sqrt();
        ave += val / num;
    }
    // `as` truncates toward zero, like Python's int(); `ave` is never negative here.
    ave as i64
}

/// The `(start, end)` of slice `n` (1-based) of `parts`: `total*(n-1)/parts .. total*n/parts`.
///
/// Python computes `30_000_000 * (n - 1) / cpus` with true division, so the bounds are floats
/// and fractional when `parts` does not divide the total (7 workers: 4285714.2857…). The integer
/// product is exact in an `f64` (it stays below 2⁵³) and IEEE division rounds correctly, exactly
/// like Python's `int / int`, so the bounds are the same doubles.
pub fn slice_bounds(total: u64, n: usize, parts: usize) -> (f64, f64) {
    assert!(
        (1..=parts).contains(&n),
        "slice {n} is not one of 1..={parts}"
    );
    let at = |k: usize| (total as f64 * k as f64) / parts as f64;
    (at(n - 1), at(n))
}

/// One task per slice, numbered from 1 as the course's loop is.
pub fn slices(total: u64, parts: usize) -> Vec<SliceTask> {
    (1..=parts)
        .map(|n| {
            let (start, end) = slice_bounds(total, n, parts);
            SliceTask {
                index: n,
                start,
                end,
                fault: None,
            }
        })
        .collect()
}

/// What the parent sends to a worker process: the slice, by value (serialized, not shared).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SliceTask {
    /// 1-based slice number, to report which task did what.
    pub index: usize,
    /// Where `pos` starts (exclusive: the first term uses `start + 1`).
    pub start: f64,
    /// The slice's end, which is also the divisor of every term.
    pub end: f64,
    /// A fault to inject in the worker, for the tests' hidden flags; `None` in real runs.
    pub fault: Option<Fault>,
}

/// A deliberate failure, so the tests can check what the parent does when a worker fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Fault {
    /// The worker panics: procspawn sends the panic message back to the parent.
    Panic,
    /// The worker process aborts (like a segfault or the OOM killer): nothing comes back.
    Abort,
}

/// What a worker sends back: the course's return value plus what it cost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SliceReport {
    /// 1-based slice number.
    pub index: usize,
    /// `do_math`'s result: the course's "Our results" line for this slice.
    pub value: i64,
    /// The worker's process id: different from the parent's, which is the whole point.
    pub pid: u32,
    /// Wall-clock time the worker began this task (microseconds since the Unix epoch), so the
    /// parent can tell how long the task waited to be picked up.
    pub started_unix_us: u64,
    /// Seconds the worker spent in `do_math`.
    pub compute_secs: f64,
    /// The worker's peak resident memory (VmHWM) in kB, where the OS reports it.
    pub peak_memory_kb: Option<u64>,
}

/// What a worker sends back for one task: its report, or the message of the panic that ended it.
pub type TaskOutcome = Result<SliceReport, String>;

/// The function each worker process runs for one slice.
///
/// procspawn sends a plain `fn` pointer (not a closure): the worker is another process running
/// the same executable, so it can call the same function, but it cannot see the parent's
/// variables. Everything it needs arrives in `task`, everything the parent learns is returned.
///
/// A panic in the task is caught here and returned as a value, as Python's pool catches a task's
/// exception in the worker and raises it again in the parent's `.get()`: the parent learns why,
/// and the worker process lives on to take the next task. (Left uncaught, procspawn's pool would
/// kill and replace the worker, and the message could be lost in that race.) A crash that does not
/// unwind, such as `abort()` or a signal, still kills the worker: see [`join_task`].
pub fn work_on_slice(task: SliceTask) -> TaskOutcome {
    exit_when_parent_dies();
    std::panic::catch_unwind(|| compute_slice(task)).map_err(|payload| panic_message(&*payload))
}

fn compute_slice(task: SliceTask) -> SliceReport {
    let started_unix_us = unix_micros(SystemTime::now());
    match task.fault {
        Some(Fault::Panic) => panic!(
            "slice {} was told to fail (--fail-slice {})",
            task.index, task.index
        ),
        // abort() ends the process at once: no unwinding, no message back, like a real crash.
        Some(Fault::Abort) => std::process::abort(),
        None => {}
    }
    let t0 = Instant::now();
    let value = do_math(task.start, task.end);
    SliceReport {
        index: task.index,
        value,
        pid: std::process::id(),
        started_unix_us,
        compute_secs: t0.elapsed().as_secs_f64(),
        peak_memory_kb: peak_memory_kb(),
    }
}

/// Makes this worker process end itself soon after its parent dies.
///
/// A pool kills its workers when it shuts down, and an idle worker exits when its IPC channel
/// closes; but a worker in the middle of a long slice would keep computing after its parent was
/// killed (`kill -9`), an orphan until the slice is done. So each worker checks its parent's PID
/// every 100 ms: when the parent dies the worker is re-parented (to init or a sub-reaper), the
/// PID changes, and the worker exits. Linux's `prctl(PR_SET_PDEATHSIG)` would do it without a
/// thread, but needs `unsafe`; this works on every Unix with safe code.
pub fn exit_when_parent_dies() {
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

/// Microseconds since the Unix epoch (0 if the clock is before 1970).
pub fn unix_micros(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
}

/// This process's peak resident set size in kB (`VmHWM` in `/proc/self/status`); `None` where
/// the OS has no such file (macOS) or it cannot be read.
pub fn peak_memory_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}

/// `2345` kB → `"2.3 MB"`; `None` → `"n/a"`.
pub fn megabytes(kb: Option<u64>) -> String {
    kb.map_or_else(
        || "n/a".to_string(),
        |kb| format!("{:.1} MB", kb as f64 / 1024.0),
    )
}

/// The text of a panic (`panic!("...")` carries a `&str` or a `String`).
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_string())
}

/// Waits for one task, like Python's `.get()`: its report, or one line saying why it failed —
/// the task panicked (the worker caught it), or the worker process itself died.
pub fn join_task(handle: procspawn::JoinHandle<TaskOutcome>) -> Result<SliceReport, String> {
    match handle.join() {
        Ok(Ok(report)) => Ok(report),
        Ok(Err(panic)) => Err(format!("it panicked in its worker process: {panic}")),
        Err(err) => Err(describe_failure(&err)),
    }
}

/// One line saying why a task's worker failed, from procspawn's error.
pub fn describe_failure(err: &procspawn::SpawnError) -> String {
    if let Some(panic) = err.panic_info() {
        match panic.location() {
            Some(at) => format!(
                "its worker process panicked at {}:{}: {}",
                at.file(),
                at.line(),
                panic.message()
            ),
            None => format!("its worker process panicked: {}", panic.message()),
        }
    } else if err.is_remote_close() {
        // No panic message means the process ended without unwinding: a signal, abort(), the
        // OOM killer. procspawn does not pass on the exit status, only that the channel closed.
        "its worker process died before returning a result (crashed or was killed)".to_string()
    } else {
        format!("{err}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Oracle values printed by the course's Python (its `do_math` and slice bounds, run with
    // CPython 3 on this machine for a total of 1,000 and 3,000,000 steps). Python is not needed
    // to run these tests: the values are embedded.
    const TINY_P3: [i64; 3] = [1001832, 500749, 333721];
    const TINY_P7: [i64; 7] = [1000927, 500392, 333547, 250124, 200071, 166702, 142867];
    const SMALL_P7: [i64; 7] = [785714, 178571, 39682, 125000, 185714, 226190, 255102];

    fn run_serially(total: u64, parts: usize) -> Vec<i64> {
        slices(total, parts)
            .iter()
            .map(|t| do_math(t.start, t.end))
            .collect()
    }

    #[test]
    fn bounds_are_pythons_true_division() {
        assert_eq!(slice_bounds(30_000_000, 1, 2), (0.0, 15e6));
        assert_eq!(slice_bounds(30_000_000, 8, 8), (26_250_000.0, 30e6));
        let (start, end) = slice_bounds(30_000_000, 2, 7);
        // Python: 30_000_000 * 1 / 7 == 4285714.285714285, 30_000_000 * 2 / 7 == 8571428.57142857
        assert_eq!(start, 4_285_714.285_714_285);
        assert_eq!(end, 8_571_428.571_428_57);
        assert!(start.fract() != 0.0, "uneven splits keep fractional bounds");
        // Every slice starts where the previous one ended: no step lost or done twice.
        let s = slices(30_000_000, 7);
        for pair in s.windows(2) {
            assert_eq!(pair[0].end, pair[1].start);
        }
        assert_eq!((s[0].start, s[6].end), (0.0, 30e6));
    }

    #[test]
    fn matches_pythons_integers_for_uneven_splits() {
        assert_eq!(run_serially(1000, 3), TINY_P3);
        assert_eq!(run_serially(1000, 7), TINY_P7);
        assert_eq!(run_serially(3_000_000, 7), SMALL_P7);
    }

    #[test]
    fn whole_number_bounds_would_give_other_integers() {
        // Why the bounds stay fractional: rounding them, as an integer port might, changes the
        // answers the course prints for 7 workers.
        let rounded: Vec<i64> = slices(3_000_000, 7)
            .iter()
            .map(|t| do_math(t.start.round(), t.end.round()))
            .collect();
        assert_ne!(rounded, SMALL_P7);
    }

    #[test]
    fn peak_memory_is_read_on_linux() {
        if cfg!(target_os = "linux") {
            let kb = peak_memory_kb().expect("VmHWM in /proc/self/status");
            assert!(kb > 100, "{kb} kB");
        }
        assert_eq!(megabytes(Some(2048)), "2.0 MB");
        assert_eq!(megabytes(None), "n/a");
    }
}
