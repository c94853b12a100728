//! The current weather at a zip code, with an async HTTP call. The course has no cached mode for
//! it: it always asks the API (here the embedded site by default; OpenWeatherMap with `--live`).
//!
//! Ports: <https://github.com/talkpython/async-techniques-python-course/blob/master/src/10-async-web/acityscape_api/services/weather_service.py>
//! Needs beside it: `config/settings.rs` (its `Settings`), with `main.rs`'s `Copy:` line.

use serde_json::Value;

use crate::config::settings::Settings;

/// OpenWeatherMap's answer as it came (the course passes it on untouched); `Null` when the API
/// does not know the zip code.
pub async fn get_current(
    http: &reqwest::Client,
    settings: &Settings,
    zip_code: &str,
    country_code: &str,
) -> reqwest::Result<Value> {
    let key = settings.weather_key.as_deref().unwrap_or("");
    let url = format!(
        "{}/data/2.5/weather?zip={zip_code},{country_code}&appid={key}",
        settings.weather_api
    );
    let resp = http.get(url).send().await?;
    if resp.status() == reqwest::StatusCode::NOT_FOUND {
        return Ok(Value::Null);
    }
    resp.error_for_status()?.json().await
}
