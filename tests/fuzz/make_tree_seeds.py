#!/usr/bin/python3
"""Seeds for the targets that build a folder tree from their input
(fuzz_kitti, fuzz_info; the entry format is in fuzz_tree.h): small KITTI
raw drives, object sets and odometry sequences, folders of .pcd / .png /
.bin files and a rosbag2 folder, each under 4 KB.

Template indices are read from the targets' own TEMPLATES tables, so the
seeds follow any edit of them.

    /usr/bin/python3 tests/fuzz/make_tree_seeds.py   # from the repository root
"""
import os
import re
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
STEMS = ["0000000000", "0000000001", "0000000002", "0000000003", "000000",
         "000001", "000002", "0000000010", "x", "99999999999", "1000000000",
         "0", "-1", "00000000000000000000000001"]

CAM = (b"calib_time: 09-Jan-2012 13:57:47\n"
       b"S_02: 1.392e+03 5.12e+02\nK_02: 9.5e+02 0 6.9e+02 0 9.5e+02 2.4e+02 0 0 1\n"
       b"D_02: -0.37 0.2 0.002 0.001 -0.07\nR_rect_00: 1 0 0 0 1 0 0 0 1\n"
       b"P_rect_02: 7.2e+02 0 6.1e+02 4.5e+01 0 7.2e+02 1.7e+02 0.2 0 0 1 0.003\n"
       b"P_rect_00: 7.2e+02 0 6.1e+02 0 0 7.2e+02 1.7e+02 0 0 0 1 0\n")
VELO = b"R: 1 0 0 0 1 0 0 0 1\nT: -0.004 -0.07 -0.27\n"
OBJ = (b"P0: 7.07e+02 0 6.04e+02 0 0 7.07e+02 1.80e+02 0 0 0 1 0\n"
       b"P1: 7.07e+02 0 6.04e+02 -3.8e+02 0 7.07e+02 1.80e+02 0 0 0 1 0\n"
       b"P2: 7.07e+02 0 6.04e+02 4.5e+01 0 7.07e+02 1.80e+02 0 0 0 1 0\n"
       b"P3: 7.07e+02 0 6.04e+02 -3.3e+02 0 7.07e+02 1.80e+02 0 0 0 1 0\n"
       b"R0_rect: 1 0 0 0 1 0 0 0 1\n"
       b"Tr_velo_to_cam: 0 -1 0 0 0 0 -1 -0.08 1 0 0 -0.27\n")
TS = (b"2011-09-26 14:30:15.002263428\n2011-09-26 14:30:15.105801147\n"
      b"2011-09-26 14:30:15.209325058\n2011-09-26 14:30:15.312345678\n")


def templates(target):
    src = open(os.path.join(HERE, target + ".c")).read()
    body = re.search(r"TEMPLATES\[\] = \{(.*?)\};", src, re.S).group(1)
    return [s.encode().decode("unicode_escape")
            for s in re.findall(r'"((?:[^"\\]|\\.)*)"', body)]


def points(n, seed=0):
    out = b""
    for i in range(n):
        out += struct.pack("<4f", 10.0 + i * 0.1 + seed, 0.5 * i, -1.5, 0.25)
    return out


def entry(tpl, path, data=b"", stem="0000000000", png=None):
    t = tpl.index(path)
    s = STEMS.index(stem)
    if png is not None:
        data, flag = bytes(png), 0x8000
    else:
        flag = 0
    return bytes([t, s]) + struct.pack("<H", len(data) | flag) + data


def kitti_seeds(tpl):
    e = lambda *a, **k: entry(tpl, *a, **k)
    raw = (e("velodyne_points/data/%s.bin", points(6)) +
           e("velodyne_points/data/%s.bin", points(5, 1), stem="0000000001") +
           e("velodyne_points/timestamps.txt", TS) +
           e("image_02/data/%s.png", png=[4, 3, 1, 9, 8, 7]) +
           e("image_02/data/%s.png", png=[4, 3, 1, 1, 2], stem="0000000001") +
           e("image_02/timestamps.txt", TS) +
           e("calib_cam_to_cam.txt", CAM) + e("calib_velo_to_cam.txt", VELO))
    yield "raw-drive", bytes([0, 0, 0, 1]) + raw
    yield "raw-drive-velodyne-step2", bytes([1, 0, 2, 2]) + raw
    yield "raw-gray-calib-above", bytes([5, 0, 0, 0]) + (
        e("image_00/data/%s.png", png=[3, 2, 0, 50]) +
        e("image_01/data/%s.png", png=[3, 2, 0, 60]) +
        e("image_00/timestamps.txt", TS) +
        e("../calib_cam_to_cam.txt", CAM) + e("../calib_velo_to_cam.txt", VELO))
    yield "raw-no-timestamps", bytes([0, 1, 0, 0]) + (
        e("velodyne_points/data/%s.bin", points(3)) +
        e("velodyne_points/data/%s.bin", points(3), stem="0000000002") +
        e("velodyne_points/data/%s.bin", points(3), stem="0000000010"))
    yield "object-training", bytes([0, 0, 0, 0]) + (
        e("training/velodyne/%s.bin", points(4), stem="000000") +
        e("training/velodyne/%s.bin", points(4, 2), stem="000001") +
        e("training/image_2/%s.png", png=[5, 4, 1, 7], stem="000000") +
        e("training/image_2/%s.png", png=[5, 4, 1, 8], stem="000001") +
        e("training/calib/%s.txt", OBJ, stem="000000") +
        e("training/calib/%s.txt", OBJ, stem="000001"))
    yield "odometry", bytes([3, 0, 0, 0]) + (
        e("velodyne/%s.bin", points(3), stem="000000") +
        e("velodyne/%s.bin", points(3), stem="000001") +
        e("image_2/%s.png", png=[2, 2, 1, 3], stem="000000") +
        e("image_2/%s.png", png=[2, 2, 1, 4], stem="000001") +
        e("calib.txt", OBJ) + e("times.txt", b"0.000000e+00\n1.036240e-01\n"))
    yield "object-bad-calib", bytes([1, 0, 0, 0]) + (
        e("training/velodyne/%s.bin", points(2), stem="000000") +
        e("training/calib/%s.txt", b"P2: 1 2 3\n", stem="000000"))


