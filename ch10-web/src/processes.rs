//! `--processes N`: Gunicorn's model in the small. A master (Gunicorn's arbiter) binds the
//! listening socket once and runs N workers, each a fresh run of this same program that inherits
//! the socket as its descriptor 3 (systemd's `LISTEN_FDS` protocol) and serves the app exactly as
//! one process does. The kernel hands each new connection to one worker waiting in `accept()`.
//!
//! Why not `fork()`, as Gunicorn does: a forked child of a threaded process (a tokio runtime, a
//! thread pool) holds one thread and whatever locks the others held, and `fork()` is `unsafe` in
//! Rust; re-executing the program is safe, and costs each worker its own start and its own copy
//! of everything (Gunicorn without `--preload`).
//!
//! The master replaces a worker that dies, stops them all on SIGINT or SIGTERM (each finishes
//! what it has in flight), and on SIGHUP starts N new workers before it stops the old ones. A
//! worker notices its master's death by its stdin, a pipe from the master, reaching its end.

use std::collections::BTreeMap;
use std::io::{self, Read as _};
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::process::{ExitCode, ExitStatus, Stdio};
use std::thread;
use std::time::Duration;

use anyhow::Context as _;
use command_fds::{CommandFdExt, FdMapping};
use nix::sys::signal::{self, Signal};
use nix::unistd::Pid;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::signal::unix::{SignalKind, signal as on};
use tokio::sync::mpsc;
use tokio::time::{Instant, sleep_until};

use crate::{Flags, GRACE, Stop};

/// The most `--processes`: more is a typo (Gunicorn suggests 2 × cores + 1).
pub const MAX_PROCESSES: u16 = 256;

/// Set in a worker's environment: its number, which also tells it that it is a worker.
const WORKER: &str = "CH10_WORKER";
/// The descriptor a worker finds the listening socket at: `SD_LISTEN_FDS_START`.
const LISTEN_FD: i32 = 3;
/// How long the master waits for its workers beyond their own grace period, before SIGKILL.
const MARGIN: Duration = Duration::from_secs(2);

/// This process's worker number, if it is a worker.
pub fn worker_id() -> Option<u32> {
    std::env::var(WORKER).ok()?.parse().ok()
}

/// In a worker, the listening socket its master handed it.
pub(crate) fn inherited_listener() -> anyhow::Result<Option<std::net::TcpListener>> {
    if worker_id().is_none() {
        return Ok(None);
    }
    const MISSING: &str = "a worker found no listening socket from its master";
    // An error if descriptor 3 is not a TCP socket; `None` if there is no `LISTEN_FDS`.
    let listener = listenfd::ListenFd::from_env().take_tcp_listener(0);
    Ok(Some(listener.context(MISSING)?.context(MISSING)?))
}

/// In a worker: SIGTERM to itself once its master is gone (its stdin, the master's pipe, ends),
/// so that it finishes what it has in flight and exits, never an orphan. Call it once the
/// SIGTERM handler is installed.
pub(crate) fn watch_master() {
    if worker_id().is_none() {
        return;
    }
    thread::spawn(|| {
        let mut sink = [0; 64];
        while !matches!(io::stdin().read(&mut sink), Ok(0) | Err(_)) {}
        let _ = signal::raise(Signal::SIGTERM);
    });
}

/// Gunicorn's arbiter: binds the socket, runs and watches the workers. It never builds the app.
#[derive(Debug)]
pub struct Master {
    flags: Flags,
    processes: u16,
}

/// What the master learns from its workers.
enum Event {
    /// The worker printed its readiness line: it accepts connections.
    Ready(u32),
    /// The worker's `Served N requests.`
    Served(u32, u64),
    /// The worker's process ended (and its output with it).
    Exited(u32, io::Result<ExitStatus>),
}

