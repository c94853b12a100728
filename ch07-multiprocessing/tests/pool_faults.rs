//! A test-only program: compute_multiprocessing's own file, with one failing task submitted beside
//! the real ones, so that the lesson's types and flags carry no fault hook.
//!
//! It checks what the program promises when a task fails: a task's panic comes back to the parent
//! as a value (its message), a worker process that dies is reported as such, the other slices
//! still return the course's integers, and no worker process is left behind once the pool is shut
//! down. (The real binary's handling of a crashed worker, end to end, is checked in
//! `compute_multiprocessing.rs` by killing one of its workers from the outside.)
//!
//! No test harness: procspawn's workers are this executable started again, so `main` must call
//! `procspawn::init()` before anything else.

// The program's `main` and flag handling are compiled too, but only its pool pieces are used here.
#[allow(dead_code)]
#[path = "../src/bin/compute_multiprocessing.rs"]
mod program;

use ch07_multiprocessing::slices;
use program::{SliceDone, catch_panic, get, work_on_slice};

/// The course's Python for --num 3,000,000 on 4 workers (CPython 3, embedded).
const SMALL_P4: [i64; 4] = [624999, 104166, 291666, 406250];

/// A task whose code panics, caught the way the real worker catches one.
fn panicking(_: (f64, f64)) -> Result<SliceDone, String> {
    // This worker's panic is expected: keep its report and backtrace out of the test's output.
    std::panic::set_hook(Box::new(|_| {}));
    catch_panic(|| -> SliceDone { panic!("slice 2 was told to fail") })
}

/// A task whose process aborts (like a segfault or the OOM killer): nothing comes back.
fn aborting(_: (f64, f64)) -> Result<SliceDone, String> {
    std::process::abort()
}

fn main() {
    procspawn::init();
    a_panicking_task_comes_back_as_its_message();
    an_aborting_worker_is_reported_and_the_others_still_return();
    println!("pool_faults: 2 checks passed");
}

/// Submits every slice of 3,000,000 steps to a pool of 4, with `faulty` in place of the real
/// worker for slice `at` (1-based); returns each task's `get()` after the pool is shut down.
fn run_with(
    at: usize,
    faulty: fn((f64, f64)) -> Result<SliceDone, String>,
) -> Vec<Result<i64, String>> {
    let pool = procspawn::Pool::new(4).expect("a pool of 4 worker processes");
    let handles: Vec<_> = (1..)
        .zip(slices(3_000_000, 4))
        .map(|(n, slice)| pool.spawn(slice, if n == at { faulty } else { work_on_slice }))
        .collect();
    let results = handles
        .into_iter()
        .map(|h| get(h).map(|done| done.value))
        .collect();
    pool.shutdown();
    let left = live_children();
    assert!(
        left.is_empty(),
        "worker processes {left:?} outlived the pool"
    );
    results
}

fn a_panicking_task_comes_back_as_its_message() {
    let got = run_with(2, panicking);
    assert_eq!(
        got,
        [
            Ok(SMALL_P4[0]),
            Err("it panicked in its worker process: slice 2 was told to fail".to_owned()),
            Ok(SMALL_P4[2]),
            Ok(SMALL_P4[3]),
        ]
    );
}

fn an_aborting_worker_is_reported_and_the_others_still_return() {
    let got = run_with(3, aborting);
    assert_eq!(
        got,
        [
            Ok(SMALL_P4[0]),
            Ok(SMALL_P4[1]),
            Err(
                "its worker process died before returning a result (crashed or was killed)"
                    .to_owned()
            ),
            Ok(SMALL_P4[3]),
        ]
    );
}

/// This process's children that are still alive (not zombies waiting to be reaped), on Linux.
fn live_children() -> Vec<u32> {
    if !cfg!(target_os = "linux") {
        return Vec::new();
    }
    let me = std::process::id().to_string();
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| {
            let e = e.ok()?;
            let pid: u32 = e.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(e.path().join("stat")).ok()?;
            // `pid (comm) state ppid …`: the name may hold spaces, so split after its `)`.
            let mut fields = stat.rsplit_once(')')?.1.split_whitespace();
            let (state, ppid) = (fields.next()?, fields.next()?);
            (ppid == me && state != "Z").then_some(pid)
        })
        .collect()
}
