//! Real servers for the tests and the bench: each is started from its installed binaries in a
//! temporary folder, on a free port of 127.0.0.1, and is stopped, with its folder removed, when
//! its guard is dropped (also when a test fails). Every test starts its own, so tests running in
//! parallel share no data.
//!
//! A machine without the binaries skips the test with one line naming the server and how to
//! install it; in CI (`CI` set, as `.ci/run` runs) a missing server is a failure instead.

#![allow(dead_code)] // each test file uses a different part of this module

pub mod postgres;
pub mod redis;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Child;
use std::time::{Duration, Instant};

/// How long a server may take to say it is ready.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// What a test gets when `server`'s binaries are not found: `None` and one line on stderr
/// (written past libtest's capture, so it shows in a passing run), or, in CI, a panic.
pub fn missing<T>(test: &str, server: &str, install: &str) -> Option<T> {
    let missing = format!("{server} is not installed ({install})");
    if std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false" && v != "0") {
        panic!("{test}: {missing}; CI must run this test");
    }
    // `eprintln!` would be captured with the passing test's output and never shown.
    let _ = writeln!(std::io::stderr(), "{test}: skipped, {missing}");
    None
}

/// `name` in a folder of `PATH`, if any.
pub fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// A port of 127.0.0.1 that was free a moment ago (the server binds it next; a clash makes the
/// server exit, and the caller tries another).
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port on 127.0.0.1");
    listener.local_addr().expect("a bound address").port()
}

/// Starts a server on a port of 127.0.0.1 found free, trying another when the port was taken
/// meanwhile: `spawn` starts it on `port`, writing to `log`; it is up once its log holds `ready`.
pub fn on_a_free_port(
    dir: &Path,
    name: &str,
    ready: &str,
    spawn: impl Fn(u16, std::fs::File) -> Child,
) -> (Child, u16) {
    for _ in 0..5 {
        let port = free_port();
        let log = dir.join(format!("log-{port}"));
        let mut child = spawn(port, std::fs::File::create(&log).expect("the log file"));
        if wait_ready(&mut child, &log, ready) {
            return (child, port);
        }
        let _ = child.wait();
    }
    panic!("{name} did not start on 5 ports: see its logs");
}

/// Waits until `log` holds `ready`; `false` if the server exited first (its log says why).
fn wait_ready(child: &mut Child, log: &Path, ready: &str) -> bool {
    let t0 = Instant::now();
    loop {
        if std::fs::read_to_string(log).is_ok_and(|text| text.contains(ready)) {
            return true;
        }
        if matches!(child.try_wait(), Ok(Some(_))) {
            return false;
        }
        assert!(
            t0.elapsed() < START_TIMEOUT,
            "the server did not start in {START_TIMEOUT:?}: {}",
            std::fs::read_to_string(log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Sends `signal` (a name, as `kill -s` takes it) to `child` and waits for it to end; kills it
/// after 10 s.
pub fn stop(child: &mut Child, signal: &str) {
    if matches!(child.try_wait(), Ok(Some(_))) {
        return;
    }
    send(child, signal);
    wait_at_most(child, Duration::from_secs(10));
}

/// Sends `signal` to `child`: with the `kill` command, as std can only send SIGKILL and the
/// workspace has no `unsafe`.
pub fn send(child: &Child, signal: &str) {
    let _ = std::process::Command::new("kill")
        .args(["-s", signal, &child.id().to_string()])
        .status();
}

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
