//! What both servers of chapter 10 share but the course's `app.py` does not show: the flags, where
//! the services get their data, binding, the open-file limit, serving until SIGINT or SIGTERM
//! (exit 130 or 143, within [`GRACE`] whatever the clients do), and the timeline.
//!
//! Each server's `main.rs` then reads like its `app.py`, as mini-redis's `bin/server.rs` does:
//! [`Server::new`] is `configure_app`'s data, and [`Server::serve_threads`] (Flask's twin) or
//! [`Server::serve`] (Quart's twin) is `app.run`. With `--processes N`, [`processes::Master`] is
//! Gunicorn's arbiter: it runs N copies of the program as workers on one listening socket. Both speak HTTP/1.1 with hyper, whose parser holds
//! under hostile input; both keep a request's head within [`MAX_HEAD`] (431 beyond it) and never
//! read a body (the routes take `GET` only).

use std::cell::Cell;
use std::convert::Infallible;
use std::future::Future;
use std::io::{self, Read as _, Write as _};
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::pin::{Pin, pin};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::anyhow;
use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::Response as AxumResponse;
use clap::Args;
use course_kit::cli::{Net, Seed, TimeScale, Timeline};
use course_kit::site::{LocalSite, SiteConfig, Source};
use course_kit::timeline::{self, Rows, Span};
use hyper::body::Incoming;
use hyper::rt::ReadBufCursor;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use percent_encoding::percent_decode_str;

pub mod processes;
pub mod replies;

/// The flags both servers take.
#[derive(Debug, Clone, Args)]
pub struct Flags {
    /// Port to listen on; 0 picks a free one
    #[arg(long, default_value_t = 5001)]
    pub port: u16,
    /// Address to listen on (0.0.0.0 opens the server to the network)
    #[arg(long, default_value = "127.0.0.1")]
    pub host: IpAddr,
    /// The course's cached mode: the location and sun services sleep a measured latency and return fixed data
    #[arg(long)]
    pub cached: bool,
    /// Your own OpenWeatherMap API key, for --live [default: $OPENWEATHER_API_KEY]
    #[arg(long, value_name = "KEY")]
    pub weather_key: Option<String>,
    /// N worker processes on one listening socket, under a master that replaces a worker that dies
    /// and reloads them all on SIGHUP: Gunicorn's `-w N`, Uvicorn's and Hypercorn's `--workers N`
    /// [default: one process, as `flask run` or `hypercorn app:app`, which the course runs]
    #[arg(long, value_name = "N",
          value_parser = clap::value_parser!(u16).range(1..=processes::MAX_PROCESSES as i64))]
    pub processes: Option<u16>,
    #[command(flatten)]
    pub net: Net,
    #[command(flatten)]
    pub time: TimeScale,
    #[command(flatten)]
    pub seed: Seed,
    #[command(flatten)]
    pub timeline: Timeline,
}

/// How the blocking server spends its threads (`cityscape_api` only).
#[derive(Debug, Clone, Copy, Args)]
pub struct Threads {
    /// A fixed pool of N threads, each answering one request at a time and then closing, as Gunicorn's
    /// `--threads N` without its keep-alive (`--workers` is an old name of this flag) [default: a thread
    /// per connection, as Flask's development server, which the course runs]
    #[arg(long, value_name = "N", alias = "workers",
          value_parser = clap::value_parser!(u16).range(1..=course_kit::cli::MAX_WORKERS as i64))]
    pub threads: Option<u16>,
    /// With a thread per connection: at most N connections at once, a 503 beyond [default: what the open-file limit allows]
    #[arg(long, value_name = "N", conflicts_with = "threads",
          value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub max_threads: Option<u32>,
}

/// How long the requests in flight get to finish after SIGINT or SIGTERM; then the process ends,
/// whatever its clients do (a stuck upstream, a client that never reads its answers).
pub const GRACE: Duration = Duration::from_secs(3);
/// The most bytes a request's line and headers may take; hyper answers 431 beyond.
pub const MAX_HEAD: usize = 64 * 1024;
/// A request's head must arrive within this, counted from the connection's start or its last
/// answer: an idle keep-alive connection, or a client sending its head a byte at a time, is closed.
pub const READ_TIMEOUT: Duration = Duration::from_secs(10);
/// An answer the client does not take within this ends its connection.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// How often a blocked read wakes to see a shutdown.
const TICK: Duration = Duration::from_millis(250);
/// The descriptors one connection of the blocking server can hold: its socket, the upstream call's,
/// and the embedded site's end of that call.
const FDS_PER_CONNECTION: u64 = 3;

