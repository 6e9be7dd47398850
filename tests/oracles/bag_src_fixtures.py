#!/usr/bin/python3
"""Fixture logs for the `bag` source tests (tests/test_bag_src*.c), with
content the real recordings in the shared data folder lack.

  bag_src_fixtures.py ros1 OUTDIR
      ROS1 bags written by Debian's python3-rosbag, messages serialized by
      genpy from the real sensor_msgs definitions:
        clouds.bag  PointCloud2 of every PointField datatype (/dt1../dt8:
                    x, y, z, intensity, ring, time all of that type), two
                    big-endian clouds (/be_a, /be_b), an organised cloud
                    with NaN points and row padding (/organised), point_step
                    padding (/padded), fields to map (/mapped: ring and
                    channel, t and time_stamp), fields to drop (/extra, no
                    intensity), a zero header stamp (/zero_stamp), a
                    LaserScan (/scan) and an undecoded type (/chatter,
                    std_msgs/String); written partly out of time order, in
                    small lz4 chunks.
        images.bag  Image in twelve encodings (/cam_<enc>/image_raw), rows
                    padded (step > width * bytes per pixel), the first
                    message little-endian, the second flagged big-endian;
                    CameraInfo by namespace (/cam_rgb8/camera_info, recorded
                    after the first image), by frame_id
                    (/elsewhere/camera_info for /cam_bgr8), nested
                    namespaces (/stereo, /stereo/left).
        many.bag    120 clouds of 1500 points on /points (lz4 chunks of
                    768 KiB: 6 chunks).
        bad.bag     3 clouds on /points, the second one's data shorter than
                    row_step * height says; 4 images on /cam, the second
                    0x0, the third a yuv422 image of odd width; 3 JPEGs on
                    /cam/compressed, the second with an unknown marker
                    (ff 5a) in the middle of its entropy-coded data (libjpeg
                    warns of the data cut short, then fails on the marker).
        frames.bag  200 small rgb8 images of one colour each on
                    /cam/image_raw (slow work that compresses to little
                    once resized: the interruption test's input).
        jpegs.bag   60 CompressedImage JPEGs of 480x360 on
                    /cam/image_raw/compressed, sequential and progressive
                    in turn, encoded by libjpeg-turbo (TurboJPEG through
                    ctypes): the JPEG decoder's no-allocation test.
      and for each bag NAME.jsonl: every message with its ROS 2 field
      values (base64 for byte and float arrays), for bag_src_mcap.mjs.

  bag_src_fixtures.py db3 CDR_JSONL OUTDIR
      a rosbag2 folder (metadata.yaml, schema-3 .db3 written with Python's
      sqlite3) holding the CDR messages that bag_src_mcap.mjs serialized
      (CDR_JSONL: topic, type, log_time, base64 CDR per line).

Log times are distinct within a bag, so time order is the same in every
container; write order is file order. Exit status 3 when rosbag, genpy or
numpy is missing (the tests skip), 1 on any other failure.
"""
import base64
import json
import os
import struct
import sys

try:
    import genpy
    import genpy.dynamic
    import numpy as np
    import rosbag
except ImportError as e:
    print("rosbag / genpy / numpy not importable (%s): install python3-rosbag "
          "python3-numpy" % e, file=sys.stderr)
    sys.exit(3)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_rosmsg_fixtures import DEFS  # noqa: E402  (the real definitions)

DEFS = dict(DEFS)
DEFS["String"] = "string data\n"
PKG = {"String": "std_msgs"}
CLASSES = {}

T0 = 1700000000 * 1000000000
NP = {1: "i1", 2: "u1", 3: "i2", 4: "u2", 5: "i4", 6: "u4", 7: "f4", 8: "f8"}
SIZE = {1: 1, 2: 1, 3: 2, 4: 2, 5: 4, 6: 4, 7: 4, 8: 8}


