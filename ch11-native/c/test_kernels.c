/*
 * A small C test driver for kernels.c and greeter.c, run by sanitize.sh under AddressSanitizer and
 * UndefinedBehaviorSanitizer (tests/sanitizers.rs runs that script). It exercises every kernel the
 * CPU can run over the same table of awkward ranges as the Rust tests, plus inputs outside the
 * contract, so that any out-of-bounds access, float-to-integer overflow or other undefined
 * behaviour in the C code stops the run. Exit status 0: all passed.
 */
#include "kernels.h"

#include <float.h>
#include <math.h>
#include <stdio.h>

/* greeter.c stands alone, without a header of ours: its one function, declared here. */
int ch11_greet(const char *name);

typedef double (*kernel_fn)(double, double);
typedef float (*kernel_f32_fn)(double, double);

static int failures = 0;

static void check(int ok, const char *what, double start, double num, double got, double want) {
    if (!ok) {
        failures++;
        fprintf(stderr, "FAIL %s on (%.17g, %.17g): got %.17g, want %.17g\n", what, start, num,
                got, want);
    }
}

/* Same bound as simd_tolerance() in src/lib.rs: summation order plus one ulp per position. */
static double tolerance(double start, double num, double reference) {
    double n = start < num ? ceil(num - start) + 1.0 : 0.0;
    double m = fmax(fabs(start), fabs(num)) + 1.0 + 1e6;
    return 2.0 * (n + 1.0) * DBL_EPSILON * (fabs(reference) + m);
}

/* The same bound for the f32 kernels, with float's epsilon: their sums are that much coarser. */
static double tolerance_f32(double start, double num, double reference) {
    double n = start < num ? ceil(num - start) + 1.0 : 0.0;
    double m = fmax(fabs(start), fabs(num)) + 1.0 + 1e6;
    return 2.0 * (n + 1.0) * FLT_EPSILON * (fabs(reference) + m);
}

static int cpu_has(unsigned flag) {
    if (!(ch11_kernels_compiled() & flag)) {
        return 0;
    }
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    __builtin_cpu_init();
    if (flag == CH11_HAS_SSE2) return __builtin_cpu_supports("sse2");
    if (flag == CH11_HAS_AVX2) return __builtin_cpu_supports("avx2");
    if (flag == CH11_HAS_AVX512) return __builtin_cpu_supports("avx512f");
#endif
    return flag == CH11_HAS_NEON; /* NEON is compiled only for AArch64, where it always exists */
}

