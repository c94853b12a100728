//! The two API routes, as async handlers. `/api/sun` awaits the location service and then the
//! sun service, one after the other; while it waits, the runtime's threads run other requests.
//!
//! Ports: `src/10-async-web/acityscape_api/views/city_api.py`
//!
//! Unlike the course, a zip code or country that cannot be one is refused with 400 before any
//! service is asked, and a service that fails or times out is a 502 with a one-line JSON error
//! (Quart would answer 500 with an HTML page).

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::AppState;
use crate::services::{location_service, sun_service, weather_service};
use crate::views::home;

/// `/api/weather/{zip_code}/{country}`: the weather service's JSON.
pub async fn weather(
    State(app): State<Arc<AppState>>,
    Path((zip_code, country)): Path<(String, String)>,
) -> Response {
    let (http, settings) = (&app.http, &app.settings);
    if let Err(why) = check(&zip_code, &country) {
        return json_reply(400, &json!({ "error": why }));
    }
    match weather_service::get_current(http, settings, &zip_code, &country).await {
        Ok(weather_data) if is_empty(&weather_data) => home::not_found().await.into_response(),
        Ok(weather_data) => json_reply(200, &weather_data),
        Err(err) => upstream_failed("weather", &err),
    }
}

/// `/api/sun/{zip_code}/{country}`: where the zip code is, then the sun's times there.
pub async fn sun(
    State(app): State<Arc<AppState>>,
    Path((zip_code, country)): Path<(String, String)>,
) -> Response {
    let (http, settings) = (&app.http, &app.settings);
    if let Err(why) = check(&zip_code, &country) {
        return json_reply(400, &json!({ "error": why }));
    }
    let (lat, long) =
        match location_service::get_lat_long(http, settings, &zip_code, &country).await {
            Ok(Some(lat_long)) => lat_long,
            Ok(None) => return home::not_found().await.into_response(),
            Err(err) => return upstream_failed("location", &err),
        };
    match sun_service::for_today(http, settings, lat, long).await {
        Ok(sun_data) if sun_data.is_empty() => home::not_found().await.into_response(),
        Ok(sun_data) => json_reply(200, &Value::Object(sun_data)),
        Err(err) => upstream_failed("sun", &err),
    }
}

/// A zip code is 1 to 10 ASCII letters, digits, spaces or hyphens; a country is a two-letter
/// code. Anything else (empty, `..%2f`, control or non-ASCII characters, a 10,000-character
/// segment) never reaches a service or a URL.
fn check(zip_code: &str, country: &str) -> Result<(), &'static str> {
    let zip_ok = (1..=10).contains(&zip_code.len())
        && zip_code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b' ' || b == b'-');
    if !zip_ok {
        return Err("a zip code is 1 to 10 letters, digits, spaces or hyphens");
    }
    if !(country.len() == 2 && country.bytes().all(|b| b.is_ascii_alphabetic())) {
        return Err("a country is a two-letter code, such as us");
    }
    Ok(())
}

fn is_empty(data: &Value) -> bool {
    match data {
        Value::Null => true,
        Value::Object(map) => map.is_empty(),
        _ => false,
    }
}

fn upstream_failed(service: &str, err: &reqwest::Error) -> Response {
    // Never the URL: the weather API's carries the learner's key.
    let why = if let Some(status) = err.status() {
        format!("HTTP {status}")
    } else if err.is_timeout() {
        "timed out".to_owned()
    } else if err.is_connect() {
        "could not connect".to_owned()
    } else if err.is_decode() {
        "its answer was not the JSON expected".to_owned()
    } else {
        "the request failed".to_owned()
    };
    json_reply(
        502,
        &json!({ "error": format!("the {service} service failed: {why}") }),
    )
}

fn json_reply(status: u16, body: &Value) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, Json(body)).into_response()
}
