//! `runtimes`' progress bar and table: how the figures are shown, not what is compared.

use std::io::IsTerminal as _;
use std::time::Duration;

use anstyle::{AnsiColor, Style};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use num_format::{Locale, ToFormattedString};

use super::{Plan, Workload};

/// The fastest runtime's row for each workload.
const BEST: Style = AnsiColor::Green.on_default();

/// One row of the table.
pub(super) struct Row {
    pub(super) workload: Workload,
    pub(super) runtime: String,
    pub(super) spread: Spread,
}

/// `steps` runs to count, drawn on stderr, and only when stdout is a terminal: a table piped to
/// a file or a test gets no progress lines mixed in.
pub(super) fn progress(steps: u64) -> anyhow::Result<ProgressBar> {
    let target = if std::io::stdout().is_terminal() {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    };
    let progress = ProgressBar::with_draw_target(Some(steps), target).with_style(
        ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} runs, {elapsed}: {msg}")?
            .progress_chars("=> "),
    );
    progress.enable_steady_tick(Duration::from_millis(100));
    Ok(progress)
}

pub(super) fn print_table(plan: &Plan, rows: &[Row]) {
    println!();
    println!(
        "{:<26} {:<36} {:>11} {:>19} {:>10}",
        "workload", "runtime", "median ms", "min-max ms", "vs best"
    );
    let mut last = None;
    for row in rows_by_workload(rows) {
        let best = rows
            .iter()
            .filter(|r| r.workload == row.workload)
            .map(|r| r.spread.median)
            .min()
            .unwrap_or(row.spread.median);
        let label = if last == Some(row.workload) {
            String::new()
        } else {
            row.workload.label(plan)
        };
        last = Some(row.workload);
        let ratio = row.spread.median.as_secs_f64() / best.as_secs_f64().max(1e-12);
        let line = format!(
            "{label:<26} {:<36} {:>11} {:>19} {:>9.2}x",
            row.runtime,
            ms(row.spread.median),
            format!("{}-{}", ms(row.spread.min), ms(row.spread.max)),
            ratio
        );
        if ratio < 1.0001 {
            anstream::println!("{BEST}{line}{BEST:#}");
        } else {
            println!("{line}");
        }
    }
    let runs = rows.iter().map(|r| r.spread.runs).max().unwrap_or(0);
    println!();
    println!(
        "Each figure: the median of {runs} runs, with the fastest and slowest; 'vs best' is the \
         median over the fastest runtime's median for that workload."
    );
    println!(
        "Under smol and async-std each download runs inside async_compat::Compat (reqwest needs \
         a tokio reactor; Compat runs one on a background thread). async-std is discontinued \
         upstream (RUSTSEC-2025-0052): use smol for new code."
    );
}

/// Rows grouped by workload, in the order the workloads were run.
fn rows_by_workload(rows: &[Row]) -> Vec<&Row> {
    let order = [
        Workload::Spawn,
        Workload::Channel,
        Workload::Timers,
        Workload::Downloads,
    ];
    order
        .iter()
        .flat_map(|w| rows.iter().filter(move |r| r.workload == *w))
        .collect()
}

/// Several timings of one thing.
#[derive(Debug, Clone)]
pub(super) struct Spread {
    /// The median (the mean of the middle two for an even count).
    median: Duration,
    /// The fastest run.
    min: Duration,
    /// The slowest run.
    max: Duration,
    /// How many runs.
    runs: usize,
}

impl Spread {
    /// Summarises `times`; `None` when there are none.
    pub(super) fn of(times: &[Duration]) -> Option<Spread> {
        let mut t = times.to_vec();
        t.sort();
        let n = t.len();
        let median = match n {
            0 => return None,
            _ if n % 2 == 1 => t[n / 2],
            _ => (t[n / 2 - 1] + t[n / 2]) / 2,
        };
        Some(Spread {
            median,
            min: t[0],
            max: t[n - 1],
            runs: n,
        })
    }
}

/// A duration in milliseconds with sensible precision: `0.042`, `3.14`, `1,234`.
fn ms(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms < 1.0 {
        format!("{ms:.3}")
    } else if ms < 100.0 {
        format!("{ms:.2}")
    } else {
        (ms.round() as u64).to_formatted_string(&Locale::en)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_spread() {
        let d = Duration::from_millis;
        let s = Spread::of(&[d(5), d(1), d(3)]).unwrap();
        assert_eq!((s.median, s.min, s.max, s.runs), (d(3), d(1), d(5), 3));
        let s = Spread::of(&[d(4), d(1), d(2), d(10)]).unwrap();
        assert_eq!(s.median, d(3));
        assert!(Spread::of(&[]).is_none());
    }

    #[test]
    fn ms_formats() {
        assert_eq!(ms(Duration::from_micros(42)), "0.042");
        assert_eq!(ms(Duration::from_micros(3_140)), "3.14");
        assert_eq!(ms(Duration::from_millis(1_234)), "1,234");
    }
}
