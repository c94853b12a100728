//! What every chapter's integration tests need: run a binary of the workspace, with no colours and
//! a guard against hangs, and look at what it printed and how it ended; start one and wait for its
//! readiness line ([`spawn_until`], [`interrupt_after`]); read back its `--timeline` chart
//! ([`chart`]); serve pages the embedded site does not have ([`serve`]). Enabled by the `testing` feature, which the chapters turn on for their
//! dev-dependency only.
//!
//! ```no_run
//! use course_kit::testing::{assert_bad_flags, run};
//!
//! let (out, _err, code) = run("sync_program", &["--time-scale", "0", "--items", "3"]);
//! assert_eq!(code, Some(0));
//! assert_eq!(out.matches("generated item").count(), 3);
//! assert_bad_flags("sync_program", &[&["--seed", "-1"]]);
//! ```

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdout, Command as StdCommand, Stdio};
use std::thread::JoinHandle;
use std::time::Duration;

use assert_cmd::Command;

use crate::timeline::Rows;

/// One answer of a [`serve`] server.
#[derive(Debug, Clone)]
pub struct Page {
    /// The status line's code and reason, `200 OK`.
    pub status: &'static str,
    /// The `Content-Type`, if any: servers send HTML with none, or as `application/octet-stream`.
    pub content_type: Option<&'static str>,
    /// The body, sent as it is.
    pub body: Vec<u8>,
    /// Whether to send `Content-Length`; without it the body ends when the connection closes.
    pub length: bool,
    /// `Some(gap)`: the body goes out one byte at a time, `gap` apart (a slow-drip server, which a
    /// client's per-read timeout never catches); `None`: all at once.
    pub drip: Option<Duration>,
}

impl Page {
    /// A `200 OK` page with a `Content-Length`.
    pub fn ok(content_type: Option<&'static str>, body: impl Into<Vec<u8>>) -> Page {
        Page {
            status: "200 OK",
            content_type,
            body: body.into(),
            length: true,
            drip: None,
        }
    }

    /// A `200 OK` HTML page whose body drips out one byte every 100 ms once its headers are sent:
    /// 50 s for this one. Only a timeout over the whole download (`--timeout`) ends it early.
    pub fn drip() -> Page {
        Page {
            drip: Some(Duration::from_millis(100)),
            ..Page::ok(Some("text/html"), [b' '; 500])
        }
    }

    /// An empty `404 Not Found`.
    pub fn not_found() -> Page {
        Page {
            status: "404 Not Found",
            ..Page::ok(None, Vec::new())
        }
    }
}

/// A bare HTTP/1.1 server on 127.0.0.1, for pages the embedded site does not have (a body in no
/// `Content-Type`, a page over a program's size cap, a slow drip, …): every GET gets
/// `respond(path)`, on a thread of its own, and the connection is closed after it. Returns the
/// base URL (`http://127.0.0.1:PORT`); it serves until the test process ends.
pub fn serve(respond: impl Fn(&str) -> Page + Send + Sync + 'static) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port on 127.0.0.1");
    let url = format!("http://{}", listener.local_addr().expect("a bound address"));
    let respond = std::sync::Arc::new(respond);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let respond = std::sync::Arc::clone(&respond);
            std::thread::spawn(move || {
                let Ok(read_half) = stream.try_clone() else {
                    return;
                };
                let mut reader = BufReader::new(read_half);
                let mut request = String::new();
                let _ = reader.read_line(&mut request);
                // The headers, up to the empty line.
                let mut line = String::new();
                while reader.read_line(&mut line).unwrap_or(0) > 2 {
                    line.clear();
                }
                let page = respond(request.split_whitespace().nth(1).unwrap_or("/"));
                let mut head = format!("HTTP/1.1 {}\r\nConnection: close\r\n", page.status);
                if let Some(t) = page.content_type {
                    head.push_str(&format!("Content-Type: {t}\r\n"));
                }
                if page.length {
                    head.push_str(&format!("Content-Length: {}\r\n", page.body.len()));
                }
                head.push_str("\r\n");
                // The client may hang up early (on a page over its cap, or a drip it gave up on):
                // not the server's failure, and the end of a drip.
                let _ = stream
                    .write_all(head.as_bytes())
                    .and_then(|()| match page.drip {
                        None => stream.write_all(&page.body),
                        Some(gap) => page.body.chunks(1).try_for_each(|byte| {
                            std::thread::sleep(gap);
                            stream.write_all(byte).and_then(|()| stream.flush())
                        }),
                    });
            });
        }
    });
    url
}

