#!/bin/sh
# Builds the chapter's C code with a small test driver (test_kernels.c) under AddressSanitizer and
# UndefinedBehaviorSanitizer, and runs it. Any out-of-bounds access, signed overflow, bad shift,
# float-to-integer overflow... stops the run with a report.
#
#   sh ch11-native/c/sanitize.sh [BUILD_DIR]      (CC picks the compiler; default: cc)
#
# Exit status: 0 passed, 1 failed, 77 skipped because this compiler cannot build or run
# sanitized programs (e.g. libasan is not installed). tests/sanitizers.rs runs this script.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
out=${1:-${TMPDIR:-/tmp}/ch11-sanitize}
cc=${CC:-cc}
mkdir -p "$out"

# -fno-sanitize-recover=all: the first problem ends the run (UBSan otherwise only prints).
flags="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined,float-cast-overflow
       -fno-sanitize-recover=all -ffp-contract=off -fno-math-errno"

printf 'int main(void) { return 0; }\n' >"$out/probe.c"
# shellcheck disable=SC2086 # $flags is a list of flags
if ! $cc $flags "$out/probe.c" -o "$out/probe" >"$out/probe.log" 2>&1 || ! "$out/probe" >>"$out/probe.log" 2>&1; then
    echo "skipped: $cc cannot build and run a program with -fsanitize=address,undefined:"
    head -n 3 "$out/probe.log"
    exit 77
fi

# shellcheck disable=SC2086
$cc $flags -Wall -Wextra -I"$here" "$here/kernels.c" "$here/greeter.c" "$here/test_kernels.c" \
    -o "$out/test_kernels" -lm

# Leak checking is off: the C code allocates nothing, and LeakSanitizer fails in some containers.
ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1 "$out/test_kernels"
