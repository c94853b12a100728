//! Runs the real `overflow` binary (a debug build, as tests are): the plain `*` must panic at the
//! first position, caught and reported on one line, and every fix must print the right numbers;
//! then the f32 lesson: the counter stalls at 2^24, and the f32 kernel's sum is off where the f64
//! kernel's is not.

use course_kit::testing::{self, Output};

fn run(args: &[&str]) -> Output {
    testing::run("overflow", args)
}

#[test]
fn debug_build_panics_and_the_fixes_get_the_right_sum() {
    let (out, err, code) = run(&[]);
    assert_eq!(code, Some(0), "{err}");
    // The panic was caught: no default panic message, no backtrace.
    assert!(err.is_empty(), "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[1],
        "plain `*`:    this build checks overflow (debug): it panicked at pos 1: attempt to multiply with overflow"
    );
    assert!(out.contains("checked_mul:  None at pos 1: "), "{out}");

    // An independent count of the damage: squares beyond i32 reduced modulo 2^32 in i64.
    let (mut wrong, mut negative) = (0, 0);
    for pos in 1..=3_000_000_i64 {
        let exact = (pos - 1_000_000).pow(2);
        if exact > i64::from(i32::MAX) {
            wrong += 1;
            if exact.rem_euclid(1 << 32) >= 1 << 31 {
                negative += 1;
            }
        }
    }
    assert_eq!(wrong, 3_000_000 - 92_681, "only |pos - 1e6| <= 46,340 fits");
    let line = lines
        .iter()
        .find(|l| l.starts_with("wrapping_mul:"))
        .unwrap();
    let want = format!(
        "wrapping_mul: {} of 3,000,000 squares wrapped ({} to a negative, whose sqrt is NaN), sum = NaN",
        course_kit::fmt::thousands(wrong),
        course_kit::fmt::thousands(negative)
    );
    assert_eq!(*line, want);
    assert!(out.contains("i64:          sum = 2500000500000\n"), "{out}");
    assert!(out.contains("f64:          sum = 2500000500000 (the course's fix: floats)\n"));
}

/// `sum = S (off by D)` from a kernel line: (S, D).
fn sum_and_error(line: &str) -> (f64, f64) {
    let rest = &line[line.find("sum = ").expect(line) + 6..];
    let (sum, rest) = rest.split_once(" (off by ").expect(line);
    let off = rest.strip_suffix(')').expect(line);
    (sum.parse().expect(line), off.parse().expect(line))
}

#[test]
fn f32_counter_stalls_at_2_pow_24_and_the_f32_kernel_sum_is_off() {
    let (out, err, code) = run(&[]);
    assert_eq!(code, Some(0), "{err}");
    let counter = out
        .lines()
        .find(|l| l.starts_with("f32 counter:"))
        .expect(&out);
    assert!(
        counter.contains("counting to 30,000,000 (compute_it's size), pos stopped at 16,777,216 = 2^24, where pos + 1.0 == pos"),
        "{counter}"
    );
    // The oracle, from the arithmetic series: Σ |pos - 1e6| for pos = 1..=3e6.
    let exact: i64 = (1..1_000_000_i64).sum::<i64>() + (0..=2_000_000_i64).sum::<i64>();
    assert_eq!(exact, 2_500_000_500_000);
    assert!(
        out.contains(&format!("exact:        sum = {exact} (the closed form)\n")),
        "{out}"
    );
    let line = |prefix: &str| {
        *out.lines()
            .collect::<Vec<_>>()
            .iter()
            .find(|l| l.starts_with(prefix))
            .expect(prefix)
    };
    let (sum64, off64) = sum_and_error(line("f64 kernel:"));
    let (sum32, off32) = sum_and_error(line("f32 kernel:"));
    assert_eq!((sum64 - exact as f64).abs(), off64);
    assert_eq!((sum32 - exact as f64).abs(), off32);
    assert!(off32 > off64, "f32 off by {off32}, f64 off by {off64}");
    assert!(line("f32 ran ").contains("x as fast as f64, and its sum is wrong"));
}

#[test]
fn with_nothing_to_sum_both_kernels_are_exact() {
    // With --num 0 the kernels sum nothing: both exact, both 0.
    let (out, _, code) = run(&["--num", "0"]);
    assert_eq!(code, Some(0));
    assert!(out.contains("sum = 0 (off by 0)"), "{out}");
    assert!(
        out.contains("exact:        sum = 0 (the closed form)"),
        "{out}"
    );
}

#[test]
fn nothing_overflows_on_an_empty_range() {
    let (out, _, code) = run(&["--num", "0"]);
    assert_eq!(code, Some(0));
    assert!(out.contains("plain `*`:    no overflow, sum = 0"), "{out}");
    assert!(out.contains("checked_mul:  no overflow, sum = 0"), "{out}");
}

#[test]
fn bad_flags_exit_2() {
    course_kit::testing::assert_bad_flags(
        "overflow",
        &[&["--num", "-5"][..], &["--num", "3000000000"], &["--nope"]],
    );
}
