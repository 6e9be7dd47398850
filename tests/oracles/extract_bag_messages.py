#!/usr/bin/python3
"""Real ROS1 messages for tests/test_rosmsg.c, with what Python makes of
them, so the C decoders are checked against code that is not ours.

    extract_bag_messages.py DATADIR OUTDIR

For each message listed in CASES whose bag is under DATADIR/ros1/, writes
  OUTDIR/<name>.ros1   the serialized bytes as stored (rosbag raw=True)
  OUTDIR/<name>.txt    "key value" lines: header, sizes, fields, matrices
                       (floats as float.hex(), so strtod reads them exactly)
  and per type:
  PointCloud2      <name>.data  the data bytes (genpy's deserialization)
                   <name>.xyzi  x, y, z (and intensity when present) as
                                float32 arrays one after the other, from
                                numpy.frombuffer with the fields' dtype
  CompressedImage  <name>.data  the payload
                   <name>.pix   the JPEG decoded by libturbojpeg through
                                ctypes (tjDecompress2, flags 0 = libjpeg's
                                defaults), rows packed, RGB or gray
  LaserScan        <name>.pts   x, y, z, intensity, time (float32 arrays)
                                computed by numpy in float64 as sp_rosmsg.h
                                states, NaN for invalid ranges
Exit status 3 when rosbag or numpy is not importable (the test skips).
"""
import ctypes
import ctypes.util
import os
import sys

try:
    import numpy as np
    import rosbag
except ImportError as e:
    print("rosbag / numpy not importable (%s): install python3-rosbag "
          "python3-numpy" % e, file=sys.stderr)
    sys.exit(3)

# name, bag, topic, index of the message on that topic
CASES = [
    ("sick_cloud", "sick_rms1000_lms1000_bz2.bag", "/cloud", 0),
    ("sick_radar_track", "sick_rms1000_lms1000_bz2.bag", "/cloud_radar_track", 0),
    ("sick_scan", "sick_rms1000_lms1000_bz2.bag", "/sick_lms_1xx/scan", 0),
    ("luminar", "embag_test.bag", "/luminar_pointcloud", 0),
    ("embag_scan", "embag_test.bag", "/base_scan", 0),
    ("swri", "swri_pointcloud2_lz4.bag", "/pointcloud2", 0),
    ("ubiquity_jpeg", "ubiquity_aruco_marker_jpeg.bag",
     "/raspicam_node/image/compressed", 0),
    ("ubiquity_caminfo", "ubiquity_aruco_marker_jpeg.bag",
     "/raspicam_node/camera_info", 0),
]

NP_TYPES = {1: "i1", 2: "u1", 3: "<i2", 4: "<u2", 5: "<i4", 6: "<u4",
            7: "<f4", 8: "<f8"}


def fhex(v):
    return float(v).hex()


def header_lines(h):
    return ["seq %d" % h.seq,
            "stamp_ns %d" % (h.stamp.secs * 1000000000 + h.stamp.nsecs),
            "frame_id %s" % h.frame_id]


def pc2(m, base, lines):
    lines += ["height %d" % m.height, "width %d" % m.width,
              "nfields %d" % len(m.fields),
              "is_bigendian %d" % m.is_bigendian,
              "point_step %d" % m.point_step, "row_step %d" % m.row_step,
              "data_size %d" % len(m.data), "is_dense %d" % m.is_dense]
    for i, f in enumerate(m.fields):
        lines.append("field%d %s %d %d %d" % (i, f.name, f.offset, f.datatype,
                                               f.count))
    with open(base + ".data", "wb") as f:
        f.write(m.data)
    names = [f.name for f in m.fields]
    want = [n for n in ("x", "y", "z", "intensity") if n in names]
    dt = np.dtype({"names": [f.name for f in m.fields if f.name in want],
                   "formats": [NP_TYPES[f.datatype] for f in m.fields
                               if f.name in want],
                   "offsets": [f.offset for f in m.fields if f.name in want],
                   "itemsize": m.point_step})
    rows = []
    for r in range(m.height):
        rows.append(np.frombuffer(m.data, dtype=dt, count=m.width,
                                  offset=r * m.row_step))
    pts = np.concatenate(rows) if rows else np.zeros(0, dtype=dt)
    with open(base + ".xyzi", "wb") as f:
        for n in want:
            f.write(pts[n].astype("<f4").tobytes())
    lines.append("xyzi %s" % ",".join(want))


