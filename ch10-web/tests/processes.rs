//! `--processes N` on both servers: the master and its workers on one listening socket, a worker
//! that dies, SIGTERM and SIGHUP under load, the master killed, the per-worker counts. (The
//! hostile clients with `--processes 2` are in `servers.rs`, beside the other modes.)

mod common;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use common::{SERVERS, Server, eventually, gone, raw, worker_pids};
use course_kit::site::{LocalSite, SiteConfig};

/// One request on a fresh connection (`Connection: close`, as Gunicorn's sync workers answer):
/// its status line's code, or 0 if it got none. A fresh connection each time lets the kernel
/// hand every request to any worker.
fn request(addr: &str, path: &str) -> u16 {
    let head = format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    let answer = raw(addr, head.as_bytes(), false, Duration::from_secs(20));
    answer
        .strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3)?.parse().ok())
        .unwrap_or(0)
}

/// Each `[worker N] Served M requests.` line: (N, M).
fn counts(out: &str) -> Vec<(u32, u64)> {
    out.lines()
        .filter_map(|l| {
            let (id, rest) = l.strip_prefix("[worker ")?.split_once("] Served ")?;
            let n = rest.strip_suffix(" requests.")?.replace(',', "");
            Some((id.parse().ok()?, n.parse().ok()?))
        })
        .collect()
}

/// The parent of process `pid`, from `/proc/<pid>/stat`.
fn parent(pid: u32) -> u32 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let after = stat.rsplit(')').next().unwrap();
    after.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn n_workers_all_serve_and_each_prints_its_count() {
    // Gunicorn's `-w 3` with a thread per connection, `-w 3 -k gthread --threads 2`, and
    // `uvicorn --workers 3`.
    for (bin, threads) in [
        ("cityscape_api", &[][..]),
        ("cityscape_api", &["--threads", "2"]),
        ("acityscape_api", &[]),
    ] {
        let mut args = vec!["--processes", "3", "--time-scale", "0.01"];
        args.extend_from_slice(threads);
        let server = Server::start(bin, &args);
        let bin = format!("{bin} {threads:?}");
        let workers = worker_pids(&server.banner);
        assert_eq!(workers.len(), 3, "{bin}: {}", server.banner);
        for pid in &workers {
            assert_eq!(parent(*pid), server.pid(), "{bin}: worker {pid}");
        }
        for id in 1..=3 {
            assert!(
                server.banner.contains(&format!(
                    "[worker {id}]  * Running on http://{}\n",
                    server.addr
                )),
                "{bin}: worker {id} on the master's socket\n{}",
                server.banner
            );
        }
        // Twenty clients at once, each request on a fresh connection.
        let (clients, each) = (20, 15);
        let barrier = Arc::new(Barrier::new(clients));
        let handles: Vec<_> = (0..clients)
            .map(|_| {
                let (barrier, addr) = (Arc::clone(&barrier), server.addr.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    (0..each)
                        .filter(|_| request(&addr, "/api/sun/97227/us") == 200)
                        .count()
                })
            })
            .collect();
        let answered: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
        assert_eq!(answered, clients * each, "{bin}");

        let (out, err, code) = server.stop("INT");
        assert_eq!(code, Some(130), "{bin}: {out}{err}");
        assert_eq!(
            err.trim(),
            "Cancelled by Ctrl-C.",
            "{bin}: once, from the master"
        );
        let mut counts = counts(&out);
        counts.sort_unstable();
        let ids: Vec<u32> = counts.iter().map(|(id, _)| *id).collect();
        assert_eq!(ids, [1, 2, 3], "{bin}: a count from each worker\n{out}");
        assert_eq!(
            counts.iter().map(|(_, n)| n).sum::<u64>(),
            (clients * each) as u64,
            "{bin}\n{out}"
        );
        // The kernel handed connections to every worker (how evenly is the README's subject).
        assert!(counts.iter().all(|(_, n)| *n > 0), "{bin}: {counts:?}");
        let summary = format!(
            "Served 300 requests: worker 1 (pid {}) {}, worker 2 (pid {}) {}, worker 3 (pid {}) {}.",
            workers[0], counts[0].1, workers[1], counts[1].1, workers[2], counts[2].1
        );
        assert_eq!(out.lines().last(), Some(summary.as_str()), "{bin}\n{out}");
        assert!(workers.iter().all(|pid| gone(*pid)), "{bin}: {workers:?}");
    }
}

