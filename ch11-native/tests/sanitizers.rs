//! Builds the C code with a C test driver under AddressSanitizer and UndefinedBehaviorSanitizer
//! (c/sanitize.sh) and runs it. Skipped, with the reason printed, where the C compiler cannot
//! build sanitized programs (the script exits 77 then); any other failure fails the test.

use std::path::Path;
use std::process::Command;

#[test]
fn c_code_passes_under_asan_and_ubsan() {
    if !cfg!(unix) {
        println!("skipped: sanitize.sh needs a Unix shell");
        return;
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("c/sanitize.sh");
    let build_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("ch11-sanitize");
    let out = Command::new("sh")
        .arg(&script)
        .arg(&build_dir)
        .output()
        .expect("cannot start sh");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    match out.status.code() {
        Some(0) => {
            assert!(stdout.contains(", 0 failures"), "{stdout}");
            assert!(stdout.contains("Hello sanitizer"), "{stdout}");
        }
        Some(77) => println!("{stdout}"),
        _ => panic!(
            "sanitized C tests failed ({}):\n{stdout}\n{stderr}",
            out.status
        ),
    }
}
