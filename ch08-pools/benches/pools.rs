//! What each executor costs: wall time for the five titles, the process pool's start-up, and the
//! peak memory (VmHWM) of the main process and of a worker process.
//!
//! Run: `cargo bench -p ch08-pools --bench pools`
//!
//! It runs the real `program` binary (release build) against the embedded site at the course's
//! latencies (300–500 ms per page), with one worker (downloads one after another) and with five
//! (all at once), and prints the median of a few runs. Linux only for the memory columns: the
//! peaks of the program and of its worker processes are read from `/proc/<pid>/status` (VmHWM, a
//! high-water mark) every few milliseconds while it runs, so the program needs no measuring code
//! of its own. The pool's start-up is timed here, on this bench's own `ProcessPoolExecutor`.

use std::io::Read;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use ch08_pools::executor::{Executor, ProcessPoolExecutor};
use course_kit::process::peak_memory_kb_of;
use course_kit::site::{LocalSite, SiteConfig};

const RUNS: usize = 3;

struct Run {
    wall_s: f64,
    worker_mb: Option<f64>,
    main_mb: Option<f64>,
}

fn main() {
    // The pool timed below runs this bench's own executable as its workers.
    procspawn::init();
    for workers in [1, 5] {
        let mut ms: Vec<f64> = (0..RUNS)
            .map(|_| {
                let t0 = Instant::now();
                let pool = ProcessPoolExecutor::new(workers).expect("start the worker processes");
                let started = t0.elapsed();
                pool.shutdown();
                started.as_secs_f64() * 1e3
            })
            .collect();
        ms.sort_by(f64::total_cmp);
        println!(
            "process pool start-up, {workers} worker(s): {:.1} ms (median of {RUNS})",
            ms[RUNS / 2]
        );
    }

    let site = LocalSite::start(SiteConfig::default()).expect("start the local site");
    let exe = env!("CARGO_BIN_EXE_program");
    println!("program against the embedded site (300-500 ms per page), median of {RUNS} runs");
    println!(
        "{:<10} {:>7} {:>9} {:>16} {:>14}",
        "executor", "workers", "wall (s)", "worker peak (MB)", "main peak (MB)"
    );
    for executor in ["threads", "processes", "rayon"] {
        for workers in [1, 5] {
            let mut runs: Vec<Run> = (0..RUNS)
                .map(|_| run_once(exe, executor, workers, site.url().as_str()))
                .collect();
            runs.sort_by(|a, b| a.wall_s.total_cmp(&b.wall_s));
            let median = &runs[RUNS / 2];
            let show = |v: Option<f64>, prec: usize| {
                v.map_or_else(|| "-".to_owned(), |v| format!("{v:.prec$}"))
            };
            // For thread executors the "worker" is the main process itself.
            let worker = if executor == "processes" {
                show(median.worker_mb, 1)
            } else {
                "(= main)".to_owned()
            };
            println!(
                "{executor:<10} {workers:>7} {:>9.2} {worker:>16} {:>14}",
                median.wall_s,
                show(median.main_mb, 1),
            );
        }
    }
}

fn run_once(exe: &str, executor: &str, workers: usize, base: &str) -> Run {
    let t0 = Instant::now();
    let mut child = Command::new(exe)
        .args(["--executor", executor, "--base-url", base])
        .args(["--workers", &workers.to_string()])
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .spawn()
        .expect("run program");
    let (mut worker_kb, mut main_kb): (Option<u64>, Option<u64>) = (None, None);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for program") {
            break status;
        }
        main_kb = peak_memory_kb_of(child.id()).or(main_kb);
        for pid in children_of(child.id()) {
            if let Some(kb) = peak_memory_kb_of(pid) {
                worker_kb = Some(worker_kb.map_or(kb, |prev| prev.max(kb)));
            }
        }
        thread::sleep(Duration::from_millis(5));
    };
    let wall_s = t0.elapsed().as_secs_f64();
    let mut stdout = String::new();
    if let Some(mut out) = child.stdout.take() {
        out.read_to_string(&mut stdout)
            .expect("read program's output");
    }
    assert!(status.success(), "program failed:\n{stdout}");
    Run {
        wall_s,
        worker_mb: worker_kb.map(|kb| kb as f64 / 1024.0),
        main_mb: main_kb.map(|kb| kb as f64 / 1024.0),
    }
}

/// The PIDs of `parent`'s child processes (its pool's workers), from `/proc/<pid>/stat`.
fn children_of(parent: u32) -> Vec<u32> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|entry| {
        let pid: u32 = entry.ok()?.file_name().to_str()?.parse().ok()?;
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // The fields after the command name (which may hold spaces) are: state, ppid, ...
        let ppid: u32 = stat
            .rsplit_once(')')?
            .1
            .split_whitespace()
            .nth(1)?
            .parse()
            .ok()?;
        (ppid == parent).then_some(pid)
    })
    .collect()
}
