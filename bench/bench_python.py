#!/usr/bin/python3
"""The Python package's costs (run by bench_python, i.e. `sensorpipe bench
python`; or by hand with build/python on PYTHONPATH):

- per-frame overhead of iterating a Pipeline from Python over pulling the
  same pipeline in C (Pipeline.run(): the C loop, no Python per frame), on
  cheap synthetic frames (2x2 gray images: ~1 us each in C), and the same
  with one NumPy view made per frame. Target: under 5 us per frame;
- sp.voxel on a NumPy KITTI sweep (leaf 0.2), in each input form, beside
  Open3D's voxel_down_sample on the same points when Open3D is installed
  (python3-open3d; the row is skipped, saying so, when it is not) and a
  plain NumPy voxel grid (np.unique of the voxel keys + np.bincount means,
  a common way to do it in NumPy).

Rows are printed as JSON objects (--json) the way the C bench programs do.
Times are medians; --cputime times by this thread's CPU time (everything
measured here runs on the calling thread), which a loaded machine disturbs
less than the wall clock.
"""

import argparse
import json
import os
import sys
import time

import numpy as np

import sensorpipe as sp

CHEAP = "synth frames={n} lidar=false width=2 height=2 format=gray8"


def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2]


def timed(fn, runs, clock):
    fn()  # warm-up
    out = []
    for _ in range(runs):
        t = clock()
        fn()
        out.append(clock() - t)
    return median(out)


def timed_pair(fa, fb, runs, clock):
    """Medians of fa and fb timed in turns: on a loaded machine both then
    meet the same load, and their ratio means something."""
    fa()
    fb()
    ta, tb = [], []
    for _ in range(runs):
        for fn, out in ((fa, ta), (fb, tb)):
            t = clock()
            fn()
            out.append(clock() - t)
    return median(ta), median(tb)


def emit(row, as_json):
    if as_json:
        print(json.dumps(row), flush=True)
    else:
        print("  ".join(f"{k}={v}" for k, v in row.items()), flush=True)


def iterate_rows(frames, runs, clock, as_json):
    launch = CHEAP.format(n=frames)

    def in_c():
        with sp.Pipeline(launch) as p:
            assert p.run() == frames

    def in_python():
        with sp.Pipeline(launch) as p:
            n = 0
            for _ in p:
                n += 1
            assert n == frames

    def with_view():
        with sp.Pipeline(launch) as p:
            for f in p:
                f.image

    c = timed(in_c, runs, clock)
    py = timed(in_python, runs, clock)
    view = timed(with_view, runs, clock)
    for what, s in (("C: Pipeline.run(), the pull loop in C", c),
                     ("Python: for frame in Pipeline(...)", py),
                     ("Python: for frame in ...: frame.image (a NumPy view)", view)):
        emit({"pipeline": f"{what} [{launch}]", "frames": frames,
              "median_ms": round(s * 1e3, 3),
              "ns_per_frame": round(s * 1e9 / frames, 1),
              "fps": round(frames / s)}, as_json)
    over = (py - c) * 1e9 / frames
    emit({"pipeline": "Python iterator overhead per frame over C (target < 5000 ns)",
          "frames": frames, "median_ms": round((py - c) * 1e3, 3),
          "ns_per_frame": round(over, 1), "fps": 0,
          "target_met": over < 5000}, as_json)
    return over


def numpy_voxel(xyz, leaf):
    """Voxel-grid means in plain NumPy (float32 floor(p / leaf) keys)."""
    keys = np.floor(xyz * np.float32(1.0 / leaf)).astype(np.int64)
    keys -= keys.min(0)
    dims = keys.max(0) + 1
    lin = (keys[:, 2] * dims[1] + keys[:, 1]) * dims[0] + keys[:, 0]
    _, inv, counts = np.unique(lin, return_inverse=True, return_counts=True)
    out = np.empty((len(counts), xyz.shape[1]), np.float32)
    for c in range(xyz.shape[1]):
        out[:, c] = np.bincount(inv, weights=xyz[:, c]) / counts
    return out


