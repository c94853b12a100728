//! Runs the real `compute_multiprocessing` binary and checks its integers against the course's.
//!
//! The oracle values were printed by the course's Python (the `do_math` and slice bounds of
//! compute_multiprocessing.py, CPython 3, on this machine) for each worker count; P = 2 and P = 8
//! are also the values COURSE.md quotes. Python is not needed to run these tests.

use std::time::{SystemTime, UNIX_EPOCH};

use course_kit::testing::{self, Output};

/// (workers, results) for the course's 30,000,000 steps.
const FULL: [(usize, &[i64]); 8] = [
    (1, &[14033333]),
    (2, &[6566667, 10750000]),
    (3, &[4100000, 7000000, 8000000]),
    (4, &[2883333, 5125000, 5916666, 6312500]),
    (5, &[2166666, 4000000, 4666666, 5000000, 5200000]),
    (6, &[1700000, 3250000, 3833333, 4125000, 4300000, 4416666]),
    (
        7,
        &[
            1376191, 2714286, 3238096, 3500000, 3657143, 3761905, 3836735,
        ],
    ),
    (
        8,
        &[
            1141666, 2312500, 2791666, 3031250, 3175000, 3270833, 3339285, 3390625,
        ],
    ),
];
/// --num 3,000,000 on 16 workers: more processes than cores, and fractional bounds.
const SMALL_P16: [i64; 16] = [
    906249, 359374, 177083, 85937, 31249, 8680, 31250, 50781, 65972, 78125, 88068, 96354, 103365,
    109375, 114583, 119140,
];
/// --num 3,000,000 on 4 workers, for the fault tests.
const SMALL_P4: [i64; 4] = [624999, 104166, 291666, 406250];

fn run_with_env(args: &[&str], env: (&str, &str)) -> Output {
    testing::output(
        testing::command("compute_multiprocessing")
            .args(args)
            .env(env.0, env.1),
    )
}

fn run(args: &[&str]) -> Output {
    run_with_env(args, ("CH07_TEST", "1"))
}

/// The lines between `Our results: ` and the blank line that ends them.
fn results(out: &str) -> Vec<&str> {
    out.lines()
        .skip_while(|l| *l != "Our results: ")
        .skip(1)
        .take_while(|l| !l.is_empty())
        .collect()
}

fn integers(values: &[i64]) -> Vec<String> {
    values.iter().map(i64::to_string).collect()
}

#[test]
fn course_output_and_exact_integers_for_every_worker_count() {
    for (workers, expected) in FULL {
        let (out, err, code) = run(&["--workers", &workers.to_string()]);
        assert_eq!(code, Some(0), "{workers} workers: {err}");
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0], format!("Doing math on {workers} processors."));
        assert!(
            lines[1].starts_with("Done in ") && lines[1].ends_with(" sec."),
            "{}",
            lines[1]
        );
        assert_eq!(lines[2], "Our results: ", "trailing space as in the course");
        assert_eq!(results(&out), integers(expected), "{workers} workers");
    }
}

