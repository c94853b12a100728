//! One executor API, three pools behind it: Rust's answer to `concurrent.futures`.
//!
//! ```no_run
//! use ch08_pools::executor::{Executor, ThreadPoolExecutor};
//!
//! fn square(x: u64) -> u64 {
//!     x * x
//! }
//!
//! let executor = ThreadPoolExecutor::new(4)?; // or ProcessPoolExecutor::new(4)?
//! let work: Vec<_> = (1..=3).map(|x| executor.submit(square, x)).collect();
//! executor.shutdown(); // waits for every task, like leaving Python's `with` block
//! for future in work {
//!     println!("{}", future.result()?);
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! | executor | runs each task on | pick it for |
//! |---|---|---|
//! | [`ThreadPoolExecutor`] | one of N named OS threads of this process | blocking I/O (downloads, files) |
//! | [`ProcessPoolExecutor`] | one of N worker processes ([`procspawn`]) | isolation: a crash, an `abort`, a leak stays in one worker |
//! | [`RayonExecutor`] | rayon's work-stealing pool | CPU-bound work; with `par_iter` you rarely need `submit` at all |
//!
//! The API asks for the strictest rules of the three, so that switching pools never breaks the
//! code that submits: the task is a plain `fn` (not a closure: a closure's captures cannot be
//! sent to another process) and its argument and result are [`Portable`]: serde-serialisable,
//! like Python's picklable.

use std::any::Any;
use std::cell::RefCell;
use std::io;
use std::panic::{self, AssertUnwindSafe};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use serde::Serialize;
use serde::de::DeserializeOwned;

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

/// Runs a task, turning a panic into an error so that one bad task cannot take down its worker
/// thread (or, in rayon, the whole program: rayon aborts on a panic in `spawn`).
fn run_caught<A, R>(task: fn(A) -> R, arg: A) -> Result<R, TaskError> {
    panic::catch_unwind(AssertUnwindSafe(|| task(arg)))
        .map_err(|payload| TaskError::Panicked(panic_message(payload.as_ref())))
}

fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".to_owned()
    }
}

type Job = Box<dyn FnOnce() + Send>;

/// N named threads taking jobs from one shared queue: the classic thread pool, in 30 lines.
#[derive(Debug)]
pub struct ThreadPoolExecutor {
    jobs: Option<Sender<Job>>,
    threads: Vec<JoinHandle<()>>,
}

impl ThreadPoolExecutor {
    /// Starts `size` threads named `pool-thread-0`, `pool-thread-1`, ...
    pub fn new(size: usize) -> io::Result<Self> {
        let (jobs, queue) = mpsc::channel::<Job>();
        // std's Receiver has one owner; a Mutex lets the workers take turns at it.
        let queue = Arc::new(Mutex::new(queue));
        let threads = (0..size)
            .map(|i| {
                let queue = Arc::clone(&queue);
                thread::Builder::new()
                    .name(format!("pool-thread-{i}"))
                    .spawn(move || {
                        loop {
                            // The guard is a temporary: the lock is held while taking a job,
                            // not while running it, so the other workers are not kept waiting.
                            let next = queue.lock().unwrap_or_else(PoisonError::into_inner).recv();
                            match next {
                                Ok(job) => job(),
                                Err(_) => break, // the pool was shut down and the queue is empty
                            }
                        }
                    })
            })
            .collect::<io::Result<_>>()?;
        Ok(ThreadPoolExecutor {
            jobs: Some(jobs),
            threads,
        })
    }
}

impl Executor for ThreadPoolExecutor {
    fn submit<A: Portable, R: Portable>(&self, task: fn(A) -> R, arg: A) -> TaskFuture<R> {
        let (tx, future) = TaskFuture::channel();
        if let Some(jobs) = &self.jobs {
            // Sending fails only if every worker thread is gone; the future then says so.
            let _ = jobs.send(Box::new(move || {
                let _ = tx.send(run_caught(task, arg));
            }));
        }
        future
    }

    fn shutdown(self) {
        drop(self); // Drop does the work, so that an early return waits too.
    }
}

impl Drop for ThreadPoolExecutor {
    fn drop(&mut self) {
        // Closing the queue lets each worker finish what is queued, then leave its loop.
        self.jobs = None;
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

/// A pool of worker processes (procspawn's `Pool`): each task's argument is serialised, sent to a
/// worker process running this same executable, and its result serialised back.
///
/// procspawn restarts a worker that dies, so one crash costs one task, not the pool. Dropping the
/// executor kills its workers, so none outlive the program.
///
/// A task that panics takes its worker process down with it (procspawn lets the panic end the
/// worker rather than leave it in an unknown state), so it comes back as
/// [`TaskError::WorkerDied`]; the panic message is on the worker's stderr, which is ours.
#[derive(Debug)]
pub struct ProcessPoolExecutor {
    pool: procspawn::Pool,
    // One small thread per task waits for its answer and forwards it to the TaskFuture. procspawn
    // hands each answer over a rendezvous channel, so without these the pool would stall until the
    // caller asked for that result, and `shutdown` (which waits for all work) would deadlock.
    waiters: RefCell<Vec<JoinHandle<()>>>,
    started_in: Duration,
}

impl ProcessPoolExecutor {
    /// Starts `size` worker processes. `procspawn::init()` must be the first line of `main`.
    pub fn new(size: usize) -> Result<Self, procspawn::SpawnError> {
        let t0 = Instant::now();
        let pool = procspawn::Pool::new(size)?;
        Ok(ProcessPoolExecutor {
            pool,
            waiters: RefCell::new(Vec::new()),
            started_in: t0.elapsed(),
        })
    }

    /// How long starting the worker processes took (what a process pool costs up front).
    pub fn started_in(&self) -> Duration {
        self.started_in
    }
}

impl Executor for ProcessPoolExecutor {
    fn submit<A: Portable, R: Portable>(&self, task: fn(A) -> R, arg: A) -> TaskFuture<R> {
        let (tx, future) = TaskFuture::channel();
        let handle = self.pool.spawn(arg, task);
        let waiter = thread::Builder::new()
            .name("pool-result-waiter".into())
            .spawn(move || {
                let _ = tx.send(handle.join().map_err(|e| task_error(&e)));
            });
        // Without a waiter thread there is no answer: the TaskFuture then reports the task lost.
        if let Ok(waiter) = waiter {
            self.waiters.borrow_mut().push(waiter);
        }
        future
    }

    fn shutdown(self) {
        for waiter in self.waiters.borrow_mut().drain(..) {
            let _ = waiter.join();
        }
        self.pool.shutdown();
    }
}

fn task_error(err: &procspawn::SpawnError) -> TaskError {
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
            pool,
            running,
            all_done,
        } = self;
        drop(running);
        // recv() fails once no sender is left, that is, once every task has finished.
        while all_done.recv().is_ok() {}
        drop(pool);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(x: u64) -> u64 {
        x * x
    }

    fn thread_name(_: ()) -> String {
        thread::current().name().unwrap_or("").to_owned()
    }

    fn boom(x: u64) -> u64 {
        if x == 2 {
            panic!("task {x} failed on purpose");
        }
        x
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
    }

    #[test]
    fn workers_carry_their_names() {
        let executor = ThreadPoolExecutor::new(1).unwrap();
        let name = executor.submit(thread_name, ());
        executor.shutdown();
        assert_eq!(name.result().unwrap(), "pool-thread-0");

        let executor = RayonExecutor::new(1).unwrap();
        let name = executor.submit(thread_name, ());
        executor.shutdown();
        assert_eq!(name.result().unwrap(), "rayon-worker-0");
    }
}
