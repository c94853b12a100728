//! The course's two producers and one consumer with a Redis list as the queue, then many tasks
//! on one multiplexed connection against one connection per task.
//!
//! Ports: [`producer_consumer/prod_async/async_program.py`](https://github.com/talkpython/async-techniques-python-course/blob/master/src/04-asyncio/producer_consumer/prod_async/async_program.py) with Redis for `asyncio.Queue`; the video "Other async-enabled libraries" names asyncio-redis, no demo.
//!
//! Run: `cargo run -p ch04-asyncio --bin async_redis -- --redis-url redis://127.0.0.1:6379`
//!
//! Copy: `cargo add tokio redis rand@0.9 anstream anstyle --features tokio/rt-multi-thread,tokio/macros,tokio/time,redis/tokio-comp`
//!
//! Expect: `async_program`'s lines (` -- generated item`, ` +++ Processed value` aged well under a
//! second, ~20 s in all); then 100 tasks × 100 GETs on one connection, then on 100 connections.
//!
//! Python vs Rust: redis-py's asyncio client (aioredis) lends each command a connection from a
//! pool; redis-rs's `MultiplexedConnection` is one socket whose clones every task shares, so a
//! blocking `BLPOP` needs a connection of its own.

use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anstyle::{AnsiColor, Style};
use anyhow::bail;
use clap::Parser;
use course_kit::cli::{Seed, TimeScale};
use course_kit::fmt;
use rand::Rng;
use rand::rngs::StdRng;
use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, AsyncTypedCommands, Client, RedisResult};
use tokio::task::JoinSet;

/// The course's colour for producers (colorama's Fore.YELLOW).
const PRODUCER: Style = AnsiColor::Yellow.on_default();
/// The course's colour for the consumer (Fore.CYAN).
const CONSUMER: Style = AnsiColor::Cyan.on_default();

/// The list that is the queue, and the key the tasks read.
const QUEUE: &str = "async_redis:queue";
const KEY: &str = "async_redis:key";

/// One line on how to get a server, for every "cannot connect" error.
const GET_A_SERVER: &str =
    "start one (`sudo apt-get install redis-server`, or `docker run -d -p 6379:6379 redis`)";

/// Producers and a consumer through a Redis list; one connection shared by many tasks.
#[derive(Parser, Debug)]
#[command(name = "async_redis", version, long_about = None)]
struct Args {
    #[command(flatten)]
    time: TimeScale,
    #[command(flatten)]
    seed: Seed,
    /// The server, as redis://HOST:PORT, or redis://:PASSWORD@HOST:PORT
    #[arg(long, value_name = "URL", env = "REDIS_URL", hide_env_values = true,
          default_value = "redis://127.0.0.1:6379", value_parser = parse_redis_url)]
    redis_url: Client,
    /// How many items each producer makes
    #[arg(long, value_name = "N", default_value_t = 20,
          value_parser = clap::value_parser!(u64).range(1..=1000))]
    items: u64,
    /// How many tasks share the multiplexed connection, and how many connections they are against
    #[arg(long, value_name = "N", default_value_t = 100,
          value_parser = clap::value_parser!(u16).range(1..=500))]
    tasks: u16,
    /// How many GETs each of those tasks sends
    #[arg(long, value_name = "N", default_value_t = 100,
          value_parser = clap::value_parser!(u32).range(1..=100_000))]
    commands: u32,
    /// Give up connecting, or on a server that stopped answering, after this many seconds
    #[arg(long, value_name = "SECS", default_value_t = 5,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    timeout: u64,
}

#[tokio::main]
async fn main() -> ExitCode {
    course_kit::exit::quiet_broken_pipe();
    let args = Args::parse();
    course_kit::exit::report(run(args).await)
}

async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let (second, seed) = (args.time.secs(1.0), args.seed.value());
    let rng = |stream| Seed::rng_for(seed, stream);
    let timeout = Duration::from_secs(args.timeout);
    let client = args.redis_url;
    // Every command's answer is bounded (redis-rs's own default is 0.5 s, too short for a slow
    // machine or a long BLPOP).
    let config = AsyncConnectionConfig::new()
        .set_connection_timeout(Some(timeout))
        .set_response_timeout(Some(timeout));
    // One connection for every producer and plain command: a multiplexed connection is a handle
    // to one socket, cloned for each task; concurrent commands go out together (pipelined).
    let mut shared = match client
        .get_multiplexed_async_connection_with_config(&config)
        .await
    {
        Ok(connection) => connection,
        Err(e) if e.is_io_error() || e.is_timeout() => {
            bail!("cannot connect to Redis: {e}; no server? {GET_A_SERVER}")
        }
        Err(e) => bail!("cannot connect to Redis: {e}"), // a wrong password, …
    };
    // BLPOP blocks its connection until an item arrives. Redis answers each connection's
    // commands in order, so on the shared connection every producer's RPUSH sent after it would
    // wait behind it: the consumer could wait for an item that is stuck behind its own BLPOP.
    // Its own connection, whose answer may take up to BLPOP's own limit (`timeout`), plus a second.
    let blocking = config
        .clone()
        .set_response_timeout(Some(timeout + Duration::from_secs(1)));
    let consumer = client
        .get_multiplexed_async_connection_with_config(&blocking)
        .await?;

    // The first command: a password the server wants is only checked here. A run stopped
    // half-way may have left items behind.
    if let Err(e) = shared.del(QUEUE).await {
        bail!("cannot use Redis: {e}");
    }

    let t0 = Instant::now();
    println!("App started.");
    let mut tasks = JoinSet::new();
    tasks.spawn(generate_data(args.items, shared.clone(), rng(0), second));
    tasks.spawn(generate_data(args.items, shared.clone(), rng(1), second));
    tasks.spawn(process_data(args.items * 2, consumer, second, timeout));
    // asyncio.gather: a failed task is reported, its siblings run on.
    let mut failed = false;
    for result in tasks.join_all().await {
        if let Err(e) = result {
            anstream::eprintln!("{e}");
            failed = true;
        }
    }
    if failed {
        bail!("the queue did not deliver every item");
    }
    let dt = t0.elapsed().as_secs_f64();
    println!("App exiting, total time: {dt:.2} sec.");

    let (n, commands) = (usize::from(args.tasks), args.commands);
    let total = fmt::thousands(n as u64 * u64::from(commands));
    shared.set(KEY, "a value").await?;
    let t0 = Instant::now();
    many_tasks_one_connection(&shared, n, commands).await?;
    let dt = t0.elapsed().as_secs_f64();
    println!("{n} tasks, one multiplexed connection: {total} GETs in {dt:.2} sec.");
    let t0 = Instant::now();
    one_connection_per_task(&client, &config, n, commands).await?;
    let dt = t0.elapsed().as_secs_f64();
    println!("{n} tasks, a connection each: {total} GETs in {dt:.2} sec.");
    shared.del(KEY).await?;
    Ok(ExitCode::SUCCESS)
}

