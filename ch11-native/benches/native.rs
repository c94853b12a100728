//! How fast is each C kernel, and how close to what the hardware can do?
//!
//! Run: cargo bench -p ch11-native --bench native
//!
//! Prints four tables (about 30 s in all):
//! 1. Every kernel this machine can run, one thread, over 30,000,000 positions: time, positions per
//!    second (and nanoseconds per position), speed-up over the scalar C kernel and over the Rust loop.
//! 2. The physical limit: a C loop that does nothing but independent square roots (8 chains per
//!    lane, so latency is hidden) at each vector width, i.e. the square-root unit's throughput,
//!    and each kernel as a fraction of the limit at its width. A kernel near 100% cannot get
//!    faster by any trick except doing fewer square roots.
//! 3. The same loop in 32-bit floats (the course's final `cython.float`) at each width: twice the
//!    lanes, cheaper square roots, and how far each sum lands from the exact one.
//! 4. Threads on top of SIMD, against the machine's measured parallel capacity: the same
//!    single-threaded run started on P threads side by side (independent copies of the whole job),
//!    which shows how much parallel work the machine can do at once; on a shared VM that can be
//!    far below P. Then the job split across P threads, as a fraction of that capacity.
//!
//! Every figure is the best of several rounds in which each contender runs once (so a burst of
//! load elsewhere hits all of them alike); every result is kept (`black_box`) and checked.

use std::hint::black_box;
use std::time::{Duration, Instant};

use ch11_native::{Kernel, Native, Range, closed_form, do_math, simd_tolerance};

const POSITIONS: u64 = 30_000_000;
const RUNS: usize = 5;
/// Rounds of the square-root probe: 8 chains × lanes square roots each.
const PROBE_ROUNDS: u64 = 4_000_000;

/// One run: its time and its (kept) result.
fn timed(work: impl FnOnce() -> f64) -> (Duration, f64) {
    let t0 = Instant::now();
    let result = black_box(work());
    (t0.elapsed(), result)
}

fn rate(count: f64, t: Duration) -> f64 {
    count / t.as_secs_f64() / 1e9
}

