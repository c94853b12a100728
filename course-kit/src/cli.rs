//! The workspace's one command-line convention, as clap argument groups.
//!
//! A program declares only the groups it uses and flattens them into its own `Args`:
//!
//! ```
//! use clap::Parser;
//! use course_kit::cli::{Seed, TimeScale};
//!
//! #[derive(Parser, Debug)]
//! struct Args {
//!     #[command(flatten)]
//!     time: TimeScale,
//!     #[command(flatten)]
//!     seed: Seed,
//! }
//!
//! let args = Args::parse_from(["prog", "--time-scale", "0.01", "--seed", "7"]);
//! assert_eq!(args.time.secs(2.0).as_millis(), 20);
//! ```
//!
//! Bad values are rejected by clap with a one-line error and exit code 2.

use std::num::NonZeroUsize;
use std::time::Duration;

use clap::Args;
use rand::SeedableRng;
use rand::rngs::StdRng;
#[cfg(feature = "net")]
use url::Url;

/// `--time-scale <F>`: multiplies every sleep (in network programs, the embedded site's latency too).
#[derive(Debug, Clone, Copy, Args)]
pub struct TimeScale {
    /// Multiply every sleep by F: 1.0 keeps the course's timing, 0.01 runs a 20 s demo in 0.2 s
    #[arg(long = "time-scale", value_name = "F", default_value_t = 1.0, value_parser = parse_time_scale)]
    pub time_scale: f64,
}

impl Default for TimeScale {
    fn default() -> Self {
        TimeScale { time_scale: 1.0 }
    }
}

impl TimeScale {
    /// `secs` seconds of course time, scaled by `--time-scale`.
    pub fn secs(&self, secs: f64) -> Duration {
        Duration::from_secs_f64(secs * self.time_scale)
    }
}

fn parse_time_scale(s: &str) -> Result<f64, String> {
    let v: f64 = s.parse().map_err(|_| format!("`{s}` is not a number"))?;
    if !v.is_finite() || !(0.0..=1000.0).contains(&v) {
        return Err(format!("must be between 0 and 1000, got {s}"));
    }
    Ok(v)
}

/// `--workers <N>`: how many workers; defaults to the machine's available parallelism.
#[derive(Debug, Clone, Copy, Args)]
pub struct Workers {
    /// Number of workers [default: the machine's available parallelism]
    #[arg(long, value_name = "N",
          value_parser = clap::value_parser!(u16).range(1..=MAX_WORKERS as i64))]
    pub workers: Option<u16>,
}

/// The most workers any program accepts. Far beyond any core count: more threads or processes
/// than cores only add overhead, and a typo like `--workers 100000` should not start 100,000
/// processes.
pub const MAX_WORKERS: usize = 1024;

impl Workers {
    /// The requested worker count, or the available parallelism.
    pub fn get(&self) -> usize {
        self.workers.map_or_else(available_parallelism, usize::from)
    }
}

/// What the OS says this process may use (cgroup and affinity aware); 1 if it cannot tell.
pub fn available_parallelism() -> usize {
    std::thread::available_parallelism().map_or(1, NonZeroUsize::get)
}

/// `--seed <U64>`: makes every random choice reproducible.
#[derive(Debug, Clone, Copy, Args)]
pub struct Seed {
    /// Seed for every random choice, so a run can be repeated exactly [default: random]
    #[arg(long, value_name = "U64")]
    pub seed: Option<u64>,
}

impl Seed {
    /// The seed to use: the given one, or a fresh random one.
    pub fn value(&self) -> u64 {
        self.seed.unwrap_or_else(rand::random)
    }

    /// A generator for stream `stream` of the given seed. Threads and tasks each take their own
    /// stream, so runs with the same seed make the same choices whatever the interleaving.
    pub fn rng_for(seed: u64, stream: u64) -> StdRng {
        // `seed_from_u64` spreads one number; two must first become one without `(1, 0)` and
        // `(0, 1)` colliding, which a plain sum or xor would do. One SplitMix64 step does it,
        // and every seeded stream of the workspace goes through here (the
        // site's page latencies keep their own path hash: see `site.rs`).
        let mut z = seed ^ stream.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        StdRng::seed_from_u64(z ^ (z >> 31))
    }
}

