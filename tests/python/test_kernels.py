"""The kernel functions on NumPy arrays, against the inputs and answers of
the C tests (tests/test_voxel.c, test_crop.c, test_bev.c, test_debayer.c,
test_resize.c, test_normalize.c), on every back-end available here; both
input forms; inputs read in place."""
# ctest-timeout: 300

import math

import numpy as np
import pytest

import sensorpipe as sp
from sensorpipe import _kernels
from conftest import data_path

NAN, INF = float("nan"), float("inf")


def backends():
    out = ["scalar", "simd"]
    try:
        sp.voxel(np.zeros((1, 4), np.float32), 1.0, backend="opencl")
        out.append("opencl")
    except (sp.Unsupported, sp.OpenCLError):
        pass
    return out


BACKENDS = backends()


@pytest.mark.parametrize("backend", BACKENDS)
def test_voxel_spec_points(backend):
    # tests/test_voxel.c test_spec_points
    x = np.array([0.1, 0.9, 1.5, NAN, -0.5, 0.5], np.float32)
    pts = {"x": x, "y": np.full(6, 0.25, np.float32),
           "z": np.array([0, 0, 0, 0, 0, 1], np.float32),
           "intensity": np.arange(6, dtype=np.float32),
           "ring": np.arange(1, 7, dtype=np.uint16),
           "time": np.arange(6, dtype=np.float32)}
    v = sp.voxel(pts, 1.0, backend=backend)
    assert set(v) == set(pts)
    assert len(v["x"]) == 4
    assert v["x"][0] == -0.5 and v["intensity"][0] == 4.0
    assert v["x"][1] == 0.5 and v["intensity"][1] == 0.5
    assert v["ring"][1] == 1 and v["time"][1] == 0.5
    assert v["x"][2] == 1.5 and v["z"][3] == 1.0
    v2 = sp.voxel(pts, 1.0, min_points=2, backend=backend)
    assert len(v2["x"]) == 1 and v2["x"][0] == 0.5


def kitti():
    path = data_path("kitti_object/training/velodyne/000001.bin")
    return np.fromfile(path, np.float32).reshape(-1, 4)


@pytest.mark.parametrize("backend", BACKENDS)
def test_voxel_kitti_known_answer(backend):
    # PCL 1.13 VoxelGrid leaf 0.2 on this sweep: 37,869 points.
    cloud = kitti()
    assert len(cloud) == 120268
    v = sp.voxel(cloud, 0.2, backend=backend)
    assert v.shape == (37869, 4) and v.dtype == np.float32
    ref = sp.voxel(cloud, 0.2, backend="scalar")
    if backend == "opencl":
        np.testing.assert_allclose(v, ref, rtol=1e-6, atol=1e-6)
    else:
        np.testing.assert_array_equal(v, ref)
    # The dict form and the Fortran-ordered array form give the same.
    d = sp.voxel({k: np.ascontiguousarray(cloud[:, i]) for i, k in
                  enumerate(("x", "y", "z", "intensity"))}, 0.2, backend=backend)
    np.testing.assert_array_equal(np.stack([d[k] for k in ("x", "y", "z",
                                                           "intensity")], 1), v)
    np.testing.assert_array_equal(
        sp.voxel(np.asfortranarray(cloud), (0.2, 0.2, 0.2), backend=backend), v)
    # Three columns in, three out.
    assert sp.voxel(cloud[:, :3], 0.2, backend=backend).shape == (37869, 3)


def test_inputs_are_read_in_place():
    cloud = kitti()
    f = np.asfortranarray(cloud)
    c = _kernels._Cloud(f)
    for i in range(4):
        assert np.shares_memory(c.inputs[i], f)
    chans = {k: np.ascontiguousarray(cloud[:, i]) for i, k in
             enumerate(("x", "y", "z", "intensity"))}
    c = _kernels._Cloud(chans)
    assert all(c.inputs[i] is chans[k] for i, k in
               enumerate(("x", "y", "z", "intensity")))
    # A frame's points are taken as they are.
    with sp.Pipeline("synth frames=1 camera=false") as p:
        fr = next(p)
        c = _kernels._Cloud(fr.points)
        assert c.inputs[0].base is fr and c.inputs[4].base is fr
        v = sp.voxel(fr.points, 0.5)
        assert set(v) == {"x", "y", "z", "intensity", "ring", "time"}
        assert not np.shares_memory(v["x"], fr.points["x"])


