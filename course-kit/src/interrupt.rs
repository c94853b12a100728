//! Ctrl-C for the few programs whose lesson is cancellation.
//!
//! Most programs leave Ctrl-C alone: it ends the process at once, as it ends a Python one, and the
//! shell reports 130. Where cancellation is the lesson (ch05 `cooperative_stop`, ch09 `prod_trio`),
//! where files must be removed first (ch04 `async_files`) and in the ch10 servers, the program stops its work, prints [`MESSAGE`] on stderr with [`announce`],
//! still prints its summary, and exits with [`EXIT_CODE`] (130, as a shell reports SIGINT).
//!
//! Synchronous programs call [`flag`] first thing in `main` and hand the `&AtomicBool` (a plain std
//! type) to their workers, which check it at their loop heads. Async programs use their runtime's
//! signal future instead (`tokio::signal::ctrl_c()`), so that waiting for it is one more branch of a
//! `select!`.

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

static FLAG: OnceLock<Arc<AtomicBool>> = OnceLock::new();

/// What every program prints (on stderr) when Ctrl-C stopped it.
pub const MESSAGE: &str = "Cancelled by Ctrl-C.";

/// The conventional exit code of a program ended by Ctrl-C (128 + SIGINT).
pub const EXIT_CODE: u8 = 130;

/// A flag that becomes true on Ctrl-C (or SIGTERM). The first call installs the handler; call it
/// first thing in `main`, before any output, or a Ctrl-C that comes early ends the process the
/// default way.
pub fn flag() -> Arc<AtomicBool> {
    FLAG.get_or_init(|| {
        let flag = Arc::new(AtomicBool::new(false));
        let setter = Arc::clone(&flag);
        // If another handler is already installed we simply never see Ctrl-C: the default
        // behaviour (the process ends) still applies, so ignoring the error is safe.
        let _ = ctrlc::set_handler(move || setter.store(true, Ordering::SeqCst));
        flag
    })
    .clone()
}

/// Prints [`MESSAGE`] on stderr, in the warning colour.
pub fn announce() {
    let style = crate::style::WARN;
    anstream::eprintln!("{style}{MESSAGE}{style:#}");
}

/// [`EXIT_CODE`] as an `ExitCode`, for `main` to return after its summary.
pub fn exit_code() -> ExitCode {
    ExitCode::from(EXIT_CODE)
}
