//! The course's Quart app as an async server: axum on tokio, the same routes and JSON as
//! `cityscape_api`, with every wait an `.await` that frees the thread for other requests.
//!
//! Ports: `src/10-async-web/acityscape_api/app.py`
//!
//! Run: `cargo run -p ch10-web --release --bin acityscape_api`, then, in a second terminal,
//! `cargo run -p ch10-web --release --bin loadtest -- --connections 100 http://127.0.0.1:5001/api/sun/97227/us`
//!
//! Copy: `cargo add axum tokio rand serde serde_json reqwest --features axum/json,tokio/rt-multi-thread,tokio/macros,tokio/net,tokio/time,tokio/signal,reqwest/json,serde/derive`
//! (for this folder: `main.rs`, `config/`, `services/`, `views/`)
//!
//! It prints `Using cached data? False` and ` * Running on http://127.0.0.1:5001` (the port it
//! really got, with `--port 0`), then serves `/`, `/api/sun/97227/us` and
//! `/api/weather/97227/us` until Ctrl-C or SIGTERM, on the runtime's threads (one per core). The
//! services call the embedded local site's JSON APIs, which wait the course's measured latencies;
//! `--cached` sleeps those latencies in the app instead, like the course's cached mode; `--live`
//! calls the real APIs. `--timeline` draws, on shutdown, the upstream calls the embedded site saw
//! (the first 40, and the peak over all of them): as many in flight as there were clients. A
//! server may run for hours, hence the window and the summary rather than one row per call; with
//! `--cached`, `--live` or `--base-url` there is no embedded site to ask, and it draws the
//! server's own requests instead. `diff -r` this folder against `cityscape_api/`: the services
//! differ only by `async` and `.await`.
//!
//! Python vs Rust: as with Quart, a request that waits holds no thread, so two threads keep
//! thousands of requests in flight; unlike Python, those threads also run in parallel (no GIL),
//! and a handler that blocks (a `std::thread::sleep`, a blocking client) would stall its whole
//! thread: the services must use tokio's sleep and reqwest's async client.

mod config {
    pub mod settings;
}
mod services {
    pub mod event_service;
    pub mod location_service;
    pub mod sun_service;
    pub mod weather_service;
}
mod views {
    pub mod city_api;
    pub mod home;
}

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::anyhow;
use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;
use clap::Parser;
use course_kit::cli::{Net, Seed, TimeScale, Timeline};
use course_kit::site::{LocalSite, SiteConfig};
use course_kit::timeline::{self, Rows, Span};
use tokio::net::TcpListener;
use tokio::sync::Notify;

use config::settings::Settings;
use views::{city_api, home};

/// The course's city API (Quart's twin): an async server, axum on tokio.
#[derive(Parser, Debug)]
#[command(about, long_about = None)]
struct Args {
    /// Port to listen on; 0 picks a free one
    #[arg(long, default_value_t = 5001)]
    port: u16,
    /// Address to listen on (0.0.0.0 opens the server to the network)
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// The course's cached mode: the location and sun services sleep a measured latency and return fixed data
    #[arg(long)]
    cached: bool,
    /// Your own OpenWeatherMap API key, for --live [default: $OPENWEATHER_API_KEY]
    #[arg(long, value_name = "KEY")]
    weather_key: Option<String>,
    #[command(flatten)]
    net: Net,
    #[command(flatten)]
    time: TimeScale,
    #[command(flatten)]
    seed: Seed,
    #[command(flatten)]
    timeline: Timeline,
}

/// What every handler shares: one HTTP client (its connection pool) and the settings.
#[derive(Debug)]
pub struct AppState {
    /// The async client; cloning it would share the same pool.
    pub http: reqwest::Client,
    /// Read by the services.
    pub settings: Settings,
}

/// Counts the requests answered and, for `--timeline` without an embedded site, records them.
#[derive(Debug, Default)]
struct Journal {
    served: AtomicUsize,
    log: Option<Mutex<Vec<(String, Instant, Instant)>>>,
}

/// How long the in-flight requests get to finish after Ctrl-C; a request stuck on a slow
/// upstream is cut after this.
const GRACE: Duration = Duration::from_secs(5);

#[tokio::main]
async fn main() -> ExitCode {
    course_kit::exit::quiet_broken_pipe();
    let args = Args::parse();
    course_kit::exit::report(run(&args).await)
}

async fn run(args: &Args) -> anyhow::Result<ExitCode> {
    // The course's configure_app(): where the services get their data.
    let site = if args.net.live || args.net.base_url.is_some() {
        None
    } else {
        Some(LocalSite::start(SiteConfig {
            time_scale: args.time.time_scale,
            seed: args.seed.value(),
            ..SiteConfig::default()
        })?)
    };
    let weather_key = args
        .weather_key
        .clone()
        .or_else(|| std::env::var("OPENWEATHER_API_KEY").ok())
        .filter(|key| !key.trim().is_empty());
    let app = Arc::new(AppState {
        http: course_kit::http::client(args.net.timeout())?,
        settings: settings(args, site.as_ref(), weather_key),
    });

    println!(
        "Using cached data? {}",
        if app.settings.use_cached_data {
            "True"
        } else {
            "False"
        }
    );
    if args.net.live {
        println!(
            "--live: location from api.zippopotam.us (the course's www.datasciencetoolkit.org no longer exists), \
             sun from api.sunrise-sunset.org, weather from api.openweathermap.org"
        );
        if app.settings.weather_key.is_none() {
            println!(
                "--live: no weather API key (--weather-key or OPENWEATHER_API_KEY); /api/weather will answer 502"
            );
        }
    }

    let listener = bind(args.host, args.port).await?;
    let shutdown = shutdown_signal()?;
    let addr = listener.local_addr()?;
    println!(" * Running on http://{addr}");
    println!(" * Press Ctrl-C to quit");

    let journal = Arc::new(Journal {
        served: AtomicUsize::new(0),
        log: (args.timeline.timeline && (site.is_none() || args.cached)).then(Mutex::default),
    });
    run_web_app(listener, app, Arc::clone(&journal), shutdown).await?;

    course_kit::interrupt::announce();
    println!(
        "Served {} requests.",
        course_kit::fmt::thousands(journal.served.load(Ordering::SeqCst))
    );
    if args.timeline.timeline {
        let log = Arc::into_inner(journal).and_then(|j| j.log);
        draw_timeline(site.as_ref(), log);
    }
    Ok(course_kit::interrupt::exit_code())
}

