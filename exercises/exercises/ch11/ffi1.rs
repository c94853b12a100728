// Practises ch11-native/src/bin/hello_world.rs and the FFI of ch11-native/src/lib.rs.
//
// `c/math_core.c` holds the course's loop in C (`math_core.pyx`), and `build.rs` compiles it into
// this program with the `cc` crate. Rust calls a C function once it knows its signature: declare
// `ch11_do_math` in an `extern "C"` block, with the Rust types that match C's.

// The C side: `double ch11_do_math(int64_t start, int64_t num);` in c/math_core.c.
// TODO: declare `ch11_do_math` here, in an `unsafe extern "C" { ... }` block.

/// The same loop in Rust, to check the C against.
fn do_math(start: i64, num: i64) -> f64 {
    let mut sum = 0.0;
    for pos in start..num {
        let k = pos as f64 - 1_000_000.0;
        sum += (k * k).sqrt();
    }
    sum
}

fn do_math_in_c(start: i64, num: i64) -> f64 {
    // SAFETY: the declaration matches c/math_core.c's definition, and the function takes two
    // integers by value: no pointer, nothing it could read or write out of bounds.
    unsafe { ch11_do_math(start, num) }
}

fn main() {
    println!("From C:    {}", do_math_in_c(0, 3_000_000));
    println!("From Rust: {}", do_math(0, 3_000_000));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c_and_rust_compute_the_same_sums() {
        for (start, num) in [(0, 0), (0, 1), (999_990, 1_000_010), (0, 3_000_000)] {
            let (c, rust) = (do_math_in_c(start, num), do_math(start, num));
            assert!(
                (c - rust).abs() <= rust.abs() * 1e-12,
                "{start}..{num}: C says {c}, Rust says {rust}"
            );
        }
    }
}
