//! The welcome text at `/`, and the answers for an unknown page or method, as async handlers.
//!
//! Ports: <https://github.com/talkpython/async-techniques-python-course/blob/master/src/10-async-web/acityscape_api/views/home.py>
//! Needs beside it: `src/replies.rs` (the replies Flask and Quart make), as a module.

use axum::http::{Method, Response, StatusCode};

use ch10_web::replies::{self, reply};

const TEXT: &str = "text/plain; charset=utf-8";

/// `/`: names the two API routes. (The course's text runs `and/api/weather` together; a space is
/// added here.)
pub async fn index() -> Response<String> {
    let welcome = "Welcome to the city_scape API. \
                   Use /api/sun/[zipcode]/[country code (e.g. us)] and \
                   /api/weather/[zipcode]/[country code (e.g. us)] for API calls.";
    reply(StatusCode::OK, TEXT, welcome.to_owned())
}

/// A zip code no service knows, and (unlike the course, where Quart answers its standard
/// `404 Not Found` page) an unknown page.
pub async fn not_found() -> Response<String> {
    reply(
        StatusCode::NOT_FOUND,
        TEXT,
        "The page was not found.".to_owned(),
    )
}

/// Every route answers `GET` (and `HEAD`), as the course's do; any other method is what Flask
/// and Quart make of it.
pub async fn method_not_allowed(method: Method) -> Response<String> {
    replies::not_allowed(method.as_str())
}