/// What the services are configured with, from the flags: the course's `configure_app()` reads
/// `dev.json`; here the embedded site (started unless `--live` or `--base-url`) stands in for the
/// upstream APIs.
#[derive(Debug)]
pub struct Server {
    flags: Flags,
    /// The embedded site, unless `--live` or `--base-url` says where the APIs are.
    source: Source,
}

impl Server {
    /// Starts the embedded site, unless `--live` or `--base-url` says where the APIs are.
    pub fn new(flags: &Flags) -> io::Result<Server> {
        let site = SiteConfig {
            time_scale: flags.time.time_scale,
            seed: flags.seed.value(),
            ..SiteConfig::default()
        };
        Ok(Server {
            flags: flags.clone(),
            source: Source::with_config(&flags.net, site)?,
        })
    }

    /// Where the `location`, `sun` or `weather` service asks.
    pub fn api(&self, service: &str) -> String {
        if self.source.is_live() {
            return match service {
                "location" => "https://api.zippopotam.us",
                "sun" => "https://api.sunrise-sunset.org",
                _ => "https://api.openweathermap.org",
            }
            .to_owned();
        }
        self.source.url_for("", &format!("api/{service}"))
    }

    /// `--cached`.
    pub fn cached(&self) -> bool {
        self.flags.cached
    }

    /// `--time-scale`.
    pub fn time_scale(&self) -> f64 {
        self.flags.time.time_scale
    }

    /// `--timeout`, for the services' HTTP client.
    pub fn timeout(&self) -> Duration {
        self.flags.net.timeout()
    }

    /// `--weather-key`, or `$OPENWEATHER_API_KEY`.
    pub fn weather_key(&self) -> Option<String> {
        self.flags
            .weather_key
            .clone()
            .or_else(|| std::env::var("OPENWEATHER_API_KEY").ok())
            .filter(|key| !key.trim().is_empty())
    }

    /// Flask's twin: serves with blocking threads until SIGINT or SIGTERM, handing each request's
    /// method (`HEAD` as `GET`; hyper leaves out the body) and percent-decoded path segments to
    /// `app`. A thread per connection, as Flask's development server, unless `--threads N` asks
    /// for a fixed pool, as Gunicorn's sync workers (one request per connection, then close, so
    /// that queued clients get their turn).
    pub fn serve_threads<A>(self, threads: &Threads, app: A) -> anyhow::Result<ExitCode>
    where
        A: Fn(&str, &[&str]) -> Response<String> + Send + Sync + 'static,
    {
        // A small runtime only for the signals: the app itself never sees it, since
        // reqwest's blocking client refuses to run inside one.
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let signal = {
            let _inside = runtime.enter();
            shutdown_signal()?
        };
        processes::watch_master();
        let listener = self.listener()?;
        listener.set_nonblocking(false)?;
        // accept() wakes every tick to see a shutdown: with --processes the socket is shared, so a
        // connection of our own to wake it could as well wake another worker.
        socket2::SockRef::from(&listener).set_read_timeout(Some(TICK))?;
        let addr = listener.local_addr()?;
        let open_files = raise_open_file_limit();
        let shared = Arc::new(Shared {
            app,
            journal: self.journal(),
            stop: AtomicBool::new(false),
            active: AtomicUsize::new(0),
            accepting: AtomicUsize::new(0),
        });
        let listener = Arc::new(listener);
        match threads.threads {
            Some(workers) => {
                println!(
                    " * {workers} worker threads, each answering one request at a time (Gunicorn's sync workers)"
                );
                for _ in 0..workers {
                    let (listener, shared) = (Arc::clone(&listener), Arc::clone(&shared));
                    thread::spawn(move || pool_worker(&listener, &shared));
                }
            }
            None => {
                let cap = threads.max_threads.map_or_else(
                    || usize::try_from(open_files / FDS_PER_CONNECTION).unwrap_or(usize::MAX),
                    |n| n as usize,
                );
                println!(
                    " * A thread per connection (Flask's development server), at most {} at once",
                    course_kit::fmt::thousands(cap)
                );
                let (listener, shared) = (Arc::clone(&listener), Arc::clone(&shared));
                thread::spawn(move || thread_per_connection(&listener, &shared, cap));
            }
        }
        self.announce(addr, open_files);

        let stop = runtime.block_on(signal);
        shared.stop.store(true, Ordering::SeqCst);
        // The acceptors leave accept() within a tick; a connection one took meanwhile is served,
        // since with --processes no other worker could have.
        let deadline = Instant::now() + GRACE;
        while (shared.accepting.load(Ordering::SeqCst) > 0
            || shared.active.load(Ordering::SeqCst) > 0)
            && Instant::now() < deadline
        {
            thread::sleep(Duration::from_millis(20));
        }
        Ok(self.finish(stop, &shared.journal))
    }

