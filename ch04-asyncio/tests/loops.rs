//! The 500,000-action loop on both executors: every item produced is processed. (Speed is
//! checked by `cargo bench -p ch04-asyncio --bench ch04`, not here.)

mod common;

/// Runs one of the two loop programs with an odd count, so the two producers get unequal halves,
/// and checks that everything produced was processed.
fn check_loop(bin: &str, title: &str) {
    let r = common::run(bin, &["--actions", "20001"]);
    assert_eq!(r.code, Some(0), "{bin}: {r:?}");
    let lines = r.lines();
    assert_eq!(
        lines[0],
        format!("Running {title} loop with 20,001 actions.")
    );
    assert!(
        lines[1].starts_with("App exiting, total time: ") && lines[1].ends_with(" sec."),
        "{}",
        lines[1]
    );
    assert_eq!(lines[2], "Processed all 20,001 items.");
    assert_eq!(lines.len(), 3, "{bin}: {r:?}");
}

#[test]
fn standard_loop_processes_every_item_on_tokio() {
    check_loop("loop_program", "standard");
}

#[test]
fn uv_loop_runs_the_same_workload_on_smol() {
    check_loop("loop_program_uv", "uvloop-style");
}

#[test]
fn course_default_is_500_000_actions() {
    for bin in ["loop_program", "loop_program_uv"] {
        let r = common::run(bin, &["--help"]);
        assert!(r.out.contains("[default: 500000]"), "{bin}: {}", r.out);
    }
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
