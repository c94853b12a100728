//! Lesson code shared by the chapter 4 programs, so that each pair of variants differs only in
//! the concept it teaches:
//!
//! - [`loops`]: the 500,000-action producer/consumer workload that `loop_program` and
//!   `loop_program_uv` run on different executors (the course swaps asyncio's loop for uvloop).
//! - [`scrape`]: the parts of the two web scrapers that are the same whether the download is
//!   blocking or async: the episode range flags, the title rule and the per-page report.

pub mod loops {
    //! The event-loop throughput workload: two producers put `actions / 2` items each into an
    //! unbounded channel and one consumer takes them all, every task yielding to the executor
    //! after each step (Python's `await asyncio.sleep(0)`).
    //!
    //! The workload does not pick an executor: the caller passes `spawn`, the executor's way of
    //! starting a task, so the same code runs on tokio and on smol. That is the whole point of the
    //! uvloop lesson: the program stays the same and only the loop underneath changes.

    use std::future::Future;
    use std::pin::Pin;
    use std::time::Instant;

    use tokio::sync::mpsc;

    /// The course's number of queue operations.
    pub const ACTIONS: u64 = 500_000;

    /// A task for `spawn`: boxed, so one `spawn` closure can start producers and the consumer.
    pub type Task = Pin<Box<dyn Future<Output = Totals> + Send + 'static>>;

    /// What the tasks did. Producers fill the `produced*` fields, the consumer the `processed*`
    /// ones; [`workload`] adds them up, so a caller can check that every item was processed.
    #[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
    pub struct Totals {
        /// Items put into the channel.
        pub produced: u64,
        /// The sum of the values put in.
        pub produced_sum: u64,
        /// Items taken out of the channel.
        pub processed: u64,
        /// The sum of the values taken out.
        pub processed_sum: u64,
    }

    impl Totals {
        /// True when every item produced was processed, value for value.
        pub fn balanced(&self) -> bool {
            self.produced == self.processed && self.produced_sum == self.processed_sum
        }

        fn add(self, o: Totals) -> Totals {
            Totals {
                produced: self.produced + o.produced,
                produced_sum: self.produced_sum + o.produced_sum,
                processed: self.processed + o.processed,
                processed_sum: self.processed_sum + o.processed_sum,
            }
        }
    }

    /// Runs the two producers and the consumer as three tasks started with `spawn`, and waits
    /// for all three (the course's `create_task` ×3 then `gather`).
    pub async fn workload<S, H>(actions: u64, spawn: S) -> Totals
    where
        S: Fn(Task) -> H,
        H: Future<Output = Totals>,
    {
        // Unbounded, like asyncio.Queue() without a maxsize: a put never waits.
        let (tx, rx) = mpsc::unbounded_channel();
        let half = actions / 2;
        let p1 = spawn(Box::pin(produce(half, tx.clone())));
        let p2 = spawn(Box::pin(produce(actions - half, tx)));
        let c = spawn(Box::pin(consume(actions, rx)));
        let (p1, p2, c) = futures::join!(p1, p2, c);
        p1.add(p2).add(c)
    }

    async fn produce(num: u64, tx: mpsc::UnboundedSender<(u64, Instant)>) -> Totals {
        let mut sum = 0;
        for idx in 1..=num {
            let item = idx * idx;
            if tx.send((item, Instant::now())).is_err() {
                break; // the consumer is gone; nothing left to do
            }
            sum += item;
            // `sleep(0)`: hand control back to the executor. This yield wakes the task at once
            // and works on any executor. tokio's own `task::yield_now` deliberately waits until
            // the scheduler has also polled its I/O and timer driver (fair to sockets, but here
            // about a third slower per action, on a runtime that has no driver to poll).
            smol::future::yield_now().await;
        }
        Totals {
            produced: num,
            produced_sum: sum,
            ..Totals::default()
        }
    }

    async fn consume(num: u64, mut rx: mpsc::UnboundedReceiver<(u64, Instant)>) -> Totals {
        let mut totals = Totals::default();
        while totals.processed < num {
            // Waits (without polling) until a producer has sent something.
            // Like the course, the consumer only counts; the sum keeps the values observable.
            let Some((value, _made)) = rx.recv().await else {
                break; // every producer has finished and the channel is empty
            };
            totals.processed += 1;
            totals.processed_sum += value;
            smol::future::yield_now().await;
        }
        totals
    }
}

pub mod scrape {
    //! What the blocking and the async scraper share: the episode flags, the title rule, the
    //! per-page report and the closing summary. The download itself is in each binary, because
    //! that is what differs.

    use std::process::ExitCode;
    use std::time::Instant;

    use anyhow::bail;
    use clap::Args;
    use course_kit::{ceprintln, cprintln, html, http, style};
    use reqwest::header::HeaderValue;

    /// The course's site; `--live` fetches `https://talkpython.fm/{n}`.
    pub const LIVE_BASE: &str = "https://talkpython.fm";

