//! One executor API, three pools behind it: Rust's answer to `concurrent.futures`.
//!
//! ```no_run
//! use ch08_pools::executor::{Executor, ProcessPoolExecutor};
//!
//! fn square(x: u64) -> u64 {
//!     x * x
//! }
//!
//! fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     procspawn::init(); // first line of main: a worker process runs this same executable
//!     let executor = ProcessPoolExecutor::new(4)?; // or ThreadPoolExecutor::new(4)?
//!     let work: Vec<_> = (1..=3).map(|x| executor.submit(square, x)).collect();
//!     executor.shutdown(); // waits for every task, like leaving Python's `with` block
//!     for future in work {
//!         println!("{}", future.result()?);
//!     }
//!     Ok(())
//! }
//! ```
//!
//! | executor | runs each task on | pick it for |
//! |---|---|---|
//! | [`ThreadPoolExecutor`] | one of N named OS threads of this process | blocking I/O (downloads, files) |
//! | [`ProcessPoolExecutor`] | one of N worker processes ([`procspawn`]) | isolation: a crash, an `abort`, a leak stays in one worker |
//! | [`RayonExecutor`] | rayon's work-stealing pool | CPU-bound work; with `par_iter` you rarely need `submit` at all |
//! | [`PoolExecutor`] | any of the three, picked at run time | a program that lets its user choose |
//!
//! The API asks for the strictest rules of the three, so that switching pools never breaks the
//! code that submits: the task is a plain `fn` (a closure's captures cannot be sent to another
//! process) and its argument and result are [`Portable`]: serde-serialisable, like Python's
//! picklable.
//!
//! The module depends on std, serde, procspawn and rayon only, so that it can be copied whole
//! into another project (`mod executor;`).

use std::io;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// What a task may take and return: it must be able to cross a process boundary.
pub trait Portable: Serialize + DeserializeOwned + Send + 'static {}
impl<T: Serialize + DeserializeOwned + Send + 'static> Portable for T {}

/// A pool that runs submitted functions somewhere else and hands back their results.
pub trait Executor {
    /// Starts `task(arg)` on the pool as soon as a worker is free; returns at once.
    fn submit<A: Portable, R: Portable>(&self, task: fn(A) -> R, arg: A) -> TaskFuture<R>;

    /// Waits until every submitted task has finished, then stops the workers.
    fn shutdown(self);
}

/// Why a task gave no result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskError {
    /// The task panicked; the message of the panic.
    Panicked(String),
    /// The worker that ran it went away (a process that crashed, aborted or was killed).
    WorkerDied(String),
}

impl std::fmt::Display for TaskError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TaskError::Panicked(msg) => write!(f, "the task panicked: {msg}"),
            TaskError::WorkerDied(why) => write!(f, "its worker died: {why}"),
        }
    }
}

impl std::error::Error for TaskError {}

/// The result of a submitted task, some time from now (Python's `concurrent.futures.Future`).
#[derive(Debug)]
pub struct TaskFuture<R> {
    result: Receiver<Result<R, TaskError>>,
}

impl<R> TaskFuture<R> {
    fn channel() -> (Sender<Result<R, TaskError>>, TaskFuture<R>) {
        let (tx, result) = mpsc::channel();
        (tx, TaskFuture { result })
    }

    /// Blocks until the task has finished, then gives its value or why there is none.
    pub fn result(self) -> Result<R, TaskError> {
        self.result.recv().unwrap_or_else(|_| {
            Err(TaskError::WorkerDied(
                "the pool stopped before the task answered".to_owned(),
            ))
        })
    }
}

/// Python's `multiprocessing.current_process()`: who runs the code that asks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Process {
    /// This process's ID.
    pub pid: u32,
    /// `SpawnProcess-N` in the N-th worker process of a [`ProcessPoolExecutor`]; elsewhere the
    /// current thread's name (`ThreadPoolExecutor-0_1`, `rayon-worker-0`, `main`).
    pub name: String,
}

/// Where a worker process finds its name: the pool sets it for each worker it starts.
const PROCESS_NAME: &str = "EXECUTOR_PROCESS_NAME";

/// Who runs this code: see [`Process`].
pub fn current_process() -> Process {
    let name = std::env::var(PROCESS_NAME).unwrap_or_else(|_| {
        let thread = thread::current();
        thread.name().unwrap_or("unnamed thread").to_owned()
    });
    Process {
        pid: std::process::id(),
        name,
    }
}