    /// Quart's twin: serves `routes` on tokio until SIGINT or SIGTERM, then gives the requests in
    /// flight [`GRACE`] to finish. A client that half-closes its side after sending still gets
    /// its answer.
    pub async fn serve(self, routes: Router) -> anyhow::Result<ExitCode> {
        let mut signal = pin!(shutdown_signal()?);
        processes::watch_master();
        let listener = self.listener()?;
        listener.set_nonblocking(true)?;
        let listener = tokio::net::TcpListener::from_std(listener)?;
        let open_files = raise_open_file_limit();
        self.announce(listener.local_addr()?, open_files);
        let journal = Arc::new(self.journal());
        let routes = routes.layer(middleware::from_fn_with_state(Arc::clone(&journal), record));
        let routes = routes.layer(middleware::from_fn(limit_head));

        let mut http = http1::Builder::new();
        http.half_close(true)
            .timer(TokioTimer::new())
            .header_read_timeout(READ_TIMEOUT)
            .max_buf_size(MAX_HEAD);
        let graceful = GracefulShutdown::new();
        let stop = loop {
            tokio::select! {
                stop = &mut signal => break stop,
                accepted = listener.accept() => match accepted {
                    Ok((stream, _)) => {
                        let service = TowerToHyperService::new(routes.clone());
                        let conn = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
                        tokio::spawn(conn);
                    }
                    // Out of descriptors, most likely: the connection waits in the backlog.
                    Err(err) => {
                        warn_accept(&err);
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                },
            }
        };
        drop(listener);
        // hyper's graceful shutdown closes a connection on which nothing has been read yet: a
        // client accepted just now (with --processes, while new workers take over) would lose its
        // request. A tick first lets such connections read their heads, as the blocking server's
        // reads wait a tick.
        tokio::time::sleep(TICK).await;
        let _ = tokio::time::timeout(GRACE, graceful.shutdown()).await;
        Ok(self.finish(stop, &journal))
    }

    /// The listening socket: the master's, in a worker; else bound now.
    fn listener(&self) -> anyhow::Result<std::net::TcpListener> {
        match processes::inherited_listener()? {
            Some(listener) => Ok(listener),
            None => bind(&self.flags),
        }
    }

    fn journal(&self) -> Journal {
        // With --cached the services call no one, so the embedded site has nothing to draw: the
        // server records its own requests instead.
        let own = self.flags.timeline.timeline && self.flags.cached;
        Journal {
            served: AtomicUsize::new(0),
            log: own.then(Mutex::default),
        }
    }

    fn announce(&self, addr: SocketAddr, open_files: u64) {
        if self.flags.net.live {
            println!(
                "--live: location from api.zippopotam.us (the course's www.datasciencetoolkit.org no longer exists), \
                 sun from api.sunrise-sunset.org, weather from api.openweathermap.org"
            );
            if self.weather_key().is_none() {
                println!(
                    "--live: no weather API key (--weather-key or OPENWEATHER_API_KEY); /api/weather will answer 502"
                );
            }
        }
        if open_files < 4096 {
            println!(
                " * The open-file limit is {open_files}: about {} connections at once (raise its hard limit to serve more)",
                open_files / FDS_PER_CONNECTION
            );
        }
        println!(" * Running on http://{addr}");
        // A worker's Ctrl-C and SIGHUP are its master's to tell.
        if processes::worker_id().is_none() {
            println!(" * Press Ctrl-C to quit");
        }
    }

    fn finish(&self, stop: Stop, journal: &Journal) -> ExitCode {
        if processes::worker_id().is_none() {
            stop.announce();
        }
        println!(
            "Served {} requests.",
            course_kit::fmt::thousands(journal.served.load(Ordering::SeqCst))
        );
        if self.flags.timeline.timeline {
            draw_timeline(self.source.site(), journal);
        }
        stop.exit_code()
    }
}

/// Binds `--host` and `--port`, with a long queue of connections not yet accepted, as
/// Gunicorn's (the kernel caps it at net.core.somaxconn): a fixed pool's clients wait in it.
fn bind(flags: &Flags) -> anyhow::Result<std::net::TcpListener> {
    use socket2::{Domain, Socket, Type};
    let (host, port) = (flags.host, flags.port);
    let addr = SocketAddr::new(host, port);
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, None)?;
    socket.set_reuse_address(true)?;
    socket.bind(&addr.into()).map_err(|err| {
        if err.kind() == io::ErrorKind::AddrInUse {
            anyhow!(
                "port {port} is already in use (another server? choose one with --port, or --port 0 for a free one)"
            )
        } else {
            anyhow!(err).context(format!("cannot listen on {addr}"))
        }
    })?;
    socket.listen(4096)?;
    Ok(socket.into())
}

