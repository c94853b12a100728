//! Ctrl-C (SIGINT) ends the long-running programs cleanly: summary printed, exit code 130.
#![cfg(unix)]

use std::time::Duration;

use course_kit::testing::{self, Output};

use course_kit::site::{LocalSite, SiteConfig};

/// Sends Ctrl-C as soon as `bin` has printed `ready`.
fn interrupt_after(bin: &str, args: &[&str], ready: &str) -> Output {
    testing::interrupt_after(bin, args, ready, Duration::ZERO)
}

#[test]
fn async_program_stops_with_its_summary() {
    let (out, err, code) =
        interrupt_after("async_program", &["--time-scale", "1"], "generated item");
    assert_eq!(code, Some(130), "{out}{err}");
    assert!(err.contains("Cancelled by Ctrl-C."), "{err}");
    assert!(out.contains("App exiting, total time: "), "{out}");
}

#[test]
fn sync_program_stops_with_its_summary() {
    let (out, err, code) =
        interrupt_after("sync_program", &["--time-scale", "1"], "generated item");
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
    for exe in ["sync_scrape", "async_scrape"] {
        let (out, err, code) = interrupt_after(
            exe,
            &["--base-url", site.url().as_str()],
            "Getting HTML for episode 375",
        );
        assert_eq!(code, Some(130), "{exe}: {out}{err}");
        assert!(out.contains("Done in "), "{exe}: {out}");
        assert!(err.contains("Cancelled by Ctrl-C."), "{exe}: {err}");
        // Stopped early: not all ten titles.
        assert!(out.matches("Title found").count() < 10, "{exe}: {out}");
    }
}

#[test]
fn rand_async_stops_cleanly() {
    let (out, err, code) = interrupt_after(
        "rand_async",
        // Seed 444: task 0 draws too low first, so the run lasts seconds.
        &["--time-scale", "1", "--seed", "444"],
        "Initiated",
    );
    assert_eq!(code, Some(130), "{out}{err}");
    assert!(err.contains("Cancelled by Ctrl-C."), "{err}");
    assert!(!out.contains("r1: "), "stopped before gathering: {out}");
}
