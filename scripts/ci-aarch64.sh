#!/bin/bash
# CI's aarch64 stage: cross-builds the library, the CLI and every cmocka
# suite for 64-bit ARM with Debian's cross compiler and arm64 multiarch
# packages (cmake/aarch64-linux-gnu.cmake), and runs the suites under
# qemu-aarch64-static, so that every NEON kernel is compared with the scalar
# reference, bit for bit, as the x86 back-ends are. On a fresh Debian 12
# machine it installs what it needs (scripts/install-deps.sh, SP_CROSS).
#
# Five slow parsing suites are left out of the qemu run, each named below
# with the reason and printed on every run: they test no SIMD, atomics or
# threads (their x86 runs, plain and under the sanitizers, cover them) and
# would cost over 12 minutes together under the emulator. Every kernel suite
# runs. SP_ARM_ALL=1 runs the five too.
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
cmake -S . -B "$build" -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake \
      -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSP_WITH_OPENCL=OFF -DSP_BUILD_BENCH=OFF >/dev/null
cmake --build "$build" -j "$jobs"
built=$(date +%s)

# name: why it is left out of the qemu run. Each is a parsing or file-format
# suite with no SIMD, no atomics and no threads of its own; the kernel
# (label simd), threaded (label threads) and pipeline suites all run here.
# Seconds are the suite under qemu on the 2-core CI machine.
left_out=(
    "test_fault_inject: allocation and write failures injected at every call of every reader and writer; ~470 s under qemu (8 minutes alone)"
    "test_log_ros1_damage: ROS1 bags cut and corrupted at every offset, parsing only; ~120 s under qemu"
    "test_lz4frame: the LZ4 frame decoder against liblz4's encoder, every truncation and flip; ~45-75 s under qemu"
    "test_log_ros1: ROS1 bags read and compared with the python3-rosbag oracle, parsing only; ~35-55 s under qemu"
    "test_mcap_sink: MCAP files written in every compression and read back by the reference reader; ~25-30 s under qemu"
)
exclude=""
if [ "${SP_ARM_ALL:-0}" != 1 ]; then
    echo "aarch64: NOT run under qemu (they run on x86 in this CI, plain and under the sanitizers; SP_ARM_ALL=1 runs them here):"
    for l in "${left_out[@]}"; do
        echo "    ${l}"
        exclude="$exclude|${l%%:*}"
    done
fi
# test_cli_bench skips here: the bench programs are not cross-built (their
# timings under an emulator would mean nothing).
args=(--test-dir "$build" -j "$jobs" --output-on-failure)
[ -n "$exclude" ] && args+=(-E "^(${exclude#|})\$")
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
