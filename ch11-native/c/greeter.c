/*
 * The chapter-11 greeter: the C side of hello_world. The course compiled a Python function with
 * Cython; here a C function is compiled by build.rs (the cc crate) and linked into the Rust binary.
 * This file stands alone (no header of ours), so it can be copied into any project with the
 * build.rs line shown in src/bin/hello_world.rs.
 */
#include <stdio.h>

/* Prints two lines to stdout and flushes. Returns 0, or -1 if writing failed. `name` must be a
 * NUL-terminated string; it is only read during the call. Declared here, and in hello_world.rs. */
int ch11_greet(const char *name);

/* Where this code came from, fixed when it was compiled: __FILE__ is the path the compiler was
 * given (build.rs passes an absolute one), the Python analogue of a module's __file__. */
#if defined(__clang__)
#define CH11_COMPILER __VERSION__ /* already says "Clang ..." */
#elif defined(__GNUC__)
#define CH11_COMPILER "GCC " __VERSION__
#else
#define CH11_COMPILER "an unknown C compiler"
#endif

int ch11_greet(const char *name) {
    /* name is only read here, never stored: the Rust caller frees it after we return. */
    if (printf("Hello %s\n", name) < 0 ||
        printf(" ** Running from %s (C, compiled by %s) **\n", __FILE__, CH11_COMPILER) < 0) {
        return -1;
    }
    /* C's stdout has its own buffer, separate from Rust's: flush so our lines come out now, in
     * order with whatever Rust prints next. */
    return fflush(stdout) == 0 ? 0 : -1;
}
