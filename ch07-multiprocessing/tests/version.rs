//! `--version` names the program (`compute_compare 0.1.0`), not only the chapter's crate.

#[test]
fn version_names_the_program() {
    for bin in [
        "compute_compare",
        "compute_multiprocessing",
        "process_costs",
        "shared_state",
    ] {
        course_kit::testing::assert_version_names_program(bin);
    }
}
