//! The `--timeline` chart: what ran when, one row per request (or worker), drawn with plain
//! characters after the run.
//!
//! ```text
//! /375  |████                                    |
//! /376  |    ████                                |
//! /377  |        █████                           |
//!       0 s                                  1.3 s
//! 3 requests, at most 1 in flight at once
//! ```
//!
//! Each row is a label, then a bar of a fixed number of columns between two `|`, spanning the
//! whole run (from the first start to the last end). A column holds `█` while that row's span
//! was running at any moment of the column's slice of time, and a space otherwise; so two spans
//! that meet end to start can share one column at the edge. The chart fits the terminal's width,
//! or 80 columns when stdout is not a terminal.
//!
//! The network programs get their spans from the embedded site, which sees every request arrive
//! and its last byte leave (`site::LocalSite::spans`); the CPU-bound programs from their workers,
//! which read the clock only at their start and end, so that drawing does not change what it
//! measures.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

/// One row: something that ran from `start` to `end`, both measured from a common origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    /// What the row shows first: a request's path, a worker's name.
    pub label: String,
    /// When it began, from the origin.
    pub start: Duration,
    /// When it ended, from the origin (never before `start`).
    pub end: Duration,
}

impl Span {
    /// A span from `start` to `end` milliseconds: the tests' shorthand.
    #[cfg(test)]
    pub(crate) fn ms(label: &str, start: u64, end: u64) -> Span {
        Span {
            label: label.to_owned(),
            start: Duration::from_millis(start),
            end: Duration::from_millis(end),
        }
    }

    /// A span from two `Instant`s, measured from `origin` (earlier instants count as the origin).
    pub fn between(
        label: impl Into<String>,
        origin: Instant,
        start: Instant,
        end: Instant,
    ) -> Span {
        let start = start.saturating_duration_since(origin);
        let end = end.saturating_duration_since(origin).max(start);
        Span {
            label: label.into(),
            start,
            end,
        }
    }
}

/// What the rows are, for the summary line: `10 requests, at most 10 in flight at once` or
/// `2 workers, at most 2 running at once`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rows {
    /// HTTP requests, "in flight".
    Requests,
    /// Threads or processes, "running".
    Workers,
}

impl Rows {
    /// The chart's last line. (`testing::chart` reads it back by comparing with this.)
    pub(crate) fn summary(self, n: usize, peak: usize) -> String {
        let (one, many, doing) = match self {
            Rows::Requests => ("request", "requests", "in flight"),
            Rows::Workers => ("worker", "workers", "running"),
        };
        let noun = if n == 1 { one } else { many };
        format!("{n} {noun}, at most {peak} {doing} at once")
    }
}

/// The chart's total width: the terminal's, or 80 columns when stdout is not a terminal.
pub fn width() -> usize {
    if std::io::stdout().is_terminal()
        && let Some((terminal_size::Width(w), _)) = terminal_size::terminal_size()
    {
        return usize::from(w).max(MIN_WIDTH);
    }
    80
}

/// The narrowest chart drawn: below this the bar is kept at [`MIN_BAR`] columns and the lines
/// are allowed to wrap.
const MIN_WIDTH: usize = 20;
/// The fewest columns a bar gets.
const MIN_BAR: usize = 10;
/// The longest label kept whole; longer ones are cut with `…`.
const MAX_LABEL: usize = 40;

/// The most spans running at one moment. A span that ends exactly when another starts does not
/// overlap it.
pub fn peak(spans: &[Span]) -> usize {
    // A span too short for the clock to see still ran: give it one nanosecond.
    let mut edges: Vec<(Duration, i32)> = spans
        .iter()
        .flat_map(|s| {
            [
                (s.start, 1),
                (s.end.max(s.start + Duration::from_nanos(1)), -1),
            ]
        })
        .collect();
    // At equal times, ends (-1) sort before starts (+1).
    edges.sort();
    let (mut now, mut most) = (0_i32, 0_i32);
    for (_, step) in edges {
        now += step;
        most = most.max(now);
    }
    usize::try_from(most).unwrap_or(0)
}

