//! Asks for your name and greets you from a function written in C.
//!
//! Ports: <https://github.com/talkpython/async-techniques-python-course/blob/master/src/11-cython/hello_world/program.py>
//! (and `greeter.pyx`, here `c/greeter.c`). Run: `cargo run -p ch11-native --bin hello_world`
//! Copy: `cargo add anyhow clap -F clap/derive` and `cargo add --build cc`, `c/greeter.c`, and a
//! `build.rs` with `fn main() { cc::Build::new().file("c/greeter.c").compile("greeter"); }`
//! Expect: `What is your name? `, then from C: `Hello {name}` and ` ** Running from …greeter.c **`
//! Python vs Rust: Rust calls C directly; `CString` refuses a name with a NUL byte inside.
#![allow(unsafe_code)] // the crate denies it; this file calls C

use std::{ffi::CString, io::Write, process::ExitCode};

use anyhow::{Context, ensure};

#[derive(clap::Parser)]
#[command(name = "hello_world", version, about = "Greets you from C.", long_about = None)]
struct Args;

fn main() -> ExitCode {
    course_kit::exit::quiet_broken_pipe();
    <Args as clap::Parser>::parse();
    course_kit::exit::report(input("What is your name? ").and_then(|name| greet(&name)))
}

fn input(prompt: &str) -> anyhow::Result<String> {
    print!("{prompt}");
    std::io::stdout().flush()?;
    let line = std::io::stdin().lines().next();
    Ok(line.context("no name: the input ended first")??)
}

/// `greeter.greet`: C prints `Hello {name}` and where it was compiled from. (`input` is Python's.)
fn greet(name: &str) -> anyhow::Result<ExitCode> {
    let name = CString::new(name).context("a C string cannot hold a NUL")?;
    // SAFETY: `name` is NUL-terminated and outlives the call; C reads it only during the call.
    ensure!(unsafe { ch11_greet(name.as_ptr()) } == 0, "C failed");
    Ok(ExitCode::SUCCESS)
}

#[link(name = "greeter", kind = "static")] // SAFETY: c/greeter.c's signature; build.rs builds it
unsafe extern "C" {
    fn ch11_greet(name: *const std::ffi::c_char) -> std::ffi::c_int;
}