def info_seeds(tpl):
    e = lambda *a, **k: entry(tpl, *a, **k)
    pcd = (b"# .PCD v0.7\nVERSION 0.7\nFIELDS x y z intensity\nSIZE 4 4 4 4\n"
           b"TYPE F F F F\nCOUNT 1 1 1 1\nWIDTH 2\nHEIGHT 1\n"
           b"VIEWPOINT 0 0 0 1 0 0 0\nPOINTS 2\nDATA ascii\n1 2 3 4\n5 6 7 8\n")
    yield "tree-kitti-raw", bytes([1, 4]) + (
        e("velodyne_points/data/%s.bin", points(6)) +
        e("velodyne_points/timestamps.txt", TS) +
        e("image_02/data/%s.png", png=[4, 3, 1, 9]) +
        e("image_02/timestamps.txt", TS) +
        e("calib_cam_to_cam.txt", CAM) + e("calib_velo_to_cam.txt", VELO))
    yield "tree-kitti-object", bytes([1, 2]) + (
        e("training/velodyne/%s.bin", points(4), stem="000000") +
        e("training/image_2/%s.png", png=[5, 4, 1, 7], stem="000000") +
        e("training/calib/%s.txt", OBJ, stem="000000"))
    yield "tree-pcds", bytes([1, 0]) + (
        e("%s.pcd", pcd) + e("%s.pcd", pcd, stem="0000000001") +
        e("timestamps.txt", TS))
    yield "tree-pngs", bytes([1, 3]) + (
        e("%s.png", png=[3, 3, 0, 1]) + e("%s.png", png=[3, 3, 0, 2],
                                          stem="0000000001"))
    yield "tree-bins", bytes([1, 1]) + (
        e("%s.bin", points(8)) + e("%s.bin", points(8, 3), stem="0000000001"))
    meta = (b"rosbag2_bagfile_information:\n  version: 5\n"
            b"  storage_identifier: sqlite3\n  relative_file_paths:\n"
            b"    - d_0.db3\n  duration:\n    nanoseconds: 0\n"
            b"  starting_time:\n    nanoseconds_since_epoch: 0\n"
            b"  message_count: 0\n  topics_with_message_count: []\n"
            b"  compression_format: \"\"\n  compression_mode: \"\"\n")
    yield "tree-rosbag2-meta-only", bytes([1, 0]) + e("metadata.yaml", meta)


EXTS = [".pcd", ".bin", ".png", ".bag", ".mcap", ".db3", ".npy", "", ".txt",
        ".yaml"]  # fuzz_info.c's EXTS


def info_file_seeds():
    """One file of each kind, from the other targets' seeds: byte 0 picks
    the name's extension (even: a file), byte 1 the frames sampled."""
    corpus = os.path.join(HERE, "corpus")
    picks = [("pcd/binary.pcd", ".pcd", 0), ("pcd/ascii.pcd", "", 0),
             ("bin/kitti4", ".bin", 1), ("png/rgb8.png", ".png", 0),
             ("ros1/seed_lz4.bag", ".bag", 0), ("ros1/seed_bz2.bag", "", 0),
             ("mcap/indexed_zstd.mcap", ".mcap", 0),
             ("mcap/nosummary_lz4.mcap", ".txt", 0),
             ("db3/raw-2topics", ".db3", 1), ("npy/points-f4.npy", ".npy", 0),
             ("rosbag2_meta/v8.yaml", ".yaml", 0)]
    for rel, ext, skip in picks:
        data = open(os.path.join(corpus, rel), "rb").read()[skip:]
        name = "file-" + rel.replace("/", "-")
        yield name, bytes([EXTS.index(ext) * 2, 3]) + data


def write(dirname, seeds):
    out = os.path.join(HERE, "corpus", dirname)
    os.makedirs(out, exist_ok=True)
    for name, data in seeds:
        assert len(data) < 4096, (name, len(data))
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


def main():
    write("kitti", kitti_seeds(templates("fuzz_kitti")))
    write("info", info_seeds(templates("fuzz_info")))
    write("info", info_file_seeds())


if __name__ == "__main__":
    main()
