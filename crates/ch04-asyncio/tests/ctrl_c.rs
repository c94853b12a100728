//! Ctrl-C (SIGINT) ends the long-running programs cleanly: summary printed, exit code 130.
#![cfg(unix)]

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};

use course_kit::site::{LocalSite, SiteConfig};

/// Starts `exe`, waits for a stdout line containing `ready`, sends SIGINT, and returns
/// (everything printed, exit code).
fn interrupt_after(exe: &str, args: &[&str], ready: &str) -> (String, String, Option<i32>) {
    let mut child = Command::new(exe)
        .args(args)
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut out = String::new();
    while !out.contains(ready) {
        let mut line = String::new();
        assert!(
            stdout.read_line(&mut line).unwrap() > 0,
            "ended early: {out}"
        );
        out.push_str(&line);
    }
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .unwrap()
            .success()
    );
    stdout.read_to_string(&mut out).unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let code = child.wait().unwrap().code();
    (out, err, code)
}

#[test]
fn async_program_stops_with_its_summary() {
    let (out, err, code) = interrupt_after(
        env!("CARGO_BIN_EXE_async_program"),
        &["--time-scale", "1"],
        "generated item",
    );
    assert_eq!(code, Some(130), "{out}{err}");
    assert!(err.contains("Cancelled by Ctrl-C."), "{err}");
    assert!(out.contains("App exiting, total time: "), "{out}");
}

#[test]
fn sync_program_stops_with_its_summary() {
    let (out, err, code) = interrupt_after(
        env!("CARGO_BIN_EXE_sync_program"),
        &["--time-scale", "1"],
        "generated item",
    );
    assert_eq!(code, Some(130), "{out}{err}");
    assert!(err.contains("Cancelled by Ctrl-C."), "{err}");
    assert!(out.contains("App exiting, total time: "), "{out}");
    assert!(
        !out.contains("Processed value"),
        "stopped while producing: {out}"
    );
}

#[test]
fn scrapers_stop_with_their_summary() {
    let site = LocalSite::start(SiteConfig::default()).unwrap();
    for exe in [
        env!("CARGO_BIN_EXE_sync_scrape"),
        env!("CARGO_BIN_EXE_async_scrape"),
    ] {
        let (out, err, code) = interrupt_after(
            exe,
            &["--base-url", site.url().as_str()],
            "Getting HTML for episode 375",
        );
        assert_eq!(code, Some(130), "{exe}: {out}{err}");
        assert!(out.contains("Done in "), "{exe}: {out}");
        assert!(err.contains("Cancelled by Ctrl-C after "), "{exe}: {err}");
        // Stopped early: not all ten titles.
        assert!(out.matches("Title found").count() < 10, "{exe}: {out}");
    }
}
