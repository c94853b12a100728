//! Runs the real `sync_prod` binary, fast, and checks what it prints.

use course_kit::testing::{self, Output};

fn run(args: &[&str]) -> Output {
    testing::run("sync_prod", args)
}

#[test]
fn both_producers_run_then_the_consumer_processes_everything_in_order() {
    let (out, _, code) = run(&["--time-scale", "0.001", "--seed", "1"]);
    assert_eq!(code, Some(0));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 82, "{out}");
    assert_eq!(lines[0], "App started.");
    let expected: Vec<String> = (1..=20)
        .chain(1..=20)
        .map(|i| format!(" -- generated item {i}"))
        .collect();
    assert_eq!(
        lines[1..41].to_vec(),
        expected,
        "all generated first, in order"
    );
    for (i, line) in lines[41..81].iter().enumerate() {
        let idx = i % 20 + 1;
        let want = format!(" +++ Processed value {} after ", idx * idx);
        assert!(line.starts_with(&want) && line.ends_with(" sec."), "{line}");
    }
    assert!(
        lines[81].starts_with("App exiting, total time: "),
        "{}",
        lines[81]
    );
}

#[test]
fn items_flag_and_bad_flags() {
    let (out, _, code) = run(&["--time-scale", "0", "--items", "3"]);
    assert_eq!(code, Some(0));
    assert_eq!(out.matches("generated item").count(), 6);
    assert_eq!(out.matches("Processed value").count(), 6);
    assert!(
        !out.contains('\x1b'),
        "no escape codes when stdout is not a terminal"
    );

    // Beyond 100 items a run at the course's speed would take more than five minutes.
    for bad in [
        &["--items", "-1"][..],
        &["--items", "0"],
        &["--items", "101"],
        &["--items", "99999999999"],
        &["--seed", "x"],
        &["--nope"],
    ] {
        let (_, err, code) = run(bad);
        assert_eq!(code, Some(2), "{bad:?}");
        assert!(err.starts_with("error:"), "{err}");
    }
}