    /// `--first` / `--last`: which episodes to fetch (the course fetches 375..=384).
    #[derive(Debug, Clone, Copy, Args)]
    pub struct Episodes {
        /// First episode number to fetch
        #[arg(long, value_name = "N", default_value_t = 375,
              value_parser = clap::value_parser!(u32).range(1..=100_000))]
        pub first: u32,
        /// Last episode number to fetch (inclusive; at most 1,000 pages in one run)
        #[arg(long, value_name = "N", default_value_t = 384,
              value_parser = clap::value_parser!(u32).range(1..=100_000))]
        pub last: u32,
    }

    impl Episodes {
        /// The episodes to fetch, or the reason the flags make no sense (for `clap`'s error).
        pub fn range(&self) -> Result<std::ops::RangeInclusive<u32>, String> {
            if self.last < self.first {
                return Err(format!(
                    "--last ({}) must not be below --first ({})",
                    self.last, self.first
                ));
            }
            if self.last - self.first >= 1000 {
                return Err("at most 1,000 episodes in one run".to_owned());
            }
            Ok(self.first..=self.last)
        }

        /// [`Episodes::range`], or clap's usual error and exit code 2. Pass the program's
        /// `Args::command().bin_name(env!("CARGO_BIN_NAME"))` so the usage line names it.
        pub fn range_or_exit(&self, mut cmd: clap::Command) -> std::ops::RangeInclusive<u32> {
            self.range().unwrap_or_else(|msg| {
                cmd.error(clap::error::ErrorKind::ValueValidation, msg)
                    .exit()
            })
        }
    }

    /// Why one page could not be used.
    #[derive(Debug, Clone)]
    pub struct Failure {
        /// One line: `HTTP 500 Internal Server Error`, `timed out`, ...
        pub reason: String,
        /// The host could not be reached at all (no network, refused connection).
        pub unreachable: bool,
    }

    impl Failure {
        /// A reqwest error as a one-line reason (see [`http::describe`]).
        pub fn from_reqwest(err: &reqwest::Error, live: bool) -> Failure {
            Failure {
                reason: http::describe(err, live),
                unreachable: err.is_connect(),
            }
        }

        /// The course parses whatever comes back; we refuse non-HTML bodies with a clear reason.
        pub fn check_html(content_type: Option<&HeaderValue>) -> Result<(), Failure> {
            if http::is_html(content_type) {
                return Ok(());
            }
            let ct = content_type
                .and_then(|v| v.to_str().ok())
                .unwrap_or("unknown");
            Err(Failure {
                reason: format!("not an HTML page (content-type {ct})"),
                unreachable: false,
            })
        }
    }

    /// The course's title rule: the stripped text of the first `<h1>`, `None` when there is none.
    pub fn get_title(html: &str, episode: u32) -> Option<String> {
        cprintln!(style::CONSUMER, "Getting TITLE for episode {episode}");
        html::first_h1(html)
    }

    /// Counts the pages and their failures, prints each result, and prints the summary.
    #[derive(Debug)]
    pub struct Report {
        started: Instant,
        planned: usize,
        pages: usize,
        failed: Vec<u32>,
    }

    impl Report {
        /// Starts the clock for a run of `planned` pages.
        pub fn start(planned: usize) -> Report {
            Report {
                started: Instant::now(),
                planned,
                pages: 0,
                failed: Vec::new(),
            }
        }

        /// One downloaded page (or its failure), printed the course's way.
        pub fn page(&mut self, episode: u32, url: &str, html: Result<String, Failure>) {
            self.pages += 1;
            match html {
                Ok(html) => match get_title(&html, episode) {
                    Some(title) => cprintln!(style::APP, "Title found: {title}"),
                    None => {
                        // The course's line, then the reason on stderr so it is counted.
                        cprintln!(style::APP, "Title found: MISSING");
                        ceprintln!(style::ERROR, "Episode {episode}: no <h1> in {url}");
                        self.failed.push(episode);
                    }
                },
                Err(failure) => {
                    ceprintln!(style::ERROR, "Episode {episode}: {url}: {}", failure.reason);
                    self.failed.push(episode);
                }
            }
        }

        /// `Done in … sec.`, then a one-line error (exit 1) if any page failed, or exit 130 if
        /// Ctrl-C cut the run short.
        pub fn finish(self, interrupted: bool) -> anyhow::Result<ExitCode> {
            cprintln!(
                style::APP,
                "Done in {:.2} sec.",
                self.started.elapsed().as_secs_f64()
            );
            if interrupted {
                ceprintln!(
                    style::WARN,
                    "Cancelled by Ctrl-C after {} pages.",
                    self.pages
                );
            }
            if !self.failed.is_empty() {
                let list: Vec<String> = self.failed.iter().map(u32::to_string).collect();
                let skipped = match self.planned.saturating_sub(self.pages) {
                    0 => String::new(),
                    n => format!("; {n} not fetched"),
                };
                bail!(
                    "{} of {} pages failed (episodes {}){skipped}",
                    self.failed.len(),
                    self.planned,
                    list.join(", ")
                );
            }
            Ok(if interrupted {
                ExitCode::from(130)
            } else {
                ExitCode::SUCCESS
            })
        }
    }
}
