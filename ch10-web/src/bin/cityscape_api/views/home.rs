//! The welcome text at `/`, and the answers for a page that does not exist or a method the app
//! does not take.
//!
//! Ports: `src/10-async-web/cityscape_api/views/home.py`

use std::io::Cursor;

use tiny_http::Response;

/// `/`: names the two API routes. (The course's text runs `and/api/weather` together; a space is
/// added here.)
pub fn index() -> Response<Cursor<Vec<u8>>> {
    Response::from_string(
        "Welcome to the city_scape API. \
         Use /api/sun/[zipcode]/[country code (e.g. us)] and \
         /api/weather/[zipcode]/[country code (e.g. us)] for API calls.",
    )
}

/// Any unknown page, and a zip code no service knows.
pub fn not_found() -> Response<Cursor<Vec<u8>>> {
    Response::from_string("The page was not found.").with_status_code(404)
}

/// Every route answers `GET` only, as the course's do.
pub fn method_not_allowed() -> Response<Cursor<Vec<u8>>> {
    Response::from_string("The method is not allowed for this page.").with_status_code(405)
}
