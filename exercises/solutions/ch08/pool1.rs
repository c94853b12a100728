// Practises ch08-pools/src/bin/program.rs (and the pool in ch08-pools/src/executor.rs).
//
// `get_titles` hands each URL to a pool of worker threads, but waits for each task's result right
// after submitting it, so the pool runs one task at a time however many workers it has. Do as the
// course's `program.py` does: submit every task first, then wait for the results, in order.

use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

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

/// The answer a task will give (`concurrent.futures.Future`).
struct TaskFuture<R>(Receiver<R>);

impl<R> TaskFuture<R> {
    /// Waits for the task's answer (`future.result()`).
    fn result(self) -> R {
        self.0.recv().expect("the task's worker died")
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
            let _ = tx.send(task());
        });
        self.jobs
            .as_ref()
            .expect("the pool is running")
            .send(job)
            .expect("the workers are alive");
        TaskFuture(rx)
    }
}

/// Runs `get_title` on every URL in the pool; the titles come back in the URLs' order.
fn get_titles(
    pool: &ThreadPool,
    urls: &[&'static str],
    get_title: fn(&str) -> String,
) -> Vec<String> {
    // Every task first: they all go in the queue, and every free worker takes one.
    let futures: Vec<_> = urls
        .iter()
        .map(|&url| pool.submit(move || get_title(url)))
        .collect();
    println!("Waiting for downloads...");
    futures.into_iter().map(TaskFuture::result).collect()
}

/// Stands in for a download: 0.1 s, then a title made from the URL.
fn get_title(url: &str) -> String {
    thread::sleep(Duration::from_millis(100));
    format!("Title of {url}")
}

const URLS: [&str; 5] = [
    "https://talkpython.fm",
    "https://pythonbytes.fm",
    "https://google.com",
    "https://realpython.com",
    "https://training.talkpython.fm/",
];

fn main() {
    let pool = ThreadPool::new(5);
    for title in get_titles(&pool, &URLS, get_title) {
        println!("{title}");
    }
    pool.shutdown();
}

#[cfg(test)]
mod tests {
    use super::*;

    /// How many tasks have arrived at the meeting point, and whether one gave up waiting.
    static MET: (Mutex<(usize, bool)>, Condvar) = (Mutex::new((0, false)), Condvar::new());

    /// A task that waits until all five tasks are running at once, then returns `"met"`; it gives
    /// up after 5 s (and all later ones at once) with `"alone"`. Five running at once meet at
    /// once, however slow the machine.
    fn meet(_url: &str) -> String {
        let (lock, arrived) = &MET;
        let mut met = lock.lock().unwrap();
        met.0 += 1;
        arrived.notify_all();
        let (met, timeout) = arrived
            .wait_timeout_while(met, Duration::from_secs(5), |met| {
                met.0 < URLS.len() && !met.1
            })
            .unwrap();
        if timeout.timed_out() || met.1 {
            drop(met);
            lock.lock().unwrap().1 = true;
            return "alone".to_owned();
        }
        "met".to_owned()
    }

    #[test]
    fn five_workers_run_five_tasks_at_once() {
        let pool = ThreadPool::new(URLS.len());
        let titles = get_titles(&pool, &URLS, meet);
        pool.shutdown();
        assert_eq!(
            titles, ["met"; 5],
            "the tasks ran one after another, not at once"
        );
    }

    #[test]
    fn the_titles_come_back_in_the_order_of_the_urls() {
        let pool = ThreadPool::new(2);
        let titles = get_titles(&pool, &URLS, get_title);
        pool.shutdown();
        let expected: Vec<String> = URLS.iter().map(|url| format!("Title of {url}")).collect();
        assert_eq!(titles, expected);
    }
}
