//! `--version` names the program (`cityscape_api 0.1.0`), not only the chapter's crate.

#[test]
fn version_names_the_program() {
    for bin in ["cityscape_api", "acityscape_api", "loadtest"] {
        course_kit::testing::assert_version_names_program(bin);
    }
}
