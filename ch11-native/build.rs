//! Compiles the chapter's C code (c/*.c) into a static library linked into every binary, the way
//! Cython's setup.py compiled the course's .pyx files.

fn main() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("c");
    for file in ["kernels.h", "kernels.c", "greeter.c"] {
        println!("cargo::rerun-if-changed=c/{file}");
    }
    cc::Build::new()
        .file(dir.join("kernels.c"))
        .file(dir.join("greeter.c"))
        .include(&dir)
        // The C code is the thing this chapter measures, so build it optimised even in a debug
        // build, like a C library installed from a package.
        .opt_level(2)
        // Plain IEEE arithmetic, so the scalar kernel rounds exactly like the Rust loop: no fused
        // multiply-add contraction (GCC's default in GNU C mode) and never -ffast-math.
        .flag_if_supported("-ffp-contract=off")
        // sqrt need not set errno (Rust's does not), so it stays one instruction.
        .flag_if_supported("-fno-math-errno")
        .warnings(true)
        .extra_warnings(true)
        .compile("ch11native");
}
