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