/// What a run printed and how it ended: stdout, stderr, and the exit code (`None` when a signal
/// ended it).
pub type Output = (String, String, Option<i32>);

/// Only a guard against a hang, so generous: the machines are shared, and a loaded machine is slow.
pub const TIMEOUT: Duration = Duration::from_secs(120);

/// The binary `bin` of this workspace, set up as every test wants it: `NO_COLOR=1` and the
/// [`TIMEOUT`]. stdin is at end-of-file unless the test writes to it (`write_stdin`).
pub fn command(bin: &str) -> Command {
    let mut cmd = Command::cargo_bin(bin).unwrap_or_else(|e| panic!("no binary `{bin}`: {e}"));
    cmd.env("NO_COLOR", "1").timeout(TIMEOUT);
    cmd
}

/// Runs a prepared command to its end and captures what it printed.
pub fn output(cmd: &mut Command) -> Output {
    let out = cmd.output().expect("the binary could not be run");
    (
        String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        String::from_utf8(out.stderr).expect("stderr is UTF-8"),
        out.status.code(),
    )
}

/// Runs `bin args…` to its end: `let (out, err, code) = run("hello", &[]);`.
pub fn run(bin: &str, args: &[&str]) -> Output {
    output(command(bin).args(args))
}

/// Each set of bad arguments is refused the workspace's way: exit code 2, an `error:` line first,
/// no panic, and nothing done (nothing on stdout).
pub fn assert_bad_flags(bin: &str, bad: &[&[&str]]) {
    for args in bad {
        let (out, err, code) = run(bin, args);
        assert_eq!(code, Some(2), "{bin} {args:?}: {out}{err}");
        assert!(err.starts_with("error:"), "{bin} {args:?}: {err}");
        assert!(!err.contains("panicked"), "{bin} {args:?}: {err}");
        assert!(
            out.is_empty(),
            "{bin} {args:?} did work before refusing: {out}"
        );
    }
}

/// A program started with its stdout read up to its readiness: see [`spawn_until`].
#[derive(Debug)]
pub struct Started {
    /// The running program; its stdout and stderr are taken (below).
    pub child: Child,
    /// Everything it printed on stdout up to and including the line that made it ready.
    pub out: String,
    /// The rest of its stdout, unread.
    pub stdout: BufReader<ChildStdout>,
    /// Its whole stderr, read on the side so that a chatty program cannot block on a full pipe.
    pub err: JoinHandle<String>,
}

/// Starts `cmd` (with `NO_COLOR=1`, stdin at end-of-file, stdout and stderr piped) and reads its
/// stdout line by line until `ready(everything printed so far)` holds. If it ends first, it is
/// killed and the test panics with what it printed on both streams.
#[cfg(unix)]
pub fn spawn_until(cmd: &mut StdCommand, mut ready: impl FnMut(&str) -> bool) -> Started {
    let mut child = cmd
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{:?} could not be started: {e}", cmd.get_program()));
    let mut stderr = child.stderr.take().expect("piped");
    let err = std::thread::spawn(move || {
        let mut err = String::new();
        let _ = stderr.read_to_string(&mut err);
        err
    });
    let mut stdout = BufReader::new(child.stdout.take().expect("piped"));
    let mut out = String::new();
    while !ready(&out) {
        let read = stdout.read_line(&mut out).expect("stdout is UTF-8");
        if read == 0 {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "{:?} ended before it was ready: {out}{}",
                cmd.get_program(),
                err.join().unwrap_or_default()
            );
        }
    }
    Started {
        child,
        out,
        stdout,
        err,
    }
}