#[test]
fn a_killed_worker_is_replaced_while_the_others_answer() {
    for bin in SERVERS {
        let server = Server::start(bin, &["--processes", "2", "--time-scale", "0.01"]);
        let workers = worker_pids(&server.banner);
        common::send("KILL", workers[0]);
        assert!(
            eventually(Duration::from_secs(10), || common::reaped(workers[0])),
            "{bin}"
        );
        // The survivor answers at once, before and while the replacement boots.
        let started = Instant::now();
        for _ in 0..20 {
            assert_eq!(request(&server.addr, "/"), 200, "{bin}");
        }
        assert!(
            eventually(Duration::from_secs(10), || server
                .output_so_far()
                .contains("[worker 3]  * Running on")),
            "{bin}: no replacement after {:?}\n{}",
            started.elapsed(),
            server.output_so_far()
        );
        let replacement = worker_pids(&server.output_so_far());
        assert_eq!(replacement.len(), 1, "{bin}: one new worker");
        assert_eq!(parent(replacement[0]), server.pid());
        for _ in 0..20 {
            assert_eq!(request(&server.addr, "/"), 200, "{bin}");
        }

        let (out, err, code) = server.stop("TERM");
        assert_eq!(code, Some(143), "{bin}: {out}{err}");
        assert!(
            err.contains(&format!(
                "[master] worker 1 (pid {}) died (signal: 9 (SIGKILL)): starting worker 3",
                workers[0]
            )),
            "{bin}: {err}"
        );
        let served: u64 = counts(&out).iter().map(|(_, n)| n).sum();
        assert_eq!(served, 40, "{bin}: the survivor and the replacement\n{out}");
        assert!(
            out.lines().last().unwrap().contains(&format!(
                "worker 1 (pid {}) unknown, worker 2 (pid {}) ",
                workers[0], workers[1]
            )),
            "{bin}: {out}"
        );
        assert!(gone(workers[1]) && gone(replacement[0]), "{bin}");
    }
}

#[test]
fn sigterm_under_load_answers_what_is_in_flight_and_ends_every_process() {
    for bin in SERVERS {
        // The course's latencies: a request for the sun waits about 0.9 s upstream, inside the
        // grace period.
        let site = LocalSite::start(SiteConfig::default()).unwrap();
        let server = Server::start(
            bin,
            &["--processes", "2", "--base-url", site.url().as_str()],
        );
        let workers = worker_pids(&server.banner);
        let clients = 12;
        let barrier = Arc::new(Barrier::new(clients));
        let handles: Vec<_> = (0..clients)
            .map(|_| {
                let (barrier, addr) = (Arc::clone(&barrier), server.addr.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    request(&addr, "/api/sun/97227/us")
                })
            })
            .collect();
        // Every request is in flight: all are waiting upstream at once.
        assert!(
            eventually(Duration::from_secs(20), || site.peak_concurrency()
                >= clients),
            "{bin}: {}",
            site.peak_concurrency()
        );
        let stopping = Instant::now();
        let (out, err, code) = server.stop("TERM");
        let took = stopping.elapsed();
        assert_eq!(code, Some(143), "{bin}: {out}{err}");
        assert_eq!(err.trim(), "Stopped by SIGTERM.", "{bin}");
        let codes: Vec<u16> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        assert_eq!(codes, vec![200; clients], "{bin}: answered, not cut off");
        let served: u64 = counts(&out).iter().map(|(_, n)| n).sum();
        assert_eq!(served, clients as u64, "{bin}\n{out}");
        // Within the grace period (3 s) and the master's margin (2 s), with room for a loaded machine.
        assert!(took < Duration::from_secs(10), "{bin}: {took:?}");
        assert!(workers.iter().all(|pid| gone(*pid)), "{bin}: {workers:?}");
    }
}

#[test]
fn sighup_under_load_swaps_every_worker_and_fails_no_request() {
    for bin in SERVERS {
        let server = Server::start(bin, &["--processes", "2", "--time-scale", "0.01"]);
        let old = worker_pids(&server.banner);
        let (stop, ok, failed) = (
            Arc::new(AtomicBool::new(false)),
            Arc::new(AtomicUsize::new(0)),
            Arc::new(AtomicUsize::new(0)),
        );
        let load: Vec<_> = (0..6)
            .map(|_| {
                let (stop, ok, failed) = (Arc::clone(&stop), Arc::clone(&ok), Arc::clone(&failed));
                let addr = server.addr.clone();
                std::thread::spawn(move || {
                    while !stop.load(Ordering::SeqCst) {
                        let counter = match request(&addr, "/api/sun/97227/us") {
                            200 => &ok,
                            _ => &failed,
                        };
                        counter.fetch_add(1, Ordering::SeqCst);
                    }
                })
            })
            .collect();
        assert!(eventually(Duration::from_secs(10), || ok
            .load(Ordering::SeqCst)
            > 20));
        server.signal("HUP");
        // The new workers serve, and the old ones have answered what they had and exited.
        let swapped = eventually(Duration::from_secs(20), || {
            let out = server.output_so_far();
            out.contains("[worker 3]  * Running on")
                && out.contains("[worker 4]  * Running on")
                && out.contains("[worker 1] Served ")
                && out.contains("[worker 2] Served ")
        });
        assert!(swapped, "{bin}: {}", server.output_so_far());
        // A worker prints its count just before it exits.
        assert!(
            eventually(Duration::from_secs(10), || old.iter().all(|pid| gone(*pid))),
            "{bin}: {old:?}"
        );
        let at_swap = ok.load(Ordering::SeqCst);
        assert!(eventually(Duration::from_secs(10), || ok
            .load(Ordering::SeqCst)
            > at_swap + 20));
        stop.store(true, Ordering::SeqCst);
        for thread in load {
            thread.join().unwrap();
        }
        let new = worker_pids(&server.output_so_far());
        assert_eq!(new.len(), 2, "{bin}: two new workers");
        assert!(new.iter().all(|pid| parent(*pid) == server.pid()));

        let (out, err, code) = server.stop("INT");
        assert_eq!(code, Some(130), "{bin}: {err}");
        assert_eq!(
            failed.load(Ordering::SeqCst),
            0,
            "{bin}: failed requests\n{out}"
        );
        let counts = counts(&out);
        let mut ids: Vec<u32> = counts.iter().map(|(id, _)| *id).collect();
        ids.sort_unstable();
        assert_eq!(ids, [1, 2, 3, 4], "{bin}\n{out}");
        let served: u64 = counts.iter().map(|(_, n)| n).sum();
        assert_eq!(served, ok.load(Ordering::SeqCst) as u64, "{bin}\n{out}");
        let by = |ids: [u32; 2]| -> u64 {
            counts
                .iter()
                .filter(|(id, _)| ids.contains(id))
                .map(|(_, n)| n)
                .sum()
        };
        assert!(
            by([1, 2]) > 0 && by([3, 4]) > 0,
            "{bin}: the old workers served, then the new ones\n{counts:?}"
        );
    }
}