/// Draws the chart, `width` characters wide, rows in order of their start (ties keep the given
/// order), ending with the time axis and the summary line. Every line ends with a newline.
pub fn render(spans: &[Span], rows: Rows, width: usize) -> String {
    if spans.is_empty() {
        return format!("{}\n", rows.summary(0, 0));
    }
    let mut sorted: Vec<&Span> = spans.iter().collect();
    sorted.sort_by_key(|s| s.start);
    let origin = sorted[0].start;
    let extent = sorted
        .iter()
        .map(|s| s.end)
        .max()
        .unwrap_or(origin)
        .saturating_sub(origin);

    let labels: Vec<String> = sorted.iter().map(|s| shorten(&s.label)).collect();
    let label_w = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    // A label, a space, `|`, the bar, `|`.
    let bar_w = width.saturating_sub(label_w + 3).max(MIN_BAR);

    let mut out = String::new();
    for (span, label) in sorted.iter().zip(&labels) {
        let (first, last) = columns(span.start - origin, span.end - origin, extent, bar_w);
        out.push_str(&format!("{label:<label_w$} |"));
        for col in 0..bar_w {
            out.push(if (first..=last).contains(&col) {
                '█'
            } else {
                ' '
            });
        }
        out.push_str("|\n");
    }

    // The axis: `0 s` under the bar's first column, the total under its last.
    let start_mark = "0 s";
    let end_mark = format!("{} s", seconds(extent));
    let gap = (bar_w + 2).saturating_sub(start_mark.len() + end_mark.len());
    out.push_str(&format!(
        "{:label_w$} {start_mark}{:gap$}{end_mark}\n",
        "", ""
    ));
    out.push_str(&rows.summary(spans.len(), peak(spans)));
    out.push('\n');
    out
}

/// Prints the chart to stdout at the terminal's width.
pub fn print(spans: &[Span], rows: Rows) {
    print!("{}", render(spans, rows, width()));
}

/// The first and last column (inclusive) of a span from `start` to `end` on a bar of `bar_w`
/// columns covering `extent`. A span always gets at least one column.
fn columns(start: Duration, end: Duration, extent: Duration, bar_w: usize) -> (usize, usize) {
    let extent = extent.as_nanos();
    if extent == 0 {
        return (0, bar_w - 1);
    }
    // Integer arithmetic, so that a span ending exactly on a column's edge stays out of the next.
    let bar = bar_w as u128;
    let last_col = bar_w - 1;
    let col = |n: u128| usize::try_from(n).unwrap_or(usize::MAX);
    let first = col(start.as_nanos() * bar / extent).min(last_col);
    // The column holding the span's last moment: a span ending exactly on a column's left edge
    // does not reach into that column.
    let last = col((end.as_nanos() * bar).div_ceil(extent))
        .saturating_sub(1)
        .clamp(first, last_col);
    (first, last)
}

/// Seconds with at least two significant digits: `4.1`, `0.40`, `0.052`, `0.0031`.
fn seconds(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s >= 1.0 {
        format!("{s:.1}")
    } else if s >= 0.1 {
        format!("{s:.2}")
    } else if s >= 0.01 {
        format!("{s:.3}")
    } else {
        format!("{s:.4}")
    }
}

