//! Chapter 5 of the course: threads. The lesson code that more than one binary of this chapter
//! uses lives here, so each program and the benchmark run exactly the same loop.
//!
//! - [`do_math`] and [`do_math_threaded`]: the course's CPU-bound loop, on one thread and split
//!   into one slice per worker thread (`compute_it`, `compute_threaded`, `benches/compute.rs`).
//! - [`StopSignal`]: how `threaded_prod` tells its worker threads to stop, so that they end
//!   promptly on their own instead of being killed with the process.

use std::ops::Range;
use std::sync::{Condvar, Mutex, PoisonError};
use std::time::Duration;

/// The course's `do_math(start, num)`: for every `pos` in `start+1 ..= num`, the square root of
/// `(pos - 1,000,000)²`. Returns the sum of those roots.
///
/// Python throws each root away. Rust must not: an optimising compiler deletes a loop whose
/// result nobody uses, and the "benchmark" would then time nothing. Summing the roots and
/// printing the sum keeps the work honest (and gives the tests an exact value to check).
///
/// Every root is a whole number and every partial sum stays below 2⁵³ for `num` up to about
/// 130 million, so the sum is exact and does not depend on how the range is split or in which
/// order the slices are added.
///
/// ```
/// // pos = 999_999, 1_000_000, 1_000_001 → roots 1, 0, 1
/// assert_eq!(ch05_threads::do_math(999_998, 1_000_001), 2.0);
/// assert_eq!(ch05_threads::do_math(5, 5), 0.0); // an empty slice
/// ```
pub fn do_math(start: u64, num: u64) -> f64 {
    let mut sum = 0.0;
    // Python's `while pos < num: pos += 1`. (Not `start + 1..=num`: an inclusive range needs
    // an extra check per step that keeps the compiler from unrolling the loop.)
    for pos in start..num {
        let pos = pos + 1;
        // Integers first, like Python's ints; the conversion to f64 is where `math.sqrt` converts.
        let d = pos as i64 - 1_000_000;
        sum += ((d * d) as f64).sqrt();
    }
    sum
}

/// The largest `--num` the compute programs accept: `(num − 1,000,000)²` must fit in an `i64`.
pub const MAX_NUM: u64 = 1_000_000_000;

/// The value parser for `--num`: a whole number from 1 to [`MAX_NUM`]; `_` and `,` may group
/// digits (`30_000_000`, `30,000,000`). Errors become clap's one-line message and exit code 2.
///
/// ```
/// use ch05_threads::parse_num;
/// assert_eq!(parse_num("30,000,000"), Ok(30_000_000));
/// assert!(parse_num("-5").is_err() && parse_num("0").is_err() && parse_num("lots").is_err());
/// ```
pub fn parse_num(s: &str) -> Result<u64, String> {
    let digits: String = s.chars().filter(|c| !matches!(c, '_' | ',')).collect();
    match digits.parse::<u64>() {
        Ok(n) if (1..=MAX_NUM).contains(&n) => Ok(n),
        _ => Err(format!(
            "must be a whole number from 1 to {}",
            course_kit::fmt::thousands(MAX_NUM)
        )),
    }
}

/// The course's split of `0..num` into `workers` slices, `num*(n-1)/workers .. num*n/workers`
/// for n = 1..=workers. The slices are contiguous, cover the whole range and differ in length
/// by at most one.
///
/// ```
/// assert_eq!(ch05_threads::slices(10, 3), vec![0..3, 3..6, 6..10]);
/// ```
pub fn slices(num: u64, workers: usize) -> Vec<Range<u64>> {
    let w = workers.max(1) as u128;
    // u128 so that `num * n` cannot overflow for any u64 `num`.
    let at = |n: u128| (num as u128 * n / w) as u64;
    (1..=w).map(|n| at(n - 1)..at(n)).collect()
}

/// [`do_math`] over `0..num`, one slice per worker thread, all running at once. Returns the
/// same sum as `do_math(0, num)`.
///
/// Unlike Python's threads, which take turns holding the GIL, these run truly in parallel, one
/// per core. `std::thread::scope` lets the threads borrow from this function and guarantees
/// they have all finished when it returns, so no `Arc` or `'static` is needed.
///
/// ```
/// use ch05_threads::{do_math, do_math_threaded};
/// assert_eq!(do_math_threaded(100_000, 4), do_math(0, 100_000));
/// ```
pub fn do_math_threaded(num: u64, workers: usize) -> f64 {
    std::thread::scope(|s| {
        let handles: Vec<_> = slices(num, workers)
            .into_iter()
            .map(|r| s.spawn(move || do_math(r.start, r.end)))
            .collect();
        handles
            .into_iter()
            // A worker can only panic on a bug; re-raising its panic here is the honest report.
            .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .sum()
    })
}

