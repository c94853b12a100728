//! Runs the real `async_program` binary, fast, and checks that every item made is processed.

mod common;

use std::collections::HashMap;

fn counts(lines: &[&str], prefix: &str) -> HashMap<u64, usize> {
    let mut seen = HashMap::new();
    for line in lines {
        if let Some(rest) = line.strip_prefix(prefix) {
            let n: u64 = rest.split_whitespace().next().unwrap().parse().unwrap();
            *seen.entry(n).or_insert(0) += 1;
        }
    }
    seen
}

#[test]
fn two_producers_one_consumer_process_every_item() {
    let r = common::run("async_program", &["--time-scale", "0.002", "--seed", "7"]);
    assert_eq!(r.code, Some(0), "{r:?}");
    let lines = r.lines();
    assert_eq!(lines[0], "App started.");
    assert!(
        lines
            .last()
            .unwrap()
            .starts_with("App exiting, total time: ")
    );
    assert_eq!(lines.len(), 2 + 40 + 40);

    // Each producer makes items 1..=20: every index twice.
    let generated = counts(&lines, " -- generated item ");
    assert_eq!(generated.len(), 20);
    assert!(generated.values().all(|&c| c == 2), "{generated:?}");
    // ...and every value idx² is processed exactly as often as it was made.
    let processed = counts(&lines, " +++ Processed value ");
    let expected: HashMap<u64, usize> = (1..=20).map(|i| (i * i, 2)).collect();
    assert_eq!(processed, expected);
}

#[test]
fn runs_concurrently_so_processing_starts_before_producing_ends() {
    let r = common::run("async_program", &["--time-scale", "0.005", "--items", "5"]);
    assert_eq!(r.code, Some(0), "{r:?}");
    let lines = r.lines();
    let first_processed = lines.iter().position(|l| l.contains("Processed")).unwrap();
    let last_generated = lines.iter().rposition(|l| l.contains("generated")).unwrap();
    // With a sequential program all 10 would be generated before the first is processed.
    assert!(first_processed < last_generated, "{lines:#?}");
    assert_eq!(r.out.matches("Processed value").count(), 10);
}

#[test]
fn bad_flags_exit_2() {
    common::assert_bad_flags(
        "async_program",
        &[
            &["--time-scale", "-1"],
            &["--seed", "x"],
            &["--items", "-3"],
            &["--items", "0"],
            &["--items", "1001"],
            &["--items", "99999999999"],
            &["--nope"],
        ],
    );
}
