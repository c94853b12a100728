//! Chapter 11 of the course: native code, the Cython analogue. What the programs share.
//!
//! The course rewrote its hot loop in Cython: Python-like code compiled to C, run with the GIL
//! released (`nogil`) on one thread per CPU. Rust is already compiled and has no GIL, so the Rust
//! port of that lesson is about what is left: calling C from Rust safely, keeping the loop inside
//! native code (one call per thread, not one per item), using the CPU's vector instructions, and
//! measuring honestly. The programs hold their own lessons (`compute_native` starts the threads
//! that call C, `hello_world` declares and calls its C function, `overflow` shows what the
//! course's `int` and `float` do, `kernels` measures every kernel, `discarded_loop` shows the
//! course's benchmark trap); this file holds what several of them, the tests and the benchmark use:
//!
//! - [`do_math`]: the course's loop in Rust, the baseline; [`Range`], its checked arguments;
//!   [`closed_form`], the exact answer the tests check against.
//! - [`Kernel`] and [`Native`]: the same loop in C (`c/kernels.c`, compiled by `build.rs` with the
//!   `cc` crate): a scalar kernel that returns exactly what [`do_math`] returns, SIMD kernels
//!   (SSE2, AVX2, AVX-512 on x86-64, NEON on AArch64, a portable one everywhere) picked at run
//!   time, and the same loop in 32-bit floats ([`Native::run_f32`]); [`parse_kernel`], the
//!   `--kernel` flag of the programs that choose one.
//!
//! The kernels' `unsafe` is in the private `ffi` module of this file; the only other `unsafe` in the
//! workspace is `hello_world`'s one call.

use std::fmt;

/// The course's constant: each position is measured from one million (`k_sq` in the course).
pub const K_SQ: f64 = 1_000_000.0;

/// The largest `|start|` or `|num|` a [`Range`] accepts: 2^50. Up to 2^53 `pos + 1.0` is always a
/// new value, so every loop ends; the margin keeps fractional starts meaningful too.
pub const MAX_ABS: f64 = 1_125_899_906_842_624.0;

/// A range the loop can run over: `pos` takes the values `start + 1, start + 2, …` for as long
/// as the previous value was below `num`. The only way to make one is [`Range::new`], which
/// rejects what the kernels cannot handle, so nothing bad ever reaches the C code.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    start: f64,
    num: f64,
}

/// Why a [`Range`] was refused.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RangeError {
    /// NaN or an infinity: the loop would never end (or never start, silently).
    NotFinite,
    /// Beyond ±[`MAX_ABS`]: near 2^53 `pos + 1.0 == pos` and the loop would never end.
    TooLarge,
}

impl fmt::Display for RangeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RangeError::NotFinite => f.write_str("start and num must be finite numbers"),
            RangeError::TooLarge => write!(f, "start and num must be within ±{MAX_ABS} (2^50)"),
        }
    }
}

impl std::error::Error for RangeError {}

impl Range {
    /// The course's `do_math(start, num)` arguments, checked.
    pub fn new(start: f64, num: f64) -> Result<Range, RangeError> {
        if !start.is_finite() || !num.is_finite() {
            return Err(RangeError::NotFinite);
        }
        if start.abs() > MAX_ABS || num.abs() > MAX_ABS {
            return Err(RangeError::TooLarge);
        }
        Ok(Range { start, num })
    }

    /// `0..num`, the course's usual call.
    pub fn up_to(num: u64) -> Result<Range, RangeError> {
        // u64 → f64 rounds above 2^53, but anything that large is refused anyway.
        Range::new(0.0, num as f64)
    }

    /// Where `pos` starts (the first value used is `start + 1`).
    pub fn start(&self) -> f64 {
        self.start
    }

    /// `pos` stops once it reaches this.
    pub fn num(&self) -> f64 {
        self.num
    }

    /// How many times the loop body runs: the smallest `n` with `start + n >= num`.
    pub fn iterations(&self) -> u64 {
        if self.start >= self.num {
            return 0;
        }
        // `num - start` can round for fractional values: nudge until exact (same as the C code).
        let mut n = (self.num - self.start).ceil() as u64;
        while n > 0 && self.start + (n - 1) as f64 >= self.num {
            n -= 1;
        }
        while self.start + (n as f64) < self.num {
            n += 1;
        }
        n
    }

