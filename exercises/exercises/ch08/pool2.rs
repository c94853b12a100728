// Practises ch08-pools/src/executor.rs (the pool behind ch08-pools/src/bin/program.rs).
//
// When a task panics on a worker thread, the panic unwinds that thread: the worker dies, the task
// never answers, and with one worker the tasks queued after it never run either. Python's pool
// catches a task's exception and hands it to whoever calls `future.result()`. Make this pool do
// the same: catch the panic inside the job, and send it back as the task's error.

use std::panic::{self, AssertUnwindSafe};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};

/// Work for a pool's threads: any closure, run once.
type Job = Box<dyn FnOnce() + Send>;

/// A fixed set of worker threads taking jobs from one queue (`ThreadPoolExecutor`).
struct ThreadPool {
    jobs: Option<Sender<Job>>,
    threads: Vec<JoinHandle<()>>,
}

impl ThreadPool {
    fn new(workers: usize) -> ThreadPool {
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        let threads = (0..workers)
            .map(|_| {
                let queue = Arc::clone(&queue);
                thread::spawn(move || {
                    loop {
                        // The guard is a temporary: the queue is unlocked before the job runs.
                        let next = queue.lock().unwrap_or_else(PoisonError::into_inner).recv();
                        match next {
                            Ok(job) => job(),
                            Err(_) => break, // the pool was shut down and the queue is empty
                        }
                    }
                })
            })
            .collect();
        ThreadPool {
            jobs: Some(jobs),
            threads,
        }
    }

    /// Ends the queue and waits for the workers to finish what is in it.
    fn shutdown(mut self) {
        self.jobs = None;
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

/// Why a task has no result.
#[derive(Debug, PartialEq)]
enum TaskError {
    /// The task panicked, with this message; its worker lives on.
    Panicked(String),
    /// The task never answered: its worker died.
    WorkerDied,
}

/// The answer a task will give (`concurrent.futures.Future`).
struct TaskFuture<R>(Receiver<Result<R, TaskError>>);

impl<R> TaskFuture<R> {
    /// Waits for the task's answer (`future.result()`).
    fn result(self) -> Result<R, TaskError> {
        self.0.recv().unwrap_or(Err(TaskError::WorkerDied))
    }
}

/// A panic's message, which is a `&str` or a `String` for `panic!("...")`.
fn message_of(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "a panic with a non-text payload".to_owned()
    }
}

impl ThreadPool {
    /// Queues `task` for the next free worker and returns at once (`executor.submit`).
    fn submit<R: Send + 'static>(
        &self,
        task: impl FnOnce() -> R + Send + 'static,
    ) -> TaskFuture<R> {
        let (tx, rx) = mpsc::channel();
        let job = Box::new(move || {
            // TODO: catch a panic of `task` here (`panic::catch_unwind`) and send it back as
            // `TaskError::Panicked` with its message, so that the worker thread lives on.
            let _ = tx.send(Ok(task()));
        });
        if let Some(jobs) = &self.jobs {
            // If every worker died, the job (and its sender) is dropped: `result` says so.
            let _ = jobs.send(job);
        }
        TaskFuture(rx)
    }
}

/// Stands in for a download that finds no title on one page.
fn get_title(url: &str) -> String {
    if url.contains("google") {
        panic!("no <title> in {url}");
    }
    format!("Title of {url}")
}

const URLS: [&str; 4] = [
    "https://talkpython.fm",
    "https://google.com",
    "https://pythonbytes.fm",
    "https://realpython.com",
];

/// Submits every URL, then collects every answer, in order.
fn get_titles(pool: &ThreadPool) -> Vec<Result<String, TaskError>> {
    let futures: Vec<_> = URLS
        .iter()
        .map(|&url| pool.submit(move || get_title(url)))
        .collect();
    futures.into_iter().map(TaskFuture::result).collect()
}

fn main() {
    let pool = ThreadPool::new(1);
    for (url, title) in URLS.iter().zip(get_titles(&pool)) {
        match title {
            Ok(title) => println!("{title}"),
            Err(err) => println!("{url}: {err:?}"),
        }
    }
    pool.shutdown();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panicking_task_fails_alone_and_its_worker_goes_on() {
        // One worker: if the panic killed it, no task after the failing one would run.
        let pool = ThreadPool::new(1);
        let titles = get_titles(&pool);
        pool.shutdown();
        assert_eq!(
            titles,
            [
                Ok("Title of https://talkpython.fm".to_owned()),
                Err(TaskError::Panicked(
                    "no <title> in https://google.com".to_owned()
                )),
                Ok("Title of https://pythonbytes.fm".to_owned()),
                Ok("Title of https://realpython.com".to_owned()),
            ]
        );
    }
}
