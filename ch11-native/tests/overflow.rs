//! Runs the real `overflow` binary (a debug build, as tests are): the plain `*` must panic at the
//! first position, caught and reported on one line, and every fix must print the right numbers.

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
