//! `async_postgres` against a real PostgreSQL that each test starts (see `servers/postgres.rs`):
//! the timing shapes of the three ways, the pool too small for its tasks, and the faults.
#![cfg(unix)]

mod common;
mod servers;

use std::io::Read;
use std::process::Command;
use std::time::{Duration, Instant};

use course_kit::testing::run;
use servers::postgres::Postgres;

const BIN: &str = "async_postgres";

/// The elapsed seconds on the line that starts with `label`.
fn secs(out: &str, label: &str) -> f64 {
    let line = out
        .lines()
        .find(|l| l.starts_with(label))
        .unwrap_or_else(|| panic!("no `{label}` line: {out}"));
    let (_, t) = line.rsplit_once(" in ").expect("`… in T sec.`");
    t.trim_end_matches(" sec.").parse().expect("seconds")
}

#[test]
fn a_pool_runs_its_connections_queries_at_once() {
    let Some(pg) = Postgres::start("a_pool_runs_its_connections_queries_at_once", 20) else {
        return;
    };
    // 10 queries of 0.3 s each; a pool of 5.
    let args = ["--time-scale", "0.3", "--queries", "10", "--pool-size", "5"];
    let (out, err, code) = run(BIN, &[&args[..], &["--database-url", &pg.url()]].concat());
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.starts_with("10 queries of 0.30 s each"), "{out}");
    // One at a time, or one connection shared: at least 10 × 0.3 s (a printed 2.995 is "3.00").
    let serial = secs(&out, "One connection, one query at a time: 10 queries");
    let shared = secs(&out, "10 tasks sharing one connection: 10 queries");
    assert!(serial >= 2.99 && shared >= 2.99, "{out}");
    // The pool, its 5 connections opened first: ⌈10 ÷ 5⌉ × 0.3 = 0.6 s, plus slack for a busy machine.
    let pooled = secs(&out, "10 tasks over a pool of 5: 10 queries");
    assert!((0.59..1.2).contains(&pooled), "{out}");
    // The pool of 1 for 3 tasks, a wait limit of 1.5 × 0.3 s: two run, the third gives up.
    assert!(
        out.contains("waiting at most 0.45 s for a connection: 2 queries ran, 1 gave up: Timeout occurred while waiting for a slot"),
        "{out}"
    );
}

#[test]
fn a_wrong_password_is_one_line() {
    let Some(pg) = Postgres::start("a_wrong_password_is_one_line", 20) else {
        return;
    };
    let (out, err, code) = run(BIN, &["--database-url", &pg.url_with_password("wrong")]);
    assert_eq!(code, Some(1), "{out}{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("password authentication failed for user \"learner\""),
        "{err}"
    );
    assert!(out.is_empty(), "{out}");
}

#[test]
fn no_server_says_how_to_get_one() {
    // A port nothing listens on: bound, then closed.
    let port = servers::free_port();
    let url = format!("postgres://learner:secret@127.0.0.1:{port}/postgres");
    let (out, err, code) = run(BIN, &["--database-url", &url]);
    assert_eq!(code, Some(1), "{out}{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("Connection refused") && err.contains("apt-get install postgresql"),
        "{err}"
    );

    // No URL at all, and no DATABASE_URL: the same advice, before any connection is tried.
    let mut cmd = course_kit::testing::command(BIN);
    let (out, err, code) = course_kit::testing::output(cmd.env_remove("DATABASE_URL"));
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(
        err.starts_with("error: no server given: pass --database-url or set DATABASE_URL"),
        "{err}"
    );
    assert!(err.contains("docker run"), "{err}");
}

#[test]
fn a_server_stopped_mid_run_fails_each_query_in_flight() {
    let Some(mut pg) = Postgres::start("a_server_stopped_mid_run_fails_each_query_in_flight", 20)
    else {
        return;
    };
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_async_postgres"));
    cmd.args(["--time-scale", "0.2", "--queries", "10", "--timeout", "5"])
        .args(["--database-url", &pg.url()]);
    let mut started = course_kit::testing::spawn_until(&mut cmd, |out| out.contains("queries of"));
    // A few queries into the first, serial, stage (10 × 0.2 s).
    std::thread::sleep(Duration::from_millis(700));
    let t0 = Instant::now();
    pg.stop_immediately();
    let status = servers::wait_at_most(&mut started.child, Duration::from_secs(10));
    let mut out = started.out;
    started.stdout.read_to_string(&mut out).unwrap();
    let err = started.err.join().unwrap();
    assert_eq!(status, Some(1), "exit 1 within 10 s: {out}{err}");
    assert!(t0.elapsed() < Duration::from_secs(10));
    // Every query that was not done says why, then one summary line; no stage line, no panic.
    let failed: Vec<&str> = err.lines().filter(|l| l.starts_with("query ")).collect();
    assert!(!failed.is_empty() && failed.len() < 10, "{err}");
    assert!(
        failed
            .iter()
            .all(|l| l.contains("connection closed") || l.contains("db error")),
        "{err}"
    );
    assert!(
        err.contains("error: One connection, one query at a time: "),
        "{err}"
    );
    assert!(
        !out.contains("One connection, one query at a time: 10"),
        "{out}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn bad_flags_exit_2() {
    common::assert_bad_flags(
        BIN,
        &[
            &["--queries", "0"],
            &["--queries", "1001"],
            &["--pool-size", "0"],
            &["--pool-size", "101"],
            &["--timeout", "0"],
            &["--time-scale", "-1"],
            &["--database-url", "not a url"],
        ],
    );
}

#[test]
fn a_closed_output_pipe_ends_it_quietly() {
    let Some(pg) = Postgres::start("a_closed_output_pipe_ends_it_quietly", 20) else {
        return;
    };
    let args = ["--time-scale", "0.01", "--database-url", &pg.url()];
    course_kit::testing::assert_quiet_on_broken_pipe(BIN, &args);
}