/// Python prints a bool as `True` or `False`; Rust's `{}` as `true` or `false`.
pub fn python_bool(value: bool) -> &'static str {
    if value { "True" } else { "False" }
}

/// The open-file soft limit raised to the hard one (every connection holds descriptors); the
/// limit in force.
pub fn raise_open_file_limit() -> u64 {
    rlimit::increase_nofile_limit(u64::MAX).unwrap_or(1024)
}

/// What ended the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// SIGINT (Ctrl-C): exit 130, as a shell reports it.
    Interrupt,
    /// SIGTERM (`kill`, a service manager): exit 143.
    Terminate,
}

impl Stop {
    fn announce(self) {
        match self {
            Stop::Interrupt => course_kit::interrupt::announce(),
            Stop::Terminate => {
                let style = course_kit::style::WARN;
                anstream::eprintln!("{style}Stopped by SIGTERM.{style:#}");
            }
        }
    }

    fn exit_code(self) -> ExitCode {
        match self {
            Stop::Interrupt => course_kit::interrupt::exit_code(),
            Stop::Terminate => ExitCode::from(143), // 128 + SIGTERM, as a shell reports it
        }
    }
}

/// Resolves on the first SIGINT or SIGTERM. The handlers are installed now, before the server
/// announces itself, so that a signal that comes at once is not lost. Call it inside a runtime.
fn shutdown_signal() -> io::Result<impl Future<Output = Stop> + Send + 'static> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut interrupt = signal(SignalKind::interrupt())?;
        let mut terminate = signal(SignalKind::terminate())?;
        Ok(async move {
            tokio::select! {
                _ = interrupt.recv() => Stop::Interrupt,
                _ = terminate.recv() => Stop::Terminate,
            }
        })
    }
    #[cfg(not(unix))]
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
        Stop::Interrupt
    })
}

/// Counts the requests answered and, for `--timeline --cached`, records them.
#[derive(Debug)]
struct Journal {
    served: AtomicUsize,
    log: Option<Mutex<Vec<(String, Instant, Instant)>>>,
}

impl Journal {
    fn record(&self, label: String, started: Instant) {
        self.served.fetch_add(1, Ordering::Relaxed);
        if let Some(log) = &self.log {
            let mut log = log.lock().unwrap_or_else(PoisonError::into_inner);
            log.push((label, started, Instant::now()));
        }
    }
}

async fn record(State(journal): State<Arc<Journal>>, req: Request, next: Next) -> AxumResponse {
    let (started, label) = (Instant::now(), req.uri().to_string());
    let response = next.run(req).await;
    journal.record(label, started);
    response
}

/// hyper's `max_buf_size` bounds what it buffers while a head is incomplete, not the head: one that
/// arrives in a single large read can pass it. So both servers also measure each parsed head, and
/// the same head gets the same 431 from either.
fn head_too_large<B, T: Default>(req: &http::Request<B>) -> Option<Response<T>> {
    // The request target's length as sent (a path, or a whole URL), without formatting it.
    let uri = req.uri();
    let origin = uri.authority().map_or(0, |a| {
        uri.scheme_str().map_or(0, |s| s.len() + "://".len()) + a.as_str().len()
    });
    let target = origin + uri.path_and_query().map_or(1, |p| p.as_str().len());
    let line = req.method().as_str().len() + 1 + target + " HTTP/1.1\r\n".len();
    let fields = req
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4);
    (line + fields.sum::<usize>() > MAX_HEAD).then(|| {
        let mut too_large = Response::new(T::default());
        *too_large.status_mut() = hyper::StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE;
        too_large
    })
}

/// The async server's check of [`head_too_large`].
async fn limit_head(req: Request, next: Next) -> AxumResponse {
    match head_too_large(&req) {
        Some(too_large) => too_large,
        None => next.run(req).await,
    }
}

