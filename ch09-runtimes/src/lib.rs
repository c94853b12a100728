//! Chapter 9 of the course: trio and unsync, as Rust's async runtimes.
//!
//! The binaries in `src/bin/` are the lessons, each whole in its file. This library holds only
//! what several of them share verbatim at their edges, and explanation:
//!
//! - [`unsync`]: the pages that `nosync`, `presync` and `thesync` download, their shared flag, and
//!   the report of failed downloads that their `main`s end with.
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

pub mod unsync {
    //! What `nosync`, `presync` and `thesync` share around their jobs: the two pages, the flag,
    //! and the report of failed downloads. The jobs themselves are written out in each program.

    use std::process::ExitCode;

    use anstyle::{AnsiColor, Style};
    use clap::Args;

    /// The page `download_some` fetches (the course's talkpython.fm article).
    pub const PAGE: &str = "/episodes/show/174/coming-into-python-from-another-industry-part-2";
    /// The real site behind [`PAGE`] (`--live`).
    pub const PAGE_LIVE: &str = "https://talkpython.fm";
    /// The page `download_some_more` fetches (the course's pythonbytes.fm article).
    pub const PAGE_MORE: &str = "/episodes/show/92/will-your-python-be-compiled";
    /// The real site behind [`PAGE_MORE`] (`--live`).
    pub const PAGE_MORE_LIVE: &str = "https://pythonbytes.fm";

    /// The most `--iterations`: a thousand million square roots take about 2.5 s in a release
    /// build and 25 s in a debug one, three times over.
    pub const MAX_ITERATIONS: u64 = 1_000_000_000;

    /// Failed downloads, on stderr.
    const ERROR: Style = AnsiColor::Red.on_default().bold();

    /// The flag all three unsync programs share.
    #[derive(Debug, Clone, Args)]
    pub struct Jobs {
        /// Square roots per compute job (the course: 10,000,000)
        #[arg(long, value_name = "N", default_value_t = 10_000_000,
              value_parser = clap::value_parser!(u64).range(..=MAX_ITERATIONS))]
        pub iterations: u64,
    }

    /// Reports every failed download on stderr, one line each (its URL and why), then how many
    /// failed; the exit code is 1 if any did. `live` (`--live`) adds a hint to network failures.
    pub fn report(downloads: &[anyhow::Result<()>], live: bool) -> ExitCode {
        let failed: Vec<&anyhow::Error> =
            downloads.iter().filter_map(|d| d.as_ref().err()).collect();
        for err in &failed {
            // reqwest's errors know their URL, except a body's (a blocking read wraps those in an
            // `io::Error`): the programs add it as context, `err`'s outermost message. Their own
            // errors (a page too large) start with it.
            let io = err
                .downcast_ref::<std::io::Error>()
                .and_then(|e| e.get_ref());
            let reqwest = err
                .downcast_ref::<reqwest::Error>()
                .or_else(|| io.and_then(|e| e.downcast_ref::<reqwest::Error>()));
            let why = match reqwest {
                Some(e) => {
                    let url = e.url().map_or_else(|| err.to_string(), |u| u.to_string());
                    format!("{url}: {}", course_kit::http::describe(e, live))
                }
                None => format!("{err:#}"),
            };
            anstream::eprintln!("{ERROR}Download failed: {why}{ERROR:#}");
        }
        if failed.is_empty() {
            return ExitCode::SUCCESS;
        }
        let (n, all) = (failed.len(), downloads.len());
        anstream::eprintln!("{ERROR}{n} of {all} downloads failed.{ERROR:#}");
        ExitCode::FAILURE
    }
}
