//! Compiles the chapter's C code into static libraries linked into the binaries, the way Cython's
//! setup.py compiled the course's .pyx files: `c/kernels.c` (the loop, for the library's FFI) and
//! `c/greeter.c` (for hello_world, which names it with `#[link(name = "greeter")]`).

fn main() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("c");
    for file in ["kernels.h", "kernels.c", "greeter.c"] {
        println!("cargo::rerun-if-changed=c/{file}");
    }
    cc::Build::new()
        .file(dir.join("kernels.c"))
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
    // What hello_world's header tells a learner to write, plus the absolute path (so the greeter's
    // `__FILE__` says where the source is) and warnings.
    cc::Build::new()
        .file(dir.join("greeter.c"))
        .warnings(true)
        .extra_warnings(true)
        .compile("greeter");
}
