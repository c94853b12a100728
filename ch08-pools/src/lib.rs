//! Chapter 8 of the course: execution pools.
//!
//! The lesson is `src/bin/program.rs`: it submits a download per site to a pool, waits for the
//! pool, and prints the results in order.
//!
//! This library is to that program what `concurrent.futures` is to the Python one: the
//! [`executor`] module, one small executor API (`submit` a function, get a
//! [`executor::TaskFuture`] back, ask it for its `.result()`) with three implementations: a
//! process pool, a thread pool and rayon's pool. Switching between them changes one line, as
//! switching `ProcessPoolExecutor` for `ThreadPoolExecutor` does in Python.

pub mod executor;
