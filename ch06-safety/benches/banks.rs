//! Coarse against fine-grained locking: runs the real `safe_bank` and `safe_bank_fine_grained`
//! programs (release build) several times each and prints the median wall time of each.
//!
//! Run: cargo bench -p ch06-safety --bench banks
//!
//! Each program run is the course's full workload: five threads × 9,999 transfers, each transfer
//! followed by a validation. Both banks also run with `--no-yield` (no `yield_now` between debit
//! and credit: yielding while holding a lock hands the CPU to threads that can only wait for it).
//! `unsafe_bank` (no locks, wrong answers) is timed too: what the same work costs unlocked. Wall time of the whole process is measured,
//! start-up included (about a millisecond), because that is what a learner waits for.

use std::process::{Command, Stdio};
use std::time::Instant;

/// The course's Python figures on this 2-core machine (see the chapter-6 issue).
const PYTHON_COARSE: f64 = 4.9;
const PYTHON_FINE: f64 = 4.5;
const RUNS: usize = 9;

fn time_runs(exe: &str, name: &str, extra: &[&str]) -> Vec<f64> {
    let mut secs = Vec::with_capacity(RUNS);
    for seed in 0..RUNS {
        let t0 = Instant::now();
        let status = Command::new(exe)
            .args(["--seed", &seed.to_string()])
            .args(extra)
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
    let coarse = env!("CARGO_BIN_EXE_safe_bank");
    let fine = env!("CARGO_BIN_EXE_safe_bank_fine_grained");
    let none = env!("CARGO_BIN_EXE_unsafe_bank");
    // The Python banks yield (`sleep(0)`) inside every transfer, so the rows with the yield are the
    // like-for-like comparison; `--no-yield` shows what that yield costs under contention.
    let rows: [(&str, &str, &[&str], Option<f64>); 5] = [
        (coarse, "safe_bank", &[], Some(PYTHON_COARSE)),
        (fine, "safe_bank_fine_grained", &[], Some(PYTHON_FINE)),
        (coarse, "safe_bank --no-yield", &["--no-yield"], None),
        (fine, "fine_grained --no-yield", &["--no-yield"], None),
        (none, "unsafe_bank", &[], None),
    ];
    let mut medians = Vec::new();
    for (exe, name, extra, python) in rows {
        let secs = time_runs(exe, name, extra);
        let median = secs[secs.len() / 2];
        medians.push(median);
        let (py, ratio) = match python {
            Some(py) => (format!("{py:.1}"), format!("{:.0}x faster", py / median)),
            None if name == "unsafe_bank" => ("-".to_owned(), "(no locks)".to_owned()),
            None => ("-".to_owned(), "-".to_owned()),
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
        "Winner here: {winner}; fine-grained / coarse = {:.2} ({:.2} without the yield).",
        fine / coarse,
        medians[3] / medians[2]
    );
    println!(
        "Why: every transfer is followed by a validation that takes all six locks, which shuts \
         out every transfer just as the one lock does, at six lock operations instead of one; and \
         with {cpus} CPUs at most {cpus} threads run at once, so there is little parallelism for \
         finer locks to unlock."
    );
}