fn shorten(label: &str) -> String {
    if label.chars().count() <= MAX_LABEL {
        label.to_owned()
    } else {
        let mut cut: String = label.chars().take(MAX_LABEL - 1).collect();
        cut.push('…');
        cut
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `█` columns of each row, from the rendered text.
    fn bars(chart: &str) -> Vec<Vec<usize>> {
        chart
            .lines()
            .filter(|l| l.ends_with('|'))
            .map(|l| {
                let bar = &l[l.find('|').unwrap() + 1..l.len() - 1];
                bar.chars()
                    .enumerate()
                    .filter(|&(_, c)| c == '█')
                    .map(|(i, _)| i)
                    .collect()
            })
            .collect()
    }

    #[test]
    fn every_line_fits_the_width() {
        let spans = [
            Span::ms("/375", 0, 400),
            Span::ms("/376", 400, 900),
            Span::ms("/a-longer-path", 900, 1300),
        ];
        for width in [40, 80, 132] {
            let chart = render(&spans, Rows::Requests, width);
            let lines: Vec<&str> = chart.lines().collect();
            assert_eq!(lines.len(), 3 + 2, "{chart}");
            for line in &lines[..4] {
                assert_eq!(line.chars().count(), width, "width {width}: {line:?}");
            }
            assert!(lines[0].starts_with("/375           |"), "{chart}");
            assert!(lines[3].trim_start().starts_with("0 s"), "{chart}");
            assert!(lines[3].ends_with("1.3 s"), "{chart}");
            assert_eq!(lines[4], "3 requests, at most 1 in flight at once");
        }
        // Too narrow for the labels: the bar keeps its minimum and the lines are longer.
        let narrow = render(&spans, Rows::Requests, 20);
        assert!(
            narrow.starts_with(&format!("/375           |{}|", "████      ")),
            "{narrow}"
        );
    }

    #[test]
    fn a_staircase_and_a_block() {
        let stairs: Vec<Span> = (0..4)
            .map(|i| Span::ms(&format!("/{i}"), i * 100, i * 100 + 100))
            .collect();
        let chart = render(&stairs, Rows::Requests, 45); // a 40-column bar
        let rows = bars(&chart);
        assert_eq!(rows[0], (0..10).collect::<Vec<_>>(), "{chart}");
        assert_eq!(rows[3], (30..40).collect::<Vec<_>>(), "{chart}");
        assert!(chart.ends_with("4 requests, at most 1 in flight at once\n"));

        let block: Vec<Span> = (0..4)
            .map(|i| Span::ms(&format!("/{i}"), i, 400 + i))
            .collect();
        let chart = render(&block, Rows::Requests, 45);
        assert!(bars(&chart).iter().all(|r| r.contains(&20)), "{chart}");
        assert!(chart.ends_with("4 requests, at most 4 in flight at once\n"));
    }

    #[test]
    fn rows_are_in_order_of_start() {
        let chart = render(
            &[Span::ms("/b", 50, 60), Span::ms("/a", 0, 100)],
            Rows::Requests,
            40,
        );
        assert!(chart.starts_with("/a |"), "{chart}");
    }

    #[test]
    fn an_empty_run() {
        assert_eq!(
            render(&[], Rows::Requests, 80),
            "0 requests, at most 0 in flight at once\n"
        );
    }

    #[test]
    fn a_run_of_one() {
        let chart = render(&[Span::ms("worker 1", 5, 5)], Rows::Workers, 30);
        let lines: Vec<&str> = chart.lines().collect();
        assert_eq!(lines[0], format!("worker 1 |{}|", "█".repeat(19)));
        assert_eq!(lines[2], "1 worker, at most 1 running at once");
    }

    #[test]
    fn peak_counts_overlap_not_touching() {
        assert_eq!(peak(&[Span::ms("a", 0, 10), Span::ms("b", 10, 20)]), 1);
        assert_eq!(
            peak(&[
                Span::ms("a", 0, 10),
                Span::ms("b", 9, 20),
                Span::ms("c", 5, 9)
            ]),
            2
        );
        assert_eq!(peak(&[]), 0);
    }

    #[test]
    fn short_runs_keep_two_significant_digits() {
        assert_eq!(seconds(Duration::from_millis(4100)), "4.1");
        assert_eq!(seconds(Duration::from_millis(400)), "0.40");
        assert_eq!(seconds(Duration::from_millis(52)), "0.052");
        assert_eq!(seconds(Duration::from_micros(3100)), "0.0031");
    }

    #[test]
    fn long_labels_are_cut() {
        let label = "x".repeat(100);
        let chart = render(&[Span::ms(&label, 0, 1)], Rows::Requests, 80);
        assert!(
            chart.lines().next().unwrap().chars().count() <= 80,
            "{chart}"
        );
        assert!(chart.contains('…'));
    }
}
