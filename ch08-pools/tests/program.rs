//! Runs the real `program` binary against the embedded site and small servers of its own (never
//! the internet) and checks what it prints: the titles and the title rule, which worker ran each
//! task, per-URL failures on stderr, a killed worker, the page cap, the `--timeline` chart.

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::process::{Command as StdCommand, Stdio};

use course_kit::site::{LocalSite, SiteConfig};
use course_kit::testing::{self, Output, Page};

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

/// A web server of the test's own, for pages the embedded site does not have: each request for a
/// path in `pages` gets that `(content type, body)` (`""`: no `Content-Type` at all), any other a
/// 404. Returns its base URL.
fn serve(pages: Vec<(&'static str, &'static str, Vec<u8>)>) -> String {
    let pages: HashMap<String, Page> = pages
        .into_iter()
        .map(|(path, kind, body)| {
            let kind = (!kind.is_empty()).then_some(kind);
            (path.to_owned(), Page::ok(kind, body))
        })
        .collect();
    testing::serve(move |path| pages.get(path).cloned().unwrap_or_else(Page::not_found))
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

/// The lines after `Done`: the titles, in submission order.
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
    assert_eq!(err, "", "nothing on stderr when all went well");
    // The course strips `https://` only, so the embedded site's URLs are shown whole.
    let mut hosts: Vec<String> = getting_lines(&out).into_iter().map(|g| g.0).collect();
    hosts.sort();
    let mut want: Vec<String> = HOSTS.map(|h| site.url_for(&format!("/site/{h}"))).into();
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
    assert!(!out.contains('\x1b'), "no colours: the course prints none");
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
fn thread_executors_run_in_this_process_and_name_their_threads() {
    let site = site();
    for (executor, prefix) in [
        ("threads", "ThreadPoolExecutor-0_"),
        ("rayon", "rayon-worker-"),
    ] {
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
            assert_eq!(task_pid, pid, "{executor}: {host} ran in the program");
            let n: usize = name
                .strip_prefix(prefix)
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("{executor}: a pool thread's name, got {name}"));
            assert!(n < 3, "three workers, numbered from 0: {name}");
        }
    }
}

/// How many pool workers ran the five tasks when `--workers` is not given, on a site slow enough
/// (100–170 ms a page) that every idle worker takes one before any is free again.
fn default_pool_size_used(executor: &str) -> usize {
    let site = LocalSite::start(SiteConfig {
        time_scale: 0.33,
        ..SiteConfig::default()
    })
    .unwrap();
    let (out, err, code) = run(&["--executor", executor, "--base-url", site.url().as_str()]);
    assert_eq!(code, Some(0), "{out}{err}");
    let names: HashSet<String> = getting_lines(&out).into_iter().map(|g| g.2).collect();
    names.len()
}

#[test]
fn default_workers_are_pythons() {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    // ThreadPoolExecutor(): min(32, cores + 4) threads, at least five, so each task has its own.
    assert_eq!(default_pool_size_used("threads"), 5);
    // ProcessPoolExecutor(): one process per core.
    assert_eq!(default_pool_size_used("processes"), cores.min(5));
}

#[test]
fn processes_are_the_default_and_each_worker_has_its_name() {
    let site = site();
    // No --executor: the course's active import is ProcessPoolExecutor.
    let (pid, out, code) = run_with_pid(&["--workers", "2", "--base-url", site.url().as_str()]);
    assert_eq!(code, Some(0), "{out}");
    let tasks = getting_lines(&out);
    assert_eq!(tasks.len(), 5, "{out}");
    let mut pid_of: HashMap<&str, u32> = HashMap::new();
    let mut tasks_of: HashMap<&str, usize> = HashMap::new();
    for (host, task_pid, name) in &tasks {
        assert_ne!(*task_pid, pid, "{host} ran in a worker process");
        assert!(
            ["SpawnProcess-1", "SpawnProcess-2"].contains(&name.as_str()),
            "two workers, named as Python names its spawned processes: {name}"
        );
        // One name per worker process: a name always goes with the same PID.
        assert_eq!(*pid_of.entry(name).or_insert(*task_pid), *task_pid, "{out}");
        *tasks_of.entry(name).or_default() += 1;
    }
    let pids: HashSet<u32> = pid_of.values().copied().collect();
    assert_eq!(pids.len(), pid_of.len(), "a PID per name:\n{out}");
    assert!(
        tasks_of.values().any(|&n| n > 1),
        "a pool reuses its two processes for five tasks:\n{out}"
    );
}

