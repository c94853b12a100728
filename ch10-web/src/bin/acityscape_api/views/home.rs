//! The welcome text at `/`, and the answer for a page that does not exist (axum answers a method
//! the app does not take with 405 by itself).
//!
//! Ports: `src/10-async-web/acityscape_api/views/home.py`

use axum::http::StatusCode;

/// `/`: names the two API routes. (The course's text runs `and/api/weather` together; a space is
/// added here.)
pub async fn index() -> &'static str {
    "Welcome to the city_scape API. \
     Use /api/sun/[zipcode]/[country code (e.g. us)] and \
     /api/weather/[zipcode]/[country code (e.g. us)] for API calls."
}

/// Any unknown page, and a zip code no service knows.
pub async fn not_found() -> (StatusCode, &'static str) {
    (StatusCode::NOT_FOUND, "The page was not found.")
}
