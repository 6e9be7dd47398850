#!/usr/bin/python3
"""Independent oracle for the HDL-64E decoder (tests/test_lidar_hdl64.c).

Recomputes, in float64 numpy, the points the Velodyne ROS driver
(velodyne_pointcloud rawdata.cc, RawData::unpack, and calibration.cc)
makes of 1206-byte HDL-64E packets with a YAML calibration table:
  distance = raw * 0.002 + dist_correction (raw 0: no return)
  rotation = block azimuth - rot_correction, composed exactly (no table)
  x/y with the vertical and horizontal offsets; the two-point distance
  correction (linear between 2.4 m / 1.93 m and 25.04 m of |x| / |y|) when
  the laser says two_pt_correction_available (absent: false)
  intensity += focal_slope * |focal_offset - 256 (1 - raw/65535)^2|,
  focal_offset = 256 (1 - focal_distance / 13100)^2, clamped to the
  floored [min_intensity, max_intensity] (defaults 0, 255)
  ROS frame: x = driver y, y = -driver x.
The upper block (0xeeff) holds lasers 0-31, the lower (0xddff) 32-63.

usage: hdl64_oracle.py PACKETS YAML DECODED MIN_R MAX_R
DECODED holds the decoder's float32 x, y, z, intensity arrays back to back
(its count is the file size / 16). Exit 0 when the count matches and every
point is within tolerance; prints the worst differences.
"""
import sys

import numpy as np
import yaml


def load_calib(path):
    with open(path) as f:
        doc = yaml.safe_load(f)
    n = int(doc["num_lasers"])
    cal = {}
    for las in doc["lasers"]:
        i = int(las["laser_id"])
        cal[i] = {
            "rot": float(las["rot_correction"]),
            "vert": float(las["vert_correction"]),
            "dc": float(las["dist_correction"]),
            "dcx": float(las.get("dist_correction_x", 0.0)),
            "dcy": float(las.get("dist_correction_y", 0.0)),
            "two_pt": bool(las.get("two_pt_correction_available", False)),
            "vo": float(las.get("vert_offset_correction", 0.0)),
            "ho": float(las.get("horiz_offset_correction", 0.0)),
            "imax": float(np.floor(float(las.get("max_intensity", 255.0)))),
            "imin": float(np.floor(float(las.get("min_intensity", 0.0)))),
            "fd": float(las.get("focal_distance", 0.0)),
            "fs": float(las.get("focal_slope", 0.0)),
        }
    assert len(cal) == n == 64, "an HDL-64E table has 64 lasers"
    return cal


def expected(pkts, cal, min_r, max_r):
    out = []
    for p in pkts:
        for b in range(12):
            blk = p[100 * b:100 * (b + 1)]
            flag = int(blk[0]) | int(blk[1]) << 8
            bank = {0xEEFF: 0, 0xDDFF: 32}[flag]
            az = (int(blk[2]) | int(blk[3]) << 8) / 100.0
            for j in range(32):
                u = blk[4 + 3 * j:7 + 3 * j]
                raw = int(u[0]) | int(u[1]) << 8
                if raw == 0:
                    continue
                c = cal[bank + j]
                dist = raw * 0.002 + c["dc"]
                if not (min_r < dist < max_r):
                    continue
                th = np.radians(az) - c["rot"]
                ct, st = np.cos(th), np.sin(th)
                cv, sv = np.cos(c["vert"]), np.sin(c["vert"])
                vo, ho = c["vo"], c["ho"]
                xy = dist * cv - vo * sv
                xx = abs(xy * st - ho * ct)
                yy = abs(xy * ct + ho * st)
                cx = cy = 0.0
                if c["two_pt"]:
                    cx = (c["dc"] - c["dcx"]) * (xx - 2.4) / (25.04 - 2.4) \
                        + c["dcx"] - c["dc"]
                    cy = (c["dc"] - c["dcy"]) * (yy - 1.93) / (25.04 - 1.93) \
                        + c["dcy"] - c["dc"]
                dx, dy = dist + cx, dist + cy
                x_drv = (dx * cv - vo * sv) * st - ho * ct
                y_drv = (dy * cv - vo * sv) * ct + ho * st
                z = dy * sv + vo * cv
                fo = 256.0 * (1 - c["fd"] / 13100.0) ** 2
                inten = float(u[2]) + c["fs"] * abs(
                    fo - 256.0 * (1 - raw / 65535.0) ** 2)
                inten = min(max(inten, c["imin"]), c["imax"])
                out.append((y_drv, -x_drv, z, inten))
    return np.array(out, dtype=np.float64).reshape(-1, 4)


def main():
    pk_path, yaml_path, got_path = sys.argv[1:4]
    min_r, max_r = float(sys.argv[4]), float(sys.argv[5])
    data = np.fromfile(pk_path, dtype=np.uint8)
    assert data.size % 1206 == 0
    pkts = data.reshape(-1, 1206)
    exp = expected(pkts, load_calib(yaml_path), min_r, max_r)
    got = np.fromfile(got_path, dtype=np.float32).astype(np.float64)
    n = got.size // 4
    got = got.reshape(4, n).T
    if n != len(exp):
        print(f"hdl64 oracle: {n} points, expected {len(exp)}")
        return 1
    dxyz = np.abs(got[:, :3] - exp[:, :3]).max(axis=1)
    dint = np.abs(got[:, 3] - exp[:, 3])
    print(f"hdl64 oracle: {n} points, worst xyz {dxyz.max():.3g} m, "
          f"worst intensity {dint.max():.3g}")
    bad = np.nonzero((dxyz > 5e-5) | (dint > 2e-3))[0]
    if bad.size:
        i = bad[0]
        print(f"point {i}: got {got[i]}, expected {exp[i]}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