/// Runs `bin args…` with its stdout on `stdout` (no colours, no stdin) and returns its exit code
/// and stderr, asserting it did not panic.
fn run_with_stdout(bin: &str, args: &[&str], stdout: Stdio) -> (Option<i32>, String) {
    let out = StdCommand::new(assert_cmd::cargo::cargo_bin(bin))
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(Stdio::piped())
        .output()
        .expect("the binary could not be run");
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!err.contains("panicked"), "{bin} {args:?}: {err}");
    (out.status.code(), err)
}

/// Runs `bin args…` with its stdout on a pipe whose reading end is already closed (as after
/// `bin | head` has read what it wanted), and asserts that the program ends cleanly: quietly with
/// [`crate::exit::BROKEN_PIPE_EXIT_CODE`], or, where it checks its own writes, with one `error:`
/// line and a non-zero code; never with a panic or a backtrace.
pub fn assert_quiet_on_broken_pipe(bin: &str, args: &[&str]) {
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    let (code, err) = run_with_stdout(bin, args, writer.into());
    let quiet = code == Some(crate::exit::BROKEN_PIPE_EXIT_CODE);
    let one_error_line = code.is_some_and(|c| c != 0)
        && err.starts_with("error:")
        && err.trim_end().lines().count() == 1;
    assert!(
        quiet || one_error_line,
        "{bin} {args:?}: exit {code:?}: {err}"
    );
}

/// The PIDs of live processes whose environment holds `var=value`: worker processes inherit their
/// parent's environment, so a unique variable given to a program finds any of them still running.
#[cfg(target_os = "linux")]
pub fn processes_with(var: &str, value: &str) -> Vec<u32> {
    let needle = format!("{var}={value}");
    std::fs::read_dir("/proc")
        .expect("/proc")
        .filter_map(|e| {
            let e = e.ok()?;
            let pid: u32 = e.file_name().to_str()?.parse().ok()?;
            let env = std::fs::read(e.path().join("environ")).ok()?;
            env.split(|b| *b == 0)
                .any(|v| v == needle.as_bytes())
                .then_some(pid)
        })
        .collect()
}

/// `bin --version` prints the program's own name and the version, one line, exit code 0.
pub fn assert_version_names_program(bin: &str) {
    let (out, err, code) = run(bin, &["--version"]);
    assert_eq!(code, Some(0), "{bin} --version: {err}");
    let version = out
        .strip_prefix(&format!("{bin} "))
        .and_then(|v| v.strip_suffix('\n'));
    let semver =
        |v: &str| v.split('.').count() == 3 && v.split('.').all(|n| n.parse::<u32>().is_ok());
    assert!(
        version.is_some_and(semver),
        "{bin} --version printed {out:?}"
    );
}

/// Runs `bin args…` with its stdout on `/dev/full` (every write fails: no space left on device),
/// and asserts that it ends as Python does on an `OSError`: one `error:` line on stderr naming the
/// failure, exit code 1, no panic or backtrace.
#[cfg(target_os = "linux")]
pub fn assert_error_on_full_disk(bin: &str, args: &[&str]) {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full");
    let (code, err) = run_with_stdout(bin, args, full.into());
    assert_eq!(code, Some(1), "{bin} {args:?}: {err}");
    let last = err.trim_end().lines().last().unwrap_or_default();
    assert!(
        last.starts_with("error:") && last.contains("No space left on device"),
        "{bin} {args:?}: {err}"
    );
}