    /// Cuts the range into `parts` consecutive slices of (nearly) equal length, one per thread,
    /// like the course's `num * (n - 1) / cpus .. num * n / cpus`.
    pub fn split(&self, parts: usize) -> Vec<Range> {
        let n = self.iterations();
        let parts = parts.max(1) as u64;
        (0..parts)
            .map(|i| {
                let lo = n * i / parts;
                let hi = n * (i + 1) / parts;
                // The last slice keeps the original end, so it stops exactly where we would.
                let num = if i + 1 == parts {
                    self.num.max(self.start + lo as f64)
                } else {
                    self.start + hi as f64
                };
                Range {
                    start: self.start + lo as f64,
                    num,
                }
            })
            .collect()
    }
}

/// The course's `do_math` in Rust: for each `pos`, `sqrt((pos - 1e6)²)`, summed and returned so
/// that the work is observable (a result nobody uses lets the compiler delete the loop).
///
/// ```
/// use ch11_native::{do_math, Range};
/// // |1 - 1e6| + |2 - 1e6| + |3 - 1e6|
/// assert_eq!(do_math(Range::up_to(3).unwrap()), 2_999_994.0);
/// ```
pub fn do_math(range: Range) -> f64 {
    let mut pos = range.start;
    let mut acc = 0.0;
    while pos < range.num {
        pos += 1.0;
        let d = pos - K_SQ;
        acc += (d * d).sqrt();
    }
    acc
}

/// The exact answer for whole-number ranges, from the arithmetic-series formula: the oracle the
/// tests check the kernels against. `None` if `start`/`num` are not whole numbers.
pub fn closed_form(range: Range) -> Option<i128> {
    let whole = |x: f64| (x.fract() == 0.0).then_some(x as i128);
    let (start, num) = (whole(range.start)?, whole(range.num)?);
    if start >= num {
        return Some(0);
    }
    let c = K_SQ as i128;
    // Σ p for p in a..=b (0 when empty).
    let series = |a: i128, b: i128| if a > b { 0 } else { (a + b) * (b - a + 1) / 2 };
    let (a, b) = (start + 1, num);
    // Positions below c contribute c - p, the others p - c.
    let below_hi = b.min(c - 1);
    let above_lo = a.max(c);
    let below = if a <= below_hi {
        c * (below_hi - a + 1) - series(a, below_hi)
    } else {
        0
    };
    let above = if above_lo <= b {
        series(above_lo, b) - c * (b - above_lo + 1)
    } else {
        0
    };
    Some(below + above)
}

/// How far a SIMD kernel's sum may be from the scalar sum `reference` for `range`.
///
/// The SIMD kernels add the same non-negative terms in a different order (lane by lane, then the
/// lanes together), so the two sums round differently. For `n` non-negative terms, plain
/// summation is off by at most `(n - 1)·u·sum` (u = 2⁻⁵³, Higham, *Accuracy and Stability of
/// Numerical Algorithms*, §4.2), so two orders differ by at most twice that. The SIMD kernels also
/// compute each position as `start + k` instead of adding 1.0 `k` times; for a fractional start
/// that can move a position by an ulp, hence the second term. This returns `2(n+1)·ε·(|sum| + m)`,
/// ε = 2u and `m` the largest `|pos - 1e6|` possible: a bound, with margin, not a guess.
pub fn simd_tolerance(range: Range, reference: f64) -> f64 {
    let n = range.iterations() as f64;
    let m = range.start.abs().max(range.num.abs()) + 1.0 + K_SQ;
    2.0 * (n + 1.0) * f64::EPSILON * (reference.abs() + m)
}

/// The C kernels. [`Kernel::native`] checks that one can run here and hands out a [`Native`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kernel {
    /// The Rust loop, in C: same operations, same order, same result to the last bit.
    Scalar,
    /// Plain C with four running sums; no instruction set named. Builds with any C compiler.
    Portable,
    /// x86-64: 2 doubles per instruction (every x86-64 CPU has SSE2).
    Sse2,
    /// x86-64: 4 doubles per instruction.
    Avx2,
    /// x86-64: 8 doubles per instruction.
    Avx512,
    /// AArch64: 2 doubles per instruction.
    Neon,
}

/// `--kernel`: `auto` is the widest kernel this machine can run ([`Native::best`]); a kernel it
/// cannot run is refused (clap makes that a usage error, exit 2) before any C runs.
pub fn parse_kernel(s: &str) -> Result<Native, String> {
    if s == "auto" {
        return Ok(Native::best());
    }
    let kernel = Kernel::from_name(s).ok_or_else(|| {
        let names: Vec<&str> = Kernel::ALL.iter().map(|k| k.name()).collect();
        format!("no kernel `{s}` (choose auto, {})", names.join(", "))
    })?;
    kernel.native().map_err(|e| e.to_string())
}

