//! Runs the real `compute_multiprocessing` binary and checks its integers against the course's.
//!
//! The oracle values were printed by the course's Python (the `do_math` and slice bounds of
//! compute_multiprocessing.py, CPython 3, on this machine) for each worker count; P = 2 and P = 8
//! are also the values COURSE.md quotes. Python is not needed to run these tests.

#[cfg(target_os = "linux")]
use course_kit::testing::processes_with;
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

/// A worker process killed in the middle of its slice (as the OOM killer would) is a crash the
/// program did not cause: the test kills it from the outside, so the program needs no fault hook.
/// The parent reports that task, still prints every other slice's integer, and exits with 1.
#[cfg(target_os = "linux")]
#[test]
fn a_worker_process_killed_mid_slice_is_reported_and_the_others_still_return() {
    use std::io::Read;
    use std::time::{Duration, Instant};
    // Slices long enough (about 0.3 s of CPU each in a debug build) to be caught mid-way.
    const NUM: u64 = 240_000_000;
    let marker = format!("crash-{}-{}", std::process::id(), unique());
    let mut parent =
        std::process::Command::new(assert_cmd::cargo::cargo_bin("compute_multiprocessing"))
            .args(["--workers", "4", "--num", &NUM.to_string()])
            .env("NO_COLOR", "1")
            .env("CH07_CRASH_MARKER", &marker)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
    // Wait for a worker that has done some of its slice (30 ms of CPU time: it is computing, not
    // starting up), and kill it.
    let t0 = Instant::now();
    let victim = loop {
        let busy = processes_with("CH07_CRASH_MARKER", &marker)
            .into_iter()
            .filter(|&pid| pid != parent.id())
            .find(|&pid| cpu_ticks(pid).is_some_and(|t| t >= 3));
        if let Some(pid) = busy {
            break pid;
        }
        assert!(t0.elapsed() < Duration::from_secs(30), "no worker got busy");
        std::thread::sleep(Duration::from_millis(5));
    };
    let killed = std::process::Command::new("kill")
        .args(["-KILL", &victim.to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    // The serial oracle, computed while the program finishes: do_math itself is checked against
    // the course's Python integers in the library's tests.
    let expected: Vec<String> = ch07_multiprocessing::slices(NUM, 4)
        .into_iter()
        .map(|(start, end)| ch07_multiprocessing::do_math(start, end).to_string())
        .collect();
    let (mut out, mut err) = (String::new(), String::new());
    parent
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    parent
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let code = parent.wait().unwrap().code();
    assert_eq!(code, Some(1), "{out}\n{err}");
    let got = results(&out);
    assert_eq!(got.len(), 4, "{out}");
    let failed: Vec<usize> = (0..4).filter(|&i| got[i] != expected[i]).collect();
    assert_eq!(
        failed.len(),
        1,
        "exactly the killed worker's task fails:\n{out}"
    );
    let n = failed[0] + 1;
    assert_eq!(
        got[failed[0]],
        format!("task {n} failed: its worker process died")
    );
    assert!(
        err.lines().any(|l| l == "error: 1 of 4 tasks failed"),
        "{err}"
    );
    // The killed worker's replacement and the others are gone with the program.
    let survivors = processes_with("CH07_CRASH_MARKER", &marker);
    assert!(survivors.is_empty(), "left {survivors:?} running");
}

/// The CPU time (user, in clock ticks) a process has used, from `/proc/<pid>/stat`.
#[cfg(target_os = "linux")]
fn cpu_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // `pid (comm) state ppid … utime` — utime is the 12th field after the name's `)`.
    stat.rsplit_once(')')?
        .1
        .split_whitespace()
        .nth(11)?
        .parse()
        .ok()
}

/// A number no other run of these tests shares, for the environment markers.
#[cfg(target_os = "linux")]
fn unique() -> u128 {
    use std::time::{SystemTime, UNIX_EPOCH};
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

#[test]
fn factor_measures_one_thread_in_the_same_run() {
    let (out, err, code) = run(&["--factor", "--workers", "3", "--num", "3000000"]);
    assert_eq!(code, Some(0), "{err}");
    let lines: Vec<&str> = out.lines().collect();
    let one_thread: f64 = lines[0]
        .strip_prefix("One thread first, for the factor: ")
        .and_then(|l| l.strip_suffix(" sec."))
        .unwrap_or_else(|| panic!("{out}"))
        .parse()
        .unwrap();
    assert_eq!(lines[1], "Doing math on 3 processors.");
    // The course's perf/ line: `Done in {:,.2f} sec. (factor: {:,.2f}x)`.
    let (secs, factor) = lines[2]
        .strip_prefix("Done in ")
        .and_then(|l| l.strip_suffix("x)"))
        .and_then(|l| l.split_once(" sec. (factor: "))
        .unwrap_or_else(|| panic!("{}", lines[2]));
    for figure in [secs, factor] {
        assert!(
            figure.split_once('.').is_some_and(|(_, d)| d.len() == 2),
            "two decimals: {}",
            lines[2]
        );
    }
    let (secs, factor): (f64, f64) = (secs.parse().unwrap(), factor.parse().unwrap());
    assert!(one_thread >= 0.0 && secs >= 0.0 && factor > 0.0, "{out}");
    // Below 1 (the processes cost more than they saved here, or the cores were busy), one line
    // says so, before the course's results.
    let results_at = if lines[2].contains("(factor: 0.") {
        assert!(lines[3].starts_with("(A factor below 1: "), "{out}");
        4
    } else {
        3
    };
    assert_eq!(lines[results_at], "Our results: ");
    // The course's Python for 3,000,000 steps on 3 processes.
    assert_eq!(results(&out), ["499999", "250000", "500000"]);
}

#[test]
fn the_course_output_and_nothing_else() {
    let (out, err, code) = run(&["--workers", "3", "--num", "300000"]);
    assert_eq!(code, Some(0), "{err}");
    // The course prints these lines only; what the processes cost is process_costs'.
    assert_eq!(out.lines().count(), 3 + 3, "{out}");
    assert!(!out.contains('\x1b'), "no colour when piped");
}

/// Worker processes inherit the parent's environment, so a unique variable finds any of them
/// still alive after the parent has exited.
#[cfg(target_os = "linux")]
#[test]
fn no_worker_process_outlives_the_program() {
    let marker = format!("{}-{}", std::process::id(), unique());
    run_with_env(
        &["--workers", "3", "--num", "300000"],
        ("CH07_ORPHAN_MARKER", &marker),
    );
    let survivors = processes_with("CH07_ORPHAN_MARKER", &marker);
    assert!(survivors.is_empty(), "left {survivors:?} running");
    // After a crashed worker too: see a_worker_process_killed_mid_slice_is_reported…
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
            &["--num", "99999999999"],
            &["--timeline"],
            &["--nope"],
        ],
    );
}