/// Runs a task, turning a panic into an error so that one bad task cannot take down its worker
/// thread (or, in rayon, the whole program: rayon aborts on a panic in `spawn`).
fn run_caught<A, R>(task: fn(A) -> R, arg: A) -> Result<R, TaskError> {
    panic::catch_unwind(AssertUnwindSafe(|| task(arg))).map_err(|payload| {
        // A panic carries a `&str` or a `String`. (Read here, not with a shared helper, so that
        // this module copies alone.)
        let msg = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic with a non-text payload".to_owned());
        TaskError::Panicked(msg)
    })
}

type Job<S> = Box<dyn FnOnce(&S) + Send>;

/// Named threads taking jobs from one shared queue, each holding its own `S` (nothing for a
/// thread pool, a worker process for a process pool): the classic thread pool, in about 40 lines.
#[derive(Debug)]
struct Workers<S> {
    jobs: Option<Sender<Job<S>>>,
    threads: Vec<JoinHandle<()>>,
}

impl<S: Send + 'static> Workers<S> {
    /// One thread per `(name, state)`.
    fn start(workers: Vec<(String, S)>) -> io::Result<Self> {
        let (jobs, queue) = mpsc::channel::<Job<S>>();
        // std's Receiver has one owner; a Mutex lets the workers take turns at it.
        let queue = Arc::new(Mutex::new(queue));
        let threads = workers.into_iter().map(|(name, state)| {
            let queue = Arc::clone(&queue);
            thread::Builder::new().name(name).spawn(move || {
                loop {
                    // The guard is a temporary: the lock is held while taking a job, not while
                    // running it, so the other workers are not kept waiting.
                    let next = queue.lock().unwrap_or_else(PoisonError::into_inner).recv();
                    match next {
                        Ok(job) => job(&state),
                        Err(_) => break, // the pool was shut down and the queue is empty
                    }
                }
            })
        });
        let threads = threads.collect::<io::Result<_>>()?;
        Ok(Workers {
            jobs: Some(jobs),
            threads,
        })
    }

    /// Queues `job`, which sends its own answer to its future.
    fn run(&self, job: impl FnOnce(&S) + Send + 'static) {
        if let Some(jobs) = &self.jobs {
            // Sending fails only if every worker thread is gone; the future then says so.
            let _ = jobs.send(Box::new(job));
        }
    }
}

