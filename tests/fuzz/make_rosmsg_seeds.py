#!/usr/bin/python3
"""Seeds for fuzz_rosmsg from the fixtures test_rosmsg writes (messages
serialized by genpy and @foxglove/rosmsg2-serialization, not by our code):

    make_rosmsg_seeds.py BUILD/tests/tmp_test_rosmsg/fixtures corpus/rosmsg

Each seed is the fuzz target's selector byte (kind + 5 * (CDR ? 1 : 0);
kinds 0..4 = PointCloud2, Image, CompressedImage, CameraInfo, LaserScan)
followed by the message. test_rosmsg also runs its hostile checks on them.
"""
import os
import sys

KIND = {"pc2": 0, "img": 1, "cimg": 2, "caminfo": 3, "scan": 4}
PICK = ["pc2.ros1", "pc2.cdr_le", "pc2_be.cdr_be", "img_mono16.ros1",
        "img_32f.cdr_be", "cimg_gray.ros1", "cimg_png.cdr_le",
        "caminfo.ros1", "caminfo_rat.cdr_be", "scan.ros1", "scan.cdr_le",
        "scan_noint.cdr_be"]


def main():
    src, dst = sys.argv[1], sys.argv[2]
    os.makedirs(dst, exist_ok=True)
    for name in PICK:
        stem, ext = name.split(".")
        kind = KIND[stem.split("_")[0]]
        sel = kind + (5 if ext.startswith("cdr") else 0)
        with open(os.path.join(src, name), "rb") as f:
            msg = f.read()
        with open(os.path.join(dst, "%s-%s.bin" % (stem, ext)), "wb") as f:
            f.write(bytes([sel]) + msg)
    return 0


if __name__ == "__main__":
    sys.exit(main())
