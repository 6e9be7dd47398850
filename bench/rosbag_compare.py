#!/usr/bin/python3
"""The comparison row of bench_bag: python3-rosbag + numpy reading the
PointCloud2 messages of a ROS1 bag into separate contiguous arrays, the way
a tuned Python data loader does it (rosbag's own message classes, one
np.frombuffer per cloud with a structured dtype from its fields, then one
contiguous array per field).

  rosbag_compare.py make SRC.bag OUT.bag N   copy SRC's first PointCloud2
                                            N times into an lz4 bag
  rosbag_compare.py time BAG RUNS            median ms of reading BAG whole

Prints one JSON object. Needs Debian's python3-rosbag and python3-numpy
(call /usr/bin/python3); exits 3 when they are missing.
"""
import json
import sys
import time

try:
    import genpy
    import numpy as np
    import rosbag
except ImportError as e:  # the C benchmark prints this and skips the row
    print(json.dumps({"skip": "python3-rosbag or numpy missing: %s" % e}))
    sys.exit(3)

# sensor_msgs/PointField datatypes
TYPES = {1: "i1", 2: "u1", 3: "<i2", 4: "<u2", 5: "<i4", 6: "<u4", 7: "<f4",
         8: "<f8"}


def cloud_arrays(msg):
    dt = np.dtype({"names": [f.name for f in msg.fields],
                   "formats": [TYPES[f.datatype] for f in msg.fields],
                   "offsets": [f.offset for f in msg.fields],
                   "itemsize": msg.point_step})
    if msg.is_bigendian:
        dt = dt.newbyteorder(">")
    n = msg.width * msg.height
    rec = np.frombuffer(msg.data, dtype=dt, count=n)
    return {f.name: np.ascontiguousarray(rec[f.name]) for f in msg.fields}


def read_all(path):
    msgs = points = 0
    with rosbag.Bag(path) as bag:
        types = bag.get_type_and_topic_info().topics
        topics = [t for t, i in types.items()
                  if i.msg_type == "sensor_msgs/PointCloud2"]
        for _, msg, _ in bag.read_messages(topics=topics):
            arrays = cloud_arrays(msg)
            msgs += 1
            points += len(next(iter(arrays.values())))
    return msgs, points


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "make":
        src, out, n = sys.argv[2], sys.argv[3], int(sys.argv[4])
        with rosbag.Bag(src) as bag:
            for topic, raw, t in bag.read_messages(raw=True):
                if raw[0] == "sensor_msgs/PointCloud2":
                    break
        with rosbag.Bag(out, "w", compression="lz4") as bag:
            for i in range(n):
                bag.write(topic, raw, t + genpy.Duration(0, 100000000 * i),
                          raw=True)
        print(json.dumps({"made": out, "messages": n}))
        return 0
    if len(sys.argv) == 4 and sys.argv[1] == "time":
        path, runs = sys.argv[2], int(sys.argv[3])
        read_all(path)  # warm-up: imports, page cache
        ts = []
        for _ in range(runs):
            t0 = time.perf_counter()
            msgs, points = read_all(path)
            ts.append((time.perf_counter() - t0) * 1e3)
        ts.sort()
        print(json.dumps({"median_ms": ts[len(ts) // 2], "messages": msgs,
                          "points": points}))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
