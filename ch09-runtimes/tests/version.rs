//! `--version` names the program (`blocking_stalls 0.1.0`), not only the chapter's crate.

#[test]
fn version_names_the_program() {
    for bin in [
        "blocking_stalls",
        "nosync",
        "presync",
        "prod_async_std",
        "prod_asyncio",
        "prod_smol",
        "prod_trio",
        "runtimes",
        "thesync",
        "why_runtimes",
    ] {
        course_kit::testing::assert_version_names_program(bin);
    }
}
