//! `--version` names the program (`compute_it 0.1.0`), not only the chapter's crate.

#[test]
fn version_names_the_program() {
    for bin in [
        "compute_it",
        "compute_threaded",
        "cooperative_stop",
        "hello",
        "sync_prod",
        "threaded_prod",
        "worker_panic",
    ] {
        course_kit::testing::assert_version_names_program(bin);
    }
}
