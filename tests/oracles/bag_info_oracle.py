#!/usr/bin/python3
"""What `sensorpipe info` should say about a recorded log, read without
sensorpipe (tests/test_bag_src_info.c):

  ROS1 bag            Debian's python3-rosbag (chunk headers, connections,
                      every message deserialized by genpy)
  rosbag2 .db3 folder Python's sqlite3 and PyYAML (rosbag2_oracle.py)
  MCAP file, or a     @mcap/core through mcap_dump.mjs (node), messages
  rosbag2 folder      decoded by @foxglove/rosmsg2-serialization
  with MCAP storage

  bag_info_oracle.py PATH

prints, space-separated:
  L container version compression chunks messages t_start t_end
  T topic type count t_first t_last          (times: log times, ns)
  F topic name:TYPE name:TYPE[count] ...     (PointCloud2: first message)
  P topic min max rows                       (PointCloud2: points per message
                                              over all messages; rows of the
                                              first)
  I topic width height what                  (Image: encoding; CompressedImage:
                                              format and decoded pixel format;
                                              CameraInfo: distortion model)
Exit status 3 when a needed module is missing.
"""
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
TYPES = {1: "I8", 2: "U8", 3: "I16", 4: "U16", 5: "I32", 6: "U32", 7: "F32",
         8: "F64"}


def fields(fs):
    return " ".join("%s:%s%s" % (f.name, TYPES[f.datatype],
                                 "" if f.count == 1 else "[%d]" % f.count)
                    for f in fs)


class Topics:
    def __init__(self):
        self.t = {}
        self.extra = []

    def add(self, topic, typ, t):
        e = self.t.setdefault(topic, [typ, 0, None, None])
        e[1] += 1
        e[2] = t if e[2] is None else min(e[2], t)
        e[3] = t if e[3] is None else max(e[3], t)

    def declare(self, topic, typ):
        self.t.setdefault(topic, [typ, 0, None, None])

    def cloud(self, topic, msg_fields, n, rows, first):
        if first:
            self.extra.append("F %s %s" % (topic, fields(msg_fields)))
        self.extra.append(("P", topic, n, rows))

    def out(self, head):
        print(head)
        for k, (typ, n, a, b) in self.t.items():
            print("T %s %s %d %d %d" % (k, typ, n, a or 0, b or 0))
        pts = {}
        for e in self.extra:
            if isinstance(e, tuple):
                p = pts.setdefault(e[1], [e[2], e[2], e[3]])
                p[0], p[1] = min(p[0], e[2]), max(p[1], e[2])
            else:
                print(e)
        for k, (lo, hi, rows) in pts.items():
            print("P %s %d %d %d" % (k, lo, hi, rows))


def ros1(path):
    import rosbag
    from extract_bag_messages import jpeg_decode
    tp = Topics()
    seen = set()
    with rosbag.Bag(path) as bag:
        comps = sorted({h.compression for h in bag._chunk_headers.values()})
        for c in bag._connections.values():
            tp.declare(c.topic, c.datatype)
        n = 0
        for topic, msg, t in bag.read_messages():
            typ = msg._type
            tp.add(topic, typ, t.to_nsec())
            n += 1
            first = topic not in seen
            seen.add(topic)
            if typ == "sensor_msgs/PointCloud2":
                tp.cloud(topic, msg.fields, msg.width * msg.height,
                         msg.height, first)
            elif first and typ == "sensor_msgs/Image":
                tp.extra.append("I %s %d %d %s" % (topic, msg.width,
                                                   msg.height, msg.encoding))
            elif first and typ == "sensor_msgs/CompressedImage":
                w, h, fmt, _ = jpeg_decode(bytes(msg.data))
                tp.extra.append("I %s %d %d %s (%s)" % (topic, w, h,
                                                        msg.format, fmt))
            elif first and typ == "sensor_msgs/CameraInfo":
                tp.extra.append("I %s %d %d %s" % (topic, msg.width,
                                                   msg.height,
                                                   msg.distortion_model))
        times = [e[2] for e in tp.t.values() if e[1]] + \
            [e[3] for e in tp.t.values() if e[1]]
        tp.out("L ros1 %d.%d %s %d %d %d %d" % (
            bag.version // 100, bag.version % 100, "+".join(comps),
            len(bag._chunk_headers), n, min(times), max(times)))


def metadata(path):
    import yaml
    with open(os.path.join(path, "metadata.yaml")) as f:
        return yaml.safe_load(f)["rosbag2_bagfile_information"]


def mcap(path, container, version):
    out = subprocess.run(["node", os.path.join(HERE, "mcap_dump.mjs"), path,
                          "--max-points", "0"], check=True,
                         capture_output=True).stdout
    d = json.loads(out)
    schemas = {s["id"]: s["name"] for s in d["schemas"]}
    tp = Topics()
    for c in d["channels"]:
        tp.declare(c["topic"], schemas.get(c["schema_id"], ""))
    for m in d["messages"]:
        tp.add(m["topic"], m["type"], int(m["log_time"]))
    comps = sorted({c["compression"] or "none" for c in d["chunks"]})
    st = d["statistics"]
    if version is None:
        with open(path, "rb") as f:
            version = f.read(8)[5:6].decode()
    tp.out("L %s %s %s %d %d %s %s" % (
        container, version, "+".join(comps) or "none", int(st["chunk_count"]),
        int(st["message_count"]), st["message_start_time"],
        st["message_end_time"]))


def rosbag2(path):
    info = metadata(path)
    if info.get("storage_identifier") == "mcap":
        files = [os.path.join(path, p) for p in info["relative_file_paths"]]
        assert len(files) == 1
        return mcap(files[0], "rosbag2", str(info["version"]))
    from rosbag2_oracle import messages
    tp = Topics()
    msgs = messages(path)
    for name, typ, ts, data, fi, rid in msgs:
        tp.add(name, typ, ts)
    ts = [m[2] for m in msgs]
    tp.out("L rosbag2 %s %s 0 %d %d %d" % (
        info["version"], info.get("compression_format") or "none",
        len(msgs), min(ts), max(ts)))


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 1
    path = sys.argv[1]
    try:
        if os.path.isdir(path):
            rosbag2(path)
        elif open(path, "rb").read(4) == b"\x89MCA":
            mcap(path, "mcap", None)
        else:
            ros1(path)
    except ImportError as e:
        print("module missing: %s" % e, file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
