#!/usr/bin/python3
"""Compare bench_camera1 (our debayer/convert kernels) with OpenCV's
cvtColor on the same frame sizes, single-threaded, in the same run.

    /usr/bin/python3 bench/opencv_compare.py [BENCH_BINARY] [--runs N]

BENCH_BINARY defaults to build/bench/bench_camera1. Needs python3-opencv
(Debian: apt-get install python3-opencv python3-numpy).

OpenCV is timed with cv2.setNumThreads(1), output preallocated (dst=), the
median of N calls. Each call also pays the Python -> C++ call overhead; the
"cv ms" column subtracts it, measured as the median time of the same call on
a 4x4 (or 4x2) frame. ratio = OpenCV time (overhead subtracted) / ours:
above 1.0 means we are faster. Random content; both sides use the same
sizes and formats (1242x375 and 1920x1080; NV12 uses an even height).
"""
import json
import subprocess
import sys
import time

import cv2
import numpy as np

cv2.setNumThreads(1)


def median_ms(fn, runs):
    for _ in range(3):
        fn()
    t = []
    for _ in range(runs):
        t0 = time.perf_counter_ns()
        fn()
        t.append(time.perf_counter_ns() - t0)
    t.sort()
    return t[len(t) // 2] * 1e-6


# (our kernel, our backend label suffix, our source format, cv2 code, input maker)
def bayer8(w, h):
    return np.random.randint(0, 256, (h, w), np.uint8)


def bayer16(w, h):
    return np.random.randint(0, 1 << 14, (h, w), np.uint16)


def rgb8(w, h):
    return np.random.randint(0, 256, (h, w, 3), np.uint8)


def nv12(w, h):
    return np.random.randint(0, 256, (h * 3 // 2, w), np.uint8)


def yuyv(w, h):
    return np.random.randint(0, 256, (h, w, 2), np.uint8)


CASES = [
    ("debayer", "bayer_rggb8>rgb8 bilinear", cv2.COLOR_BayerBG2RGB, bayer8),
    ("debayer", "bayer_rggb8>bgr8 bilinear", cv2.COLOR_BayerBG2BGR, bayer8),
    ("debayer", "bayer_rggb8>rgb8 ea", cv2.COLOR_BayerBG2RGB_EA, bayer8),
    ("debayer", "bayer_rggb16>rgb16 bilinear", cv2.COLOR_BayerBG2RGB, bayer16),
    ("convert", "rgb8>gray8 gray", cv2.COLOR_RGB2GRAY, rgb8),
    ("convert", "rgb8>bgr8 bgr", cv2.COLOR_RGB2BGR, rgb8),
    ("convert", "rgb8>rgba8 rgba", cv2.COLOR_RGB2RGBA, rgb8),
    ("convert", "nv12>rgb8 rgb", cv2.COLOR_YUV2RGB_NV12, nv12),
    ("convert", "yuyv>bgr8 bgr", cv2.COLOR_YUV2BGR_YUYV, yuyv),
]


def main():
    args = sys.argv[1:]
    runs = 50
    binary = "build/bench/bench_camera1"
    i = 0
    while i < len(args):
        if args[i] == "--runs" and i + 1 < len(args):
            runs = int(args[i + 1])
            i += 2
        else:
            binary = args[i]
            i += 1
    out = subprocess.run([binary, "--json", "--runs", str(runs)], check=True,
                         capture_output=True, text=True).stdout
    ours = {}
    for line in out.splitlines():
        if not line.startswith("{"):
            continue
        r = json.loads(line)
        back, _, label = r["backend"].partition(" ")
        ours[(r["kernel"], label, r["input"], back)] = r["median_ms"]
    simd = sorted({k[3] for k in ours if k[3] not in ("scalar", "opencl")})
    simd = simd[0] if simd else "scalar"
    print(f"OpenCV {cv2.__version__}, 1 thread; ours: {simd} (single thread), {binary}")
    print(f"{'kernel':8} {'case':30} {'size':10} {'ours ms':>8} {'cv raw ms':>9} "
          f"{'call ovh':>8} {'cv ms':>8} {'ratio':>6}")
    for kernel, label, code, make in CASES:
        for (w, h) in ((1242, 375), (1920, 1080)):
            hh = h + (h & 1) if make is nv12 else h
            size = f"{w}x{hh}"
            key = (kernel, label, size, simd)
            if key not in ours:
                continue
            src = make(w, hh)
            dst = cv2.cvtColor(src, code)
            raw = median_ms(lambda: cv2.cvtColor(src, code, dst=dst), runs)
            tiny = make(4, 4 if make is not nv12 else 2)
            tdst = cv2.cvtColor(tiny, code)
            ovh = median_ms(lambda: cv2.cvtColor(tiny, code, dst=tdst), runs)
            cv = max(raw - ovh, 1e-6)
            print(f"{kernel:8} {label:30} {size:10} {ours[key]:8.3f} {raw:9.3f} {ovh:8.3f} "
                  f"{cv:8.3f} {cv / ours[key]:6.2f}")


if __name__ == "__main__":
    main()
