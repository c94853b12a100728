//! Ctrl-C (SIGINT) takes the default action in the programs whose lesson is not cancellation:
//! none handles it, so the process ends at once, killed by SIGINT (a shell reports 130), with no
//! summary.
#![cfg(unix)]

use std::time::Duration;

use course_kit::site::{LocalSite, SiteConfig};
use course_kit::testing;

/// Sends Ctrl-C once `bin` has printed `ready`, and checks that the signal ended it.
fn assert_default_action(bin: &str, args: &[&str], ready: &str, summary: &str) {
    let (out, err, code) = testing::interrupt_after(bin, args, ready, Duration::ZERO);
    assert_eq!(
        code, None,
        "{bin}: killed by the signal, no exit code: {out}{err}"
    );
    assert!(!out.contains(summary), "{bin}: no summary: {out}");
    assert!(!err.contains("panicked"), "{bin}: {err}");
}

#[test]
fn producers_and_consumers_end_at_once() {
    for bin in ["sync_program", "async_program"] {
        assert_default_action(bin, &["--time-scale", "1"], "generated item", "App exiting");
    }
    // Seed 444: task 0 draws too low first, so the run lasts seconds.
    let args = ["--time-scale", "1", "--seed", "444"];
    assert_default_action("rand_async", &args, "Initiated", "r1: ");
}

#[test]
fn scrapers_end_at_once() {
    let site = LocalSite::start(SiteConfig::default()).unwrap();
    for bin in ["sync_scrape", "async_scrape"] {
        let args = ["--base-url", site.url().as_str()];
        assert_default_action(bin, &args, "Getting HTML for episode 375", "Done in ");
    }
}
