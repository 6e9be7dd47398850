#!/bin/sh
# Packs what scripts/device_check.sh needs on a lent GPU machine that has
# no compiler packages and no network: this build's programs (stripped),
# the shared libraries they load from Debian (not the C library: the
# machine's own is newer), and the recordings the suites and benchmarks
# read. Usage: scripts/device_bundle.sh [BUILD_DIR] [DATA_DIR] [OUT_DIR]
# (defaults build, ../shared/data, .dev); OUT_DIR must be git-ignored.
set -eu
build=${1:-build}
data=${2:-../shared/data}
out=${3:-.dev}
rm -rf "$out" && mkdir -p "$out/stage/build/tests" "$out/stage/build/bench" \
    "$out/stage/build/cli" "$out/stage/lib"
for f in "$build"/tests/test_* "$build"/bench/bench_* "$build"/cli/sensorpipe; do
    [ -f "$f" ] && [ -x "$f" ] || continue
    rel=${f#"$build"/}
    strip -o "$out/stage/build/$rel" "$f"
done
# Every library a program loads, less the C library's own parts.
for f in "$out"/stage/build/*/*; do ldd "$f"; done 2>/dev/null |
    awk '$3 ~ /^\// {print $3}' | sort -u |
    grep -v -E '/(libc|libm|libpthread|libdl|librt|ld-linux[^/]*)\.so' |
    while read -r lib; do cp -L "$lib" "$out/stage/lib/"; done
tar -C "$out/stage" -cf - build lib | xz -9 -T2 > "$out/progs.tar.xz"
tar -C "$data" -cf -  kitti_object lidar_packets raw_bayer \
    pcap kitti_raw_seq | xz -6 -T2 > "$out/data.tar.xz"
rm -rf "$out/stage"
du -sh "$out"/*