def cls(t):
    name = "%s/%s" % (PKG.get(t, "sensor_msgs"), t)
    if name not in CLASSES:
        CLASSES[name] = genpy.dynamic.generate_dynamic(name, DEFS[t])
    return CLASSES[name], name


def b64(b):
    return base64.b64encode(bytes(b)).decode("ascii")


class Writer:
    """A ROS1 bag and its JSON twin, message by message."""

    def __init__(self, path, compression, chunk_threshold=768 * 1024,
                 twin=True):
        self.bag = rosbag.Bag(path, "w", compression=compression,
                              chunk_threshold=chunk_threshold)
        self.json = open(path[:-4] + ".jsonl", "w") if twin else None
        self.seq = {}

    def header(self, classes, stamp_ns, frame_id, topic):
        h = classes["std_msgs/Header"]()
        h.seq = self.seq.get(topic, 0)
        self.seq[topic] = h.seq + 1
        h.stamp = genpy.Time(stamp_ns // 10**9, stamp_ns % 10**9)
        h.frame_id = frame_id
        return h, {"stamp": {"sec": stamp_ns // 10**9,
                             "nanosec": stamp_ns % 10**9},
                   "frame_id": frame_id}

    def write(self, topic, t, log_ns, ros1, ros2):
        self.bag.write(topic, ros1, genpy.Time(log_ns // 10**9,
                                               log_ns % 10**9))
        if self.json:
            self.json.write(json.dumps({"topic": topic,
                                        "type": cls(t)[1].replace("/", "/msg/"),
                                        "log_time": str(log_ns),
                                        "msg": ros2}) + "\n")

    def close(self):
        self.bag.close()
        if self.json:
            self.json.close()


def pack_cloud(fields, values, n_rows, width, point_step, row_step, be,
               pad=0xAB):
    """The data bytes: fields [(name, offset, datatype, count)], values
    {name: array of n_rows * width}; padding bytes are @p pad."""
    order = ">" if be else "<"
    buf = np.full(row_step * n_rows, pad, dtype=np.uint8)
    for f in fields if n_rows * width else []:
        name, off, dt, count = f[:4]
        v = np.asarray(values[f[4] if len(f) > 4 else name])
        # only the first value of a field of count > 1 is written
        view = np.ndarray((n_rows, width), dtype=order + NP[dt], buffer=buf,
                          offset=off, strides=(row_step, point_step))
        view[...] = v.astype(order + NP[dt]).reshape(n_rows, width)
    return bytes(buf)


def cloud(w, topic, log_ns, stamp_ns, fields, values, width, height=1,
          point_step=None, row_step=None, be=False, frame_id="lidar",
          dense=True, cut=None):
    point_step = point_step or max(f[1] + SIZE[f[2]] * f[3] for f in fields)
    row_step = row_step or width * point_step
    data = pack_cloud(fields, values, height, width, point_step, row_step, be)
    data = data[:cut]  # cut: a message whose data is shorter than it says
    C, _ = cls("PointCloud2")
    m = C["sensor_msgs/PointCloud2"]()
    m.header, h2 = w.header(C, stamp_ns, frame_id, topic)
    m.height, m.width = height, width
    for name, off, dt, count in (f[:4] for f in fields):
        f = C["sensor_msgs/PointField"]()
        f.name, f.offset, f.datatype, f.count = name, off, dt, count
        m.fields.append(f)
    m.is_bigendian, m.point_step, m.row_step = be, point_step, row_step
    m.data, m.is_dense = data, dense
    w.write(topic, "PointCloud2", log_ns, m, {
        "header": h2, "height": height, "width": width,
        "fields": [{"name": f[0], "offset": f[1], "datatype": f[2],
                    "count": f[3]} for f in fields],
        "is_bigendian": be, "point_step": point_step, "row_step": row_step,
        "data_b64": b64(data), "is_dense": dense})


def packed(names, dt):
    return [(n, k * SIZE[dt], dt, 1) for k, n in enumerate(names)]


XYZIRT = ["x", "y", "z", "intensity", "ring", "time"]


def typed_values(rng, dt, n):
    """Values of PointField type dt that exercise each conversion."""
    if dt in (7, 8):
        v = {k: rng.normal(0, 50, n) for k in XYZIRT}
        f32 = np.float32
        special = [np.nan, -0.0, np.inf, -np.inf, 1e-45, 3e38, 1.5, -2.25]
        if dt == 8:
            special += [1e300, 1e-320, 0.1, 1.0000000000000002]
        for k in ("x", "y", "z", "intensity"):
            v[k][:len(special)] = special
        v["ring"] = rng.uniform(-10, 70000, n)
        v["ring"][:9] = [np.nan, -1.5, 70000.7, 3.9, 1e10, -np.inf, np.inf,
                         65535.9, 0.999]
        if dt == 7:
            v["time"] = np.sort(rng.uniform(0, 0.1, n)).astype(f32)
            v["time"][1] = np.nan
        else:
            # absolute epoch seconds, the first point's time not finite
            v["time"] = 1700000000.0 + np.arange(n) * 1.3e-5 + 0.123456789
            v["time"][0] = np.nan
            v["time"][3] = np.inf
        return v
    info = np.iinfo(NP[dt])
    v = {k: rng.randint(info.min, int(info.max) + 1, n, dtype=np.int64)
         for k in XYZIRT}
    edge = [info.min, info.max, 0, 1, info.max - 1]
    for k in XYZIRT:
        v[k][:len(edge)] = edge
    return v


def write_clouds(path):
    rng = np.random.RandomState(11)
    w = Writer(path, "lz4", chunk_threshold=6000)

    def when(k):
        return T0 + k * 10_000_000 + 1234

    k = 40  # later messages are written first: file order != time order
    for dt in range(1, 9):
        n = 40
        cloud(w, "/dt%d" % dt, when(k), when(k) - 5000,
              packed(XYZIRT, dt), typed_values(rng, dt, n), n)
        k += 1
    n = 50
    va = {"x": rng.normal(0, 10, n).astype(np.float32),
          "y": rng.normal(0, 10, n).astype(np.float32),
          "z": rng.normal(0, 10, n),
          "intensity": rng.randint(0, 65536, n),
          "ring": rng.randint(0, 65536, n),
          "time": 1700000001.5 + np.arange(n) * 1e-4}
    va["x"][0] = np.float32(np.nan)
    fa = [("x", 0, 7, 1), ("y", 4, 7, 1), ("z", 8, 8, 1),
          ("intensity", 16, 4, 1), ("ring", 18, 4, 1), ("time", 24, 8, 1)]
    vb = {"x": rng.randint(-2**31, 2**31, n), "y": rng.normal(0, 1, n),
          "z": rng.randint(-32768, 32768, n), "intensity": rng.uniform(0, 255, n),
          "ring": rng.randint(-32768, 32768, n),
          "time": rng.randint(0, 2**32, n)}
    fb = [("x", 0, 5, 1), ("y", 4, 7, 1), ("z", 8, 3, 1),
          ("intensity", 12, 7, 1), ("ring", 16, 3, 1), ("time", 20, 6, 1)]
    for i in range(2):
        cloud(w, "/be_a", when(k), when(k) - 7000, fa, va, n, point_step=36,
              be=True)
        k += 1
        cloud(w, "/be_b", when(k), when(k) - 7000, fb, vb, n, be=True)
        k += 1
    late_end, k = k, 0
    # organised: 4 rows of 6, 12 bytes of padding after each row, NaN
    # points with several payloads (quiet, negative, signalling, odd)
    for i in range(2):
        h, wd = 4, 6
        bits = rng.normal(0, 5, (3, h * wd)).astype(np.float32).view(np.uint32)
        for j, nan in ((1, 0x7fc00000), (7, 0xffc00000), (12, 0x7fa00001),
                       (23, 0x7fc0beef)):
            bits[:, j] = nan
        bits[2, 5] = 0x80000000  # -0.0
        v = {"x": bits[0].view(np.float32), "y": bits[1].view(np.float32),
             "z": bits[2].view(np.float32),
             "intensity": rng.uniform(0, 1, h * wd).astype(np.float32)}
        cloud(w, "/organised", when(k), when(k) - 3000,
              packed(["x", "y", "z", "intensity"], 7), v, wd, height=h,
              row_step=wd * 16 + 12, dense=False)
        k += 1
    for i in range(3):
        n = 30 + i
        v = {"x": rng.normal(0, 3, n), "y": rng.normal(0, 3, n),
             "z": rng.normal(0, 3, n), "intensity": rng.uniform(0, 9, n),
             "ring": rng.randint(0, 32, n)}
        cloud(w, "/padded", when(k), when(k) - 3000,
              [("x", 0, 7, 1), ("y", 4, 7, 1), ("z", 8, 7, 1),
               ("intensity", 16, 7, 1), ("ring", 24, 4, 1)], v, n,
              point_step=32)
        k += 1
        n = 20
        v = {"x": rng.normal(0, 3, n), "y": rng.normal(0, 3, n),
             "z": rng.normal(0, 3, n), "intensity": rng.uniform(0, 9, n),
             "ring": rng.randint(0, 64, n), "channel": rng.randint(64, 128, n),
             "t": rng.uniform(0, 0.1, n),
             "time_stamp": rng.randint(0, 100_000_000, n)}
        cloud(w, "/mapped", when(k), when(k) - 3000,
              [("x", 0, 7, 1), ("y", 4, 7, 1), ("z", 8, 7, 1),
               ("intensity", 12, 7, 1), ("ring", 16, 4, 1),
               ("channel", 18, 4, 1), ("t", 20, 7, 1),
               ("time_stamp", 24, 6, 1)], v, n)
        k += 1
        v = {"x": rng.normal(0, 3, n), "y": rng.normal(0, 3, n),
             "z": rng.normal(0, 3, n), "rgb": rng.uniform(0, 1, n),
             "label": rng.randint(0, 9, n), "x2": rng.normal(0, 3, n)}
        fields = [("x", 0, 7, 1), ("y", 4, 7, 1), ("z", 8, 7, 1),
                  ("rgb", 12, 7, 1), ("normal", 16, 7, 3),
                  ("label", 28, 6, 1), ("x", 32, 7, 1, "x2")]
        v["normal"] = np.zeros(n)  # count 3: only the first value written
        cloud(w, "/extra", when(k), when(k) - 3000, fields, v, n,
              point_step=36)
        k += 1
    n = 10
    v = {c: rng.normal(0, 1, n) for c in ("x", "y", "z", "intensity")}
    cloud(w, "/zero_stamp", when(k), 0, packed(["x", "y", "z", "intensity"],
                                               7), v, n)
    k += 1
    C, _ = cls("String")
    for i in range(3):
        m = C["std_msgs/String"]()
        m.data = "hello %d" % i
        w.write("/chatter", "String", when(k), m, {"data": m.data})
        k += 1
    C, _ = cls("LaserScan")
    for i in range(2):
        m = C["sensor_msgs/LaserScan"]()
        m.header, h2 = w.header(C, when(k) - 2000, "laser", "/scan")
        vals = dict(angle_min=-1.5, angle_max=1.5, angle_increment=0.0625,
                    time_increment=0.0001, scan_time=0.1, range_min=0.25,
                    range_max=30.0)
        for a, b in vals.items():
            setattr(m, a, b)
        r = rng.uniform(0, 35, 49).astype(np.float32)
        r[:4] = [np.nan, np.inf, 0.1, 30.0]
        inten = rng.uniform(0, 100, 40).astype(np.float32)
        m.ranges, m.intensities = list(map(float, r)), list(map(float, inten))
        h2 = {"header": h2, **vals, "ranges_f32": b64(r.astype("<f4")),
              "intensities_f32": b64(inten.astype("<f4"))}
        w.write("/scan", "LaserScan", when(k), m, h2)
        k += 1
    assert k < 40 < late_end
    w.close()


ENCODINGS = [  # encoding, bytes per pixel, sample size
    ("mono8", 1, 1), ("mono16", 2, 2), ("rgb8", 3, 1), ("bgr8", 3, 1),
    ("rgba8", 4, 1), ("bgra8", 4, 1), ("bayer_rggb8", 1, 1),
    ("bayer_grbg16", 2, 2), ("yuv422", 2, 1), ("yuv422_yuy2", 2, 1),
    ("32FC1", 4, 4), ("16UC1", 2, 2)]


def image(w, topic, log_ns, frame_id, enc, bpp, sample, be, rng, wd=6, ht=5,
          pad=6, fill=None):
    step = wd * bpp + pad
    data = bytearray(rng.randint(0, 256, step * ht).astype(np.uint8).tobytes())
    if fill is not None:
        data = bytearray([fill]) * (step * ht)
    if enc == "32FC1":  # real floats, one NaN, stored in the stated order
        f = rng.normal(0, 100, wd * ht).astype(np.float32)
        f[3] = np.nan
        raw = f.astype(">f4" if be else "<f4").tobytes()
        for r in range(ht):
            data[r * step:r * step + wd * 4] = raw[r * wd * 4:(r + 1) * wd * 4]
    C, _ = cls("Image")
    m = C["sensor_msgs/Image"]()
    m.header, h2 = w.header(C, log_ns - 1000, frame_id, topic)
    m.height, m.width, m.encoding = ht, wd, enc
    m.is_bigendian, m.step, m.data = int(be), step, bytes(data)
    w.write(topic, "Image", log_ns, m, {
        "header": h2, "height": ht, "width": wd, "encoding": enc,
        "is_bigendian": int(be), "step": step, "data_b64": b64(data)})


def caminfo(w, topic, log_ns, frame_id, fx, wd=6, ht=5):
    C, _ = cls("CameraInfo")
    m = C["sensor_msgs/CameraInfo"]()
    m.header, h2 = w.header(C, log_ns - 1000, frame_id, topic)
    m.height, m.width, m.distortion_model = ht, wd, "plumb_bob"
    m.D = [-0.25, 0.0625, 0.001, -0.002, 0.01]
    m.K = [fx, 0.0, 2.75, 0.0, fx + 0.5, 2.25, 0.0, 0.0, 1.0]
    m.R = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0]
    m.P = [fx, 0.0, 2.75, 0.0, 0.0, fx + 0.5, 2.25, 0.0, 0.0, 0.0, 1.0, 0.0]
    w.write(topic, "CameraInfo", log_ns, m, {
        "header": h2, "height": ht, "width": wd,
        "distortion_model": "plumb_bob", "d": m.D, "k": m.K, "r": m.R,
        "p": m.P, "binning_x": 0, "binning_y": 0,
        "roi": {"x_offset": 0, "y_offset": 0, "height": 0, "width": 0,
                "do_rectify": False}})


