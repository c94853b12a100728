//! Times `nosync`, `presync` and `thesync` (release builds) on the default embedded site and
//! prints their medians and speed-ups over `nosync`.
//!
//! Run: `cargo bench -p ch09-runtimes --bench unsync [-- RUNS]` (default 3 runs each, ~30 s)
//!
//! Each program reports its own time (`... done in X seconds.`, measured after its local site
//! started); this takes the median of several runs of each.

use std::process::Command;

fn time_of(bin: &str) -> f64 {
    let out = Command::new(bin)
        .env("NO_COLOR", "1")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {bin}: {e}"));
    assert!(
        out.status.success(),
        "{bin} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("Synchronous version done in "))
        .and_then(|l| l.strip_suffix(" seconds."))
        .unwrap_or_else(|| panic!("{bin} printed no time:\n{stdout}"))
        .replace(',', "")
        .parse()
        .unwrap()
}

fn main() {
    let runs: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(3);
    let programs = [
        ("nosync", env!("CARGO_BIN_EXE_nosync")),
        ("presync", env!("CARGO_BIN_EXE_presync")),
        ("thesync", env!("CARGO_BIN_EXE_thesync")),
    ];
    let mut medians = Vec::new();
    println!(
        "{:<10} {:>10} {:>16} {:>12}",
        "program", "median s", "min-max s", "vs nosync"
    );
    for (name, bin) in programs {
        let mut times: Vec<f64> = (0..runs).map(|_| time_of(bin)).collect();
        times.sort_by(f64::total_cmp);
        let median = times[times.len() / 2];
        medians.push(median);
        let speedup = medians[0] / median;
        println!(
            "{name:<10} {median:>10.2} {:>16} {speedup:>11.2}x",
            format!("{:.2}-{:.2}", times[0], times[times.len() - 1])
        );
    }
    println!("\n{runs} runs each; 'vs nosync' = nosync's median / this program's median.");
}