/// What the blocking server's threads share.
struct Shared<A> {
    app: A,
    journal: Journal,
    stop: AtomicBool,
    /// Connections being served.
    active: AtomicUsize,
    /// Threads that may still accept a connection.
    accepting: AtomicUsize,
}

/// Counts a connection as active while it lives, even if its thread panics.
struct Active<'a>(&'a AtomicUsize);

impl<'a> Active<'a> {
    fn new(active: &'a AtomicUsize) -> Self {
        active.fetch_add(1, Ordering::SeqCst);
        Active(active)
    }
}

impl Drop for Active<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The next connection, or `None` once the server stops. accept() wakes every [`TICK`]
/// (SO_RCVTIMEO) to see a stop.
fn next_connection(listener: &std::net::TcpListener, stop: &AtomicBool) -> Option<TcpStream> {
    while !stop.load(Ordering::SeqCst) {
        match listener.accept() {
            Ok((stream, _)) => return Some(stream),
            Err(err)
                if matches!(
                    err.kind(),
                    io::ErrorKind::WouldBlock
                        | io::ErrorKind::TimedOut
                        | io::ErrorKind::Interrupted
                ) => {}
            Err(err) => {
                // Out of descriptors, most likely: the connection waits in the backlog. Never
                // give up accepting, or the port would refuse everyone while the process lives.
                warn_accept(&err);
                thread::sleep(Duration::from_millis(50));
            }
        }
    }
    None
}

fn thread_per_connection<A>(listener: &std::net::TcpListener, shared: &Arc<Shared<A>>, cap: usize)
where
    A: Fn(&str, &[&str]) -> Response<String> + Send + Sync + 'static,
{
    let _accepting = Active::new(&shared.accepting);
    while let Some(stream) = next_connection(listener, &shared.stop) {
        if shared.active.load(Ordering::SeqCst) >= cap {
            busy(stream);
            continue;
        }
        // Counted before its thread starts, so that a shutdown now waits for it.
        shared.active.fetch_add(1, Ordering::SeqCst);
        let moved = Arc::clone(shared);
        let spawned = thread::Builder::new().spawn(move || {
            let _active = Active(&moved.active);
            serve_connection(stream, true, &moved);
        });
        // The system had no thread to give: the closure (and the connection) is dropped.
        if spawned.is_err() {
            shared.active.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

fn pool_worker<A>(listener: &std::net::TcpListener, shared: &Shared<A>)
where
    A: Fn(&str, &[&str]) -> Response<String>,
{
    let _accepting = Active::new(&shared.accepting);
    while let Some(stream) = next_connection(listener, &shared.stop) {
        let _active = Active::new(&shared.active);
        serve_connection(stream, false, shared);
    }
}

/// Answers a connection beyond the cap with a 503, without a thread.
fn busy(mut stream: TcpStream) {
    const BODY: &str = "The server is busy: too many connections at once. Try again shortly.";
    let _ = stream.set_nonblocking(true);
    // Read what the client sent, so that closing does not reset the connection under the answer.
    let _ = stream.read(&mut [0; 4096]);
    let _ = write!(
        stream,
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain; charset=utf-8\r\n\
         content-length: {}\r\nconnection: close\r\nretry-after: 1\r\n\r\n{BODY}",
        BODY.len()
    );
    let _ = stream.shutdown(std::net::Shutdown::Write);
}

fn warn_accept(err: &io::Error) {
    static WARNED: AtomicBool = AtomicBool::new(false);
    if !WARNED.swap(true, Ordering::Relaxed) {
        let style = course_kit::style::WARN;
        anstream::eprintln!(
            "{style}warning: cannot accept a connection ({err}); new clients wait until one closes{style:#}"
        );
    }
}

/// hyper drives one connection on this thread, over the blocking socket; the app runs inside
/// hyper's call, so it may block as long as it likes.
fn serve_connection<A>(stream: TcpStream, keep_alive: bool, shared: &Shared<A>)
where
    A: Fn(&str, &[&str]) -> Response<String>,
{
    let _ = stream.set_nodelay(true);
    if stream.set_read_timeout(Some(TICK)).is_err()
        || stream.set_write_timeout(Some(WRITE_TIMEOUT)).is_err()
    {
        return;
    }
    let answering = Cell::new(false);
    let io = Blocking {
        stream,
        stop: &shared.stop,
        since: Instant::now(),
        answering: &answering,
    };
    let service = service_fn(|req: hyper::Request<Incoming>| {
        answering.set(true);
        if let Some(too_large) = head_too_large(&req) {
            return std::future::ready(Ok::<_, Infallible>(too_large));
        }
        let started = Instant::now();
        let method = match req.method() {
            &Method::HEAD => "GET",
            method => method.as_str(),
        };
        let path = req.uri().path();
        let decoded: Vec<_> = path
            .strip_prefix('/')
            .unwrap_or(path)
            .split('/')
            .map(|segment| percent_decode_str(segment).decode_utf8_lossy())
            .collect();
        let segments: Vec<&str> = decoded.iter().map(AsRef::as_ref).collect();
        let response = (shared.app)(method, &segments);
        shared.journal.record(req.uri().to_string(), started);
        std::future::ready(Ok::<_, Infallible>(response))
    });
    let conn = http1::Builder::new()
        .keep_alive(keep_alive)
        .half_close(true)
        .max_buf_size(MAX_HEAD)
        .serve_connection(io, service);
    // A broken or timed-out connection ends here; the next one is not affected.
    let _ = futures::executor::block_on(conn);
}

/// A blocking `TcpStream` as hyper's I/O: every read and write blocks this thread, which is the
/// connection's own. Reads wake every [`TICK`] to see a shutdown (then the connection ends as
/// if the client had closed it) or a head that takes longer than [`READ_TIMEOUT`].
struct Blocking<'a> {
    stream: TcpStream,
    stop: &'a AtomicBool,
    /// The connection's start or its last answer.
    since: Instant,
    /// Set by the app's call, cleared once its answer is written: until then a read does not
    /// block. hyper reads (to drain a body the app never took) before it writes, and a client
    /// that declared a body and sent none would otherwise get its answer only at the timeout.
    answering: &'a Cell<bool>,
}

impl hyper::rt::Read for Blocking<'_> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.answering.get() {
            cx.waker().wake_by_ref(); // back here once the answer is out
            return Poll::Pending;
        }
        let mut chunk = [0; 16 * 1024];
        let len = chunk.len().min(buf.remaining());
        loop {
            match this.stream.read(&mut chunk[..len]) {
                Ok(n) => {
                    buf.put_slice(&chunk[..n]);
                    return Poll::Ready(Ok(()));
                }
                Err(err)
                    if matches!(
                        err.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    if this.stop.load(Ordering::SeqCst) {
                        return Poll::Ready(Ok(()));
                    }
                    if this.since.elapsed() >= READ_TIMEOUT {
                        return Poll::Ready(Err(io::ErrorKind::TimedOut.into()));
                    }
                }
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(err) => return Poll::Ready(Err(err)),
            }
        }
    }
}

