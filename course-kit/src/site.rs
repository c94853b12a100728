//! The embedded local web site: network programs fetch from it by default, so they run offline,
//! in tests, and with the same concurrency pay-off as the real sites.
//!
//! It is a real HTTP/1.1 server (axum on hyper) on `127.0.0.1` and an ephemeral port, running on
//! its own thread and tokio runtime, so synchronous and asynchronous programs can both use it.
//! Every response waits a latency drawn from a realistic range (300–500 ms by default, like the
//! course's measured latencies), fixed per path for a given seed, and scaled by `--time-scale`.
//!
//! | path | what it serves |
//! |---|---|
//! | `/` | an index of these pages |
//! | `/{n}` | talkpython.fm episode page `n`; its first `<h1>` is the episode title |
//! | `/episodes/show/{n}/{slug}` | a long article page (ch09's downloads) |
//! | `/site/{host}` | the front pages of ch08's five sites (`talkpython.fm`, `pythonbytes.fm`, `google.com`, `realpython.com`, `training.talkpython.fm`) |
//! | `/titles/{case}` | crafted pages for the title rule: `h1`, `h1-link-title`, `empty-h1`, `empty-h1-link-text`, `no-h1` |
//! | `/fault/{kind}[/anything]` | a fault: `404`, `500`, `slow` (answers after 120 s), `no-h1`, `not-html`, `drop` (the connection is cut mid-body) |
//! | `/api/...` | the JSON upstream services of ch10 (location, sun, weather): see `upstream.rs`; they wait their own latencies |
//!
//! The site records every request it serves: its path, when it arrived, and when its last byte
//! went out ([`LocalSite::spans`]); its peak concurrency is read from that log. That is what `--timeline`
//! draws, so the lesson code needs no instrumentation.
//!
//! Because `/fault/{kind}/...` accepts any suffix, `--base-url http://127.0.0.1:PORT/fault/500`
//! makes every page of a program fail. Tests that need one faulty page among good ones add it with
//! [`SiteConfig::faults`].

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{Path, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use rand::{Rng, SeedableRng, rngs::StdRng};
use tokio::sync::oneshot;
use url::Url;

use crate::cli::Net;
use crate::timeline::{self, Rows, Span};

mod upstream;

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

/// How the site behaves.
#[derive(Debug, Clone)]
pub struct SiteConfig {
    /// Multiplies the latency (the programs pass their `--time-scale`).
    pub time_scale: f64,
    /// The latency range in milliseconds, before scaling.
    pub latency_ms: (u64, u64),
    /// Picks each path's latency within the range.
    pub seed: u64,
    /// Paths (such as `/377`) that answer with a fault instead of their page.
    pub faults: Vec<(String, Fault)>,
}

impl Default for SiteConfig {
    fn default() -> Self {
        SiteConfig {
            time_scale: 1.0,
            latency_ms: (300, 500),
            seed: 0,
            faults: Vec::new(),
        }
    }
}

struct Inner {
    cfg: SiteConfig,
    faults: HashMap<String, Fault>,
    /// Every request, in order of arrival: its path, its arrival, and when its last byte left.
    log: Mutex<Vec<(String, Instant, Option<Instant>)>>,
}

impl Inner {
    fn new(cfg: SiteConfig) -> Inner {
        Inner {
            faults: cfg.faults.iter().cloned().collect(),
            cfg,
            log: Mutex::new(Vec::new()),
        }
    }
}

/// The running site. It stops when this value is dropped.
#[derive(Debug)]
pub struct LocalSite {
    url: Url,
    inner: Arc<Inner>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inner")
            .field("cfg", &self.cfg)
            .finish_non_exhaustive()
    }
}

