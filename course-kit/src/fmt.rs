//! Python's number formats, which the course's messages use: `{:,}` and `{:,.2f}`.

use num_format::{Locale, ToFormattedString};

/// `{:,}`: an integer with thousands separators, `44500` → `44,500`.
pub fn thousands<N: ToFormattedString>(n: N) -> String {
    n.to_formatted_string(&Locale::en)
}

/// `{:,.2f}`: two decimals and thousands separators, `1234.567` → `1,234.57`.
pub fn secs(x: f64) -> String {
    let fixed = format!("{:.2}", x.abs());
    let (int, frac) = fixed.split_once('.').unwrap_or((&fixed, "00"));
    let int: u64 = int.parse().unwrap_or(0);
    let sign = if x < 0.0 && fixed != "0.00" { "-" } else { "" };
    format!("{sign}{}.{frac}", thousands(int))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_python() {
        assert_eq!(thousands(44_500), "44,500");
        assert_eq!(thousands(-1_234_567_i64), "-1,234,567");
        assert_eq!(secs(0.0), "0.00");
        assert_eq!(secs(1234.567), "1,234.57");
        assert_eq!(secs(-2.5), "-2.50");
        assert_eq!(secs(-0.001), "0.00");
        assert_eq!(secs(999.999), "1,000.00");
    }
}
