//! `simple_gen` prints exactly the course's output.

mod common;

#[test]
fn prints_the_course_output_exactly() {
    let r = common::run("simple_gen", &[]);
    assert_eq!(r.code, Some(0));
    assert_eq!(
        r.out,
        "1, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233, 377, 610, 987, 1597, 2584, 4181, 6765, 10946, \nDone\n"
    );
}

#[test]
fn takes_no_arguments() {
    common::assert_bad_flags("simple_gen", &[&["--nope"], &["10"]]);
}
