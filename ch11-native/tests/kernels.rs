//! The C kernels against the Rust loop over a table of awkward ranges: the scalar kernel must
//! agree to the last bit, every SIMD kernel this CPU can run within `simd_tolerance` (a rounding
//! bound: they add in another order), whole-number ranges against the exact closed form, and the
//! f32 kernels within the same bound at float's precision (and visibly off at the course's size).

use ch11_native::{
    Kernel, MAX_ABS, Native, Range, RangeError, closed_form, do_math, simd_tolerance,
};

/// (start, num) pairs: empty, reversed, one element, fractional starts, around 1e6, very large.
fn table() -> Vec<(f64, f64)> {
    let mut ranges = vec![
        (0.0, 0.0),
        (5.0, 2.0),
        (1e6, 1e6),
        (0.0, 1.0),
        (999_999.0, 1e6),
        (0.5, 10.0),
        (0.25, 100.0),
        (0.1, 50.3),
        (-3.75, 20.0),
        (999_990.5, 1_000_010.0),
        (0.1, 1_000_000.7),
        (1e15, 1e15 + 1000.0),
        (-1e15, -1e15 + 37.0),
        (MAX_ABS - 100.0, MAX_ABS),
        (-MAX_ABS, -MAX_ABS + 17.5),
        (0.0, 3_000_000.0),
    ];
    // Every length around the vector widths (2, 4, 8 lanes, two vectors a turn), from three
    // starts: whole, crossing 1e6, and fractional.
    let lengths = (0..=40).chain([47, 48, 49, 63, 64, 65, 127, 128, 129]);
    for len in lengths {
        for start in [0.0, 999_980.0, 0.5] {
            ranges.push((start, start + f64::from(len)));
        }
    }
    ranges
}

#[test]
fn scalar_c_kernel_equals_the_rust_loop_bit_for_bit() {
    let scalar = Kernel::Scalar.native().unwrap();
    for (start, num) in table() {
        let range = Range::new(start, num).unwrap();
        let rust = do_math(range);
        let c = scalar.run(range);
        assert_eq!(
            c.to_bits(),
            rust.to_bits(),
            "({start}, {num}): C {c} vs Rust {rust}"
        );
    }
}

#[test]
fn every_available_kernel_is_within_the_rounding_bound() {
    let kernels = Kernel::available();
    assert!(kernels.contains(&Kernel::Scalar) && kernels.contains(&Kernel::Portable));
    if cfg!(target_arch = "x86_64") {
        assert!(kernels.contains(&Kernel::Sse2), "every x86-64 CPU has SSE2");
    }
    for kernel in kernels {
        let native = kernel.native().unwrap();
        for (start, num) in table() {
            let range = Range::new(start, num).unwrap();
            let rust = do_math(range);
            let got = native.run(range);
            let allowed = simd_tolerance(range, rust);
            assert!(
                (got - rust).abs() <= allowed,
                "{} on ({start}, {num}): {got} vs {rust}, allowed {allowed:e}",
                kernel.name()
            );
            if range.iterations() == 0 {
                assert_eq!(got, 0.0, "{} on empty ({start}, {num})", kernel.name());
            }
        }
    }
}

#[test]
fn whole_number_ranges_match_the_closed_form_exactly() {
    // Below 2^53 every term and partial sum is a whole number held exactly, so the order of the
    // additions does not matter and every kernel must give the exact answer.
    for kernel in Kernel::available() {
        let native = kernel.native().unwrap();
        for (start, num) in table() {
            let range = Range::new(start, num).unwrap();
            let Some(exact) = closed_form(range) else {
                continue;
            };
            if exact > 1 << 53 {
                continue;
            }
            assert_eq!(
                native.run(range),
                exact as f64,
                "{} ({start}, {num})",
                kernel.name()
            );
        }
    }
    let course = Range::up_to(3_000_000).unwrap();
    assert_eq!(closed_form(course), Some(2_500_000_500_000));
}

/// What `compute_native` does: one slice per thread, one call into C each, summed in order.
fn run_threaded(native: Native, range: Range, threads: usize) -> f64 {
    let slices = range.split(threads);
    std::thread::scope(|s| {
        let handles: Vec<_> = slices
            .iter()
            .map(|&slice| s.spawn(move || native.run(slice)))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    })
}

#[test]
fn threads_split_the_work_and_add_up_to_the_same_sum() {
    let native = Native::best();
    for (start, num) in [(0.0, 3_000_000.0), (0.5, 1001.0), (0.0, 7.0), (3.0, 2.0)] {
        let range = Range::new(start, num).unwrap();
        let rust = do_math(range);
        for threads in [1, 2, 3, 8] {
            let got = run_threaded(native, range, threads);
            assert!(
                (got - rust).abs() <= simd_tolerance(range, rust),
                "{threads} threads on ({start}, {num}): {got} vs {rust}"
            );
        }
    }
}

