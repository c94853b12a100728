//! The small concept programs: count_async, rand_async, lazy_futures, task_group, to_thread,
//! async_files, async_stream.

mod common;

use common::run;

#[test]
fn count_async_overlaps_the_three_sleeps() {
    let r = run("count_async", &["--time-scale", "0.01"]);
    assert_eq!(r.code, Some(0), "{r:?}");
    let lines = r.lines();
    // Run one after the other, it would print One Two One Two One Two.
    assert_eq!(lines[..6], ["One", "One", "One", "Two", "Two", "Two"]);
    assert!(lines[6].starts_with("count_async executed in ") && lines[6].ends_with(" seconds."));
    assert_eq!(lines.len(), 7);
}

/// The lines of one task, and its final value.
fn task_lines(out: &str, idx: u32) -> (Vec<String>, u32) {
    let me = format!("makerandom({idx})");
    let lines: Vec<String> = out
        .lines()
        .filter(|l| l.contains(&me))
        .map(str::to_owned)
        .collect();
    let last = lines.last().unwrap();
    let value = last
        .strip_prefix(&format!("---> Finished: {me} == "))
        .unwrap_or_else(|| panic!("{last}"))
        .parse()
        .unwrap();
    (lines, value)
}

#[test]
fn rand_async_each_task_stops_above_its_threshold_and_gather_keeps_order() {
    let r = run("rand_async", &["--time-scale", "0.001", "--seed", "444"]);
    assert_eq!(r.code, Some(0), "{r:?}");
    let mut values = Vec::new();
    for idx in 0..3 {
        let threshold = 9 - idx;
        let (lines, value) = task_lines(&r.out, idx);
        assert_eq!(lines[0], format!("Initiated makerandom({idx})."));
        assert!(value > threshold && value <= 10, "{value}");
        for retry in &lines[1..lines.len() - 1] {
            let low: u32 = retry
                .strip_prefix(&format!("makerandom({idx}) == "))
                .and_then(|s| s.strip_suffix(" too low; retrying."))
                .unwrap()
                .parse()
                .unwrap();
            assert!(low <= threshold);
        }
        values.push(value);
    }
    assert_eq!(
        r.lines().last().unwrap().to_string(),
        format!("r1: {}, r2: {}, r3: {}", values[0], values[1], values[2])
    );
    // The same seed repeats every task's draws, whatever the interleaving.
    let again = run("rand_async", &["--time-scale", "0", "--seed", "444"]);
    for idx in 0..3 {
        assert_eq!(task_lines(&r.out, idx), task_lines(&again.out, idx));
    }
}

#[test]
fn lazy_futures_run_only_when_awaited_or_spawned() {
    let r = run("lazy_futures", &["--time-scale", "0.01"]);
    assert_eq!(r.code, Some(0), "{r:?}");
    // Strip the "[ 0.00s] " timestamps.
    let lines: Vec<&str> = r
        .out
        .lines()
        .map(|l| l.split_once("] ").unwrap().1)
        .collect();
    let pos = |s: &str| {
        lines
            .iter()
            .position(|l| *l == s)
            .unwrap_or_else(|| panic!("{s}: {lines:#?}"))
    };
    assert!(
        !lines.contains(&"  A: started"),
        "a dropped future never runs"
    );
    // Awaited futures run inline: B completes before main resumes; C completes before D starts.
    assert!(pos("  B: finished") < pos("   main resumes after B has finished"));
    assert!(pos("  C: finished") < pos("  D: started"));
    // Spawned tasks: main carries on before they start, and they overlap.
    assert!(pos("   main: both spawned, and main keeps going") < pos("  E: started"));
    assert!(pos("  F: started") < pos("  E: finished"));
    assert!(lines.last().unwrap().starts_with("   main: joined E and F"));
}