/// Why a kernel cannot run here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unsupported(pub Kernel);

impl fmt::Display for Unsupported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let usable: Vec<&str> = Kernel::available().iter().map(|k| k.name()).collect();
        write!(
            f,
            "the {} kernel cannot run on this machine (it can run: {})",
            self.0.name(),
            usable.join(", ")
        )
    }
}

impl std::error::Error for Unsupported {}

impl Kernel {
    /// Every kernel, widest first: the order `auto` tries them in.
    pub const ALL: [Kernel; 6] = [
        Kernel::Avx512,
        Kernel::Avx2,
        Kernel::Sse2,
        Kernel::Neon,
        Kernel::Portable,
        Kernel::Scalar,
    ];

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Kernel::Scalar => "scalar",
            Kernel::Portable => "portable",
            Kernel::Sse2 => "sse2",
            Kernel::Avx2 => "avx2",
            Kernel::Avx512 => "avx512",
            Kernel::Neon => "neon",
        }
    }

    /// The kernel called `name`, if there is one.
    pub fn from_name(name: &str) -> Option<Kernel> {
        Kernel::ALL.into_iter().find(|k| k.name() == name)
    }

    /// Doubles per square-root instruction.
    pub fn lanes(self) -> usize {
        match self {
            Kernel::Scalar | Kernel::Portable => 1,
            Kernel::Sse2 | Kernel::Neon => 2,
            Kernel::Avx2 => 4,
            Kernel::Avx512 => 8,
        }
    }

    /// Whether this kernel can run here: the C compiler built it AND this CPU has the instructions.
    /// Both are checked at run time, so one binary runs everywhere and uses what it finds.
    pub fn native(self) -> Result<Native, Unsupported> {
        let compiled = ffi::compiled();
        let ok = match self {
            Kernel::Scalar | Kernel::Portable => true,
            Kernel::Sse2 => compiled.sse2 && cpu::has_sse2(),
            Kernel::Avx2 => compiled.avx2 && cpu::has_avx2(),
            Kernel::Avx512 => compiled.avx512 && cpu::has_avx512(),
            Kernel::Neon => compiled.neon && cpu::has_neon(),
        };
        if ok {
            Ok(Native(self))
        } else {
            Err(Unsupported(self))
        }
    }

    /// The kernels that can run here, widest first.
    pub fn available() -> Vec<Kernel> {
        Kernel::ALL
            .into_iter()
            .filter(|k| k.native().is_ok())
            .collect()
    }
}

/// What the CPU has, asked at run time (std's detection also checks that the OS saves the wide
/// registers). On other architectures the answer is simply "no".
mod cpu {
    #[cfg(target_arch = "x86_64")]
    pub fn has_sse2() -> bool {
        std::arch::is_x86_feature_detected!("sse2")
    }
    #[cfg(target_arch = "x86_64")]
    pub fn has_avx2() -> bool {
        std::arch::is_x86_feature_detected!("avx2")
    }
    #[cfg(target_arch = "x86_64")]
    pub fn has_avx512() -> bool {
        std::arch::is_x86_feature_detected!("avx512f")
    }
    #[cfg(not(target_arch = "x86_64"))]
    pub fn has_sse2() -> bool {
        false
    }
    #[cfg(not(target_arch = "x86_64"))]
    pub fn has_avx2() -> bool {
        false
    }
    #[cfg(not(target_arch = "x86_64"))]
    pub fn has_avx512() -> bool {
        false
    }
    #[cfg(target_arch = "aarch64")]
    pub fn has_neon() -> bool {
        std::arch::is_aarch64_feature_detected!("neon")
    }
    #[cfg(not(target_arch = "aarch64"))]
    pub fn has_neon() -> bool {
        false
    }
}

/// A kernel that has been checked to run on this machine (see [`Kernel::native`]). Holding one is
/// the proof the FFI code relies on before it calls an instruction-set-specific function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Native(Kernel);

impl Native {
    /// The widest kernel this machine can run (what `--kernel auto` picks).
    pub fn best() -> Native {
        Kernel::ALL
            .into_iter()
            .find_map(|k| k.native().ok())
            .unwrap_or(Native(Kernel::Portable))
    }

    /// Which kernel this is.
    pub fn kernel(self) -> Kernel {
        self.0
    }

    /// Runs the loop over `range` in C: ONE call for the whole range, so the cost of crossing
    /// into C is paid once, not per item.
    pub fn run(self, range: Range) -> f64 {
        ffi::do_math(self, range)
    }

