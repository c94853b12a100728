//! Runs the real `program` binary against the embedded site (never the internet) and checks what
//! it prints: the titles, the PIDs of each executor, per-URL failures, a killed worker, the
//! `--timeline` chart.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command as StdCommand, Stdio};

use course_kit::site::{LocalSite, SiteConfig};
use course_kit::testing::{self, Output};

const TITLES: [&str; 5] = [
    "Talk Python To Me - A podcast on Python and related technologies",
    "Python Bytes: news headlines delivered directly to your earbuds",
    "NONE",
    "Real Python",
    "Online Python courses",
];
const HOSTS: [&str; 5] = [
    "talkpython.fm",
    "pythonbytes.fm",
    "google.com",
    "realpython.com",
    "training.talkpython.fm",
];

fn site() -> LocalSite {
    LocalSite::start(SiteConfig {
        time_scale: 0.01,
        ..SiteConfig::default()
    })
    .unwrap()
}

fn run(args: &[&str]) -> Output {
    testing::run("program", args)
}

/// Like `run`, but also returns the program's own PID, to compare with the PIDs it prints.
fn run_with_pid(args: &[&str]) -> (u32, String, Option<i32>) {
    let child = StdCommand::new(env!("CARGO_BIN_EXE_program"))
        .args(args)
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id();
    let out = child.wait_with_output().unwrap();
    (
        pid,
        String::from_utf8(out.stdout).unwrap(),
        out.status.code(),
    )
}

/// The (host, PID, ProcName) of every `Getting title from` line.
fn getting_lines(out: &str) -> Vec<(String, u32, String)> {
    out.lines()
        .filter_map(|line| {
            let rest = line.strip_prefix("Getting title from ")?;
            let (host, rest) = rest.split_once(", PID: ")?;
            let (pid, name) = rest.split_once(", ProcName: ")?;
            Some((host.to_owned(), pid.parse().ok()?, name.to_owned()))
        })
        .collect()
}

/// The lines after `Done`: the results, in submission order.
fn results(out: &str) -> Vec<&str> {
    let lines: Vec<&str> = out.lines().collect();
    let done = lines
        .iter()
        .position(|l| *l == "Done")
        .expect("a Done line");
    lines[done + 1..].to_vec()
}

fn five_titles_in_order(executor: &str) {
    let site = site();
    let (out, err, code) = run(&[
        "--executor",
        executor,
        "--workers",
        "5",
        "--base-url",
        site.url().as_str(),
    ]);
    assert_eq!(code, Some(0), "{out}{err}");
    let mut hosts: Vec<String> = getting_lines(&out).into_iter().map(|g| g.0).collect();
    hosts.sort();
    let mut want = HOSTS.map(str::to_owned).to_vec();
    want.sort();
    assert_eq!(hosts, want, "one Getting line per site:\n{out}");
    let lines: Vec<&str> = out.lines().collect();
    let done = lines.iter().position(|l| *l == "Done").unwrap();
    assert!(lines[..done].contains(&"Waiting for downloads..."), "{out}");
    assert_eq!(
        lines[..done]
            .iter()
            .filter(|l| l.starts_with("Getting title"))
            .count(),
        5,
        "every task has started before Done:\n{out}"
    );
    assert_eq!(results(&out), TITLES, "titles in submission order");
    assert_eq!(site.requests_served(), 5);
    assert!(!out.contains('\x1b'), "no colours when piped");
}

#[test]
fn threads_get_the_five_titles_in_order() {
    five_titles_in_order("threads");
}

#[test]
fn processes_get_the_five_titles_in_order() {
    five_titles_in_order("processes");
}

#[test]
fn rayon_gets_the_five_titles_in_order() {
    five_titles_in_order("rayon");
}

