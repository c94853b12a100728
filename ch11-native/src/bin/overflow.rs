//! The course's loop in the C types `math_core.pyx` declared: 32-bit `int` overflows, 32-bit
//! `float` stops counting and rounds; what Rust does about each.
//!
//! Ports: <https://github.com/talkpython/async-techniques-python-course/blob/master/src/11-cython/perf/math_core.pyx>
//! (`cython.int`, then `cython.float`). Run: `cargo run -p ch11-native --bin overflow`, then with
//! `--release`
//! Copy: `cargo add anstream anstyle num-format clap -F clap/derive`; the f32 kernel part (`f32_vs_f64`) also needs
//! what `compute_native`'s header lists
//!
//! Expect: the `int` square overflowing (a debug build panics at pos 1, release wraps to NaN),
//! the fixes (`checked_mul`, `wrapping_mul`, i64, f64: 2,500,000,500,000); then the `float`
//! counter stopping at 16,777,216 (2^24), and f32 SIMD: faster, with a wrong sum.
//!
//! Python vs Rust: Python's ints never overflow; C's signed overflow is undefined behaviour, Rust's
//! never is: debug panics, release wraps, `checked_*`/`wrapping_*` say which you mean.

use std::hint::black_box;
use std::panic::{self, AssertUnwindSafe};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anstyle::{AnsiColor, Style};
use ch11_native::{Native, Range, closed_form};
use clap::Parser;
use course_kit::fmt::thousands;
use num_format::{Locale, ToFormattedString};

/// A right answer.
const GOOD: Style = AnsiColor::Green.on_default();
/// A wrong one.
const WARN: Style = AnsiColor::Yellow.on_default().bold();

/// The course's loop in i32 and in f32: watch them go wrong, then fix them.
#[derive(Parser, Debug)]
// No bare `about`: it would show the crate's description; clap takes the doc comment above.
#[command(name = "overflow", version, long_about = None)]
struct Args {
    /// How many positions (the course's Cython version used 3,000,000)
    #[arg(long, value_name = "N", default_value_t = 3_000_000,
          value_parser = clap::value_parser!(i32).range(0..))]
    num: i32,
}

/// The course's `k_sq`, as the 32-bit integer Cython made it.
const K_SQ: i32 = 1000 * 1000;

/// How far compute_it counts (ch05), beyond where an f32 counter can go.
const COMPUTE_IT_NUM: f32 = 30_000_000.0;

/// Each kernel timing is the best of this many runs.
const RUNS: usize = 5;

fn main() -> ExitCode {
    course_kit::exit::quiet_broken_pipe();
    let args = Args::parse();
    let num = black_box(args.num);

    println!(
        "The loop over pos = 1..={} in i32, as math_core.pyx first declared it; i32::MAX = {}.",
        thousands(num),
        thousands(i32::MAX)
    );
    plain(num);
    match checked(num) {
        Ok(sum) => anstream::println!("{GOOD}checked_mul:  no overflow, sum = {sum}{GOOD:#}"),
        Err(pos) => println!(
            "checked_mul:  None at pos {}: the overflow is found, and you decide what to do",
            thousands(pos)
        ),
    }
    let wrapped = wrapping(num);
    println!(
        "wrapping_mul: {} of {} squares wrapped ({} to a negative, whose sqrt is NaN), sum = {}",
        thousands(wrapped.wrong),
        thousands(num),
        thousands(wrapped.negative),
        wrapped.sum
    );
    anstream::println!("{GOOD}i64:          sum = {}{GOOD:#}", wide(num));
    anstream::println!(
        "{GOOD}f64:          sum = {} (the course's fix: floats){GOOD:#}",
        as_floats(num)
    );

    println!();
    println!(
        "The final math_core.pyx declares cython.float: C's 32-bit float, a 24-bit significand."
    );
    match count_in_f32(COMPUTE_IT_NUM) {
        Err(stuck) => anstream::println!(
            "{WARN}f32 counter:  counting to {} (compute_it's size), pos stopped at {} = 2^24, \
             where pos + 1.0 == pos: the course's loop would never end (this one checks, and \
             stopped).{WARN:#}",
            thousands(COMPUTE_IT_NUM as u64),
            thousands(stuck as u64)
        ),
        Ok(sum) => println!("f32 counter:  reached the end, sum = {sum}"),
    }
    let range = Range::new(0.0, f64::from(num)).expect("an i32 is in range");
    let exact = closed_form(range).expect("whole numbers") as f64;
    f32_vs_f64(Native::best(), range, exact);
    ExitCode::SUCCESS
}