/// A "please stop" message for worker threads, with a sleep that it interrupts.
///
/// Python's `threaded_prod` cannot stop its threads: it marks them `daemon` and they die when
/// the process ends, wherever they were. Rust has no way to kill a thread either (and killing
/// one that holds a lock would leave the lock held forever). The safe way is to *ask*: workers
/// check [`is_requested`](Self::is_requested) at the top of each loop and sleep with
/// [`sleep`](Self::sleep), which returns at once when a stop is requested.
///
/// Why a `Condvar` and not an `AtomicBool` polled in a loop of short sleeps: a condition
/// variable wakes the sleeper the moment [`request`](Self::request) is called, with no polling
/// interval to choose and no CPU spent checking a flag that has not changed.
///
/// ```
/// use std::time::{Duration, Instant};
/// let stop = std::sync::Arc::new(ch05_threads::StopSignal::new());
/// let worker = {
///     let stop = stop.clone();
///     std::thread::spawn(move || stop.sleep(Duration::from_secs(60)))
/// };
/// let t0 = Instant::now();
/// stop.request();
/// assert!(!worker.join().unwrap(), "the sleep was cut short");
/// assert!(t0.elapsed() < Duration::from_secs(5));
/// ```
#[derive(Debug, Default)]
pub struct StopSignal {
    stopped: Mutex<bool>,
    wake: Condvar,
}

impl StopSignal {
    /// A signal that has not been given yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks every worker to stop, and wakes those sleeping in [`sleep`](Self::sleep).
    pub fn request(&self) {
        *self.lock() = true;
        self.wake.notify_all();
    }

    /// True once [`request`](Self::request) has been called.
    pub fn is_requested(&self) -> bool {
        *self.lock()
    }

    /// Sleeps for `d`, or less if a stop is requested meanwhile. Returns true if the whole
    /// time was slept, false if the sleep was cut short (or a stop was already requested).
    pub fn sleep(&self, d: Duration) -> bool {
        let stopped = self.lock();
        // `wait_timeout_while` re-checks the condition after every wake-up, so a spurious
        // wake-up cannot end the sleep early.
        let (stopped, _) = self
            .wake
            .wait_timeout_while(stopped, d, |stopped| !*stopped)
            .unwrap_or_else(PoisonError::into_inner);
        !*stopped
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, bool> {
        // A bool cannot be left half-written by a thread that panicked while holding the lock,
        // so a poisoned lock is still perfectly usable here.
        self.stopped.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::time::Instant;

    /// Σ |pos − 1,000,000| for pos in start+1..=num, by whole-number arithmetic: the oracle.
    fn oracle(start: u64, num: u64) -> u128 {
        let tri = |n: u128| n * (n + 1) / 2; // 0 + 1 + … + n
        let m = 1_000_000u128;
        let below = |x: u128| {
            // Σ |p − m| for p in 1..=x
            if x <= m {
                tri(m - 1) - tri(m - 1 - x)
            } else {
                tri(m - 1) + tri(x - m)
            }
        };
        below(num as u128) - below(start as u128)
    }

    #[test]
    fn do_math_matches_the_closed_form() {
        for (start, num) in [
            (0, 1),
            (0, 10),
            (0, 2_500_000),
            (999_990, 1_000_010),
            (7, 7),
        ] {
            assert_eq!(
                do_math(start, num) as u128,
                oracle(start, num),
                "{start}..{num}"
            );
        }
    }

    #[test]
    fn slices_cover_the_range_exactly_once() {
        for (num, workers) in [(0, 1), (1, 4), (10, 3), (30_000_000, 7), (u64::MAX, 5)] {
            let s = slices(num, workers);
            assert_eq!(s.len(), workers);
            assert_eq!(s[0].start, 0);
            assert_eq!(s[workers - 1].end, num);
            for pair in s.windows(2) {
                assert_eq!(pair[0].end, pair[1].start);
                let (a, b) = (pair[0].end - pair[0].start, pair[1].end - pair[1].start);
                assert!(a.abs_diff(b) <= 1, "{s:?}");
            }
        }
    }

    #[test]
    fn threaded_sum_equals_the_single_threaded_sum() {
        for workers in [1, 2, 3, 8, 33] {
            assert_eq!(
                do_math_threaded(1_234_567, workers) as u128,
                oracle(0, 1_234_567)
            );
        }
    }

    #[test]
    fn stop_signal_sleeps_the_full_time_when_not_stopped() {
        let stop = StopSignal::new();
        let t0 = Instant::now();
        assert!(stop.sleep(Duration::from_millis(30)));
        assert!(t0.elapsed() >= Duration::from_millis(30));
        assert!(!stop.is_requested());
    }

    #[test]
    fn stop_signal_wakes_every_sleeper() {
        let stop = Arc::new(StopSignal::new());
        let sleepers: Vec<_> = (0..4)
            .map(|_| {
                let stop = Arc::clone(&stop);
                std::thread::spawn(move || stop.sleep(Duration::from_secs(600)))
            })
            .collect();
        std::thread::sleep(Duration::from_millis(20));
        stop.request();
        for s in sleepers {
            assert!(!s.join().unwrap());
        }
        // Once requested, a sleep returns at once.
        assert!(!stop.sleep(Duration::from_secs(600)));
    }
}
