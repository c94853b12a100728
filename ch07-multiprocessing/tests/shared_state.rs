//! Runs the real `shared_state` binary: the three ways of counting give exactly 0, the full count
//! and the full count.

use course_kit::testing;

#[test]
fn processes_do_not_share_memory_threads_do_and_results_sent_back_add_up() {
    for (workers, times) in [(4, 1_000), (3, 250_000)] {
        let (out, err, code) = testing::run(
            "shared_state",
            &[
                "--workers",
                &workers.to_string(),
                "--times",
                &times.to_string(),
            ],
        );
        assert_eq!(code, Some(0), "{err}");
        let full = course_kit::fmt::thousands(workers * times);
        let each = course_kit::fmt::thousands(times);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 3, "{out}");
        let says = |line: &str, start: &str, end: &str| {
            assert!(
                line.starts_with(start) && line.ends_with(end),
                "{line:?} should be {start:?} … {end:?}"
            );
        };
        says(
            lines[0],
            &format!("{workers} processes, each adding {each} to COUNTER:"),
            "the parent's COUNTER is 0",
        );
        says(
            lines[1],
            &format!("{workers} threads, each adding {each} to COUNTER:"),
            &format!(" COUNTER is {full}"),
        );
        says(
            lines[2],
            &format!("{workers} processes, each sending back its count:"),
            &format!(" the sum is {full}"),
        );
    }
}

#[test]
fn the_defaults_are_four_workers_and_a_million_each() {
    let (out, err, code) = testing::run("shared_state", &[]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.lines().next().is_some_and(|l| l
            .starts_with("4 processes, each adding 1,000,000 to COUNTER:")
            && l.ends_with(" 0")),
        "{out}"
    );
    assert!(
        out.lines()
            .nth(1)
            .is_some_and(|l| l.ends_with(" COUNTER is 4,000,000")),
        "{out}"
    );
    assert!(
        out.lines()
            .nth(2)
            .is_some_and(|l| l.ends_with(" the sum is 4,000,000")),
        "{out}"
    );
}

#[test]
fn bad_flags_exit_2_with_one_line() {
    testing::assert_bad_flags(
        "shared_state",
        &[
            &["--workers", "0"][..],
            &["--workers", "65"],
            &["--times", "0"],
            &["--times", "x"],
            &["--nope"],
        ],
    );
}

/// Ctrl-C (SIGINT) to the parent alone, as `kill -INT` sends it, while its worker processes are in
/// the middle of a long count: the parent ends at once, and its workers end with it.
#[cfg(target_os = "linux")]
#[test]
fn workers_end_with_their_parent_on_ctrl_c() {
    use std::os::unix::process::ExitStatusExt;
    use std::time::{Duration, Instant};

    use course_kit::testing::processes_with;

    let marker = format!("sigint-{}", std::process::id());
    let mut parent = std::process::Command::new(assert_cmd::cargo::cargo_bin("shared_state"))
        .args(["--workers", "2", "--times", "1000000000"])
        .env("CH07_SIGINT_MARKER", &marker)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let t0 = Instant::now();
    while processes_with("CH07_SIGINT_MARKER", &marker).len() < 3 {
        assert!(
            t0.elapsed() < Duration::from_secs(20),
            "workers never started"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300)); // the workers are counting now
    let pid = parent.id().to_string();
    let sent = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status();
    assert!(sent.unwrap().success());
    let status = parent.wait().unwrap();
    assert_eq!(
        status.signal(),
        Some(2),
        "Ctrl-C's default action: {status:?}"
    );
    // A billion additions take each worker seconds; they must be gone well before.
    let t0 = Instant::now();
    loop {
        let left = processes_with("CH07_SIGINT_MARKER", &marker);
        if left.is_empty() {
            break;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(3),
            "workers {left:?} outlived their parent"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
