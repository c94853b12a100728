//! `cargo bench -p ch04-asyncio --bench servers`: what tokio tasks get from a real PostgreSQL and
//! a real Redis, next to the servers' own C benchmark clients (`pgbench`, `redis-benchmark`) at the
//! same concurrency, on the same server, in the same run. The servers are started here, as the
//! tests start theirs (`tests/servers/`), and stopped at the end.
//!
//! - PostgreSQL: `SELECT 1` (prepared) from 1, 10 and 100 tasks, each borrowing a connection of a
//!   deadpool pool of that many for every query, against `pgbench -M prepared` with as many
//!   clients running the same one-line script.
//! - Redis: SET, then GET, from 1, 10 and 100 tasks on one multiplexed connection, against
//!   `redis-benchmark -t set,get` with as many clients (each its own connection, one command in
//!   flight at a time), and with one connection and as many commands in flight (`-P`).
//! - One task again on tokio's current-thread runtime, next to the same C client figure.
//!
//! Each figure is the best of 3 runs of 2 s (redis-benchmark: of 100,000 or 400,000 requests).
//!
//! Client and server share the machine's cores, so the C client's rate is the server's own limit
//! here; the Rust column is read against it.

#[path = "../tests/servers/mod.rs"]
mod servers;

use std::process::Command;
use std::time::{Duration, Instant};

use deadpool_postgres::{Manager, Pool, Runtime};
use redis::{AsyncConnectionConfig, AsyncTypedCommands};
use servers::postgres::{self, Postgres};
use servers::redis::Redis;
use tokio::task::JoinSet;
use tokio_postgres::NoTls;

/// How long each Rust measurement and each pgbench run lasts.
const SECS: u64 = 2;
/// Each figure is the best of this many runs: the machine is shared, and a neighbour's burst of
/// work only ever lowers a rate.
const RUNS: usize = 3;
const CONCURRENCY: [usize; 3] = [1, 10, 100];

fn main() {
    if cfg!(debug_assertions) {
        eprintln!(
            "warning: a debug build: run it with `cargo bench`, which builds with optimisations"
        );
    }
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    // One task on a runtime of one thread: its queries never hop between threads on their way
    // through the driver's connection task.
    let one_thread = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    println!(
        "CPU: {}, {} CPUs; load average before: {}",
        cpu_model(),
        course_kit::cli::available_parallelism(),
        load_average()
    );
    println!();
    println!(
        "| server, what | tasks = C clients | Rust (tokio) | C client | Rust ÷ C | C, one connection, N in flight |"
    );
    println!("|---|---|---|---|---|---|");

    if let Some(pg) = Postgres::start("bench servers", 250) {
        let script = tempfile::NamedTempFile::new().expect("a temporary file");
        std::fs::write(script.path(), "SELECT 1;\n").expect("the pgbench script");
        let what = "PostgreSQL, `SELECT 1` q/s";
        for n in CONCURRENCY {
            let rust = best(|| runtime.block_on(postgres_select_1(&pg.url(), n)));
            let c = best(|| pgbench(&pg, script.path(), n));
            row(what, &n.to_string(), rust, c, None);
        }
        let rust = best(|| one_thread.block_on(postgres_select_1(&pg.url(), 1)));
        let c = best(|| pgbench(&pg, script.path(), 1));
        row(what, "1, current-thread runtime", rust, c, None);
    }
    if let Some(server) = Redis::start("bench servers", None) {
        // redis-benchmark with N connections, and with one connection and N commands in flight
        // (`-P N`), the shape of N tasks on one multiplexed connection.
        let c = CONCURRENCY.map(|n| best_pair(|| redis_benchmark(server.port(), n, 1)));
        let pipelined = CONCURRENCY.map(|n| best_pair(|| redis_benchmark(server.port(), 1, n)));
        for (get, what) in [(false, "Redis, SET ops/s"), (true, "Redis, GET ops/s")] {
            let pick = |(set, got): (f64, f64)| if get { got } else { set };
            for (i, n) in CONCURRENCY.into_iter().enumerate() {
                let rust = best(|| runtime.block_on(redis_ops(&server.url(), n, get)));
                row(
                    what,
                    &n.to_string(),
                    rust,
                    pick(c[i]),
                    Some(pick(pipelined[i])),
                );
            }
            let rust = best(|| one_thread.block_on(redis_ops(&server.url(), 1, get)));
            row(what, "1, current-thread runtime", rust, pick(c[0]), None);
        }
    }
    println!();
    println!("load average after: {}", load_average());
}

/// The highest of [`RUNS`] rates.
fn best(mut rate: impl FnMut() -> f64) -> f64 {
    (0..RUNS).map(|_| rate()).fold(0.0, f64::max)
}

/// The highest of [`RUNS`] (SET, GET) rates, each on its own.
fn best_pair(mut rates: impl FnMut() -> (f64, f64)) -> (f64, f64) {
    (0..RUNS)
        .map(|_| rates())
        .fold((0.0, 0.0), |(a, b), (x, y)| (a.max(x), b.max(y)))
}

fn row(what: &str, tasks: &str, rust: f64, c: f64, pipelined: Option<f64>) {
    let rate = |r: f64| course_kit::fmt::thousands(r as u64);
    let pipelined = pipelined.map_or_else(|| "—".to_string(), rate);
    let ratio = 100.0 * rust / c;
    println!(
        "| {what} | {tasks} | {} | {} | {ratio:.0} % | {pipelined} |",
        rate(rust),
        rate(c)
    );
}