/// Pushes `num` items onto the list, pausing 0.5–1.5 `second`s after each.
async fn generate_data(
    num: u64,
    mut redis: MultiplexedConnection,
    mut rng: StdRng,
    second: Duration,
) -> Result<(), String> {
    for idx in 1..=num {
        let item = idx * idx;
        // The list holds strings and crosses processes, so the item carries its time as seconds
        // since the epoch (an `Instant` means nothing outside this process).
        let payload = format!("{item} {}", now());
        // asyncio: `await data.put((item, datetime.datetime.now()))`; RPUSH appends to the list.
        if let Err(e) = redis.rpush(QUEUE, payload).await {
            return Err(format!("item {idx}: not queued: {e}"));
        }

        anstream::println!("{PRODUCER} -- generated item {idx}{PRODUCER:#}");
        tokio::time::sleep(second.mul_f64(rng.random::<f64>() + 0.5)).await;
    }
    Ok(())
}

/// Pops and processes `num` items, pausing half a `second` after each; gives up when no item
/// arrives within `timeout`.
async fn process_data(
    num: u64,
    mut redis: MultiplexedConnection,
    second: Duration,
    timeout: Duration,
) -> Result<(), String> {
    let mut processed = 0;
    while processed < num {
        // BLPOP: the server holds the answer until an item is there (`await data.get()`); None
        // after `timeout`. An item popped is gone from the list: no other consumer can get it.
        let popped = redis.blpop(QUEUE, timeout.as_secs_f64()).await;
        let item = match popped {
            Ok(Some([_list, item])) => item,
            Ok(None) => {
                return Err(format!(
                    "item {}: none arrived in {timeout:?}",
                    processed + 1
                ));
            }
            Err(e) => return Err(format!("item {}: not received: {e}", processed + 1)),
        };

        processed += 1;
        let (value, t) = item.split_once(' ').unwrap_or((&item, "0"));
        let dt = now() - t.parse::<f64>().unwrap_or(0.0);

        anstream::println!("{CONSUMER} +++ Processed value {value} after {dt:.2} sec.{CONSUMER:#}");
        tokio::time::sleep(second / 2).await;
    }
    Ok(())
}

/// `tasks` tasks, each sending `commands` GETs, one at a time, on clones of one connection.
async fn many_tasks_one_connection(
    redis: &MultiplexedConnection,
    tasks: usize,
    commands: u32,
) -> RedisResult<()> {
    let mut set = JoinSet::new();
    for _ in 0..tasks {
        let mut redis = redis.clone(); // a handle to the same socket, not a new connection
        set.spawn(async move {
            for _ in 0..commands {
                redis.get(KEY).await?;
            }
            Ok(())
        });
    }
    set.join_all().await.into_iter().collect()
}

/// The same, but each task opens a connection of its own first.
async fn one_connection_per_task(
    client: &Client,
    config: &AsyncConnectionConfig,
    tasks: usize,
    commands: u32,
) -> RedisResult<()> {
    let mut set = JoinSet::new();
    for _ in 0..tasks {
        let (client, config) = (client.clone(), config.clone());
        set.spawn(async move {
            let mut redis = client
                .get_multiplexed_async_connection_with_config(&config)
                .await?;
            for _ in 0..commands {
                redis.get(KEY).await?;
            }
            Ok(())
        });
    }
    set.join_all().await.into_iter().collect()
}

/// Seconds since the epoch, what Python's `datetime.now()` would put in the item.
fn now() -> f64 {
    let since = SystemTime::now().duration_since(UNIX_EPOCH);
    since.map_or(0.0, |d| d.as_secs_f64())
}

fn parse_redis_url(s: &str) -> Result<Client, String> {
    Client::open(s).map_err(|e| format!("`{s}` is not a Redis URL: {e}"))
}
