// Practises the `--workers N` of ch10-web/src/bin/cityscape_api/main.rs, on the async server.
//
// `cityscape_api --workers N` serves at most N requests at once (Gunicorn's sync workers); the
// rest queue. An async server keeps every request in flight, which is its strength, until what
// the requests wait on (a database with 2 connections, an API with a rate limit) can take only a
// few. Let at most `workers` requests do their work at once; the others wait their turn.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// How many requests are doing their work, and the most at once.
#[derive(Debug, Default)]
struct Stats {
    working: AtomicUsize,
    most_working: AtomicUsize,
}

/// One request's work: 1 s of waiting on something that can only serve a few at once.
async fn handle(stats: &Stats) {
    let now = stats.working.fetch_add(1, Ordering::SeqCst) + 1;
    stats.most_working.fetch_max(now, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_secs(1)).await;
    stats.working.fetch_sub(1, Ordering::SeqCst);
}

/// Serves `requests` requests, all accepted at once, at most `workers` working at a time.
async fn serve(requests: usize, workers: usize, stats: Arc<Stats>) {
    // TODO: let at most `workers` requests run `handle` at once (a `Semaphore` of `workers`
    // permits, one held by each request while it works).
    let tasks: Vec<_> = (0..requests)
        .map(|_| {
            let stats = Arc::clone(&stats);
            tokio::spawn(async move {
                handle(&stats).await;
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("a request panicked");
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let stats = Arc::new(Stats::default());
    let t0 = tokio::time::Instant::now();
    serve(4, 2, Arc::clone(&stats)).await;
    println!(
        "4 requests, 2 workers: {:.2} sec., at most {} working at once",
        t0.elapsed().as_secs_f64(),
        stats.most_working.load(Ordering::SeqCst)
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::time::Instant;

    #[tokio::test(start_paused = true)]
    async fn ten_requests_on_two_workers_take_five_rounds() {
        let stats = Arc::new(Stats::default());
        let t0 = Instant::now();
        serve(10, 2, Arc::clone(&stats)).await;
        assert_eq!(
            stats.most_working.load(Ordering::SeqCst),
            2,
            "at most 2 at once"
        );
        assert_eq!(
            t0.elapsed(),
            Duration::from_secs(5),
            "5 rounds of 2 requests of 1 s"
        );
    }

    /// The attribute written out (as in ch04's `queue1`): one thread, the clock paused.
    #[test]
    fn with_enough_workers_every_request_works_at_once() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .unwrap();
        let stats = Arc::new(Stats::default());
        let took = runtime.block_on(async {
            let t0 = Instant::now();
            serve(10, 10, Arc::clone(&stats)).await;
            t0.elapsed()
        });
        assert_eq!(stats.most_working.load(Ordering::SeqCst), 10);
        assert_eq!(took, Duration::from_secs(1));
    }
}
