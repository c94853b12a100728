// Practises ch07-multiprocessing/src/bin/shared_state.rs.
//
// Four worker processes each add to `COUNTER`, and the parent reads it: 0. A process has its own
// copy of every static; nothing a worker writes there reaches the parent. Make each worker send
// its count back as its result, and add those up in the parent.

use std::sync::atomic::{AtomicU64, Ordering};

/// A counter in this process's memory. Every process has its own.
static COUNTER: AtomicU64 = AtomicU64::new(0);

/// Adds 1 to `COUNTER`, `times` times; returns the count this process reached.
fn count(times: u64) -> u64 {
    for _ in 0..times {
        COUNTER.fetch_add(1, Ordering::Relaxed);
    }
    COUNTER.load(Ordering::Relaxed)
}

/// `workers` worker processes count to `times` each; returns the total they reached.
fn in_processes(workers: u64, times: u64) -> u64 {
    let handles: Vec<_> = (0..workers)
        .map(|_| {
            procspawn::spawn(times, |times| {
                count(times);
            })
        })
        .collect();
    for handle in handles {
        handle.join().expect("a worker process died");
    }
    // TODO: the workers counted in their own memory, not in this process's `COUNTER`: have each
    // send its count back as its result, and return the sum of those.
    COUNTER.load(Ordering::Relaxed)
}

fn main() {
    // First thing in `main`: in a worker process, this runs the worker's job and exits.
    procspawn::init();
    let total = in_processes(4, 1_000_000);
    println!(
        "The workers counted to {total}; the parent's COUNTER is {}",
        COUNTER.load(Ordering::Relaxed)
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    // A worker started from a test is this test binary started again; procspawn needs a hook.
    procspawn::enable_test_support!();

    #[test]
    fn the_parent_gets_every_workers_count() {
        assert_eq!(in_processes(4, 1_000), 4_000);
        assert_eq!(in_processes(3, 7), 21);
    }

    #[test]
    fn the_parents_own_counter_never_moves() {
        in_processes(2, 100);
        assert_eq!(
            COUNTER.load(Ordering::Relaxed),
            0,
            "processes share no memory"
        );
    }
}
