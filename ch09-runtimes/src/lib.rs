//! Chapter 9 of the course: trio and unsync, as Rust's async runtimes.
//!
//! The binaries in `src/bin/` are the lessons, each whole in its file. This library holds only
//! what several of them share verbatim at their edges, and explanation:
//!
//! - [`say_summary`]: the closing `Produced N items, processed M.` line of the `prod_*` programs.
//! - [`unsync`]: the pages that `nosync`, `presync` and `thesync` download, their shared flags, and
//!   what their `main`s do after the jobs (report failed downloads, draw `--timeline`).
//! - [`signal`]: Ctrl-C as a future that works on any runtime (smol and async-std have none).
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
//! On a *current-thread* runtime nothing ever moves, yet `tokio::spawn` still asks for `Send`: it
//! is one function for both flavours. `tokio::task::spawn_local`, inside a `LocalSet`, is the
//! one-thread spawn, and it takes the `Rc` the first example was refused:
//!
//! ```
//! use std::rc::Rc;
//!
//! async fn hold_rc_across_await() -> i32 {
//!     let shared = Rc::new(5);
//!     tokio::task::yield_now().await; // one thread: the task resumes where it was
//!     *shared
//! }
//!
//! let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
//! let local = tokio::task::LocalSet::new();
//! let got = local.block_on(&rt, async {
//!     tokio::task::spawn_local(hold_rc_across_await()).await.unwrap()
//! });
//! assert_eq!(got, 5);
//! ```
//!
//! Python's asyncio has no such check: its futures belong to one event loop and one thread, and
//! touching them from another thread is simply a bug waiting to happen.

/// The `prod_*` programs' closing summary (not in the course, which only counts to 40): how many
/// items were made and processed, and how many were left when Ctrl-C or a deadline stopped them.
pub fn say_summary(produced: u64, processed: u64) {
    let left = produced.saturating_sub(processed);
    if left == 0 {
        println!("Produced {produced} items, processed {processed}.");
    } else {
        println!("Produced {produced} items, processed {processed} ({left} left unprocessed).");
    }
}

pub mod unsync {
    //! What `nosync`, `presync` and `thesync` share around their jobs: the two pages, the flags,
    //! and their `main`s' closing steps. The jobs themselves are written out in each program.

    use std::process::ExitCode;
    use std::time::Instant;

    use anstyle::{AnsiColor, Style};
    use clap::Args;
    use course_kit::interrupt;
    use course_kit::site::Source;
    use course_kit::timeline::{self, Rows, Span};

    /// The page `download_some` fetches (the course's talkpython.fm article).
    pub const PAGE: &str = "/episodes/show/174/coming-into-python-from-another-industry-part-2";
    /// The real site behind [`PAGE`] (`--live`).
    pub const PAGE_LIVE: &str = "https://talkpython.fm";
    /// The page `download_some_more` fetches (the course's pythonbytes.fm article).
    pub const PAGE_MORE: &str = "/episodes/show/92/will-your-python-be-compiled";
    /// The real site behind [`PAGE_MORE`] (`--live`).
    pub const PAGE_MORE_LIVE: &str = "https://pythonbytes.fm";

    /// Failed downloads, on stderr.
    const ERROR: Style = AnsiColor::Red.on_default().bold();

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

    /// One download as `main` saw it: the URL, what came back, and when the call started and
    /// ended (the client's own times, drawn by `--timeline` when there is no local site to ask).
    #[derive(Debug)]
    pub struct Download {
        /// The page's URL.
        pub url: String,
        /// Its length in characters, or why it failed.
        pub result: reqwest::Result<usize>,
        /// When the download job started.
        pub start: Instant,
        /// When it returned.
        pub end: Instant,
    }

    /// Runs `job` and notes when it started and ended: `main`'s instrument for `--timeline`, so
    /// the jobs themselves need none.
    pub fn timed<T>(job: impl FnOnce() -> T) -> (T, Instant, Instant) {
        let start = Instant::now();
        let out = job();
        (out, start, Instant::now())
    }

    /// [`timed`] for an async job: the clock starts when the job is first polled.
    pub async fn timed_async<T>(job: impl Future<Output = T>) -> (T, Instant, Instant) {
        let start = Instant::now();
        let out = job.await;
        (out, start, Instant::now())
    }

    /// What the three `main`s do after `Synchronous version done in …`: report every failed
    /// download on stderr (one line each, then a count), draw the `--timeline` chart if asked, and
    /// pick the exit code: 130 after Ctrl-C, 1 if a download failed, else success.
    pub fn finish(
        downloads: &[Download],
        source: &Source,
        timeline: bool,
        interrupted: bool,
    ) -> ExitCode {
        let live = source.is_live();
        let mut failed = 0;
        for d in downloads {
            if let Err(e) = &d.result {
                failed += 1;
                let why = course_kit::http::describe(e, live);
                anstream::eprintln!("{ERROR}Download failed: {}: {why}{ERROR:#}", d.url);
            }
        }
        if failed > 0 {
            anstream::eprintln!(
                "{ERROR}{failed} of {} downloads failed.{ERROR:#}",
                downloads.len()
            );
        }
        if timeline {
            draw_timeline(downloads, source);
        }
        if interrupted {
            interrupt::exit_code()
        } else if failed == 0 {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        }
    }

    /// The embedded site's record of the requests, or, with `--live`/`--base-url`, the client's.
    fn draw_timeline(downloads: &[Download], source: &Source) {
        println!();
        if let Some(site) = source.site() {
            timeline::print(&site.spans(), Rows::Requests);
            return;
        }
        let flag = if source.is_live() {
            "--live"
        } else {
            "--base-url"
        };
        println!(
            "--timeline: no local server to ask with {flag}; drawing the client's own start and end times"
        );
        let Some(origin) = downloads.iter().map(|d| d.start).min() else {
            timeline::print(&[], Rows::Requests);
            return;
        };
        let spans: Vec<Span> = downloads
            .iter()
            .map(|d| Span::between(path_of(&d.url), origin, d.start, d.end))
            .collect();
        timeline::print(&spans, Rows::Requests);
    }

    /// A URL's path (and query), the label the site would give it: `http://h:1/a/b` gives `/a/b`.
    fn path_of(url: &str) -> &str {
        let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
        after_scheme.find('/').map_or("/", |i| &after_scheme[i..])
    }

    #[cfg(test)]
    mod tests {
        use super::path_of;

        #[test]
        fn path_of_keeps_path_and_query() {
            assert_eq!(path_of("http://127.0.0.1:8/a/b?x=1"), "/a/b?x=1");
            assert_eq!(path_of("https://talkpython.fm"), "/");
            assert_eq!(path_of("https://pythonbytes.fm/episodes"), "/episodes");
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
