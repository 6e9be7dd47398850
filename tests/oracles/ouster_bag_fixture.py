#!/usr/bin/python3
"""Writes a ROS1 bag as ouster-ros records one: the sensor's metadata JSON
as std_msgs/String on /os_node/metadata, then every UDP payload of an
Ouster capture as ouster_ros/PacketMsg (uint8[] buf) on
/os_node/lidar_packets (lidar-sized) or /os_node/imu_packets (the rest).

    ouster_bag_fixture.py CAPTURE.pcap META.json OUT.bag
"""
import sys

import genpy
import genpy.dynamic
import rosbag
import rospy
from std_msgs.msg import String

sys.path.insert(0, __file__.rsplit('/', 1)[0])
from ouster_oracle import meta_of, udp_payloads  # noqa: E402

PacketMsg = genpy.dynamic.generate_dynamic('ouster_ros/PacketMsg',
                                           'uint8[] buf\n')['ouster_ros/PacketMsg']


def main():
    pcap, meta_path, out = sys.argv[1:4]
    meta = meta_of(meta_path)
    h, cpp, prof = meta['h'], meta['cpp'], meta['prof']
    stride = {'LEGACY': 12, 'RNG19_RFL8_SIG16_NIR16': 12,
              'RNG19_RFL8_SIG16_NIR16_DUAL': 16, 'RNG15_RFL8_NIR8': 4}[prof]
    size = (cpp * (16 + h * 12 + 4) if prof == 'LEGACY'
            else 32 + cpp * (12 + h * stride) + 32)
    t = rospy.Time(1700000000, 0)
    with rosbag.Bag(out, 'w') as bag:
        bag.write('/os_node/metadata', String(data=open(meta_path).read()), t)
        for i, (_, pay) in enumerate(udp_payloads(pcap)):
            ts = t + rospy.Duration(0, (i + 1) * 1000000)
            topic = ('/os_node/lidar_packets' if len(pay) == size
                     else '/os_node/imu_packets')
            bag.write(topic, PacketMsg(buf=pay), ts)


if __name__ == '__main__':
    main()
