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
//!
//! The API asks for the strictest rules of the three, so that switching pools never breaks the
//! code that submits: the task is a plain `fn` (not a closure: a closure's captures cannot be
//! sent to another process) and its argument and result are [`Portable`]: serde-serialisable,
//! like Python's picklable.
//!
//! Every executor also notes when each task started and finished ([`Executor::run_log`]), as
//! seen from this process, for a chart of what ran when; the tasks themselves know nothing of it.
//!
//! This module depends on std, serde, procspawn and rayon only, so that it can be copied whole
//! into another project (`mod executor;`).

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

    /// A handle on the pool's record of when each task ran; it stays readable after `shutdown`.
    fn run_log(&self) -> RunLog;
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

/// When one task ran, as this process saw it: from the moment a worker took it to the moment its
/// result was back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ran {
    /// A worker took the task.
    pub started: Instant,
    /// Its result (or its failure) was back.
    pub finished: Instant,
}

/// The times of every task submitted to one executor, in submission order (`None` for a task
/// that has not finished). Cloning it gives another handle on the same record.
#[derive(Debug, Clone, Default)]
pub struct RunLog(Arc<Mutex<Vec<Option<Ran>>>>);

impl RunLog {
    /// Every task's times so far, in submission order.
    pub fn times(&self) -> Vec<Option<Ran>> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Makes room for one more task; returns its place.
    fn open(&self) -> usize {
        let mut log = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        log.push(None);
        log.len() - 1
    }

    /// Runs a task's work, noting when it started and finished.
    fn time<T>(&self, slot: usize, work: impl FnOnce() -> T) -> T {
        let started = Instant::now();
        let out = work();
        let finished = Instant::now();
        let mut log = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(entry) = log.get_mut(slot) {
            *entry = Some(Ran { started, finished });
        }
        out
    }
}

/// Runs a task, turning a panic into an error so that one bad task cannot take down its worker
/// thread (or, in rayon, the whole program: rayon aborts on a panic in `spawn`).
fn run_caught<A, R>(task: fn(A) -> R, arg: A) -> Result<R, TaskError> {
    panic::catch_unwind(AssertUnwindSafe(|| task(arg))).map_err(|payload| {
        // A panic carries a `&str` or a `String`, or, rarely, something else.
        let msg = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic with a non-text payload".to_owned());
        TaskError::Panicked(msg)
    })
}

type Job = Box<dyn FnOnce() + Send>;

/// N named threads taking jobs from one shared queue: the classic thread pool, in 30 lines.
#[derive(Debug)]
pub struct ThreadPoolExecutor {
    jobs: Option<Sender<Job>>,
    threads: Vec<JoinHandle<()>>,
    log: RunLog,
}

impl ThreadPoolExecutor {
    /// Starts `size` threads named `pool-thread-0`, `pool-thread-1`, ...
    pub fn new(size: usize) -> io::Result<Self> {
        Self::named(size, "pool-thread")
    }

    fn named(size: usize, name: &str) -> io::Result<Self> {
        let (jobs, queue) = mpsc::channel::<Job>();
        // std's Receiver has one owner; a Mutex lets the workers take turns at it.
        let queue = Arc::new(Mutex::new(queue));
        let threads = (0..size)
            .map(|i| {
                let queue = Arc::clone(&queue);
                thread::Builder::new()
                    .name(format!("{name}-{i}"))
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
            log: RunLog::default(),
        })
    }

    /// Queues `work`, which sends its own answer to its future.
    fn run(&self, work: impl FnOnce() + Send + 'static) {
        if let Some(jobs) = &self.jobs {
            // Sending fails only if every worker thread is gone; the future then says so.
            let _ = jobs.send(Box::new(work));
        }
    }
}

impl Executor for ThreadPoolExecutor {
    fn submit<A: Portable, R: Portable>(&self, task: fn(A) -> R, arg: A) -> TaskFuture<R> {
        let (tx, future) = TaskFuture::channel();
        let (log, slot) = (self.log.clone(), self.log.open());
        self.run(move || {
            let _ = tx.send(log.time(slot, || run_caught(task, arg)));
        });
        future
    }

    fn shutdown(self) {
        drop(self); // Drop does the work, so that an early return waits too.
    }