def voxel_rows(path, runs, clock, as_json):
    cloud = np.fromfile(path, np.float32).reshape(-1, 4)
    n = len(cloud)
    fort = np.asfortranarray(cloud)
    chans = {k: np.ascontiguousarray(cloud[:, i])
             for i, k in enumerate(("x", "y", "z", "intensity"))}
    xyz = np.ascontiguousarray(cloud[:, :3])
    forms = (("(N,4) rows", cloud),
             ("(N,4) F-order", fort),
             ("dict", chans))
    for backend in ("simd", "scalar"):
        for what, arr in forms:
            s = timed(lambda: sp.voxel(arr, 0.2, backend=backend), runs, clock)
            m = sp.voxel(arr, 0.2, backend=backend)
            count = len(m["x"]) if isinstance(m, dict) else len(m)
            emit({"kernel": "sp.voxel 0.2", "backend": f"{backend}, {what}",
                  "input": "kitti 000001", "items": n,
                  "median_ms": round(s * 1e3, 4),
                  "mitems_per_s": round(n / s / 1e6, 1),
                  "bytes": n * 16, "gb_per_s": round(n * 16 / s / 1e9, 2),
                  "ratio_to_memcpy": 0, "voxels": count}, as_json)
    # The comparisons: the rows a user has (np.fromfile().reshape), each
    # timed in turns with the reference.
    ours_fn = lambda: sp.voxel(cloud, 0.2, backend="simd")  # noqa: E731
    count = len(ours_fn())
    ours, s = timed_pair(ours_fn, lambda: numpy_voxel(xyz, 0.2),
                         max(3, runs // 5), clock)
    ref_count = len(numpy_voxel(xyz, 0.2))
    emit({"compare": "voxel", "input": "kitti 000001 (N,4)", "backend": "simd",
          "median_ms": round(ours * 1e3, 4), "ref": "NumPy unique+bincount",
          "ref_median_ms": round(s * 1e3, 4),
          "ref_over_ours": round(s / ours, 2),
          "difference": f"counts {count} / {ref_count}"}, as_json)
    try:
        import open3d as o3d
    except ImportError:
        print("bench_python: Open3D row skipped: open3d is not installed for "
              f"{sys.executable} (Debian: python3-open3d)", file=sys.stderr)
        return
    pcd = o3d.geometry.PointCloud()
    pcd.points = o3d.utility.Vector3dVector(xyz.astype(np.float64))

    def o3d_voxel():
        # As a user would: the NumPy array into Open3D, downsampled, back.
        q = o3d.geometry.PointCloud()
        q.points = o3d.utility.Vector3dVector(xyz.astype(np.float64))
        return np.asarray(q.voxel_down_sample(0.2).points)

    ours, s = timed_pair(ours_fn, o3d_voxel, runs, clock)
    emit({"compare": "voxel", "input": "kitti 000001 (N,4)", "backend": "simd",
          "median_ms": round(ours * 1e3, 4),
          "ref": "open3d voxel_down_sample (from the NumPy array, back to one)",
          "ref_median_ms": round(s * 1e3, 4),
          "ref_over_ours": round(s / ours, 2),
          "difference": f"counts {count} / {len(o3d_voxel())}"}, as_json)
    # Open3D's call alone, its PointCloud built beforehand (the floor of
    # what a user of Open3D pays).
    ours, s = timed_pair(ours_fn, lambda: pcd.voxel_down_sample(0.2), runs,
                         clock)
    emit({"compare": "voxel", "input": "kitti 000001 (N,4)", "backend": "simd",
          "median_ms": round(ours * 1e3, 4),
          "ref": "open3d voxel_down_sample (PointCloud made beforehand)",
          "ref_median_ms": round(s * 1e3, 4),
          "ref_over_ours": round(s / ours, 2),
          "difference": f"counts {count} / "
                        f"{len(pcd.voxel_down_sample(0.2).points)}"}, as_json)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--runs", type=int, default=0)
    ap.add_argument("--cputime", action="store_true")
    ap.add_argument("--data", default=os.environ.get("SP_TEST_DATA", ""))
    a = ap.parse_args()
    runs = a.runs or (3 if a.quick else 9)
    clock = time.thread_time if a.cputime else time.perf_counter
    over = iterate_rows(20000 if a.quick else 200000, runs, clock, a.json)
    path = os.path.join(a.data, "kitti_object/training/velodyne/000001.bin")
    if a.data and os.path.exists(path):
        voxel_rows(path, a.runs or (5 if a.quick else 21), clock, a.json)
    else:
        print(f"bench_python: sp.voxel rows skipped: {path or 'SP_TEST_DATA'} "
              f"absent (--data DIR)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
