//! The course's Flask app as a blocking server: a fixed pool of worker threads, each answering one
//! request at a time, from start to finish, waiting on its upstream calls.
//!
//! Ports: `src/10-async-web/cityscape_api/app.py`
//!
//! Run: `cargo run -p ch10-web --release --bin cityscape_api`, then, in a second terminal,
//! `cargo run -p ch10-web --release --bin loadtest -- --connections 100 http://127.0.0.1:5001/api/sun/97227/us`
//!
//! Copy: `cargo add tiny_http percent-encoding rand serde serde_json reqwest --features reqwest/blocking,reqwest/json,serde/derive`
//! (for this folder: `main.rs`, `config/`, `services/`, `views/`)
//!
//! It prints `Using cached data? False` and ` * Running on http://127.0.0.1:5001` (the port it
//! really got, with `--port 0`), then serves `/`, `/api/sun/97227/us` and
//! `/api/weather/97227/us` until Ctrl-C or SIGTERM. `--workers` defaults to 2 × cores + 1, the
//! formula Gunicorn suggests for its sync workers (Flask's own development server is no production
//! server). The services call the embedded local site's JSON APIs, which wait the course's
//! measured latencies; `--cached` sleeps those latencies in the app instead, like the course's
//! cached mode; `--live` calls the real APIs. `--timeline` draws, on shutdown, the upstream calls
//! the embedded site saw (the first 40, and the peak over all of them): a band never deeper than
//! the worker count, whatever the load. A server may run for hours, hence the window and the
//! summary rather than one row per call; with `--cached`, `--live` or `--base-url` there is no
//! embedded site to ask, and it draws the server's own requests instead.
//!
//! Python vs Rust: Rust has no GIL, so five threads really run at once and each request costs
//! microseconds of CPU; yet the server still saturates at workers ÷ latency requests per second,
//! because a waiting request holds its thread for the whole upstream round trip.

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

use std::borrow::Cow;
use std::io::{self, Cursor};
use std::net::{IpAddr, TcpListener};
use std::num::NonZeroUsize;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::anyhow;
use clap::Parser;
use course_kit::cli::{MAX_WORKERS, Net, Seed, TimeScale, Timeline, available_parallelism};
use course_kit::site::{LocalSite, SiteConfig};
use course_kit::timeline::{self, Rows, Span};
use percent_encoding::percent_decode_str;
use tiny_http::{Method, Response, Server};

use config::settings::Settings;
use views::{city_api, home};

