//! The two API routes, as async handlers. `/api/sun` awaits the location service and then the sun
//! service; while it waits, its thread runs other requests.
//!
//! Ports: <https://github.com/talkpython/async-techniques-python-course/blob/master/src/10-async-web/acityscape_api/views/city_api.py>
//! Needs beside it: `main.rs`'s `AppState`, `services/`, `views/home.rs` and `src/replies.rs`.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{Response, StatusCode};
use serde_json::Value;

use crate::AppState;
use crate::services::{location_service, sun_service, weather_service};
use crate::views::home;
use ch10_web::replies::{is_empty, json, refusal, upstream_failed};

/// `/api/weather/{zip_code}/{country}`: the weather service's JSON.
pub async fn weather(
    State(app): State<Arc<AppState>>,
    Path((zip_code, country)): Path<(String, String)>,
) -> Response<String> {
    if let Some(bad) = refusal(&zip_code, &country) {
        return bad;
    }
    match weather_service::get_current(&app.http, &app.settings, &zip_code, &country).await {
        Ok(weather_data) if is_empty(&weather_data) => home::not_found().await,
        Ok(weather_data) => json(StatusCode::OK, &weather_data),
        Err(err) => upstream_failed("weather", &err),
    }
}

/// `/api/sun/{zip_code}/{country}`: where the zip code is, then the sun's times there.
pub async fn sun(
    State(app): State<Arc<AppState>>,
    Path((zip_code, country)): Path<(String, String)>,
) -> Response<String> {
    if let Some(bad) = refusal(&zip_code, &country) {
        return bad;
    }
    let (lat, long) =
        match location_service::get_lat_long(&app.http, &app.settings, &zip_code, &country).await {
            Ok(Some(lat_long)) => lat_long,
            Ok(None) => return home::not_found().await,
            Err(err) => return upstream_failed("location", &err),
        };
    match sun_service::for_today(&app.http, &app.settings, lat, long).await {
        Ok(sun_data) if sun_data.is_empty() => home::not_found().await,
        Ok(sun_data) => json(StatusCode::OK, &Value::Object(sun_data)),
        Err(err) => upstream_failed("sun", &err),
    }
}
