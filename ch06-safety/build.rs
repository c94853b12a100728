//! The model checker's copies of the bank programs, for `tests/model.rs`: each program's file as it
//! is, with std's `Mutex`, `AtomicI64` and `thread` swapped for shuttle's, which let the checker
//! choose every thread switch (as tokio's tests do with loom). The programs themselves stay plain
//! std, so a copied file builds and tests in any project. Also drops the `//!` header, which
//! `include!` does not accept.

use std::{env, fs, path::Path};

/// The programs whose lesson functions tests/model.rs explores.
const PROGRAMS: [&str; 5] = [
    "unsafe_bank",
    "safe_bank",
    "safe_bank_fine_grained",
    "poisoned_lock",
    "deadlock",
];

/// Each import of a std primitive that shuttle replaces, and its replacement.
const SWAPS: [(&str, &str); 4] = [
    ("use std::thread;", "use shuttle::thread;"),
    ("use std::sync::Mutex;", "use shuttle::sync::Mutex;"),
    (
        "use std::sync::{Mutex, PoisonError};",
        "use shuttle::sync::Mutex;\nuse std::sync::PoisonError;",
    ),
    (
        "use std::sync::atomic::{AtomicBool, AtomicI64};",
        "use shuttle::sync::atomic::AtomicI64;\nuse std::sync::atomic::AtomicBool;",
    ),
];

fn main() {
    let out = env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    println!("cargo::rerun-if-changed=build.rs");
    for program in PROGRAMS {
        let path = format!("src/bin/{program}.rs");
        println!("cargo::rerun-if-changed={path}");
        let source = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let mut model: String = source
            .lines()
            .filter(|line| !line.starts_with("//!"))
            .map(|line| format!("{line}\n"))
            .collect();
        for (std, shuttle) in SWAPS {
            model = model.replace(std, shuttle);
        }
        // A primitive left on std would run unexplored: the model would prove nothing about it.
        for line in model.lines().filter(|l| l.starts_with("use std::")) {
            for left in ["thread", "Mutex", "AtomicI64"] {
                assert!(
                    !line.contains(left),
                    "{path}: `{line}` not swapped for shuttle's"
                );
            }
        }
        assert!(
            model.contains("use shuttle::thread;"),
            "{path}: no `use std::thread;`"
        );
        fs::write(Path::new(&out).join(format!("{program}.rs")), model).unwrap();
    }
}