/// The course's city API (Flask's twin): a blocking server with a fixed pool of worker threads.
#[derive(Parser, Debug)]
#[command(about, long_about = None)]
struct Args {
    /// Port to listen on; 0 picks a free one
    #[arg(long, default_value_t = 5001)]
    port: u16,
    /// Address to listen on (0.0.0.0 opens the server to the network)
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// Worker threads, each answering one request at a time [default: 2 × cores + 1, Gunicorn's formula for sync workers]
    #[arg(long, value_name = "N", value_parser = parse_workers)]
    workers: Option<NonZeroUsize>,
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

fn parse_workers(s: &str) -> Result<NonZeroUsize, String> {
    match s.parse::<usize>().ok().and_then(NonZeroUsize::new) {
        Some(n) if n.get() <= MAX_WORKERS => Ok(n),
        _ => Err(format!(
            "must be a whole number from 1 to {MAX_WORKERS}, got {s}"
        )),
    }
}

/// The server's own record of its requests, for `--timeline` when there is no embedded site.
type Journal = Mutex<Vec<(String, Instant, Instant)>>;

fn main() -> ExitCode {
    course_kit::exit::quiet_broken_pipe();
    // First, so that a Ctrl-C (or SIGTERM) at any moment stops the server the same clean way.
    let stop = course_kit::interrupt::flag();
    let args = Args::parse();
    course_kit::exit::report(run(&args, &stop))
}

fn run(args: &Args, stop: &AtomicBool) -> anyhow::Result<ExitCode> {
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
    let settings = settings(args, site.as_ref(), weather_key);
    let http = course_kit::http::blocking_client(args.net.timeout())?;
    let workers = args
        .workers
        .map_or(2 * available_parallelism() + 1, NonZeroUsize::get);

    println!(
        "Using cached data? {}",
        if settings.use_cached_data {
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
        if settings.weather_key.is_none() {
            println!(
                "--live: no weather API key (--weather-key or OPENWEATHER_API_KEY); /api/weather will answer 502"
            );
        }
    }

    let listener = bind(args.host, args.port)?;
    let addr = listener.local_addr()?;
    let server = Server::from_listener(listener, None).map_err(|err| anyhow!("{err}"))?;
    println!(" * {workers} worker threads, each answering one request at a time");
    println!(" * Running on http://{addr}");
    println!(" * Press Ctrl-C to quit");

    let journal =
        (args.timeline.timeline && (site.is_none() || args.cached)).then(Journal::default);
    let served = run_web_app(&server, workers, &http, &settings, stop, journal.as_ref());

    if stop.load(Ordering::SeqCst) {
        course_kit::interrupt::announce();
    }
    println!("Served {} requests.", course_kit::fmt::thousands(served));
    if args.timeline.timeline {
        draw_timeline(site.as_ref(), journal);
    }
    Ok(if stop.load(Ordering::SeqCst) {
        course_kit::interrupt::exit_code()
    } else {
        ExitCode::FAILURE
    })
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

fn bind(host: IpAddr, port: u16) -> anyhow::Result<TcpListener> {
    TcpListener::bind((host, port)).map_err(|err| {
        if err.kind() == io::ErrorKind::AddrInUse {
            anyhow!(
                "port {port} is already in use (another server? choose one with --port, or --port 0 for a free one)"
            )
        } else {
            anyhow!(err).context(format!("cannot listen on {host}:{port}"))
        }
    })
}

/// The workers, as Gunicorn's sync workers: each takes the next request, answers it, and only
/// then takes another. Returns how many requests they answered, once `stop` is set.
fn run_web_app(
    server: &Server,
    workers: usize,
    http: &reqwest::blocking::Client,
    settings: &Settings,
    stop: &AtomicBool,
    journal: Option<&Journal>,
) -> usize {
    let served = AtomicUsize::new(0);
    thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                while !stop.load(Ordering::SeqCst) {
                    // recv() would block until the next request; waking every 100 ms lets an idle
                    // worker see the stop flag. A busy one sees it after its current request.
                    let request = match server.recv_timeout(Duration::from_millis(100)) {
                        Ok(Some(request)) => request,
                        Ok(None) => continue,
                        Err(_) => break, // the listening socket failed
                    };
                    let started = Instant::now();
                    let url = request.url().to_owned();
                    let response = route(request.method(), &url, http, settings);
                    // A client that hung up before its answer is not the server's error.
                    let _ = request.respond(response);
                    served.fetch_add(1, Ordering::Relaxed);
                    if let Some(journal) = journal {
                        let mut log = journal.lock().unwrap_or_else(PoisonError::into_inner);
                        log.push((url, started, Instant::now()));
                    }
                }
            });
        }
    });
    served.into_inner()
}

/// The app's routes (the course registers them with blueprints).
fn route(
    method: &Method,
    url: &str,
    http: &reqwest::blocking::Client,
    settings: &Settings,
) -> Response<Cursor<Vec<u8>>> {
    let path = url.split_once('?').map_or(url, |(path, _query)| path);
    // tiny_http hands over the raw target: decode each segment, so that `..%2f` arrives as `../`
    // and is refused by the view's check.
    let decoded: Vec<Cow<'_, str>> = path
        .split('/')
        .map(|segment| percent_decode_str(segment).decode_utf8_lossy())
        .collect();
    let segments: Vec<&str> = decoded.iter().map(AsRef::as_ref).collect();
    let known = matches!(
        segments[..],
        ["", ""] | ["", "api", "weather" | "sun", _, _]
    );
    if known && !matches!(method, Method::Get | Method::Head) {
        return home::method_not_allowed();
    }
    match segments[..] {
        ["", ""] => home::index(),
        ["", "api", "weather", zip_code, country] => {
            city_api::weather(http, settings, zip_code, country)
        }
        ["", "api", "sun", zip_code, country] => city_api::sun(http, settings, zip_code, country),
        _ => home::not_found(),
    }
}

/// The most rows drawn: a server answers thousands of requests, and the first few dozen already
/// show the shape; the summary after the chart counts them all.
const TIMELINE_ROWS: usize = 40;

fn draw_timeline(site: Option<&LocalSite>, journal: Option<Journal>) {
    let (spans, what) = match journal {
        Some(journal) => {
            println!(
                "--timeline: no embedded site answers the services with --cached, --live or --base-url; \
                 drawing this server's own requests (from a worker taking one to its answer)"
            );
            let log = journal.into_inner().unwrap_or_else(PoisonError::into_inner);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workers_are_bounded() {
        assert!(parse_workers("0").is_err());
        assert!(parse_workers("1025").is_err());
        assert_eq!(parse_workers("5").unwrap().get(), 5);
    }
}
