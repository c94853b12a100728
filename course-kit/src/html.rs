//! HTML helpers shared by the scrapers.

use std::sync::LazyLock;

use scraper::{Html, Selector};

static H1: LazyLock<Selector> = LazyLock::new(|| Selector::parse("h1").expect("valid selector"));

/// The stripped text of the first `<h1>`, or `None` when the page has none (the course prints
/// `MISSING` then). Inner whitespace runs are folded into single spaces.
pub fn first_h1(html: &str) -> Option<String> {
    let doc = Html::parse_document(html);
    let h1 = doc.select(&H1).next()?;
    let text: String = h1.text().collect();
    Some(text.split_whitespace().collect::<Vec<_>>().join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_the_first_h1_stripped() {
        let page = "<html><body><h2>x</h2><h1>\n  Hello <b>as</b>ync  world \n</h1><h1>no</h1></body></html>";
        assert_eq!(first_h1(page).as_deref(), Some("Hello async world"));
        assert_eq!(first_h1("<p>none</p>"), None);
        assert_eq!(first_h1("<h1>  </h1>").as_deref(), Some(""));
    }
}
