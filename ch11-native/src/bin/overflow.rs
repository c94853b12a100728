//! The course's loop in 32-bit integers overflows; what Rust does about it, and four fixes.
//!
//! Ports: src/11-cython/perf/math_core.pyx (the course's "after correcting for integer overflow")
//!
//! Run: cargo run -p ch11-native --bin overflow (then add --release, and compare)
//!
//! Expect: math_core.pyx declared `pos` and the square as C `int` (32 bits). `(pos - 1,000,000)²`
//! passes i32::MAX (2,147,483,647) whenever |pos - 1,000,000| > 46,340: at pos 1 already, and for
//! all but 92,681 of the 3,000,000 positions. In a debug build the plain `*` panics at pos 1
//! (caught here, so it prints one line instead of a backtrace); in a release build the same code
//! wraps silently, often to a negative number whose square root is NaN, and the sum is NaN. Then the fixes: `checked_mul` (reports where), `wrapping_mul`
//! (what release did, made explicit), and i64 or f64 arithmetic (the right sum, 2,500,000,500,000).
//!
//! Python vs Rust: Python's integers never overflow, so the Python version was right and the Cython
//! one silently wrong: C's signed overflow is undefined behaviour, and the course's fast figure came
//! partly from that. Rust never has undefined overflow: debug builds panic, release builds wrap (two's
//! complement, defined), and `checked_*`/`wrapping_*`/`saturating_*` say which one you mean.

use std::hint::black_box;
use std::panic::{self, AssertUnwindSafe};
use std::process::ExitCode;

use clap::Parser;
use course_kit::{cprintln, fmt, style};

/// The course's loop in i32: watch it overflow, then fix it.
#[derive(Parser, Debug)]
// No bare `about`: it would show the crate's description; clap takes the doc comment above.
#[command(version, long_about = None)]
struct Args {
    /// How many positions (the course's Cython version used 3,000,000)
    #[arg(long, value_name = "N", default_value_t = 3_000_000,
          value_parser = clap::value_parser!(i32).range(0..))]
    num: i32,
}

/// The course's `k_sq`, as the 32-bit integer Cython made it.
const K_SQ: i32 = 1000 * 1000;

fn main() -> ExitCode {
    let args = Args::parse();
    let num = black_box(args.num);
    cprintln!(
        style::APP,
        "The loop over pos = 1..={} in i32, as math_core.pyx declared it; i32::MAX = {}.",
        fmt::thousands(num),
        fmt::thousands(i32::MAX)
    );

    plain(num);

    match checked(num) {
        Ok(sum) => cprintln!(style::GOOD, "checked_mul:  no overflow, sum = {sum}"),
        Err(pos) => cprintln!(
            style::APP,
            "checked_mul:  None at pos {}: the overflow is found, and you decide what to do",
            fmt::thousands(pos)
        ),
    }

    let wrapped = wrapping(num);
    cprintln!(
        style::APP,
        "wrapping_mul: {} of {} squares wrapped ({} to a negative, whose sqrt is NaN), sum = {}",
        fmt::thousands(wrapped.wrong),
        fmt::thousands(num),
        fmt::thousands(wrapped.negative),
        wrapped.sum
    );

    cprintln!(style::GOOD, "i64:          sum = {}", wide(num));
    cprintln!(
        style::GOOD,
        "f64:          sum = {} (the course's fix: floats)",
        as_floats(num)
    );
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
        Err(payload) => {
            let message = payload
                .downcast_ref::<&str>()
                .copied()
                .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
                .unwrap_or("a panic");
            cprintln!(
                style::WARN,
                "plain `*`:    this build checks overflow (debug): it panicked at pos {}: {message}",
                fmt::thousands(reached)
            );
            cprintln!(
                style::APP,
                "              (a --release build wraps instead; run it to see)"
            );
        }
        Ok(sum) if sum.is_nan() => {
            cprintln!(
                style::WARN,
                "plain `*`:    this build does not check overflow (release): the squares wrapped \
                 silently and the sum is {sum}"
            );
            cprintln!(
                style::APP,
                "              (a debug build panics instead; run it without --release to see)"
            );
        }
        Ok(sum) => cprintln!(style::GOOD, "plain `*`:    no overflow, sum = {sum}"),
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

/// Fix 2, the course's: do the arithmetic in floating point, which does not overflow here.
fn as_floats(num: i32) -> f64 {
    ch11_native::do_math(ch11_native::Range::new(0.0, f64::from(num)).expect("i32 fits"))
}
