//! One-line errors and exit codes.
//!
//! ```no_run
//! use std::process::ExitCode;
//! fn main() -> ExitCode {
//!     course_kit::exit::report(run())
//! }
//! fn run() -> anyhow::Result<ExitCode> {
//!     Ok(ExitCode::SUCCESS)
//! }
//! ```

use std::process::ExitCode;

use crate::style;

/// Turns a program's result into its exit code: `Ok(code)` as is; an error is printed as one line
/// (`error: context: cause`) on stderr and exits with 1. Bad flags never get here: clap exits 2.
pub fn report(result: anyhow::Result<ExitCode>) -> ExitCode {
    match result {
        Ok(code) => code,
        Err(err) => {
            let style = style::ERROR;
            anstream::eprintln!("{style}error: {err:#}{style:#}");
            ExitCode::FAILURE
        }
    }
}