/// The loop as written with plain `*`: panics on overflow when overflow checks are on (the debug
/// profile's default), wraps when they are off (release). `reached` records the last position.
fn plain_loop(num: i32, reached: &mut i32) -> f64 {
    let mut pos: i32 = 0;
    let mut acc = 0.0;
    while pos < num {
        pos += 1;
        *reached = pos;
        let square = (pos - K_SQ) * (pos - K_SQ);
        acc += f64::from(square).sqrt();
    }
    acc
}

/// Runs the plain loop and reports what this build did with the overflow.
fn plain(num: i32) {
    let mut reached = 0;
    // A panic would print a message and backtrace from the default hook; silence it for this one
    // call, since we report the panic ourselves. (Catching panics is for demos and thread or FFI
    // boundaries, not for error handling: that is what checked_mul is for.)
    let default_hook = panic::take_hook();
    panic::set_hook(Box::new(|_| {}));
    // AssertUnwindSafe: after a panic we only read `reached`, an integer that is always valid.
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| plain_loop(num, &mut reached)));
    panic::set_hook(default_hook);
    match outcome {
        // The `*` is the only operation in the loop that can overflow, so the panic is its.
        Err(_) => {
            anstream::println!(
                "{WARN}plain `*`:    this build checks overflow (debug): it panicked at pos {}: \
                 attempt to multiply with overflow{WARN:#}",
                reached.to_formatted_string(&Locale::en)
            );
            println!("              (a --release build wraps instead; run it to see)");
        }
        Ok(sum) if sum.is_nan() => {
            anstream::println!(
                "{WARN}plain `*`:    this build does not check overflow (release): the squares \
                 wrapped silently and the sum is {sum}{WARN:#}"
            );
            println!(
                "              (a debug build panics instead; run it without --release to see)"
            );
        }
        Ok(sum) => anstream::println!("{GOOD}plain `*`:    no overflow, sum = {sum}{GOOD:#}"),
    }
}

/// `checked_mul` returns `None` instead of overflowing: `Err(pos)` says where it happened.
fn checked(num: i32) -> Result<f64, i32> {
    let mut acc = 0.0;
    for pos in 1..=num {
        let square = (pos - K_SQ).checked_mul(pos - K_SQ).ok_or(pos)?;
        acc += f64::from(square).sqrt();
    }
    Ok(acc)
}

/// What the release build did, asked for explicitly, with a count of the damage.
#[derive(Debug)]
struct Wrapped {
    sum: f64,
    wrong: u64,
    negative: u64,
}

fn wrapping(num: i32) -> Wrapped {
    let mut out = Wrapped {
        sum: 0.0,
        wrong: 0,
        negative: 0,
    };
    for pos in 1..=num {
        let square = (pos - K_SQ).wrapping_mul(pos - K_SQ);
        let exact = i64::from(pos - K_SQ).pow(2);
        if i64::from(square) != exact {
            out.wrong += 1;
        }
        if square < 0 {
            out.negative += 1;
        }
        out.sum += f64::from(square).sqrt();
    }
    out
}

/// Fix 1: a type wide enough. |pos - 1e6| < 2^31, so its square fits in i64.
fn wide(num: i32) -> f64 {
    let mut acc = 0.0;
    for pos in 1..=i64::from(num) {
        let d = pos - i64::from(K_SQ);
        acc += ((d * d) as f64).sqrt();
    }
    acc
}

