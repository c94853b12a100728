//! Chapter 4's speed targets, as a table:
//!
//! 1. `async_scrape` against `sync_scrape` on the default embedded site (10 pages, 300–500 ms
//!    latency each): target at least 5× faster (10× is the physical limit).
//! 2. The 500,000-action loop on each executor: target under 0.1 s (the course's Python: ~2.9 s
//!    with asyncio, ~1.6 s with uvloop, measured on the project's 2-core machine).
//!
//! Run: `cargo bench -p ch04-asyncio --bench ch04`   (about 30 s)
//!
//! Every program is run as the real release binary (cargo builds them for benchmarks), and the
//! time it prints itself is used: `Done in … sec.` for the scrapers (each with its own embedded
//! site), `App exiting, total time: … sec.` for the loops (their runtime's start included, as
//! the course's `new_event_loop` is in its time).

use std::process::Command;

const SCRAPE_RUNS: usize = 3;
const LOOP_RUNS: usize = 7;

fn main() {
    println!("ch04 benchmarks (release build)\n");
    scrapers();
    println!();
    event_loops();
}

/// Runs a scraper binary and returns the time it reports for its downloads.
fn scrape_once(exe: &str) -> f64 {
    let out = Command::new(exe)
        .env("NO_COLOR", "1")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {exe}: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{exe} failed: {stdout}");
    assert_eq!(stdout.matches("Title found: #").count(), 10, "{stdout}");
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("Done in "))
        .and_then(|s| s.strip_suffix(" sec."))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no `Done in` line: {stdout}"))
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn scrapers() {
    let sync: Vec<f64> = (0..SCRAPE_RUNS)
        .map(|_| scrape_once(env!("CARGO_BIN_EXE_sync_scrape")))
        .collect();
    let asyn: Vec<f64> = (0..SCRAPE_RUNS)
        .map(|_| scrape_once(env!("CARGO_BIN_EXE_async_scrape")))
        .collect();
    let (s, a) = (median(sync), median(asyn));
    println!("Scraping 10 pages from the embedded site (median of {SCRAPE_RUNS} runs)");
    println!("| program      | time (s) | speed-up |");
    println!("|--------------|---------:|---------:|");
    println!("| sync_scrape  | {s:8.2} |     1.0× |");
    println!("| async_scrape | {a:8.2} | {:7.1}× |", s / a);
    println!(
        "target: async at least 5× faster: {}",
        if s / a >= 5.0 { "met" } else { "NOT met" }
    );
}

/// Runs a loop binary and returns the total time it reports (`App exiting, total time: X sec.`).
fn loop_once(exe: &str) -> f64 {
    let out = Command::new(exe)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {exe}: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{exe} failed: {stdout}");
    assert!(
        stdout.starts_with("Running standard loop with 500,000 actions."),
        "{stdout}"
    );
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("App exiting, total time: "))
        .and_then(|s| s.strip_suffix(" sec."))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no total time: {stdout}"))
}

fn event_loops() {
    println!(
        "The 500,000-action loop (best of {LOOP_RUNS} runs of each binary, its own total time)"
    );
    println!("| executor                             | time (s) | vs asyncio 2.9 s |");
    println!("|--------------------------------------|---------:|-----------------:|");
    let mut worst = 0.0_f64;
    for (name, exe) in [
        (
            "tokio current-thread (loop_program)",
            env!("CARGO_BIN_EXE_loop_program"),
        ),
        (
            "smol LocalExecutor (loop_program_uv)",
            env!("CARGO_BIN_EXE_loop_program_uv"),
        ),
    ] {
        let best = (0..LOOP_RUNS)
            .map(|_| loop_once(exe))
            .fold(f64::INFINITY, f64::min);
        worst = worst.max(best);
        println!("| {name:<36} | {best:8.3} | {:15.0}× |", 2.9 / best);
    }
    println!("| Python asyncio (course, measured)    |    2.9   |               1× |");
    println!("| Python uvloop (course, measured)     |    1.6   |             1.8× |");
    println!(
        "target: under 0.1 s on both loop_program executors: {}",
        if worst < 0.1 { "met" } else { "NOT met" }
    );
}
