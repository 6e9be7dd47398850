#!/usr/bin/python3
"""Writes a ROS1 bag of lidar packet messages for tests/test_lidar_stage.c
with Debian's python3-rosbag (no ROS core): every 1206-byte datagram of a
Velodyne pcap in one velodyne_msgs/VelodyneScan on /velodyne_packets, each
packet stamped with its capture time, so the bag decodes to exactly what the
capture does.

Usage: /usr/bin/python3 lidar_bag_fixture.py CAPTURE.pcap OUT.bag
       /usr/bin/python3 lidar_bag_fixture.py --ouster CAPTURE.pcap META.json OUT.bag

--ouster: every datagram to port 7502 as an ouster_ros/PacketMsg on
/os_node/lidar_packets (log time = capture time), and the metadata JSON as a
std_msgs/String on /os_node/metadata written after the first packet (as a
recording started before the driver published it).
"""
import struct
import sys

import genpy
import genpy.dynamic
import rosbag

SCAN = ('std_msgs/Header header\nvelodyne_msgs/VelodynePacket[] packets\n'
        '================================================================'
        '================\nMSG: std_msgs/Header\nuint32 seq\ntime stamp\n'
        'string frame_id\n'
        '================================================================'
        '================\nMSG: velodyne_msgs/VelodynePacket\ntime stamp\n'
        'uint8[1206] data\n')


def datagrams(path):
    b = open(path, 'rb').read()
    off = 24
    while off + 16 <= len(b):
        sec, usec, incl, _ = struct.unpack_from('<IIII', b, off)
        rec = b[off + 16:off + 16 + incl]
        off += 16 + incl
        ihl = (rec[14] & 15) * 4
        udp = 14 + ihl
        port = struct.unpack_from('>H', rec, udp + 2)[0]
        yield sec, usec * 1000, port, rec[udp + 8:]


def pytype(datatype, definition):
    gen = genpy.dynamic.generate_dynamic(datatype, definition)[datatype]

    class P(object):
        _type = datatype
        _md5sum = gen._md5sum
        _full_text = definition
    return P


def ouster(cap, meta, out):
    pkt = pytype('ouster_ros/PacketMsg', 'uint8[] buf\n')
    string = pytype('std_msgs/String', 'string data\n')
    text = open(meta, 'rb').read()
    with rosbag.Bag(out, 'w') as bag:
        n = 0
        for sec, nsec, port, payload in datagrams(cap):
            if port != 7502:
                continue
            t = genpy.Time(sec, nsec)
            body = struct.pack('<I', len(payload)) + payload
            bag.write('/os_node/lidar_packets', (pkt._type, body, pkt._md5sum,
                                                 pkt), t, raw=True)
            if n == 0:
                body = struct.pack('<I', len(text)) + text
                bag.write('/os_node/metadata', (string._type, body,
                                                string._md5sum, string), t,
                          raw=True)
            n += 1


def packets(path):
    b = open(path, 'rb').read()
    off = 24
    while off + 16 <= len(b):
        sec, usec, incl, _ = struct.unpack_from('<IIII', b, off)
        rec = b[off + 16:off + 16 + incl]
        off += 16 + incl
        ihl = (rec[14] & 15) * 4
        udp = 14 + ihl
        payload = rec[udp + 8:udp + struct.unpack_from('>H', rec, udp + 4)[0]]
        if len(payload) == 1206:
            yield sec, usec * 1000, payload


def main():
    if sys.argv[1] == '--ouster':
        ouster(sys.argv[2], sys.argv[3], sys.argv[4])
        return
    cap, out = sys.argv[1], sys.argv[2]
    gen = genpy.dynamic.generate_dynamic('velodyne_msgs/VelodyneScan', SCAN)
    cls = gen['velodyne_msgs/VelodyneScan']

    class P(object):
        _type = 'velodyne_msgs/VelodyneScan'
        _md5sum = cls._md5sum
        _full_text = SCAN
    pk = list(packets(cap))
    body = struct.pack('<III', 0, pk[0][0], pk[0][1])
    body += struct.pack('<I', 8) + b'velodyne'
    body += struct.pack('<I', len(pk))
    for sec, nsec, data in pk:
        body += struct.pack('<II', sec, nsec) + data
    with rosbag.Bag(out, 'w') as bag:
        t = genpy.Time(pk[0][0], pk[0][1])
        bag.write('/velodyne_packets', (P._type, body, P._md5sum, P), t,
                  raw=True)


if __name__ == '__main__':
    main()