#[test]
fn auto_picks_the_widest_available_kernel() {
    let best = Native::best().kernel();
    assert_eq!(Some(&best), Kernel::available().first());
    for kernel in Kernel::available() {
        assert!(best.lanes() >= kernel.lanes());
    }
}

#[test]
fn kernels_the_machine_lacks_are_refused_before_any_call() {
    let foreign = if cfg!(target_arch = "x86_64") {
        Kernel::Neon
    } else {
        Kernel::Avx512
    };
    let err = foreign.native().unwrap_err();
    assert!(
        err.to_string().contains("cannot run on this machine"),
        "{err}"
    );
    for kernel in Kernel::ALL {
        assert_eq!(Kernel::from_name(kernel.name()), Some(kernel));
    }
    assert_eq!(Kernel::from_name("avx1024"), None);
}

#[test]
fn ranges_the_kernels_cannot_handle_are_refused() {
    for (start, num, why) in [
        (f64::NAN, 10.0, RangeError::NotFinite),
        (0.0, f64::INFINITY, RangeError::NotFinite),
        (f64::NEG_INFINITY, 0.0, RangeError::NotFinite),
        (0.0, 1e300, RangeError::TooLarge),
        (-1e17, 0.0, RangeError::TooLarge),
        // 2^53: here pos + 1.0 == pos and the loop would never end.
        (
            9_007_199_254_740_992.0,
            9_007_199_254_740_994.0,
            RangeError::TooLarge,
        ),
    ] {
        assert_eq!(Range::new(start, num), Err(why), "({start}, {num})");
    }
    assert_eq!(Range::up_to(u64::MAX), Err(RangeError::TooLarge));
}

/// `simd_tolerance`'s bound with float's epsilon: the f32 kernels round every term and every
/// running sum to a 24-bit significand.
fn f32_tolerance(range: Range, reference: f64) -> f64 {
    let n = range.iterations() as f64;
    let m = range.start().abs().max(range.num().abs()) + 1.0 + 1e6;
    2.0 * (n + 1.0) * f64::from(f32::EPSILON) * (reference.abs() + m)
}

#[test]
fn f32_kernels_are_within_float_rounding_and_refuse_nothing_silently() {
    for kernel in Kernel::available() {
        let native = kernel.native().unwrap();
        for (start, num) in table() {
            let range = Range::new(start, num).unwrap();
            let rust = do_math(range);
            let got = f64::from(native.run_f32(range));
            let allowed = f32_tolerance(range, rust);
            assert!(
                (got - rust).abs() <= allowed,
                "{} f32 on ({start}, {num}): {got} vs {rust}, allowed {allowed:e}",
                kernel.name()
            );
            if range.iterations() == 0 {
                assert_eq!(got, 0.0, "{} f32 on empty ({start}, {num})", kernel.name());
            }
        }
    }
}

#[test]
fn f32_sums_are_wrong_where_f64_sums_are_exact() {
    // The course's size: f64 gets the exact 2,500,000,500,000, f32 cannot (its running sums pass
    // 2^24 long before the end, and from there they round).
    let range = Range::up_to(3_000_000).unwrap();
    let exact = closed_form(range).unwrap() as f64;
    for kernel in Kernel::available() {
        let native = kernel.native().unwrap();
        let off64 = (native.run(range) - exact).abs();
        let off32 = (f64::from(native.run_f32(range)) - exact).abs();
        assert_eq!(off64, 0.0, "{}", kernel.name());
        assert!(off32 > off64, "{}: f32 off by {off32}", kernel.name());
    }
}

#[test]
fn the_discarded_loop_returns_and_the_kept_loop_sums() {
    let range = Range::up_to(300_000).unwrap();
    ch11_native::c_loop_discarded(range);
    assert_eq!(
        ch11_native::c_loop_kept(range),
        closed_form(range).unwrap() as f64
    );
}

#[test]
fn the_sqrt_probe_returns_its_result() {
    for kernel in Kernel::available() {
        let r = kernel.native().unwrap().sqrt_peak(100);
        // Each chain settles at x = sqrt(x) + 1e6, about 1,001,000.5; 8 chains per lane.
        let per_chain = r / (8 * kernel.lanes()) as f64;
        assert!(
            (per_chain - 1_001_000.5).abs() < 1.0,
            "{}: {r}",
            kernel.name()
        );
    }
}
