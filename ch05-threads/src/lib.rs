//! Chapter 5 of the course: threads. Each program's file holds its whole lesson; this library
//! holds only what several of them share word for word:
//!
//! - [`do_math`]: the course's CPU-bound loop, run by `compute_it` on one thread, by
//!   `compute_threaded` on one slice per thread, and by `benches/compute.rs`, so that all three
//!   time exactly the same loop;
//! - [`parse_num`]: the `--num` flag both compute programs take (support, not a lesson).

/// The course's `do_math(start, num)`: for every `pos` in `start+1 ..= num`, the square root of
/// `(pos - 1,000,000)²`. Returns the sum of those roots.
///
/// Python throws each root away. Rust must not: an optimising compiler deletes a loop whose
/// result nobody uses, and the "benchmark" would then time nothing. Summing the roots and
/// printing the sum keeps the work honest (and gives the tests an exact value to check).
///
/// Every root is a whole number and every partial sum stays below 2⁵³ for `num` up to about
/// 130 million, so the sum is exact and does not depend on how the range is split or in which
/// order the slices are added.
///
/// ```
/// // pos = 999_999, 1_000_000, 1_000_001 → roots 1, 0, 1
/// assert_eq!(ch05_threads::do_math(999_998, 1_000_001), 2.0);
/// assert_eq!(ch05_threads::do_math(5, 5), 0.0); // an empty slice
/// ```
pub fn do_math(start: u64, num: u64) -> f64 {
    let mut sum = 0.0;
    // Python's `while pos < num: pos += 1`. (Not `start + 1..=num`: an inclusive range needs
    // an extra check per step that keeps the compiler from unrolling the loop.)
    for pos in start..num {
        let pos = pos + 1;
        // Integers first, like Python's ints; the conversion to f64 is where `math.sqrt` converts.
        let d = pos as i64 - 1_000_000;
        sum += ((d * d) as f64).sqrt();
    }
    sum
}

/// The largest `--num` the compute programs accept: `(num − 1,000,000)²` must fit in an `i64`.
pub const MAX_NUM: u64 = 1_000_000_000;

/// The value parser for `--num`: a whole number from 1 to [`MAX_NUM`]; `_` and `,` may group
/// digits (`30_000_000`, `30,000,000`). Errors become clap's one-line message and exit code 2.
///
/// ```
/// use ch05_threads::parse_num;
/// assert_eq!(parse_num("30,000,000"), Ok(30_000_000));
/// assert!(parse_num("-5").is_err() && parse_num("0").is_err() && parse_num("lots").is_err());
/// ```
pub fn parse_num(s: &str) -> Result<u64, String> {
    let digits: String = s.chars().filter(|c| !matches!(c, '_' | ',')).collect();
    match digits.parse::<u64>() {
        Ok(n) if (1..=MAX_NUM).contains(&n) => Ok(n),
        _ => Err(format!(
            "must be a whole number from 1 to {}",
            course_kit::fmt::thousands(MAX_NUM)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Σ |pos − 1,000,000| for pos in start+1..=num, by whole-number arithmetic: the oracle.
    fn oracle(start: u64, num: u64) -> u128 {
        let tri = |n: u128| n * (n + 1) / 2; // 0 + 1 + … + n
        let m = 1_000_000u128;
        let below = |x: u128| {
            // Σ |p − m| for p in 1..=x
            if x <= m {
                tri(m - 1) - tri(m - 1 - x)
            } else {
                tri(m - 1) + tri(x - m)
            }
        };
        below(num as u128) - below(start as u128)
    }

    #[test]
    fn do_math_matches_the_closed_form() {
        for (start, num) in [
            (0, 1),
            (0, 10),
            (0, 2_500_000),
            (999_990, 1_000_010),
            (7, 7),
        ] {
            assert_eq!(
                do_math(start, num) as u128,
                oracle(start, num),
                "{start}..{num}"
            );
        }
    }

    #[test]
    fn parse_num_bounds() {
        assert_eq!(parse_num("1"), Ok(1));
        assert_eq!(parse_num("1_000_000_000"), Ok(MAX_NUM));
        assert!(parse_num("1000000001").is_err());
    }
}