/// The number after `marker` on the line that has it.
fn number_after(text: &str, marker: &str) -> usize {
    text.split(marker)
        .nth(1)
        .unwrap_or_else(|| panic!("no {marker:?} in {text}"))
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

#[test]
fn task_group_gather_lets_siblings_run_and_the_group_cancels_them() {
    let r = run("task_group", &["--time-scale", "0.05"]);
    assert_eq!(r.code, Some(0), "{r:?}");
    let (part1, rest) = r.out.split_once("2. gather").unwrap();
    let (part2, part3) = rest.split_once("3. the same jobs in a task group").unwrap();

    assert!(
        part1.contains("results in job order (like gather): [1, 4, 9, 16, 25]"),
        "{part1}"
    );
    // Finished in order of length, not of spawning: job 4 (the shortest) first.
    let done: Vec<&str> = part1.lines().filter(|l| l.contains(" done -> ")).collect();
    assert_eq!(done.len(), 5);
    assert!(done[0].contains("job 4 "), "{done:?}");

    // gather: the failure comes back, and nothing is cancelled: every sibling finishes, those
    // still running when gather returned included.
    assert!(
        part2.contains("gather returned at once with: job 3 failed on purpose; still running: "),
        "{part2}"
    );
    let still_running = number_after(part2, "still running: ");
    let (_, after) = part2.split_once("still running: ").unwrap();
    assert_eq!(
        after.matches(" done -> ").count(),
        still_running,
        "the tasks running when gather returned all finished afterwards: {part2}"
    );
    assert_eq!(part2.matches(" done -> ").count(), 4, "{part2}");
    assert!(!part2.contains("job 3 done"), "{part2}");
    assert!(
        !part2.lines().any(|l| l.ends_with(" cancelled")),
        "gather cancels nothing: {part2}"
    );
    assert!(part2.contains("gather cancelled nothing"), "{part2}");

    // TaskGroup: the failure cancels every sibling still running.
    assert!(
        part3.contains("job 3 failed on purpose: cancelling the "),
        "{part3}"
    );
    let running = number_after(part3, "cancelling the ");
    let cancelled = part3.matches(" cancelled").count();
    assert_eq!(
        cancelled, running,
        "every running sibling is cancelled: {part3}"
    );
    let finished = part3.matches(" done -> ").count();
    assert_eq!(
        finished + cancelled,
        4,
        "each sibling either finished first or was cancelled"
    );
    assert!(part3.contains("the group ended with: job 3 failed on purpose"));
}

#[test]
fn to_thread_keeps_the_runtime_responsive() {
    let r = run("to_thread", &["--time-scale", "0.2"]);
    assert_eq!(r.code, Some(0), "{r:?}");
    let ticks: Vec<usize> = r
        .out
        .lines()
        .filter_map(|l| l.split("ticks during the call: ").nth(1))
        .map(|n| n.parse().unwrap())
        .collect();
    assert_eq!(ticks.len(), 2, "{}", r.out);
    assert_eq!(
        ticks[0], 0,
        "a blocking call inline freezes the only thread"
    );
    assert!(
        ticks[1] >= 1,
        "spawn_blocking leaves the runtime free to tick"
    );
}

#[test]
fn async_files_writes_reads_and_cleans_up() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_str().unwrap();
    let r = run("async_files", &["--dir", path, "--lines", "500"]);
    assert_eq!(r.code, Some(0), "{r:?}");
    assert_eq!(r.out.matches("  wrote ").count(), 3);
    assert_eq!(r.out.matches(": 500 lines, ").count(), 3);
    assert_eq!(r.out.matches("contents OK").count(), 3);
    assert!(r.out.contains("Removed the 3 files."));
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "nothing left behind"
    );
}

/// Ctrl-C in the middle of writing: the work stops, and the files are removed (exit 130).
#[cfg(unix)]
#[test]
fn async_files_leaves_nothing_after_ctrl_c() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_str().unwrap();
    let args = ["--dir", path, "--lines", "1000000"]; // seconds of writing
    let ready = "Writing 3 files";
    let settle = std::time::Duration::from_millis(200);
    let (out, err, code) =
        course_kit::testing::interrupt_after("async_files", &args, ready, settle);
    assert_eq!(code, Some(130), "{out}{err}");
    assert!(!out.contains("Removed"), "stopped mid-run: {out}");
    let left = std::fs::read_dir(dir.path()).unwrap().count();
    assert_eq!(left, 0, "files left behind after Ctrl-C");
}

/// `async_files | head -n 1`: the closed pipe ends the program quietly, and the files are removed.
#[test]
fn async_files_leaves_nothing_after_a_closed_pipe() {
    use std::io::BufRead as _;
    let dir = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_async_files"))
        .args(["--dir", dir.path().to_str().unwrap(), "--lines", "1000000"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // `head -n 1`: read the first line, then close the pipe while the files are being written.
    let mut first = String::new();
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    stdout.read_line(&mut first).unwrap();
    assert!(first.starts_with("Writing 3 files"), "{first}");
    drop(stdout);
    let status = child.wait().unwrap();
    assert_eq!(
        status.code(),
        Some(141),
        "quiet, as a shell reports SIGPIPE"
    );
    let left = std::fs::read_dir(dir.path()).unwrap().count();
    assert_eq!(left, 0, "files left behind after a closed pipe");
}

#[test]
fn async_files_reports_a_bad_dir_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope");
    let r = run("async_files", &["--dir", missing.to_str().unwrap()]);
    assert_eq!(r.code, Some(1));
    assert_eq!(r.err.lines().count(), 1, "{}", r.err);
    assert!(r.err.starts_with("error: --dir ") && r.err.contains("not an existing directory"));
}

#[test]
fn bad_flags_exit_2() {
    for bin in [
        "count_async",
        "rand_async",
        "lazy_futures",
        "task_group",
        "to_thread",
        "async_stream",
    ] {
        common::assert_bad_flags(bin, &[&["--time-scale", "x"], &["--nope"]]);
    }
    common::assert_bad_flags("rand_async", &[&["--seed", "-1"]]);
    common::assert_bad_flags(
        "async_files",
        &[
            &["--lines", "0"],
            &["--lines", "1000001"],
            &["--dir"],
            &["--nope"],
        ],
    );
}

#[test]
fn async_stream_yields_what_simple_gen_does_lazily() {
    let r = run("async_stream", &["--time-scale", "0.001"]);
    assert_eq!(r.code, Some(0), "{r:?}");
    // The same values as the Iterator, and the stream stops where the consumer stops asking.
    let sync = run("simple_gen", &[]);
    assert_eq!(r.out, sync.out);
    assert_eq!(
        r.out,
        "1, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233, 377, 610, 987, 1597, 2584, 4181, 6765, 10946, \nDone\n"
    );
}

#[test]
fn async_stream_waits_between_its_values() {
    // 20 pauses of 0.1 s × 0.2 = 0.4 s at least; the Iterator would take no time.
    let t0 = std::time::Instant::now();
    let r = run("async_stream", &["--time-scale", "0.2"]);
    assert_eq!(r.code, Some(0), "{r:?}");
    assert!(
        t0.elapsed() >= std::time::Duration::from_millis(400),
        "{:?}",
        t0.elapsed()
    );
}
