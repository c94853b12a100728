//! Chapter 8 of the course: execution pools.
//!
//! Two things are shared by the chapter's `program`:
//!
//! - [`title_from_html`]: the course's rule for a page's title.
//! - [`executor`]: one small executor API (`submit` a function, get a [`executor::TaskFuture`]
//!   back, ask it for its `.result()`) with three implementations: a thread pool, a process pool
//!   and rayon's pool. Switching between them changes one line, as switching
//!   `ThreadPoolExecutor` for `ProcessPoolExecutor` does in Python.

pub mod executor;

use std::sync::LazyLock;

use scraper::{ElementRef, Html, Selector};

/// What the course prints when a page has no usable title.
pub const NONE: &str = "NONE";

static H1: LazyLock<Selector> = LazyLock::new(|| Selector::parse("h1").expect("valid selector"));
static A: LazyLock<Selector> = LazyLock::new(|| Selector::parse("a").expect("valid selector"));

/// The course's title rule:
///
/// 1. the stripped text of the first `<h1>`;
/// 2. if that is empty, the stripped text of the first `<a>` inside it;
/// 3. if that is empty too, that link's `title` attribute;
/// 4. otherwise, and when the page has no `<h1>` at all, `NONE`.
///
/// Inner runs of whitespace become one space, so a heading split over lines reads as one line.
///
/// Two small choices where the course's Python is looser than its intent: it tests the
/// *unstripped* heading text, so a whitespace-only `<h1>` would print an empty line instead of
/// falling back; and it returns an empty `title=""` as is. Both give `NONE` here.
///
/// ```
/// use ch08_pools::title_from_html;
/// assert_eq!(title_from_html("<h1>\n  Online Python courses\n</h1>"), "Online Python courses");
/// assert_eq!(title_from_html(r#"<h1><a href="/" title="Real Python"><img></a></h1>"#), "Real Python");
/// assert_eq!(title_from_html("<h2>no h1 here</h2>"), "NONE");
/// ```
pub fn title_from_html(html: &str) -> String {
    let doc = Html::parse_document(html);
    let Some(h1) = doc.select(&H1).next() else {
        return NONE.to_owned();
    };
    let heading = stripped_text(h1);
    if !heading.is_empty() {
        return heading;
    }
    // An empty heading is usually a logo: an image inside a link, named by the link.
    let Some(link) = h1.select(&A).next() else {
        return NONE.to_owned();
    };
    let link_text = stripped_text(link);
    if !link_text.is_empty() {
        return link_text;
    }
    match link.value().attr("title").map(str::trim) {
        Some(title) if !title.is_empty() => title.to_owned(),
        _ => NONE.to_owned(),
    }
}

/// All the text inside `el`, trimmed, with inner whitespace runs folded into single spaces.
fn stripped_text(el: ElementRef<'_>) -> String {
    let words: Vec<&str> = el.text().flat_map(str::split_whitespace).collect();
    words.join(" ")
}

/// The peak resident memory of the calling process (`VmHWM` in `/proc/self/status`), in kB;
/// `None` where the OS does not offer it (only Linux does).
pub fn peak_memory_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_h1_stripped_and_folded() {
        let page = "<h2>sub</h2><h1>\n  Talk <b>Python</b>\n  To Me </h1><h1>second</h1>";
        assert_eq!(title_from_html(page), "Talk Python To Me");
    }

    #[test]
    fn empty_h1_falls_back_to_its_link_text() {
        let page = r#"<h1> <a href="/"> Home page </a> </h1>"#;
        assert_eq!(title_from_html(page), "Home page");
    }

    #[test]
    fn empty_link_falls_back_to_its_title_attribute() {
        let page = r#"<h1><a href="/" title=" Real Python "><img src="x.png" alt=""></a></h1>"#;
        assert_eq!(title_from_html(page), "Real Python");
    }

    #[test]
    fn nothing_usable_is_none() {
        for page in [
            "<p>no heading at all</p>",
            "<h1>   </h1>",
            r#"<h1><a href="/"> </a></h1>"#,
            r#"<h1><a href="/" title="  "></a></h1>"#,
            "",
        ] {
            assert_eq!(title_from_html(page), NONE, "{page:?}");
        }
    }

    #[test]
    fn only_a_link_inside_the_first_h1_counts() {
        // The link sits outside the empty <h1>: the rule does not look there.
        let page = r#"<a href="/" title="Elsewhere">Elsewhere</a><h1></h1>"#;
        assert_eq!(title_from_html(page), NONE);
    }

    #[test]
    fn peak_memory_is_read_on_linux() {
        if cfg!(target_os = "linux") {
            let kb = peak_memory_kb().expect("VmHWM on Linux");
            assert!(
                kb > 100,
                "a running test binary uses more than 100 kB: {kb}"
            );
        }
    }
}
