//! [`Source`]: where a network program's pages come from, from its flags.

use std::io;

use url::Url;

use super::{LocalSite, SiteConfig};
use crate::cli::Net;
use crate::timeline::{self, Rows};

/// Where a network program's pages come from: the embedded site (the default), `--base-url`, or
/// `--live`.
#[derive(Debug)]
pub enum Source {
    /// The embedded site, running on 127.0.0.1 for as long as this value lives.
    Local(LocalSite),
    /// `--base-url`.
    Url(Url),
    /// `--live`: the course's real sites.
    Live,
}

impl Source {
    /// Starts the embedded site, with its latency scaled by `time_scale`, unless `--base-url` or
    /// `--live` was given. Keep the returned value alive while downloading: dropping a
    /// `Source::Local` stops the site.
    pub fn from_flags(net: &Net, time_scale: f64) -> io::Result<Source> {
        Source::with_config(
            net,
            SiteConfig {
                time_scale,
                ..SiteConfig::default()
            },
        )
    }

    /// [`Source::from_flags`] for a program that sets more of the embedded site than its
    /// latency's scale (a seed, faults): `cfg` is used only when the site is started.
    pub fn with_config(net: &Net, cfg: SiteConfig) -> io::Result<Source> {
        Ok(if net.live {
            Source::Live
        } else if let Some(url) = &net.base_url {
            Source::Url(url.clone())
        } else {
            Source::Local(LocalSite::start(cfg)?)
        })
    }

    /// The base URL to put paths under; `live` is the course's real site for this program.
    pub fn base(&self, live: &str) -> String {
        let base = match self {
            Source::Local(site) => site.url().as_str().to_owned(),
            Source::Url(url) => url.as_str().to_owned(),
            Source::Live => live.to_owned(),
        };
        base.trim_end_matches('/').to_owned()
    }

    /// `base/path`, keeping any path the base already has (`--base-url http://h/fault/404`).
    pub fn url_for(&self, live: &str, path: &str) -> String {
        join(&self.base(live), path)
    }

    /// True for `--live`.
    pub fn is_live(&self) -> bool {
        matches!(self, Source::Live)
    }

    /// The embedded site, when it is the source.
    pub fn site(&self) -> Option<&LocalSite> {
        match self {
            Source::Local(site) => Some(site),
            _ => None,
        }
    }

    /// `--timeline`, the one call in a network program's `main`: when `wanted`, draws what the
    /// embedded site saw (one row per request, from its arrival to its last byte out), so the
    /// lesson code needs no timing of its own. Another site cannot be asked what it saw, so with
    /// `--live` or `--base-url` this prints one line saying so (`--timeline: no chart with
    /// --base-url (it draws what the embedded site saw)`), and draws nothing.
    pub fn draw_timeline(&self, wanted: bool) {
        if !wanted {
            return;
        }
        match self {
            Source::Local(site) => timeline::print(&site.spans(), Rows::Requests),
            Source::Url(_) => println!("{}", no_chart("--base-url")),
            Source::Live => println!("{}", no_chart("--live")),
        }
    }
}

/// `base/path` with exactly one slash between them, keeping any path the base already has.
pub(super) fn join(base: &str, path: &str) -> String {
    let (base, path) = (base.trim_end_matches('/'), path.trim_start_matches('/'));
    format!("{base}/{path}")
}

/// What `--timeline` prints instead of a chart when `flag` sent the requests to another site.
pub fn no_chart(flag: &str) -> String {
    format!("--timeline: no chart with {flag} (it draws what the embedded site saw)")
}

#[cfg(test)]
mod tests {
    use super::join;

    #[test]
    fn join_keeps_base_paths() {
        let cases = [
            ("http://h:1/fault/404/", "/375", "http://h:1/fault/404/375"),
            ("https://talkpython.fm", "375", "https://talkpython.fm/375"),
        ];
        for (base, path, url) in cases {
            assert_eq!(join(base, path), url);
        }
    }
}