/// `--timeline`: after the run, draw a chart of what ran when (see [`crate::timeline`]).
#[derive(Debug, Clone, Copy, Default, Args)]
pub struct Timeline {
    /// After the run, draw a chart of what ran when: one row per request (or worker), a bar while it was in flight
    #[arg(long)]
    pub timeline: bool,
}

/// Where network programs fetch from: `--base-url`, `--live`, `--timeout`. Feature `net`.
#[cfg(feature = "net")]
#[derive(Debug, Clone, Args)]
pub struct Net {
    /// Fetch from this base URL instead of the embedded local site
    #[arg(long, value_name = "URL", value_parser = parse_http_url, conflicts_with = "live")]
    pub base_url: Option<Url>,
    /// Fetch from the course's real web sites (needs the internet)
    #[arg(long)]
    pub live: bool,
    /// Give up on one request after this many seconds
    #[arg(long, value_name = "SECS", default_value_t = 10.0, value_parser = parse_timeout)]
    pub timeout: f64,
}

/// An `http://` or `https://` URL with a host, or clap's one-line usage error (exit 2): the
/// value parser of `--base-url`, and of any program's URL arguments.
#[cfg(feature = "net")]
pub fn parse_http_url(s: &str) -> Result<Url, String> {
    let url = Url::parse(s).map_err(|e| format!("`{s}` is not a URL: {e}"))?;
    match url.scheme() {
        "http" | "https" if url.has_host() => Ok(url),
        _ => Err(format!(
            "`{s}` must be an http:// or https:// URL with a host"
        )),
    }
}

#[cfg(feature = "net")]
fn parse_timeout(s: &str) -> Result<f64, String> {
    let v: f64 = s.parse().map_err(|_| format!("`{s}` is not a number"))?;
    if !v.is_finite() || v <= 0.0 || v > 3600.0 {
        return Err(format!(
            "must be more than 0 and at most 3600 seconds, got {s}"
        ));
    }
    Ok(v)
}

#[cfg(feature = "net")]
impl Net {
    /// The per-request timeout.
    pub fn timeout(&self) -> Duration {
        Duration::from_secs_f64(self.timeout)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser, Debug)]
    struct All {
        #[command(flatten)]
        time: TimeScale,
        #[command(flatten)]
        workers: Workers,
        #[command(flatten)]
        seed: Seed,
        #[command(flatten)]
        timeline: Timeline,
        #[cfg(feature = "net")]
        #[command(flatten)]
        net: Net,
    }

    #[test]
    fn defaults_follow_the_course() {
        let a = All::try_parse_from(["p"]).unwrap();
        assert_eq!(a.time.time_scale, 1.0);
        assert_eq!(a.workers.get(), available_parallelism());
        assert!(a.seed.seed.is_none());
        assert!(!a.timeline.timeline);
        #[cfg(feature = "net")]
        assert!(!a.net.live && a.net.base_url.is_none());
    }

    #[test]
    fn bad_values_are_rejected() {
        for bad in [
            &["p", "--workers", "0"][..],
            &["p", "--workers", "x"],
            &["p", "--workers", "1025"],
            &["p", "--time-scale", "-1"],
            &["p", "--time-scale", "nan"],
            &["p", "--seed", "-3"],
            &["p", "--timeline", "yes"],
            #[cfg(feature = "net")]
            &["p", "--base-url", "ftp://x"],
            #[cfg(feature = "net")]
            &["p", "--base-url", "not a url"],
            #[cfg(feature = "net")]
            &["p", "--timeout", "0"],
            #[cfg(feature = "net")]
            &["p", "--live", "--base-url", "http://127.0.0.1:1"],
        ] {
            let err = All::try_parse_from(bad).unwrap_err();
            assert_eq!(err.exit_code(), 2, "{bad:?}");
        }
    }

    #[test]
    fn streams_differ_and_repeat() {
        use rand::Rng;
        let a: u64 = Seed::rng_for(1, 0).random();
        let b: u64 = Seed::rng_for(1, 1).random();
        assert_ne!(a, b);
        assert_eq!(a, Seed::rng_for(1, 0).random::<u64>());
    }
}
