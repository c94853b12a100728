//! The JSON upstream services of ch10, under `/api/`: the three public APIs the course's city API
//! calls, served locally in the shape the real ones answer, so `cityscape_api` and
//! `acityscape_api` parse the same JSON offline as with `--live`.
//!
//! | path | stands in for | answers |
//! |---|---|---|
//! | `/api/location/{country}/{zip}` | `api.zippopotam.us/{country}/{zip}` (the course's datasciencetoolkit.org is gone) | the place with its latitude and longitude (as strings, as zippopotam sends them); zip `00000` is unknown: 404 `{}` |
//! | `/api/sun/json?lat=…&lng=…` | `api.sunrise-sunset.org/json` | `{"results": {sunrise, sunset, solar_noon, day_length, the twilights}, "status": "OK", "tzid": …}`; a missing or impossible `lat`/`lng`: 400 with `"status": "INVALID_REQUEST"` |
//! | `/api/weather/data/2.5/weather?zip={zip},{country}&appid=…` | `api.openweathermap.org/data/2.5/weather` | current weather; no `zip`: 400; zip `00000`: 404 `city not found`. The key is not checked |
//!
//! The data is the course's own cached answer (Portland, Oregon: 45.50655, -122.733888, sunrise
//! `6:04:09 AM`), the same for every zip, as in the course's cached mode. Each answer waits a
//! latency picked from the course's measured lists (location 0.288–0.536 s, sun 0.399–0.742 s; the
//! course measured none for the weather, so it gets the site's range), times `time_scale`; the
//! site's own latency layer leaves `/api/` alone. Configured faults still replace these answers,
//! so a test can make one upstream fail or hang.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rand::Rng;
use rand::rngs::StdRng;
use serde_json::{Value, json};

use super::SiteConfig;
use crate::cli::Seed;

/// The course's measured latencies of the location service, in seconds.
pub const LOCATION_LATENCY_SECS: [f64; 13] = [
    0.28844, 0.334694, 0.33468, 0.343911, 0.339515, 0.344329, 0.341594, 0.352366, 0.535646,
    0.527148, 0.533472, 0.53351, 0.523462,
];

/// The course's measured latencies of the sun service, in seconds.
pub const SUN_LATENCY_SECS: [f64; 5] = [0.399203, 0.7046, 0.422959, 0.741911, 0.404674];

/// The zip code every upstream treats as unknown.
pub const UNKNOWN_ZIP: &str = "00000";

struct Upstream {
    time_scale: f64,
    seed: u64,
    weather_ms: (u64, u64),
    /// Counts the picks, so each request draws anew while one seed repeats the whole sequence.
    picks: AtomicU64,
}

impl Upstream {
    fn rng(&self) -> StdRng {
        let n = self.picks.fetch_add(1, Ordering::Relaxed);
        Seed::rng_for(self.seed, n)
    }

    async fn wait_one_of(&self, measured: &[f64]) {
        let secs = measured[self.rng().random_range(0..measured.len())];
        tokio::time::sleep(Duration::from_secs_f64(secs * self.time_scale)).await;
    }

    async fn wait_in_range(&self) {
        let (lo, hi) = self.weather_ms;
        let ms = self.rng().random_range(lo.min(hi)..=hi.max(lo));
        tokio::time::sleep(Duration::from_millis(ms).mul_f64(self.time_scale)).await;
    }
}

/// The upstream routes, merged into the site's router.
pub(super) fn router<S: Clone + Send + Sync + 'static>(cfg: &SiteConfig) -> Router<S> {
    let upstream = Arc::new(Upstream {
        time_scale: cfg.time_scale,
        seed: cfg.seed,
        weather_ms: cfg.latency_ms,
        picks: AtomicU64::new(0),
    });
    Router::new()
        .route("/api/location/{country}/{zip}", get(location))
        .route("/api/sun/json", get(sun))
        .route("/api/weather/data/2.5/weather", get(weather))
        .with_state(upstream)
}

/// A JSON answer (`Json` sets `content-type: application/json`, as the real services send).
fn json_response(status: StatusCode, body: Value) -> Response {
    (status, Json(body)).into_response()
}

