"""Dump the sensor_msgs/PointCloud2 messages of a ROS1 bag as JSON lines,
for make_pointcloud_mcap.mjs (run with Debian's /usr/bin/python3, which has
python3-rosbag):

    /usr/bin/python3 ros1_clouds_dump.py BAG [TOPIC ...]

One line per message in the bag's order: topic, log time (ns), header
(stamp sec/nsec, frame_id), height, width, fields, is_bigendian,
point_step, row_step, is_dense and the point data in base64. Without
TOPIC, every PointCloud2 topic."""
import base64
import json
import sys

import rosbag


def main():
    if len(sys.argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    bag = rosbag.Bag(sys.argv[1])
    topics = sys.argv[2:]
    if not topics:
        info = bag.get_type_and_topic_info().topics
        topics = sorted(t for t, i in info.items() if i.msg_type == "sensor_msgs/PointCloud2")
    for topic, msg, t in bag.read_messages(topics=topics):
        line = {
            "topic": topic,
            "log_time": t.to_nsec(),
            "sec": msg.header.stamp.secs,
            "nsec": msg.header.stamp.nsecs,
            "frame_id": msg.header.frame_id,
            "height": msg.height,
            "width": msg.width,
            "fields": [
                {"name": f.name, "offset": f.offset, "datatype": f.datatype, "count": f.count}
                for f in msg.fields
            ],
            "is_bigendian": bool(msg.is_bigendian),
            "point_step": msg.point_step,
            "row_step": msg.row_step,
            "is_dense": bool(msg.is_dense),
            "data": base64.b64encode(msg.data).decode("ascii"),
        }
        sys.stdout.write(json.dumps(line) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