def write_images(path):
    rng = np.random.RandomState(5)
    w = Writer(path, "none")
    k = 0

    def when():
        nonlocal k
        k += 1
        return T0 + k * 10_000_000 + 77

    for rep in range(2):
        for enc, bpp, sample in ENCODINGS:
            image(w, "/cam_%s/image_raw" % enc.lower(), when(),
                  "cam_%s_optical" % enc.lower(), enc, bpp, sample, rep == 1,
                  rng)
        if rep == 0:
            caminfo(w, "/cam_rgb8/camera_info", when(), "rgb_info_frame", 5.5)
            caminfo(w, "/elsewhere/camera_info", when(), "cam_bgr8_optical",
                    6.5)
            caminfo(w, "/stereo/camera_info", when(), "stereo_frame", 7.5)
            caminfo(w, "/stereo/left/camera_info", when(), "left_frame", 8.5)
        image(w, "/stereo/left/image_raw", when(), "left_optical", "mono8",
              1, 1, False, rng)
    w.close()


def write_many(path, n=120, pts=1500):
    rng = np.random.RandomState(3)
    w = Writer(path, "lz4", twin=False)
    fields = [("x", 0, 7, 1), ("y", 4, 7, 1), ("z", 8, 7, 1),
              ("intensity", 12, 7, 1), ("ring", 16, 4, 1), ("time", 20, 7, 1)]
    for i in range(n):
        v = {"x": rng.uniform(-40, 40, pts), "y": rng.uniform(-40, 40, pts),
             "z": rng.uniform(-2, 4, pts), "intensity": rng.uniform(0, 1, pts),
             "ring": rng.randint(0, 32, pts),
             "time": np.linspace(0, 0.1, pts)}
        t = T0 + i * 100_000_000
        cloud(w, "/points", t, t - 1000, fields, v, pts, point_step=24)
    w.close()