#[test]
fn thread_executors_run_in_this_process() {
    let site = site();
    for (executor, thread_prefix) in [("threads", "pool-thread-"), ("rayon", "rayon-worker-")] {
        let (pid, out, code) = run_with_pid(&[
            "--executor",
            executor,
            "--workers",
            "3",
            "--base-url",
            site.url().as_str(),
        ]);
        assert_eq!(code, Some(0), "{out}");
        let tasks = getting_lines(&out);
        assert_eq!(tasks.len(), 5, "{out}");
        for (host, task_pid, name) in tasks {
            assert_eq!(
                task_pid, pid,
                "{executor}: {host} ran in the program itself"
            );
            let n: usize = name
                .strip_prefix(thread_prefix)
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("{executor}: a pool thread's name, got {name}"));
            assert!(n < 3, "three workers, named 0..3: {name}");
        }
    }
}

#[test]
fn processes_are_the_default_as_in_the_course() {
    let site = site();
    // No --executor: the course's active import is ProcessPoolExecutor.
    let (pid, out, code) = run_with_pid(&["--workers", "2", "--base-url", site.url().as_str()]);
    assert_eq!(code, Some(0), "{out}");
    let tasks = getting_lines(&out);
    assert_eq!(tasks.len(), 5, "{out}");
    let mut worker_pids: Vec<u32> = tasks.iter().map(|t| t.1).collect();
    for (host, task_pid, name) in &tasks {
        assert_ne!(*task_pid, pid, "{host} ran in a worker process");
        assert_eq!(*name, format!("worker process of PID {pid}"));
    }
    worker_pids.sort_unstable();
    worker_pids.dedup();
    assert!(
        worker_pids.len() <= 2,
        "a pool reuses its two processes for five tasks: {worker_pids:?}"
    );
}

#[test]
fn title_rule_on_crafted_pages() {
    let site = site();
    let cases = [
        ("/titles/h1", "A plain title"),
        ("/titles/h1-link-title", "Linked title"),
        ("/titles/empty-h1", "NONE"),
        ("/titles/empty-h1-link-text", "NONE"),
        ("/titles/no-h1", "NONE"),
        ("/fault/no-h1", "NONE"),
        ("/375", &course_kit::site::episode_title(375)),
    ];
    let urls: Vec<String> = cases.iter().map(|(path, _)| site.url_for(path)).collect();
    let args: Vec<&str> = urls.iter().map(String::as_str).collect();
    let (out, err, code) = run(&args);
    assert_eq!(code, Some(0), "{out}{err}");
    let want: Vec<&str> = cases.iter().map(|(_, title)| *title).collect();
    assert_eq!(results(&out), want);
    // Hosts are shown as the course shows them: the URL without its scheme.
    let shown: Vec<String> = getting_lines(&out).into_iter().map(|g| g.0).collect();
    let h1 = format!(
        "{}/titles/h1",
        site.url()
            .as_str()
            .trim_start_matches("http://")
            .trim_end_matches('/')
    );
    assert!(shown.contains(&h1), "{shown:?}");
}

#[test]
fn a_failing_url_is_reported_in_place_and_the_others_still_come_back() {
    let site = site();
    // A port that nobody listens on: bound, then released.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let refused = format!("http://{}/", closed.local_addr().unwrap());
    drop(closed);
    let urls = [
        site.url_for("/site/talkpython.fm"),
        site.url_for("/fault/404/x"),
        refused.clone(),
        site.url_for("/fault/500"),
        site.url_for("/fault/not-html"),
        site.url_for("/titles/h1"),
    ];
    for executor in ["threads", "processes"] {
        let mut args = vec!["--executor", executor];
        args.extend(urls.iter().map(String::as_str));
        let (out, err, code) = run(&args);
        assert_eq!(code, Some(1), "{executor}: {out}{err}");
        let got = results(&out);
        assert_eq!(got.len(), 6, "{out}");
        assert_eq!(got[0], TITLES[0]);
        assert!(
            got[1].starts_with("Could not get the title of ")
                && got[1].ends_with(": HTTP 404 Not Found"),
            "{}",
            got[1]
        );
        let label = refused.trim_start_matches("http://");
        assert!(
            got[2].starts_with(&format!(
                "Could not get the title of {label}: could not connect: "
            )),
            "{}",
            got[2]
        );
        assert!(
            got[3].ends_with(": HTTP 500 Internal Server Error"),
            "{}",
            got[3]
        );
        assert!(got[4].ends_with(": the response is not text"), "{}", got[4]);
        assert_eq!(got[5], "A plain title");
        assert_eq!(err.trim_end(), "error: 4 of 6 titles could not be fetched");
    }
}

