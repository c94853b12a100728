//! Coarse against fine-grained locking: runs the real `safe_bank` and `safe_bank_fine_grained`
//! programs (release build) several times each and prints the median wall time of each.
//!
//! Run: cargo bench -p ch06-safety --bench banks
//!
//! Each program run is the course's full workload: five threads × 9,999 transfers, each transfer
//! followed by a validation. `unsafe_bank` (no locks, wrong answers) is timed too, as the floor:
//! what the same work costs with no locking at all. Wall time of the whole process is measured,
//! start-up included (about a millisecond), because that is what a learner waits for.

use std::process::{Command, Stdio};
use std::time::Instant;

/// The course's Python figures on this 2-core machine (see the chapter-6 issue).
const PYTHON_COARSE: f64 = 4.9;
const PYTHON_FINE: f64 = 4.5;
const RUNS: usize = 9;

fn time_runs(exe: &str, name: &str) -> Vec<f64> {
    let mut secs = Vec::with_capacity(RUNS);
    for seed in 0..RUNS {
        let t0 = Instant::now();
        let status = Command::new(exe)
            .args(["--seed", &seed.to_string()])
            .env("NO_COLOR", "1")
            .stdout(Stdio::null())
            .status()
            .unwrap_or_else(|e| panic!("cannot run {name}: {e}"));
        secs.push(t0.elapsed().as_secs_f64());
        // unsafe_bank exits 0 too: its final total is right once no money is in flight.
        assert!(status.success(), "{name} failed with {status}");
    }
    secs.sort_by(f64::total_cmp);
    secs
}

fn main() {
    if cfg!(debug_assertions) {
        eprintln!("warning: unoptimised build; run with `cargo bench`, which builds in release");
    }
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("Banks: 5 threads x 9,999 transfers + validations, {RUNS} runs each, {cpus} CPUs");
    println!(
        "{:<24} {:>9} {:>9} {:>9} {:>10} {:>12}",
        "program", "median s", "min s", "max s", "Python s", "vs Python"
    );
    let programs = [
        (
            env!("CARGO_BIN_EXE_safe_bank"),
            "safe_bank",
            Some(PYTHON_COARSE),
        ),
        (
            env!("CARGO_BIN_EXE_safe_bank_fine_grained"),
            "safe_bank_fine_grained",
            Some(PYTHON_FINE),
        ),
        (env!("CARGO_BIN_EXE_unsafe_bank"), "unsafe_bank", None),
    ];
    let mut medians = Vec::new();
    for (exe, name, python) in programs {
        let secs = time_runs(exe, name);
        let median = secs[secs.len() / 2];
        medians.push(median);
        let (py, ratio) = match python {
            Some(py) => (format!("{py:.1}"), format!("{:.0}x faster", py / median)),
            None => ("-".to_owned(), "(no locks)".to_owned()),
        };
        println!(
            "{name:<24} {median:>9.4} {:>9.4} {:>9.4} {py:>10} {ratio:>12}",
            secs[0],
            secs[secs.len() - 1]
        );
    }
    let (coarse, fine) = (medians[0], medians[1]);
    let winner = if coarse <= fine {
        "coarse (one lock)"
    } else {
        "fine-grained"
    };
    println!(
        "Winner here: {winner}; fine-grained / coarse = {:.2}. Every validation takes all six \
         locks, which excludes every transfer just like the one lock does, at six times the cost.",
        fine / coarse
    );
}
