// Practises ch09-runtimes/src/bin/blocking_stalls.rs (and the `spawn_blocking` of thesync.rs).
//
// `run_job` makes a blocking call from async code. On a one-thread runtime (asyncio's loop, or
// `#[tokio::test]`'s) that call holds the only thread: no other task moves until it returns. Here
// the blocking call waits for three beats of a heartbeat task, which can never beat while the
// thread is held. Run the blocking call where it does not hold the runtime's thread.

use std::sync::mpsc::{Receiver, Sender};
use std::time::Duration;

/// Blocks its thread until `n` beats arrive; `false` if they have not come within 5 s. Stands in
/// for any blocking call (`requests.get`, a CPU-bound loop) that lasts while other tasks should run.
fn blocking_wait_for_beats(beats: Receiver<()>, n: usize) -> bool {
    (0..n).all(|_| beats.recv_timeout(Duration::from_secs(5)).is_ok())
}

/// Beats every 10 ms, for as long as someone listens.
async fn heartbeat(beats: Sender<()>) {
    loop {
        tokio::time::sleep(Duration::from_millis(10)).await;
        if beats.send(()).is_err() {
            return;
        }
    }
}

/// The job, called from async code: true when the heartbeat kept beating while it ran.
async fn run_job(beats: Receiver<()>) -> bool {
    // On tokio's pool of blocking threads (`asyncio.to_thread`); this task waits without
    // blocking, and the runtime's thread runs the heartbeat meanwhile.
    tokio::task::spawn_blocking(move || blocking_wait_for_beats(beats, 3))
        .await
        .expect("the blocking call panicked")
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let (tx, rx) = std::sync::mpsc::channel();
    tokio::spawn(heartbeat(tx));
    if run_job(rx).await {
        println!("The heartbeat went on while the blocking call ran.");
    } else {
        println!("No beat for 5 s: the blocking call held the runtime's only thread.");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_blocking_call_returns_once_its_beats_came() {
        let (tx, rx) = std::sync::mpsc::channel();
        for _ in 0..3 {
            tx.send(()).unwrap();
        }
        assert!(blocking_wait_for_beats(rx, 3));
    }

    // `#[tokio::test]` runs on a current-thread runtime: one thread, like asyncio's loop.
    #[tokio::test]
    async fn the_heartbeat_keeps_beating_while_the_blocking_call_runs() {
        let (tx, rx) = std::sync::mpsc::channel();
        tokio::spawn(heartbeat(tx));
        assert!(
            run_job(rx).await,
            "no beat came: the blocking call held the runtime's only thread"
        );
    }
}
