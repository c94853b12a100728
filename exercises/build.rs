//! Compiles chapter 11's C file, which the `ch11` exercises call through `extern "C"`.
fn main() {
    println!("cargo::rerun-if-changed=c/math_core.c");
    cc::Build::new().file("c/math_core.c").compile("math_core");
}