fn main() {
    if cfg!(debug_assertions) {
        eprintln!("warning: not an optimised build; run with `cargo bench`");
    }
    let range = Range::up_to(POSITIONS).expect("valid range");
    let n = POSITIONS as f64;
    println!("ch11-native: {POSITIONS} positions, best of {RUNS} runs each\n");

    // 1 and 2. Every contender runs once per round, for RUNS rounds, and keeps its best time:
    //    interleaving spreads a burst of load from elsewhere over all of them alike.
    let kernels: Vec<Kernel> = Kernel::available().into_iter().rev().collect();
    let mut rust_t = Duration::MAX;
    let mut kernel_t = vec![Duration::MAX; kernels.len()];
    let mut probe_t = vec![Duration::MAX; kernels.len()];
    let mut f32_t = vec![Duration::MAX; kernels.len()];
    let mut f32_sum = vec![0.0_f64; kernels.len()];
    let rust_sum = do_math(range);
    for _ in 0..RUNS {
        rust_t = rust_t.min(timed(|| do_math(black_box(range))).0);
        for (i, kernel) in kernels.iter().enumerate() {
            let native = kernel.native().expect("available");
            let (t, sum) = timed(|| native.run(black_box(range)));
            assert!(
                (sum - rust_sum).abs() <= simd_tolerance(range, rust_sum),
                "{} gave {sum}, Rust {rust_sum}",
                kernel.name()
            );
            kernel_t[i] = kernel_t[i].min(t);
            probe_t[i] = probe_t[i].min(timed(|| native.sqrt_peak(black_box(PROBE_ROUNDS))).0);
            let (t, sum) = timed(|| f64::from(native.run_f32(black_box(range))));
            f32_t[i] = f32_t[i].min(t);
            f32_sum[i] = sum;
        }
    }
    let find = |k: Kernel| kernels.iter().position(|&x| x == k).expect("available");
    let scalar_t = kernel_t[find(Kernel::Scalar)];
    println!(
        "{:<10} {:>5} {:>10} {:>9} {:>10} {:>10} {:>10}",
        "kernel", "lanes", "time ms", "ns/pos", "G pos/s", "x scalar C", "x Rust"
    );
    let rows = std::iter::once(("rust", 1, rust_t)).chain(
        kernels
            .iter()
            .zip(&kernel_t)
            .map(|(k, &t)| (k.name(), k.lanes(), t)),
    );
    for (name, lanes, t) in rows {
        println!(
            "{name:<10} {lanes:>5} {:>10.2} {:>9.3} {:>10.3} {:>10.2} {:>10.2}",
            ms(t),
            t.as_secs_f64() * 1e9 / n,
            rate(n, t),
            scalar_t.as_secs_f64() / t.as_secs_f64(),
            rust_t.as_secs_f64() / t.as_secs_f64()
        );
    }

    // The square-root unit's throughput at each width, and each kernel against it.
    println!(
        "\n{:<10} {:>16} {:>14} {:>12}",
        "width", "peak G sqrt/s", "kernel G/s", "% of peak"
    );
    let peak = |k: Kernel| {
        let sqrts = (PROBE_ROUNDS * 8 * k.lanes() as u64) as f64;
        rate(sqrts, probe_t[find(k)])
    };
    for (i, &kernel) in kernels.iter().enumerate() {
        if kernel == Kernel::Portable {
            continue; // it uses scalar square roots: its limit is the scalar row's
        }
        let kernel_rate = rate(n, kernel_t[i]);
        println!(
            "{:<10} {:>16.3} {:>14.3} {:>11.0}%",
            kernel.name(),
            peak(kernel),
            kernel_rate,
            100.0 * kernel_rate / peak(kernel)
        );
    }
    let best = Native::best();
    let best_peak = peak(best.kernel());
    let scalar_peak = peak(Kernel::Scalar);
    println!(
        "vector sqrt peak / scalar sqrt peak = {:.2}x: the most any SIMD kernel can gain here",
        best_peak / scalar_peak
    );

    // 3. f32 against f64 at each width, both sums against the exact one.
    let exact = closed_form(range).expect("whole numbers") as f64;
    println!(
        "\n{:<10} {:>9} {:>9} {:>9} {:>9} {:>8} {:>14} {:>14}",
        "f32/f64", "lanes", "f64 ms", "f32 ms", "ns/pos", "x f64", "f64 off by", "f32 off by"
    );
    for (i, &kernel) in kernels.iter().enumerate() {
        if kernel == Kernel::Portable {
            continue; // its f32 loop is the scalar one
        }
        let lanes32 = if kernel.lanes() == 1 {
            1
        } else {
            2 * kernel.lanes()
        };
        let off64 = (kernel.native().expect("available").run(range) - exact).abs();
        println!(
            "{:<10} {:>9} {:>9.2} {:>9.2} {:>9.3} {:>8.2} {:>14.0} {:>14.0}",
            kernel.name(),
            format!("{}/{lanes32}", kernel.lanes()),
            ms(kernel_t[i]),
            ms(f32_t[i]),
            f32_t[i].as_secs_f64() * 1e9 / n,
            kernel_t[i].as_secs_f64() / f32_t[i].as_secs_f64(),
            off64,
            (f32_sum[i] - exact).abs()
        );
    }
    println!("exact sum: {exact}");

    // 4. Threads on top of the best SIMD kernel.
    let threads = course_kit::cli::available_parallelism();
    let one_sum = best.run(range);
    let (mut one_t, mut side_t, mut split_t) = (Duration::MAX, Duration::MAX, Duration::MAX);
    for _ in 0..RUNS {
        one_t = one_t.min(timed(|| best.run(black_box(range))).0);
        // Each copy does the whole job alone; none waits for another. If P copies take as long
        // as one, the machine has P cores' worth of capacity; if P times as long, just one.
        let side = timed(|| {
            std::thread::scope(|s| {
                let handles: Vec<_> = (0..threads)
                    .map(|_| s.spawn(|| best.run(black_box(range))))
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().expect("no panic"))
                    .sum()
            })
        });
        side_t = side_t.min(side.0);
        let (t, split_sum) = timed(|| run_threaded(best, black_box(range), threads));
        assert!((split_sum - one_sum).abs() <= simd_tolerance(range, one_sum));
        split_t = split_t.min(t);
    }
    let capacity = threads as f64 * one_t.as_secs_f64() / side_t.as_secs_f64();
    let speedup = one_t.as_secs_f64() / split_t.as_secs_f64();
    println!("\n{} kernel, {threads} threads", best.kernel().name());
    println!("  one thread:                        {:>8.2} ms", ms(one_t));
    println!(
        "  {threads} independent copies side by side: {:>8.2} ms -> capacity {capacity:.2}x one core",
        ms(side_t)
    );
    println!(
        "  job split over {threads} threads:          {:>8.2} ms -> speed-up {speedup:.2}x = {:.0}% of capacity",
        ms(split_t),
        100.0 * speedup / capacity
    );
    println!(
        "  total over the Rust loop on one thread: {:.2}x",
        rust_t.as_secs_f64() / split_t.as_secs_f64()
    );
}

/// What `compute_native` does: one slice per thread, one call into C each, summed in order.
fn run_threaded(native: Native, range: Range, threads: usize) -> f64 {
    let slices = range.split(threads);
    std::thread::scope(|s| {
        let handles: Vec<_> = slices
            .iter()
            .map(|&slice| s.spawn(move || native.run(slice)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("no panic"))
            .sum()
    })
}

fn ms(t: Duration) -> f64 {
    t.as_secs_f64() * 1e3
}
