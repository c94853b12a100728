//! `--version` names the program (`compute_native 0.1.0`), not only the chapter's crate.

#[test]
fn version_names_the_program() {
    for bin in [
        "compute_native",
        "discarded_loop",
        "hello_world",
        "kernels",
        "overflow",
    ] {
        course_kit::testing::assert_version_names_program(bin);
    }
}
