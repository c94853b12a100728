//! Runs the real `threaded_prod` and `cooperative_stop` binaries both ways: to the end with stdin
//! at end-of-file, and cancelled by a newline on stdin (and by Ctrl-C). `threaded_prod` cancels as
//! the course does (main returns, the process ends, Ctrl-C takes the default action);
//! `cooperative_stop` tells its workers to stop, joins them, and handles Ctrl-C.

/// Both programs print the same lines.
const BOTH: [&str; 2] = ["threaded_prod", "cooperative_stop"];

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use course_kit::testing::{self, Output};

fn run(bin: &str, args: &[&str]) -> Output {
    // stdin at end-of-file at once (like `< /dev/null`), which is not a cancel request.
    testing::run(bin, args)
}

fn squares_twice(items: u64) -> Vec<u64> {
    let mut v: Vec<u64> = (1..=items).chain(1..=items).map(|i| i * i).collect();
    v.sort_unstable();
    v
}

#[test]
fn end_of_file_on_stdin_is_not_a_cancel_and_everything_is_processed() {
    for bin in BOTH {
        end_of_file_runs_to_the_end(bin);
    }
}

fn end_of_file_runs_to_the_end(bin: &str) {
    let (out, err, code) = run(bin, &["--time-scale", "0.01", "--seed", "3"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(!out.contains("Cancelling"), "{out}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "App started.");
    assert!(out.contains("Press enter to cancel..."));
    assert!(
        lines
            .last()
            .unwrap()
            .starts_with("App exiting, total time: ")
    );

    // Each producer makes 1..=20 in order; the two interleave.
    let generated: Vec<u64> = lines
        .iter()
        .filter_map(|l| l.strip_prefix(" -- generated item ")?.parse().ok())
        .collect();
    assert_eq!(generated.len(), 40);
    let mut sorted = generated.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, (1..=20).flat_map(|i| [i, i]).collect::<Vec<_>>());

    // Every item made is processed exactly once.
    let mut processed: Vec<u64> = lines
        .iter()
        .filter_map(|l| {
            let rest = l.strip_prefix(" +++ Processed value ")?;
            rest.split_once(" after ")?.0.parse().ok()
        })
        .collect();
    processed.sort_unstable();
    assert_eq!(processed, squares_twice(20));

    // The consumer works while the producers do: processing starts long before generation ends.
    let first_processed = lines.iter().position(|l| l.contains("Processed")).unwrap();
    let last_generated = lines.iter().rposition(|l| l.contains("generated")).unwrap();
    assert!(first_processed < last_generated, "{out}");
}

/// Starts the binary at the course's own speed (a whole run takes ~20 s) with stdin open, and
/// waits for its first generated item.
fn start_and_wait_for_first_item(
    exe: &str,
) -> (Child, BufReader<std::process::ChildStdout>, Vec<String>) {
    let mut child = Command::new(exe)
        .args(["--seed", "1"])
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut seen = Vec::new();
    let found = loop {
        let mut line = String::new();
        if stdout.read_line(&mut line).unwrap() == 0 {
            break false;
        }
        let generated = line.starts_with(" -- generated item");
        seen.push(line);
        if generated {
            break true;
        }
    };
    if !found {
        child.kill().ok();
        child.wait().ok();
        panic!("ended before generating anything: {seen:?}");
    }
    (child, stdout, seen)
}

/// Reads the rest of stdout and waits for the exit; returns all lines, the exit code, stderr and
/// the time it took.
fn finish(
    mut child: Child,
    mut stdout: BufReader<std::process::ChildStdout>,
    mut seen: Vec<String>,
    since: Instant,
) -> (Vec<String>, std::process::ExitStatus, String, Duration) {
    let mut line = String::new();
    while stdout.read_line(&mut line).unwrap() > 0 {
        seen.push(std::mem::take(&mut line));
    }
    let status = child.wait().unwrap();
    let took = since.elapsed();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    (seen, status, err, took)
}

/// The program ended promptly with its summary, and the run did not reach its end.
/// (Whether `Cancelling on your request!` is printed depends on what cancelled: see the tests.)
fn assert_cancelled_cleanly(lines: &[String], took: Duration, joined: bool) {
    // Workers sleep up to 1.5 s at a time: ending well within that shows that main did not wait
    // for them (threaded_prod) or that their sleeps were cut short (cooperative_stop). 2 s is
    // generous, to tolerate a loaded machine.
    assert!(
        took < Duration::from_secs(2),
        "took {took:?} after the request"
    );
    let summary = lines
        .iter()
        .rposition(|l| l.starts_with("App exiting, total time: "))
        .unwrap_or_else(|| panic!("no summary: {lines:?}"));
    // Joined workers print nothing after it; threaded_prod's threads live on until the process
    // ends, as the course's daemon threads do, so one of them may slip a line out after it.
    let after = if joined { 0 } else { 1 };
    assert!(lines.len() - 1 - summary <= after, "{lines:?}");
    let processed = lines
        .iter()
        .filter(|l| l.contains("Processed value"))
        .count();
    assert!(processed < 40, "it did not run to the end: {lines:?}");
}

#[test]
fn a_newline_on_stdin_cancels_and_the_program_ends_promptly() {
    for (exe, joined) in [
        (env!("CARGO_BIN_EXE_threaded_prod"), false),
        (env!("CARGO_BIN_EXE_cooperative_stop"), true),
    ] {
        newline_cancels(exe, joined);
    }
}

fn newline_cancels(exe: &str, joined: bool) {
    let (mut child, stdout, seen) = start_and_wait_for_first_item(exe);
    // Keep stdin open after the newline, so it is the line, not end-of-file, that cancels.
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"\n").unwrap();
    stdin.flush().unwrap();
    let sent = Instant::now();
    let (lines, status, err, took) = finish(child, stdout, seen, sent);
    drop(stdin);
    assert_eq!(status.code(), Some(0), "{exe}: {err}");
    assert_cancelled_cleanly(&lines, took, joined);
    assert!(
        lines.iter().any(|l| l == "Cancelling on your request!\n"),
        "{lines:?}"
    );
    assert!(!err.contains("Ctrl-C"), "{err}");
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_cooperative_stop_cleanly_with_the_summary() {
    let (child, stdout, seen) =
        start_and_wait_for_first_item(env!("CARGO_BIN_EXE_cooperative_stop"));
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let sent = Instant::now();
    let (lines, status, err, took) = finish(child, stdout, seen, sent);
    assert_eq!(status.code(), Some(130), "the shell's exit code for Ctrl-C");
    assert_cancelled_cleanly(&lines, took, true);
    // The workspace's one Ctrl-C message, on stderr; the course's Enter message is not printed.
    assert!(err.contains("Cancelled by Ctrl-C."), "{err}");
    assert!(
        !lines
            .iter()
            .any(|l| l.contains("Cancelling on your request!")),
        "{lines:?}"
    );
}

/// Ctrl-C is not threaded_prod's lesson: it takes the default action, and the process dies by
/// the signal with no summary (a shell reports 130).
#[cfg(unix)]
#[test]
fn ctrl_c_ends_threaded_prod_by_the_default_action() {
    use std::os::unix::process::ExitStatusExt;
    let (child, stdout, seen) = start_and_wait_for_first_item(env!("CARGO_BIN_EXE_threaded_prod"));
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let (lines, status, err, took) = finish(child, stdout, seen, Instant::now());
    assert_eq!(status.signal(), Some(2), "killed by SIGINT: {status:?}");
    assert!(took < Duration::from_secs(2), "{took:?}");
    assert!(
        !lines.iter().any(|l| l.starts_with("App exiting")),
        "{lines:?}"
    );
    assert!(err.is_empty(), "{err}");
}

#[test]
fn bad_flags_exit_2_with_one_line() {
    for bin in BOTH {
        course_kit::testing::assert_bad_flags(
            bin,
            &[
                &["--items", "many"][..],
                &["--items", "0"],
                &["--items", "101"],
                &["--items", "99999999999"],
                &["--time-scale", "-1"],
                &["--nope"],
            ],
        );
    }
}

#[test]
fn the_items_flag_sets_how_many_each_producer_makes() {
    for bin in BOTH {
        let (out, err, code) = run(bin, &["--time-scale", "0", "--items", "100"]);
        assert_eq!(code, Some(0), "{bin}: {err}");
        assert_eq!(out.matches("generated item").count(), 200, "{bin}");
        assert_eq!(out.matches("Processed value").count(), 200, "{bin}");
    }
}
