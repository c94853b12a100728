// Practises ch11-native/src/bin/compute_native.rs (Cython's `with nogil:`, without a GIL).
//
// `compute_native` splits the range over threads, and each thread calls C, but once per position:
// thirty million crossings into C for thirty million positions, each too small to be worth its
// call. The loop is C's job. Make each thread call C once, for its whole slice.

use std::thread;

unsafe extern "C" {
    /// The course's loop over `start..num` in C (c/math_core.c).
    fn ch11_do_math(start: i64, num: i64) -> f64;
    /// How many times `ch11_do_math` has been called in this process.
    fn ch11_calls() -> u64;
}

/// `0..total` cut into `workers` slices that cover it exactly (the last one takes the rest).
fn slices(total: i64, workers: i64) -> Vec<(i64, i64)> {
    let step = total / workers;
    (0..workers)
        .map(|n| {
            let end = if n + 1 == workers {
                total
            } else {
                (n + 1) * step
            };
            (n * step, end)
        })
        .collect()
}

/// The course's sum over `0..total`, computed in C by `workers` threads.
fn compute_native(total: i64, workers: i64) -> f64 {
    thread::scope(|s| {
        let handles: Vec<_> = slices(total, workers)
            .into_iter()
            .map(|(start, end)| {
                s.spawn(move || {
                    // TODO: one call into C for the whole slice, not one per position.
                    (start..end)
                        // SAFETY: the declaration matches c/math_core.c; the function takes
                        // two integers by value and touches no memory but its call counter.
                        .map(|pos| unsafe { ch11_do_math(pos, pos + 1) })
                        .sum::<f64>()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    })
}

/// How many calls into C this process has made.
fn calls_into_c() -> u64 {
    // SAFETY: reads an atomic counter; no arguments.
    unsafe { ch11_calls() }
}

fn main() {
    let workers = thread::available_parallelism().map_or(2, |n| n.get() as i64);
    println!("Doing math on {workers} processors.");
    println!("Sum: {}", compute_native(3_000_000, workers));
    println!("Calls into C: {}", calls_into_c());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_thread_calls_c_once_and_every_slice_counts() {
        let total = 1_000_003;
        let expected: f64 = (0..total)
            .map(|pos| {
                let k = pos as f64 - 1_000_000.0;
                (k * k).sqrt()
            })
            .sum();
        let before = calls_into_c();
        let sum = compute_native(total, 4);
        assert_eq!(calls_into_c() - before, 4, "one call into C per thread");
        assert!(
            (sum - expected).abs() <= expected * 1e-12,
            "{sum} instead of {expected}"
        );
    }
}