/// Processes whose command line holds `marker`, still alive (not zombies): orphaned workers.
fn live_processes_with(marker: &str) -> Vec<u32> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new(); // not Linux: nothing to check
    };
    dir.filter_map(|entry| {
        let pid: u32 = entry.ok()?.file_name().to_str()?.parse().ok()?;
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
        let args: Vec<&[u8]> = cmdline.split(|b| *b == 0).collect();
        if !args.contains(&marker.as_bytes()) {
            return None;
        }
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        let state = stat.rsplit_once(')')?.1.split_whitespace().next()?;
        (state != "Z").then_some(pid)
    })
    .collect()
}

#[test]
fn a_killed_worker_process_costs_one_task_and_leaves_no_orphans() {
    // What a segfault in C code, an abort or an out-of-memory kill does to a worker, done from
    // outside: task 2 fetches a page that never answers, and its worker is killed mid-download.
    let site = site();
    // Worker processes run with the parent's arguments, so a unique --timeout marks them; this
    // test's PID in its digits keeps concurrent test runs from seeing each other's.
    let marker = format!("7.0123{}", std::process::id());
    let urls: Vec<String> = [
        "/site/talkpython.fm",
        "/fault/slow/kill-me",
        "/site/google.com",
        "/site/realpython.com",
        "/titles/h1",
    ]
    .iter()
    .map(|path| site.url_for(path))
    .collect();
    let doomed = urls[1].trim_start_matches("http://").to_owned();
    let mut child = StdCommand::new(env!("CARGO_BIN_EXE_program"))
        .args(["--workers", "2", "--timeout", &marker])
        .args(&urls)
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = String::new();
    let mut killed = None;
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        if let Some((host, pid, _)) = getting_lines(&line).pop()
            && host == doomed
        {
            assert_ne!(pid, child.id(), "the page is fetched in a worker process");
            let status = StdCommand::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status()
                .unwrap();
            assert!(status.success(), "kill -KILL {pid}");
            killed = Some(pid);
        }
        out.push_str(&line);
        out.push('\n');
    }
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let code = child.wait().unwrap().code();
    assert!(killed.is_some(), "no Getting line for {doomed}:\n{out}");
    assert_eq!(code, Some(1), "{out}{err}");
    let got = results(&out);
    assert_eq!(got.len(), 5, "{out}");
    assert_eq!(got[0], TITLES[0]);
    assert!(
        got[1].starts_with(&format!("Task 2 ({doomed}) failed: its worker died: ")),
        "{}",
        got[1]
    );
    assert_eq!(
        got[2..],
        [TITLES[2], TITLES[3], "A plain title"],
        "the other tasks still come back"
    );
    assert!(
        err.contains("error: 1 of 5 titles could not be fetched"),
        "{err}"
    );
    assert_eq!(
        live_processes_with(&marker),
        Vec::<u32>::new(),
        "orphaned workers"
    );
}