#[test]
fn title_rule_on_crafted_pages() {
    let site = site();
    let cases = [
        ("/titles/h1", "A plain title"),
        ("/titles/h1-link-title", "Linked title"),
        // Whitespace is text: Python's `if not tag.text` is false, and the stripped text empty.
        ("/titles/empty-h1", ""),
        ("/titles/empty-h1-link-text", ""),
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
    // URLs are shown as the course shows them: with `https://` stripped, and only that.
    let shown: Vec<String> = getting_lines(&out).into_iter().map(|g| g.0).collect();
    let h1 = site.url_for("/titles/h1");
    assert!(shown.contains(&h1), "{shown:?}");
}

#[test]
fn titles_are_get_text_strip_true() {
    // BeautifulSoup's `get_text(strip=True)` strips each piece of text and joins them with
    // nothing; an empty heading gives its link's `title` as it is.
    let html = |h1: &str| format!("<html><body><p>x</p>{h1}<h1>second</h1></body></html>");
    let cases: [(&'static str, &str, &str); 6] = [
        (
            "/bold",
            "<h1>Talk <b>Python</b> To Me</h1>",
            "TalkPythonTo Me",
        ),
        (
            "/lines",
            "<h1>\n    #379: Python &amp; Rust:\n      <span>a love story</span>\n  </h1>",
            "#379: Python & Rust:a love story",
        ),
        ("/inner", "<h1>  Python   Bytes  </h1>", "Python   Bytes"),
        (
            "/logo",
            r#"<h1><a href="/" title=" Real Python "><img src="x.png"></a></h1>"#,
            " Real Python ",
        ),
        (
            "/bare-link",
            r#"<h1><a href="/"><img src="x.png"></a></h1>"#,
            "NONE",
        ),
        ("/empty", "<h1></h1>", "NONE"),
    ];
    let base = serve(
        cases
            .iter()
            .map(|(path, h1, _)| (*path, "text/html", html(h1).into_bytes()))
            .collect(),
    );
    let urls: Vec<String> = cases
        .iter()
        .map(|(path, ..)| format!("{base}{path}"))
        .collect();
    let mut args = vec!["--executor", "threads", "--workers", "2"];
    args.extend(urls.iter().map(String::as_str));
    let (out, err, code) = run(&args);
    assert_eq!(code, Some(0), "{out}{err}");
    let want: Vec<&str> = cases.iter().map(|(.., title)| *title).collect();
    assert_eq!(results(&out), want);
}

#[test]
fn a_page_without_h1_is_not_a_failure() {
    let site = site();
    let url = site.url_for("/fault/no-h1");
    let (out, err, code) = run(&["--executor", "threads", &url]);
    assert_eq!((code, err.as_str()), (Some(0), ""), "{out}{err}");
    assert_eq!(results(&out), ["NONE"]);
}

#[test]
fn failed_urls_are_reported_on_stderr_and_the_others_still_come_back() {
    let site = site();
    // A port that nobody listens on: bound, then released.
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
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
        // Bytes that are not UTF-8 are decoded as `text()` does (U+FFFD): a page without <h1>.
        assert_eq!(
            results(&out),
            [TITLES[0], "NONE", "A plain title"],
            "stdout: titles only"
        );
        let reasons: Vec<&str> = err.lines().collect();
        let want = [
            format!("Could not get the title of {}: HTTP 404 Not Found", urls[1]),
            format!("Could not get the title of {refused}: could not connect: "),
            format!(
                "Could not get the title of {}: HTTP 500 Internal Server Error",
                urls[3]
            ),
        ];
        assert_eq!(reasons.len(), want.len(), "{err}");
        for (got, want) in reasons.iter().zip(&want) {
            assert!(
                got.starts_with(want.as_str()),
                "{executor}: {got:?}, want {want:?}"
            );
        }
    }
}

#[test]
fn a_page_over_the_cap_is_a_failure_of_its_own() {
    // 5 MiB of text, over the 4 MiB cap: refused after 4 MiB are read, not buffered whole.
    let mut flood = b"<html><h1>Big</h1>".to_vec();
    flood.resize(5 << 20, b'x');
    let base = serve(vec![
        ("/flood", "text/html", flood),
        ("/small", "text/html", b"<h1>Small</h1>".to_vec()),
    ]);
    let (flood, small) = (format!("{base}/flood"), format!("{base}/small"));
    for executor in ["threads", "processes"] {
        let (out, err, code) = run(&["--executor", executor, &flood, &small]);
        assert_eq!(code, Some(1), "{out}{err}");
        assert_eq!(results(&out), ["Small"]);
        assert_eq!(
            err,
            format!("Could not get the title of {flood}: over 4 MiB\n")
        );
    }
}

#[test]
fn a_killed_worker_process_costs_one_task_and_leaves_no_orphans() {
    // What a segfault in C code, an abort or an out-of-memory kill does to a worker, done from
    // outside: task 2 fetches a page that never answers, and its worker is killed mid-download.
    let site = site();
    // Worker processes inherit the parent's environment, so a variable marks them; this test's
    // PID in its value keeps concurrent test runs from seeing each other's.
    let marker = format!("killed-worker-{}", std::process::id());
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
    let doomed = urls[1].clone(); // shown whole: the course strips `https://` only
    let mut child = StdCommand::new(env!("CARGO_BIN_EXE_program"))
        .args(["--workers", "2"])
        .args(&urls)
        .env("NO_COLOR", "1")
        .env("CH08_KILL_MARKER", &marker)
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
    assert_eq!(
        results(&out),
        [TITLES[0], TITLES[2], TITLES[3], "A plain title"],
        "the other tasks still come back"
    );
    assert!(
        err.contains(&format!(
            "Could not get the title of {}: its worker died: ",
            urls[1]
        )),
        "{err}"
    );
    let reasons = err.lines().filter(|l| l.starts_with("Could not")).count();
    assert_eq!(reasons, 1, "one failed title: {err}");
    assert_eq!(
        course_kit::testing::processes_with("CH08_KILL_MARKER", &marker),
        Vec::<u32>::new(),
        "orphaned workers"
    );
}

/// Pages are decoded as reqwest's `text()` does: by the `Content-Type`'s charset (Latin-1 here,
/// `é` the one byte 0xE9), else as UTF-8, where Python's `requests` takes ISO-8859-1 (`CafÃ©`).
#[test]
fn pages_are_decoded_by_their_charset_else_as_utf8() {
    let base = serve(vec![
        (
            "/latin1",
            "text/html; charset=iso-8859-1",
            b"<h1>Caf\xe9 latin-1</h1>".to_vec(),
        ),
        ("/utf8", "text/html", "<h1>Café utf-8</h1>".into()),
    ]);
    for executor in ["threads", "processes"] {
        let urls = [format!("{base}/latin1"), format!("{base}/utf8")];
        let (out, err, code) = run(&["--executor", executor, &urls[0], &urls[1]]);
        assert_eq!(code, Some(0), "{executor}: {out}{err}");
        assert_eq!(results(&out), ["Café latin-1", "Café utf-8"], "{executor}");
    }
}

/// A server that sends its headers, then the body one byte every 100 ms: `--timeout` bounds the
/// whole download, not each read, so that title fails after 2 s and the other still comes back.
#[test]
fn a_slow_drip_body_times_out() {
    let base = testing::serve(|path| match path {
        "/drip" => Page::drip(),
        _ => Page::ok(Some("text/html"), "<h1>Small</h1>"),
    });
    let (drip, small) = (format!("{base}/drip"), format!("{base}/small"));
    for executor in ["threads", "processes"] {
        let t0 = std::time::Instant::now();
        let (out, err, code) = run(&["--executor", executor, "--timeout", "2", &drip, &small]);
        let took = t0.elapsed();
        assert_eq!(code, Some(1), "{executor}: {out}{err}");
        assert_eq!(results(&out), ["Small"], "{executor}");
        let why = format!("Could not get the title of {drip}: ");
        assert!(
            err.starts_with(&why) && err.contains("timed out"),
            "{executor}: {err}"
        );
        // The drip lasts 50 s: well within that, even on a loaded machine.
        assert!(
            took < std::time::Duration::from_secs(10),
            "{executor} took {took:?}"
        );
    }
}

#[test]
fn any_text_body_is_a_page_whatever_its_content_type() {
    // A static file server of the kind that sends HTML as `application/octet-stream`, or with
    // no Content-Type at all; the course's requests + BeautifulSoup parse it all the same.
    let base = serve(vec![
        (
            "/octet",
            "application/octet-stream",
            b"<h1>Served as bytes</h1>".to_vec(),
        ),
        (
            "/untyped",
            "",
            b"<html><h1> No type at all </h1></html>".to_vec(),
        ),
    ]);
    let (octet, untyped) = (format!("{base}/octet"), format!("{base}/untyped"));
    let (out, err, code) = run(&["--workers", "1", &octet, &untyped]);
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
fn timeline_with_another_site_says_so_and_draws_nothing() {
    let site = site();
    let (out, err, code) = run(&[
        "--workers",
        "2",
        "--timeline",
        "--base-url",
        site.url().as_str(),
    ]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert_eq!(results(&out)[..5], TITLES);
    assert_eq!(
        results(&out)[5..],
        [course_kit::site::no_chart("--base-url")],
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
            &["--workers", "1025"],
            &["--executor", "fibers"],
            &["not a url"],
            &["ftp://example.com/"],
            &["http://127.0.0.1:1/", "http//missing-colon"],
            &["--timeout", "0"],
            // The chart draws what the embedded site saw; pages of your own are not on it.
            &["--timeline", "http://127.0.0.1:1/"],
            // Gone: the measurements moved to the bench, the test hook to a kill from outside.
            &["--verbose"],
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
        "--base-url",
        "--timeline",
        "[default: processes]",
    ] {
        assert!(out.contains(flag), "{flag}");
    }
    assert!(out.starts_with("Get the titles of five sites"), "{out}");
}
