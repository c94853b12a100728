//! Chapter 9 of the course: trio and unsync, as Rust's async runtimes.
//!
//! The binaries in `src/bin/` are the lessons; this library holds what several of them share:
//!
//! - [`producer`]: the item type, the course's messages and a [`producer::Tally`] of what was
//!   produced and processed, for `prod_sync`, `prod_asyncio`, `prod_smol`, `prod_async_std` and
//!   `prod_trio`.
//! - [`unsync`]: the eleven jobs of `nosync`, `presync` and `thesync` (compute, the two downloads,
//!   the waits) and [`unsync::Pending`], a `.result()`-style handle for synchronous code.
//! - [`signal`]: Ctrl-C as a future that works on any runtime (smol and async-std have none).
//! - [`stats`]: medians and spreads for the `runtimes` table.
//!
//! # Why `tokio::spawn` wants `Send` futures
//!
//! A multi-thread runtime may move a task to another worker thread at any `.await`. So everything
//! the task holds across an `.await` must be safe to send between threads. An `Rc` is not (its
//! count is not atomic), and the compiler rejects the program instead of letting it race:
//!
//! ```compile_fail,E0277
//! use std::rc::Rc;
//!
//! async fn hold_rc_across_await() {
//!     let shared = Rc::new(5);
//!     tokio::task::yield_now().await; // the task may resume on another thread here...
//!     println!("{shared}"); // ...still holding the Rc: not Send
//! }
//!
//! #[tokio::main]
//! async fn main() {
//!     // error[E0277]: `Rc<i32>` cannot be sent between threads safely
//!     tokio::spawn(hold_rc_across_await()).await.unwrap();
//! }
//! ```
//!
//! Use `Arc`, drop the `Rc` before the `.await`, or run the task on one thread with
//! `tokio::task::LocalSet` / `spawn_local` (which accepts `!Send` futures):
//!
//! ```
//! use std::sync::Arc;
//!
//! async fn hold_arc_across_await() -> i32 {
//!     let shared = Arc::new(5);
//!     tokio::task::yield_now().await;
//!     *shared
//! }
//!
//! let rt = tokio::runtime::Runtime::new().unwrap();
//! let got = rt.block_on(async { tokio::spawn(hold_arc_across_await()).await.unwrap() });
//! assert_eq!(got, 5);
//! ```
//!
//! Python's asyncio has no such check: its futures belong to one event loop and one thread, and
//! touching them from another thread is simply a bug waiting to happen.

pub mod producer {
    //! The producer/consumer of `prod_*`: items, messages and a tally.

    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::Instant;

    use course_kit::{cprintln, fmt, style};

    /// An item: the value (`idx * idx`) and when it was made, so the consumer can say how long
    /// it waited in the queue.
    pub type Item = (u64, Instant);

    /// Makes item `idx`.
    pub fn make_item(idx: u64) -> Item {
        (idx * idx, Instant::now())
    }

    /// ` -- generated item {idx}` in the producer's colour.
    pub fn say_generated(idx: u64) {
        cprintln!(style::PRODUCER, " -- generated item {idx}");
    }

    /// ` +++ Processed value {v} after {s} sec.` in the consumer's colour.
    pub fn say_processed(item: &Item) {
        cprintln!(
            style::CONSUMER,
            " +++ Processed value {} after {} sec.",
            item.0,
            fmt::secs(item.1.elapsed().as_secs_f64())
        );
    }

    /// Counts what was produced and processed. Atomics, so that tasks on any thread (or any
    /// runtime) can share one `Tally` through an `Arc` or a `&'static`.
    #[derive(Debug, Default)]
    pub struct Tally {
        produced: AtomicU64,
        processed: AtomicU64,
    }

    impl Tally {
        /// One more item made (and handed to the queue).
        pub fn produced(&self) {
            self.produced.fetch_add(1, Ordering::Relaxed);
        }

        /// One more item processed.
        pub fn processed(&self) {
            self.processed.fetch_add(1, Ordering::Relaxed);
        }

        /// `(produced, processed)` so far.
        pub fn counts(&self) -> (u64, u64) {
            (
                self.produced.load(Ordering::Relaxed),
                self.processed.load(Ordering::Relaxed),
            )
        }

        /// The closing summary: `Produced N items, processed M.` (plus what was left).
        pub fn say_summary(&self) {
            let (produced, processed) = self.counts();
            let left = produced.saturating_sub(processed);
            if left == 0 {
                cprintln!(
                    style::APP,
                    "Produced {produced} items, processed {processed}."
                );
            } else {
                cprintln!(
                    style::APP,
                    "Produced {produced} items, processed {processed} ({left} left unprocessed)."
                );
            }
        }
    }

    /// `App exiting, total time: {s} sec.`
    pub fn say_exiting(t0: Instant) {
        cprintln!(
            style::APP,
            "App exiting, total time: {} sec.",
            fmt::secs(t0.elapsed().as_secs_f64())
        );
    }
}

pub mod unsync {
    //! The jobs of the unsync lesson (`nosync`, `presync`, `thesync`), each in the flavours the
    //! three programs need: blocking, async, and "blocking but called from async".

