//! Testing async code with tokio's paused clock (`test-util`, a dev-dependency feature): timers
//! complete as soon as every task is waiting, so time-based behaviour is tested instantly and
//! deterministically. This is the answer to the course's "testing concurrent code is hard".

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::{Instant, sleep, timeout};

#[tokio::test(start_paused = true)]
async fn an_hour_long_timeout_fires_without_waiting_an_hour() {
    let wall = std::time::Instant::now();
    let start = Instant::now();
    let result = timeout(Duration::from_secs(3600), std::future::pending::<()>()).await;
    assert!(result.is_err(), "the timeout fired");
    // On tokio's clock exactly one hour passed...
    assert_eq!(start.elapsed(), Duration::from_secs(3600));
    // ...and on the wall clock almost none (the bound is huge: it only rules out really waiting).
    assert!(wall.elapsed() < Duration::from_secs(600));
}

/// prod_trio's shape with fixed sleeps: producers every 1 s, a consumer that needs 0.5 s per
/// item, a channel of 10, the scope cancelled at 5 s. With the paused clock the schedule is
/// exact, so the counts are too.
#[tokio::test(start_paused = true)]
async fn a_cancelled_scope_stops_at_exactly_its_deadline_with_exact_counts() {
    // (produced, processed), counted as prod_trio counts them.
    let tally = Arc::new((AtomicU64::new(0), AtomicU64::new(0)));
    let (tx, mut rx) = mpsc::channel::<u64>(10);
    let mut scope = JoinSet::new();
    for _ in 0..2 {
        let (tx, tally) = (tx.clone(), Arc::clone(&tally));
        scope.spawn(async move {
            for i in 1..=20u64 {
                tx.send(i * i).await.unwrap();
                tally.0.fetch_add(1, Ordering::Relaxed);
                sleep(Duration::from_secs(1)).await;
            }
        });
    }
    drop(tx);
    let consumer_tally = Arc::clone(&tally);
    scope.spawn(async move {
        while rx.recv().await.is_some() {
            consumer_tally.1.fetch_add(1, Ordering::Relaxed);
            sleep(Duration::from_millis(500)).await;
        }
    });

    let start = Instant::now();
    let all = async { while scope.join_next().await.is_some() {} };
    let ended = timeout(Duration::from_secs(5), all).await;
    assert!(ended.is_err(), "the deadline came first");
    assert_eq!(start.elapsed(), Duration::from_secs(5));

    scope.abort_all();
    let mut cancelled = 0;
    while let Some(joined) = scope.join_next().await {
        assert!(joined.unwrap_err().is_cancelled());
        cancelled += 1;
    }
    assert_eq!(cancelled, 3, "every child was cancelled");
    // Sends at t = 0, 1, 2, 3, 4 s by each producer (the one at 5 s is cut off): 10 items; the
    // consumer keeps up (0.5 s per item, two items a second), so it has processed all of them.
    let counts = (
        tally.0.load(Ordering::Relaxed),
        tally.1.load(Ordering::Relaxed),
    );
    assert_eq!(counts, (10, 10));
}
