#!/usr/bin/python3
"""Oracle for the `bag` source tests (tests/test_bag_src*.c): the frames a
ROS1 bag should become, computed without sensorpipe. Messages are read by
Debian's python3-rosbag and deserialized by genpy; points are taken out of
the PointCloud2 data with numpy (a strided view per field, in the byte
order the message states) and converted as sp_rosmsg.h and bag_decode.c
specify:
  x, y, z, intensity  float32 fields copied bit for bit (through uint32, so
                      NaN payloads are kept); other types v * 1.0 + 0.0 in
                      float64 rounded to float32; no intensity field: 0
  ring                uint16 copied; other integers clamped to 0..65535;
                      floats: NaN -> 0, else truncated, then clamped
  time                float32 copied; float64 minus the first finite value
                      (absolute -> relative); integers v * 1e-9 (ns -> s)
Channel names: intensity / i / reflectance, ring / channel / laser_id,
time / t / timestamp / time_stamp (the first present wins; only fields of
count 1; of fields sharing a name only the first), or as --fields maps.
LaserScan: a = angle_min + i * angle_increment in double, x = r cos(a),
y = r sin(a) with Python's math.cos / math.sin (glibc's libm, the one the C
library calls), rounded to float32; invalid ranges NaN; time =
i * time_increment. Image: rows without their padding, 16- and 32-bit
samples of a big-endian message swapped. CompressedImage: the JPEG decoded
by libturbojpeg through ctypes (extract_bag_messages.jpeg_decode).

  bag_frames_oracle.py BAG OUTDIR [--fields MAP]

writes OUTDIR/frames.txt and OUTDIR/data.bin. frames.txt, one line each:
  C topic frame_id width height model nD D... K...   (first CameraInfo of a
                                                      topic; floats hex)
  F topic kind stamp_ns log_ns index rank n height ring time offset length
    fmt width height calib
in log-time order (equal times in file order); kind "points" or "image";
index: the message's position in its topic (log-time order); rank: its
position in file order among the decoded messages; stamp_ns: the header
stamp (0 stays 0: the test applies the log-time rule); ring / time: 1
when the frame has the channel; data.bin[offset, +length): x, y, z,
intensity (float32), then ring (uint16), then time (float32); or the image
rows packed (a cloud without a field --fields names has no line: the
source refuses it); fmt: sensorpipe's pixel format name ("-" for points); calib:
the CameraInfo topic whose calibration the image frames carry (its
frame_id equals the image's, else the longest namespace prefix) or "-".
Exit status 3 when rosbag or numpy is missing.
"""
import math
import os
import sys

try:
    import numpy as np
    import rosbag
except ImportError as e:
    print("rosbag / numpy not importable (%s): install python3-rosbag "
          "python3-numpy" % e, file=sys.stderr)
    sys.exit(3)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

NP = {1: "i1", 2: "u1", 3: "i2", 4: "u2", 5: "i4", 6: "u4", 7: "f4", 8: "f8"}
NAMES = {"intensity": ("intensity", "i", "reflectance"),
         "ring": ("ring", "channel", "laser_id"),
         "time": ("time", "t", "timestamp", "time_stamp")}
# encoding -> (sensorpipe format, bytes per pixel, sample size)
ENC = {"mono8": ("gray8", 1, 1), "8uc1": ("gray8", 1, 1),
       "mono16": ("gray16", 2, 2), "16uc1": ("gray16", 2, 2),
       "rgb8": ("rgb8", 3, 1), "bgr8": ("bgr8", 3, 1), "8uc3": ("bgr8", 3, 1),
       "rgba8": ("rgba8", 4, 1), "bgra8": ("bgra8", 4, 1),
       "8uc4": ("bgra8", 4, 1), "rgb16": ("rgb16", 6, 2),
       "yuv422": ("uyvy", 2, 1), "uyvy": ("uyvy", 2, 1),
       "yuv422_yuy2": ("yuyv", 2, 1), "yuyv": ("yuyv", 2, 1),
       "32fc1": ("f32", 4, 4)}
for p in ("rggb", "bggr", "gbrg", "grbg"):
    ENC["bayer_%s8" % p] = ("bayer_%s8" % p, 1, 1)
    ENC["bayer_%s16" % p] = ("bayer_%s16" % p, 2, 2)
