//! Runs `blocking_stalls`: a job that blocks a current-thread runtime's only thread stalls the
//! heartbeat task for as long as the job runs; through `spawn_blocking` it does not.

use course_kit::testing::run;

/// The two gaps it prints, in seconds: blocking on the runtime, then through `spawn_blocking`.
fn gaps(out: &str) -> Vec<f64> {
    out.lines()
        .filter_map(|l| {
            l.strip_prefix("  the heartbeat's longest gap was ")?
                .strip_suffix(" s.")
        })
        .map(|g| g.parse().unwrap())
        .collect()
}

#[test]
fn a_blocking_task_stalls_the_heartbeat_and_spawn_blocking_does_not() {
    let (out, err, code) = run("blocking_stalls", &[]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.starts_with("A blocking job of 0.30 s, run as a task"),
        "{out}"
    );
    let gaps = gaps(&out);
    assert_eq!(gaps.len(), 2, "{out}");
    // Not one beat while the 0.3 s job held the thread...
    assert!(gaps[0] >= 0.3, "{out}");
    // ...and beats all along beside `spawn_blocking` (10 ms apart; far below the job's 0.3 s).
    assert!(gaps[1] < 0.15, "{out}");
}

#[test]
fn time_scale_scales_the_job_and_bad_flags_exit_2() {
    let (out, _, code) = run("blocking_stalls", &["--time-scale", "2"]);
    assert_eq!(code, Some(0));
    assert!(out.starts_with("A blocking job of 0.60 s"), "{out}");
    assert!(gaps(&out)[0] >= 0.6, "{out}");
    course_kit::testing::assert_bad_flags(
        "blocking_stalls",
        &[&["--time-scale", "-1"][..], &["--iterations", "5"]],
    );
}
