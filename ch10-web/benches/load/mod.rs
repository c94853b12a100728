//! What both benches share: running `loadtest` and reading its report.

#![allow(dead_code)] // each bench reads the fields it reports

use std::process::{Command, Stdio};

#[derive(Debug, Clone, Copy, Default)]
pub struct Measured {
    pub per_sec: f64,
    pub mean_s: f64,
    pub p50_s: f64,
    pub p99_s: f64,
    pub socket_errors: u64,
    pub timeouts: u64,
    pub non_2xx: u64,
}

/// The CPU's model name, for the heading: a figure names the CPU it was measured on.
pub fn cpu_name() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo.lines().find_map(|l| l.strip_prefix("model name"));
    model.map_or_else(
        || "an unknown CPU".to_owned(),
        |m| m.trim_start_matches([' ', '\t', ':']).to_owned(),
    )
}

/// `951.23ms` / `1.21s` / `512.00us` in seconds.
fn seconds(s: &str) -> f64 {
    let s = s.trim().trim_end_matches(',');
    let (num, scale) = if let Some(n) = s.strip_suffix("us") {
        (n, 1e-6)
    } else if let Some(n) = s.strip_suffix("ms") {
        (n, 1e-3)
    } else {
        (s.trim_end_matches('s'), 1.0)
    };
    num.parse::<f64>().unwrap_or(f64::NAN) * scale
}

/// Runs `loadtest` on `url` with `connections` for `secs`, and reads its report.
pub fn loadtest(url: &str, connections: u32, secs: f64) -> Measured {
    let out = Command::new(env!("CARGO_BIN_EXE_loadtest"))
        .args([
            "--connections",
            &connections.to_string(),
            "--duration",
            &secs.to_string(),
            // Longer than the run: a request queued behind busy workers is slow, not an error.
            "--timeout",
            &(secs * 3.0 + 5.0).to_string(),
            url,
        ])
        .stderr(Stdio::inherit())
        .output()
        .expect("loadtest runs");
    let out = String::from_utf8_lossy(&out.stdout).into_owned();
    let field = |prefix: &str| -> Option<String> {
        out.lines()
            .find_map(|l| l.trim_start().strip_prefix(prefix))
            .map(|v| v.trim().to_owned())
    };
    let latency = field("Latency:").unwrap_or_default();
    let part = |name: &str| {
        latency
            .split(", ")
            .find_map(|p| p.strip_prefix(name))
            .map_or(f64::NAN, seconds)
    };
    // `connect 0, read 0, write 0, timeout 0`
    let errors = field("Socket errors:").unwrap_or_default();
    let count = |name: &str| -> u64 {
        errors
            .split(", ")
            .find_map(|p| p.strip_prefix(name)?.trim().parse().ok())
            .unwrap_or(0)
    };
    Measured {
        per_sec: field("Requests/sec:")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0),
        mean_s: part("mean "),
        p50_s: part("p50 "),
        p99_s: part("p99 "),
        socket_errors: count("connect ") + count("read ") + count("write "),
        timeouts: count("timeout "),
        non_2xx: field("Non-2xx or 3xx responses:")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0),
    }
}
