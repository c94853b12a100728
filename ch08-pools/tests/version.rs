//! `--version` names the program (`program 0.1.0`), not only the chapter's crate.

#[test]
fn version_names_the_program() {
    course_kit::testing::assert_version_names_program("program");
}