#[test]
fn any_text_body_is_a_page_whatever_its_content_type() {
    // A static file server of the kind that sends HTML as `application/octet-stream`, or with
    // no Content-Type at all; the course's requests + BeautifulSoup parse it all the same.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let server = std::thread::spawn(move || {
        for _ in 0..2 {
            let (mut stream, _) = listener.accept().unwrap();
            let mut request = [0_u8; 2048];
            let n = stream.read(&mut request).unwrap();
            let head = String::from_utf8_lossy(&request[..n]).into_owned();
            let (content_type, body) = if head.starts_with("GET /octet ") {
                (
                    "Content-Type: application/octet-stream\r\n",
                    "<h1>Served as bytes</h1>",
                )
            } else {
                ("", "<html><h1> No type at all </h1></html>")
            };
            let reply = format!(
                "HTTP/1.1 200 OK\r\n{content_type}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            stream.write_all(reply.as_bytes()).unwrap();
        }
    });
    let (out, err, code) = run(&[
        "--workers",
        "1",
        &format!("{base}/octet"),
        &format!("{base}/untyped"),
    ]);
    server.join().unwrap();
    assert_eq!(code, Some(0), "{out}{err}");
    assert_eq!(results(&out), ["Served as bytes", "No type at all"]);
}

#[test]
fn timeline_two_worker_processes_make_a_band_two_requests_deep() {
    // The program's own embedded site, which sees each request arrive and finish.
    let (out, err, code) = run(&[
        "--executor",
        "processes",
        "--workers",
        "2",
        "--time-scale",
        "0.2",
        "--timeline",
    ]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert_eq!(results(&out)[..5], TITLES, "the titles come first");
    let chart = testing::chart(&out);
    let mut labels = chart.labels();
    labels.sort_unstable();
    let mut want: Vec<String> = HOSTS.iter().map(|h| format!("/site/{h}")).collect();
    want.sort();
    assert_eq!(labels, want, "one row per request:\n{out}");
    assert_eq!(
        out.lines().last(),
        Some("5 requests, at most 2 in flight at once"),
        "{out}"
    );
    // Two at a time: the third request starts only after one of the first two has ended.
    let rows = &chart.rows;
    let first_end = rows[0]
        .columns
        .last()
        .unwrap()
        .min(rows[1].columns.last().unwrap());
    assert!(rows[2].columns[0] >= *first_end, "{out}");
}

#[test]
fn timeline_without_the_embedded_site_draws_the_clients_times() {
    let site = site();
    let (out, err, code) = run(&[
        "--workers",
        "2",
        "--timeline",
        "--base-url",
        site.url().as_str(),
    ]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(
        out.contains(
            "--timeline: no local server to ask with --base-url; drawing the client's own start and end times"
        ),
        "{out}"
    );
    let chart = testing::chart(&out);
    let labels = chart.labels();
    assert_eq!(labels.len(), 5, "{out}");
    for host in HOSTS {
        assert!(labels.contains(&host), "{host}: {out}");
    }
    assert_eq!(
        out.lines().last(),
        Some("5 requests, at most 2 in flight at once"),
        "{out}"
    );
}

#[test]
fn verbose_shows_pool_start_up_and_memory() {
    let site = site();
    let (out, err, code) = run(&[
        "--executor",
        "processes",
        "--workers",
        "2",
        "--verbose",
        "--base-url",
        site.url().as_str(),
    ]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.starts_with("Started 2 worker processes in "), "{out}");
    assert_eq!(results(&out)[..5], TITLES);
    assert!(
        out.lines()
            .last()
            .unwrap()
            .starts_with("Main process: PID "),
        "{out}"
    );
}

#[test]
fn bad_input_exits_2_before_any_work() {
    course_kit::testing::assert_bad_flags(
        "program",
        &[
            &["--workers", "0"][..],
            &["--workers", "many"],
            &["--executor", "fibers"],
            &["not a url"],
            &["ftp://example.com/"],
            &["http://127.0.0.1:1/", "http//missing-colon"],
            &["--timeout", "0"],
            // The old test hook is gone: a crash is now caused from outside (see above).
            &["--inject-fault", "1:panic"],
        ],
    );
}

#[test]
fn help_lists_the_executors_with_processes_the_default() {
    let (out, _, code) = run(&["--help"]);
    assert_eq!(code, Some(0));
    for flag in [
        "--executor",
        "--workers",
        "--live",
        "--verbose",
        "--timeline",
        "[default: processes]",
    ] {
        assert!(out.contains(flag), "{flag}");
    }
    assert!(!out.contains("inject"), "{out}");
}
