#!/usr/bin/python3
"""ROS1 fixtures for tests/test_rosmsg.c, serialized by genpy (the ROS1
Python serializer that Debian's python3-rosbag depends on), so the bytes do
not come from our C code.

    make_rosmsg_fixtures.py SPEC.json OUTDIR

SPEC.json (written by the test) lists messages with their field values
(see tests/test_rosmsg.c); each becomes OUTDIR/<name>.ros1. Float values
"nan", "inf", "-inf" are strings in the spec (JSON has no NaN). Exit status
3 when genpy is not importable (the test skips), 1 on any other failure.
"""
import json
import os
import sys

try:
    import genpy
    import genpy.dynamic
except ImportError as e:  # the test skips with this message
    print("genpy not importable (%s): install python3-rosbag" % e,
          file=sys.stderr)
    sys.exit(3)

SEP = "\n" + "=" * 80 + "\n"

HEADER = """MSG: std_msgs/Header
uint32 seq
time stamp
string frame_id
"""

DEFS = {
    "PointCloud2": """Header header
uint32 height
uint32 width
PointField[] fields
bool is_bigendian
uint32 point_step
uint32 row_step
uint8[] data
bool is_dense
""" + SEP + HEADER + SEP + """MSG: sensor_msgs/PointField
uint8 INT8=1
uint8 UINT8=2
uint8 INT16=3
uint8 UINT16=4
uint8 INT32=5
uint8 UINT32=6
uint8 FLOAT32=7
uint8 FLOAT64=8
string name
uint32 offset
uint8 datatype
uint32 count
""",
    "Image": """Header header
uint32 height
uint32 width
string encoding
uint8 is_bigendian
uint32 step
uint8[] data
""" + SEP + HEADER,
    "CompressedImage": """Header header
string format
uint8[] data
""" + SEP + HEADER,
    "CameraInfo": """Header header
uint32 height
uint32 width
string distortion_model
float64[] D
float64[9] K
float64[9] R
float64[12] P
uint32 binning_x
uint32 binning_y
RegionOfInterest roi
""" + SEP + HEADER + SEP + """MSG: sensor_msgs/RegionOfInterest
uint32 x_offset
uint32 y_offset
uint32 height
uint32 width
bool do_rectify
""",
    "LaserScan": """Header header
float32 angle_min
float32 angle_max
float32 angle_increment
float32 time_increment
float32 scan_time
float32 range_min
float32 range_max
float32[] ranges
float32[] intensities
""" + SEP + HEADER,
}


def num(v):
    if isinstance(v, str):
        return float(v)  # "nan", "inf", "-inf"
    return v


def header(classes, h):
    m = classes["std_msgs/Header"]()
    m.seq = h["seq"]
    m.stamp = genpy.Time(h["sec"], h["nsec"])
    m.frame_id = h["frame_id"]
    return m


def build(spec):
    t = spec["type"]
    classes = genpy.dynamic.generate_dynamic("sensor_msgs/" + t, DEFS[t])
    m = classes["sensor_msgs/" + t]()
    m.header = header(classes, spec["header"])
    if t == "PointCloud2":
        m.height, m.width = spec["height"], spec["width"]
        for f in spec["fields"]:
            pf = classes["sensor_msgs/PointField"]()
            pf.name, pf.offset = f["name"], f["offset"]
            pf.datatype, pf.count = f["datatype"], f["count"]
            m.fields.append(pf)
        m.is_bigendian = bool(spec["is_bigendian"])
        m.point_step, m.row_step = spec["point_step"], spec["row_step"]
        m.data = bytes(spec["data"])
        m.is_dense = bool(spec["is_dense"])
    elif t == "Image":
        m.height, m.width = spec["height"], spec["width"]
        m.encoding = spec["encoding"]
        m.is_bigendian = spec["is_bigendian"]
        m.step = spec["step"]
        m.data = bytes(spec["data"])
    elif t == "CompressedImage":
        m.format = spec["format"]
        m.data = bytes(spec["data"])
    elif t == "CameraInfo":
        m.height, m.width = spec["height"], spec["width"]
        m.distortion_model = spec["distortion_model"]
        m.D = [num(v) for v in spec["D"]]
        m.K = [num(v) for v in spec["K"]]
        m.R = [num(v) for v in spec["R"]]
        m.P = [num(v) for v in spec["P"]]
        m.binning_x, m.binning_y = spec["binning_x"], spec["binning_y"]
        roi = spec["roi"]
        m.roi.x_offset, m.roi.y_offset = roi["x_offset"], roi["y_offset"]
        m.roi.height, m.roi.width = roi["height"], roi["width"]
        m.roi.do_rectify = bool(roi["do_rectify"])
    elif t == "LaserScan":
        for k in ("angle_min", "angle_max", "angle_increment",
                  "time_increment", "scan_time", "range_min", "range_max"):
            setattr(m, k, num(spec[k]))
        m.ranges = [num(v) for v in spec["ranges"]]
        m.intensities = [num(v) for v in spec["intensities"]]
    else:
        raise ValueError("unknown type " + t)
    return m


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 1
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    os.makedirs(sys.argv[2], exist_ok=True)
    import io
    for s in spec["messages"]:
        buf = io.BytesIO()
        build(s).serialize(buf)
        with open(os.path.join(sys.argv[2], s["name"] + ".ros1"), "wb") as f:
            f.write(buf.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