@pytest.mark.parametrize("backend", BACKENDS)
def test_crop_spec_points(backend):
    # tests/test_crop.c test_spec_points
    x = np.array([0, 40, 40.001, 1, NAN, 3, 0, -40], np.float32)
    y = np.array([5, 0, 0, 0, 0, INF, 0, -40], np.float32)
    z = np.array([0, 2, 0, 0, 0, 0, -3.5, -3], np.float32)
    pts = {"x": x, "y": y, "z": z, "intensity": np.arange(8, dtype=np.float32),
           "ring": np.arange(10, 18, dtype=np.uint16)}
    box = dict(x=(-40, 40), y=(-40, 40), z=(-3, 2), range=(2, 80))
    c = sp.crop(pts, **box, backend=backend)
    assert list(c["intensity"]) == [0, 1, 7] and c["ring"][2] == 17
    c = sp.crop(pts, **box, invert=True, backend=backend)
    assert list(c["intensity"]) == [2, 3, 6]
    assert len(sp.crop(pts, backend=backend)["x"]) == 6
    assert list(sp.crop(pts, range=(0, 5), backend=backend)["intensity"]) == [0, 3, 6]


@pytest.mark.parametrize("backend", BACKENDS)
def test_bev_known_cells(backend):
    # tests/test_bev.c test_known_cells (defaults: x 0:70, y -40:40, res 0.1);
    # forward up, left on the left: cell (i, j) is row H-1-i, column W-1-j
    assert sp.bev_shape() == (3, 700, 800)
    assert sp.bev_shape(x=(0, 1), y=(0, 0.25), res=0.1) == (3, 10, 3)
    pts = np.array([[10.05, 0.05, -0.75, 0.5], [10.06, 0.07, 0.25, 0.3],
                    [-1.0, 0.0, 0.0, 9], [10.05, 0.05, 2.0, 9],
                    [NAN, 0.05, 0.0, 9], [10.05, 0.05, -3.0, 9],
                    [69.95, -39.95, -2.5, 0.25]], np.float32)
    o = sp.bev(pts, backend=backend)
    assert o.shape == (3, 700, 800) and o.dtype == np.float32
    assert math.isclose(o[0, 599, 399], 2.75 / 3.5, abs_tol=1e-6)
    assert math.isclose(o[1, 599, 399], 0.4, abs_tol=1e-5 if backend == "opencl" else 1e-6)
    assert math.isclose(o[2, 599, 399], math.log(3) / math.log(64), abs_tol=1e-6)
    assert o[0, 0, 799] == 0
    assert math.isclose(o[1, 0, 799], 0.25, abs_tol=1e-7)
    assert math.isclose(o[2, 0, 799], 1 / 6, abs_tol=1e-6)
    assert np.count_nonzero(o) == 5
    with pytest.raises(ValueError, match="res=-1"):
        sp.bev(pts, res=-1)


MOSAIC = np.array([[200, 50, 180, 60], [40, 10, 70, 20],
                   [160, 90, 140, 80], [30, 25, 55, 35]], np.uint8)


@pytest.mark.parametrize("backend", BACKENDS)
def test_debayer_known_answer_4x4(backend):
    # tests/test_debayer.c test_known_answer_4x4
    out = sp.debayer(MOSAIC, "rggb", backend=backend)
    assert out.shape == (4, 4, 3) and out.dtype == np.uint8
    want = {(0, 0): (200, 45, 10), (1, 0): (190, 50, 10), (3, 0): (180, 60, 20),
            (1, 1): (170, 63, 10), (2, 1): (160, 70, 15), (2, 2): (140, 74, 23),
            (0, 3): (160, 30, 25), (3, 3): (140, 68, 35)}
    for (x, y), rgb in want.items():
        assert tuple(out[y, x]) == rgb, (x, y)
    ea = sp.debayer(MOSAIC, "rggb", method="ea", backend=backend)
    assert ea[1, 1, 1] == 55 and ea[2, 2, 1] == 85 and ea[0, 0, 1] == 45
    bgr = sp.debayer(MOSAIC, "rggb", bgr=True, backend=backend)
    assert bgr[1, 1, 0] == 10 and bgr[1, 1, 2] == 170
    over = sp.debayer(MOSAIC, "bggr", backend=backend)
    assert over[0, 0, 2] == 200 and over[0, 0, 0] == 10
    # A strided view (a crop of a larger mosaic) is read in place.
    big = np.zeros((8, 10), np.uint8)
    big[2:6, 2:6] = MOSAIC
    np.testing.assert_array_equal(sp.debayer(big[2:6, 2:6], backend=backend), out)
    # 16-bit in, RGB16 out.
    o16 = sp.debayer(MOSAIC.astype(np.uint16) * 256, backend=backend)
    assert o16.dtype == np.uint16 and o16.shape == (4, 4, 3)