/// A worker, as its master sees it.
struct Worker {
    pid: Pid,
    /// The master's end of the worker's stdin: dropped with the master, it tells the worker.
    _stdin: Option<tokio::process::ChildStdin>,
    /// Reloads start a new generation; the older ones stop once the new one serves.
    generation: u32,
    ready: bool,
    stopping: bool,
    served: Option<u64>,
}

impl Master {
    /// The master, with `--processes N`; `None` in one process, or in a worker (whose
    /// command line is its master's).
    pub fn new(flags: &Flags) -> Option<Master> {
        let processes = flags.processes?;
        worker_id().is_none().then(|| Master {
            flags: flags.clone(),
            processes,
        })
    }

    /// Runs the workers until SIGINT or SIGTERM (exit 130 or 143), or until one fails to start (1).
    pub fn run(self) -> anyhow::Result<ExitCode> {
        // One thread is all the master needs: it waits on signals, pipes and children.
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?
            .block_on(self.arbiter())
    }

    async fn arbiter(self) -> anyhow::Result<ExitCode> {
        let (mut interrupt, mut terminate, mut hangup) = (
            on(SignalKind::interrupt())?,
            on(SignalKind::terminate())?,
            on(SignalKind::hangup())?,
        );
        let listener = crate::bind(&self.flags)?;
        let me = std::process::id();
        println!(
            " * Master {me} (Gunicorn's arbiter): {} worker processes sharing one listening socket",
            self.processes
        );
        let (events, mut inbox) = mpsc::unbounded_channel();
        let mut arbiter = Arbiter {
            program: std::env::current_exe()?,
            addr: listener.local_addr()?,
            listener,
            events,
            processes: self.processes,
            workers: BTreeMap::new(),
            done: Vec::new(),
            next: 1,
            generation: 0,
            announced: false,
            stop: None,
            failed: false,
            deadline: None,
        };
        arbiter.spawn_generation()?;
        while arbiter.stop.is_none() || !arbiter.workers.is_empty() {
            let running = arbiter.stop.is_none();
            let deadline = arbiter.deadline;
            tokio::select! {
                _ = interrupt.recv(), if running => arbiter.stop_all(Stop::Interrupt),
                _ = terminate.recv(), if running => arbiter.stop_all(Stop::Terminate),
                _ = hangup.recv(), if running => arbiter.reload(),
                () = sleep_until(deadline.unwrap_or_else(Instant::now)), if deadline.is_some() => {
                    arbiter.kill_the_late();
                }
                Some(event) = inbox.recv() => arbiter.handle(event)?,
            }
        }
        Ok(arbiter.finish())
    }
}

/// The master's state.
struct Arbiter {
    /// This program, as it was found at the start: after a rebuild, the path holds the new binary
    /// while this process's `/proc/self/exe` names the deleted old one.
    program: PathBuf,
    listener: std::net::TcpListener,
    addr: std::net::SocketAddr,
    events: mpsc::UnboundedSender<Event>,
    processes: u16,
    workers: BTreeMap<u32, Worker>,
    /// The workers that exited: number, pid, and the count each printed.
    done: Vec<(u32, Pid, Option<u64>)>,
    /// The next worker's number.
    next: u32,
    generation: u32,
    announced: bool,
    stop: Option<Stop>,
    /// A worker exited before it served.
    failed: bool,
    /// Once stopping: when the workers' time is up.
    deadline: Option<Instant>,
}

impl Arbiter {
    fn spawn(&mut self, generation: u32) -> anyhow::Result<()> {
        let id = self.next;
        let worker = spawn(&self.program, id, generation, &self.listener, &self.events)?;
        self.workers.insert(id, worker);
        self.next += 1;
        Ok(())
    }

    fn spawn_generation(&mut self) -> anyhow::Result<()> {
        for _ in 0..self.processes {
            self.spawn(self.generation)?;
        }
        Ok(())
    }

