#!/usr/bin/python3
"""Seeds for fuzz_rosmsg from the fixtures test_rosmsg writes (messages
serialized by genpy and @foxglove/rosmsg2-serialization, not by our code):

    make_rosmsg_seeds.py BUILD/tests/tmp_test_rosmsg/fixtures corpus/rosmsg

Each seed is the fuzz target's selector byte (kind + 5 * (CDR ? 1 : 0);
kinds 0..4 = PointCloud2, Image, CompressedImage, CameraInfo, LaserScan)
followed by the message. test_rosmsg also runs its hostile checks on them.

The colour JPEG fixture also gives two variants for the JPEG decoder's
progressive and restart-marker paths: its image re-encoded by OpenCV
(libjpeg) with IMWRITE_JPEG_PROGRESSIVE and IMWRITE_JPEG_RST_INTERVAL, put
in place of the message's data field (its last: a uint32 length and the
bytes). Skipped, with a word, where cv2 is not installed.
"""
import os
import struct
import sys

KIND = {"pc2": 0, "img": 1, "cimg": 2, "caminfo": 3, "scan": 4}
PICK = ["pc2.ros1", "pc2.cdr_le", "pc2_be.cdr_be", "img_mono16.ros1",
        "img_32f.cdr_be", "cimg_gray.ros1", "cimg_jpeg.ros1", "cimg_png.cdr_le",
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
    jpeg_variants(src, dst)
    return 0


def jpeg_variants(src, dst):
    try:
        import cv2
        import numpy as np
    except ImportError:
        print("cv2 missing: no progressive/restart JPEG seeds", file=sys.stderr)
        return
    with open(os.path.join(src, "cimg_jpeg.ros1"), "rb") as f:
        msg = f.read()
    at = msg.index(b"\xff\xd8\xff")
    (n,) = struct.unpack_from("<I", msg, at - 4)
    assert at + n == len(msg), "the data field is not last"
    img = cv2.imdecode(np.frombuffer(msg[at:], np.uint8), cv2.IMREAD_COLOR)
    for name, flags in (("progressive", [cv2.IMWRITE_JPEG_PROGRESSIVE, 1]),
                        ("restart", [cv2.IMWRITE_JPEG_RST_INTERVAL, 1])):
        ok, enc = cv2.imencode(".jpg", img, flags)
        assert ok
        data = enc.tobytes()
        out = msg[:at - 4] + struct.pack("<I", len(data)) + data
        with open(os.path.join(dst, "cimg_jpeg_%s-ros1.bin" % name),
                  "wb") as f:
            f.write(bytes([KIND["cimg"]]) + out)


if __name__ == "__main__":
    sys.exit(main())
