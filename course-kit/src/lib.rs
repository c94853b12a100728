//! Support code shared by every chapter crate of async-techniques-rs. It is **not a lesson**: the
//! lessons live whole in each program's file, and take only std types and their dependency crates'
//! own types, so that a learner can paste them into a fresh project. course-kit keeps the edges:
//!
//! - [`cli`]: the workspace's one command-line convention (`--time-scale`, `--workers`, `--seed`,
//!   `--timeline`, and with `net` `--base-url`/`--live`/`--timeout`), as clap argument groups to
//!   `#[command(flatten)]`. `main` turns them into plain values once.
//! - [`exit`] and [`interrupt`]: one-line errors, exit codes, a closed output pipe, and Ctrl-C
//!   for the programs whose lesson is cancellation.
//! - [`fmt`]: Python's `{:,}` and `{:,.2f}` number formats, for `main`'s summary lines.
//! - [`timeline`]: the `--timeline` chart of what ran when.
//! - [`process`]: a panic's message, a process's peak memory.
//! - `site` (feature `net`): the embedded local web site that network programs use by default,
//!   so they run offline and in tests; it records every request for `--timeline`.
//! - `http` (feature `net`): the HTTP client set-up and one-line download errors.
//! - `testing` (feature `testing`): running the workspace's binaries from integration tests.

pub mod cli;
pub mod exit;
pub mod fmt;
#[cfg(feature = "net")]
pub mod http;
pub mod interrupt;
pub mod process;
#[cfg(feature = "net")]
pub mod site;
pub mod style;
#[cfg(feature = "testing")]
pub mod testing;
pub mod timeline;

#[doc(hidden)]
pub use anstream as __anstream;

/// Prints a warning to stderr when the calling binary was built without optimisations.
///
/// It is a macro so that `cfg!(debug_assertions)` is evaluated in the binary's crate, not here.
#[macro_export]
macro_rules! warn_if_unoptimized {
    () => {
        if cfg!(debug_assertions) {
            $crate::__anstream::eprintln!(
                "{}warning: this is an unoptimised (debug) build, so CPU timings are meaningless; add --release{}",
                $crate::style::WARN.render(),
                $crate::style::WARN.render_reset(),
            );
        }
    };
}
