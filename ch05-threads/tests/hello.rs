//! Runs the real `hello` binary, fast, and checks what it prints and that main does not wait
//! for the slow greeters.

use course_kit::testing::{self, Output};

fn run(args: &[&str]) -> Output {
    testing::run("hello", args)
}

/// The numbers `n` of the `{n}. Hello there {name}` lines, in the order printed.
fn greetings(out: &str, name: &str) -> Vec<u32> {
    let suffix = format!(". Hello there {name}");
    out.lines()
        .filter_map(|l| l.strip_suffix(&suffix)?.parse().ok())
        .collect()
}

#[test]
fn main_waits_a_bounded_time_then_leaves_the_slow_greeters_behind() {
    // One course second is 0.1 s here: main waits ~0.3 s in all.
    let (out, err, code) = run(&["--time-scale", "0.1"]);
    assert_eq!(code, Some(0), "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(out.matches("Done.").count(), 1);
    // "Done." comes at ~3 s, just when the greeters still alive print their next line, so one
    // of those may slip out between "Done." and the end of the process (as in Python).
    let done = lines.iter().position(|l| *l == "Done.").unwrap();
    assert!(lines.len() - done <= 4, "{out}");
    // The main thread's own work, in order.
    let work = lines
        .iter()
        .position(|l| *l == "This is other work.")
        .unwrap();
    assert_eq!(
        lines[work + 1..].iter().find(|l| !l.contains("Hello")),
        Some(&"4")
    );

    // Every greeter counts up from 0 without gaps...
    for name in ["Michael", "Sarah", "Zoe", "Mark"] {
        let seen = greetings(&out, name);
        let count = u32::try_from(seen.len()).unwrap();
        assert_eq!(seen, (0..count).collect::<Vec<_>>(), "{name}: {out}");
        assert!(count >= 1, "{name} started");
    }
    // ...Zoe (2 greetings, ~2 s) ends within main's waits...
    assert_eq!(greetings(&out, "Zoe"), vec![0, 1]);
    // ...and the long greeters die with the process long before they finish (10 and 11 greetings
    // would take 1 s and 1.1 s here; main gives up after about 0.4 s at most).
    assert!(greetings(&out, "Michael").len() < 10, "{out}");
    assert!(greetings(&out, "Mark").len() < 11, "{out}");
}

#[test]
fn bad_flags_exit_2_with_one_line() {
    course_kit::testing::assert_bad_flags("hello", &[&["--time-scale", "slow"][..], &["--nope"]]);
}
