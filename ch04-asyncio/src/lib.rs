//! Chapter 4 of the course, async and await, on tokio. Each program is whole in its own file,
//! `src/bin/<python name>.rs`, and reads as a lesson on its own; this library holds no code. The
//! chapter's README.md has the table, the longer explanations and the speed figures.
//!
//! - `simple_gen`: a generator is a restartable function (an `Iterator`); `async_stream` is its
//!   async twin (a `Stream`, consumed with `while let Some(x) = stream.next().await`).
//! - `sync_program` → `async_program`: a producer and a consumer, blocking, then as tasks sharing
//!   one thread through a channel.
//! - `loop_program` → `loop_program_uv`: one workload, two executors (tokio's, smol's).
//! - `sync_scrape` → `async_scrape`: the same scraper, blocking and then async with every
//!   download started at once.
//! - `count_async`, `rand_async`, `lazy_futures`, `task_group`, `to_thread`, `async_files`: the
//!   learner notes' concepts (gather, lazy futures, task groups versus gather, blocking calls,
//!   file I/O).
//! - `async_postgres`, `async_redis`: the course's "other async-enabled libraries" on real servers:
//!   connections, pools and multiplexing with PostgreSQL and Redis.
//!
//! Every program takes `--help`. The speed figures come from `cargo bench -p ch04-asyncio --bench
//! ch04`, and for the servers from `--bench servers`.
