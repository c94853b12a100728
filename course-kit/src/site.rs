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
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;
use rand::{Rng, SeedableRng, rngs::StdRng};
use tokio::sync::oneshot;
use url::Url;

use crate::timeline::{self, Span};

mod faults;
mod pages;
mod record;
mod source;
mod upstream;

pub use faults::Fault;
pub use pages::{FRONT_PAGES, episode_title};
pub use source::{Source, no_chart};

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
        source::join(self.url.as_str(), path)
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

fn router(inner: Arc<Inner>) -> Router {
    Router::new()
        .merge(upstream::router(&inner.cfg))
        .route("/", get(pages::index))
        .route("/{n}", get(pages::episode))
        .route("/episodes/show/{n}/{slug}", get(pages::article))
        .route("/site/{host}", get(pages::front_page))
        .route("/titles/{case}", get(pages::title_case))
        .route("/fault/{kind}", get(faults::fault_route))
        .route("/fault/{kind}/{*rest}", get(faults::fault_route_rest))
        .layer(middleware::from_fn_with_state(Arc::clone(&inner), latency))
        .layer(middleware::from_fn_with_state(
            Arc::clone(&inner),
            record::record,
        ))
        .with_state(inner)
}

/// Every page waits its path's latency (the `/api/` services wait their own); configured faults
/// replace the page.
async fn latency(State(inner): State<Arc<Inner>>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    if !path.starts_with("/api/") {
        tokio::time::sleep(inner.latency_for(&path)).await;
    }
    match inner.faults.get(&path) {
        Some(&fault) => faults::fault_response(fault).await,
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