#[test]
fn more_workers_than_cores_with_uneven_slices() {
    let (out, err, code) = run(&["--workers", "16", "--num", "3000000"]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(results(&out), integers(&SMALL_P16));
}

#[test]
fn each_slice_runs_in_a_worker_process_that_reports_its_cost() {
    let (out, _, code) = run(&["--workers", "3", "--num", "300000"]);
    assert_eq!(code, Some(0));
    let startup = out
        .lines()
        .find(|l| l.starts_with("Pool start-up: 3 worker processes ready in "))
        .expect("start-up line");
    let parent: u32 = startup
        .rsplit("parent PID ")
        .next()
        .unwrap()
        .trim_end_matches('.')
        .parse()
        .unwrap();
    let tasks: Vec<&str> = out.lines().filter(|l| l.starts_with("  task ")).collect();
    assert_eq!(tasks.len(), 3, "{out}");
    for line in tasks {
        let pid: u32 = line
            .split(" in PID ")
            .nth(1)
            .and_then(|rest| rest.split(',').next())
            .unwrap()
            .parse()
            .unwrap();
        assert_ne!(pid, parent, "a worker is another process: {line}");
        assert!(line.contains("peak memory "), "{line}");
    }
    let peak = out
        .lines()
        .find_map(|l| l.strip_prefix("Largest worker peak memory (VmHWM): "))
        .expect("peak memory line");
    if cfg!(target_os = "linux") {
        let mb: f64 = peak.trim_end_matches(" MB.").parse().unwrap();
        // A worker holds this small binary and a few buffers: a few MB, not a copy of the parent.
        assert!(mb > 0.0 && mb < 64.0, "{peak}");
    }
    assert!(!out.contains('\x1b'), "no colour when piped");
}

#[test]
fn a_panicking_worker_is_reported_and_the_others_still_return() {
    let (out, err, code) = run(&["--workers", "4", "--num", "3000000", "--fail-slice", "2"]);
    assert_eq!(code, Some(1), "{out}\n{err}");
    let got = results(&out);
    assert_eq!(got.len(), 4, "{out}");
    assert_eq!(got[0], SMALL_P4[0].to_string());
    assert_eq!(
        got[1],
        "task 2 failed: it panicked in its worker process: slice 2 was told to fail (--fail-slice 2)"
    );
    assert_eq!(got[2..], integers(&SMALL_P4[2..]));
    assert!(
        err.lines()
            .any(|l| l == "error: 1 of 4 tasks failed; the other results are above"),
        "{err}"
    );
}

#[test]
fn a_crashing_worker_process_is_reported_and_the_others_still_return() {
    let (out, err, code) = run(&["--workers", "4", "--num", "3000000", "--crash-slice", "3"]);
    assert_eq!(code, Some(1), "{out}\n{err}");
    let got = results(&out);
    assert_eq!(got[..2], integers(&SMALL_P4[..2]));
    assert_eq!(
        got[2],
        "task 3 failed: its worker process died before returning a result (crashed or was killed)"
    );
    assert_eq!(got[3], SMALL_P4[3].to_string());
    assert!(err.contains("error: 1 of 4 tasks failed"), "{err}");
}

/// Worker processes inherit the parent's environment, so a unique variable finds any of them
/// still alive after the parent has exited.
#[cfg(target_os = "linux")]
#[test]
fn no_worker_process_outlives_the_program() {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let marker = format!("{}-{nanos}", std::process::id());
    for args in [
        &["--workers", "3", "--num", "300000"][..],
        &["--workers", "3", "--num", "300000", "--fail-slice", "1"],
        &["--workers", "3", "--num", "300000", "--crash-slice", "2"],
    ] {
        run_with_env(args, ("CH07_ORPHAN_MARKER", &marker));
        let survivors = processes_with("CH07_ORPHAN_MARKER", &marker);
        assert!(survivors.is_empty(), "{args:?} left {survivors:?} running");
    }
}

/// The PIDs of live processes whose environment holds `var=value`.
#[cfg(target_os = "linux")]
fn processes_with(var: &str, value: &str) -> Vec<u32> {
    let needle = format!("{var}={value}");
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| {
            let e = e.ok()?;
            let pid: u32 = e.file_name().to_str()?.parse().ok()?;
            let env = std::fs::read(e.path().join("environ")).ok()?;
            env.split(|b| *b == 0)
                .any(|v| v == needle.as_bytes())
                .then_some(pid)
        })
        .collect()
}

/// `kill -9` on the parent gives it no chance to clean up; its workers, busy with slices that
/// would take minutes, must notice and end themselves.
#[cfg(target_os = "linux")]
#[test]
fn workers_end_when_the_parent_is_killed() {
    use std::time::{Duration, Instant};
    let marker = format!("killed-{}", std::process::id());
    let mut parent =
        std::process::Command::new(assert_cmd::cargo::cargo_bin("compute_multiprocessing"))
            .args(["--workers", "2", "--num", "10000000000"])
            .env("CH07_KILL_MARKER", &marker)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
    // Wait until both workers exist (the parent plus two processes carry the marker).
    let t0 = Instant::now();
    while processes_with("CH07_KILL_MARKER", &marker).len() < 3 {
        assert!(
            t0.elapsed() < Duration::from_secs(20),
            "workers never started"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // Give the workers a moment to receive their slices and start computing.
    std::thread::sleep(Duration::from_millis(300));
    parent.kill().unwrap();
    parent.wait().unwrap();
    // Each worker's slice is minutes of work; well before that they must be gone.
    let t0 = Instant::now();
    loop {
        let left = processes_with("CH07_KILL_MARKER", &marker);
        if left.is_empty() {
            break;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(10),
            "workers {left:?} outlived their parent"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn bad_flags_exit_2_with_one_line() {
    course_kit::testing::assert_bad_flags(
        "compute_multiprocessing",
        &[
            &["--workers", "0"][..],
            &["--workers", "two"],
            &["--workers", "-1"],
            &["--workers", "100000"],
            &["--num", "0"],
            &["--num", "lots"],
            &["--nope"],
        ],
    );
}
