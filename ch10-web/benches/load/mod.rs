//! What both benches share: starting and stopping a server, running `loadtest` and reading its
//! report.

#![allow(dead_code)] // each bench reads the fields it reports

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};

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

pub struct Running {
    pub child: Child,
    /// `http://127.0.0.1:PORT`
    pub base: String,
}

/// Starts `bin` on a free port with `args`, once it (or its master, all workers ready) announces itself.
pub fn start(bin: &str, args: &[&str]) -> Running {
    let mut child = Command::new(bin)
        .args(["--port", "0", "--seed", "1"])
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{bin} does not start: {e}"));
    let mut stdout = BufReader::new(child.stdout.take().expect("piped"));
    let base = loop {
        let mut line = String::new();
        if stdout.read_line(&mut line).unwrap_or(0) == 0 {
            panic!("{bin} {args:?} ended before announcing itself");
        }
        // A master's own line; its workers' are prefixed with `[worker N]`.
        if let Some(addr) = line.trim_end().strip_prefix(" * Running on ") {
            break addr.to_owned();
        }
    };
    // Keep draining stdout so that the server never blocks on a full pipe.
    std::thread::spawn(move || {
        let mut sink = String::new();
        let _ = stdout.read_to_string(&mut sink);
    });
    Running { child, base }
}

/// Ctrl-C (SIGINT), as a learner stops it, and waits for it to end.
pub fn stop(mut running: Running) {
    let _ = Command::new("kill")
        .args(["-INT", &running.child.id().to_string()])
        .status();
    let _ = running.child.wait();
}

/// The CPU's model name, for the heading: a figure names the CPU it was measured on.
pub fn cpu_name() -> String {
    course_kit::process::cpu_name().unwrap_or_else(|| "an unknown CPU".to_owned())
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
