//! `async_redis` against a real Redis that each test starts (see `servers/redis.rs`): every item
//! through the list exactly once, the two ways of sharing connections, and the faults.
#![cfg(unix)]

mod common;
mod servers;

use std::io::Read;
use std::process::Command;
use std::time::{Duration, Instant};

use course_kit::testing::run;
use servers::redis::Redis;

const BIN: &str = "async_redis";

#[test]
fn every_item_is_processed_exactly_once() {
    let Some(server) = Redis::start("every_item_is_processed_exactly_once", None) else {
        return;
    };
    let url = server.url();
    let args = ["--time-scale", "0.02", "--seed", "7", "--items", "20"];
    let args = [
        &args[..],
        &["--tasks", "20", "--commands", "50", "--redis-url", &url],
    ]
    .concat();
    let (out, err, code) = run(BIN, &args);
    assert_eq!(code, Some(0), "{out}{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "App started.");

    // Both producers made items 1..=20, so each square was pushed twice: it must be popped
    // exactly twice, no item lost, none delivered twice.
    let mut generated: Vec<u64> = lines
        .iter()
        .filter_map(|l| l.strip_prefix(" -- generated item "))
        .map(|idx| idx.parse::<u64>().unwrap().pow(2))
        .collect();
    let mut processed: Vec<u64> = lines
        .iter()
        .filter_map(|l| l.strip_prefix(" +++ Processed value "))
        .map(|rest| rest.split(' ').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(generated.len(), 40, "{out}");
    generated.sort_unstable();
    processed.sort_unstable();
    assert_eq!(processed, generated, "{out}");
    // Processed soon after it was made, as in async_program (ages "after 0.01 sec.").
    for line in lines.iter().filter(|l| l.starts_with(" +++")) {
        let age: f64 = line.rsplit(' ').nth(1).unwrap().parse().unwrap();
        assert!((0.0..1.0).contains(&age), "{line}");
    }
    // Nothing is left on the list, and the key the tasks read is gone.
    let mut redis = redis::Client::open(url.as_str())
        .unwrap()
        .get_connection()
        .unwrap();
    let left: usize = redis::cmd("LLEN")
        .arg("async_redis:queue")
        .query(&mut redis)
        .unwrap();
    let keys: Vec<String> = redis::cmd("KEYS").arg("*").query(&mut redis).unwrap();
    assert_eq!((left, keys.len()), (0, 0), "{keys:?}");

    let exiting = lines
        .iter()
        .position(|l| l.starts_with("App exiting, total time: "));
    let exiting = exiting.expect("the course's last line");
    assert_eq!(
        lines[exiting + 1..]
            .iter()
            .map(|l| l.split(" in ").next().unwrap())
            .collect::<Vec<_>>(),
        [
            "20 tasks, one multiplexed connection: 1,000 GETs",
            "20 tasks, a connection each: 1,000 GETs"
        ],
        "{out}"
    );
}

#[test]
fn no_server_and_a_wrong_password_are_one_line() {
    // A port nothing listens on: bound, then closed.
    let port = servers::free_port();
    let url = format!("redis://127.0.0.1:{port}");
    let (out, err, code) = run(BIN, &["--redis-url", &url]);
    assert_eq!(code, Some(1), "{out}{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("Connection refused") && err.contains("apt-get install redis-server"),
        "{err}"
    );
    assert!(out.is_empty(), "{out}");

    let Some(server) = Redis::start(
        "no_server_and_a_wrong_password_are_one_line",
        Some("secret"),
    ) else {
        return;
    };
    let port = server.port();
    for (url, says) in [
        (
            format!("redis://:wrong@127.0.0.1:{port}"),
            "Password authentication failed",
        ),
        (format!("redis://127.0.0.1:{port}"), "NOAUTH"),
    ] {
        let (out, err, code) = run(BIN, &["--redis-url", &url]);
        assert_eq!(code, Some(1), "{out}{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(says), "{err}");
        assert!(out.is_empty(), "nothing starts: {out}");
    }
    // The right password works, so the two failures above were the password's.
    let args = [
        "--time-scale",
        "0",
        "--items",
        "2",
        "--tasks",
        "2",
        "--commands",
        "2",
    ];
    let url = format!("redis://:secret@127.0.0.1:{port}");
    let (out, err, code) = run(BIN, &[&args[..], &["--redis-url", &url]].concat());
    assert_eq!(code, Some(0), "{out}{err}");
}

#[test]
fn a_server_killed_mid_run_fails_the_items_in_flight() {
    let Some(mut server) = Redis::start("a_server_killed_mid_run_fails_the_items_in_flight", None)
    else {
        return;
    };
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_async_redis"));
    cmd.args(["--time-scale", "0.1", "--items", "20", "--timeout", "5"])
        .args(["--redis-url", &server.url()]);
    let mut started =
        course_kit::testing::spawn_until(&mut cmd, |out| out.contains("Processed value 4 "));
    let t0 = Instant::now();
    server.kill();
    let status = servers::wait_at_most(&mut started.child, Duration::from_secs(10));
    let mut out = started.out;
    started.stdout.read_to_string(&mut out).unwrap();
    let err = started.err.join().unwrap();
    assert_eq!(status, Some(1), "exit 1 within 10 s: {out}{err}");
    assert!(t0.elapsed() < Duration::from_secs(10));
    // Each task names the item it was at: the producers' next push, the consumer's next pop.
    assert_eq!(err.matches(": not queued: ").count(), 2, "{err}");
    assert_eq!(err.matches(": not received: ").count(), 1, "{err}");
    assert!(
        err.ends_with("error: the queue did not deliver every item\n"),
        "{err}"
    );
    assert!(!out.contains("App exiting"), "{out}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn a_server_that_stops_answering_fails_within_the_timeout() {
    let test = "a_server_that_stops_answering_fails_within_the_timeout";
    let Some(mut server) = Redis::start(test, None) else {
        return;
    };
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_async_redis"));
    cmd.args(["--time-scale", "0.1", "--items", "20", "--timeout", "1"])
        .args(["--redis-url", &server.url()]);
    let mut started =
        course_kit::testing::spawn_until(&mut cmd, |out| out.contains("Processed value 4 "));
    let t0 = Instant::now();
    server.freeze();
    let status = servers::wait_at_most(&mut started.child, Duration::from_secs(10));
    let err = started.err.join().unwrap();
    // The producers' pushes wait 1 s for an answer, the consumer's pop 1 s past its own 1 s.
    assert_eq!(status, Some(1), "exit 1: {err}");
    assert!(t0.elapsed() < Duration::from_secs(5), "{:?}", t0.elapsed());
    assert_eq!(err.matches(": not queued: ").count(), 2, "{err}");
    assert_eq!(err.matches(": not received: ").count(), 1, "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn bad_flags_exit_2() {
    common::assert_bad_flags(
        BIN,
        &[
            &["--items", "0"],
            &["--items", "1001"],
            &["--tasks", "0"],
            &["--tasks", "501"],
            &["--commands", "0"],
            &["--timeout", "0"],
            &["--seed", "-1"],
            &["--redis-url", "http://127.0.0.1:6379"],
        ],
    );
}

#[test]
fn a_closed_output_pipe_ends_it_quietly() {
    let Some(server) = Redis::start("a_closed_output_pipe_ends_it_quietly", None) else {
        return;
    };
    let args = ["--time-scale", "0.01", "--redis-url", &server.url()];
    course_kit::testing::assert_quiet_on_broken_pipe(BIN, &args);
}
