#!/bin/bash
# CI's aarch64 stage: cross-builds the library, the CLI and every cmocka
# suite for 64-bit ARM with Debian's cross compiler and arm64 multiarch
# packages (cmake/aarch64-linux-gnu.cmake), and runs the suites under
# qemu-aarch64-static, so that every NEON kernel is compared with the scalar
# reference, bit for bit, as the x86 back-ends are. On a fresh Debian 12
# machine it installs what it needs (scripts/install-deps.sh, SP_CROSS).
#
# Every suite runs, the parsing suites included (their slowest inputs were
# cut down for the emulator: test_fault_inject writes 90-column sweeps;
# test_log_ros1_damage and test_lz4frame run every 4th of their damaged or
# re-encoded bz2/lz4 inputs, iot_emulated_stride, and print so: emulating
# those libraries took 50 s of this stage, for code the native builds run
# on every case).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${SP_ARM_BUILD:-build-arm64}
jobs=$(nproc 2>/dev/null || echo 2)
start=$(date +%s)

# The ARM guards agree with the build: _neon.c files are compiled for
# AArch64 only (cmake/sensorpipe_sources.cmake), so dispatch code must test
# __aarch64__; __ARM_NEON alone is also true on 32-bit ARM, where the NEON
# functions do not exist. (The dispatch tables test it in one place,
# kernels/kernels_int.h.)
bad=""
for f in $(grep -l '__ARM_NEON' kernels/*.c kernels/*/*.c 2>/dev/null || true); do
    bad="$bad $f"
done
if [ -n "$bad" ]; then
    echo "aarch64: these files test __ARM_NEON, expected __aarch64__ as the build:$bad" >&2
    exit 1
fi

SP_CROSS=aarch64 sh scripts/install-deps.sh
# .ci/run asks for line tables only (SP_CI_RELWITHDEBINFO_FLAGS, -g1: a
# shorter build, the same -O2 code); by hand it is CMake's -O2 -g.
cmake -S . -B "$build" -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake \
      -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSP_WITH_OPENCL=OFF -DSP_BUILD_BENCH=OFF \
      ${SP_CI_RELWITHDEBINFO_FLAGS:+"-DCMAKE_C_FLAGS_RELWITHDEBINFO=$SP_CI_RELWITHDEBINFO_FLAGS"} >/dev/null
cmake --build "$build" -j "$jobs"
built=$(date +%s)

# test_cli_bench skips here: the bench programs are not cross-built (their
# timings under an emulator would mean nothing).
args=(--test-dir "$build" -j "$jobs" --output-on-failure)
rc=0
# The hand checks of tests/cross (random clouds with NaN/Inf and cell-edge
# points through the NEON crop and lidar kernels against scalar), which
# were run by hand before this stage existed: seconds, static, so here too.
cross_flags="-std=c11 -O2 -Wall -Wextra -Werror -D_GNU_SOURCE -DSP_HAVE_OPENCL=0 -static \
-I core -I mem -I kernels -I io"
# shellcheck disable=SC2086
aarch64-linux-gnu-gcc $cross_flags tests/cross/crop_neon_check.c kernels/scalar/crop_scalar.c \
    kernels/arm/crop_neon.c -lm -o "$build/crop_neon_check"
# shellcheck disable=SC2086
aarch64-linux-gnu-gcc $cross_flags tests/cross/lidar_neon_check.c \
    kernels/scalar/{bev,range,project,ground}_scalar.c \
    kernels/arm/{bev,range,project,ground}_neon.c -lm -o "$build/lidar_neon_check"
for c in crop_neon_check lidar_neon_check; do
    qemu-aarch64-static "$build/$c" | tail -n 1 || rc=1
done
ctest "${args[@]}" || rc=$?
end=$(date +%s)
echo "aarch64: cross-build $((built - start)) s, suites under qemu $((end - built)) s"
exit "$rc"
