//! A Redis server of its own for one test: `redis-server` on a free port of 127.0.0.1, with no
//! persistence, its folder temporary, killed and removed on drop.

use std::process::{Child, Command, Stdio};

use tempfile::TempDir;

const INSTALL: &str = "sudo apt-get install redis-server, or your system's package";

/// A running server; dropping it kills it and removes its folder.
#[derive(Debug)]
pub struct Redis {
    child: Child,
    port: u16,
    dir: TempDir,
}

impl Redis {
    /// Starts a server for `test`, asking for `password` if given, or says why not: see
    /// [`super::missing`].
    pub fn start(test: &str, password: Option<&str>) -> Option<Redis> {
        let Some(bin) = super::on_path("redis-server") else {
            return super::missing(test, "Redis (redis-server)", INSTALL);
        };
        let dir = tempfile::Builder::new()
            .prefix("ch04-redis-")
            .tempdir()
            .expect("a temporary folder");
        for _ in 0..5 {
            let port = super::free_port();
            let log = dir.path().join(format!("log-{port}"));
            let log_file = std::fs::File::create(&log).expect("the log file");
            let mut cmd = Command::new(&bin);
            cmd.args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
                .args(["--save", "", "--appendonly", "no", "--dir"])
                .arg(dir.path());
            if let Some(password) = password {
                cmd.args(["--requirepass", password]);
            }
            let mut child = cmd
                .current_dir(dir.path())
                .stdin(Stdio::null())
                .stdout(log_file)
                .stderr(Stdio::null())
                .spawn()
                .expect("redis-server starts");
            if super::wait_ready(&mut child, &log, "Ready to accept connections") {
                return Some(Redis { child, port, dir });
            }
            let _ = child.wait();
        }
        panic!("redis-server did not start on 5 ports");
    }

    /// `redis://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops the server without closing its sockets (SIGSTOP), as a hung machine would: it
    /// accepts nothing and answers nothing. Dropping it still kills it.
    pub fn freeze(&mut self) {
        super::send(&self.child, "STOP");
    }

    /// Kills the server, as a crash would.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.kill();
    }
}
