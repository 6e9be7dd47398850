#!/bin/sh
# Runs on a lent GPU machine (the device tool), from the repository root,
# over what scripts/device_bundle.sh packed into .dev: every cmocka suite
# with the GPU as the OpenCL device (the suites compare each back-end with
# the scalar reference), then the kernel benchmarks' rows, OpenCL beside the
# CPU's. Results go to $OUT: machine.txt, tests.txt (one line a suite),
# failed.log (the output of every suite that did not pass), logs.tar.gz
# (every suite's output), startup.txt (a five-stage pipeline's set-up, three
# times), bench.txt.
# Usage: OUT=DIR scripts/device_check.sh [TEST_SECONDS] [BENCH_RUNS]
# (BENCH_RUNS 0: the suites alone)
set -u
out=${OUT:-/tmp/sp-device-out}
tsec=${1:-180}
runs=${2:-21}
root=$(pwd)
mkdir -p "$out"
unpack() {
    if command -v xz >/dev/null; then tar -xJf "$1" -C "$2"
    else python3 -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' "$1" "$2"; fi
}
unpack .dev/progs.tar.xz "$root"
mkdir -p /tmp/sp-data && unpack .dev/data.tar.xz /tmp/sp-data
# The programs hold this build's absolute paths (sources, oracles).
[ -e /work/main ] || { mkdir -p /work && ln -s "$root" /work/main; }
export LD_LIBRARY_PATH="$root/lib" SP_TEST_DATA=/tmp/sp-data
# NVIDIA's OpenCL driver, named to the loader whether or not the image has
# an ICD file for it.
nv=$(find /usr/local/nvidia /usr/lib/x86_64-linux-gnu /usr/lib64 /usr/lib \
    -name 'libnvidia-opencl.so*' 2>/dev/null | head -1)
if [ -n "$nv" ]; then
    mkdir -p /tmp/icd && echo "$nv" > /tmp/icd/nvidia.icd
    export OCL_ICD_VENDORS=/tmp/icd
fi
{
    date -u; nvidia-smi -L; ldd --version | head -1
    grep -m1 'model name' /proc/cpuinfo; nproc; cat /proc/loadavg
    echo "ICD: ${OCL_ICD_VENDORS:-/etc/OpenCL/vendors} $(cat /tmp/icd/nvidia.icd 2>/dev/null)"
    build/cli/sensorpipe devices 2>&1
} > "$out/machine.txt" 2>&1
cat "$out/machine.txt"
# Every suite, 8 at a time, each in its own scratch folder.
mkdir -p /tmp/sp-logs
ls build/tests | grep '^test_' | xargs -P 8 -I{} sh -c '
    mkdir -p /tmp/sp-tmp/{}
    t0=$(date +%s%N)
    SP_TEST_TMP=/tmp/sp-tmp/{} SP_TEST_BINARY_DIR='"$root"'/build \
        timeout '"$tsec"' build/tests/{} > /tmp/sp-logs/{}.log 2>&1
    rc=$?
    echo "{} rc=$rc $(( ($(date +%s%N) - t0) / 1000000 )) ms" >> /tmp/sp-logs/summary'
sort /tmp/sp-logs/summary > "$out/tests.txt"
grep -v 'rc=0 ' "$out/tests.txt" | while read -r name rc _; do
    echo "=== $name $rc"; tail -c 6000 "/tmp/sp-logs/$name.log"
done > "$out/failed.log"
tar -C /tmp/sp-logs -czf "$out/logs.tar.gz" .
echo "suites: $(wc -l < "$out/tests.txt"), not passed: $(grep -vc 'rc=0 ' "$out/tests.txt")"
grep -v 'rc=0 ' "$out/tests.txt"
sort -t' ' -k3 -n -r "$out/tests.txt" | head -8
# Set-up cost: a five-stage pipeline on the device, three frames.
for i in 1 2 3; do
    t0=$(date +%s%N)
    build/cli/sensorpipe run --backend opencl "synth frames=3 ! crop \
x=0:40 y=-20:20 ! voxel leaf=0.3 ! bev ! debayer ! resize width=320 \
height=240 ! null" > /dev/null 2>&1
    echo "pipeline of 5 OpenCL stages, 3 frames: rc=$? $(( ($(date +%s%N) - t0) / 1000000 )) ms"
done | tee "$out/startup.txt"
[ "$runs" -gt 0 ] || exit 0
# Kernel benchmarks, one at a time on a quiet machine; the threads= rows of
# the camera program are cut by its time limit (line-buffered output).
for b in bench_lidar bench_lidar_raster bench_camera2 bench_lidar_packets bench_camera1; do
    echo "=== $b $(cat /proc/loadavg)"
    timeout 60 stdbuf -oL "build/bench/$b" --runs "$runs" 2>&1
done > "$out/bench.txt"
grep -E 'opencl|^===|^memcpy' "$out/bench.txt" | head -80
