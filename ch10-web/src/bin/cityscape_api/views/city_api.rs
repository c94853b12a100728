//! The two API routes. `/api/sun` calls the location service and then the sun service, and the
//! thread that runs it waits through both calls: it can answer no one else until they are done.
//!
//! Ports: <https://github.com/talkpython/async-techniques-python-course/blob/master/src/10-async-web/cityscape_api/views/city_api.py>
//! Needs beside it: `main.rs`'s `AppState`, `services/`, `views/home.rs` and `src/replies.rs`.

use hyper::{Response, StatusCode};
use serde_json::Value;

use crate::AppState;
use crate::services::{location_service, sun_service, weather_service};
use crate::views::home;
use ch10_web::replies::{is_empty, json, refusal, upstream_failed};

/// `/api/weather/<zip_code>/<country>`: the weather service's JSON.
pub fn weather(app: &AppState, zip_code: &str, country: &str) -> Response<String> {
    if let Some(bad) = refusal(zip_code, country) {
        return bad;
    }
    match weather_service::get_current(&app.http, &app.settings, zip_code, country) {
        Ok(weather_data) if is_empty(&weather_data) => home::not_found(),
        Ok(weather_data) => json(StatusCode::OK, &weather_data),
        Err(err) => upstream_failed("weather", &err),
    }
}

/// `/api/sun/<zip_code>/<country>`: where the zip code is, then the sun's times there.
pub fn sun(app: &AppState, zip_code: &str, country: &str) -> Response<String> {
    if let Some(bad) = refusal(zip_code, country) {
        return bad;
    }
    let (lat, long) =
        match location_service::get_lat_long(&app.http, &app.settings, zip_code, country) {
            Ok(Some(lat_long)) => lat_long,
            Ok(None) => return home::not_found(),
            Err(err) => return upstream_failed("location", &err),
        };
    match sun_service::for_today(&app.http, &app.settings, lat, long) {
        Ok(sun_data) if sun_data.is_empty() => home::not_found(),
        Ok(sun_data) => json(StatusCode::OK, &Value::Object(sun_data)),
        Err(err) => upstream_failed("sun", &err),
    }
}