    use std::hint::black_box;
    use std::process::ExitCode;
    use std::sync::mpsc;
    use std::time::Instant;

    use clap::Args;
    use course_kit::cli::{Net, Source, TimeScale};
    use course_kit::{ceprintln, style};

    /// The page `download_some` fetches (the course's talkpython.fm article).
    pub const PAGE: &str = "/episodes/show/174/coming-into-python-from-another-industry-part-2";
    /// The real site behind [`PAGE`] (`--live`).
    pub const PAGE_LIVE: &str = "https://talkpython.fm";
    /// The page `download_some_more` fetches (the course's pythonbytes.fm article).
    pub const PAGE_MORE: &str = "/episodes/show/92/will-your-python-be-compiled";
    /// The real site behind [`PAGE_MORE`] (`--live`).
    pub const PAGE_MORE_LIVE: &str = "https://pythonbytes.fm";

    /// The flags all three unsync programs share.
    #[derive(Debug, Clone, Args)]
    pub struct Jobs {
        /// Square roots per compute job (the course: 10,000,000)
        #[arg(long, value_name = "N", default_value_t = 10_000_000)]
        pub iterations: u64,
        /// 1 ms sleeps per wait job (the course: 999), each scaled by --time-scale
        #[arg(long, value_name = "N", default_value_t = 999)]
        pub sleeps: u32,
    }

    /// When the `i`-th 1 ms sleep of a wait job that started at `start` should end.
    ///
    /// The wait jobs sleep *until* each millisecond mark instead of "1 ms from now". tokio's
    /// timer has millisecond resolution and rounds every deadline up to its next tick, so 999
    /// separate `sleep(1 ms)` calls take ~2 s there, while a thread's `sleep` takes ~1.06 s:
    /// that would measure timer rounding, not concurrency. Fixed marks make one wait job take
    /// ~1 s in every program, sync or async (it is what `tokio::time::interval` does).
    pub fn tick(start: Instant, i: u32, time: TimeScale) -> Instant {
        start + time.secs(0.001 * f64::from(i))
    }

    /// The course's `compute_some`: `iterations` square roots of `25**25 + 0.01`.
    ///
    /// `black_box` hides the constant from the optimiser, which would otherwise compute the root
    /// once at compile time and delete the loop; the sum is returned so the work stays observable.
    pub fn compute(iterations: u64) -> f64 {
        let x = 25f64.powi(25) + 0.01;
        let mut sum = 0.0;
        for _ in 0..iterations {
            sum += black_box(x).sqrt();
        }
        sum
    }

    /// The two URLs: `(download_some's, download_some_more's)`.
    pub fn urls(source: &Source) -> (String, String) {
        (
            source.url_for(PAGE_LIVE, PAGE),
            source.url_for(PAGE_MORE_LIVE, PAGE_MORE),
        )
    }

    /// A download that failed, as one line (`url: reason`).
    pub type Failure = String;

    /// Reports a failed download on stderr, in the error colour.
    pub fn say_failed(failure: &Failure) {
        ceprintln!(style::ERROR, "Download failed: {failure}");
    }

    /// Reports every failed download, then picks the exit code: 130 after Ctrl-C, 1 if any
    /// download failed, else success.
    pub fn finish(downloads: &[Result<usize, Failure>], interrupted: bool) -> ExitCode {
        let failed: Vec<&Failure> = downloads.iter().filter_map(|d| d.as_ref().err()).collect();
        for failure in &failed {
            say_failed(failure);
        }
        if !failed.is_empty() {
            ceprintln!(
                style::ERROR,
                "{} of {} downloads failed.",
                failed.len(),
                downloads.len()
            );
        }
        if interrupted {
            ExitCode::from(130)
        } else if failed.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        }
    }

    /// GET `url` with a blocking client; the page's length in characters.
    pub fn download_blocking(
        client: &reqwest::blocking::Client,
        url: &str,
        live: bool,
    ) -> Result<usize, Failure> {
        let fail = |e: reqwest::Error| format!("{url}: {}", course_kit::http::describe(&e, live));
        let text = client
            .get(url)
            .send()
            .and_then(reqwest::blocking::Response::error_for_status)
            .and_then(reqwest::blocking::Response::text)
            .map_err(fail)?;
        Ok(text.chars().count())
    }

    /// GET `url` with an async client; the page's length in characters.
    pub async fn download_async(
        client: &reqwest::Client,
        url: &str,
        live: bool,
    ) -> Result<usize, Failure> {
        let fail = |e: reqwest::Error| format!("{url}: {}", course_kit::http::describe(&e, live));
        let resp = client
            .get(url)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(fail)?;
        let text = resp.text().await.map_err(fail)?;
        Ok(text.chars().count())
    }

    /// A blocking client with the workspace's settings, as a one-line error if it cannot be made.
    pub fn blocking_client(net: &Net) -> anyhow::Result<reqwest::blocking::Client> {
        Ok(course_kit::http::blocking_client(net)?)
    }

    /// The answer to a job running somewhere else (a rayon thread, a blocking thread, a task on
    /// a runtime's thread), collected from plain synchronous code with [`Pending::result`], like
    /// `unsync`'s `Unfuture.result()`.
    ///
    /// It is a one-shot channel: the job sends its result, `result()` blocks until it arrives.
    #[derive(Debug)]
    pub struct Pending<T> {
        rx: mpsc::Receiver<T>,
    }

    impl<T> Pending<T> {
        /// A pending result and the sender that completes it.
        pub fn new() -> (mpsc::SyncSender<T>, Pending<T>) {
            let (tx, rx) = mpsc::sync_channel(1);
            (tx, Pending { rx })
        }

        /// Blocks the calling thread until the job is done. `None` if the job died (panicked)
        /// without answering.
        pub fn result(self) -> Option<T> {
            self.rx.recv().ok()
        }
    }
}

