//! Shared by the integration tests: run a binary of this crate and capture what it prints.

#![allow(dead_code)] // each test file uses a different part of this module

use std::time::{Duration, Instant};

/// What a run printed, and how it ended.
#[derive(Debug)]
pub struct Run {
    pub out: String,
    pub err: String,
    pub code: Option<i32>,
}

impl Run {
    /// stdout's lines.
    pub fn lines(&self) -> Vec<&str> {
        self.out.lines().collect()
    }
}

/// Runs `bin` with `args` (no colours, a guard against hangs) and keeps what it printed.
pub fn run(bin: &str, args: &[&str]) -> Run {
    let (out, err, code) = course_kit::testing::run(bin, args);
    Run { out, err, code }
}

/// Every bad flag exits with 2 and one `error:` line first, never a panic.
pub use course_kit::testing::assert_bad_flags;

/// The child's exit code once it ends, or `None` (and the child killed) after `limit`.
pub fn wait_at_most(child: &mut std::process::Child, limit: Duration) -> Option<i32> {
    let t0 = Instant::now();
    while t0.elapsed() < limit {
        if let Ok(Some(status)) = child.try_wait() {
            return status.code();
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}
