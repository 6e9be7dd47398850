"""Frames as NumPy views: zero copy (np.shares_memory, the base is the
frame), the real image strides, dtypes and shapes of every payload, the
metadata, lazy pulling, copy() detaching from the block."""

import gc

import numpy as np
import pytest

import sensorpipe as sp
from conftest import collect, data_path, in_use


def first(p, kind):
    for f in p:
        if f.kind == kind:
            return f
    raise AssertionError(f"no {kind} frame")


def test_points_are_views_into_the_block():
    with sp.Pipeline("synth frames=1 camera=false") as p:
        f = next(p)
        assert f.kind == "points" and f.sensor == "lidar"
        pts = f.points
        assert list(pts) == ["x", "y", "z", "intensity", "ring", "time"]
        x = pts["x"]
        # A second view of the same frame: the same memory, no copy.
        assert np.shares_memory(x, f.points["x"])
        assert x.base is f and f.points["ring"].base is f
        assert x.dtype == np.float32 and f.points["ring"].dtype == np.uint16
        assert f.points["time"].dtype == np.float32
        assert x.shape == (pts.count,) and pts.count > 100000
        assert x.flags.c_contiguous and x.flags.writeable
        # Channels are distinct arrays of the one block.
        assert not np.shares_memory(x, pts["y"])
        # Writing through a view is seen by every other view.
        x[0] = 1234.5
        assert f.points["x"][0] == np.float32(1234.5)
        # The (N, k) helper copies.
        s = pts.stack()
        assert s.shape == (pts.count, 4) and s.dtype == np.float32
        assert not np.shares_memory(s, x)
        np.testing.assert_array_equal(s[:, 2], pts["z"])
        np.testing.assert_array_equal(pts.xyz(), s[:, :3])
        with pytest.raises(KeyError, match="no channel 'rgb'"):
            pts["rgb"]
        # Channels as attributes: the same views; a missing one is an
        # AttributeError with the same words; methods keep their names.
        assert np.shares_memory(pts.x, x) and pts.ring is pts["ring"]
        with pytest.raises(AttributeError, match="no channel 'rgb'"):
            pts.rgb
        assert pts.count == len(x) and "intensity" in dir(pts)
        assert not hasattr(pts, "_nope")


def test_packet_frames_have_a_kind_and_no_view():
    # A capture without a lidar stage hands on packet frames: their kind is
    # named (it read past a three-name table, and exporting them as a
    # tensor crashed the interpreter) and no array view is offered.
    cap = data_path("pcap/velodyne/rlu_velodyne_example_vlp16.pcap")
    with sp.Pipeline(f"pcap path={cap}") as p:
        f = next(p)
        assert f.kind == "packets"
        assert "packets" in repr(f)
        with pytest.raises(AttributeError, match="not points"):
            f.points
        with pytest.raises(AttributeError, match="not a tensor"):
            f.tensor


def test_image_view_has_the_real_row_stride():
    # 1242 pixels of bayer8 are stored with 1280-byte rows (64-aligned).
    with sp.Pipeline("synth frames=1 lidar=false") as p:
        f = next(p)
        img = f.image
        assert f.kind == "image" and f.image_format == "bayer_rggb8"
        assert img.shape == (375, 1242) and img.dtype == np.uint8
        assert img.strides == (1280, 1)
        assert img.base is f
        assert np.shares_memory(img, f.image)
        assert not img.flags.c_contiguous
    # Three channels: (H, W, 3) with a padded stride.
    with sp.Pipeline("synth frames=1 lidar=false width=30 height=8 ! debayer") as p:
        img = next(p).image
        assert img.shape == (8, 30, 3)
        assert img.strides == (128, 3, 1)  # 90 bytes rounded up to 64


def test_image_16_bit_and_bit_depth():
    path = data_path("raw_bayer/DSC_1339_768x512_rggb.raw")
    with sp.Pipeline(f"raw path={path} width=768 height=512 format=bayer_rggb16") as p:
        f = next(p)
        img = f.image
        assert img.shape == (512, 768) and img.dtype == np.uint16
        assert f.image_format == "bayer_rggb16"
        raw = np.fromfile(path, "<u2").reshape(512, 768)
        np.testing.assert_array_equal(img, raw)


def test_tensor():
    with sp.Pipeline("synth frames=1 camera=false ! bev") as p:
        f = next(p)
        t = f.tensor
        assert f.kind == "tensor" and t.shape == (3, 700, 800)
        assert t.dtype == np.float32 and t.base is f and t.flags.c_contiguous
        assert np.shares_memory(t, f.tensor)
        assert f.data.shape == t.shape
        with pytest.raises(AttributeError, match="holds a tensor, not points"):
            f.points


def test_metadata_and_source():
    path = data_path("kitti_object/training/velodyne/000001.bin")
    root = path.parents[2]
    with sp.Pipeline(f"kitti path={root} streams=velodyne") as p:
        frames = list(p)
    assert [f.seq for f in frames] == [0, 1, 2]
    assert {f.stream for f in frames} == {"velodyne"}
    f = frames[1]
    assert f.origin.endswith("velodyne/000001.bin")
    assert f.source == (f.origin, f.origin_index)
    assert f.points.count == 120268
    # synth: stamps 100 ms apart, no file.
    with sp.Pipeline("synth frames=2 camera=false") as p:
        fr = list(p)
    assert [f.stamp_ns for f in fr] == [0, 100_000_000]
    assert fr[0].source == (None, 0) and fr[0].log_time_ns == 0


