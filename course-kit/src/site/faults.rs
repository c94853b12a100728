//! The faults the embedded site serves on request: `/fault/{kind}[/anything]`, or a configured
//! path ([`super::SiteConfig::faults`]).

use std::io;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use super::pages::{not_found, page};

/// A fault the site can be asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fault {
    /// `404 Not Found`.
    NotFound,
    /// `500 Internal Server Error`.
    ServerError,
    /// Answers only after 120 s: the client's timeout fires first.
    Slow,
    /// A valid HTML page without any `<h1>`.
    NoH1,
    /// A binary body with `content-type: application/octet-stream`.
    NotHtml,
    /// Starts a body, then cuts the connection.
    Drop,
}

impl Fault {
    /// Every fault, for tests that try them all.
    pub const ALL: [Fault; 6] = [
        Fault::NotFound,
        Fault::ServerError,
        Fault::Slow,
        Fault::NoH1,
        Fault::NotHtml,
        Fault::Drop,
    ];

    /// The path segment that selects it: `/fault/{slug}`.
    pub fn slug(self) -> &'static str {
        match self {
            Fault::NotFound => "404",
            Fault::ServerError => "500",
            Fault::Slow => "slow",
            Fault::NoH1 => "no-h1",
            Fault::NotHtml => "not-html",
            Fault::Drop => "drop",
        }
    }

    fn from_slug(s: &str) -> Option<Fault> {
        Fault::ALL.into_iter().find(|f| f.slug() == s)
    }
}

pub(super) async fn fault_route(Path(kind): Path<String>) -> Response {
    match Fault::from_slug(&kind) {
        Some(fault) => fault_response(fault).await,
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

pub(super) async fn fault_route_rest(Path((kind, _rest)): Path<(String, String)>) -> Response {
    fault_route(Path(kind)).await
}

pub(super) async fn fault_response(fault: Fault) -> Response {
    match fault {
        Fault::NotFound => not_found(),
        Fault::ServerError => (
            StatusCode::INTERNAL_SERVER_ERROR,
            Html(page("Server error", "<h1>Server error</h1>", 0)),
        )
            .into_response(),
        Fault::Slow => {
            tokio::time::sleep(Duration::from_secs(120)).await;
            Html(page("Slow", "<h1>Finally</h1>", 0)).into_response()
        }
        Fault::NoH1 => Html(page("No heading", "<h2>Only a subheading</h2>", 5)).into_response(),
        Fault::NotHtml => (
            [(header::CONTENT_TYPE, "application/octet-stream")],
            vec![0x89_u8, b'P', b'N', b'G', 0, 0xff, 0xfe, 0x00, 0x10],
        )
            .into_response(),
        Fault::Drop => {
            let chunks: Vec<Result<Bytes, io::Error>> = vec![
                Ok(Bytes::from_static(
                    b"<!DOCTYPE html><html><body><h1>Half a pa",
                )),
                Err(io::Error::new(
                    io::ErrorKind::ConnectionReset,
                    "dropped on purpose",
                )),
            ];
            Response::builder()
                .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
                .body(Body::from_stream(futures::stream::iter(chunks)))
                .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
        }
    }
}
