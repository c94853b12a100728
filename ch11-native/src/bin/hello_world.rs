//! Asks for your name and greets you from a function written in C.
//!
//! Ports: `src/11-cython/hello_world/program.py` (and `greeter.pyx`)
//!
//! Run: `cargo run -p ch11-native --bin hello_world`
//!
//! Copy: `cargo add --build cc`, then copy `c/greeter.c` and a `build.rs` that compiles it:
//! `fn main() { cc::Build::new().file("c/greeter.c").compile("greeter"); }`
//!
//! Expect: `What is your name? `; type a name and the C function `ch11_greet` (`c/greeter.c`,
//! compiled by `build.rs` with the `cc` crate) prints `Hello {name}` and ` ** Running from … **`
//! with the path of the C source and the compiler baked in at build time. A name with a NUL byte,
//! bytes that are not UTF-8, or end of input (Ctrl-D) give a one-line error and exit code 1.
//!
//! Python vs Rust: Cython turned Python into a C extension module; Rust links C directly (no
//! interpreter, no GIL to release). What needs care is the boundary: a Rust `&str` is UTF-8 with a
//! length and may contain NUL; a C string is NUL-terminated bytes. `CString` converts (refusing an
//! interior NUL) and must outlive the pointer C reads.

use std::ffi::{CString, c_char, c_int};
use std::fmt;
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
    course_kit::exit::quiet_broken_pipe();
    let _args = Args::parse();
    course_kit::exit::report(run())
}

fn run() -> anyhow::Result<ExitCode> {
    let name = ask_name()?;
    greet(&name).context("cannot greet")?;
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

// SAFETY: matches the definition in c/greeter.c: `int ch11_greet(const char *name)`. Not marked
// `safe`: C reads whatever the pointer points at, so the caller must pass a live NUL-terminated
// string. (The crate denies `unsafe_code`; this declaration and the call in `greet` allow it.)
// `#[link]` names the static library build.rs made of greeter.c, so this file says where the
// function comes from.
#[allow(unsafe_code)]
#[link(name = "greeter", kind = "static")]
unsafe extern "C" {
    fn ch11_greet(name: *const c_char) -> c_int;
}

/// Calls the C function `ch11_greet(name)`, which prints `Hello {name}` and where it was
/// compiled from.
///
/// `&str` is already valid UTF-8; [`CString::new`] adds the NUL terminator C needs and refuses a
/// string with a NUL inside. The `CString` lives until this function returns, i.e. longer than the
/// C call that reads it. (The classic bug is `let p = CString::new(s)?.as_ptr();` and then a call
/// with `p`: the temporary `CString` is freed at the end of the `let`, and C reads freed memory;
/// rustc warns about it as `dangling_pointers_from_temporaries`.)
#[allow(unsafe_code)]
fn greet(name: &str) -> Result<(), GreetError> {
    let c_name = CString::new(name).map_err(|e| GreetError::InteriorNul {
        position: e.nul_position(),
    })?;
    // SAFETY: `c_name.as_ptr()` points to a NUL-terminated string that `c_name` keeps alive and
    // unchanged until this call returns; `ch11_greet` only reads it during the call and keeps no
    // copy of the pointer.
    let rc = unsafe { ch11_greet(c_name.as_ptr()) };
    if rc == 0 { Ok(()) } else { Err(GreetError::Io) }
}

/// Why a name could not be greeted.
#[derive(Debug)]
enum GreetError {
    /// C strings end at the first NUL byte, so a name containing one would be cut short silently.
    InteriorNul {
        /// Byte offset of the first NUL.
        position: usize,
    },
    /// The C side could not write to stdout.
    Io,
}

impl fmt::Display for GreetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GreetError::InteriorNul { position } => write!(
                f,
                "the name contains a NUL byte (at byte {position}), which a C string cannot hold"
            ),
            GreetError::Io => f.write_str("the C greeter could not write to stdout"),
        }
    }
}

impl std::error::Error for GreetError {}
