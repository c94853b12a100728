//! Checks chapter 7's targets on this machine and prints them as one table.
//!
//! Run: `cargo bench -p ch07-multiprocessing --bench multiprocessing`
//!
//! It runs the optimised binaries as a learner would: `compute_compare` (the same 30M steps on
//! one thread, threads, a new and a warm process pool, and rayon, each the best of 10 rounds,
//! against the machine's capacity measured with independent copies of the job side by side),
//! `compute_multiprocessing` as shipped, then `process_costs` (a new pool task by task) with the
//! default workers and with `--workers 8`, to show what each worker process costs to start.
//! Targets: threads and processes within 10% of the measured capacity (≥ 90%), the pool's
//! start-up cost measured, a worker's peak memory a few MB. Takes a few seconds.

use std::process::Command;

fn run(bin: &str, args: &[&str]) -> String {
    let out = Command::new(bin)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap_or_else(|e| panic!("could not run {bin}: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{bin} {args:?} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// The "of capacity" percentage in the compare table's row that starts with `row`.
fn share(table: &str, row: &str) -> f64 {
    table
        .lines()
        .find(|l| l.starts_with(row))
        .and_then(|l| l.split_whitespace().find(|w| w.ends_with('%')))
        .and_then(|w| w.trim_end_matches('%').parse().ok())
        .unwrap_or_else(|| panic!("no row {row:?} in\n{table}"))
}

/// The text after `prefix` on the line that starts with it.
fn after<'a>(text: &'a str, prefix: &str) -> &'a str {
    text.lines()
        .find_map(|l| l.strip_prefix(prefix))
        .unwrap_or_else(|| panic!("no line {prefix:?} in\n{text}"))
}

fn verdict(ok: bool) -> &'static str {
    if ok { "met" } else { "MISSED" }
}

fn main() {
    let compare = env!("CARGO_BIN_EXE_compute_compare");
    let pool = env!("CARGO_BIN_EXE_compute_multiprocessing");
    let costs = env!("CARGO_BIN_EXE_process_costs");
    if cfg!(debug_assertions) {
        println!("warning: not an optimised build; run it with `cargo bench`");
    }
    let p = std::thread::available_parallelism().map_or(1, |n| n.get());

    let table = run(compare, &["--rounds", "10"]);
    print!("{table}");
    let shipped = run(pool, &[]);
    println!("\n$ compute_multiprocessing\n{shipped}");
    let by_task = run(costs, &[]);
    println!("$ process_costs\n{by_task}");
    let eight = run(costs, &["--workers", "8", "--num", "3000000"]);

    let threads = share(&table, &format!("threads ({p}) "));
    let warm = share(&table, &format!("processes, warm pool ({p}) "));
    let new = share(&table, &format!("processes, new pool ({p}) "));
    let rayon = share(&table, &format!("rayon ({p} threads) "));
    // The largest of the workers' peak memories (each task line ends `peak memory 2.6 MB`).
    let peak_mb = by_task
        .lines()
        .filter_map(|l| {
            l.split("peak memory ")
                .nth(1)?
                .strip_suffix(" MB")?
                .parse()
                .ok()
        })
        .fold(f64::NAN, f64::max);
    let peak = format!("{peak_mb} MB");

    println!("Targets ({p} workers, 30,000,000 steps):");
    println!(
        "  threads                    {threads:>5.0}% of capacity   (>= 90%)  {}",
        verdict(threads >= 90.0)
    );
    println!(
        "  processes, warm pool       {warm:>5.0}% of capacity   (>= 90%)  {}",
        verdict(warm >= 90.0)
    );
    println!(
        "  processes, new pool        {new:>5.0}% of capacity   (>= 90%)  {}  (pays the start-up)",
        verdict(new >= 90.0)
    );
    println!("  rayon                      {rayon:>5.0}% of capacity");
    for (workers, out) in [(p, &by_task), (8, &eight)] {
        let startup = after(out, "Pool start-up: ");
        let startup = startup.split(", parent PID").next().unwrap_or(startup);
        println!("  pool start-up, {workers} workers   {startup}");
    }
    println!(
        "  worker peak memory         {peak:<21}(a few MB)  {}",
        verdict(peak_mb < 8.0) // NaN, no figure read, is missed too
    );
}