impl LocalSite {
    /// Binds `127.0.0.1:0` and starts serving on a background thread.
    pub fn start(cfg: SiteConfig) -> io::Result<LocalSite> {
        let listener = std::net::TcpListener::bind(("127.0.0.1", 0))?;
        listener.set_nonblocking(true)?;
        let addr: SocketAddr = listener.local_addr()?;
        let url = Url::parse(&format!("http://{addr}/")).map_err(io::Error::other)?;
        let inner = Arc::new(Inner::new(cfg));
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("local-site")
            .enable_all()
            .build()?;
        let (shutdown, stop) = oneshot::channel::<()>();
        let app = router(Arc::clone(&inner));
        let thread = std::thread::Builder::new()
            .name("local-site".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                        return;
                    };
                    // Not a graceful shutdown: a `slow` request would hold it for two minutes.
                    tokio::select! {
                        _ = axum::serve(listener, app) => {}
                        _ = stop => {}
                    }
                });
                runtime.shutdown_background();
            })?;
        Ok(LocalSite {
            url,
            inner,
            shutdown: Some(shutdown),
            thread: Some(thread),
        })
    }

    /// `http://127.0.0.1:PORT/`.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The full URL of a path on this site.
    pub fn url_for(&self, path: &str) -> String {
        join(self.url.as_str(), path)
    }

    /// The most requests that were being answered at the same moment: 1 for a strictly
    /// sequential client, up to N for N overlapping downloads. Read from the log, as the chart is.
    pub fn peak_concurrency(&self) -> usize {
        timeline::peak(&self.spans())
    }

    /// How many requests have been answered (or started answering).
    pub fn requests_served(&self) -> usize {
        self.inner
            .log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Every request served so far, in order of arrival, for [`crate::timeline`]: labelled with
    /// its path (and query), from its arrival to its last byte out, measured from the first
    /// arrival. A request still being answered ends now.
    pub fn spans(&self) -> Vec<Span> {
        let log = self
            .inner
            .log
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let Some(origin) = log.first().map(|(_, arrived, _)| *arrived) else {
            return Vec::new();
        };
        let now = Instant::now();
        log.iter()
            .map(|(path, arrived, done)| {
                Span::between(path.clone(), origin, *arrived, done.unwrap_or(now))
            })
            .collect()
    }
}

impl Drop for LocalSite {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Where a network program's pages come from: the embedded site (the default), `--base-url`, or
/// `--live`.
#[derive(Debug)]
pub enum Source {
    /// The embedded site, running on 127.0.0.1 for as long as this value lives.
    Local(LocalSite),
    /// `--base-url`.
    Url(Url),
    /// `--live`: the course's real sites.
    Live,
}

impl Source {
    /// Starts the embedded site, with its latency scaled by `time_scale`, unless `--base-url` or
    /// `--live` was given. Keep the returned value alive while downloading: dropping a
    /// `Source::Local` stops the site.
    pub fn from_flags(net: &Net, time_scale: f64) -> io::Result<Source> {
        Source::with_config(
            net,
            SiteConfig {
                time_scale,
                ..SiteConfig::default()
            },
        )
    }

    /// [`Source::from_flags`] for a program that sets more of the embedded site than its
    /// latency's scale (a seed, faults): `cfg` is used only when the site is started.
    pub fn with_config(net: &Net, cfg: SiteConfig) -> io::Result<Source> {
        Ok(if net.live {
            Source::Live
        } else if let Some(url) = &net.base_url {
            Source::Url(url.clone())
        } else {
            Source::Local(LocalSite::start(cfg)?)
        })
    }

    /// The base URL to put paths under; `live` is the course's real site for this program.
    pub fn base(&self, live: &str) -> String {
        let base = match self {
            Source::Local(site) => site.url().as_str().to_owned(),
            Source::Url(url) => url.as_str().to_owned(),
            Source::Live => live.to_owned(),
        };
        base.trim_end_matches('/').to_owned()
    }

    /// `base/path`, keeping any path the base already has (`--base-url http://h/fault/404`).
    pub fn url_for(&self, live: &str, path: &str) -> String {
        join(&self.base(live), path)
    }

    /// True for `--live`.
    pub fn is_live(&self) -> bool {
        matches!(self, Source::Live)
    }

    /// The embedded site, when it is the source.
    pub fn site(&self) -> Option<&LocalSite> {
        match self {
            Source::Local(site) => Some(site),
            _ => None,
        }
    }

