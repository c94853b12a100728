//! `--version` names the program (`async_files 0.1.0`), not only the chapter's crate.

#[test]
fn version_names_the_program() {
    for bin in [
        "async_files",
        "async_program",
        "async_scrape",
        "async_stream",
        "count_async",
        "lazy_futures",
        "loop_program",
        "async_postgres",
        "async_redis",
        "loop_program_uv",
        "rand_async",
        "simple_gen",
        "sync_program",
        "sync_scrape",
        "task_group",
        "to_thread",
    ] {
        course_kit::testing::assert_version_names_program(bin);
    }
}
