//! Support code shared by every chapter crate of async-techniques-rs. It is not a lesson: it keeps
//! the lessons short and alike, so that a program reads like the course's and a diff between two
//! variants shows only the concept.
//!
//! - [`cli`]: the workspace's one command-line convention (`--time-scale`, `--workers`, `--seed`,
//!   `--base-url`/`--live`/`--timeout`), as clap argument groups to `#[command(flatten)]`.
//! - [`style`] and the [`cprintln!`] macro: the course's terminal colours, dropped automatically
//!   when stdout is not a terminal or `NO_COLOR` is set.
//! - [`fmt`]: Python's `{:,}` and `{:,.2f}` number formats.
//! - [`site`]: the embedded local web site that network programs use by default, so they run
//!   offline and in tests.
//! - [`http`] and [`html`]: an HTTP client set up the same way everywhere, one-line error
//!   messages, and the "first `<h1>`" title rule.
//! - [`exit`] and [`interrupt`]: clean one-line errors, exit codes and Ctrl-C.
//! - `testing` (feature `testing`): running the workspace's binaries from integration tests.

pub mod cli;
pub mod exit;
pub mod fmt;
pub mod html;
pub mod http;
pub mod interrupt;
pub mod site;
pub mod style;
#[cfg(feature = "testing")]
pub mod testing;

#[doc(hidden)]
pub use anstream as __anstream;
#[doc(hidden)]
pub use anstyle as __anstyle_reexport;

/// Prints a warning to stderr when the calling binary was built without optimisations.
///
/// It is a macro so that `cfg!(debug_assertions)` is evaluated in the binary's crate, not here.
#[macro_export]
macro_rules! warn_if_unoptimized {
    () => {
        if cfg!(debug_assertions) {
            $crate::ceprintln!(
                $crate::style::WARN,
                "warning: this is an unoptimised (debug) build, so CPU timings are meaningless; add --release"
            );
        }
    };
}