    /// `--timeline`, the one call in a network program's `main`: when `wanted`, draws what the
    /// embedded site saw (one row per request, from its arrival to its last byte out), so the
    /// lesson code needs no timing of its own. Another site cannot be asked what it saw, so with
    /// `--live` or `--base-url` this prints one line saying so (`--timeline: no chart with
    /// --base-url (it draws what the embedded site saw)`), and draws nothing.
    pub fn draw_timeline(&self, wanted: bool) {
        if !wanted {
            return;
        }
        match self {
            Source::Local(site) => timeline::print(&site.spans(), Rows::Requests),
            Source::Url(_) => println!("{}", no_chart("--base-url")),
            Source::Live => println!("{}", no_chart("--live")),
        }
    }
}

/// `base/path` with exactly one slash between them, keeping any path the base already has.
fn join(base: &str, path: &str) -> String {
    let (base, path) = (base.trim_end_matches('/'), path.trim_start_matches('/'));
    format!("{base}/{path}")
}

/// What `--timeline` prints instead of a chart when `flag` sent the requests to another site.
pub fn no_chart(flag: &str) -> String {
    format!("--timeline: no chart with {flag} (it draws what the embedded site saw)")
}

fn router(inner: Arc<Inner>) -> Router {
    Router::new()
        .merge(upstream::router(&inner.cfg))
        .route("/", get(index))
        .route("/{n}", get(episode))
        .route("/episodes/show/{n}/{slug}", get(article))
        .route("/site/{host}", get(front_page))
        .route("/titles/{case}", get(title_case))
        .route("/fault/{kind}", get(fault_route))
        .route("/fault/{kind}/{*rest}", get(fault_route_rest))
        .layer(middleware::from_fn_with_state(Arc::clone(&inner), latency))
        .layer(middleware::from_fn_with_state(Arc::clone(&inner), record))
        .with_state(inner)
}

/// The outermost layer: logs every request from its arrival until its response body has been
/// sent (or dropped, when the client went away).
async fn record(State(inner): State<Arc<Inner>>, req: Request, next: Next) -> Response {
    let label = req
        .uri()
        .path_and_query()
        .map_or_else(|| req.uri().path().to_owned(), ToString::to_string);
    let index = {
        let mut log = inner.log.lock().unwrap_or_else(PoisonError::into_inner);
        log.push((label, Instant::now(), None));
        log.len() - 1
    };
    let finished = Finished { inner, index };
    let (parts, body) = next.run(req).await.into_parts();
    Response::from_parts(parts, Body::new(Tracked { body, finished }))
}

/// Marks its request finished when dropped, which hyper does once the body's last frame is out.
struct Finished {
    inner: Arc<Inner>,
    index: usize,
}

impl Drop for Finished {
    fn drop(&mut self) {
        let mut log = self
            .inner
            .log
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(entry) = log.get_mut(self.index) {
            entry.2 = Some(Instant::now());
        }
    }
}

/// A response body that carries its request's [`Finished`] marker; otherwise it is the body
/// itself (same frames, same size hint, so `Content-Length` is kept).
struct Tracked {
    body: Body,
    // Never read: it is here to be dropped with the body.
    #[allow(dead_code)]
    finished: Finished,
}

impl HttpBody for Tracked {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}

/// Every page waits its path's latency (the `/api/` services wait their own); configured faults
/// replace the page.
async fn latency(State(inner): State<Arc<Inner>>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    if !path.starts_with("/api/") {
        tokio::time::sleep(inner.latency_for(&path)).await;
    }
    match inner.faults.get(&path) {
        Some(&fault) => fault_response(fault).await,
        None => next.run(req).await,
    }
}

impl Inner {
    fn latency_for(&self, path: &str) -> Duration {
        // A hash of the seed and the path (FNV-1a, from the seed: std's hashers may change
        // between releases), so a path's latency is the same on every run with one seed. Not
        // `Seed::rng_for`: the READMEs' timings (ch04's 4.16 s, ch09's 5.71 s) were measured
        // with these latencies.
        let hash = path
            .bytes()
            .fold(0xcbf2_9ce4_8422_2325 ^ self.cfg.seed, |h, b| {
                (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
            });
        let (lo, hi) = self.cfg.latency_ms;
        let ms = StdRng::seed_from_u64(hash).random_range(lo.min(hi)..=hi.max(lo));
        Duration::from_millis(ms).mul_f64(self.cfg.time_scale)
    }
}

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

fn page(title_html: &str, heading: &str, filler_paragraphs: usize) -> String {
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

async fn index() -> Html<String> {
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

fn not_found() -> Response {
    let html = Html(page("Not found", "<h1>Not found</h1>", 0));
    (StatusCode::NOT_FOUND, html).into_response()
}

/// The title of episode `n` on the embedded site.
pub fn episode_title(n: u32) -> String {
    let topic = EPISODE_TOPICS[n as usize % EPISODE_TOPICS.len()];
    format!("#{n}: {topic}")
}

async fn episode(Path(n): Path<String>) -> Response {
    match n.parse::<u32>() {
        Ok(n) => {
            let title = episode_title(n);
            Html(page(&title, &format!("<h1>\n    {title}\n  </h1>"), 150)).into_response()
        }
        Err(_) => not_found(),
    }
}

async fn article(Path((n, slug)): Path<(u32, String)>) -> Html<String> {
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

async fn front_page(Path(host): Path<String>) -> Response {
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

async fn title_case(Path(case): Path<String>) -> Response {
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

async fn fault_route(Path(kind): Path<String>) -> Response {
    match Fault::from_slug(&kind) {
        Some(fault) => fault_response(fault).await,
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn fault_route_rest(Path((kind, _rest)): Path<(String, String)>) -> Response {
    fault_route(Path(kind)).await
}

async fn fault_response(fault: Fault) -> Response {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn first_h1(html: &str) -> Option<String> {
        let doc = scraper::Html::parse_document(html);
        let h1 = doc
            .select(&scraper::Selector::parse("h1").unwrap())
            .next()?;
        Some(
            h1.text()
                .collect::<String>()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
        )
    }

    fn fast() -> LocalSite {
        LocalSite::start(SiteConfig {
            time_scale: 0.01,
            faults: vec![("/377".into(), Fault::ServerError)],
            ..SiteConfig::default()
        })
        .unwrap()
    }

    fn get(url: &str) -> reqwest::Result<reqwest::blocking::Response> {
        reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()?
            .get(url)
            .send()
    }

    #[test]
    fn serves_episode_pages_with_their_title() {
        let site = fast();
        let html = get(&site.url_for("/375"))
            .unwrap()
            .error_for_status()
            .unwrap()
            .text()
            .unwrap();
        assert_eq!(first_h1(&html), Some(episode_title(375)));
        assert!(
            html.len() > 10_000,
            "a realistic page size, got {}",
            html.len()
        );
        assert_eq!(get(&site.url_for("/abc")).unwrap().status(), 404);
        assert_eq!(
            get(&site.url_for("/377")).unwrap().status(),
            500,
            "configured fault"
        );
        assert_eq!(site.requests_served(), 3);
    }

    #[test]
    fn serves_faults_under_any_suffix() {
        let site = fast();
        assert_eq!(get(&site.url_for("/fault/404/375")).unwrap().status(), 404);
        assert_eq!(get(&site.url_for("/fault/500")).unwrap().status(), 500);
        let page = get(&site.url_for("/fault/no-h1/1"))
            .unwrap()
            .text()
            .unwrap();
        assert_eq!(first_h1(&page), None);
        let bin = get(&site.url_for("/fault/not-html"))
            .unwrap()
            .bytes()
            .unwrap();
        assert!(
            std::str::from_utf8(&bin).is_err(),
            "a body that is not text"
        );
        let dropped = get(&site.url_for("/fault/drop/9")).and_then(|r| r.text());
        assert!(dropped.is_err(), "a cut connection must be an error");
        let slow = reqwest::blocking::Client::builder()
            .timeout(Duration::from_millis(300))
            .build()
            .unwrap()
            .get(site.url_for("/fault/slow"))
            .send();
        assert!(slow.unwrap_err().is_timeout());
    }

    #[test]
    fn records_each_request_until_its_last_byte() {
        let site = fast();
        assert!(site.spans().is_empty());
        let client = reqwest::blocking::Client::new();
        for n in [375, 376] {
            client
                .get(site.url_for(&format!("/{n}?x=1")))
                .send()
                .unwrap()
                .text()
                .unwrap();
        }
        let spans = site.spans();
        let labels: Vec<&str> = spans.iter().map(|s| s.label.as_str()).collect();
        assert_eq!(labels, ["/375?x=1", "/376?x=1"]);
        assert_eq!(spans[0].start, Duration::ZERO);
        assert!(spans[0].end <= spans[1].start, "sequential: {spans:?}");
        assert!(spans[1].end > spans[1].start, "{spans:?}");
        assert_eq!(crate::timeline::peak(&spans), 1);
        assert_eq!(site.peak_concurrency(), 1);
    }

    #[test]
    fn latency_is_realistic_and_scaled() {
        let inner = Inner::new(SiteConfig::default());
        for n in 375..=384 {
            let d = inner.latency_for(&format!("/{n}"));
            assert!((300..=500).contains(&d.as_millis()), "{d:?}");
            assert_eq!(d, inner.latency_for(&format!("/{n}")), "fixed per path");
        }
    }

    #[test]
    fn join_keeps_base_paths() {
        let cases = [
            ("http://h:1/fault/404/", "/375", "http://h:1/fault/404/375"),
            ("https://talkpython.fm", "375", "https://talkpython.fm/375"),
        ];
        for (base, path, url) in cases {
            assert_eq!(join(base, path), url);
        }
    }

    #[test]
    fn front_pages_exist() {
        let site = fast();
        for host in FRONT_PAGES {
            assert_eq!(
                get(&site.url_for(&format!("/site/{host}")))
                    .unwrap()
                    .status(),
                200
            );
        }
    }
}