def write_frames(path, n=200):
    rng = np.random.RandomState(9)
    w = Writer(path, "none", twin=False)
    for i in range(n):
        image(w, "/cam/image_raw", T0 + i * 33_000_000, "cam", "rgb8", 3, 1,
              False, rng, wd=32, ht=24, pad=0, fill=i % 256)
    w.close()


def tj_encode(rgb, wd, ht, progressive):
    """JPEG of @p rgb (wd x ht x 3 bytes) by TurboJPEG, quality 90, 4:2:0."""
    import ctypes
    import ctypes.util
    lib = ctypes.CDLL(ctypes.util.find_library("turbojpeg") or
                      "libturbojpeg.so.0")
    lib.tjInitCompress.restype = ctypes.c_void_p
    lib.tjCompress2.argtypes = [
        ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_int,
        ctypes.c_int, ctypes.c_int, ctypes.POINTER(ctypes.c_void_p),
        ctypes.POINTER(ctypes.c_ulong), ctypes.c_int, ctypes.c_int,
        ctypes.c_int]
    lib.tjFree.argtypes = [ctypes.c_void_p]
    lib.tjDestroy.argtypes = [ctypes.c_void_p]
    h = lib.tjInitCompress()
    buf, size = ctypes.c_void_p(), ctypes.c_ulong()
    # TJPF_RGB 0, TJSAMP_420 2, TJFLAG_PROGRESSIVE 16384
    if lib.tjCompress2(h, rgb, wd, 0, ht, 0, ctypes.byref(buf),
                       ctypes.byref(size), 2, 90,
                       16384 if progressive else 0) != 0:
        raise RuntimeError("tjCompress2 failed")
    out = ctypes.string_at(buf, size.value)
    lib.tjFree(buf)
    lib.tjDestroy(h)
    return out


