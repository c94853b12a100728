//! Runs the real `hello_world` binary with its standard input piped: a normal name, then the
//! three ways a name can fail to reach C (NUL byte, invalid UTF-8, end of input).

use course_kit::testing::{self, Output};

fn run(stdin: &[u8]) -> Output {
    testing::output(testing::command("hello_world").write_stdin(stdin.to_vec()))
}

#[test]
fn greets_by_name_from_c() {
    let (out, err, code) = run("Zoë\n".as_bytes());
    assert_eq!(code, Some(0), "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "What is your name? Hello Zoë");
    assert!(lines[1].starts_with(" ** Running from "), "{}", lines[1]);
    assert!(lines[1].ends_with(" **"), "{}", lines[1]);
    // The path the C compiler baked in when build.rs compiled the greeter.
    assert!(lines[1].contains("greeter.c"), "{}", lines[1]);
    assert_eq!(lines.len(), 2);
    assert!(err.is_empty(), "{err}");
}

#[test]
fn windows_line_endings_and_no_final_newline_are_fine() {
    for input in [&b"Mark\r\n"[..], b"Mark"] {
        let (out, _, code) = run(input);
        assert_eq!(code, Some(0));
        assert!(
            out.starts_with("What is your name? Hello Mark\n"),
            "{out:?}"
        );
    }
}

#[test]
fn a_nul_byte_in_the_name_is_refused_not_truncated() {
    let (out, err, code) = run(b"Mi\0chael\n");
    assert_eq!(code, Some(1));
    assert_eq!(
        err,
        "error: a C string cannot hold a NUL: nul byte found in provided data at position: 2\n"
    );
    assert!(!out.contains("Hello"), "C never ran: {out:?}");
}

#[test]
fn invalid_utf8_is_refused() {
    let (out, err, code) = run(b"Sa\xffrah\n");
    assert_eq!(code, Some(1));
    assert_eq!(err, "error: stream did not contain valid UTF-8\n");
    assert!(!out.contains("Hello"));
}

#[test]
fn end_of_input_at_the_prompt_is_a_clean_error() {
    let (out, err, code) = run(b"");
    assert_eq!(code, Some(1));
    assert_eq!(out, "What is your name? ");
    assert_eq!(err, "error: no name: the input ended first\n");
}

#[test]
fn bad_flags_exit_2() {
    testing::assert_bad_flags("hello_world", &[&["--nope"], &["--version=3"]]);
}

#[test]
fn help_and_version() {
    let (out, _, code) = testing::output(testing::command("hello_world").arg("--help"));
    assert_eq!(code, Some(0));
    assert!(out.starts_with("Greets you from C.\n"), "{out}");
    let (out, _, code) = testing::output(testing::command("hello_world").arg("-V"));
    assert_eq!(code, Some(0));
    assert!(
        out.starts_with("hello_world "),
        "the program's own name: {out}"
    );
}
