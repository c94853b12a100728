/*
 * The chapter-11 C kernels. See kernels.h for the contract; build.rs compiles this file with -O2,
 * -ffp-contract=off (no fused multiply-add: the scalar kernel must round exactly like Rust) and
 * -fno-math-errno (sqrt need not set errno, as Rust's does not: it can stay one instruction).
 */
#include "kernels.h"

#include <math.h>
#include <string.h>

/* The course's constant: pos is measured from one million. */
#define K_SQ 1000000.0

static int range_ok(double start, double num) {
    /* NaN fails every comparison, so this also rejects NaN; infinities fail the bounds. */
    return start >= -CH11_MAX_ABS && start <= CH11_MAX_ABS && num >= -CH11_MAX_ABS &&
           num <= CH11_MAX_ABS;
}

/* How many turns the loop makes: the smallest n with start + n >= num (0 if start >= num).
 * ceil(num - start) is right but for the last rounding of a fractional start, so nudge it until
 * it agrees with the positions the SIMD kernels compute, start + k. */
static uint64_t iterations(double start, double num) {
    if (!(start < num)) {
        return 0;
    }
    uint64_t n = (uint64_t)ceil(num - start);
    while (n > 0 && start + (double)(n - 1) >= num) {
        n--;
    }
    while (start + (double)n < num) {
        n++;
    }
    return n;
}

/* The terms the SIMD kernels leave over (fewer than two vectors' worth), one at a time. */
static double tail(double start, uint64_t from, uint64_t n, double acc) {
    for (uint64_t k = from + 1; k <= n; k++) {
        double d = (start + (double)k) - K_SQ;
        acc += sqrt(d * d);
    }
    return acc;
}

double ch11_do_math_scalar(double start, double num) {
    if (!range_ok(start, num)) {
        return NAN;
    }
    /* Operation for operation the Rust loop in src/lib.rs, so the two agree to the last bit:
     * same additions in the same order, and sqrt is correctly rounded in both languages. */
    double pos = start;
    double acc = 0.0;
    while (pos < num) {
        pos += 1.0;
        double d = pos - K_SQ;
        acc += sqrt(d * d);
    }
    return acc;
}

double ch11_do_math_portable(double start, double num) {
    if (!range_ok(start, num)) {
        return NAN;
    }
    /* Plain C, no ISA named: four independent running sums. They let the CPU overlap four square
     * roots, and let the compiler use whatever vectors the baseline target has. */
    uint64_t n = iterations(start, num);
    double acc[4] = {0.0, 0.0, 0.0, 0.0};
    uint64_t i = 0;
    for (; n - i >= 4; i += 4) {
        for (int j = 0; j < 4; j++) {
            double d = (start + (double)(i + (uint64_t)j + 1)) - K_SQ;
            acc[j] += sqrt(d * d);
        }
    }
    return tail(start, i, n, (acc[0] + acc[1]) + (acc[2] + acc[3]));
}

/*
 * One SIMD loop, written once and stamped out per instruction set. VEC is a GCC/Clang vector type
 * of WIDTH doubles, so + - * act lane by lane; SQRT is the ISA's vector square root. Each turn
 * handles two vectors with two running sums, so two square roots are always in flight.
 * Lane j of the first vector holds position start + i + j + 1, exactly as the scalar loop would
 * reach it; the sum differs from the scalar one only in the order of the additions.
 */
#define CH11_SIMD_KERNEL(NAME, ATTR, VEC, WIDTH, SQRT)                                         \
    ATTR double NAME(double start, double num) {                                               \
        if (!range_ok(start, num)) {                                                           \
            return NAN;                                                                        \
        }                                                                                      \
        uint64_t n = iterations(start, num);                                                   \
        double init[2 * (WIDTH)];                                                              \
        for (int j = 0; j < 2 * (WIDTH); j++) {                                                \
            init[j] = (double)(j + 1);                                                         \
        }                                                                                      \
        VEC k0, k1;                                                                            \
        memcpy(&k0, init, sizeof k0);                                                          \
        memcpy(&k1, init + (WIDTH), sizeof k1);                                                \
        VEC acc0 = k0 * 0.0, acc1 = k0 * 0.0;                                                  \
        uint64_t i = 0;                                                                        \
        for (; n - i >= 2 * (WIDTH); i += 2 * (WIDTH)) {                                       \
            VEC d0 = (k0 + start) - K_SQ;                                                      \
            VEC d1 = (k1 + start) - K_SQ;                                                      \
            acc0 += SQRT(d0 * d0);                                                             \
            acc1 += SQRT(d1 * d1);                                                             \
            k0 += 2.0 * (WIDTH);                                                               \
            k1 += 2.0 * (WIDTH);                                                               \
        }                                                                                      \
        double lanes[WIDTH];                                                                   \
        VEC both = acc0 + acc1;                                                                \
        memcpy(lanes, &both, sizeof lanes);                                                    \
        double acc = 0.0;                                                                      \
        for (int j = 0; j < (WIDTH); j++) {                                                    \
            acc += lanes[j];                                                                   \
        }                                                                                      \
        return tail(start, i, n, acc);                                                         \
    }

