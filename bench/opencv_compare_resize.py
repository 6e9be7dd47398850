#!/usr/bin/python3
"""Compare bench_camera2 (our resize and normalize) with OpenCV in the same
run, single-threaded.

    /usr/bin/python3 bench/opencv_compare_resize.py [BENCH_BINARY] [--runs N]

BENCH_BINARY defaults to build/bench/bench_camera2. Needs python3-opencv
(Debian: apt-get install python3-opencv python3-numpy).

OpenCV is timed with cv2.setNumThreads(1), output preallocated where the API
allows (resize dst=), the median of N calls. Each Python call also pays the
Python -> C++ overhead; "cv ms" subtracts it, measured as the median of the
same call on a 4x4 frame (printed as "call ovh"). ratio = OpenCV time
(overhead subtracted) / ours: above 1.0 means we are faster.

Cases (random content, the same sizes and formats as bench_camera2):
  resize   1242x375 and 1920x1080 rgb8/gray8 -> 640x384, INTER_LINEAR,
           INTER_AREA, INTER_NEAREST
  normalize 640x384 rgb8 and 1920x1080 rgb8: cv2.dnn.blobFromImage(img,
           1/255, size, 255*mean, swapRB=True) then division by the
           per-channel std in place (np.divide(..., out=)), which is what
           our normalize computes; "blob only" rows time blobFromImage alone.
"""
import json
import subprocess
import sys
import time

import cv2
import numpy as np

cv2.setNumThreads(1)

MEAN = np.array([0.485, 0.456, 0.406])
STD = np.array([0.229, 0.224, 0.225], dtype=np.float32).reshape(1, 3, 1, 1)
INTERP = {"linear": cv2.INTER_LINEAR, "area": cv2.INTER_AREA,
          "nearest": cv2.INTER_NEAREST}


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


def image(w, h, fmt):
    shape = (h, w, 3) if fmt == "rgb8" else (h, w)
    return np.random.randint(0, 256, shape, np.uint8)


def main():
    args = sys.argv[1:]
    runs = 50
    binary = "build/bench/bench_camera2"
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
    simd = sorted({k[3] for k in ours if k[3] not in ("scalar", "opencl", "host")})
    simd = simd[0] if simd else "scalar"
    print(f"OpenCV {cv2.__version__}, 1 thread; ours: {simd} (single thread), {binary}")
    print(f"{'kernel':9} {'case':22} {'input':16} {'ours ms':>8} {'cv raw ms':>9} "
          f"{'call ovh':>8} {'cv ms':>8} {'ratio':>6}")

    def row(kernel, case, inp, mine, raw, ovh):
        cv = max(raw - ovh, 1e-6)
        print(f"{kernel:9} {case:22} {inp:16} {mine:8.3f} {raw:9.3f} {ovh:8.3f} "
              f"{cv:8.3f} {cv / mine:6.2f}")

    for (w, h) in ((1242, 375), (1920, 1080)):
        for fmt in ("rgb8", "gray8"):
            inp = f"{w}x{h} {fmt}"
            for m, code in INTERP.items():
                key = ("resize", m, inp, simd)
                if key not in ours:
                    continue
                src = image(w, h, fmt)
                dst = cv2.resize(src, (640, 384), interpolation=code)
                raw = median_ms(lambda: cv2.resize(src, (640, 384), dst=dst,
                                                   interpolation=code), runs)
                tiny = image(4, 4, fmt)
                tdst = cv2.resize(tiny, (2, 2), interpolation=code)
                ovh = median_ms(lambda: cv2.resize(tiny, (2, 2), dst=tdst,
                                                   interpolation=code), runs)
                row("resize", f"{m} ->640x384", inp, ours[key], raw, ovh)
    for (w, h) in ((640, 384), (1920, 1080)):
        inp = f"{w}x{h} rgb8"
        key = ("normalize", "", inp, simd)
        if key not in ours:
            continue
        src = image(w, h, "rgb8")
        tiny = image(4, 4, "rgb8")

        def blob(a, ww, hh):
            return cv2.dnn.blobFromImage(a, 1 / 255.0, (ww, hh),
                                         tuple(MEAN * 255), swapRB=True)

        def blob_std(a, ww, hh):
            b = blob(a, ww, hh)
            np.divide(b, STD, out=b)
            return b

        raw = median_ms(lambda: blob_std(src, w, h), runs)
        ovh = median_ms(lambda: blob_std(tiny, 4, 4), runs)
        row("normalize", "blobFromImage + /std", inp, ours[key], raw, ovh)
        raw = median_ms(lambda: blob(src, w, h), runs)
        ovh = median_ms(lambda: blob(tiny, 4, 4), runs)
        row("normalize", "blobFromImage only", inp, ours[key], raw, ovh)


if __name__ == "__main__":
    main()