def write_jpegs(path, n=60, wd=480, ht=360):
    rng = np.random.RandomState(11)
    # one chunk: the log's staging then stays one block (a second chunk
    # would take a second block, once, after the warm-up)
    w = Writer(path, "none", chunk_threshold=4 << 20, twin=False)
    C, _ = cls("CompressedImage")
    for i in range(n):
        grad = (np.add.outer(np.arange(ht), np.arange(wd)) + 4 * i) % 256
        rgb = np.stack([grad, grad[::-1], 255 - grad], axis=2)
        rgb = (rgb + rng.randint(0, 8, rgb.shape)).clip(0, 255)
        m = C["sensor_msgs/CompressedImage"]()
        t = T0 + i * 33_000_000
        m.header, _ = w.header(C, t, "cam", "/cam/image_raw/compressed")
        m.format = "jpeg"
        m.data = tj_encode(rgb.astype(np.uint8).tobytes(), wd, ht, i % 2)
        w.write("/cam/image_raw/compressed", "CompressedImage", t, m, None)
    w.close()


def write_bad(path):
    rng = np.random.RandomState(4)
    w = Writer(path, "none", twin=False)
    for i in range(3):
        n = 10
        v = {c: rng.normal(0, 1, n) for c in ("x", "y", "z", "intensity")}
        cloud(w, "/points", T0 + i * 100_000_000, T0 + i * 100_000_000,
              packed(["x", "y", "z", "intensity"], 7), v, n,
              cut=100 if i == 1 else None)
    # /cam: an image, then two that no frame can hold (0x0; a 4:2:2 image
    # of odd width), then an image
    for i, (wd, ht, enc) in enumerate([(4, 2, "rgb8"), (0, 0, "rgb8"),
                                       (3, 2, "yuv422"), (4, 2, "rgb8")]):
        image(w, "/cam", T0 + i * 100_000_000 + 50_000_000, "cam", enc,
              3 if enc == "rgb8" else 2, 1, False, rng, wd=wd, ht=ht, pad=0)
    C, _ = cls("CompressedImage")
    rgb = rng.randint(0, 256, 32 * 24 * 3).astype(np.uint8).tobytes()
    for i in range(3):
        data = bytearray(tj_encode(rgb, 32, 24, False))
        if i == 1:
            sos = data.index(b"\xff\xda")
            start = sos + 2 + struct.unpack(">H", data[sos + 2:sos + 4])[0]
            mid = start + (len(data) - 2 - start) // 2
            data[mid:mid + 2] = b"\xff\x5a"
        m = C["sensor_msgs/CompressedImage"]()
        t = T0 + i * 100_000_000 + 70_000_000
        m.header, _ = w.header(C, t, "cam", "/cam/compressed")
        m.format = "jpeg"
        m.data = bytes(data)
        w.write("/cam/compressed", "CompressedImage", t, m, None)
    w.close()


