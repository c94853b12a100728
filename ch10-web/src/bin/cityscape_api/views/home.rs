//! The welcome text at `/`, and the answers for an unknown page or method.
//!
//! Ports: <https://github.com/talkpython/async-techniques-python-course/blob/master/src/10-async-web/cityscape_api/views/home.py>

use hyper::header::{ALLOW, HeaderValue};
use hyper::{Response, StatusCode};

use ch10_web::replies::reply;

const TEXT: &str = "text/plain; charset=utf-8";

/// `/`: names the two API routes. (The course's text runs `and/api/weather` together; a space is
/// added here.)
pub fn index() -> Response<String> {
    let welcome = "Welcome to the city_scape API. \
                   Use /api/sun/[zipcode]/[country code (e.g. us)] and \
                   /api/weather/[zipcode]/[country code (e.g. us)] for API calls.";
    reply(StatusCode::OK, TEXT, welcome.to_owned())
}

/// A zip code no service knows, and (unlike the course, where Flask answers its standard
/// `404 Not Found` page) an unknown page.
pub fn not_found() -> Response<String> {
    reply(
        StatusCode::NOT_FOUND,
        TEXT,
        "The page was not found.".to_owned(),
    )
}

/// Every route answers `GET` (and `HEAD`, its head alone), as the course's do; `OPTIONS` gets
/// the methods with an empty 200, as Flask and Quart answer it, and any other method a 405.
pub fn method_not_allowed(method: &str) -> Response<String> {
    let mut answer = if method == "OPTIONS" {
        reply(StatusCode::OK, TEXT, String::new())
    } else {
        let text = "The method is not allowed for this page.";
        reply(StatusCode::METHOD_NOT_ALLOWED, TEXT, text.to_owned())
    };
    answer
        .headers_mut()
        .insert(ALLOW, HeaderValue::from_static("GET, HEAD, OPTIONS"));
    answer
}