#[test]
fn sighup_starts_the_program_as_it_is_now_and_keeps_the_old_workers_if_it_cannot_start() {
    for bin in SERVERS {
        let dir = tempfile::tempdir().unwrap();
        let program = dir.path().join(bin);
        std::fs::copy(common::path_of(bin), &program).unwrap();
        let server = Server::start_at(
            program.to_str().unwrap(),
            &["--processes", "2", "--time-scale", "0.01"],
        );
        // A rebuild: a new file at the same path (the running one lives on, deleted).
        let replace = |contents: &[u8]| {
            let new = dir.path().join("new");
            std::fs::write(&new, contents).unwrap();
            let mode = std::os::unix::fs::PermissionsExt::from_mode(0o755);
            std::fs::set_permissions(&new, mode).unwrap();
            std::fs::rename(&new, &program).unwrap();
        };
        replace(&std::fs::read(common::path_of(bin)).unwrap());
        server.signal("HUP");
        assert!(
            eventually(Duration::from_secs(20), || {
                let out = server.output_so_far();
                out.contains("[worker 4]  * Running on") && out.contains("[worker 2] Served ")
            }),
            "{bin}: {}",
            server.output_so_far()
        );
        // A build that cannot start: the reload is abandoned, workers 3 and 4 keep serving.
        replace(b"#!/bin/sh\nexit 3\n");
        server.signal("HUP");
        assert!(
            eventually(Duration::from_secs(20), || server
                .output_so_far()
                .contains(" * Booting worker 6")),
            "{bin}"
        );
        let failed: Vec<u32> = worker_pids(&server.output_so_far())[4..].to_vec();
        assert!(
            eventually(Duration::from_secs(20), || failed
                .iter()
                .all(|pid| gone(*pid))),
            "{bin}: {failed:?}"
        );
        // The master tells right after it reaps them.
        std::thread::sleep(Duration::from_millis(300));
        for _ in 0..10 {
            assert_eq!(request(&server.addr, "/"), 200, "{bin}");
        }
        let (out, err, code) = server.stop("TERM");
        assert_eq!(code, Some(143), "{bin}: {out}{err}");
        assert!(
            err.contains("exited before serving (exit status: 3)")
                && err.contains("[master] reload abandoned: the old workers keep serving"),
            "{bin}: {err}"
        );
        let served: u64 = counts(&out).iter().map(|(_, n)| n).sum();
        assert_eq!(served, 10, "{bin}: by workers 3 and 4\n{out}");
    }
}

#[test]
fn the_workers_of_a_master_killed_with_sigkill_exit_on_their_own() {
    for bin in SERVERS {
        let server = Server::start(bin, &["--processes", "2", "--time-scale", "0.01"]);
        let workers = worker_pids(&server.banner);
        assert_eq!(request(&server.addr, "/"), 200);
        server.signal("KILL");
        // Their stdin, a pipe from the master, ends: they stop as on SIGTERM, within its grace period.
        assert!(
            eventually(Duration::from_secs(15), || workers
                .iter()
                .all(|pid| gone(*pid))),
            "{bin}: orphans {workers:?}"
        );
        let (_out, _err, code) = server.wait();
        assert_eq!(code, None, "{bin}: killed by a signal");
    }
}

#[test]
fn a_worker_without_its_masters_socket_is_one_line_and_exit_1() {
    for bin in SERVERS {
        let (out, err, code) = course_kit::testing::output(
            course_kit::testing::command(bin)
                .args(["--port", "0", "--processes", "2"])
                // What makes a process a worker, without the socket its master would hand it.
                .env("CH10_WORKER", "1"),
        );
        assert_eq!(code, Some(1), "{bin}: {out}{err}");
        assert!(
            err.starts_with("error: a worker found no listening socket from its master"),
            "{bin}: {err}"
        );
    }
}