/// Fix 2, the course's: do the arithmetic in floating point (f64), which does not overflow here.
fn as_floats(num: i32) -> f64 {
    let k_sq = f64::from(K_SQ);
    let mut acc = 0.0;
    for pos in 1..=num {
        let d = f64::from(pos) - k_sq;
        acc += (d * d).sqrt();
    }
    acc
}

/// The course's final loop, `pos: cython.float`, with its body (the square in f32, the square
/// root in f64 as libc's `sqrt` takes a double) and its sum kept. At 2^24 = 16,777,216,
/// `pos + 1.0` rounds back to `pos`: the course's `while pos < num` spins there forever for any
/// larger `num`. This one checks that `pos` still advances: `Err(pos)` says where it stopped.
fn count_in_f32(num: f32) -> Result<f64, f32> {
    let k_sq = 1_000_000.0_f32;
    let mut pos: f32 = 0.0;
    let mut acc = 0.0;
    while pos < num {
        let next = pos + 1.0;
        if next == pos {
            return Err(pos);
        }
        pos = next;
        let d = pos - k_sq;
        acc += f64::from(d * d).sqrt();
    }
    Ok(acc)
}

/// The same loop in C at `native`'s vector width, in f64 and in f32 (twice the lanes, cheaper
/// square roots): the time of each (best of [`RUNS`], taking turns) and how far each sum is from
/// `exact`.
fn f32_vs_f64(native: Native, range: Range, exact: f64) {
    let (mut t64, mut t32) = (Duration::MAX, Duration::MAX);
    let (mut sum64, mut sum32) = (0.0, 0.0);
    for _ in 0..RUNS {
        let t0 = Instant::now();
        sum64 = black_box(native.run(black_box(range)));
        t64 = t64.min(t0.elapsed());
        let t0 = Instant::now();
        sum32 = f64::from(black_box(native.run_f32(black_box(range))));
        t32 = t32.min(t0.elapsed());
    }
    let name = native.kernel().name();
    let lanes = native.kernel().lanes();
    // A vector register holds twice as many floats as doubles; the scalar loops have one lane.
    let lanes32 = if lanes == 1 { 1 } else { 2 * lanes };
    let ms = |t: Duration| t.as_secs_f64() * 1e3;
    anstream::println!(
        "{GOOD}f64 kernel:   C {name} in f64 ({lanes} lanes): {:8.3} ms, sum = {sum64} (off by {}){GOOD:#}",
        ms(t64),
        (sum64 - exact).abs()
    );
    anstream::println!(
        "{WARN}f32 kernel:   C {name} in f32 ({lanes32} lanes): {:8.3} ms, sum = {sum32} (off by {}){WARN:#}",
        ms(t32),
        (sum32 - exact).abs()
    );
    println!("exact:        sum = {exact} (the closed form)");
    println!(
        "f32 ran {:.2}x as fast as f64, and its sum is wrong: a 24-bit significand cannot hold \
         running sums of millions of terms to the unit.",
        t64.as_secs_f64() / t32.as_secs_f64().max(1e-9)
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_f32_counter_stalls_at_2_pow_24() {
        assert_eq!(count_in_f32(COMPUTE_IT_NUM), Err(16_777_216.0));
        assert_eq!(16_777_216.0_f32 + 1.0, 16_777_216.0);
        // Below 2^24 it ends, near Σ |pos - 1e6| for pos = 1..=1000 (each square is rounded to
        // 24 bits, so not exactly).
        let sum = count_in_f32(1000.0).unwrap();
        assert!((sum - 999_499_500.0).abs() < 1e-6 * 999_499_500.0, "{sum}");
    }

    #[test]
    fn the_fixes_agree() {
        for num in [0, 1, 999, 1_000_001] {
            assert_eq!(wide(num), as_floats(num), "{num}");
            assert_eq!(checked(num).is_ok(), num == 0, "{num}");
        }
    }
}
