//! Starting a server binary of this chapter on port 0, talking to it, and stopping it.

#![allow(dead_code)] // each test file uses its own part of this

use std::io::Read;
use std::process::{Child, Command};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use course_kit::testing::{self, Started};

/// The two servers.
pub const SERVERS: [&str; 2] = ["cityscape_api", "acityscape_api"];

/// Every way of serving: the blocking server with a thread per connection (its default, as
/// Flask's development server) and with a fixed pool of two (as Gunicorn's sync workers), and the
/// async server. Most tests run on all three.
pub const MODES: [(&str, &[&str]); 3] = [
    ("cityscape_api", &[]),
    ("cityscape_api", &["--workers", "2"]),
    ("acityscape_api", &[]),
];

/// The modes of [`MODES`] that the hostile-client tests also run with `--processes 2`: a master
/// and two workers, each serving as one process does.
pub const WITH_PROCESSES: [(&str, &[&str]); 5] = [
    MODES[0],
    MODES[1],
    MODES[2],
    ("cityscape_api", &["--processes", "2"]),
    ("acityscape_api", &["--processes", "2"]),
];

/// The start of a server's readiness line, before its address.
const READY: &str = " * Running on http://";

/// A running server, stopped (SIGKILL) if the test ends without [`Server::stop`].
pub struct Server {
    child: Child,
    /// `127.0.0.1:PORT`, from its readiness line.
    pub addr: String,
    /// Everything it printed up to and including the readiness line.
    pub banner: String,
    rest: Arc<Mutex<Vec<u8>>>,
    reader: Option<JoinHandle<()>>,
    err: Option<JoinHandle<String>>,
}

impl Server {
    pub fn start(bin: &str, args: &[&str]) -> Server {
        Server::start_at(path_of(bin), args)
    }

    /// Starts the server binary at `path` (a copy of one, say).
    pub fn start_at(path: &str, args: &[&str]) -> Server {
        let Started {
            child,
            out: banner,
            mut stdout,
            err,
        } = testing::spawn_until(
            Command::new(path)
                .args(["--port", "0"])
                .args(args)
                .env_remove("OPENWEATHER_API_KEY"),
            |out| out.lines().any(|l| l.starts_with(READY)),
        );
        let addr = banner
            .lines()
            .find_map(|l| l.trim_end().strip_prefix(READY))
            .expect("the readiness line")
            .to_owned();
        let rest = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&rest);
        // As it comes, for `output_so_far`.
        let reader = std::thread::spawn(move || {
            let mut buf = [0; 4096];
            while let Ok(n @ 1..) = stdout.read(&mut buf) {
                sink.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        Server {
            child,
            addr,
            banner,
            rest,
            reader: Some(reader),
            err: Some(err),
        }
    }

    /// The server's process id, to read its `/proc` entries.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The processes that serve: with `--processes`, the workers its master booted (from its
    /// ` * Booting worker N (pid P)` lines); else the server itself.
    pub fn serving_pids(&self) -> Vec<u32> {
        let workers = worker_pids(&self.banner);
        if workers.is_empty() {
            vec![self.pid()]
        } else {
            workers
        }
    }

    /// What it printed after its banner so far.
    pub fn output_so_far(&self) -> String {
        String::from_utf8_lossy(&self.rest.lock().unwrap()).into_owned()
    }

    /// Sends `signal` (`HUP`, `KILL`, …) to the server without waiting for it.
    pub fn signal(&self, signal: &str) {
        send(signal, self.pid());
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Sends `signal` (`INT` or `TERM`) and returns what it printed after its banner, its stderr
    /// and its exit code.
    pub fn stop(self, signal: &str) -> (String, String, Option<i32>) {
        send(signal, self.child.id());
        self.wait()
    }

    /// Waits for the server to end: what it printed after its banner, its stderr and its exit code.
    pub fn wait(mut self) -> (String, String, Option<i32>) {
        let code = self.child.wait().expect("waitable").code();
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
        let err = self
            .err
            .take()
            .map(|e| e.join().unwrap_or_default())
            .unwrap_or_default();
        let out = String::from_utf8(self.rest.lock().unwrap().clone()).expect("stdout is UTF-8");
        (out, err, code)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.reader.is_some() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

pub fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

/// GET `url`: status and body.
pub fn get(url: &str) -> (u16, String) {
    let resp = client()
        .get(url)
        .send()
        .unwrap_or_else(|e| panic!("GET {url}: {e}"));
    (resp.status().as_u16(), resp.text().unwrap())
}

/// Starts a mode of [`MODES`] with more arguments.
pub fn start_mode((bin, mode): (&str, &[&str]), args: &[&str]) -> Server {
    let all: Vec<&str> = mode.iter().chain(args).copied().collect();
    Server::start(bin, &all)
}

/// A number from the server's `/proc/<pid>/status`: `Threads`, or `VmRSS` in kB.
pub fn proc_status(pid: u32, key: &str) -> u64 {
    course_kit::process::status_number(pid, key)
        .unwrap_or_else(|| panic!("no {key} in /proc/{pid}/status"))
}

/// How many file descriptors the server holds open.
pub fn open_fds(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .count()
}

/// Sends `bytes` on a new connection (closing its sending side after them when `half_close`)
/// and reads what comes back until the server closes or `wait` passes.
pub fn raw(addr: &str, bytes: &[u8], half_close: bool, wait: Duration) -> String {
    use std::io::Write;
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(wait)).unwrap();
    let _ = stream.write_all(bytes);
    if half_close {
        let _ = stream.shutdown(std::net::Shutdown::Write);
    }
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).into_owned()
}

/// Polls `check` until it holds or `within` passes; true if it held.
pub fn eventually(within: Duration, mut check: impl FnMut() -> bool) -> bool {
    let deadline = std::time::Instant::now() + within;
    loop {
        if check() {
            return true;
        }
        if std::time::Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Where the server binary `bin` was built.
pub fn path_of(bin: &str) -> &'static str {
    match bin {
        "cityscape_api" => env!("CARGO_BIN_EXE_cityscape_api"),
        "acityscape_api" => env!("CARGO_BIN_EXE_acityscape_api"),
        other => panic!("not a server: {other}"),
    }
}

/// Sends `signal` (`INT`, `TERM`, `HUP`, `KILL`) to process `pid`.
pub fn send(signal: &str, pid: u32) {
    let sent = Command::new("kill")
        .args([&format!("-{signal}"), &pid.to_string()])
        .status()
        .expect("kill runs");
    assert!(sent.success(), "kill -{signal} {pid}");
}

/// The worker pids in a master's ` * Booting worker N (pid P)` lines, in order.
pub fn worker_pids(out: &str) -> Vec<u32> {
    out.lines()
        .filter_map(|l| l.strip_prefix(" * Booting worker "))
        .filter_map(|l| l.split("(pid ").nth(1)?.strip_suffix(')')?.parse().ok())
        .collect()
}

/// Process `pid` has been reaped by its parent: every one of its threads has exited. (A killed
/// process's main thread can show as a zombie while another of its threads is still in the kernel,
/// where a blocked `accept` can still take a connection and close it unanswered as it dies.)
pub fn reaped(pid: u32) -> bool {
    !std::path::Path::new(&format!("/proc/{pid}")).exists()
}

/// Whether process `pid` is gone: no `/proc` entry, or a zombie that only waits to be reaped
/// (an orphan's new parent may be slow to do it, or never do it in a container).
pub fn gone(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).map_or(true, |stat| {
        stat.rsplit(')')
            .next()
            .is_some_and(|rest| rest.trim_start().starts_with('Z'))
    })
}