def jpeg_decode(data):
    lib = ctypes.CDLL(ctypes.util.find_library("turbojpeg") or
                      "libturbojpeg.so.0")
    lib.tjInitDecompress.restype = ctypes.c_void_p
    lib.tjDecompressHeader3.argtypes = [ctypes.c_void_p, ctypes.c_char_p,
                                        ctypes.c_ulong] + \
        [ctypes.POINTER(ctypes.c_int)] * 4
    lib.tjDecompress2.argtypes = [ctypes.c_void_p, ctypes.c_char_p,
                                  ctypes.c_ulong, ctypes.c_void_p,
                                  ctypes.c_int, ctypes.c_int, ctypes.c_int,
                                  ctypes.c_int, ctypes.c_int]
    lib.tjDestroy.argtypes = [ctypes.c_void_p]
    h = lib.tjInitDecompress()
    w, ht, sub, cs = (ctypes.c_int(), ctypes.c_int(), ctypes.c_int(),
                      ctypes.c_int())
    if lib.tjDecompressHeader3(h, data, len(data), ctypes.byref(w),
                               ctypes.byref(ht), ctypes.byref(sub),
                               ctypes.byref(cs)) != 0:
        raise RuntimeError("tjDecompressHeader3 failed")
    gray = cs.value == 2  # TJCS_GRAY
    ch = 1 if gray else 3
    out = ctypes.create_string_buffer(w.value * ht.value * ch)
    # TJPF_RGB 0, TJPF_GRAY 6; pitch 0 = packed rows; flags 0 = defaults
    if lib.tjDecompress2(h, data, len(data), out, w.value, 0, ht.value,
                         6 if gray else 0, 0) != 0:
        raise RuntimeError("tjDecompress2 failed")
    lib.tjDestroy(h)
    return w.value, ht.value, ("gray8" if gray else "rgb8"), out.raw


def cimage(m, base, lines):
    lines += ["format %s" % m.format, "data_size %d" % len(m.data)]
    with open(base + ".data", "wb") as f:
        f.write(m.data)
    w, h, fmt, pix = jpeg_decode(bytes(m.data))
    lines += ["pix_width %d" % w, "pix_height %d" % h, "pix_format %s" % fmt]
    with open(base + ".pix", "wb") as f:
        f.write(pix)


def caminfo(m, base, lines):
    lines += ["height %d" % m.height, "width %d" % m.width,
              "distortion_model %s" % m.distortion_model,
              "nD %d" % len(m.D),
              "D %s" % " ".join(fhex(v) for v in m.D),
              "K %s" % " ".join(fhex(v) for v in m.K),
              "R %s" % " ".join(fhex(v) for v in m.R),
              "P %s" % " ".join(fhex(v) for v in m.P),
              "binning %d %d" % (m.binning_x, m.binning_y),
              "roi %d %d %d %d %d" % (m.roi.x_offset, m.roi.y_offset,
                                      m.roi.height, m.roi.width,
                                      m.roi.do_rectify)]


def laserscan(m, base, lines):
    f32 = np.float32
    lines += ["angle_min %s" % fhex(m.angle_min),
              "angle_increment %s" % fhex(m.angle_increment),
              "time_increment %s" % fhex(m.time_increment),
              "range_min %s" % fhex(m.range_min),
              "range_max %s" % fhex(m.range_max),
              "nranges %d" % len(m.ranges),
              "nintensities %d" % len(m.intensities)]
    r = np.array(m.ranges, dtype=f32)
    n = len(r)
    i = np.arange(n, dtype=np.float64)
    a = np.float64(f32(m.angle_min)) + i * np.float64(f32(m.angle_increment))
    rd = r.astype(np.float64)
    ok = np.isfinite(r) & (rd >= np.float64(f32(m.range_min))) & \
        (rd <= np.float64(f32(m.range_max)))
    x = np.where(ok, rd * np.cos(a), np.nan).astype(f32)
    y = np.where(ok, rd * np.sin(a), np.nan).astype(f32)
    z = np.where(ok, 0.0, np.nan).astype(f32)
    inten = np.zeros(n, dtype=f32)
    k = min(n, len(m.intensities))
    inten[:k] = np.array(m.intensities[:k], dtype=f32)
    t = (i * np.float64(f32(m.time_increment))).astype(f32)
    with open(base + ".pts", "wb") as f:
        for arr in (x, y, z, inten, t):
            f.write(arr.astype("<f4").tobytes())


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 1
    data, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    for name, bag, topic, index in CASES:
        path = os.path.join(data, "ros1", bag)
        if not os.path.exists(path):
            continue
        with rosbag.Bag(path) as b:
            raw = msg = None
            k = 0
            for _, r, _ in b.read_messages(topics=[topic], raw=True):
                if k == index:
                    raw = r
                    break
                k += 1
            # raw = (datatype, bytes, md5sum, position, pytype)
            msg = raw[4]()
            msg.deserialize(raw[1])
        base = os.path.join(out, name)
        with open(base + ".ros1", "wb") as f:
            f.write(raw[1])
        lines = ["type %s" % raw[0]] + header_lines(msg.header)
        {"sensor_msgs/PointCloud2": pc2,
         "sensor_msgs/CompressedImage": cimage,
         "sensor_msgs/CameraInfo": caminfo,
         "sensor_msgs/LaserScan": laserscan}[raw[0]](msg, base, lines)
        with open(base + ".txt", "w") as f:
            f.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
