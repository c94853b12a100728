//! How fast is compute_it's loop, and how much of the machine does compute_threaded use?
//!
//! Run: `cargo bench -p ch05-threads --bench compute`
//!
//! Prints one table:
//! - the same 30M loop written in C and compiled with the system `cc -O2` (the row is skipped
//!   if there is no C compiler), and Rust's `do_math` as compute_it runs it; target: Rust within
//!   1.2× of C;
//! - the machine's real parallel capacity: N threads each running the *whole* loop on its own,
//!   side by side, against one alone. Capacity = N × t(one) / t(N side by side): how many
//!   cores' worth of work the machine actually delivers (a 2-vCPU VM may give far less than 2);
//! - compute_threaded's speed-up as the binary itself prints it with `--factor` (one thread, then
//!   N threads, in the same run) on ten times the work, so that its two-decimal times are precise
//!   to about 1 %; the median of several runs, and that as a fraction of the capacity: threads can
//!   do no better than what the hardware delivers;
//! - the two release binaries run as shipped, as a check that they print the same sum.
//!
//! Each time is the best of several runs, which is the least disturbed by other load (the factor,
//! a ratio of two times, is the median).

use std::hint::black_box;
use std::process::Command;
use std::time::Instant;

/// The program's own file, so that the benchmark times exactly its loop (its `main` is not used
/// here).
#[allow(dead_code, unused_imports)]
#[path = "../src/bin/compute_it.rs"]
mod compute_it;
use compute_it::do_math;

const NUM: u64 = 30_000_000;
const RUNS: usize = 5;

/// The C twin of `do_math`: the same integer square, the same conversion, the same sum, which it
/// prints so that the compiler cannot drop the loop. `num` comes from the command line so that it
/// cannot be folded at compile time. It times itself, so process start-up is not counted.
const C_LOOP: &str = r#"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv) {
    long long num = argc > 1 ? atoll(argv[1]) : 30000000;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    double sum = 0.0;
    for (long long pos = 1; pos <= num; pos++) {
        long long d = pos - 1000000;
        sum += sqrt((double)(d * d));
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("%.6f %.0f\n", (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9, sum);
    return 0;
}
"#;

fn main() {
    let n = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "compute benchmark: do_math over {NUM} numbers, best of {RUNS} runs, {n} CPUs available"
    );
    if cfg!(debug_assertions) {
        println!("warning: not an optimised build; run it with `cargo bench`");
    }
    let expected = do_math(0, black_box(NUM));
    println!();
    println!("{:<52} {:>9} {:>16}", "what", "seconds", "ratio");

    // 1. C at -O2, then Rust.
    let c = c_loop(expected);
    match &c {
        Ok(t) => row("C loop, cc -O2 (reference)", *t, "1.00× C".into()),
        Err(why) => println!("{:<52} {:>9}  {why}", "C loop, cc -O2", "skipped"),
    }
    let one = best(|| do_math(0, black_box(NUM)), expected);
    let vs_c = c
        .as_ref()
        .map_or("(no C)".into(), |c| format!("{:.2}× C", one / c));
    row("Rust do_math (compute_it), 1 thread", one, vs_c);

    // 2. Capacity: n independent whole loops at once.
    let side_by_side = best(
        || {
            std::thread::scope(|s| {
                let hs: Vec<_> = (0..n)
                    .map(|_| s.spawn(|| do_math(0, black_box(NUM))))
                    .collect();
                let sums: Vec<f64> = hs.into_iter().map(|h| h.join().unwrap()).collect();
                assert!(sums.iter().all(|&x| x == expected));
                expected
            })
        },
        expected,
    );
    let capacity = n as f64 * one / side_by_side;
    row(
        &format!("{n} independent loops side by side (capacity)"),
        side_by_side,
        format!("{capacity:.2}× one core"),
    );

    // 3. compute_threaded: the one loop split into n slices, timed by the binary itself.
    let mut runs: Vec<(f64, f64)> = (0..RUNS).map(|_| threaded_factor(n)).collect();
    runs.sort_by(|a, b| a.1.total_cmp(&b.1));
    let (split, speed_up) = runs[RUNS / 2];
    row(
        &format!("compute_threaded --factor, 10× the work, {n} threads"),
        split,
        format!("{speed_up:.2}× speed-up"),
    );
    println!(
        "{:<52} {:>9} {:>16}",
        "  speed-up as a fraction of the capacity",
        "",
        format!("{:.0}%", 100.0 * speed_up / capacity)
    );

    // 4. The binaries as shipped (one run each, their own timing).
    for bin in [
        env!("CARGO_BIN_EXE_compute_it"),
        env!("CARGO_BIN_EXE_compute_threaded"),
    ] {
        let out = Command::new(bin)
            .env("NO_COLOR", "1")
            .output()
            .expect("run the binary");
        let text = String::from_utf8_lossy(&out.stdout);
        let secs = text
            .lines()
            .find_map(|l| {
                l.strip_prefix("Done in ")?
                    .strip_suffix(" sec.")?
                    .parse::<f64>()
                    .ok()
            })
            .expect("a `Done in` line");
        let sum = text
            .lines()
            .find(|l| l.starts_with("Sum of"))
            .unwrap_or("?");
        let name = std::path::Path::new(bin)
            .file_name()
            .unwrap()
            .to_string_lossy();
        row(
            &format!("binary {name} (one run)"),
            secs,
            sum.rsplit(' ').next().unwrap().into(),
        );
    }
    println!();
    println!(
        "For scale: the course's Python compute_it takes ~4.7 s on the 2-vCPU machine it was measured on."
    );
}