    /// Gunicorn's HUP: a new generation of workers first; the old one stops once it serves.
    /// The program is started afresh, so a rebuilt binary serves from now on.
    fn reload(&mut self) {
        self.generation += 1;
        println!(
            " * SIGHUP: starting {} new workers; the old ones stop once the new ones serve",
            self.processes
        );
        if let Err(err) = self.spawn_generation() {
            eprintln!("[master] cannot start a new worker ({err:#})");
            self.abort_reload();
        }
    }

    /// A reload whose workers cannot start: they stop, and the old ones keep serving.
    fn abort_reload(&mut self) {
        eprintln!("[master] reload abandoned: the old workers keep serving");
        let generation = self.generation;
        self.retire(|w| w.generation == generation);
        self.generation -= 1;
    }

    /// SIGTERM to every worker that `which` picks and that is not stopping yet: it finishes what
    /// it has, then exits.
    fn retire(&mut self, which: impl Fn(&Worker) -> bool) {
        for worker in self.workers.values_mut() {
            if which(worker) && !worker.stopping {
                worker.stopping = true;
                let _ = signal::kill(worker.pid, Signal::SIGTERM);
            }
        }
    }

    /// SIGINT or SIGTERM, passed on: each worker stops accepting and finishes what it has.
    fn stop_all(&mut self, stop: Stop) {
        self.stop = Some(stop);
        let sent = match stop {
            Stop::Interrupt => Signal::SIGINT,
            Stop::Terminate => Signal::SIGTERM,
        };
        for worker in self.workers.values_mut() {
            worker.stopping = true;
            let _ = signal::kill(worker.pid, sent);
        }
        self.deadline = Some(Instant::now() + GRACE + MARGIN);
    }

    fn kill_the_late(&mut self) {
        for (id, worker) in &self.workers {
            eprintln!(
                "[master] worker {id} (pid {}) did not stop in time: SIGKILL",
                worker.pid
            );
            let _ = signal::kill(worker.pid, Signal::SIGKILL);
        }
        self.deadline = None;
    }

    fn handle(&mut self, event: Event) -> anyhow::Result<()> {
        match event {
            Event::Ready(id) => {
                if let Some(worker) = self.workers.get_mut(&id) {
                    worker.ready = true;
                }
                let generation = self.generation;
                let mut current = self.workers.values().filter(|w| w.generation == generation);
                if self.stop.is_none() && current.all(|w| w.ready) {
                    self.all_ready();
                }
            }
            Event::Served(id, count) => {
                if let Some(worker) = self.workers.get_mut(&id) {
                    worker.served = Some(count);
                }
            }
            Event::Exited(id, status) => {
                if let Some(worker) = self.workers.remove(&id) {
                    self.done.push((id, worker.pid, worker.served));
                    self.exited(id, &worker, status)?;
                }
            }
        }
        Ok(())
    }

    /// The current generation accepts: announce it the first time, and let an older one go.
    fn all_ready(&mut self) {
        if !self.announced {
            self.announced = true;
            println!(" * Running on http://{}", self.addr);
            println!(
                " * Press Ctrl-C to quit (kill -HUP {} reloads the workers)",
                std::process::id()
            );
        }
        let generation = self.generation;
        self.retire(|w| w.generation < generation);
    }

    fn exited(
        &mut self,
        id: u32,
        worker: &Worker,
        status: io::Result<ExitStatus>,
    ) -> anyhow::Result<()> {
        if self.stop.is_some() || worker.stopping {
            return Ok(());
        }
        let status = status.map_or_else(|err| err.to_string(), |s| s.to_string());
        let pid = worker.pid;
        let reloading = worker.generation == self.generation
            && self
                .workers
                .values()
                .any(|w| w.generation < worker.generation && !w.stopping);
        if !worker.ready && reloading {
            eprintln!("[master] new worker {id} (pid {pid}) exited before serving ({status})");
            self.abort_reload();
            Ok(())
        } else if worker.ready {
            eprintln!(
                "[master] worker {id} (pid {pid}) died ({status}): starting worker {}",
                self.next
            );
            self.spawn(worker.generation)
        } else {
            // Replacing it would fail the same way, forever: Gunicorn halts too.
            eprintln!(
                "[master] worker {id} (pid {pid}) exited before serving ({status}): stopping"
            );
            self.failed = true;
            self.stop_all(Stop::Terminate);
            Ok(())
        }
    }

