// Practises ch07-multiprocessing/src/bin/compute_multiprocessing.rs.
//
// `compute_in_processes` cuts the course's math into one slice per worker, but computes every
// slice itself, in this process. Start one worker process per slice, all at once, and gather what
// each sends back. Each result comes back with the id of the process that computed it, so the
// tests can see who did the work.

/// The course's loop (`compute_multiprocessing.py`'s `do_math`): the average of
/// `sqrt((pos - 1,000,000)²)` over the slice, truncated to an integer as Python's `int()` does.
fn do_math(start: f64, num: f64) -> i64 {
    const K_SQ: f64 = 1_000.0 * 1_000.0;
    let mut pos = start;
    let mut ave = 0.0_f64;
    while pos < num {
        pos += 1.0;
        ave += ((pos - K_SQ) * (pos - K_SQ)).sqrt() / num;
    }
    ave as i64
}

/// The course's slices: `total*(n-1)/workers .. total*n/workers`, with Python's true division.
fn slices(total: u64, workers: u64) -> Vec<(f64, f64)> {
    let bound = |n: u64| total as f64 * n as f64 / workers as f64;
    (1..=workers).map(|n| (bound(n - 1), bound(n))).collect()
}

/// Each slice's `(process id, do_math result)`, in slice order.
fn compute_in_processes(total: u64, workers: u64) -> Vec<(u32, i64)> {
    // TODO: compute each slice in a worker process of its own (`procspawn::spawn`): start them
    // all first, then `join` each, in order.
    slices(total, workers)
        .into_iter()
        .map(|(start, end)| (std::process::id(), do_math(start, end)))
        .collect()
}

fn main() {
    // First thing in `main`: in a worker process, this runs the worker's job and exits.
    procspawn::init();
    let results = compute_in_processes(3_000_000, 2);
    println!("Doing math on 2 processes.");
    for (pid, result) in results {
        println!("PID {pid}: {result}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // A worker started from a test is this test binary started again; procspawn needs a hook.
    procspawn::enable_test_support!();

    #[test]
    fn every_slice_comes_back_from_its_own_worker_process() {
        let total = 1_000_000;
        for workers in [1, 2, 3] {
            let results = compute_in_processes(total, workers);
            assert_eq!(results.len(), workers as usize, "one result per worker");

            let expected: Vec<i64> = slices(total, workers)
                .into_iter()
                .map(|(start, end)| do_math(start, end))
                .collect();
            let sums: Vec<i64> = results.iter().map(|(_, sum)| *sum).collect();
            assert_eq!(sums, expected, "each slice's result, in slice order");

            let mut pids: Vec<u32> = results.iter().map(|(pid, _)| *pid).collect();
            assert!(
                !pids.contains(&std::process::id()),
                "a slice was computed in this process, not in a worker"
            );
            pids.sort_unstable();
            pids.dedup();
            assert_eq!(
                pids.len(),
                workers as usize,
                "each slice in a process of its own"
            );
        }
    }
}
