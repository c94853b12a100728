//! The same queries, each waiting on PostgreSQL, on one connection, then shared by tasks, then
//! over a pool: an async driver lets tasks wait on the database together, one per connection.
//!
//! Ports: no course file: the video "Other async-enabled libraries" names asyncpg and shows no demo.
//!
//! Run: `cargo run -p ch04-asyncio --bin async_postgres -- --database-url postgres://USER:PASSWORD@127.0.0.1/postgres`
//!
//! Copy: `cargo add tokio tokio-postgres deadpool-postgres --features tokio/rt-multi-thread,tokio/macros`
//!
//! Expect: `10 queries of 1.00 s each`, then one at a time ~10 s, 10 tasks on one connection ~10 s,
//! a pool of 5 ~2 s; last, a pool of 1 for 3 tasks: 2 queries run, 1 times out waiting.
//!
//! Python vs Rust: asyncpg's `create_pool` is deadpool's `Pool::builder`, `pool.acquire()` is
//! `pool.get()`; tasks may share a tokio-postgres `Client` (asyncpg refuses a second query), but
//! the server still runs one query at a time per connection.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::bail;
use clap::Parser;
use course_kit::cli::TimeScale;
use deadpool_postgres::{Manager, Pool, PoolError, Runtime};
use tokio::task::JoinHandle;
use tokio_postgres::{Client, Config, NoTls};

/// One line on how to get a server, for every "cannot connect" error.
const GET_A_SERVER: &str = "start one (`sudo apt-get install postgresql`, or `docker run -d -e \
    POSTGRES_PASSWORD=pw -p 5432:5432 postgres`, then postgres://postgres:pw@127.0.0.1/postgres)";

/// The same queries on one connection, on one connection shared by tasks, and over a pool.
#[derive(Parser, Debug)]
#[command(name = "async_postgres", version, long_about = None)]
struct Args {
    #[command(flatten)]
    time: TimeScale,
    /// The server, as postgres://USER:PASSWORD@HOST:PORT/DATABASE
    #[arg(long, value_name = "URL", env = "DATABASE_URL", hide_env_values = true,
          value_parser = parse_database_url)]
    database_url: Option<Config>,
    /// How many queries each way
    #[arg(long, value_name = "N", default_value_t = 10,
          value_parser = clap::value_parser!(u16).range(1..=1000))]
    queries: u16,
    /// Connections in the pool
    #[arg(long, value_name = "N", default_value_t = 5,
          value_parser = clap::value_parser!(u16).range(1..=100))]
    pool_size: u16,
    /// Give up connecting, or on a server that stopped answering, after this many seconds
    #[arg(long, value_name = "SECS", default_value_t = 5,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    timeout: u64,
}

/// What a query, or a task waiting for a connection, can fail with.
type Failure = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> ExitCode {
    course_kit::exit::quiet_broken_pipe();
    let args = Args::parse();
    course_kit::exit::report(run(args).await)
}

async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let Some(mut config) = args.database_url else {
        bail!("no server given: pass --database-url or set DATABASE_URL; or {GET_A_SERVER}");
    };
    let timeout = Duration::from_secs(args.timeout);
    config.connect_timeout(timeout);
    let (n, pool_size) = (usize::from(args.queries), usize::from(args.pool_size));
    let s = args.time.secs(1.0).as_secs_f64();

    // asyncpg: `conn = await asyncpg.connect(url)`.
    let (client, connection) = match config.connect(NoTls).await {
        Ok(connected) => connected,
        Err(e) => {
            // A server that answered and refused (a wrong password, no such database) has said
            // why; anything else may be no server at all.
            let answered = e.as_db_error().is_some();
            let e = anyhow::Error::new(e).context("cannot connect to PostgreSQL");
            if answered {
                return Err(e);
            }
            bail!("{e:#}; no server? {GET_A_SERVER}");
        }
    };
    // The `connection` half does the socket's reading and writing for the client: it must run as
    // a task of its own (asyncpg hides it in the event loop's protocol object). When the server
    // goes away it ends, and every query on the client fails with "connection closed".
    tokio::spawn(connection);
    let client = Arc::new(client);
    // asyncpg: `pool = await asyncpg.create_pool(url, max_size=pool_size)`. A pool is a set of
    // connections that tasks borrow one at a time; `get()` waits while all are lent out.
    let manager = Manager::new(config.clone(), NoTls);
    let pool = Pool::builder(manager)
        .max_size(pool_size)
        .create_timeout(Some(timeout))
        .runtime(Runtime::Tokio1)
        .build()?;
    open_connections(&pool, pool_size).await?;

    println!("{n} queries of {s:.2} s each (SELECT pg_sleep({s:.2})):");
    // Every stage waits about n × s at most, plus the time to connect: past that, the server
    // has stopped answering (a closed socket fails at once; a silent one would hang).
    let limit = Duration::from_secs_f64(s * n as f64 * 1.5) + timeout;

    let t0 = Instant::now();
    let results = in_time(limit, one_at_a_time(&client, n, s)).await;
    report("One connection, one query at a time", results, t0)?;

    let t0 = Instant::now();
    let results = in_time(limit, tasks_sharing_one(&client, n, s)).await;
    report(&format!("{n} tasks sharing one connection"), results, t0)?;

    let t0 = Instant::now();
    let results = in_time(limit, tasks_over_pool(&pool, n, s)).await;
    report(
        &format!("{n} tasks over a pool of {pool_size}"),
        results,
        t0,
    )?;

    let Ok(shown) = tokio::time::timeout(limit, too_small_pool(config, s, timeout)).await else {
        bail!("no answer from the server in {:.1} s", limit.as_secs_f64());
    };
    shown.map_err(anyhow::Error::from_boxed)?;
    Ok(ExitCode::SUCCESS)
}

