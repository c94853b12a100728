//! `--version` names the program (`deadlock 0.1.0`), not only the chapter's crate.

#[test]
fn version_names_the_program() {
    for bin in [
        "deadlock",
        "poisoned_lock",
        "reentrant",
        "safe_bank",
        "safe_bank_fine_grained",
        "unsafe_bank",
    ] {
        course_kit::testing::assert_version_names_program(bin);
    }
}
