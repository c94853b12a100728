//! Shared by the integration tests: run a binary of this crate and capture what it prints.

#![allow(dead_code)] // each test file uses a different part of this module

use std::time::Duration;

use assert_cmd::Command;

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

/// Runs `bin` with `args`, no colours, and a generous timeout (the machine may be busy).
pub fn run(bin: &str, args: &[&str]) -> Run {
    let out = Command::cargo_bin(bin)
        .unwrap()
        .args(args)
        .env("NO_COLOR", "1")
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    Run {
        out: String::from_utf8(out.stdout).unwrap(),
        err: String::from_utf8(out.stderr).unwrap(),
        code: out.status.code(),
    }
}

/// Every bad flag exits with 2 and one `error:` line first, never a panic.
pub fn assert_bad_flags(bin: &str, bad: &[&[&str]]) {
    for args in bad {
        let r = run(bin, args);
        assert_eq!(r.code, Some(2), "{bin} {args:?}: {r:?}");
        assert!(r.err.starts_with("error:"), "{bin} {args:?}: {}", r.err);
        assert!(!r.err.contains("panicked"), "{bin} {args:?}: {}", r.err);
    }
}