impl<S> Drop for Workers<S> {
    // Closing the queue lets each worker finish what is queued, then leave its loop; so
    // dropping the pool (also on an early return) waits for every task.
    fn drop(&mut self) {
        self.jobs = None;
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

/// N OS threads of this process, named as Python names its pool's threads:
/// `ThreadPoolExecutor-0_0`, `ThreadPoolExecutor-0_1`, ... (the first number counts the pools).
#[derive(Debug)]
pub struct ThreadPoolExecutor(Workers<()>);

impl ThreadPoolExecutor {
    /// Starts `size` threads.
    pub fn new(size: usize) -> io::Result<Self> {
        static POOLS: AtomicUsize = AtomicUsize::new(0);
        let pool = POOLS.fetch_add(1, Ordering::Relaxed);
        let names = (0..size).map(|i| (format!("ThreadPoolExecutor-{pool}_{i}"), ()));
        Ok(ThreadPoolExecutor(Workers::start(names.collect())?))
    }
}

impl Executor for ThreadPoolExecutor {
    fn submit<A: Portable, R: Portable>(&self, task: fn(A) -> R, arg: A) -> TaskFuture<R> {
        let (tx, future) = TaskFuture::channel();
        self.0.run(move |()| {
            let _ = tx.send(run_caught(task, arg));
        });
        future
    }

    fn shutdown(self) {
        drop(self);
    }
}

/// N worker processes, each running this same executable: a task's argument is serialised and
/// sent to one, its result serialised back. The N-th is named `SpawnProcess-N` (see
/// [`current_process`]), after the processes that Python's "spawn" start method makes the same
/// way.
///
/// Each worker is a one-process procspawn `Pool`, with a thread here that hands it one task at a
/// time and waits for the answer (procspawn hands an answer over only to someone waiting for
/// it). procspawn restarts a worker that dies, so a crash costs one task, not the pool; a task
/// that panics takes its worker down with it. Dropping the executor kills the workers.
#[derive(Debug)]
pub struct ProcessPoolExecutor(Workers<procspawn::Pool>);

impl ProcessPoolExecutor {
    /// Starts `size` worker processes. `procspawn::init()` must be the first line of `main`.
    pub fn new(size: usize) -> Result<Self, procspawn::SpawnError> {
        let workers = (1..=size).map(|i| {
            let name = format!("SpawnProcess-{i}");
            let process = procspawn::Pool::builder(1)
                .env(PROCESS_NAME, &name)
                .build()?;
            Ok((name, process))
        });
        let workers = workers.collect::<Result<_, procspawn::SpawnError>>()?;
        Ok(ProcessPoolExecutor(Workers::start(workers)?))
    }
}

impl Executor for ProcessPoolExecutor {
    fn submit<A: Portable, R: Portable>(&self, task: fn(A) -> R, arg: A) -> TaskFuture<R> {
        let (tx, future) = TaskFuture::channel();
        self.0.run(move |process: &procspawn::Pool| {
            let _ = tx.send(process.spawn(arg, task).join().map_err(task_error));
        });
        future
    }

    fn shutdown(self) {
        drop(self);
    }
}

fn task_error(err: procspawn::SpawnError) -> TaskError {
    if let Some(panic) = err.panic_info() {
        TaskError::Panicked(panic.message().to_owned())
    } else if err.is_remote_close() {
        TaskError::WorkerDied(
            "the worker process ended before sending a result \
             (a crash, an abort, a panic or a kill; what it said, if anything, is on stderr)"
                .to_owned(),
        )
    } else {
        TaskError::WorkerDied(err.to_string())
    }
}

/// A rayon pool of our own size: work-stealing threads named `rayon-worker-0`, ...
///
/// `submit` is here so that rayon fits the same API. Written for rayon itself, the whole
/// submit / wait / collect dance is one data-parallel expression that keeps the order:
///
/// ```
/// use rayon::prelude::*;
///
/// let pool = rayon::ThreadPoolBuilder::new().num_threads(4).build()?;
/// let squares: Vec<u64> = pool.install(|| (1..=5_u64).into_par_iter().map(|x| x * x).collect());
/// assert_eq!(squares, [1, 4, 9, 16, 25]);
/// # Ok::<(), rayon::ThreadPoolBuildError>(())
/// ```
#[derive(Debug)]
pub struct RayonExecutor {
    pool: rayon::ThreadPool,
    // A wait group made of a channel: every running task holds a clone of the sender, and the
    // receiver learns that all of them are done when the last clone is dropped.
    running: Sender<()>,
    all_done: Receiver<()>,
}

impl RayonExecutor {
    /// Builds a rayon pool of `size` threads (independent of rayon's global pool).
    pub fn new(size: usize) -> Result<Self, rayon::ThreadPoolBuildError> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(size)
            .thread_name(|i| format!("rayon-worker-{i}"))
            .build()?;
        let (running, all_done) = mpsc::channel();
        Ok(RayonExecutor {
            pool,
            running,
            all_done,
        })
    }
}

impl Executor for RayonExecutor {
    fn submit<A: Portable, R: Portable>(&self, task: fn(A) -> R, arg: A) -> TaskFuture<R> {
        let (tx, future) = TaskFuture::channel();
        let running = self.running.clone();
        self.pool.spawn(move || {
            let _ = tx.send(run_caught(task, arg));
            drop(running);
        });
        future
    }

    fn shutdown(self) {
        let RayonExecutor {
            running, all_done, ..
        } = self;
        drop(running);
        // recv() fails once no sender is left, that is, once every task has finished.
        while all_done.recv().is_ok() {}
    }
}

/// Any of the three executors, picked at run time. (Python picks by its import line; a trait
/// with generic methods cannot be a `dyn Executor`, so an enum does the choosing.)
#[derive(Debug)]
pub enum PoolExecutor {
    /// A [`ProcessPoolExecutor`].
    Processes(ProcessPoolExecutor),
    /// A [`ThreadPoolExecutor`].
    Threads(ThreadPoolExecutor),
    /// A [`RayonExecutor`].
    Rayon(RayonExecutor),
}

impl Executor for PoolExecutor {
    fn submit<A: Portable, R: Portable>(&self, task: fn(A) -> R, arg: A) -> TaskFuture<R> {
        match self {
            PoolExecutor::Processes(pool) => pool.submit(task, arg),
            PoolExecutor::Threads(pool) => pool.submit(task, arg),
            PoolExecutor::Rayon(pool) => pool.submit(task, arg),
        }
    }