    fn run_log(&self) -> RunLog {
        self.log.clone()
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
/// worker rather than leave it in an unknown state); the panic message is on the worker's
/// stderr, which is ours.
#[derive(Debug)]
pub struct ProcessPoolExecutor {
    // One thread per worker process hands it a task and waits for the answer, so that at most
    // `size` tasks are out at once and each one's start and end are seen here. (procspawn hands
    // each answer over a rendezvous channel: someone must be waiting for it, or the pool stalls.)
    // Declared before `pool`: dropping the drivers first waits for every task.
    drivers: ThreadPoolExecutor,
    pool: Arc<procspawn::Pool>,
    started_in: Duration,
}

impl ProcessPoolExecutor {
    /// Starts `size` worker processes. `procspawn::init()` must be the first line of `main`.
    pub fn new(size: usize) -> Result<Self, procspawn::SpawnError> {
        let t0 = Instant::now();
        let pool = procspawn::Pool::new(size)?;
        let started_in = t0.elapsed();
        let drivers = ThreadPoolExecutor::named(size, "process-driver")?;
        Ok(ProcessPoolExecutor {
            drivers,
            pool: Arc::new(pool),
            started_in,
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
        let (log, slot) = (self.drivers.log.clone(), self.drivers.log.open());
        let pool = Arc::clone(&self.pool);
        self.drivers.run(move || {
            let result = log.time(slot, || {
                pool.spawn(arg, task).join().map_err(|e| task_error(&e))
            });
            let _ = tx.send(result);
        });
        future
    }

    fn shutdown(self) {
        let ProcessPoolExecutor { drivers, pool, .. } = self;
        drivers.shutdown();
        pool.shutdown();
    }

    fn run_log(&self) -> RunLog {
        self.drivers.log.clone()
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
    log: RunLog,
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
            log: RunLog::default(),
        })
    }
}

impl Executor for RayonExecutor {
    fn submit<A: Portable, R: Portable>(&self, task: fn(A) -> R, arg: A) -> TaskFuture<R> {
        let (tx, future) = TaskFuture::channel();
        let running = self.running.clone();
        let (log, slot) = (self.log.clone(), self.log.open());
        self.pool.spawn(move || {
            let _ = tx.send(log.time(slot, || run_caught(task, arg)));
            drop(running);
        });
        future
    }

    fn shutdown(self) {
        let RayonExecutor {
            pool,
            running,
            all_done,
            ..
        } = self;
        drop(running);
        // recv() fails once no sender is left, that is, once every task has finished.
        while all_done.recv().is_ok() {}
        drop(pool);
    }

    fn run_log(&self) -> RunLog {
        self.log.clone()
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

    fn nap(ms: u64) -> u64 {
        thread::sleep(Duration::from_millis(ms));
        ms
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
    fn task_errors_read_as_one_line() {
        let err = TaskError::Panicked("injected fault".into());
        assert_eq!(err.to_string(), "the task panicked: injected fault");
        let err = TaskError::WorkerDied("killed".into());
        assert_eq!(err.to_string(), "its worker died: killed");
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

    /// The log shows the pool's width: with two threads and four 50 ms tasks, the third task
    /// starts only when one of the first two has finished.
    fn log_shows_two_at_a_time<E: Executor>(executor: E) {
        let log = executor.run_log();
        let work: Vec<_> = (0..4).map(|_| executor.submit(nap, 50)).collect();
        executor.shutdown();
        assert!(work.into_iter().all(|f| f.result() == Ok(50)));
        let times: Vec<Ran> = log.times().into_iter().map(Option::unwrap).collect();
        assert_eq!(times.len(), 4);
        for ran in &times {
            assert!(
                ran.finished - ran.started >= Duration::from_millis(50),
                "{ran:?}"
            );
        }
        let first_end = times[0].finished.min(times[1].finished);
        assert!(times[2].started >= first_end, "{times:?}");
        assert!(times[3].started >= first_end, "{times:?}");
    }

    #[test]
    fn the_run_log_sees_each_task_start_and_finish() {
        log_shows_two_at_a_time(ThreadPoolExecutor::new(2).unwrap());
        log_shows_two_at_a_time(RayonExecutor::new(2).unwrap());
    }
}