/// One run of `compute_threaded --factor --num 300000000 --workers n`: its threads' time and its
/// factor, from `Done in 0.41 sec. (factor: 1.95x)`.
fn threaded_factor(n: usize) -> (f64, f64) {
    let out = Command::new(env!("CARGO_BIN_EXE_compute_threaded"))
        .args(["--factor", "--num", &(10 * NUM).to_string()])
        .args(["--workers", &n.to_string()])
        .env("NO_COLOR", "1")
        .output()
        .expect("run compute_threaded");
    let text = String::from_utf8_lossy(&out.stdout);
    let done = text
        .lines()
        .find_map(|l| l.strip_prefix("Done in "))
        .expect("a `Done in` line");
    let (secs, factor) = done.split_once(" sec. (factor: ").expect("a factor");
    let factor = factor.strip_suffix("x)").expect("a factor");
    (secs.parse().unwrap(), factor.parse().unwrap())
}

fn row(what: &str, secs: f64, ratio: String) {
    println!("{what:<52} {secs:>9.3} {ratio:>16}");
}

/// The best wall time of `RUNS` runs of `f`, checking each run's result.
fn best(mut f: impl FnMut() -> f64, expected: f64) -> f64 {
    (0..RUNS)
        .map(|_| {
            let t0 = Instant::now();
            let sum = black_box(f());
            let dt = t0.elapsed().as_secs_f64();
            assert_eq!(sum, expected, "a run computed a different sum");
            dt
        })
        .fold(f64::INFINITY, f64::min)
}

/// Compiles [`C_LOOP`] with `cc -O2` into a temporary directory and returns its best time.
fn c_loop(expected: f64) -> Result<f64, String> {
    let dir = tempfile::tempdir().map_err(|e| format!("no temp dir: {e}"))?;
    let src = dir.path().join("loop.c");
    let exe = dir.path().join("loop");
    std::fs::write(&src, C_LOOP).map_err(|e| e.to_string())?;
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let status = Command::new(&cc)
        .args(["-O2", "-o"])
        .arg(&exe)
        .arg(&src)
        .arg("-lm")
        .status()
        .map_err(|e| format!("no C compiler `{cc}`: {e}"))?;
    if !status.success() {
        return Err(format!("`{cc}` failed"));
    }
    let mut best = f64::INFINITY;
    for _ in 0..RUNS {
        let out = Command::new(&exe)
            .arg(NUM.to_string())
            .output()
            .map_err(|e| e.to_string())?;
        let text = String::from_utf8_lossy(&out.stdout);
        let (secs, sum) = text.trim().split_once(' ').ok_or("unexpected C output")?;
        let secs: f64 = secs.parse().map_err(|_| "unexpected C output")?;
        let sum: f64 = sum.parse().map_err(|_| "unexpected C output")?;
        assert_eq!(sum, expected, "C computed a different sum");
        best = best.min(secs);
    }
    Ok(best)
}
