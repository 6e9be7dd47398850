#!/usr/bin/python3
"""A ROS1 bag with a lidar and a calibrated camera, for the `project` and
`overlay` tests (tests/test_overlay.c): written by Debian's python3-rosbag,
messages serialized by genpy from the real sensor_msgs definitions.

  cam_lidar_bag.py OUT.bag
  cam_lidar_bag.py OUT.bag REAL.bag

  /lidar/points       PointCloud2 x, y, z, intensity float32: 2 sweeps of
                      4 points ahead of the car (x forward, y left, z up)
  /cam/image_raw      Image rgb8 64 x 48, a flat grey, 2 frames, each
                      stamped 10 ms after its sweep
  /cam/camera_info    CameraInfo: P = [40 0 32 0; 0 40 24 0; 0 0 1 0], no
                      distortion, recorded once

Nothing in it says where the lidar is (no /tf): that comes from calib=.

With REAL.bag (the shared data's ubiquity_aruco_marker_jpeg.bag: a real
Raspberry Pi camera's CompressedImage, 1280 x 720 JPEG, and its
CameraInfo), OUT.bag holds that bag's messages as recorded (copied raw,
byte for byte) and one sweep of the 4 points on /lidar/points, stamped 5 ms
after the image (header stamp and log time both).
Exit status 3 when rosbag, genpy or numpy is missing (the test skips).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
try:
    import numpy as np
    from bag_src_fixtures import T0, Writer, cloud, cls
except SystemExit:
    raise
except ImportError as e:
    print("cannot import the fixture writer (%s)" % e, file=sys.stderr)
    sys.exit(3)

POINTS = [(10.0, 0.0, 0.0, 0.5), (10.0, 2.0, 1.0, 0.25),
          (20.0, -4.0, -1.0, 0.75), (-5.0, 0.0, 0.0, 1.0)]


def with_real(out, real):
    import rosbag
    w = Writer(out, "none", twin=False)
    img = None
    with rosbag.Bag(real) as b:
        for topic, raw, t in b.read_messages(raw=True):
            w.bag.write(topic, raw, t, raw=True)
        for topic, m, t in b.read_messages():
            if m._type == "sensor_msgs/CompressedImage":
                img = (m.header.stamp.to_nsec(), t.to_nsec())
    if img is None:
        print("%s has no CompressedImage" % real, file=sys.stderr)
        return 1
    fields = [("x", 0, 7, 1), ("y", 4, 7, 1), ("z", 8, 7, 1),
              ("intensity", 12, 7, 1)]
    vals = {k: np.array([p[i] for p in POINTS], dtype=np.float32)
            for i, k in enumerate(("x", "y", "z", "intensity"))}
    cloud(w, "/lidar/points", img[1] + 5000000, img[0] + 5000000, fields,
          vals, len(POINTS))
    w.close()
    return 0


def main():
    if len(sys.argv) > 2:
        return with_real(sys.argv[1], sys.argv[2])
    w = Writer(sys.argv[1], "none", twin=False)
    C, _ = cls("CameraInfo")
    ci = C["sensor_msgs/CameraInfo"]()
    ci.header, _h = w.header(C, T0, "cam", "/cam/camera_info")
    ci.height, ci.width, ci.distortion_model = 48, 64, "plumb_bob"
    ci.D = [0.0] * 5
    ci.K = [40.0, 0.0, 32.0, 0.0, 40.0, 24.0, 0.0, 0.0, 1.0]
    ci.R = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0]
    ci.P = [40.0, 0.0, 32.0, 0.0, 0.0, 40.0, 24.0, 0.0, 0.0, 0.0, 1.0, 0.0]
    w.write("/cam/camera_info", "CameraInfo", T0, ci, None)
    fields = [("x", 0, 7, 1), ("y", 4, 7, 1), ("z", 8, 7, 1),
              ("intensity", 12, 7, 1)]
    vals = {k: np.array([p[i] for p in POINTS], dtype=np.float32)
            for i, k in enumerate(("x", "y", "z", "intensity"))}
    I, _ = cls("Image")
    for k in range(2):
        t = T0 + 1000000 + k * 100000000
        cloud(w, "/lidar/points", t, t, fields, vals, len(POINTS))
        m = I["sensor_msgs/Image"]()
        m.header, _h = w.header(I, t + 10000000, "cam", "/cam/image_raw")
        m.height, m.width, m.encoding = 48, 64, "rgb8"
        m.is_bigendian, m.step = 0, 64 * 3
        m.data = bytes([128]) * (64 * 3 * 48)
        w.write("/cam/image_raw", "Image", t + 10000001, m, None)
    w.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
