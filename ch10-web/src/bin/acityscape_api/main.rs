//! The course's Quart app: the same views and services with `async` and `.await`, axum on tokio.
//!
//! Ports: <https://github.com/talkpython/async-techniques-python-course/blob/master/src/10-async-web/acityscape_api/app.py>
//! Run: `cargo run -p ch10-web --release --bin acityscape_api`, and from a second terminal
//! `cargo run -p ch10-web --release --bin loadtest -- --connections 100 http://127.0.0.1:5001/api/sun/97227/us`
//! Copy: `cargo add axum http tokio reqwest serde serde_json rand --features tokio/full,reqwest/json,serde/derive`
//! for `config/`, `services/` and `views/`; this file's serving is `ch10-web/src/lib.rs` (README.md).
//! Expect: `Using cached data? False`, ` * Running on http://127.0.0.1:5001`; Ctrl-C prints
//! `Served N requests.` (exit 130; SIGTERM 143).
//! `diff -r` against `cityscape_api/`: the views and services differ by `async` and `.await`, the
//! routes by the router that holds them. `--processes N`: Uvicorn's and Hypercorn's `--workers N`.
//! Python vs Rust: as with Quart, a request that waits holds no thread, so the runtime's threads
//! (one per core) keep thousands in flight, and unlike Python's they run in parallel. A handler
//! that blocks would stall its thread. An unknown page gets `The page was not found.`, where Quart
//! answers its standard `404 Not Found` page.

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
use std::sync::Arc;

use axum::Router;
use axum::routing::get;
use ch10_web::processes::Master;
use ch10_web::{Flags, Server};
use clap::Parser;

use config::settings::{self, Settings};
use views::{city_api, home};

/// The course's city API (Quart's twin): async views, axum on tokio, in one process or N.
#[derive(Parser, Debug)]
#[command(name = "acityscape_api", version, long_about = None)]
struct Args {
    #[command(flatten)]
    flags: Flags,
}

/// What every view shares: one HTTP client (its connection pool) and the settings.
#[derive(Debug)]
pub struct AppState {
    pub http: reqwest::Client,
    pub settings: Settings,
}

fn configure_app(server: &Server) -> anyhow::Result<AppState> {
    let settings = settings::load(server);
    let cached = ch10_web::python_bool(settings.use_cached_data);
    println!("Using cached data? {cached}");
    let http = course_kit::http::client(server.timeout())?;
    Ok(AppState { http, settings })
}

/// The routes the course's blueprints register, by method and path.
fn routes(app: AppState) -> Router {
    Router::new()
        .route("/", get(home::index))
        .route("/api/weather/{zip_code}/{country}", get(city_api::weather))
        .route("/api/sun/{zip_code}/{country}", get(city_api::sun))
        .method_not_allowed_fallback(home::method_not_allowed)
        .fallback(home::not_found)
        .with_state(Arc::new(app))
}

#[tokio::main]
async fn run_web_app(args: &Args) -> anyhow::Result<ExitCode> {
    let server = Server::new(&args.flags)?;
    let app = configure_app(&server)?;
    // The app as a value, ASGI's `app(scope, receive, send)`: a `Router` is a tower `Service`.
    let asgi_app = routes(app);
    server.serve(asgi_app).await
}

fn main() -> ExitCode {
    course_kit::exit::quiet_broken_pipe();
    let args = Args::parse();
    // `--processes N`: the master (Gunicorn's arbiter) starts no runtime and never builds the app;
    // each of its N workers is this program again, which serves below as one process does.
    if let Some(master) = Master::new(&args.flags) {
        return course_kit::exit::report(master.run());
    }
    course_kit::exit::report(run_web_app(&args))
}
