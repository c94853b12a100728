//! Turns a zip code into latitude and longitude, with an async HTTP call (or, with cached data,
//! an async sleep): while it waits, its thread runs other requests.
//!
//! Ports: <https://github.com/talkpython/async-techniques-python-course/blob/master/src/10-async-web/acityscape_api/services/location_service.py>
//!
//! The course's datasciencetoolkit.org is gone; the port asks a zippopotam.us-shaped API instead
//! (the embedded site's `/api/location`, or the real `api.zippopotam.us` with `--live`).
//! Needs beside it: `config/settings.rs` (its `Settings`), with `main.rs`'s `Copy:` line.

use std::time::Duration;

use rand::seq::IndexedRandom;
use serde::Deserialize;

use crate::config::settings::Settings;

/// The course's measured latencies of the location API, in seconds.
const MEASURED_LATENCY_IN_SEC: [f64; 13] = [
    0.28844, 0.334694, 0.33468, 0.343911, 0.339515, 0.344329, 0.341594, 0.352366, 0.535646,
    0.527148, 0.533472, 0.53351, 0.523462,
];

#[derive(Deserialize)]
struct Place {
    // zippopotam.us sends the coordinates as strings.
    latitude: String,
    longitude: String,
}

#[derive(Deserialize)]
struct Location {
    places: Vec<Place>,
}

/// The zip code's latitude and longitude; `None` when the service does not know the zip code.
pub async fn get_lat_long(
    http: &reqwest::Client,
    settings: &Settings,
    zip_code: &str,
    country: &str,
) -> reqwest::Result<Option<(f64, f64)>> {
    if settings.use_cached_data {
        let secs = MEASURED_LATENCY_IN_SEC
            .choose(&mut rand::rng())
            .copied()
            .unwrap_or(0.0);
        tokio::time::sleep(Duration::from_secs_f64(secs * settings.time_scale)).await;
        return Ok(Some((45.50655, -122.733888)));
    }

    let url = format!("{}/{country}/{zip_code}", settings.location_api);
    let resp = http.get(url).send().await?;
    if resp.status() == reqwest::StatusCode::NOT_FOUND {
        return Ok(None);
    }
    let data: Location = resp.error_for_status()?.json().await?;

    Ok(data
        .places
        .first()
        .and_then(|place| Some((place.latitude.parse().ok()?, place.longitude.parse().ok()?))))
}