    /// Every worker has exited: the stop, and how many requests each served.
    fn finish(mut self) -> ExitCode {
        let (false, Some(stop)) = (self.failed, self.stop) else {
            return ExitCode::FAILURE;
        };
        stop.announce();
        self.done.sort_by_key(|(id, _, _)| *id);
        let total: u64 = self.done.iter().filter_map(|(_, _, n)| *n).sum();
        let each: Vec<String> = self
            .done
            .iter()
            .map(|(id, pid, n)| match n {
                Some(n) => format!("worker {id} (pid {pid}) {}", course_kit::fmt::thousands(*n)),
                None => format!("worker {id} (pid {pid}) unknown"),
            })
            .collect();
        println!(
            "Served {} requests: {}.",
            course_kit::fmt::thousands(total),
            each.join(", ")
        );
        stop.exit_code()
    }
}

/// Starts worker `id`: this program again, with the same flags, the listening socket as its
/// descriptor 3, its stdin a pipe from the master, and its stdout read (and prefixed) here.
fn spawn(
    program: &Path,
    id: u32,
    generation: u32,
    listener: &std::net::TcpListener,
    events: &mpsc::UnboundedSender<Event>,
) -> anyhow::Result<Worker> {
    let mut command = std::process::Command::new(program);
    command
        .args(std::env::args_os().skip(1))
        .env(WORKER, id.to_string())
        .env("LISTEN_FDS", "1")
        .env_remove("LISTEN_PID")
        .env_remove("LISTEN_FDNAMES")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped());
    command.fd_mappings(vec![FdMapping {
        parent_fd: OwnedFd::from(listener.try_clone()?),
        child_fd: LISTEN_FD,
    }])?;
    // kill_on_drop: should the master fail, no worker outlives it.
    let mut child = tokio::process::Command::from(command)
        .kill_on_drop(true)
        .spawn()
        .context("cannot start a worker process")?;
    // Never a made-up pid: signalling pid 0 would reach the master's whole process group.
    let pid = child.id().and_then(|p| i32::try_from(p).ok());
    let pid = Pid::from_raw(pid.context("a worker started without a pid")?);
    println!(" * Booting worker {id} (pid {pid})");
    let stdin = child.stdin.take();
    let stdout = child.stdout.take();
    let events = events.clone();
    tokio::spawn(async move {
        if let Some(stdout) = stdout {
            // Read to the end whatever comes (bytes, not only UTF-8): a pipe left unread would
            // fill and block the worker.
            let (mut stdout, mut bytes) = (BufReader::new(stdout), Vec::new());
            while stdout
                .read_until(b'\n', &mut bytes)
                .await
                .is_ok_and(|n| n > 0)
            {
                let text = String::from_utf8_lossy(&bytes);
                let line = text.trim_end_matches(['\r', '\n']);
                println!("[worker {id}] {line}");
                if line.starts_with(" * Running on ") {
                    let _ = events.send(Event::Ready(id));
                } else if let Some(count) = served(line) {
                    let _ = events.send(Event::Served(id, count));
                }
                bytes.clear();
            }
        }
        let _ = events.send(Event::Exited(id, child.wait().await));
    });
    Ok(Worker {
        pid,
        _stdin: stdin,
        generation,
        ready: false,
        stopping: false,
        served: None,
    })
}

/// The count in a worker's `Served 1,234 requests.`
fn served(line: &str) -> Option<u64> {
    let count = line.strip_prefix("Served ")?.strip_suffix(" requests.")?;
    count.replace(',', "").parse().ok()
}
