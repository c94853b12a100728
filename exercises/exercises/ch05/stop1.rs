// Practises ch05-threads/src/bin/cooperative_stop.rs (after ch05-threads/src/bin/threaded_prod.rs).
//
// No one can kill a thread, in Rust or in Python: a thread stops when it returns. `generate_data`
// is asked to stop through a flag, but never looks at it, so `main_work` cannot join it until it
// has made all its items. Make it notice the request and stop.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

/// Makes up to `num` items, one every millisecond, until `stop` is set.
fn generate_data(num: u64, data: &Mutex<Vec<u64>>, stop: &AtomicBool) {
    for idx in 1..=num {
        // TODO: return as soon as `stop` is set (check it before making each item).
        data.lock().unwrap().push(idx * idx);
        thread::sleep(Duration::from_millis(1));
    }
}

/// Starts a producer of up to `num` items, asks it to stop once it has made `wanted`, and joins
/// it. Returns how many items it had made when it was asked, and how many in the end.
fn main_work(num: u64, wanted: usize) -> (usize, usize) {
    let data = Mutex::new(Vec::new());
    let stop = AtomicBool::new(false);
    thread::scope(|s| {
        let producer = s.spawn(|| generate_data(num, &data, &stop));
        while data.lock().unwrap().len() < wanted && !producer.is_finished() {
            thread::sleep(Duration::from_millis(1));
        }
        stop.store(true, Ordering::Relaxed);
        // Counted after the request: any item begun before it is at most one more.
        let made_when_asked = data.lock().unwrap().len();
        producer.join().expect("the producer panicked");
        (made_when_asked, data.lock().unwrap().len())
    })
}

fn main() {
    let (asked, made) = main_work(5_000, 10);
    println!("Asked to stop after {asked} items; the producer stopped after {made}.");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_producer_stops_within_one_item_of_being_asked() {
        let (asked, made) = main_work(5_000, 10);
        assert!(asked >= 10);
        // Between the last check and the request, the producer can be making one more item.
        assert!(
            made <= asked + 1,
            "asked to stop after {asked} items, the producer went on to {made}"
        );
    }

    #[test]
    fn a_producer_that_is_never_asked_makes_every_item() {
        let (_, made) = main_work(20, usize::MAX);
        assert_eq!(made, 20);
    }
}