/// Starts `bin args…`, waits until its stdout has printed `ready`, waits `settle` more, then sends
/// it Ctrl-C (SIGINT, with the `kill` command, as a terminal would) and collects everything it
/// prints until it ends.
#[cfg(unix)]
pub fn interrupt_after(bin: &str, args: &[&str], ready: &str, settle: Duration) -> Output {
    let Started {
        mut child,
        mut out,
        mut stdout,
        err,
    } = spawn_until(
        StdCommand::new(assert_cmd::cargo::cargo_bin(bin)).args(args),
        |out| out.contains(ready),
    );
    std::thread::sleep(settle);
    let sent = StdCommand::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("the kill command runs");
    assert!(sent.success(), "could not send SIGINT to {bin}");
    stdout.read_to_string(&mut out).expect("stdout is UTF-8");
    let code = child.wait().expect("the child can be waited for").code();
    (out, err.join().unwrap_or_default(), code)
}

/// A `--timeline` chart ([`crate::timeline::render`]) read back from a program's output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chart {
    /// The rows, top to bottom (in order of start).
    pub rows: Vec<Row>,
    /// How many columns every row's bar has.
    pub width: usize,
    /// The summary line, whole: `10 requests, at most 10 in flight at once`.
    pub summary: String,
    /// What the rows are, from the summary's words.
    pub kind: Rows,
    /// The summary's first number: how many rows were drawn.
    pub count: usize,
    /// The summary's `at most N`: the most running at one moment.
    pub peak: usize,
}

/// One row of a [`Chart`]: `label |███   |`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The label, without the padding.
    pub label: String,
    /// The bar's columns (from 0) that hold `█`, in order.
    pub columns: Vec<usize>,
}

impl Row {
    /// Reads `label |███   |`: `None` for any other line.
    fn parse(line: &str) -> Option<(Row, usize)> {
        let inner = line.strip_suffix('|')?;
        let open = inner.rfind('|')?;
        let bar = &inner[open + 1..];
        let label = inner[..open].strip_suffix(' ')?.trim_end();
        if !bar.chars().all(|c| c == '█' || c == ' ') {
            return None;
        }
        let columns = bar
            .chars()
            .enumerate()
            .filter(|&(_, c)| c == '█')
            .map(|(i, _)| i)
            .collect();
        let row = Row {
            label: label.to_owned(),
            columns,
        };
        Some((row, bar.chars().count()))
    }
}

/// Reads `N requests, at most M in flight at once` (or `workers` … `running`), in exactly the
/// words the chart prints ([`Rows`]'s own summary, the noun singular when `N` is 1).
fn summary(line: &str) -> Option<(Rows, usize, usize)> {
    let (count, rest) = line.split_once(' ')?;
    let count: usize = count.parse().ok()?;
    let (peak, _) = rest.split_once(", at most ")?.1.split_once(' ')?;
    let peak: usize = peak.parse().ok()?;
    [Rows::Requests, Rows::Workers]
        .into_iter()
        .find(|kind| kind.summary(count, peak) == line)
        .map(|kind| (kind, count, peak))
}

