//! The HTTP client, set up the same way in every program, and one-line download errors. Feature
//! `net`. `main` builds the client and hands the lesson functions a plain `reqwest::Client`.

use std::time::Duration;

/// The course sends a browser-like User-Agent, because some sites refuse unknown clients.
pub const USER_AGENT: &str =
    "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0 async-techniques-rs";

/// How long to wait for a TCP/TLS connection. Short, so that `--live` without a network fails
/// within a few seconds rather than hanging.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(4);

/// An async client (tokio-based) with the workspace's User-Agent, a short connect timeout and
/// `timeout` for a whole request (`--timeout`).
pub fn client(timeout: Duration) -> reqwest::Result<reqwest::Client> {
    builder(timeout).build()
}

/// A blocking client for the synchronous programs, whose `timeout` also bounds a whole request,
/// from connecting to the body's last byte. Do not call it from inside an async runtime: reqwest's
/// blocking client runs its own runtime and refuses to nest.
pub fn blocking_client(timeout: Duration) -> reqwest::Result<reqwest::blocking::Client> {
    // A blocking builder's `timeout` bounds each wait (the response, then each read of the body),
    // so a server dripping a byte at a time is never caught; the async builder inside it bounds
    // the whole request, body included, as `client` above does.
    reqwest::blocking::ClientBuilder::from(builder(timeout))
        .timeout(timeout)
        .build()
}

/// Both clients' settings: the User-Agent, the connect timeout, and `timeout` for a whole request.
fn builder(timeout: Duration) -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .user_agent(USER_AGENT)
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(timeout)
}

/// A download error as one short line: `HTTP 404 Not Found`, `connection refused`,
/// `timed out`, ... With `live`, network failures add a hint about the default local mode.
pub fn describe(err: &reqwest::Error, live: bool) -> String {
    let mut msg = if let Some(status) = err.status() {
        format!("HTTP {status}")
    } else if err.is_timeout() {
        "timed out".to_owned()
    } else {
        // reqwest's own Display is generic ("error sending request"); the root cause says why.
        let mut root: &dyn std::error::Error = err;
        while let Some(next) = root.source() {
            root = next;
        }
        let root = root.to_string();
        if err.is_connect() {
            format!("could not connect: {root}")
        } else if err.is_body() || err.is_decode() {
            format!("the response broke off: {root}")
        } else {
            root
        }
    };
    if live && (err.is_connect() || err.is_timeout()) {
        msg.push_str(" (no internet? run without --live to use the embedded local site)");
    }
    msg
}