@pytest.mark.parametrize("backend", BACKENDS)
def test_resize_known_answers(backend):
    # tests/test_resize.c test_known_answers
    for v in ([1, 2, 3, 4], [0, 0, 1, 1], [0, 0, 0, 1], [255, 255, 255, 254],
              [10, 20, 30, 41]):
        s = np.array(v, np.uint8).reshape(2, 2)
        want = (sum(v) + 2) >> 2
        assert sp.resize(s, 1, 1, method="area", backend=backend)[0, 0] == want
        assert sp.resize(s, 1, 1, method="linear", backend=backend)[0, 0] == want
    f = np.array([[1, 2], [3, 4.5]], np.float32)
    assert sp.resize(f, 1, 1, method="area", backend=backend)[0, 0] == 2.625
    rgb = np.array([[[10, 100, 200], [11, 101, 201]],
                    [[12, 102, 202], [14, 104, 204]]], np.uint8)
    assert list(sp.resize(rgb, 1, 1, method="area", backend=backend)[0, 0]) == [
        12, (100 + 101 + 102 + 104 + 2) >> 2, (200 + 201 + 202 + 204 + 2) >> 2]
    g = np.array([[5, 6, 7, 8]], np.uint8)
    assert list(sp.resize(g, 2, 1, method="nearest", backend=backend)[0]) == [5, 7]
    one = np.array([[[9, 0x80, 0xff, 1]]], np.uint8)
    for m in ("linear", "area", "nearest"):
        out = sp.resize(one, 3, 5, method=m, backend=backend)
        assert out.shape == (5, 3, 4) and (out == one[0, 0]).all()
    rnd = np.random.default_rng(77).integers(0, 256, (11, 37, 3), np.uint8)
    for m in ("linear", "area", "nearest"):
        np.testing.assert_array_equal(sp.resize(rnd, 37, 11, method=m,
                                                backend=backend), rnd)
    # One side alone keeps the aspect ratio, as the stage does (97 x 61:
    # width 40 gives 25 rows, height 10 gives 16 columns); neither is
    # refused.
    img = np.random.default_rng(5).integers(0, 256, (61, 97, 3), np.uint8)
    assert sp.resize(img, 40, backend=backend).shape == (25, 40, 3)
    assert sp.resize(img, height=10, backend=backend).shape == (10, 16, 3)
    np.testing.assert_array_equal(sp.resize(img, height=10, backend=backend),
                                  sp.resize(img, 16, 10, backend=backend))
    with pytest.raises(ValueError, match="no output size"):
        sp.resize(img)


MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)


@pytest.mark.parametrize("backend", BACKENDS)
def test_normalize_values_and_orders(backend):
    # tests/test_normalize.c test_values_and_orders: colour k of pixel x is
    # (x + 85 k) mod 256.
    xs = np.arange(256)
    rgb = np.stack([(xs + 85 * k) % 256 for k in range(3)], -1).astype(np.uint8)[None]
    for color, img in (("rgb", rgb), ("bgr", rgb[..., ::-1].copy())):
        for order in ("rgb", "bgr"):
            out = sp.normalize(img, order=order, color=color, backend=backend)
            assert out.shape == (3, 1, 256) and out.dtype == np.float32
            for c in range(3):
                k = c if order == "rgb" else 2 - c
                lit = ((xs + 85 * k) % 256 / 255.0 - MEAN[k]) / STD[k]
                assert np.abs(out[c, 0] - lit).max() <= 1e-6
    rgba = np.concatenate([rgb, np.full((1, 256, 1), 0x77, np.uint8)], -1)
    np.testing.assert_array_equal(sp.normalize(rgba, backend=backend),
                                  sp.normalize(rgb, backend=backend))
    g = np.arange(6, dtype=np.uint8).reshape(2, 3)
    o = sp.normalize(g, mean=1.0, std=0.5, scale=1.0, backend=backend)
    assert o.shape == (1, 2, 3)
    assert list(o.ravel()) == [(i - 1) * 2.0 for i in range(6)]
    with pytest.raises(ValueError, match="mean has 3 values and std 1"):
        sp.normalize(rgb, mean=(1, 2, 3), std=1)


def test_camera_chain_equals_the_stages():
    launch = "synth lidar=false frames=2 width=97 height=61"
    with sp.Pipeline(f"{launch} ! debayer ! resize width=64 height=40 ! "
                     f"normalize") as p:
        staged = [f.tensor.copy() for f in p]
    with sp.Pipeline(launch) as p:
        for f, ref in zip(p, staged):
            t = sp.normalize(sp.resize(sp.debayer(f.image), 64, 40))
            np.testing.assert_array_equal(t, ref.reshape(t.shape))
