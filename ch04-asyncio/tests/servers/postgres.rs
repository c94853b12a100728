//! A PostgreSQL server of its own for one test: `initdb` in a temporary folder, `postgres` on a
//! free port of 127.0.0.1, a password-protected user, stopped (immediate shutdown) and removed on
//! drop. PostgreSQL refuses to run as root, and CI runs as root: then the server runs as the
//! `postgres` user that Debian's package creates (std's `CommandExt::uid`, no `unsafe`).

use std::os::unix::fs::MetadataExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use tempfile::TempDir;

const INSTALL: &str = "sudo apt-get install postgresql, or your system's package";
/// The user and password every test server has; `url_with_password` makes a wrong one.
pub const USER: &str = "learner";
pub const PASSWORD: &str = "secret";

/// A running server; dropping it stops it and removes its folder.
#[derive(Debug)]
pub struct Postgres {
    child: Child,
    port: u16,
    bin: PathBuf,
    /// The data folder, the socket and the log; removed last.
    dir: TempDir,
}

impl Postgres {
    /// Starts a server for `test` (with at most `max_connections`), or says why not: see
    /// [`super::missing`].
    pub fn start(test: &str, max_connections: u32) -> Option<Postgres> {
        let Some(bin) = bin_dir() else {
            return super::missing(test, "PostgreSQL (initdb, postgres)", INSTALL);
        };
        let dir = tempfile::Builder::new()
            .prefix("ch04-postgres-")
            .tempdir()
            .expect("a temporary folder");
        let owner = unprivileged_owner(dir.path());
        std::fs::write(dir.path().join("pw"), PASSWORD).expect("the password file");
        let data = dir.path().join("data");
        let initdb = as_owner(Command::new(bin.join("initdb")), owner, dir.path())
            .args(["-U", USER, "-A", "scram-sha-256", "--no-sync", "-E", "UTF8"])
            .arg(format!("--pwfile={}", dir.path().join("pw").display()))
            .arg("-D")
            .arg(&data)
            .output()
            .expect("initdb runs");
        assert!(
            initdb.status.success(),
            "initdb failed: {}",
            String::from_utf8_lossy(&initdb.stderr)
        );
        let (child, port) = super::on_a_free_port(
            dir.path(),
            "postgres",
            "ready to accept connections",
            |port, log| {
                as_owner(Command::new(bin.join("postgres")), owner, dir.path())
                    .arg("-D")
                    .arg(&data)
                    .args(["-p", &port.to_string(), "-k"])
                    .arg(dir.path())
                    .args(["-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"])
                    .args(["-c", &format!("max_connections={max_connections}")])
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(log)
                    .spawn()
                    .expect("postgres starts")
            },
        );
        Some(Postgres {
            child,
            port,
            bin,
            dir,
        })
    }

    /// `postgres://learner:secret@127.0.0.1:PORT/postgres`.
    pub fn url(&self) -> String {
        self.url_with_password(PASSWORD)
    }

    /// The server's URL with another password.
    pub fn url_with_password(&self, password: &str) -> String {
        format!(
            "postgres://{USER}:{password}@127.0.0.1:{}/postgres",
            self.port
        )
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The folder of `initdb`, `postgres` and `pgbench`.
    pub fn bin(&self) -> &Path {
        &self.bin
    }

    /// `pg_ctl stop -m immediate`: SIGQUIT to the postmaster, which ends every connection at once.
    pub fn stop_immediately(&mut self) {
        super::stop(&mut self.child, "QUIT");
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        self.stop_immediately(); // the data is thrown away: no need for a clean shutdown
    }
}

/// The folder with `initdb` and `postgres`: on `PATH`, or Debian's newest
/// `/usr/lib/postgresql/<version>/bin`.
fn bin_dir() -> Option<PathBuf> {
    if let Some(initdb) = super::on_path("initdb") {
        return initdb.parent().map(Path::to_path_buf);
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path().join("bin"))))
        .filter(|(_, bin)| bin.join("initdb").is_file() && bin.join("postgres").is_file())
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

/// When this process is root, the `postgres` user's (uid, gid), and `dir` handed to it;
/// otherwise `None`: the server runs as whoever runs the tests.
fn unprivileged_owner(dir: &Path) -> Option<(u32, u32)> {
    let me = std::fs::metadata("/proc/self").expect("/proc/self").uid();
    if me != 0 {
        return None;
    }
    let id = |flag: &str| -> u32 {
        let out = Command::new("id").args([flag, "postgres"]).output();
        let out = out.expect("the id command runs");
        assert!(
            out.status.success(),
            "running as root needs a `postgres` user"
        );
        let text = String::from_utf8_lossy(&out.stdout);
        text.trim().parse().expect("id prints a number")
    };
    let (uid, gid) = (id("-u"), id("-g"));
    std::os::unix::fs::chown(dir, Some(uid), Some(gid)).expect("chown the temporary folder");
    Some((uid, gid))
}

/// `cmd`, run as `owner` when there is one, in `dir` (the postgres user cannot enter root's home).
fn as_owner(mut cmd: Command, owner: Option<(u32, u32)>, dir: &Path) -> Command {
    if let Some((uid, gid)) = owner {
        cmd.uid(uid).gid(gid);
    }
    cmd.current_dir(dir);
    cmd
}