int main(void) {
    struct { const char *name; kernel_fn fn; kernel_f32_fn f32; unsigned flag; } kernels[] = {
        {"portable", ch11_do_math_portable, ch11_do_math_f32_scalar, 0},
        {"sse2", ch11_do_math_sse2, ch11_do_math_f32_sse2, CH11_HAS_SSE2},
        {"avx2", ch11_do_math_avx2, ch11_do_math_f32_avx2, CH11_HAS_AVX2},
        {"avx512", ch11_do_math_avx512, ch11_do_math_f32_avx512, CH11_HAS_AVX512},
        {"neon", ch11_do_math_neon, ch11_do_math_f32_neon, CH11_HAS_NEON},
    };
    double ranges[][2] = {
        {0, 0}, {5, 2}, {1e6, 1e6}, {0, 1}, {999999, 1e6}, {0.5, 10}, {0.25, 100}, {0.1, 50.3},
        {-3.75, 20}, {999990.5, 1000010}, {1e15, 1e15 + 1000}, {-1e15, -1e15 + 37},
        {CH11_MAX_ABS - 100, CH11_MAX_ABS}, {-CH11_MAX_ABS, -CH11_MAX_ABS + 17.5}, {0, 300000},
    };
    int tested = 0;
    for (unsigned k = 0; k < sizeof kernels / sizeof kernels[0]; k++) {
        if (kernels[k].flag && !cpu_has(kernels[k].flag)) {
            printf("not on this CPU: %s\n", kernels[k].name);
            continue;
        }
        tested++;
        /* The fixed table, then every length 0..=70 from three starts (vector widths 2, 4, 8,
         * two vectors per turn: lengths around 16 and 32 cross every tail boundary). */
        for (unsigned r = 0; r < sizeof ranges / sizeof ranges[0] + 71 * 3; r++) {
            double start, num;
            if (r < sizeof ranges / sizeof ranges[0]) {
                start = ranges[r][0];
                num = ranges[r][1];
            } else {
                unsigned i = r - (unsigned)(sizeof ranges / sizeof ranges[0]);
                double starts[3] = {0.0, 999980.0, 0.5};
                start = starts[i / 71];
                num = start + (double)(i % 71);
            }
            double want = ch11_do_math_scalar(start, num);
            double got = kernels[k].fn(start, num);
            check(fabs(got - want) <= tolerance(start, num, want), kernels[k].name, start, num,
                  got, want);
            double got32 = (double)kernels[k].f32(start, num);
            check(fabs(got32 - want) <= tolerance_f32(start, num, want), "f32", start, num,
                  got32, want);
        }
        /* Outside the contract: NaN back, promptly, and no undefined behaviour on the way. */
        double bad[][2] = {{NAN, 1}, {0, INFINITY}, {-INFINITY, 0}, {0, 1e300}, {-1e17, 0}};
        for (unsigned b = 0; b < sizeof bad / sizeof bad[0]; b++) {
            double got = kernels[k].fn(bad[b][0], bad[b][1]);
            check(isnan(got), kernels[k].name, bad[b][0], bad[b][1], got, NAN);
            double got32 = (double)kernels[k].f32(bad[b][0], bad[b][1]);
            check(isnan(got32), "f32", bad[b][0], bad[b][1], got32, NAN);
        }
    }
    /* The scalar kernel against the exact integer answer, and the kept integer loop likewise. */
    long long exact = 0;
    for (long long p = 1; p <= 300000; p++) {
        exact += p < 1000000 ? 1000000 - p : p - 1000000;
    }
    check(ch11_do_math_scalar(0, 300000) == (double)exact, "scalar exact", 0, 300000,
          ch11_do_math_scalar(0, 300000), (double)exact);
    check(ch11_do_math_kept(0, 300000) == (double)exact, "kept exact", 0, 300000,
          ch11_do_math_kept(0, 300000), (double)exact);
    check(isnan(ch11_do_math_scalar(NAN, 1)), "scalar NaN", NAN, 1, 0, NAN);
    check(isnan(ch11_do_math_kept(0, INFINITY)), "kept inf", 0, INFINITY, 0, NAN);
    ch11_do_math_discarded(0, 1e6);
    ch11_do_math_discarded(NAN, 1e6);
    /* The sqrt probes: finite results, no faults. */
    check(isfinite(ch11_sqrt_peak_scalar(1000)), "peak scalar", 0, 0, 0, 0);
    if (cpu_has(CH11_HAS_SSE2)) check(isfinite(ch11_sqrt_peak_sse2(1000)), "peak sse2", 0, 0, 0, 0);
    if (cpu_has(CH11_HAS_AVX2)) check(isfinite(ch11_sqrt_peak_avx2(1000)), "peak avx2", 0, 0, 0, 0);
    if (cpu_has(CH11_HAS_AVX512))
        check(isfinite(ch11_sqrt_peak_avx512(1000)), "peak avx512", 0, 0, 0, 0);
    if (cpu_has(CH11_HAS_NEON)) check(isfinite(ch11_sqrt_peak_neon(1000)), "peak neon", 0, 0, 0, 0);
    /* The greeter reads a string and writes two lines. */
    check(ch11_greet("sanitizer") == 0, "greet", 0, 0, 0, 0);

    printf("%d kernels tested, %d failures\n", tested + 1, failures);
    return failures == 0 ? 0 : 1;
}
