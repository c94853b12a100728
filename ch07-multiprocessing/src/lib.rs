//! Chapter 7 of the course: multiprocessing.
//!
//! The lessons are whole in the programs' files; this library holds what the Rust additions, the
//! tests and the bench share:
//!
//! - [`do_math`]: the course's CPU-bound loop, with the course's exact floating-point arithmetic,
//!   so that the integers a Rust worker returns are the integers Python prints.
//! - [`slices`]: how the 30,000,000 steps are cut into one slice per worker, with Python's
//!   (fractional) bounds.
//!
//! - [`exit_with_parent`]: what keeps a worker process from outliving a killed parent.
//!
//! The programs:
//! - `compute_multiprocessing`: the course's program, a pool of worker processes (procspawn),
//!   one slice each, with its own copy of the course's `do_math`; `--factor` adds the speed-up
//!   over one thread (ch11's `perf/` version).
//! - `compute_compare`: the same work on one thread, threads, processes and rayon, measured against
//!   what this machine can really do in parallel.
//! - `process_costs`: what each worker process of a new pool costs; `--timeline` draws the threads
//!   and the worker processes.
//! - `shared_state`: processes do not share memory; threads do; between processes, send results back.
//!
//! The chapter's `compute_it.py` and `compute_threaded.py` are the ch05 programs:
//! `cargo run -p ch05-threads --release --bin compute_it`.

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

/// Every slice's `(start, end)`, slice 1 first: the arguments of the course's
/// `apply_async(do_math, (start, end))` calls, one per worker.
pub fn slices(total: u64, parts: usize) -> Vec<(f64, f64)> {
    (1..=parts).map(|n| slice_bounds(total, n, parts)).collect()
}

/// Makes a worker process end itself soon after its parent dies: `compute_multiprocessing` runs
/// it in each worker, through `procspawn::ProcConfig::config_callback`.
///
/// A pool kills its workers when it shuts down, and an idle worker exits when its channel to the
/// parent closes; but a worker in the middle of a long slice would keep computing after its
/// parent was killed (`kill -9`), an orphan until the slice is done. So a thread checks the
/// parent's PID every 100 ms: when the parent dies the worker is re-parented (to init or a
/// sub-reaper), the PID changes, and the worker exits. Linux's `prctl(PR_SET_PDEATHSIG)` would do
/// it without a thread, but needs `unsafe`; this works on every Unix with safe code.
pub fn exit_with_parent() {
    #[cfg(unix)]
    {
        let parent = std::os::unix::process::parent_id();
        std::thread::spawn(move || {
            loop {
                std::thread::sleep(std::time::Duration::from_millis(100));
                if std::os::unix::process::parent_id() != parent {
                    std::process::exit(1);
                }
            }
        });
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
            .map(|&(start, end)| do_math(start, end))
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
            assert_eq!(pair[0].1, pair[1].0);
        }
        assert_eq!((s[0].0, s[6].1), (0.0, 30e6));
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
            .map(|&(start, end)| do_math(start.round(), end.round()))
            .collect();
        assert_ne!(rounded, SMALL_P7);
    }
}
