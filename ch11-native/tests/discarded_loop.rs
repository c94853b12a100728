//! Runs the real `discarded_loop` binary: the kept loop's exact sum, and the discarded loop timed
//! at the same size and at 1000 times it.

use ch11_native::{Range, closed_form};
use course_kit::testing;

#[test]
fn shows_the_deleted_loop_next_to_the_kept_one() {
    let (out, err, code) = testing::run("discarded_loop", &["--num", "200000"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.starts_with("The same C loop (integers, like Cython's), its result kept and unused:\n")
    );
    let exact = closed_form(Range::up_to(200_000).unwrap()).unwrap();
    let kept = out.lines().find(|l| l.contains("result kept:")).unwrap();
    assert!(
        kept.contains("200,000 positions") && kept.ends_with(&format!("(sum = {exact})")),
        "{kept}"
    );
    let discarded: Vec<&str> = out
        .lines()
        .filter(|l| l.contains("result discarded:"))
        .collect();
    assert_eq!(discarded.len(), 2, "{out}");
    assert!(
        discarded[0].contains(" 200,000 positions"),
        "{}",
        discarded[0]
    );
    assert!(
        discarded[1].contains("200,000,000 positions"),
        "{}",
        discarded[1]
    );
    // The C code is built with -O2 even in a debug build, so the compiler deletes the loop here
    // too; the verdict is judged from the times measured, one of two sentences.
    let verdict = out.lines().last().unwrap();
    assert!(
        verdict.starts_with("1000x the positions, no more time")
            || verdict.starts_with("This time the discarded loop ran"),
        "{verdict}"
    );
}

#[test]
fn bad_flags_exit_2_with_one_line() {
    testing::assert_bad_flags(
        "discarded_loop",
        &[&["--num", "99999999999"][..], &["--num", "x"], &["--nope"]],
    );
}