/* The terms the f32 kernels leave over, one at a time, in float. */
static float tail_f32(double start, uint64_t from, uint64_t n, float acc) {
    for (uint64_t k = from + 1; k <= n; k++) {
        float d = (float)((start + (double)k) - K_SQ);
        acc += sqrtf(d * d);
    }
    return acc;
}

float ch11_do_math_f32_scalar(double start, double num) {
    if (!range_ok(start, num)) {
        return NAN;
    }
    /* The course's float loop, but counted in an integer: `float pos; pos += 1` would stop at
     * 2^24, where pos + 1 rounds back to pos, and never reach a larger num. */
    return tail_f32(start, 0, iterations(start, num), 0.0f);
}

/*
 * The SIMD loop again in 32-bit floats: VEC holds WIDTH floats, twice as many lanes as the double
 * vector of the same size, and its square root is cheaper. Each turn rounds one base position
 * (start + i - 1e6) to float and adds the lane offsets 1, 2, ..., 2*WIDTH to it in float, so the
 * positions are whole numbers held exactly up to 2^24 and rounded beyond; each lane keeps a float
 * running sum, whose 24-bit significand cannot hold sums of millions of terms to the unit.
 */
#define CH11_SIMD_KERNEL_F32(NAME, ATTR, VEC, WIDTH, SQRT)                                     \
    ATTR float NAME(double start, double num) {                                                \
        if (!range_ok(start, num)) {                                                           \
            return NAN;                                                                        \
        }                                                                                      \
        uint64_t n = iterations(start, num);                                                   \
        float init[2 * (WIDTH)];                                                               \
        for (int j = 0; j < 2 * (WIDTH); j++) {                                                \
            init[j] = (float)(j + 1);                                                          \
        }                                                                                      \
        VEC k0, k1;                                                                            \
        memcpy(&k0, init, sizeof k0);                                                          \
        memcpy(&k1, init + (WIDTH), sizeof k1);                                                \
        VEC acc0 = k0 * 0.0f, acc1 = k0 * 0.0f;                                                \
        uint64_t i = 0;                                                                        \
        for (; n - i >= 2 * (WIDTH); i += 2 * (WIDTH)) {                                       \
            float base = (float)((start + (double)i) - K_SQ);                                  \
            VEC d0 = k0 + base;                                                                \
            VEC d1 = k1 + base;                                                                \
            acc0 += SQRT(d0 * d0);                                                             \
            acc1 += SQRT(d1 * d1);                                                             \
        }                                                                                      \
        float lanes[WIDTH];                                                                    \
        VEC both = acc0 + acc1;                                                                \
        memcpy(lanes, &both, sizeof lanes);                                                    \
        float acc = 0.0f;                                                                      \
        for (int j = 0; j < (WIDTH); j++) {                                                    \
            acc += lanes[j];                                                                   \
        }                                                                                      \
        return tail_f32(start, i, n, acc);                                                     \
    }

/* The sqrt-throughput probe: 8 independent chains x = sqrt(x) + 1e6 (x stays near 1,001,000, an
 * ordinary operand). Eight chains are more than the square-root latency needs to be hidden, so
 * the loop runs at the square-root unit's throughput; the adds run on other ports. */
#define CH11_SQRT_PEAK(NAME, ATTR, VEC, SQRT)                                                  \
    ATTR double NAME(uint64_t iters) {                                                         \
        VEC x[8];                                                                              \
        for (int j = 0; j < 8; j++) {                                                          \
            memset(&x[j], 0, sizeof x[j]);                                                     \
            x[j] += K_SQ + (double)j;                                                          \
        }                                                                                      \
        for (uint64_t i = 0; i < iters; i++) {                                                 \
            x[0] = SQRT(x[0]) + K_SQ;                                                          \
            x[1] = SQRT(x[1]) + K_SQ;                                                          \
            x[2] = SQRT(x[2]) + K_SQ;                                                          \
            x[3] = SQRT(x[3]) + K_SQ;                                                          \
            x[4] = SQRT(x[4]) + K_SQ;                                                          \
            x[5] = SQRT(x[5]) + K_SQ;                                                          \
            x[6] = SQRT(x[6]) + K_SQ;                                                          \
            x[7] = SQRT(x[7]) + K_SQ;                                                          \
        }                                                                                      \
        /* Keep the result: a probe whose result is unused would be deleted (see below). */    \
        VEC s = ((x[0] + x[1]) + (x[2] + x[3])) + ((x[4] + x[5]) + (x[6] + x[7]));             \
        double lanes[sizeof(VEC) / sizeof(double)];                                            \
        memcpy(lanes, &s, sizeof lanes);                                                       \
        double acc = 0.0;                                                                      \
        for (unsigned j = 0; j < sizeof lanes / sizeof lanes[0]; j++) {                        \
            acc += lanes[j];                                                                   \
        }                                                                                      \
        return acc;                                                                            \
    }

