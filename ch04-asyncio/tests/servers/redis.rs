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
        let (child, port) = super::on_a_free_port(
            dir.path(),
            "redis-server",
            "Ready to accept connections",
            |port, log| {
                let mut cmd = Command::new(&bin);
                cmd.args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
                    .args(["--save", "", "--appendonly", "no", "--dir"])
                    .arg(dir.path());
                if let Some(password) = password {
                    cmd.args(["--requirepass", password]);
                }
                cmd.current_dir(dir.path())
                    .stdin(Stdio::null())
                    .stdout(log)
                    .stderr(Stdio::null())
                    .spawn()
                    .expect("redis-server starts")
            },
        );
        Some(Redis { child, port, dir })
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
