//! The 500,000-action loop on both executors prints the course's lines, and the consumer gets
//! every item the producers made (it panics on a miscount). Speed is checked by `cargo bench -p
//! ch04-asyncio --bench ch04`, not here.

mod common;

const LOOPS: [&str; 2] = ["loop_program", "loop_program_uv"];

#[test]
fn both_executors_process_every_item() {
    // An odd count: the two producers make unequal halves, and the consumer still gets them all.
    for bin in LOOPS {
        let r = common::run(bin, &["--actions", "20001"]);
        assert_eq!(r.code, Some(0), "{bin}: {r:?}");
        let lines = r.lines();
        assert_eq!(
            lines[0], "Running standard loop with 20,001 actions.",
            "{bin}"
        );
        assert!(
            lines[1].starts_with("App exiting, total time: ") && lines[1].ends_with(" sec."),
            "{bin}: {}",
            lines[1]
        );
        assert_eq!(lines.len(), 2, "{bin}: {r:?}");
    }
}

/// `loop_program_uv` prints what the course's uvloop file prints: it says "standard" too.
#[test]
fn uv_loop_prints_the_courses_first_line() {
    let r = common::run("loop_program_uv", &[]);
    assert_eq!(r.code, Some(0), "{r:?}");
    assert_eq!(r.lines()[0], "Running standard loop with 500,000 actions.");
}

#[test]
fn bad_flags_exit_2() {
    for bin in LOOPS {
        common::assert_bad_flags(
            bin,
            &[
                &["--actions", "1"],
                &["--actions", "10000001"],
                &["--actions", "99999999999"],
                &["--actions", "x"],
                &["--nope"],
            ],
        );
    }
}
