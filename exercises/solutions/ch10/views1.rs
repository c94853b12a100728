// Practises ch10-web/src/bin/acityscape_api/ (its services, after cityscape_api's blocking ones).
//
// The `sun` view is async, but the location service it awaits was ported from the blocking app:
// with cached data it sleeps with `std::thread::sleep`, which holds the runtime's thread. While
// one request sleeps, no other request moves, so the async server serves one at a time. Make the
// service wait the async way, so that every request waits at once.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// What the server shares with every request (axum's `State`): here, how many are in flight.
#[derive(Debug, Default)]
struct AppState {
    in_flight: AtomicUsize,
    most_in_flight: AtomicUsize,
}

/// The course's measured latency of the location API, with cached data.
const LOCATION_LATENCY: Duration = Duration::from_millis(400);

mod location_service {
    use super::*;

    /// The zip code's latitude and longitude, from cached data after the API's usual wait.
    pub async fn get_lat_long(_zip_code: &str, _country: &str) -> (f64, f64) {
        // The async sleep: this request waits, and its thread serves other requests meanwhile.
        tokio::time::sleep(LOCATION_LATENCY).await;
        (45.50655, -122.733888)
    }
}

/// `/api/sun/{zip_code}/{country}` (the sun times themselves left out).
async fn sun(app: Arc<AppState>, zip_code: String, country: String) -> String {
    let now = app.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    app.most_in_flight.fetch_max(now, Ordering::SeqCst);
    let (lat, long) = location_service::get_lat_long(&zip_code, &country).await;
    app.in_flight.fetch_sub(1, Ordering::SeqCst);
    format!("{{\"lat\": {lat}, \"long\": {long}}}")
}

/// Serves `requests` requests at once, each a task, as the server does; returns the replies.
async fn serve(app: &Arc<AppState>, requests: usize) -> Vec<String> {
    let tasks: Vec<_> = (0..requests)
        .map(|_| tokio::spawn(sun(Arc::clone(app), "97227".into(), "us".into())))
        .collect();
    let mut replies = Vec::new();
    for task in tasks {
        replies.push(task.await.expect("a request panicked"));
    }
    replies
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let app = Arc::new(AppState::default());
    let t0 = tokio::time::Instant::now();
    let replies = serve(&app, 10).await;
    println!(
        "{} replies in {:.2} sec., at most {} in flight at once",
        replies.len(),
        t0.elapsed().as_secs_f64(),
        app.most_in_flight.load(Ordering::SeqCst)
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::time::Instant;

    // The runtime written out, because its one thread is the point: a server's runtime thread
    // holds many requests. (`#[tokio::test(start_paused = true)]` builds the same.) The paused
    // clock makes the waits exact and instant.
    #[test]
    fn ten_requests_wait_at_once_on_one_thread() {
        let one_thread = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .unwrap();
        let app = Arc::new(AppState::default());
        let (replies, took) = one_thread.block_on(async {
            let t0 = Instant::now();
            (serve(&app, 10).await, t0.elapsed())
        });
        assert_eq!(replies.len(), 10);
        assert!(replies.iter().all(|reply| reply.contains("45.50655")));
        assert_eq!(
            app.most_in_flight.load(Ordering::SeqCst),
            10,
            "the requests were served one at a time: something blocks the runtime's thread"
        );
        assert_eq!(took, LOCATION_LATENCY, "ten waits of 0.4 s, side by side");
    }
}
