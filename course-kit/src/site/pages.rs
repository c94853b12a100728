//! The embedded site's pages: the index, talkpython.fm's episodes, long articles, ch08's five
//! front pages and the title rule's crafted cases.

use std::fmt::Write as _;

use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

const EPISODE_TOPICS: [&str; 12] = [
    "Async Python in production",
    "Threads, processes, and the GIL",
    "Structured concurrency with nurseries",
    "Profiling CPU-bound Python",
    "Event loops under the hood",
    "Web scraping at scale",
    "Rust for Python developers",
    "Testing concurrent code",
    "Fast APIs on async frameworks",
    "Data pipelines that wait well",
    "Compiling Python to C",
    "Lock-free data structures",
];

pub(super) fn page(title_html: &str, heading: &str, filler_paragraphs: usize) -> String {
    let mut body = String::with_capacity(512 + filler_paragraphs * 180);
    let _ = write!(
        body,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title_html}</title></head>\n<body>\n<nav><a href=\"/\">Home</a> <a href=\"/1\">Episodes</a></nav>\n{heading}\n"
    );
    for i in 0..filler_paragraphs {
        let _ = writeln!(
            body,
            "<p>Paragraph {i}: while one request waits on the network, an event loop can start \
             the others; that waiting is the time concurrency wins back.</p>"
        );
    }
    body.push_str("</body></html>\n");
    body
}

pub(super) async fn index() -> Html<String> {
    let links = "<ul><li><a href=\"/375\">/375</a></li>\
        <li><a href=\"/episodes/show/174/coming-into-python-from-another-industry-part-2\">an article</a></li>\
        <li><a href=\"/site/talkpython.fm\">/site/talkpython.fm</a></li>\
        <li><a href=\"/fault/404\">/fault/404</a></li></ul>";
    Html(page(
        "Local course site",
        &format!("<h1>Local course site</h1>{links}"),
        0,
    ))
}

pub(super) fn not_found() -> Response {
    let html = Html(page("Not found", "<h1>Not found</h1>", 0));
    (StatusCode::NOT_FOUND, html).into_response()
}

/// The title of episode `n` on the embedded site.
pub fn episode_title(n: u32) -> String {
    let topic = EPISODE_TOPICS[n as usize % EPISODE_TOPICS.len()];
    format!("#{n}: {topic}")
}

pub(super) async fn episode(Path(n): Path<String>) -> Response {
    match n.parse::<u32>() {
        Ok(n) => {
            let title = episode_title(n);
            Html(page(&title, &format!("<h1>\n    {title}\n  </h1>"), 150)).into_response()
        }
        Err(_) => not_found(),
    }
}

pub(super) async fn article(Path((n, slug)): Path<(u32, String)>) -> Html<String> {
    let words: Vec<String> = slug
        .split('-')
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect())
                .unwrap_or_default()
        })
        .collect();
    let title = format!("Episode #{n}: {}", words.join(" "));
    // A long page, like the real ones (tens of kilobytes), sized by the episode number.
    Html(page(
        &title,
        &format!("<h1>{title}</h1>"),
        200 + (n as usize % 7) * 40,
    ))
}

/// The five sites of ch08, shaped so that each branch of the course's title rule is taken.
pub const FRONT_PAGES: [&str; 5] = [
    "talkpython.fm",
    "pythonbytes.fm",
    "google.com",
    "realpython.com",
    "training.talkpython.fm",
];

pub(super) async fn front_page(Path(host): Path<String>) -> Response {
    let heading = match host.as_str() {
        "talkpython.fm" => {
            "<h1>Talk Python To Me - A podcast on Python and related technologies</h1>"
        }
        "pythonbytes.fm" => {
            "<h1>  Python Bytes: news headlines delivered directly to your earbuds  </h1>"
        }
        // Like the real page: no <h1> at all.
        "google.com" => "<div id=\"logo\"><a href=\"/\">Search</a></div>",
        // Like the real page: the <h1> is an image link whose only text is its title attribute.
        "realpython.com" => {
            "<h1><a href=\"/\" title=\"Real Python\"><img src=\"/logo.png\" alt=\"\"></a></h1>"
        }
        "training.talkpython.fm" => "<h1>\n  Online Python courses\n</h1>",
        _ => {
            return not_found();
        }
    };
    Html(page(&host, heading, 60)).into_response()
}

pub(super) async fn title_case(Path(case): Path<String>) -> Response {
    let heading = match case.as_str() {
        "h1" => "<h1> A plain title </h1>",
        "h1-link-title" => "<h1><a href=\"/\" title=\"Linked title\"></a></h1>",
        "empty-h1" => "<h1>   </h1>",
        "empty-h1-link-text" => "<h1> <a href=\"/\"> </a> </h1>",
        "no-h1" => "<h2>Only a subheading</h2>",
        _ => {
            return not_found();
        }
    };
    Html(page(&case, heading, 5)).into_response()
}
