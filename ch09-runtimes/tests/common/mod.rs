//! What several of this crate's test files need.

use course_kit::testing::{self, Page};

/// A server whose every page is 5 MiB, more than the programs read (4 MiB).
pub fn huge_page_server() -> String {
    let url = testing::serve(|_| Page::ok(Some("text/html"), vec![b'x'; 5 << 20]));
    format!("{url}/")
}