    fn shutdown(self) {
        match self {
            PoolExecutor::Processes(pool) => pool.shutdown(),
            PoolExecutor::Threads(pool) => pool.shutdown(),
            PoolExecutor::Rayon(pool) => pool.shutdown(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    fn square(x: u64) -> u64 {
        x * x
    }

    fn worker_name(_: ()) -> String {
        current_process().name
    }

    fn boom(x: u64) -> u64 {
        if x == 2 {
            panic!("task {x} failed on purpose");
        }
        x
    }

    /// Sleeps, then says when it started and finished, as offsets from `origin`.
    fn nap((origin, ms): (u64, u64)) -> (u64, u64) {
        let now = || std::time::UNIX_EPOCH.elapsed().unwrap().as_millis() as u64 - origin;
        let started = now();
        thread::sleep(Duration::from_millis(ms));
        (started, now())
    }

    fn run_all<E: Executor>(executor: E) -> Vec<Result<u64, TaskError>> {
        let work: Vec<_> = (1..=4).map(|x| executor.submit(boom, x)).collect();
        executor.shutdown();
        work.into_iter().map(TaskFuture::result).collect()
    }

    #[test]
    fn results_come_back_in_submission_order() {
        let executor = ThreadPoolExecutor::new(3).unwrap();
        let work: Vec<_> = (0..20).map(|x| executor.submit(square, x)).collect();
        executor.shutdown();
        let got: Vec<u64> = work.into_iter().map(|f| f.result().unwrap()).collect();
        assert_eq!(got, (0..20).map(|x| x * x).collect::<Vec<_>>());
    }

    #[test]
    fn a_panicking_task_fails_alone_on_both_thread_pools() {
        let panicked = Err(TaskError::Panicked("task 2 failed on purpose".into()));
        let want = vec![Ok(1), panicked, Ok(3), Ok(4)];
        assert_eq!(run_all(ThreadPoolExecutor::new(2).unwrap()), want);
        assert_eq!(run_all(RayonExecutor::new(2).unwrap()), want);
        let chosen = PoolExecutor::Threads(ThreadPoolExecutor::new(2).unwrap());
        assert_eq!(run_all(chosen), want);
    }

    #[test]
    fn task_errors_read_as_one_line() {
        let err = TaskError::Panicked("injected fault".into());
        assert_eq!(err.to_string(), "the task panicked: injected fault");
        let err = TaskError::WorkerDied("killed".into());
        assert_eq!(err.to_string(), "its worker died: killed");
    }

    #[test]
    fn workers_carry_their_names() {
        let executor = ThreadPoolExecutor::new(2).unwrap();
        let work: Vec<_> = (0..6).map(|_| executor.submit(worker_name, ())).collect();
        executor.shutdown();
        for future in work {
            let name = future.result().unwrap();
            let (pool, thread) = name
                .strip_prefix("ThreadPoolExecutor-")
                .and_then(|rest| rest.split_once('_'))
                .unwrap_or_else(|| panic!("a pool thread's name: {name}"));
            assert!(pool.parse::<usize>().is_ok(), "{name}");
            assert!(["0", "1"].contains(&thread), "two threads, 0 and 1: {name}");
        }

        let executor = RayonExecutor::new(1).unwrap();
        let name = executor.submit(worker_name, ());
        executor.shutdown();
        assert_eq!(name.result().unwrap(), "rayon-worker-0");
    }

    #[test]
    fn each_thread_pool_has_its_own_number() {
        let a = ThreadPoolExecutor::new(1).unwrap();
        let b = ThreadPoolExecutor::new(1).unwrap();
        let (a_name, b_name) = (a.submit(worker_name, ()), b.submit(worker_name, ()));
        let (a_name, b_name) = (a_name.result().unwrap(), b_name.result().unwrap());
        assert_ne!(a_name, b_name);
        assert!(
            a_name.ends_with("_0") && b_name.ends_with("_0"),
            "{a_name} {b_name}"
        );
    }

    /// The pool's width: with two workers and four 50 ms tasks, the third and fourth start only
    /// once one of the first two has finished; shutdown returns only after all four.
    fn two_at_a_time<E: Executor>(executor: E) {
        let origin = std::time::UNIX_EPOCH.elapsed().unwrap().as_millis() as u64;
        let t0 = Instant::now();
        let work: Vec<_> = (0..4).map(|_| executor.submit(nap, (origin, 50))).collect();
        executor.shutdown();
        assert!(t0.elapsed() >= Duration::from_millis(100));
        let times: Vec<(u64, u64)> = work.into_iter().map(|f| f.result().unwrap()).collect();
        let first_end = times[0].1.min(times[1].1);
        assert!(times[2].0 >= first_end, "{times:?}");
        assert!(times[3].0 >= first_end, "{times:?}");
    }

    #[test]
    fn a_pool_of_two_runs_two_at_a_time() {
        two_at_a_time(ThreadPoolExecutor::new(2).unwrap());
        two_at_a_time(RayonExecutor::new(2).unwrap());
    }
}