    /// The same loop in 32-bit floats, at this kernel's width (twice the lanes of the f64 one;
    /// the scalar and portable kernels share one plain float loop). Faster, and wrong: each
    /// running sum has a 24-bit significand, so at the course's sizes the total is wrong from
    /// about its sixth significant digit (see the `overflow` program).
    pub fn run_f32(self, range: Range) -> f32 {
        ffi::do_math_f32(self, range)
    }

    /// Benchmark probe: `iters` rounds of 8 independent square-root chains at this kernel's width
    /// (8 × lanes square roots a round; the scalar kernels share one probe), nothing else but an
    /// add. Returns the probe's
    /// result (to keep it observable) — time it to get the square-root unit's throughput.
    pub fn sqrt_peak(self, iters: u64) -> f64 {
        ffi::sqrt_peak(self, iters)
    }
}

/// The course's Cython lesson, both halves: the loop over C integers with its result thrown away,
/// which the C compiler deletes (this returns at once whatever the range), ...
pub fn c_loop_discarded(range: Range) {
    ffi::discarded(range);
}

/// ... and the same loop with its result returned, which has to run.
pub fn c_loop_kept(range: Range) -> f64 {
    ffi::kept(range)
}

/// The boundary with the kernels' C code.
///
/// The crate denies `unsafe_code`; this module allows it (and `hello_world` for its one call).
/// Each function here is a safe wrapper whose signature makes misuse impossible (a [`Native`]
/// proves the CPU check was done, a [`Range`] proves the arguments were checked), so the
/// programs, the tests and the benchmark need no `unsafe` at all.
#[allow(unsafe_code)]
mod ffi {
    use std::ffi::c_uint;

    use super::{Kernel, Native, Range};

    // SAFETY: these declarations match c/kernels.h exactly (doubles are C doubles, floats are C
    // floats, `uint64_t` is u64, `unsigned` is c_uint). Items marked `safe` are sound to call with ANY
    // argument: they read no pointers, keep no state, check their range themselves (returning NaN
    // or doing nothing outside the contract) and use only baseline instructions. The ISA-specific
    // kernels stay `unsafe`: on a CPU without their instructions they crash with SIGILL.
    unsafe extern "C" {
        safe fn ch11_kernels_compiled() -> c_uint;
        safe fn ch11_do_math_scalar(start: f64, num: f64) -> f64;
        safe fn ch11_do_math_portable(start: f64, num: f64) -> f64;
        fn ch11_do_math_sse2(start: f64, num: f64) -> f64;
        fn ch11_do_math_avx2(start: f64, num: f64) -> f64;
        fn ch11_do_math_avx512(start: f64, num: f64) -> f64;
        fn ch11_do_math_neon(start: f64, num: f64) -> f64;
        safe fn ch11_do_math_f32_scalar(start: f64, num: f64) -> f32;
        fn ch11_do_math_f32_sse2(start: f64, num: f64) -> f32;
        fn ch11_do_math_f32_avx2(start: f64, num: f64) -> f32;
        fn ch11_do_math_f32_avx512(start: f64, num: f64) -> f32;
        fn ch11_do_math_f32_neon(start: f64, num: f64) -> f32;
        safe fn ch11_do_math_discarded(start: f64, num: f64);
        safe fn ch11_do_math_kept(start: f64, num: f64) -> f64;
        safe fn ch11_sqrt_peak_scalar(iters: u64) -> f64;
        fn ch11_sqrt_peak_sse2(iters: u64) -> f64;
        fn ch11_sqrt_peak_avx2(iters: u64) -> f64;
        fn ch11_sqrt_peak_avx512(iters: u64) -> f64;
        fn ch11_sqrt_peak_neon(iters: u64) -> f64;
    }

    /// Which ISA kernels the C compiler built (bit flags of c/kernels.h).
    pub(super) struct Compiled {
        pub sse2: bool,
        pub avx2: bool,
        pub avx512: bool,
        pub neon: bool,
    }

    pub(super) fn compiled() -> Compiled {
        let mask = ch11_kernels_compiled();
        Compiled {
            sse2: mask & 1 != 0,
            avx2: mask & 2 != 0,
            avx512: mask & 4 != 0,
            neon: mask & 8 != 0,
        }
    }

