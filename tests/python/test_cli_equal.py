"""The frames Python iterates equal the .npy files `sensorpipe run` writes
for the same launch string (points, images with padded rows, tensors; real
KITTI, ROS1 bag and raw Bayer data and the synthetic rig)."""
# ctest-timeout: 300

import numpy as np
import pytest

import sensorpipe as sp
from conftest import data_path, run_cli

FIELDS = {"xyzi": ("x", "y", "z", "intensity"),
          "xyzirt": ("x", "y", "z", "intensity", "ring", "time")}


def compare(launch, tmp_path, fields="xyzi"):
    out = tmp_path / "out"
    # name=seq: files numbered per stream, looked up by the frame's seq
    # below (the default names them after their input)
    run_cli("run", f"{launch} ! npy dir={out} fields={fields} name=seq")
    n = 0
    with sp.Pipeline(launch) as p:
        for f in p:
            path = out / f.stream.lstrip("/") / f"{f.seq:06d}.npy"
            ref = np.load(path)
            if f.kind == "points":
                got = f.points.stack(FIELDS[fields])
            elif f.kind == "image":
                got = f.image
            else:
                got = f.tensor
            assert got.shape == ref.shape, (path, got.shape, ref.shape)
            if f.kind != "points":
                assert got.dtype == ref.dtype, path
            np.testing.assert_array_equal(got, ref, err_msg=str(path))
            n += 1
    files = list(out.rglob("*.npy"))
    assert n == len(files) > 0
    return n


def test_kitti_points_crop_voxel(tmp_path):
    root = data_path("kitti_object/training/velodyne").parents[1]
    n = compare(f"kitti path={root} streams=velodyne ! crop x=0:70 y=-40:40 "
                f"z=-3:2 ! voxel leaf=0.2", tmp_path)
    assert n == 3


def test_kitti_images(tmp_path):
    root = data_path("kitti_object/training/image_2").parents[1]
    assert compare(f"kitti path={root} streams=image_02", tmp_path) == 3


def test_kitti_bev_tensor(tmp_path):
    root = data_path("kitti_object/training/velodyne").parents[1]
    compare(f"kitti path={root} streams=velodyne ! crop x=0:70 y=-40:40 "
            f"! voxel leaf=0.1 ! bev", tmp_path)


def test_bag_clouds(tmp_path):
    bag = data_path("ros1/sick_rms1000_lms1000_bz2.bag")
    compare(f"bag path={bag} topics='/cloud*' count=40 ! voxel leaf=0.1 "
            f"streams=/cloud", tmp_path)


def test_synth_camera_chain_to_tensor(tmp_path):
    compare("synth lidar=false frames=3 width=97 height=61 ! debayer ! "
            "resize width=64 height=40 ! normalize", tmp_path)


def test_synth_lidar_all_fields(tmp_path):
    compare("synth camera=false frames=2 ! crop x=-30:30", tmp_path,
            fields="xyzirt")


def test_raw_bayer16_debayered(tmp_path):
    raw = data_path("raw_bayer/DSC_1339_768x512_rggb.raw")
    compare(f"raw path={raw} width=768 height=512 format=bayer_rggb16 ! "
            f"levels black=600 white=15520 ! debayer method=ea", tmp_path)


def test_kernel_functions_equal_the_stages():
    path = data_path("kitti_object/training/velodyne/000001.bin")
    root = path.parents[2]
    with sp.Pipeline(f"kitti path={root} streams=velodyne ! voxel leaf=0.2") as p:
        staged = [f.points.stack() for f in p]
    cloud = np.fromfile(path, np.float32).reshape(-1, 4)
    np.testing.assert_array_equal(sp.voxel(cloud, 0.2), staged[1])
    with sp.Pipeline(f"kitti path={root} streams=velodyne ! crop x=0:70 "
                     f"y=-40:40 ! bev") as p:
        bevs = [f.tensor.copy() for f in p]
    np.testing.assert_array_equal(
        sp.bev(sp.crop(cloud, x=(0, 70), y=(-40, 40))), bevs[1])