/// The chart in `out`: the last summary line, the axis line just above it and the rows just
/// above that. Panics, showing `out`, when there is no summary line, when the lines above it are
/// not an axis and rows of one width, when the summary's count is not the number of rows, or when
/// some other line of `out` ends in `|` (a row out of place, or a broken one). Lines after the
/// summary (a program's own note) are allowed.
pub fn chart(out: &str) -> Chart {
    let lines: Vec<&str> = out.lines().collect();
    let Some((at, (kind, count, peak))) = lines
        .iter()
        .enumerate()
        .rev()
        .find_map(|(i, l)| Some((i, summary(l)?)))
    else {
        panic!("no `--timeline` summary line in:\n{out}");
    };
    let mut rows = Vec::new();
    let mut width = None;
    if count > 0 {
        let axis = at.checked_sub(1).map(|i| lines[i]);
        assert!(
            axis.is_some_and(|a| a.trim_start().starts_with("0 s") && a.ends_with(" s")),
            "no time axis above the summary line in:\n{out}"
        );
        let mut first = at - 1;
        while first > 0 {
            let Some((row, w)) = Row::parse(lines[first - 1]) else {
                break;
            };
            assert!(
                width.is_none_or(|width| width == w),
                "chart rows of different widths in:\n{out}"
            );
            width = Some(w);
            rows.push(row);
            first -= 1;
        }
        rows.reverse();
        let stray = lines
            .iter()
            .enumerate()
            .find(|&(i, l)| l.ends_with('|') && !(first..at - 1).contains(&i));
        if let Some((_, line)) = stray {
            panic!("a line ending in `|` outside the chart, {line:?}, in:\n{out}");
        }
    }
    assert_eq!(
        rows.len(),
        count,
        "the summary counts {count} rows, the chart has {} in:\n{out}",
        rows.len()
    );
    Chart {
        rows,
        width: width.unwrap_or(0),
        summary: lines[at].to_owned(),
        kind,
        count,
        peak,
    }
}

impl Chart {
    /// The rows' labels, top to bottom.
    pub fn labels(&self) -> Vec<&str> {
        self.rows.iter().map(|r| r.label.as_str()).collect()
    }

    /// The most rows with a `█` in one column.
    pub fn widest_shared_column(&self) -> usize {
        (0..self.width)
            .map(|col| {
                self.rows
                    .iter()
                    .filter(|r| r.columns.contains(&col))
                    .count()
            })
            .max()
            .unwrap_or(0)
    }

