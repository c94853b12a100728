//! The two API routes. `/api/sun` calls the location service and then the sun service, one after
//! the other, and the worker thread that runs it waits through both calls: it can answer no one
//! else until they are done.
//!
//! Ports: `src/10-async-web/cityscape_api/views/city_api.py`
//!
//! Unlike the course, a zip code or country that cannot be one is refused with 400 before any
//! service is asked, and a service that fails or times out is a 502 with a one-line JSON error
//! (Flask would answer 500 with an HTML page).

use std::io::Cursor;

use serde_json::{Value, json};
use tiny_http::{Header, Response};

use crate::config::settings::Settings;
use crate::services::{location_service, sun_service, weather_service};
use crate::views::home;

/// `/api/weather/<zip_code>/<country>`: the weather service's JSON.
pub fn weather(
    http: &reqwest::blocking::Client,
    settings: &Settings,
    zip_code: &str,
    country: &str,
) -> Response<Cursor<Vec<u8>>> {
    if let Err(why) = check(zip_code, country) {
        return json_reply(400, &json!({ "error": why }));
    }
    match weather_service::get_current(http, settings, zip_code, country) {
        Ok(weather_data) if is_empty(&weather_data) => home::not_found(),
        Ok(weather_data) => json_reply(200, &weather_data),
        Err(err) => upstream_failed("weather", &err),
    }
}

/// `/api/sun/<zip_code>/<country>`: where the zip code is, then the sun's times there.
pub fn sun(
    http: &reqwest::blocking::Client,
    settings: &Settings,
    zip_code: &str,
    country: &str,
) -> Response<Cursor<Vec<u8>>> {
    if let Err(why) = check(zip_code, country) {
        return json_reply(400, &json!({ "error": why }));
    }
    let (lat, long) = match location_service::get_lat_long(http, settings, zip_code, country) {
        Ok(Some(lat_long)) => lat_long,
        Ok(None) => return home::not_found(),
        Err(err) => return upstream_failed("location", &err),
    };
    match sun_service::for_today(http, settings, lat, long) {
        Ok(sun_data) if sun_data.is_empty() => home::not_found(),
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

fn upstream_failed(service: &str, err: &reqwest::Error) -> Response<Cursor<Vec<u8>>> {
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

fn json_reply(status: u16, body: &Value) -> Response<Cursor<Vec<u8>>> {
    let json = Header::from_bytes("Content-Type", "application/json").expect("a valid header");
    Response::from_string(body.to_string())
        .with_status_code(status)
        .with_header(json)
}
