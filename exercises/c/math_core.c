/*
 * Chapter 11's C side: the course's `do_math` loop (`math_core.pyx`), compiled by build.rs with the
 * cc crate and linked into every exercise. The ch11 exercises call it through `extern "C"`.
 */
#include <math.h>
#include <stdatomic.h>
#include <stdint.h>

/* How many times ch11_do_math was called, so a test can count the crossings into C. */
static atomic_uint_fast64_t calls;

/* The course's loop: for pos in start..num (num excluded), sqrt((pos - 1000000)^2), summed. */
double ch11_do_math(int64_t start, int64_t num) {
    atomic_fetch_add(&calls, 1);
    double sum = 0.0;
    for (int64_t pos = start; pos < num; pos++) {
        double k = (double)pos - 1000000.0;
        sum += sqrt(k * k);
    }
    return sum;
}

/* The number of calls to ch11_do_math so far, in this process. */
uint64_t ch11_calls(void) { return atomic_load(&calls); }
