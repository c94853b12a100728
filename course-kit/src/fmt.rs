//! Python's `{:,}`, which the course's messages use. (Its `{:,.2f}` of a time is `{dt:.2}` here:
//! the comma shows only past 1,000 s.)

use num_format::{Locale, ToFormattedString};

/// `{:,}`: an integer with thousands separators, `44500` → `44,500`.
pub fn thousands<N: ToFormattedString>(n: N) -> String {
    n.to_formatted_string(&Locale::en)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_python() {
        assert_eq!(thousands(44_500), "44,500");
        assert_eq!(thousands(-1_234_567_i64), "-1,234,567");
    }
}
