//! Ctrl-C for synchronous programs. (Async programs use their runtime's signal future instead,
//! e.g. `tokio::signal::ctrl_c()`, so that waiting for it is just another branch of a `select!`.)

use std::sync::Arc;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

static FLAG: OnceLock<Arc<AtomicBool>> = OnceLock::new();

/// A flag that becomes true on Ctrl-C (or SIGTERM). The first call installs the handler; workers
/// poll the flag at their loop heads and wind down, so the program still prints its summary.
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

/// True once Ctrl-C was pressed (after [`flag`] was first called).
pub fn requested() -> bool {
    FLAG.get().is_some_and(|f| f.load(Ordering::SeqCst))
}

/// The conventional exit code of a program ended by Ctrl-C (128 + SIGINT).
pub const EXIT_CODE: u8 = 130;

/// `std::thread::sleep` that returns early, with `false`, once Ctrl-C is pressed; `true` when it
/// slept the whole time. Call [`flag`] first thing in `main`: until then no handler is installed,
/// and a Ctrl-C ends the process the default way. Sleeps in short slices: a blocked thread cannot be woken by a flag, and
/// 20 ms is far below what a person notices.
pub fn sleep(d: std::time::Duration) -> bool {
    let flag = flag();
    let deadline = std::time::Instant::now() + d;
    loop {
        if flag.load(Ordering::SeqCst) {
            return false;
        }
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            return true;
        }
        std::thread::sleep(left.min(std::time::Duration::from_millis(20)));
    }
}