FRAME_TYPES = ("sensor_msgs/PointCloud2", "sensor_msgs/LaserScan",
               "sensor_msgs/Image", "sensor_msgs/CompressedImage")


def column(m, f):
    """Field f of every point, row-major, in the message's byte order."""
    dt = np.dtype(NP[f.datatype]).newbyteorder(">" if m.is_bigendian
                                               else "<")
    buf = np.frombuffer(m.data, dtype=np.uint8)
    if m.width * m.height == 0:
        return np.zeros(0, dt)
    v = np.ndarray((m.height, m.width), dtype=dt, buffer=buf,
                   offset=f.offset, strides=(m.row_step, m.point_step))
    return v.reshape(-1).copy()


def to_f32(m, f, scale=1.0, bias=0.0):
    c = column(m, f)
    if f.datatype == 7 and scale == 1.0 and bias == 0.0:
        bits = c.view(c.dtype.byteorder + "u4" if c.dtype.byteorder in "<>"
                      else "u4").astype("<u4")
        return bits.view("<f4")
    v = c.astype(np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        return (v * scale + bias).astype("<f4")


def to_u16(m, f):
    c = column(m, f)
    if f.datatype == 4:
        return c.astype("<u2")
    if f.datatype in (7, 8):
        v = c.astype(np.float64)
        with np.errstate(invalid="ignore"):
            out = np.where(np.isnan(v), 0.0, np.clip(np.trunc(v), 0, 65535))
        return out.astype("<u2")
    return np.clip(c.astype(np.int64), 0, 65535).astype("<u2")


def plan(m, fields_map):
    first = {}
    for f in m.fields:
        first.setdefault(f.name, f)
    chosen = {}
    if fields_map:
        for item in fields_map.split(","):
            ch, name = (s.strip() for s in item.split(":"))
            chosen[ch] = first[name]
    for ch, names in NAMES.items():
        if ch in chosen:
            continue
        for n in names:
            if n in first and first[n].count == 1:
                chosen[ch] = first[n]
                break
    return first, chosen


def points(m, fields_map):
    first, ch = plan(m, fields_map)
    n = m.width * m.height
    cols = [to_f32(m, first[c]) for c in ("x", "y", "z")]
    cols.append(to_f32(m, ch["intensity"]) if "intensity" in ch
                else np.zeros(n, "<f4"))
    ring = to_u16(m, ch["ring"]) if "ring" in ch else None
    tm = None
    if "time" in ch:
        f = ch["time"]
        if f.datatype == 7:
            tm = to_f32(m, f)
        elif f.datatype == 8:
            v = column(m, f).astype(np.float64)
            fin = v[np.isfinite(v)]
            t0 = fin[0] if len(fin) else 0.0
            tm = to_f32(m, f, 1.0, -t0)
        else:
            tm = to_f32(m, f, 1e-9, 0.0)
    data = b"".join(c.tobytes() for c in cols)
    if ring is not None:
        data += ring.tobytes()
    if tm is not None:
        data += tm.tobytes()
    return n, (m.height if m.height > 1 else 0), ring is not None, \
        tm is not None, data


def scan(m):
    f32 = np.float32
    n = len(m.ranges)
    a0, da = float(f32(m.angle_min)), float(f32(m.angle_increment))
    dt = float(f32(m.time_increment))
    rmin, rmax = float(f32(m.range_min)), float(f32(m.range_max))
    x = np.empty(n, "<f4")
    y = np.empty(n, "<f4")
    z = np.empty(n, "<f4")
    t = np.empty(n, "<f4")
    for i in range(n):
        r = float(f32(m.ranges[i]))
        a = a0 + float(i) * da
        if math.isfinite(r) and rmin <= r <= rmax and math.isfinite(a):
            x[i], y[i], z[i] = r * math.cos(a), r * math.sin(a), 0.0
        else:
            x[i] = y[i] = z[i] = np.nan
        t[i] = float(i) * dt
    inten = np.zeros(n, "<f4")
    k = min(n, len(m.intensities))
    inten[:k] = np.array(m.intensities[:k], dtype="<f4")
    data = b"".join(c.tobytes() for c in (x, y, z, inten, t))
    return n, 0, False, True, data


def image(m):
    fmt, bpp, sample = ENC[m.encoding.lower()]
    buf = np.frombuffer(m.data, dtype=np.uint8)
    rows = []
    for r in range(m.height):
        row = buf[r * m.step:r * m.step + m.width * bpp]
        if m.is_bigendian and sample > 1:
            row = row.reshape(-1, sample)[:, ::-1].reshape(-1)
        rows.append(row.tobytes())
    return fmt, m.width, m.height, b"".join(rows)


def cimage(m):
    from extract_bag_messages import jpeg_decode
    w, h, fmt, pix = jpeg_decode(bytes(m.data))
    return fmt, w, h, pix


def namespace(topic):
    return topic[:topic.rfind("/")] if "/" in topic else ""


def calib_for(topic, frame_id, cals):
    for c in cals:
        if frame_id and c[1] == frame_id:
            return c[0]
    best, best_n = "-", -1
    for c in cals:
        ns = namespace(c[0])
        if topic.startswith(ns + "/") and len(ns) > best_n:
            best, best_n = c[0], len(ns)
    return best


def main():
    args = sys.argv[1:]
    fields_map = None
    if "--fields" in args:
        k = args.index("--fields")
        fields_map = args[k + 1]
        del args[k:k + 2]
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        return 1
    bag_path, out = args
    os.makedirs(out, exist_ok=True)
    msgs = []
    with rosbag.Bag(bag_path) as bag:
        for topic, raw, t in bag.read_messages(raw=True):
            datatype, data, md5, pos, pytype = raw
            if datatype not in FRAME_TYPES + ("sensor_msgs/CameraInfo",):
                continue
            msgs.append((t.to_nsec(), pos[0], pos[1], topic, datatype, data,
                         pytype))
    ranks = {(m[1], m[2]): k for k, m in
             enumerate(sorted((m for m in msgs if m[4] in FRAME_TYPES),
                              key=lambda m: (m[1], m[2])))}
    msgs.sort(key=lambda m: (m[0], m[1], m[2]))
    lines, cals, blobs, off = [], [], [], 0
    for m in msgs:
        if m[4] == "sensor_msgs/CameraInfo" and m[3] not in [c[0]
                                                             for c in cals]:
            ci = m[6]()
            ci.deserialize(m[5])
            cals.append((m[3], ci.header.frame_id))
            lines.append("C %s %s %d %d %s %d %s %s" % (
                m[3], ci.header.frame_id or "-", ci.width, ci.height,
                ci.distortion_model or "-", len(ci.D),
                " ".join(float(v).hex() for v in ci.D),
                " ".join(float(v).hex() for v in ci.K)))
    index = {}
    for m in msgs:
        t, _, _, topic, datatype, data, pytype = m
        if datatype not in FRAME_TYPES:
            continue
        k = index.get(topic, 0)
        index[topic] = k + 1
        msg = pytype()
        msg.deserialize(data)
        stamp = msg.header.stamp.secs * 10**9 + msg.header.stamp.nsecs
        fmt, w, h, calib = "-", 0, 0, "-"
        if datatype == "sensor_msgs/PointCloud2":
            try:
                n, height, ring, tm, blob = points(msg, fields_map)
            except KeyError:  # a field --fields names is absent: an error
                continue
            kind = "points"
        elif datatype == "sensor_msgs/LaserScan":
            n, height, ring, tm, blob = scan(msg)
            kind = "points"
        else:
            fmt, w, h, blob = image(msg) if datatype == "sensor_msgs/Image" \
                else cimage(msg)
            n, height, ring, tm, kind = 0, 0, False, False, "image"
            calib = calib_for(topic, msg.header.frame_id, cals)
        lines.append("F %s %s %d %d %d %d %d %d %d %d %d %d %s %d %d %s" % (
            topic, kind, stamp, t, k, ranks[(m[1], m[2])], n, height,
            int(ring), int(tm), off, len(blob), fmt, w, h, calib))
        blobs.append(blob)
        off += len(blob)
    with open(os.path.join(out, "data.bin"), "wb") as f:
        for b in blobs:
            f.write(b)
    with open(os.path.join(out, "frames.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