    pub(super) fn do_math(native: Native, range: Range) -> f64 {
        let (start, num) = (range.start, range.num);
        match native.0 {
            Kernel::Scalar => ch11_do_math_scalar(start, num),
            Kernel::Portable => ch11_do_math_portable(start, num),
            // SAFETY: a `Native` is only made by `Kernel::native` after checking that the C code
            // was compiled for this ISA and that this CPU supports it; the function takes no
            // pointers and `Range::new` checked the arguments.
            Kernel::Sse2 => unsafe { ch11_do_math_sse2(start, num) },
            // SAFETY: as above, for AVX2.
            Kernel::Avx2 => unsafe { ch11_do_math_avx2(start, num) },
            // SAFETY: as above, for AVX-512F.
            Kernel::Avx512 => unsafe { ch11_do_math_avx512(start, num) },
            // SAFETY: as above, for NEON.
            Kernel::Neon => unsafe { ch11_do_math_neon(start, num) },
        }
    }

    pub(super) fn do_math_f32(native: Native, range: Range) -> f32 {
        let (start, num) = (range.start, range.num);
        match native.0 {
            Kernel::Scalar | Kernel::Portable => ch11_do_math_f32_scalar(start, num),
            // SAFETY: `Native` proves the ISA is compiled and supported (see `do_math`); no
            // pointers, and `Range::new` checked the arguments.
            Kernel::Sse2 => unsafe { ch11_do_math_f32_sse2(start, num) },
            // SAFETY: as above, for AVX2.
            Kernel::Avx2 => unsafe { ch11_do_math_f32_avx2(start, num) },
            // SAFETY: as above, for AVX-512F.
            Kernel::Avx512 => unsafe { ch11_do_math_f32_avx512(start, num) },
            // SAFETY: as above, for NEON.
            Kernel::Neon => unsafe { ch11_do_math_f32_neon(start, num) },
        }
    }

    pub(super) fn sqrt_peak(native: Native, iters: u64) -> f64 {
        match native.0 {
            Kernel::Scalar | Kernel::Portable => ch11_sqrt_peak_scalar(iters),
            // SAFETY: `Native` proves the ISA is compiled and supported (see `do_math`).
            Kernel::Sse2 => unsafe { ch11_sqrt_peak_sse2(iters) },
            // SAFETY: as above, for AVX2.
            Kernel::Avx2 => unsafe { ch11_sqrt_peak_avx2(iters) },
            // SAFETY: as above, for AVX-512F.
            Kernel::Avx512 => unsafe { ch11_sqrt_peak_avx512(iters) },
            // SAFETY: as above, for NEON.
            Kernel::Neon => unsafe { ch11_sqrt_peak_neon(iters) },
        }
    }

    pub(super) fn discarded(range: Range) {
        ch11_do_math_discarded(range.start, range.num);
    }

    pub(super) fn kept(range: Range) -> f64 {
        ch11_do_math_kept(range.start, range.num)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_form_matches_the_rust_loop_on_small_ranges() {
        for (s, n) in [
            (0, 0),
            (0, 3),
            (999_990, 1_000_010),
            (5, 2),
            (1_000_000, 1_000_003),
        ] {
            let r = Range::new(s as f64, n as f64).unwrap();
            assert_eq!(closed_form(r).unwrap() as f64, do_math(r), "{s}..{n}");
        }
    }

    #[test]
    fn iterations_count_loop_turns() {
        let turns = |s: f64, n: f64| Range::new(s, n).unwrap().iterations();
        assert_eq!(turns(0.0, 3.0), 3);
        assert_eq!(turns(0.5, 3.0), 3); // 1.5, 2.5, 3.5
        assert_eq!(turns(3.0, 3.0), 0);
        assert_eq!(turns(4.0, 3.0), 0);
        assert_eq!(turns(0.1, 3.1), 3);
    }

    #[test]
    fn split_covers_the_range_once() {
        let r = Range::up_to(1_000_003).unwrap();
        for parts in [1, 2, 3, 7] {
            let slices = r.split(parts);
            assert_eq!(slices.len(), parts);
            let total: u64 = slices.iter().map(Range::iterations).sum();
            assert_eq!(total, r.iterations());
            let sum: f64 = slices.iter().map(|&s| do_math(s)).sum();
            assert_eq!(sum, do_math(r), "whole-number sums are exact");
        }
    }

    #[test]
    fn bad_ranges_are_refused() {
        assert_eq!(Range::new(f64::NAN, 1.0), Err(RangeError::NotFinite));
        assert_eq!(Range::new(0.0, f64::INFINITY), Err(RangeError::NotFinite));
        assert_eq!(Range::new(0.0, 2.0 * MAX_ABS), Err(RangeError::TooLarge));
        assert_eq!(Range::new(-2.0 * MAX_ABS, 0.0), Err(RangeError::TooLarge));
        assert!(Range::new(-MAX_ABS, MAX_ABS).is_ok());
    }
}
