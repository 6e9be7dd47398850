#!/usr/bin/python3
"""The comparison row of bench_chain: the KITTI chain written the way a tuned
Python data loader writes it, one core, per sample:

  np.fromfile (the sweep) -> crop box mask -> Open3D voxel_down_sample
  (0.2 m; a NumPy mean-per-voxel without Open3D) -> BEV raster in NumPy
  (0.1 m, x 0:70, y -40:40: max height, mean intensity, log density)
  cv2.imread (the camera PNG) -> cv2.resize 640x384 INTER_LINEAR ->
  normalize to a float32 (1, 3, H, W) tensor with ImageNet mean/std

  chain_compare.py DATA_DIR RUNS [cputime]

DATA_DIR is a KITTI object folder (training/velodyne, training/image_2).
Prints one JSON object: median ms per sample and what was used. Needs
Debian's python3-numpy and python3-opencv (call /usr/bin/python3); exits 3
when they are missing.
"""
import glob
import json
import os
import sys
import time

try:
    import cv2
    import numpy as np
except ImportError as e:  # the C benchmark prints this and skips the row
    print(json.dumps({"skip": "numpy or cv2 missing: %s" % e}))
    sys.exit(3)
try:
    import open3d as o3d
except ImportError:
    o3d = None

cv2.setNumThreads(1)
MEAN = np.array([0.485, 0.456, 0.406], np.float32)
STD = np.array([0.229, 0.224, 0.225], np.float32)
XMIN, XMAX, YMIN, YMAX, ZMIN, ZMAX, RES = 0.0, 70.0, -40.0, 40.0, -2.5, 1.0, 0.1
H, W = 700, 800


def voxel(pts):
    if o3d is not None:
        pc = o3d.geometry.PointCloud(o3d.utility.Vector3dVector(pts[:, :3]))
        return np.asarray(pc.voxel_down_sample(0.2).points, np.float32)
    key = np.floor(pts[:, :3] / 0.2).astype(np.int64)
    _, inv, cnt = np.unique(key, axis=0, return_inverse=True,
                            return_counts=True)
    out = np.zeros((cnt.size, 4), np.float64)
    np.add.at(out, inv, pts)
    return (out / cnt[:, None]).astype(np.float32)


def bev(pts):
    x, y, z = pts[:, 0], pts[:, 1], pts[:, 2]
    i = ((x - XMIN) / RES).astype(np.int64)
    j = ((y - YMIN) / RES).astype(np.int64)
    ok = (i >= 0) & (i < H) & (j >= 0) & (j < W) & (z >= ZMIN) & (z <= ZMAX)
    cell = i[ok] * W + j[ok]
    zn = np.clip((z[ok] - ZMIN) / (ZMAX - ZMIN), 0, 1)
    height = np.zeros(H * W, np.float32)
    np.maximum.at(height, cell, zn)
    n = np.bincount(cell, minlength=H * W).astype(np.float32)
    inten = np.bincount(cell, weights=pts[ok, 3] if pts.shape[1] > 3 else None,
                        minlength=H * W).astype(np.float32)
    inten = np.divide(inten, n, out=np.zeros_like(inten), where=n > 0)
    dens = np.minimum(1.0, np.log(n + 1) / np.log(64)).astype(np.float32)
    return np.stack([height, inten, dens]).reshape(3, H, W)


def sample(binf, png):
    pts = np.fromfile(binf, np.float32).reshape(-1, 4)
    m = ((pts[:, 0] >= 0) & (pts[:, 0] <= 70) & (pts[:, 1] >= -40) &
         (pts[:, 1] <= 40) & (pts[:, 2] >= -3) & (pts[:, 2] <= 2))
    pts = pts[m]
    v = voxel(pts)
    if v.shape[1] == 3:  # Open3D keeps xyz only: intensity of 0
        v = np.hstack([v, np.zeros((v.shape[0], 1), np.float32)])
    b = bev(v)
    img = cv2.imread(png, cv2.IMREAD_COLOR)
    img = cv2.resize(img, (640, 384), interpolation=cv2.INTER_LINEAR)
    t = (img[:, :, ::-1].astype(np.float32) * (1 / 255.0) - MEAN) / STD
    t = np.ascontiguousarray(t.transpose(2, 0, 1))[None]
    return b, t


def main():
    data, runs = sys.argv[1], int(sys.argv[2])
    clk = time.thread_time if len(sys.argv) > 3 and sys.argv[3] == "cputime" \
        else time.perf_counter
    bins = sorted(glob.glob(os.path.join(data, "training/velodyne/*.bin")))
    pairs = [(b, b.replace("velodyne", "image_2").replace(".bin", ".png"))
             for b in bins]
    pairs = [p for p in pairs if os.path.exists(p[1])]
    if not pairs:
        print(json.dumps({"skip": "no KITTI samples under %s" % data}))
        sys.exit(3)
    for p in pairs:  # warm-up
        sample(*p)
    ts = []
    for r in range(runs):
        for p in pairs:
            t = clk()
            sample(*p)
            ts.append(clk() - t)
    ts.sort()
    print(json.dumps({"median_ms": ts[len(ts) // 2] * 1e3,
                      "samples": len(pairs),
                      "voxel": "open3d %s" % o3d.__version__ if o3d
                      else "numpy (no open3d)",
                      "numpy": np.__version__, "opencv": cv2.__version__}))


if __name__ == "__main__":
    main()
