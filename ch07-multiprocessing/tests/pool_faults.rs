//! A test-only program: a pool like compute_multiprocessing's, with one failing task submitted
//! beside the real ones, so that the lesson carries no fault hook.
//!
//! It checks what the program's header promises: a task whose worker process panics or aborts
//! fails alone (its `join` is an error), the other slices still return the course's integers, and
//! no worker process is left behind once the pool is shut down. (The real binary's report of a
//! crashed worker, end to end, is checked in `compute_multiprocessing.rs` by killing one of its
//! workers from the outside.)
//!
//! No test harness: procspawn's workers are this executable started again, so `main` must call
//! `procspawn::init()` before anything else.

use ch07_multiprocessing::{do_math, slices};

/// The course's Python for --num 3,000,000 on 4 workers (CPython 3, embedded).
const SMALL_P4: [i64; 4] = [624999, 104166, 291666, 406250];

/// The real task: compute_multiprocessing's `do_math` over one slice.
fn real((start, end): (f64, f64)) -> i64 {
    do_math(start, end)
}

/// A task whose code panics: a pool worker does not catch it, so its process ends.
fn panicking(_: (f64, f64)) -> i64 {
    // This worker's panic is expected: keep its report and backtrace out of the test's output.
    std::panic::set_hook(Box::new(|_| {}));
    panic!("slice 2 was told to fail")
}

/// A task whose process aborts (like a segfault or the OOM killer): nothing comes back.
fn aborting(_: (f64, f64)) -> i64 {
    std::process::abort()
}

fn main() {
    procspawn::init();
    a_panicking_task_fails_alone();
    an_aborting_worker_fails_alone();
    println!("pool_faults: 2 checks passed");
}

/// Submits every slice of 3,000,000 steps to a pool of 4, with `faulty` in place of the real
/// task for slice `at` (1-based); returns whether each task's `join` succeeded, and its value.
fn run_with(at: usize, faulty: fn((f64, f64)) -> i64) -> Vec<Option<i64>> {
    let pool = procspawn::Pool::new(4).expect("a pool of 4 worker processes");
    let handles: Vec<_> = (1..)
        .zip(slices(3_000_000, 4))
        .map(|(n, slice)| pool.spawn(slice, if n == at { faulty } else { real }))
        .collect();
    let results = handles.into_iter().map(|h| h.join().ok()).collect();
    pool.shutdown();
    let left = live_children();
    assert!(
        left.is_empty(),
        "worker processes {left:?} outlived the pool"
    );
    results
}

fn a_panicking_task_fails_alone() {
    let got = run_with(2, panicking);
    assert_eq!(
        got,
        [
            Some(SMALL_P4[0]),
            None,
            Some(SMALL_P4[2]),
            Some(SMALL_P4[3])
        ]
    );
}

fn an_aborting_worker_fails_alone() {
    let got = run_with(3, aborting);
    assert_eq!(
        got,
        [
            Some(SMALL_P4[0]),
            Some(SMALL_P4[1]),
            None,
            Some(SMALL_P4[3])
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
