// Practises ch04-asyncio/src/bin/async_program.rs (after ch04-asyncio/src/bin/sync_program.rs).
//
// Two producers put items in a queue, one every second; a consumer takes them out and works half
// a second on each. `main_work` runs the three one after another, so the consumer starts only once
// both producers are done and every item waits seconds in the queue. Run the three concurrently on
// this one thread, so that each item is processed soon after it was made.

use std::time::Duration;

use tokio::sync::mpsc::{Receiver, Sender, channel};
use tokio::time::{Instant, sleep};

/// Puts `num` items in the queue, one a second, each stamped with when it was made.
async fn generate_data(num: u64, data: Sender<(u64, Instant)>) {
    for idx in 1..=num {
        let item = idx * idx;
        data.send((item, Instant::now()))
            .await
            .expect("the consumer stopped");
        println!(" -- generated item {idx}");
        sleep(Duration::from_secs(1)).await;
    }
}

/// Takes `num` items out of the queue and returns how long each one waited in it.
async fn process_data(num: u64, mut data: Receiver<(u64, Instant)>) -> Vec<Duration> {
    let mut waits = Vec::new();
    for _ in 0..num {
        let (value, made) = data.recv().await.expect("the producers stopped early");
        let waited = made.elapsed();
        println!(
            " +++ Processed value {value} after {:.2} sec.",
            waited.as_secs_f64()
        );
        waits.push(waited);
        sleep(Duration::from_millis(500)).await;
    }
    waits
}

/// Two producers of `per_producer` items each and one consumer; returns each item's wait.
async fn main_work(per_producer: u64) -> Vec<Duration> {
    let (tx, rx) = channel(2 * per_producer as usize);
    // All three at once: `join!` polls them in turn on this thread, like `asyncio.gather`.
    let ((), (), waits) = tokio::join!(
        generate_data(per_producer, tx.clone()),
        generate_data(per_producer, tx),
        process_data(2 * per_producer, rx),
    );
    waits
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let t0 = Instant::now();
    main_work(3).await;
    println!(
        "App exiting, total time: {:.2} sec.",
        t0.elapsed().as_secs_f64()
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn every_item_is_processed_within_a_second_of_being_made() {
        let waits = main_work(10).await;
        assert_eq!(waits.len(), 20, "every item of both producers is processed");
        let longest = waits.iter().max().unwrap();
        assert!(
            *longest <= Duration::from_secs(1),
            "an item waited {longest:?} in the queue: the consumer did not run beside the producers"
        );
    }

    /// `#[tokio::test(start_paused = true)]` written out: a one-thread runtime whose clock starts
    /// paused, running the test's body to its end.
    #[test]
    fn twenty_items_take_ten_seconds_not_thirty() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .unwrap();
        let took = runtime.block_on(async {
            let t0 = Instant::now();
            main_work(10).await;
            t0.elapsed()
        });
        // Each producer needs 10 s for its 10 items; run side by side, the whole takes ~10 s.
        assert!(took <= Duration::from_secs(11), "took {took:?}");
    }
}