fn settings(args: &Args, site: Option<&LocalSite>, weather_key: Option<String>) -> Settings {
    let (location_api, sun_api, weather_api) = if args.net.live {
        (
            "https://api.zippopotam.us".to_owned(),
            "https://api.sunrise-sunset.org".to_owned(),
            "https://api.openweathermap.org".to_owned(),
        )
    } else {
        let base = match (site, &args.net.base_url) {
            (Some(site), _) => site.url().as_str().to_owned(),
            (None, Some(url)) => url.as_str().to_owned(),
            (None, None) => String::new(),
        };
        let base = base.trim_end_matches('/');
        (
            format!("{base}/api/location"),
            format!("{base}/api/sun"),
            format!("{base}/api/weather"),
        )
    };
    Settings {
        use_cached_data: args.cached,
        time_scale: args.time.time_scale,
        location_api,
        sun_api,
        weather_api,
        weather_key,
    }
}

async fn bind(host: IpAddr, port: u16) -> anyhow::Result<TcpListener> {
    TcpListener::bind(SocketAddr::new(host, port))
        .await
        .map_err(|err| {
            if err.kind() == io::ErrorKind::AddrInUse {
                anyhow!(
                    "port {port} is already in use (another server? choose one with --port, or --port 0 for a free one)"
                )
            } else {
                anyhow!(err).context(format!("cannot listen on {host}:{port}"))
            }
        })
}

/// Serves until Ctrl-C or SIGTERM; then stops taking requests and gives those in flight
/// [`GRACE`] to finish.
async fn run_web_app(
    listener: TcpListener,
    app: Arc<AppState>,
    journal: Arc<Journal>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    // The app's routes (the course registers them with blueprints).
    let routes = Router::new()
        .route("/", get(home::index))
        .route("/api/weather/{zip_code}/{country}", get(city_api::weather))
        .route("/api/sun/{zip_code}/{country}", get(city_api::sun))
        .fallback(home::not_found)
        .with_state(app)
        .layer(middleware::from_fn_with_state(journal, record));

    let stopping = Arc::new(Notify::new());
    let signalled = Arc::clone(&stopping);
    let server = axum::serve(listener, routes).with_graceful_shutdown(async move {
        shutdown.await;
        signalled.notify_one();
    });
    tokio::select! {
        served = server => served,
        () = async {
            stopping.notified().await;
            tokio::time::sleep(GRACE).await;
        } => Ok(()),
    }
}

/// Ctrl-C, or SIGTERM (a `kill`, a service manager stopping the server). The handlers are
/// installed now, before the server announces itself, so that a signal that comes at once is not
/// lost; the returned future resolves on the first one.
fn shutdown_signal() -> io::Result<impl Future<Output = ()>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut interrupt = signal(SignalKind::interrupt())?;
        let mut terminate = signal(SignalKind::terminate())?;
        Ok(async move {
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = terminate.recv() => {}
            }
        })
    }
    #[cfg(not(unix))]
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
    })
}

async fn record(State(journal): State<Arc<Journal>>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let label = req.uri().to_string();
    let response = next.run(req).await;
    journal.served.fetch_add(1, Ordering::Relaxed);
    if let Some(log) = &journal.log {
        let mut log = log.lock().unwrap_or_else(PoisonError::into_inner);
        log.push((label, started, Instant::now()));
    }
    response
}

/// The most rows drawn: a server answers thousands of requests, and the first few dozen already
/// show the shape; the summary after the chart counts them all.
const TIMELINE_ROWS: usize = 40;

fn draw_timeline(site: Option<&LocalSite>, log: Option<Mutex<Vec<(String, Instant, Instant)>>>) {
    let (spans, what) = match log {
        Some(log) => {
            println!(
                "--timeline: no embedded site answers the services with --cached, --live or --base-url; \
                 drawing this server's own requests (from arrival to answer)"
            );
            let log = log.into_inner().unwrap_or_else(PoisonError::into_inner);
            let origin = log.iter().map(|(_, start, _)| *start).min();
            let mut spans: Vec<Span> = log
                .into_iter()
                .map(|(label, start, end)| {
                    Span::between(label, origin.unwrap_or(start), start, end)
                })
                .collect();
            spans.sort_by_key(|span| span.start);
            (spans, "requests")
        }
        None => {
            println!(
                "--timeline: the upstream calls the embedded site answered, in order of arrival"
            );
            (
                site.map(LocalSite::spans).unwrap_or_default(),
                "upstream calls",
            )
        }
    };
    let shown = &spans[..spans.len().min(TIMELINE_ROWS)];
    print!(
        "{}",
        timeline::render(shown, Rows::Requests, timeline::width())
    );
    if spans.len() > shown.len() {
        println!(
            "(the first {} of {} {what}; over all of them, at most {} in flight at once)",
            shown.len(),
            spans.len(),
            timeline::peak(&spans)
        );
    }
}
