// Practises ch09-runtimes/src/bin/prod_trio.rs (trio's nursery and `move_on_after`).
//
// Two producers and a consumer run in a `JoinSet`, the nursery that owns them. The course cancels
// the whole nursery after 5 s (`with trio.move_on_after(5)`); `run_scope` waits for its tasks
// with no deadline, so it takes as long as the slowest one. Stop waiting at `deadline`, then
// cancel every task still running and wait until each has ended.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::mpsc::{Receiver, Sender, channel};
use tokio::task::JoinSet;
use tokio::time::sleep;

/// How many items the producers made and the consumer processed.
#[derive(Debug, Default)]
struct Tally {
    produced: AtomicU64,
    processed: AtomicU64,
}

async fn generate_data(num: u64, data: Sender<u64>, tally: Arc<Tally>) {
    for idx in 1..=num {
        data.send(idx * idx).await.expect("the consumer stopped");
        tally.produced.fetch_add(1, Ordering::Relaxed);
        sleep(Duration::from_secs(1)).await;
    }
}

async fn process_data(num: u64, mut data: Receiver<u64>, tally: Arc<Tally>) {
    for _ in 0..num {
        if data.recv().await.is_none() {
            return;
        }
        tally.processed.fetch_add(1, Ordering::Relaxed);
        sleep(Duration::from_millis(500)).await;
    }
}

/// Runs two producers of `num` items and a consumer in one scope, for `deadline` at most.
async fn run_scope(num: u64, deadline: Duration, tally: Arc<Tally>) {
    // `trio.open_memory_channel(10)`: producers wait while it is full.
    let (tx, rx) = channel(10);
    let mut scope = JoinSet::new();
    scope.spawn(generate_data(num, tx.clone(), Arc::clone(&tally)));
    scope.spawn(generate_data(num, tx, Arc::clone(&tally)));
    scope.spawn(process_data(2 * num, rx, tally));

    let every_task = async {
        while let Some(task) = scope.join_next().await {
            task.expect("a task panicked");
        }
    };
    // `move_on_after(deadline)`: `Err` means the deadline came first; carry on either way.
    let _ = tokio::time::timeout(deadline, every_task).await;
    // Leaving the nursery: cancel every task still running, and wait until each has ended.
    scope.shutdown().await;
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let tally = Arc::new(Tally::default());
    let t0 = tokio::time::Instant::now();
    run_scope(20, Duration::from_secs(2), Arc::clone(&tally)).await;
    println!(
        "App exiting after {:.2} sec: {tally:?}",
        t0.elapsed().as_secs_f64()
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::time::Instant;

    fn counts(tally: &Tally) -> (u64, u64) {
        (
            tally.produced.load(Ordering::Relaxed),
            tally.processed.load(Ordering::Relaxed),
        )
    }

    #[tokio::test(start_paused = true)]
    async fn the_scope_ends_at_its_deadline_with_exact_counts() {
        let tally = Arc::new(Tally::default());
        let t0 = Instant::now();
        run_scope(20, Duration::from_secs(5), Arc::clone(&tally)).await;
        // The paused clock makes the schedule exact: each producer sends at 0, 1, 2, 3 and 4 s
        // (the send at 5 s is cut off), and the consumer, at two items a second, keeps up.
        assert_eq!(t0.elapsed(), Duration::from_secs(5), "the deadline is 5 s");
        assert_eq!(counts(&tally), (10, 10));
    }

    #[tokio::test(start_paused = true)]
    async fn no_task_runs_on_after_the_scope() {
        let tally = Arc::new(Tally::default());
        run_scope(20, Duration::from_secs(5), Arc::clone(&tally)).await;
        let at_the_end = counts(&tally);
        sleep(Duration::from_secs(60)).await; // a minute of tokio's time, none of the wall's
        assert_eq!(
            counts(&tally),
            at_the_end,
            "a task went on after the scope ended"
        );
    }

    /// The attribute written out (as in ch04's `queue1`): one thread, the clock paused.
    #[test]
    fn a_scope_whose_tasks_finish_early_ends_early() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .unwrap();
        runtime.block_on(async {
            let tally = Arc::new(Tally::default());
            let t0 = Instant::now();
            run_scope(2, Duration::from_secs(5), Arc::clone(&tally)).await;
            assert_eq!(t0.elapsed(), Duration::from_secs(2));
            assert_eq!(counts(&tally), (4, 4));
        });
    }
}
