//! Asks for your name and greets you from a function written in C.
//!
//! Ports: src/11-cython/hello_world/program.py (and greeter.pyx)
//!
//! Run: cargo run -p ch11-native --bin hello_world
//!
//! Expect: `What is your name? `; type a name and the C function `greet` (c/greeter.c, compiled
//! by build.rs with the `cc` crate) prints `Hello {name}` and ` ** Running from … **` with the
//! path of the C source and the compiler baked in at build time. A name with a NUL byte, bytes
//! that are not UTF-8, or end of input (Ctrl-D) give a one-line error and exit code 1.
//!
//! Python vs Rust: Cython turned Python into a C extension module; Rust links C directly (no
//! interpreter, no GIL to release). What needs care is the boundary: a Rust `&str` is UTF-8 with a
//! length and may contain NUL; a C string is NUL-terminated bytes. `CString` converts (refusing an
//! interior NUL) and must outlive the pointer C reads. The one `unsafe` block is in src/lib.rs.

use std::io::{BufRead, Write};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Parser;

/// Greets you from C.
#[derive(Parser, Debug)]
// No bare `about`: it would show the crate's description; clap takes the doc comment above.
#[command(version, long_about = None)]
struct Args {}

fn main() -> ExitCode {
    let _args = Args::parse();
    course_kit::exit::report(run())
}

fn run() -> anyhow::Result<ExitCode> {
    let name = ask_name()?;
    ch11_native::greet(&name).context("cannot greet")?;
    Ok(ExitCode::SUCCESS)
}

/// Reads one line: the raw bytes first, so that bad input is reported as what it is.
fn ask_name() -> anyhow::Result<String> {
    // Like Python's input(): the prompt stays on the line where the name is typed.
    print!("What is your name? ");
    std::io::stdout()
        .flush()
        .context("cannot write to standard output")?;
    let mut line = Vec::new();
    let read = std::io::stdin()
        .lock()
        .read_until(b'\n', &mut line)
        .context("cannot read standard input")?;
    if read == 0 {
        bail!("no name: standard input ended before a line was read");
    }
    while line.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
        line.pop();
    }
    // Rust strings are always UTF-8; C would take any bytes, but the program promises text.
    let name = String::from_utf8(line).map_err(|e| {
        anyhow::anyhow!(
            "the name is not valid UTF-8 (bad byte at offset {})",
            e.utf8_error().valid_up_to()
        )
    })?;
    Ok(name)
}
