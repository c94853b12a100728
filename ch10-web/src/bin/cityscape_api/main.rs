//! The course's Flask app: blocking views and services, on a thread per connection.
//!
//! Ports: <https://github.com/talkpython/async-techniques-python-course/blob/master/src/10-async-web/cityscape_api/app.py>
//! Run: `cargo run -p ch10-web --release --bin cityscape_api`, and from a second terminal
//! `cargo run -p ch10-web --release --bin loadtest -- --connections 100 http://127.0.0.1:5001/api/sun/97227/us`
//! Copy: `cargo add hyper http reqwest serde serde_json rand --features hyper/http1,hyper/server,reqwest/blocking,reqwest/json,serde/derive`
//! for `config/`, `services/` and `views/`; this file's serving is `ch10-web/src/lib.rs` (README.md).
//! Expect: `Using cached data? False`, ` * Running on http://127.0.0.1:5001`; Ctrl-C prints
//! `Served N requests.` (exit 130; SIGTERM 143).
//! Serving: a thread per connection, as Flask's development server, which the course runs;
//! `--threads N`, a fixed pool (more clients queue); `--processes N`, Gunicorn's `-w N` workers.
//! Python vs Rust: no GIL, so the threads really run at once, yet each waiting request holds its
//! thread through both upstream calls. An unknown page gets `The page was not found.`, where
//! Flask answers its standard `404 Not Found` page.

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

use std::process::ExitCode;

use ch10_web::processes::Master;
use ch10_web::{Flags, Server, Threads};
use clap::Parser;
use hyper::Response;

use config::settings::{self, Settings};
use views::{city_api, home};

/// The course's city API (Flask's twin): blocking views, a thread per connection or a fixed pool, in one process or N.
#[derive(Parser, Debug)]
#[command(name = "cityscape_api", version, long_about = None)]
struct Args {
    #[command(flatten)]
    flags: Flags,
    #[command(flatten)]
    threads: Threads,
}

/// What every view shares: one HTTP client (its connection pool) and the settings.
#[derive(Debug)]
pub struct AppState {
    pub http: reqwest::blocking::Client,
    pub settings: Settings,
}

fn configure_app(server: &Server) -> anyhow::Result<AppState> {
    let settings = settings::load(server);
    let cached = ch10_web::python_bool(settings.use_cached_data);
    println!("Using cached data? {cached}");
    let http = course_kit::http::blocking_client(server.timeout())?;
    Ok(AppState { http, settings })
}

/// The routes the course's blueprints register, by method and path segment.
fn routes(app: &AppState, method: &str, path: &[&str]) -> Response<String> {
    match (method, path) {
        ("GET", [""]) => home::index(),
        ("GET", ["api", "weather", zip_code, country]) => city_api::weather(app, zip_code, country),
        ("GET", ["api", "sun", zip_code, country]) => city_api::sun(app, zip_code, country),
        (_, [""] | ["api", "weather" | "sun", _, _]) => home::method_not_allowed(method),
        _ => home::not_found(),
    }
}

fn run_web_app(args: &Args) -> anyhow::Result<ExitCode> {
    let server = Server::new(&args.flags)?;
    let app = configure_app(&server)?;
    // The app as a value, WSGI's `app(environ, start_response)`: a request in, a response out.
    let wsgi_app = move |method: &str, path: &[&str]| routes(&app, method, path);
    server.serve_threads(&args.threads, wsgi_app)
}

fn main() -> ExitCode {
    course_kit::exit::quiet_broken_pipe();
    let args = Args::parse();
    // `--processes N`: the master (Gunicorn's arbiter) never builds the app; each of its N
    // workers is this program again, which serves below as one process does.
    if let Some(master) = Master::new(&args.flags) {
        return course_kit::exit::report(master.run());
    }
    course_kit::exit::report(run_web_app(&args))
}