pub mod signal {
    //! Ctrl-C as a future for runtimes without signal handling (smol, async-std).
    //!
    //! tokio has `tokio::signal::ctrl_c()`. smol and async-std do not; their documented answer is
    //! the `ctrlc` crate plus a channel, which is what this is. The handler *closes* the channel,
    //! and a closed channel wakes every receiver, so any number of tasks can wait for Ctrl-C.

    use std::sync::OnceLock;

    use smol::channel::{Receiver, Sender};

    static CHANNEL: OnceLock<(Sender<()>, Receiver<()>)> = OnceLock::new();

    /// Resolves when Ctrl-C (or SIGTERM) arrives. The first call installs the handler.
    pub fn ctrl_c() -> impl Future<Output = ()> + Send + 'static {
        // The sender stays in the static, so the channel is open until the handler closes it.
        let (_, rx) = CHANNEL.get_or_init(|| {
            let (tx, rx) = smol::channel::bounded(1);
            let closer = tx.clone();
            // If a handler is already installed this future never resolves and Ctrl-C keeps its
            // default effect (the process ends): acceptable for a demo.
            let _ = ctrlc::set_handler(move || {
                closer.close();
            });
            (tx, rx)
        });
        let rx = rx.clone();
        async move {
            // Nothing is ever sent: `recv` returns `Err(Closed)` exactly when the handler ran.
            let _ = rx.recv().await;
        }
    }
}

pub mod stats {
    //! The median and spread of repeated timings.

    use std::time::Duration;

    /// Several timings of one thing.
    #[derive(Debug, Clone)]
    pub struct Spread {
        /// The median (the mean of the middle two for an even count).
        pub median: Duration,
        /// The fastest run.
        pub min: Duration,
        /// The slowest run.
        pub max: Duration,
        /// How many runs.
        pub runs: usize,
    }

    impl Spread {
        /// Summarises `times`; `None` when there are none.
        pub fn of(times: &[Duration]) -> Option<Spread> {
            let mut t = times.to_vec();
            t.sort();
            let n = t.len();
            let median = match n {
                0 => return None,
                _ if n % 2 == 1 => t[n / 2],
                _ => (t[n / 2 - 1] + t[n / 2]) / 2,
            };
            Some(Spread {
                median,
                min: t[0],
                max: t[n - 1],
                runs: n,
            })
        }
    }

    /// A duration in milliseconds with sensible precision: `0.042`, `3.14`, `1,234`.
    pub fn ms(d: Duration) -> String {
        let ms = d.as_secs_f64() * 1000.0;
        if ms < 1.0 {
            format!("{ms:.3}")
        } else if ms < 100.0 {
            format!("{ms:.2}")
        } else {
            course_kit::fmt::thousands(ms.round() as u64)
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn median_and_spread() {
            let d = Duration::from_millis;
            let s = Spread::of(&[d(5), d(1), d(3)]).unwrap();
            assert_eq!((s.median, s.min, s.max, s.runs), (d(3), d(1), d(5), 3));
            let s = Spread::of(&[d(4), d(1), d(2), d(10)]).unwrap();
            assert_eq!(s.median, d(3));
            assert!(Spread::of(&[]).is_none());
        }

        #[test]
        fn ms_formats() {
            assert_eq!(ms(Duration::from_micros(42)), "0.042");
            assert_eq!(ms(Duration::from_micros(3_140)), "3.14");
            assert_eq!(ms(Duration::from_millis(1_234)), "1,234");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::unsync::{Pending, compute};

    #[test]
    fn compute_sums_the_roots() {
        let root = (25f64.powi(25) + 0.01).sqrt();
        assert_eq!(compute(0), 0.0);
        assert!((compute(1_000) - 1_000.0 * root).abs() / (1_000.0 * root) < 1e-9);
    }

    #[test]
    fn pending_delivers_from_another_thread() {
        let (tx, pending) = Pending::new();
        std::thread::spawn(move || tx.send(42).unwrap());
        assert_eq!(pending.result(), Some(42));
        let (tx, pending) = Pending::<u8>::new();
        drop(tx);
        assert_eq!(pending.result(), None, "a job that dies answers None");
    }
}