impl hyper::rt::Write for Blocking<'_> {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        Poll::Ready(match this.stream.write(buf) {
            Ok(n) => {
                this.since = Instant::now();
                Ok(n)
            }
            // The write timeout: a client that does not take its answers.
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => {
                Err(io::ErrorKind::TimedOut.into())
            }
            Err(err) => Err(err),
        })
    }

    // hyper flushes once its buffered answer has gone out through `poll_write`.
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.answering.set(false);
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(self.stream.shutdown(std::net::Shutdown::Write))
    }
}

/// The most rows drawn: a server answers thousands of requests, and the first few dozen already
/// show the shape; the summary after the chart counts them all.
const TIMELINE_ROWS: usize = 40;

fn draw_timeline(site: Option<&LocalSite>, journal: &Journal) {
    let (spans, what) = match (&journal.log, site) {
        (Some(log), _) => {
            println!(
                "--timeline: with --cached the services call no one; drawing this server's own requests (from arrival to answer)"
            );
            let log = log.lock().unwrap_or_else(PoisonError::into_inner);
            let origin = log.iter().map(|(_, start, _)| *start).min();
            let mut spans: Vec<Span> = log
                .iter()
                .map(|(label, start, end)| {
                    Span::between(label.clone(), origin.unwrap_or(*start), *start, *end)
                })
                .collect();
            spans.sort_by_key(|span| span.start);
            (spans, "requests")
        }
        (None, Some(site)) => {
            println!(
                "--timeline: the upstream calls the embedded site answered, in order of arrival"
            );
            (site.spans(), "upstream calls")
        }
        (None, None) => {
            println!(
                "--timeline: the chart needs the embedded site (without --live or --base-url); none drawn"
            );
            return;
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
