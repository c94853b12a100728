//! Runs the real `sync_program` binary, fast, and checks what it prints.

use course_kit::testing::{self, Output};

fn run(args: &[&str]) -> Output {
    testing::run("sync_program", args)
}

#[test]
fn generates_everything_then_processes_everything_in_order() {
    let (out, _, code) = run(&["--time-scale", "0.001", "--seed", "1"]);
    assert_eq!(code, Some(0));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "App started.");
    let generated: Vec<&str> = lines[1..21].to_vec();
    let expected: Vec<String> = (1..=20)
        .map(|i| format!(" -- generated item {i}"))
        .collect();
    assert_eq!(generated, expected, "all generated first, in order");
    for (i, line) in lines[21..41].iter().enumerate() {
        let want = format!(" +++ Processed value {} after ", (i + 1) * (i + 1));
        assert!(line.starts_with(&want) && line.ends_with(" sec."), "{line}");
    }
    assert!(
        lines[41].starts_with("App exiting, total time: "),
        "{}",
        lines[41]
    );
    assert_eq!(lines.len(), 42);
}

#[test]
fn items_flag_and_no_colour_when_piped() {
    let (out, _, code) = run(&["--time-scale", "0", "--items", "3"]);
    assert_eq!(code, Some(0));
    assert_eq!(out.matches("generated item").count(), 3);
    assert_eq!(out.matches("Processed value").count(), 3);
    assert!(
        !out.contains('\x1b'),
        "no escape codes when stdout is not a terminal"
    );
}

#[test]
fn bad_flags_exit_2_with_one_line() {
    course_kit::testing::assert_bad_flags(
        "sync_program",
        &[
            &["--time-scale", "fast"][..],
            &["--seed", "-1"],
            &["--items", "0"],
            &["--items", "1001"],
            &["--items", "99999999999"],
            &["--nope"],
        ],
    );
}
