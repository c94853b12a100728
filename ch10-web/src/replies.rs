//! What the course's views leave to Flask and Quart: the bodies and their types, the check that
//! keeps a bad zip code or country from reaching a service, and the answer when a service fails.
//! Both servers' views use it (`http::Response` is hyper's and axum's alike, re-exported), so it lives here once;
//! it is not a file of the course, and it keeps each `city_api.rs` as short as `city_api.py`.

use http::header::{ALLOW, HeaderValue};
use http::{Response, StatusCode};
use serde_json::{Value, json};

/// A reply of `status` with `body`, of this content type.
pub fn reply(status: StatusCode, content_type: &str, body: String) -> Response<String> {
    let reply = Response::builder().status(status);
    let reply = reply.header("content-type", content_type).body(body);
    reply.expect("a status code and a content type are always a valid head")
}

/// `body` as JSON, as the course's `jsonify`.
pub fn json(status: StatusCode, body: &Value) -> Response<String> {
    reply(status, "application/json", body.to_string())
}

/// A zip code is 1 to 10 ASCII letters, digits, spaces or hyphens; a country is a two-letter
/// code. Anything else (empty, `..%2f`, control or non-ASCII characters, a 10,000-character
/// segment) is refused with a 400 and a one-line JSON error, and never reaches a service or a URL.
pub fn refusal(zip_code: &str, country: &str) -> Option<Response<String>> {
    let zip_ok = (1..=10).contains(&zip_code.len())
        && (zip_code.bytes()).all(|b| b.is_ascii_alphanumeric() || b == b' ' || b == b'-');
    let why = if !zip_ok {
        "a zip code is 1 to 10 letters, digits, spaces or hyphens"
    } else if !(country.len() == 2 && country.bytes().all(|b| b.is_ascii_alphabetic())) {
        "a country is a two-letter code, such as us"
    } else {
        return None;
    };
    Some(json(StatusCode::BAD_REQUEST, &json!({ "error": why })))
}

/// A method a route does not take, as Flask and Quart answer it: `OPTIONS` gets an empty 200,
/// anything else a 405, each naming the methods the routes take in `Allow`.
pub fn not_allowed(method: &str) -> Response<String> {
    let (status, text) = match method {
        "OPTIONS" => (StatusCode::OK, ""),
        _ => (
            StatusCode::METHOD_NOT_ALLOWED,
            "The method is not allowed for this page.",
        ),
    };
    let mut answer = reply(status, "text/plain; charset=utf-8", text.to_owned());
    let allow = HeaderValue::from_static("GET, HEAD, OPTIONS");
    answer.headers_mut().insert(ALLOW, allow);
    answer
}

/// Python's `not data`: no data, or an empty object.
pub fn is_empty(data: &Value) -> bool {
    data.is_null() || data.as_object().is_some_and(serde_json::Map::is_empty)
}

/// A service that failed or timed out: 502 with a one-line JSON error (Flask answers 500 with
/// its HTML error page, Quart a 500 with an empty body). Never the URL: the weather API's carries the learner's key.
pub fn upstream_failed(service: &str, err: &reqwest::Error) -> Response<String> {
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
    let error = format!("the {service} service failed: {why}");
    json(StatusCode::BAD_GATEWAY, &json!({ "error": error }))
}
