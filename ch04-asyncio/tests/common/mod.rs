//! Shared by the integration tests: run a binary of this crate and capture what it prints.

#![allow(dead_code)] // each test file uses a different part of this module

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