/// `SELECT 1` per second from `tasks` tasks, each borrowing one of `tasks` pooled connections per
/// query, as a web handler would.
async fn postgres_select_1(url: &str, tasks: usize) -> f64 {
    let config: tokio_postgres::Config = url.parse().expect("the server's URL");
    let pool = Pool::builder(Manager::new(config, NoTls))
        .max_size(tasks)
        .runtime(Runtime::Tokio1)
        .build()
        .expect("a pool");
    // Every connection open, and the statement prepared on each, before the clock starts.
    let mut clients = Vec::new();
    for _ in 0..tasks {
        let client = pool.get().await.expect("a connection");
        client.prepare_cached("SELECT 1").await.expect("prepared");
        clients.push(client);
    }
    drop(clients);
    let t0 = Instant::now();
    let deadline = t0 + Duration::from_secs(SECS);
    let mut set = JoinSet::new();
    for _ in 0..tasks {
        let pool = pool.clone();
        set.spawn(async move {
            let mut done = 0u64;
            while Instant::now() < deadline {
                let client = pool.get().await.expect("a connection");
                let select = client.prepare_cached("SELECT 1").await.expect("cached");
                let one: i32 = client.query_one(&select, &[]).await.expect("a row").get(0);
                assert_eq!(one, 1);
                done += 1;
            }
            done
        });
    }
    let done: u64 = set.join_all().await.into_iter().sum();
    done as f64 / t0.elapsed().as_secs_f64()
}

/// pgbench's transactions per second running `script` with `clients` connections, prepared
/// statements like the Rust side, for as long.
fn pgbench(pg: &Postgres, script: &std::path::Path, clients: usize) -> f64 {
    let bin = pg.bin().join("pgbench");
    let out = Command::new(if bin.is_file() { bin } else { "pgbench".into() })
        .env("PGPASSWORD", postgres::PASSWORD)
        .args([
            "-h",
            "127.0.0.1",
            "-p",
            &pg.port().to_string(),
            "-U",
            postgres::USER,
        ])
        .args(["-n", "-M", "prepared", "-T", &SECS.to_string()])
        .args([
            "-c",
            &clients.to_string(),
            "-j",
            &clients.min(2).to_string(),
            "-f",
        ])
        .arg(script)
        .arg("postgres")
        .output()
        .expect("pgbench runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let tps = text
        .lines()
        .find_map(|l| l.strip_prefix("tps = "))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|t| t.parse().ok());
    tps.unwrap_or_else(|| {
        panic!(
            "no tps from pgbench: {text}{}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// SETs (or GETs) per second from `tasks` tasks on one multiplexed connection.
async fn redis_ops(url: &str, tasks: usize, get: bool) -> f64 {
    let client = redis::Client::open(url).expect("the server's URL");
    let config = AsyncConnectionConfig::new().set_response_timeout(Some(Duration::from_secs(10)));
    let mut redis = client
        .get_multiplexed_async_connection_with_config(&config)
        .await
        .expect("a connection");
    redis.set("key:bench", "xxx").await.expect("SET");
    let t0 = Instant::now();
    let deadline = t0 + Duration::from_secs(SECS);
    let mut set = JoinSet::new();
    for _ in 0..tasks {
        let mut redis = redis.clone();
        set.spawn(async move {
            let mut done = 0u64;
            while Instant::now() < deadline {
                if get {
                    let value = redis.get("key:bench").await.expect("GET");
                    assert_eq!(value.as_deref(), Some("xxx"));
                } else {
                    redis.set("key:bench", "xxx").await.expect("SET");
                }
                done += 1;
            }
            done
        });
    }
    let done: u64 = set.join_all().await.into_iter().sum();
    done as f64 / t0.elapsed().as_secs_f64()
}

/// redis-benchmark's (SET, GET) requests per second with `clients` connections, each with
/// `pipeline` commands in flight, and 3-byte values.
fn redis_benchmark(port: u16, clients: usize, pipeline: usize) -> (f64, f64) {
    let requests = if clients * pipeline == 1 {
        100_000
    } else {
        400_000
    };
    let out = Command::new("redis-benchmark")
        .args(["-h", "127.0.0.1", "-p", &port.to_string()])
        .args(["-t", "set,get", "--csv", "-n", &requests.to_string()])
        .args(["-c", &clients.to_string(), "-P", &pipeline.to_string()])
        .output()
        .expect("redis-benchmark runs (it comes with redis-server)");
    let text = String::from_utf8_lossy(&out.stdout);
    let rps = |test: &str| -> f64 {
        let line = text
            .lines()
            .find(|l| l.starts_with(&format!("\"{test}\",")));
        let field = line.and_then(|l| l.split(',').nth(1));
        let rps = field.and_then(|f| f.trim_matches('"').parse().ok());
        rps.unwrap_or_else(|| panic!("no {test} figure from redis-benchmark: {text}"))
    };
    (rps("SET"), rps("GET"))
}

fn cpu_model() -> String {
    let model = course_kit::process::cpu_name().unwrap_or_else(|| "unknown".to_owned());
    #[cfg(target_arch = "x86_64")]
    let avx512 = std::arch::is_x86_feature_detected!("avx512f");
    #[cfg(not(target_arch = "x86_64"))]
    let avx512 = false;
    format!("{model}{}", if avx512 { " with AVX-512" } else { "" })
}

fn load_average() -> String {
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    load.split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}