def write_db3(cdr_jsonl, outdir):
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from rosbag2_oracle import write_db, meta_text
    msgs = [json.loads(line) for line in open(cdr_jsonl)]
    topics = []
    for m in msgs:
        if (m["topic"], m["type"]) not in [(t[1], t[2]) for t in topics]:
            topics.append((len(topics) + 1, m["topic"], m["type"], "cdr"))
    tid = {(t[1], t[2]): t[0] for t in topics}
    rows = [(i + 1, tid[(m["topic"], m["type"])], int(m["log_time"]),
             base64.b64decode(m["cdr_b64"])) for i, m in enumerate(msgs)]
    os.makedirs(outdir, exist_ok=True)
    name = os.path.basename(os.path.normpath(outdir)) + "_0.db3"
    write_db(os.path.join(outdir, name), 3, topics, rows)
    counts = [(t[1], t[2], "cdr", sum(1 for r in rows if r[1] == t[0]))
              for t in topics]
    with open(os.path.join(outdir, "metadata.yaml"), "w") as f:
        f.write(meta_text(5, [(name, len(rows))], counts))


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "ros1":
        out = sys.argv[2]
        os.makedirs(out, exist_ok=True)
        write_clouds(os.path.join(out, "clouds.bag"))
        write_images(os.path.join(out, "images.bag"))
        write_many(os.path.join(out, "many.bag"))
        write_frames(os.path.join(out, "frames.bag"))
        write_bad(os.path.join(out, "bad.bag"))
        write_jpegs(os.path.join(out, "jpegs.bag"))
        return 0
    if len(sys.argv) == 4 and sys.argv[1] == "db3":
        write_db3(sys.argv[2], sys.argv[3])
        return 0
    print(__doc__, file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
