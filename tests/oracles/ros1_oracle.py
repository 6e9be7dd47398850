#!/usr/bin/python3
"""Oracle for the ROS1 bag reader tests: what Debian's python3-rosbag reads.

Usage: /usr/bin/python3 ros1_oracle.py BAG

Prints one line per topic, then one per message, tab-separated:
  T  topic  type  md5sum  count
  M  topic  time_ns  size  sha1  chunk_pos  offset  avail_at
Messages are in log-time order, equal times in file order (chunk_pos, then
offset in the chunk): rosbag's own read_messages order is not time order
when chunks overlap in time. avail_at is the file size from which the
message can be read from a cut file: the end of its chunk's data when the
chunk is compressed, the end of its own record when it is not.
Topics are in the order of their first message in file order.
"""
import hashlib
import struct
import sys

import rosbag


def record_end(f, pos):
    """The file offset after the record at pos."""
    f.seek(pos)
    (hlen,) = struct.unpack('<I', f.read(4))
    f.seek(pos + 4 + hlen)
    (dlen,) = struct.unpack('<I', f.read(4))
    return pos + 8 + hlen + dlen


def main(path):
    bag = rosbag.Bag(path)
    heads = bag._chunk_headers
    msgs = []
    with open(path, 'rb') as f:
        for topic, raw, t in bag.read_messages(raw=True):
            datatype, data, md5, pos, _ = raw
            chunk_pos, offset = pos
            h = heads[chunk_pos]
            if h.compression == 'none':
                avail = record_end(f, h.data_pos + offset)
            else:
                avail = h.data_pos + h.compressed_size
            msgs.append((t.to_nsec(), chunk_pos, offset, topic, datatype, md5,
                         len(data), hashlib.sha1(data).hexdigest(), avail))
    info = bag.get_type_and_topic_info()
    bag.close()
    first = {}
    for m in sorted(msgs, key=lambda m: (m[1], m[2])):
        first.setdefault((m[3], m[4]), m[5])
    for (topic, datatype), md5 in first.items():
        count = sum(1 for m in msgs if m[3] == topic and m[4] == datatype)
        assert info.topics[topic].message_count >= count
        print('T\t%s\t%s\t%s\t%d' % (topic, datatype, md5, count))
    for m in sorted(msgs, key=lambda m: (m[0], m[1], m[2])):
        print('M\t%s\t%d\t%d\t%s\t%d\t%d\t%d' %
              (m[3], m[0], m[6], m[7], m[1], m[2], m[8]))


if __name__ == '__main__':
    main(sys.argv[1])
