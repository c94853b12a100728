// Practises ch09-runtimes/tests/paused_time.rs: testing time-based code on tokio's paused clock.
//
// This time the code is right and a test is unfinished. `Cache` keeps a value for a minute. The
// test runs on the paused clock (`start_paused = true`, trio's `MockClock`): tokio's time only
// moves when every task waits on a timer (autojump) or when the test moves it. Finish the test so
// that it checks the expiry, without waiting a real minute.

use std::time::Duration;

use tokio::time::Instant;

/// A value and when it was stored; fresh for `ttl`, as ch10's services cache their answers.
struct Cache {
    ttl: Duration,
    entry: Option<(String, Instant)>,
}

impl Cache {
    fn new(ttl: Duration) -> Cache {
        Cache { ttl, entry: None }
    }

    fn put(&mut self, value: &str) {
        // tokio's `Instant`: the paused clock's time in tests, the real time otherwise.
        self.entry = Some((value.to_owned(), Instant::now()));
    }

    /// The value, while it is fresh.
    fn get(&self) -> Option<&str> {
        match &self.entry {
            Some((value, stored)) if stored.elapsed() < self.ttl => Some(value),
            _ => None,
        }
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut cache = Cache::new(Duration::from_millis(50));
    cache.put("sunny");
    println!("At once: {:?}", cache.get());
    tokio::time::sleep(Duration::from_millis(60)).await;
    println!("60 ms later: {:?}", cache.get());
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Outside a runtime, tokio's `Instant` reads the real clock.
    #[test]
    fn a_value_is_fresh_right_after_it_is_stored() {
        let mut cache = Cache::new(Duration::from_secs(60));
        assert_eq!(cache.get(), None);
        cache.put("sunny");
        assert_eq!(cache.get(), Some("sunny"));
    }

    #[tokio::test(start_paused = true)]
    async fn a_cached_value_expires_after_a_minute() {
        let wall = std::time::Instant::now();
        let mut cache = Cache::new(Duration::from_secs(60));
        cache.put("sunny");

        tokio::time::advance(Duration::from_secs(59)).await;
        assert_eq!(cache.get(), Some("sunny"), "fresh for a minute");

        // Two more seconds of tokio's time, at once.
        tokio::time::advance(Duration::from_secs(2)).await;
        assert_eq!(cache.get(), None, "stale after a minute");

        assert!(
            wall.elapsed() < Duration::from_secs(30),
            "the test waited for real"
        );
    }
}
