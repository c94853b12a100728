//! Today's sunrise, sunset and twilight times at a latitude and longitude, with an async HTTP
//! call (or, with cached data, an async sleep).
//!
//! Ports: <https://github.com/talkpython/async-techniques-python-course/blob/master/src/10-async-web/acityscape_api/services/sun_service.py>
//!
//! The API (`api.sunrise-sunset.org`, still alive) answers in UTC. The course shifts the times by
//! the *server's* UTC offset ("not perfect"); the port keeps the API's zone, since the server's
//! says nothing about the zip code's, and only writes the hour with two digits, as the course does.
//! Needs beside it: `config/settings.rs` (its `Settings`), with `main.rs`'s `Copy:` line.

use std::time::Duration;

use rand::seq::IndexedRandom;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::config::settings::Settings;

/// The course's measured latencies of the sun API, in seconds.
const MEASURED_LATENCY_IN_SEC: [f64; 5] = [0.399203, 0.7046, 0.422959, 0.741911, 0.404674];

#[derive(Deserialize)]
struct SunResponse {
    // An object when the API found the place, `""` when it did not.
    results: Value,
}

/// The sun's times today, by name (`sunrise`, `sunset`, `solar_noon`, `day_length`, the three
/// twilights' begin and end); empty when the API had none.
pub async fn for_today(
    http: &reqwest::Client,
    settings: &Settings,
    latitude: f64,
    longitude: f64,
) -> reqwest::Result<Map<String, Value>> {
    if settings.use_cached_data {
        let secs = MEASURED_LATENCY_IN_SEC
            .choose(&mut rand::rng())
            .copied()
            .unwrap_or(0.0);
        tokio::time::sleep(Duration::from_secs_f64(secs * settings.time_scale)).await;
        return Ok(cached_times());
    }

    let url = format!("{}/json?lat={latitude}&lng={longitude}", settings.sun_api);
    let data: SunResponse = http
        .get(url)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;

    let Value::Object(mut sun_data) = data.results else {
        return Ok(Map::new());
    };
    for value in sun_data.values_mut() {
        if let Value::String(time) = value
            && (time.ends_with("AM") || time.ends_with("PM"))
        {
            *time = two_digit_hour(time);
        }
    }
    Ok(sun_data)
}

/// `6:04:09 AM` → `06:04:09 AM` (Python's `%I:%M:%S %p`).
fn two_digit_hour(time: &str) -> String {
    match time.split_once(':') {
        Some((hour, rest)) if hour.len() == 1 => format!("0{hour}:{rest}"),
        _ => time.to_owned(),
    }
}

/// The course's cached answer (Portland, Oregon, in its local time).
fn cached_times() -> Map<String, Value> {
    [
        ("sunrise", "06:04:09 AM"),
        ("sunset", "08:28:48 PM"),
        ("solar_noon", "01:16:28 PM"),
        ("day_length", "14:24:39"),
        ("civil_twilight_begin", "05:31:10 AM"),
        ("civil_twilight_end", "09:01:47 PM"),
        ("nautical_twilight_begin", "04:49:54 AM"),
        ("nautical_twilight_end", "09:43:03 PM"),
        ("astronomical_twilight_begin", "04:03:13 AM"),
        ("astronomical_twilight_end", "10:29:44 PM"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), Value::from(v)))
    .collect()
}
