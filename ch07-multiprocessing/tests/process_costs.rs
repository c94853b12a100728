//! Runs the real `process_costs` binary, small: each worker process reports its cost, the course's
//! integers come back, and `--timeline` charts the threads and the processes.

use course_kit::testing::{self, Output};

/// One run at a time: the timeline test needs both workers busy at once, not queued behind another
/// run's.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn run(args: &[&str]) -> Output {
    let _turn = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    testing::run("process_costs", args)
}

#[test]
fn bad_flags_exit_2_with_one_line() {
    course_kit::testing::assert_bad_flags(
        "process_costs",
        &[
            &["--workers", "0"][..],
            &["--num", "x"],
            &["--workers", "9999"],
            &["--num", "99999999999"],
            &["--rounds", "2"],
        ],
    );
}

/// The new pool, task by task: each slice in a worker process other than the parent, with its
/// cost; the course's integers come back whichever worker ran which slice.
#[test]
fn each_slice_runs_in_a_worker_process_that_reports_its_cost() {
    let (out, err, code) = run(&["--workers", "3", "--num", "3000000"]);
    assert_eq!(code, Some(0), "{err}");
    let startup = out
        .lines()
        .find(|l| l.starts_with("Pool start-up: 3 worker processes ready in "))
        .unwrap_or_else(|| panic!("no start-up line in\n{out}"));
    let parent: u32 = startup
        .rsplit("parent PID ")
        .next()
        .unwrap()
        .trim_end_matches('.')
        .parse()
        .unwrap();
    let tasks: Vec<&str> = out.lines().filter(|l| l.starts_with("  task ")).collect();
    assert_eq!(tasks.len(), 3, "{out}");
    let mut pids = Vec::new();
    for (n, line) in (1..).zip(&tasks) {
        assert!(line.starts_with(&format!("  task  {n}: steps ")), "{line}");
        let pid: u32 = line
            .split(" in PID ")
            .nth(1)
            .and_then(|rest| rest.split(',').next())
            .unwrap()
            .parse()
            .unwrap();
        assert_ne!(pid, parent, "a worker is another process: {line}");
        pids.push(pid);
        let mb: f64 = line
            .rsplit("peak memory ")
            .next()
            .and_then(|m| m.strip_suffix(" MB"))
            .unwrap_or_else(|| panic!("{line}"))
            .parse()
            .unwrap();
        if cfg!(target_os = "linux") {
            // A worker holds this small binary and a few buffers: a few MB, not a copy of the parent.
            assert!(mb > 0.0 && mb < 64.0, "{line}");
        }
    }
    assert_eq!(
        tasks[1]
            .split(": steps ")
            .nth(1)
            .and_then(|l| l.split(" in PID").next()),
        Some("1,000,000 .. 2,000,000")
    );
    // Which worker takes which task is up to the pool: a quick one may take two.
    assert!(pids.len() == 3, "{out}");
    // The course's Python gives these for 3,000,000 steps on 3 processes (computed once with
    // CPython and embedded here).
    assert!(
        out.lines().any(|l| l == "Results: 499999, 250000, 500000"),
        "{out}"
    );
    assert!(!out.contains('\x1b'), "no colour when piped");
}

/// `--timeline`: a chart of the threads, then one of the worker processes; with two workers on
/// their slices at once, each band is two rows deep.
#[test]
fn timeline_draws_the_threads_and_the_worker_processes() {
    // Slices of 10,000,000 steps (0.1 s in a debug build): both workers are busy at once.
    let (out, err, code) = run(&["--timeline", "--workers", "2", "--num", "20000000"]);
    assert_eq!(code, Some(0), "{err}");
    let threads_at = out
        .find("Threads (as in ch05's compute_threaded)")
        .expect("threads chart");
    let procs_at = out
        .find("Worker processes, one row per task")
        .expect("processes chart");
    assert!(threads_at < procs_at, "{out}");
    let threads = testing::chart(&out[threads_at..procs_at]);
    // Rows come in order of start, and either thread may start first.
    let mut labels = threads.labels();
    labels.sort_unstable();
    assert_eq!(labels, ["thread 1", "thread 2"], "{out}");
    let procs = testing::chart(&out[procs_at..]);
    assert_eq!(procs.rows.len(), 2, "{out}");
    let pids: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("  task "))
        .filter_map(|l| l.split(" in PID ").nth(1)?.split(',').next())
        .collect();
    for row in &procs.rows {
        assert!(row.label.starts_with("task "), "{row:?}");
        let pid = row.label.split(", PID ").nth(1).map(str::trim);
        assert!(
            pid.is_some_and(|p| pids.contains(&p)),
            "{row:?} is one of {pids:?}"
        );
    }
    for chart in [&threads, &procs] {
        let (a, b) = (&chart.rows[0].columns, &chart.rows[1].columns);
        assert!(a.iter().any(|c| b.contains(c)), "the two overlap:\n{out}");
    }
    assert_eq!(
        out.lines().last(),
        Some("2 workers, at most 2 running at once"),
        "{out}"
    );
}