/// The value of `key` in a query string, percent-decoded.
fn param(query: Option<&str>, key: &str) -> Option<String> {
    url::form_urlencoded::parse(query?.as_bytes())
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

async fn location(
    State(up): State<Arc<Upstream>>,
    Path((country, zip)): Path<(String, String)>,
) -> Response {
    up.wait_one_of(&LOCATION_LATENCY_SECS).await;
    if zip == UNKNOWN_ZIP {
        return json_response(StatusCode::NOT_FOUND, json!({}));
    }
    let country_name = if country.eq_ignore_ascii_case("us") {
        "United States".to_owned()
    } else {
        country.to_uppercase()
    };
    json_response(
        StatusCode::OK,
        json!({
            "post code": zip,
            "country": country_name,
            "country abbreviation": country.to_uppercase(),
            "places": [{
                "place name": "Portland",
                "longitude": "-122.733888",
                "state": "Oregon",
                "state abbreviation": "OR",
                "latitude": "45.50655",
            }],
        }),
    )
}

fn coordinate(query: Option<&str>, key: &str, limit: f64) -> Option<f64> {
    let v: f64 = param(query, key)?.trim().parse().ok()?;
    (v.is_finite() && v.abs() <= limit).then_some(v)
}

async fn sun(State(up): State<Arc<Upstream>>, RawQuery(query): RawQuery) -> Response {
    up.wait_one_of(&SUN_LATENCY_SECS).await;
    let q = query.as_deref();
    if coordinate(q, "lat", 90.0).is_none() || coordinate(q, "lng", 180.0).is_none() {
        return json_response(
            StatusCode::BAD_REQUEST,
            json!({"results": "", "status": "INVALID_REQUEST"}),
        );
    }
    // The real API's format (no leading zero on the hour); the course's cached times, which are
    // Portland's local time, hence the tzid.
    json_response(
        StatusCode::OK,
        json!({
            "results": {
                "sunrise": "6:04:09 AM",
                "sunset": "8:28:48 PM",
                "solar_noon": "1:16:28 PM",
                "day_length": "14:24:39",
                "civil_twilight_begin": "5:31:10 AM",
                "civil_twilight_end": "9:01:47 PM",
                "nautical_twilight_begin": "4:49:54 AM",
                "nautical_twilight_end": "9:43:03 PM",
                "astronomical_twilight_begin": "4:03:13 AM",
                "astronomical_twilight_end": "10:29:44 PM",
            },
            "status": "OK",
            "tzid": "America/Los_Angeles",
        }),
    )
}

async fn weather(State(up): State<Arc<Upstream>>, RawQuery(query): RawQuery) -> Response {
    up.wait_in_range().await;
    let Some(zip) = param(query.as_deref(), "zip").filter(|z| !z.trim().is_empty()) else {
        return json_response(
            StatusCode::BAD_REQUEST,
            json!({"cod": "400", "message": "Nothing to geocode"}),
        );
    };
    if zip.split(',').next() == Some(UNKNOWN_ZIP) {
        return json_response(
            StatusCode::NOT_FOUND,
            json!({"cod": "404", "message": "city not found"}),
        );
    }
    json_response(
        StatusCode::OK,
        json!({
            "coord": {"lon": -122.7339, "lat": 45.5066},
            "weather": [{"id": 800, "main": "Clear", "description": "clear sky", "icon": "01d"}],
            "main": {
                "temp": 291.48, "feels_like": 290.95, "temp_min": 289.82, "temp_max": 293.15,
                "pressure": 1016, "humidity": 58,
            },
            "visibility": 10000,
            "wind": {"speed": 2.57, "deg": 330},
            "clouds": {"all": 0},
            "name": "Portland",
            "cod": 200,
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::super::{Fault, LocalSite};
    use super::*;

    fn site(faults: Vec<(String, Fault)>) -> LocalSite {
        LocalSite::start(SiteConfig {
            time_scale: 0.01,
            faults,
            ..SiteConfig::default()
        })
        .unwrap()
    }

    fn get(url: &str) -> (u16, Value) {
        let resp = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .unwrap()
            .get(url)
            .send()
            .unwrap();
        let status = resp.status().as_u16();
        (
            status,
            serde_json::from_str(&resp.text().unwrap()).unwrap_or(Value::Null),
        )
    }

    #[test]
    fn serves_the_three_apis_in_their_real_shapes() {
        let site = site(Vec::new());
        let (code, loc) = get(&site.url_for("/api/location/us/97227"));
        assert_eq!(code, 200);
        assert_eq!(loc["places"][0]["latitude"], "45.50655");
        assert_eq!(loc["places"][0]["longitude"], "-122.733888");
        let (code, sun) = get(&site.url_for("/api/sun/json?lat=45.50655&lng=-122.733888"));
        assert_eq!(code, 200);
        assert_eq!(sun["status"], "OK");
        assert_eq!(sun["results"]["sunrise"], "6:04:09 AM");
        assert_eq!(sun["results"].as_object().unwrap().len(), 10);
        let (code, weather) =
            get(&site.url_for("/api/weather/data/2.5/weather?zip=97227,us&appid=x"));
        assert_eq!(code, 200);
        assert_eq!(weather["name"], "Portland");
    }

    #[test]
    fn refuses_what_the_real_apis_refuse() {
        let site = site(Vec::new());
        assert_eq!(get(&site.url_for("/api/location/us/00000")).0, 404);
        assert_eq!(get(&site.url_for("/api/sun/json?lat=91&lng=0")).0, 400);
        assert_eq!(get(&site.url_for("/api/sun/json?lat=x&lng=0")).0, 400);
        assert_eq!(get(&site.url_for("/api/sun/json")).0, 400);
        assert_eq!(get(&site.url_for("/api/weather/data/2.5/weather")).0, 400);
        assert_eq!(
            get(&site.url_for("/api/weather/data/2.5/weather?zip=00000,us")).0,
            404
        );
    }

    #[test]
    fn waits_the_measured_latencies_and_obeys_faults() {
        let site = site(vec![("/api/sun/json".into(), Fault::ServerError)]);
        assert_eq!(get(&site.url_for("/api/sun/json?lat=1&lng=1")).0, 500);
        let one = site.spans().pop().unwrap();
        assert!(one.end - one.start < Duration::from_millis(250), "{one:?}");
        let started = std::time::Instant::now();
        assert_eq!(get(&site.url_for("/api/location/us/97227")).0, 200);
        let took = started.elapsed();
        // 0.288–0.536 s at time-scale 0.01.
        assert!(took >= Duration::from_micros(2_880), "{took:?}");
    }
}