def test_log_frames_carry_topic_and_log_time():
    path = data_path("ros1/sick_rms1000_lms1000_bz2.bag")
    with sp.Pipeline(f"bag path={path} topics=/cloud count=3") as p:
        fr = list(p)
    assert len(fr) == 3 and {f.stream for f in fr} == {"/cloud"}
    assert fr[0].log_time_ns > 1_600_000_000 * 10**9
    assert [f.origin_index for f in fr] == [0, 1, 2]
    assert fr[0].origin == str(path)
    assert fr[0].points.count == 541


def test_nothing_is_read_before_the_first_pull(tmp_path):
    out = tmp_path / "out"
    p = sp.Pipeline(f"synth frames=3 camera=false ! npy dir={out}")
    assert p.stats()["frames"] == 0
    assert not any(out.rglob("*.npy"))
    f = next(p)
    assert f.kind == "points"
    assert len(list(out.rglob("*.npy"))) == 1
    p.close()


def test_copy_detaches_from_the_block():
    with sp.Pipeline("synth frames=1") as p:
        f = next(p)
        before = in_use(p)
        c = f.copy()
        x = f.points["x"].copy()
        del f
        collect()
        assert in_use(p) == before - 1
        assert isinstance(c, sp.FrameCopy) and c.kind == "points"
        np.testing.assert_array_equal(c.points["x"], x)
        assert c.points["x"].base is None or c.points["x"].base is not c
        g = next(p)
        ci = g.copy()
        assert ci.image_format == "bayer_rggb8" and ci.image.flags.owndata
        np.testing.assert_array_equal(ci.image, g.image)
        assert not np.shares_memory(ci.image, g.image)


def test_frames_cannot_be_made_by_hand():
    with pytest.raises(TypeError):
        sp.Frame()


def test_frame_outlives_its_pipeline_object():
    p = sp.Pipeline("synth frames=2 camera=false")
    f = next(p)
    x = f.points["x"]
    del p, f
    gc.collect()
    # The frame (through x.base) keeps the pipeline and its pools alive.
    assert x.base.pipeline.frames_alive == 1
    assert float(x.sum()) == float(x.sum())


EXTRAS = [("rgb", "u32", 1, "color"), ("normal", "f32", 3, "value"),
          ("label", "u16", 1, "label"), ("ret", "i8", 1, "label"),
          ("flags", "u8", 5, "label"), ("dist", "f64", 1, "value"),
          ("tag", "i16", 2, "label"), ("id", "i32", 1, "label")]


def test_extra_channels_are_views_with_their_type_and_count():
    # No reader fills extra channels yet (issue 11): a frame of that layout
    # is made in the pipeline's pools, filled through its views, read back.
    n = 1000
    with sp.Pipeline("synth frames=1 camera=false") as p:
        f = sp._sensorpipe._points_frame(p, n, True, False, EXTRAS)
        pts = f.points
        assert list(pts) == (["x", "y", "z", "intensity", "ring"]
                             + [e[0] for e in EXTRAS])
        rng = np.random.default_rng(7)
        want = {}
        for name, ts, cnt, _ in EXTRAS + [("x", "f32", 1, ""),
                                          ("ring", "u16", 1, "")]:
            a = pts[name]
            dt = np.dtype({"u": "u", "i": "i", "f": "f"}[ts[0]]
                          + str(int(ts[1:]) // 8))
            assert a.dtype == dt, name
            assert a.shape == ((n,) if cnt == 1 else (n, cnt)), name
            assert a.base is f and a.flags.c_contiguous, name
            assert a.ctypes.data % 64 == 0, name
            v = (rng.random(a.shape) * 100).astype(dt)
            a[...] = v
            want[name] = v
        # Each channel has its own memory: writing one left the others.
        names = list(want)
        for i, a in enumerate(names):
            for b in names[i + 1:]:
                assert not np.shares_memory(pts[a], pts[b]), (a, b)
        g = f.points          # a second mapping, the same memory
        for name, v in want.items():
            np.testing.assert_array_equal(g[name], v)
            assert np.shares_memory(g[name], pts[name])
        c = f.copy()
        assert list(c.points) == list(pts)
        np.testing.assert_array_equal(c.points["normal"], want["normal"])
        assert not np.shares_memory(c.points["normal"], pts["normal"])
        keep = pts["flags"][:, 2]
        del f, pts, g
        collect()
        assert in_use(p) == 1           # the extra's view holds the block
        del keep
        collect()
        assert in_use(p) == 0
        with pytest.raises(ValueError, match="extra type 'f16'"):
            sp._sensorpipe._points_frame(p, 1, False, False,
                                         [("h", "f16", 1, "value")])
        with pytest.raises(sp.Error, match="'x'"):
            sp._sensorpipe._points_frame(p, 1, False, False,
                                         [("x", "f32", 1, "value")])
