/*
 * The chapter-11 C kernels: the course's do_math loop, in native code.
 *
 * Every kernel computes the same value: for pos = start+1, start+2, ... while the previous pos was
 * below num, the sum of sqrt((pos - 1e6)^2). They differ only in how: one scalar loop that repeats
 * the Rust loop operation for operation, and SIMD loops that do 2, 4 or 8 square roots per
 * instruction (and therefore add the terms in a different order).
 *
 * Contract (checked by the Rust side before every call, and again here): start and num are finite
 * and |start|, |num| <= CH11_MAX_ABS. Outside it a kernel returns NaN instead of looping forever.
 * A kernel keeps no pointer and no state: it may run on many threads at once.
 */
#ifndef CH11_KERNELS_H
#define CH11_KERNELS_H

#include <stdint.h>

/* 2^50: far enough from 2^53 that pos + 1.0 is always a different double, so every loop ends. */
#define CH11_MAX_ABS 1125899906842624.0

/* Bit flags for ch11_kernels_compiled(): which kernels this compiler could build. */
#define CH11_HAS_SSE2 1u
#define CH11_HAS_AVX2 2u
#define CH11_HAS_AVX512 4u
#define CH11_HAS_NEON 8u

unsigned ch11_kernels_compiled(void);

double ch11_do_math_scalar(double start, double num);
double ch11_do_math_portable(double start, double num);
/* The ISA kernels below exist in every build, but only the ones flagged by ch11_kernels_compiled()
 * do the work (the others return NaN), and calling one the CPU lacks is an illegal instruction:
 * the caller checks the CPU first. */
double ch11_do_math_sse2(double start, double num);
double ch11_do_math_avx2(double start, double num);
double ch11_do_math_avx512(double start, double num);
double ch11_do_math_neon(double start, double num);

/* The Cython lesson: the same loop with its result thrown away. The compiler may delete it. */
void ch11_do_math_discarded(double start, double num);
/* ... and the same loop with its result kept, for the comparison. */
double ch11_do_math_kept(double start, double num);

/* The same loop in 32-bit floats, as the course's final math_core.pyx declared it (cython.float):
 * each position, its square, its square root and the running sums are C floats, so a SIMD
 * instruction holds twice as many lanes and the sum is only as good as a 24-bit significand.
 * These count the turns in a 64-bit integer, so unlike a float counter (which stops advancing at
 * 2^24 = 16,777,216) they always end. Same contract as above; NaN outside it. */
float ch11_do_math_f32_scalar(double start, double num);
float ch11_do_math_f32_sse2(double start, double num);
float ch11_do_math_f32_avx2(double start, double num);
float ch11_do_math_f32_avx512(double start, double num);
float ch11_do_math_f32_neon(double start, double num);

/* Benchmark only: `iters` rounds of 8 independent square-root chains at each vector width (8 x
 * lanes square roots a round), nothing else but an add. Measures the square-root unit's
 * throughput: the ceiling for any kernel above. */
double ch11_sqrt_peak_scalar(uint64_t iters);
double ch11_sqrt_peak_sse2(uint64_t iters);
double ch11_sqrt_peak_avx2(uint64_t iters);
double ch11_sqrt_peak_avx512(uint64_t iters);
double ch11_sqrt_peak_neon(uint64_t iters);

#endif