    /// The first two rows, `(i, j, the columns they share)`, that share a column anywhere but
    /// where row `i` ends and the next row `j = i + 1` begins (two requests one after the other
    /// can meet in one column). `None` for a staircase: nothing ran at once.
    pub fn overlap(&self) -> Option<(usize, usize, Vec<usize>)> {
        for (i, a) in self.rows.iter().enumerate() {
            for (j, b) in self.rows.iter().enumerate().skip(i + 1) {
                let shared: Vec<usize> = a
                    .columns
                    .iter()
                    .copied()
                    .filter(|c| b.columns.contains(c))
                    .collect();
                let at_the_edge = j == i + 1
                    && shared.len() == 1
                    && a.columns.last() == Some(&shared[0])
                    && b.columns.first() == Some(&shared[0]);
                if !shared.is_empty() && !at_the_edge {
                    return Some((i, j, shared));
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeline::{Span, render};

    #[test]
    fn a_staircase_reads_back() {
        let stairs: Vec<Span> = (0..4)
            .map(|i| Span::ms(&format!("/{i}"), i * 100, i * 100 + 100))
            .collect();
        let text = render(&stairs, Rows::Requests, 45); // a 40-column bar
        let chart = super::chart(&format!("Done in 0.4 s.\n{text}"));
        assert_eq!(chart.labels(), ["/0", "/1", "/2", "/3"]);
        assert_eq!(chart.width, 40);
        assert_eq!(chart.rows[0].columns, (0..10).collect::<Vec<_>>());
        assert_eq!(chart.rows[3].columns, (30..40).collect::<Vec<_>>());
        assert_eq!(chart.summary, "4 requests, at most 1 in flight at once");
        assert_eq!(
            (chart.kind, chart.count, chart.peak),
            (Rows::Requests, 4, 1)
        );
        assert_eq!(chart.widest_shared_column(), 1);
        assert_eq!(chart.overlap(), None);
    }

    #[test]
    fn a_block_and_a_band_overlap() {
        let block: Vec<Span> = (0..4)
            .map(|i| Span::ms(&format!("/{i}"), i, 400 + i))
            .collect();
        let chart = super::chart(&render(&block, Rows::Requests, 45));
        assert_eq!(chart.widest_shared_column(), 4);
        assert_eq!(chart.peak, 4);
        assert_eq!(chart.overlap().map(|(i, j, _)| (i, j)), Some((0, 1)));

        // Rows meeting end to start share one column; a third row in that column is an overlap.
        let meeting = [
            Span::ms("a", 0, 100),
            Span::ms("b", 100, 200),
            Span::ms("c", 200, 300),
        ];
        let text = render(&meeting, Rows::Requests, 34); // a 30-column bar
        assert_eq!(super::chart(&text).overlap(), None, "{text}");
        let edges = [
            Span::ms("a", 0, 101),
            Span::ms("b", 100, 200),
            Span::ms("c", 199, 300),
        ];
        let text = render(&edges, Rows::Requests, 34);
        assert_eq!(super::chart(&text).overlap(), None, "{text}");
        let across = [
            Span::ms("a", 0, 145),
            Span::ms("b", 141, 149),
            Span::ms("c", 142, 300),
        ];
        let text = render(&across, Rows::Requests, 34);
        assert_eq!(
            super::chart(&text).overlap().map(|(i, j, _)| (i, j)),
            Some((0, 2)),
            "{text}"
        );
    }

    #[test]
    fn workers_a_note_after_and_labels_with_bars() {
        let one = render(&[Span::ms("thread 1", 5, 5)], Rows::Workers, 30);
        let chart = super::chart(&format!("{one}(a program's own note)\n"));
        assert_eq!((chart.kind, chart.count, chart.peak), (Rows::Workers, 1, 1));
        assert_eq!(chart.summary, "1 worker, at most 1 running at once");
        assert_eq!(chart.rows[0].columns, (0..chart.width).collect::<Vec<_>>());

        let odd = render(
            &[
                Span::ms("a | b", 0, 10),
                Span::ms("x".repeat(60).as_str(), 5, 10),
            ],
            Rows::Workers,
            80,
        );
        let chart = super::chart(&odd);
        assert_eq!(chart.rows[0].label, "a | b");
        assert!(chart.rows[1].label.ends_with('…'), "{odd}");
        assert_eq!((chart.count, chart.peak), (2, 2));
    }

    #[test]
    fn an_empty_chart_is_only_its_summary() {
        let chart = super::chart(&render(&[], Rows::Requests, 80));
        assert_eq!((chart.rows.len(), chart.count, chart.peak), (0, 0, 0));
    }

    #[test]
    fn the_summary_reads_only_the_charts_own_wording() {
        assert_eq!(
            summary("2 workers, at most 2 running at once"),
            Some((Rows::Workers, 2, 2))
        );
        assert_eq!(
            summary("1 request, at most 1 in flight at once"),
            Some((Rows::Requests, 1, 1))
        );
        for wrong in [
            "1 requests, at most 1 in flight at once",
            "2 worker, at most 1 running at once",
            "2 workers, at most 1 in flight at once",
            "2 requests, at most two in flight at once",
            "Done in 2 s, at most 1 running at once",
        ] {
            assert_eq!(summary(wrong), None, "{wrong}");
        }
    }

    #[test]
    #[should_panic(expected = "no `--timeline` summary line")]
    fn no_summary_panics() {
        chart("Done in 1 s.\n");
    }

    #[test]
    #[should_panic(expected = "outside the chart")]
    fn a_stray_row_panics() {
        let text = render(&[Span::ms("/1", 0, 10)], Rows::Requests, 40);
        chart(&format!("x |█|\nDone.\n{text}"));
    }

    #[test]
    #[should_panic(expected = "the summary counts 2 rows")]
    fn a_missing_row_panics() {
        let text = render(
            &[Span::ms("/1", 0, 10), Span::ms("/2", 0, 10)],
            Rows::Requests,
            40,
        );
        let cut: Vec<&str> = text.lines().skip(1).collect();
        chart(&cut.join("\n"));
    }
}
