// Practises ch05-threads/src/bin/compute_threaded.rs (after ch05-threads/src/bin/compute_it.rs).
//
// `compute_threaded` splits the course's math into one slice per worker. Start one thread per
// slice, all at once, and add up what every thread returns. Rust has no GIL: each thread really
// runs on its own core.

use std::thread;

/// The course's loop: for each `pos` in `start..num`, `sqrt((pos - 1,000,000)²)`, summed.
fn do_math(start: u64, num: u64) -> f64 {
    let mut sum = 0.0;
    for pos in start..num {
        let k = pos as f64 - 1_000_000.0;
        sum += (k * k).sqrt();
    }
    sum
}

/// `0..total` cut into `workers` slices that cover it exactly (the last one takes the rest).
fn slices(total: u64, workers: u64) -> Vec<(u64, u64)> {
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

/// `do_math(0, total)`, computed by `workers` threads at once.
fn compute_threaded(total: u64, workers: u64) -> f64 {
    thread::scope(|s| {
        let handles: Vec<_> = slices(total, workers)
            .into_iter()
            .map(|(start, end)| {
                // TODO: start a thread in the scope `s` that returns `do_math(start, end)`, and
                // return its handle from this closure.
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join().expect("a worker panicked"))
            .sum()
    })
}

fn main() {
    let workers = thread::available_parallelism().map_or(2, |n| n.get() as u64);
    println!("Doing math on {workers} processors.");
    println!("Sum: {}", compute_threaded(3_000_000, workers));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the threads return is the sum of integers, so each result must be exact.
    #[test]
    fn every_slice_is_counted_once_for_any_number_of_workers() {
        let total = 3_000_003; // not a multiple of the worker counts: the last slice is longer
        let expected = do_math(0, total);
        for workers in [1, 2, 3, 7, 16] {
            let sum = compute_threaded(total, workers);
            // Slices add up in another order than one loop does: allow for rounding, not more.
            assert!(
                (sum - expected).abs() <= expected * 1e-12,
                "{workers} workers: {sum} instead of {expected}"
            );
        }
    }
}
