//! The 500,000-action loop on both executors: every item produced is processed. (Speed is
//! checked by `cargo bench -p ch04-asyncio --bench ch04`, not here.)

mod common;

#[test]
fn standard_loop_processes_every_item() {
    let r = common::run("loop_program", &["--actions", "20000"]);
    assert_eq!(r.code, Some(0), "{r:?}");
    let lines = r.lines();
    assert_eq!(lines[0], "Running standard loop with 20,000 actions.");
    assert!(
        lines[1].starts_with("App exiting, total time: "),
        "{}",
        lines[1]
    );
    assert_eq!(lines[2], "Processed all 20,000 items.");
}

#[test]
fn course_default_is_500_000_actions() {
    let r = common::run("loop_program", &["--help"]);
    assert!(r.out.contains("[default: 500000]"), "{}", r.out);
}

#[test]
fn uv_loop_runs_the_same_workload_on_both_executors() {
    // An odd count: the two producers get unequal halves and still everything is processed.
    let r = common::run("loop_program_uv", &["--actions", "20001"]);
    assert_eq!(r.code, Some(0), "{r:?}");
    let lines = r.lines();
    assert_eq!(lines[0], "Running uvloop-style loop with 20,001 actions.");
    assert!(
        lines[1].contains("smol") && lines[1].ends_with(" sec."),
        "{}",
        lines[1]
    );
    assert!(
        lines[2].contains("tokio") && lines[2].ends_with(" sec."),
        "{}",
        lines[2]
    );
    assert_eq!(lines[4], "Processed all 20,001 items on each executor.");
}

#[test]
fn bad_flags_exit_2() {
    for bin in ["loop_program", "loop_program_uv"] {
        common::assert_bad_flags(
            bin,
            &[&["--actions", "1"], &["--actions", "x"], &["--nope"]],
        );
    }
}