CH11_SQRT_PEAK(ch11_sqrt_peak_scalar, , double, sqrt)

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define CH11_X86 1
/* target(...) lets one function use an ISA the rest of the file may not assume; the Rust side
 * calls it only after checking the CPU has that ISA. */
#define SSE2 __attribute__((target("sse2")))
#define AVX2 __attribute__((target("avx2")))
#define AVX512 __attribute__((target("avx512f")))
CH11_SIMD_KERNEL(ch11_do_math_sse2, SSE2, __m128d, 2, _mm_sqrt_pd)
CH11_SIMD_KERNEL(ch11_do_math_avx2, AVX2, __m256d, 4, _mm256_sqrt_pd)
CH11_SIMD_KERNEL(ch11_do_math_avx512, AVX512, __m512d, 8, _mm512_sqrt_pd)
CH11_SQRT_PEAK(ch11_sqrt_peak_sse2, SSE2, __m128d, _mm_sqrt_pd)
CH11_SQRT_PEAK(ch11_sqrt_peak_avx2, AVX2, __m256d, _mm256_sqrt_pd)
CH11_SQRT_PEAK(ch11_sqrt_peak_avx512, AVX512, __m512d, _mm512_sqrt_pd)
CH11_SIMD_KERNEL_F32(ch11_do_math_f32_sse2, SSE2, __m128, 4, _mm_sqrt_ps)
CH11_SIMD_KERNEL_F32(ch11_do_math_f32_avx2, AVX2, __m256, 8, _mm256_sqrt_ps)
CH11_SIMD_KERNEL_F32(ch11_do_math_f32_avx512, AVX512, __m512, 16, _mm512_sqrt_ps)
#else
double ch11_do_math_sse2(double start, double num) { (void)start; (void)num; return NAN; }
double ch11_do_math_avx2(double start, double num) { (void)start; (void)num; return NAN; }
double ch11_do_math_avx512(double start, double num) { (void)start; (void)num; return NAN; }
double ch11_sqrt_peak_sse2(uint64_t iters) { (void)iters; return NAN; }
double ch11_sqrt_peak_avx2(uint64_t iters) { (void)iters; return NAN; }
double ch11_sqrt_peak_avx512(uint64_t iters) { (void)iters; return NAN; }
float ch11_do_math_f32_sse2(double start, double num) { (void)start; (void)num; return NAN; }
float ch11_do_math_f32_avx2(double start, double num) { (void)start; (void)num; return NAN; }
float ch11_do_math_f32_avx512(double start, double num) { (void)start; (void)num; return NAN; }
#endif

#if defined(__aarch64__) && (defined(__GNUC__) || defined(__clang__))
#include <arm_neon.h>
#define CH11_NEON 1
/* NEON is part of every AArch64 CPU, so no target attribute is needed. */
CH11_SIMD_KERNEL(ch11_do_math_neon, , float64x2_t, 2, vsqrtq_f64)
CH11_SQRT_PEAK(ch11_sqrt_peak_neon, , float64x2_t, vsqrtq_f64)
CH11_SIMD_KERNEL_F32(ch11_do_math_f32_neon, , float32x4_t, 4, vsqrtq_f32)
#else
double ch11_do_math_neon(double start, double num) { (void)start; (void)num; return NAN; }
double ch11_sqrt_peak_neon(uint64_t iters) { (void)iters; return NAN; }
float ch11_do_math_f32_neon(double start, double num) { (void)start; (void)num; return NAN; }
#endif

unsigned ch11_kernels_compiled(void) {
    unsigned mask = 0;
#ifdef CH11_X86
    mask |= CH11_HAS_SSE2 | CH11_HAS_AVX2 | CH11_HAS_AVX512;
#endif
#ifdef CH11_NEON
    mask |= CH11_HAS_NEON;
#endif
    return mask;
}

/*
 * The Cython lesson. The course's math_core.pyx computed sqrt(...) and threw the value away; the C
 * compiler saw a loop with no effect and was free to delete it, so part of the "speed-up" it
 * reported was for a loop that never ran. These two functions are the same loop over C integers,
 * like Cython's (64-bit here, so nothing overflows); only the second returns its result.
 */
void ch11_do_math_discarded(double start, double num) {
    if (!range_ok(start, num)) {
        return;
    }
    int64_t pos = (int64_t)start;
    int64_t end = (int64_t)num;
    while (pos < end) {
        pos += 1;
        double d = (double)(pos - 1000000);
        (void)sqrt(d * d); /* computed, never used: dead code */
    }
}

double ch11_do_math_kept(double start, double num) {
    if (!range_ok(start, num)) {
        return NAN;
    }
    int64_t pos = (int64_t)start;
    int64_t end = (int64_t)num;
    double acc = 0.0;
    while (pos < end) {
        pos += 1;
        double d = (double)(pos - 1000000);
        acc += sqrt(d * d);
    }
    return acc;
}