/// One query that keeps the server busy for `s` seconds, as a slow query would.
async fn slow_query(client: &Client, s: f64) -> Result<(), Failure> {
    client.execute("SELECT pg_sleep($1)", &[&s]).await?;
    Ok(())
}

/// `n` queries, each awaited before the next is sent: about n × s.
async fn one_at_a_time(client: &Client, n: usize, s: f64) -> Vec<Result<(), Failure>> {
    let mut results = Vec::with_capacity(n);
    for _ in 0..n {
        results.push(slow_query(client, s).await);
    }
    results
}

/// `n` tasks sharing one `Client`: the driver sends all their queries at once (pipelining), but
/// PostgreSQL runs a connection's queries one after another, so this is still about n × s.
async fn tasks_sharing_one(client: &Arc<Client>, n: usize, s: f64) -> Vec<Result<(), Failure>> {
    let tasks = (0..n)
        .map(|_| {
            let client = Arc::clone(client);
            tokio::spawn(async move { slow_query(&client, s).await })
        })
        .collect();
    gather(tasks).await
}

/// `n` tasks over a pool: each borrows a connection for its query and gives it back when the
/// `client` is dropped, so `pool_size` queries run at a time: about ⌈n ÷ pool_size⌉ × s.
async fn tasks_over_pool(pool: &Pool, n: usize, s: f64) -> Vec<Result<(), Failure>> {
    let tasks = (0..n)
        .map(|_| {
            let pool = pool.clone(); // a handle: every clone shares the same connections
            tokio::spawn(async move {
                let client = pool.get().await?; // asyncpg: `async with pool.acquire() as conn`
                slow_query(&client, s).await
            })
        })
        .collect();
    gather(tasks).await
}

/// What a pool too small for its tasks does: 3 tasks, one connection, and a limit of 1.5 × s on
/// the wait for it. The first two queries run one after the other; the third task gives up.
async fn too_small_pool(config: Config, s: f64, timeout: Duration) -> Result<(), Failure> {
    let wait = Duration::from_secs_f64(1.5 * s);
    let pool = Pool::builder(Manager::new(config, NoTls))
        .max_size(1)
        .wait_timeout(Some(wait)) // without it, a task would wait for a connection forever
        .create_timeout(Some(timeout))
        .runtime(Runtime::Tokio1)
        .build()?;
    open_connections(&pool, 1).await?; // so that the tasks wait only for each other
    let results = tasks_over_pool(&pool, 3, s).await;
    let ran = results.iter().filter(|r| r.is_ok()).count();
    let error = results.into_iter().find_map(Result::err);
    let why = error.map_or_else(|| "none waited too long".to_string(), |e| e.to_string());
    let wait = wait.as_secs_f64();
    println!(
        "A pool of 1 for 3 tasks, waiting at most {wait:.2} s for a connection: {ran} queries ran, \
         {} gave up: {why}",
        3 - ran
    );
    Ok(())
}

/// Opens `n` of the pool's connections now, as asyncpg's `create_pool` opens `min_size`: deadpool
/// opens one only when a task asks and none is free, and opening one (TCP, then the password
/// exchange) would be counted in the first queries' time.
async fn open_connections(pool: &Pool, n: usize) -> Result<(), PoolError> {
    let mut clients = Vec::with_capacity(n);
    for _ in 0..n {
        clients.push(pool.get().await?);
    }
    Ok(()) // dropping the clients gives the connections back to the pool, open
}

/// Awaits the tasks in order, like `asyncio.gather`; a task that panicked is a failed query.
async fn gather(tasks: Vec<JoinHandle<Result<(), Failure>>>) -> Vec<Result<(), Failure>> {
    let mut results = Vec::with_capacity(tasks.len());
    for task in tasks {
        results.push(task.await.unwrap_or_else(|e| Err(e.into())));
    }
    results
}

/// A stage's results, or one failure for all of them if the server stopped answering in time.
async fn in_time<F>(limit: Duration, stage: F) -> Vec<Result<(), Failure>>
where
    F: Future<Output = Vec<Result<(), Failure>>>,
{
    let secs = limit.as_secs_f64();
    tokio::time::timeout(limit, stage)
        .await
        .unwrap_or_else(|_| {
            vec![Err(
                format!("no answer from the server in {secs:.1} s").into()
            )]
        })
}

/// Prints a stage's line, or each failed query's error (on stderr) and then fails.
fn report(label: &str, results: Vec<Result<(), Failure>>, t0: Instant) -> anyhow::Result<()> {
    let dt = t0.elapsed().as_secs_f64();
    let (n, mut failed) = (results.len(), 0);
    for (i, result) in results.into_iter().enumerate() {
        if let Err(e) = result {
            failed += 1;
            // `{:#}`: the error and its causes on one line ("db error: FATAL: terminating …").
            let e = anyhow::Error::from_boxed(e);
            anstream::eprintln!("query {}: {e:#}", i + 1);
        }
    }
    if failed > 0 {
        bail!("{label}: {failed} of {n} queries failed");
    }
    println!("{label}: {n} queries in {dt:.2} sec.");
    Ok(())
}

fn parse_database_url(s: &str) -> Result<Config, String> {
    s.parse()
        .map_err(|e| format!("`{s}` is not a PostgreSQL URL: {e}"))
}
