"""The library's kernels on your own NumPy arrays, on the same back-ends as
the pipeline (``backend='auto' | 'scalar' | 'simd' | 'opencl'``).

Point kernels take an (N, 3) or (N, 4) array (columns x, y, z[, intensity])
or a mapping of 1-D channels (``x``, ``y``, ``z`` and optionally
``intensity``, ``ring``, ``time``: a dict, or a frame's ``points``) and
return the same form. The kernels work on channels: a mapping of contiguous
float32 channels (uint16 ring) and an (N, k) float32 array in Fortran order
(``np.asfortranarray``: each column contiguous) are read where they are, not
copied; an (N, k) float32 array in C order (rows, as np.fromfile(...)
.reshape(-1, 4) gives) is split into channels in a scratch buffer the
module keeps between calls (one pass over the points, no allocation), and
other dtypes are converted first (one copy). The outputs are new arrays. Image kernels take (H, W) or (H, W, C) arrays whose pixels are
contiguous within a row (any row stride, e.g. a crop of a larger image);
other views are made contiguous first (one copy).
"""

import math
from collections.abc import Mapping

import numpy as np

from . import _sensorpipe as _sp

_CHANNELS = ("x", "y", "z", "intensity", "ring", "time")


class _Cloud:
    """An input cloud as the channel tuple the C functions take, and how to
    give a result back in the caller's form."""

    def __init__(self, points):
        if isinstance(points, Mapping):
            missing = [k for k in ("x", "y", "z") if k not in points]
            if missing:
                raise ValueError(f"points: no channel {', '.join(missing)} in "
                                 f"the mapping (it has {', '.join(points)})")
            self.keys = [k for k in _CHANNELS if k in points]
            chans = {}
            for k in self.keys:
                a = np.asarray(points[k])
                if a.ndim != 1:
                    raise ValueError(f"points: channel {k!r} has shape "
                                     f"{a.shape}, expected a 1-D array")
                chans[k] = np.ascontiguousarray(
                    a, dtype=np.uint16 if k == "ring" else np.float32)
            n = len(chans["x"])
            for k, a in chans.items():
                if len(a) != n:
                    raise ValueError(f"points: channel {k!r} has {len(a)} "
                                     f"values, 'x' has {n}")
            self.ncols = None
        else:
            a = np.asarray(points)
            if a.ndim != 2 or a.shape[1] not in (3, 4):
                raise ValueError(
                    f"points: an array of shape {a.shape}, expected (N, 3) or "
                    f"(N, 4) (columns x, y, z[, intensity]) or a mapping of "
                    f"1-D channels")
            n, self.ncols = a.shape
            # No copy when a is float32 in Fortran order (a.T is then C order).
            cols = np.ascontiguousarray(a.T, dtype=np.float32)
            chans = dict(zip(_CHANNELS, cols))
            self.keys = list(_CHANNELS[:self.ncols])
        if "intensity" not in chans:
            chans["intensity"] = np.zeros(n, np.float32)
        self.n = n
        self.chans = chans
        self.inputs = tuple(chans.get(k) for k in _CHANNELS)

    def outputs(self, cap):
        """Output channels with room for cap points (floats in one block)."""
        extra = "time" in self.chans
        block = np.empty((4 + extra, max(cap, 1)), np.float32)
        ring = np.empty(max(cap, 1), np.uint16) if "ring" in self.chans else None
        self._out = (block[0], block[1], block[2], block[3], ring,
                     block[4] if extra else None)
        self._block = block
        return self._out

    def result(self, m):
        """The first m output points in the caller's form."""
        if self.ncols is not None:
            return np.ascontiguousarray(self._block[:self.ncols, :m].T)
        # Keep at most a quarter of the block unused; past that, copy out.
        trim = m < 3 * self._block.shape[1] // 4
        out = {}
        for k, a in zip(_CHANNELS, self._out):
            if k in self.keys:
                out[k] = a[:m].copy() if trim else a[:m]
        return out


def _as_rows(points):
    """An (N, 3|4) array of rows as C-contiguous float32 for the *_rows
    functions, or None when points is a mapping or its columns can be read
    in place (Fortran order)."""
    if isinstance(points, Mapping):
        return None
    a = np.asarray(points)
    if a.ndim != 2 or a.shape[1] not in (3, 4):
        return None  # _Cloud says what was expected
    if a.dtype == np.float32 and a.flags.f_contiguous and not a.flags.c_contiguous:
        return None
    return np.ascontiguousarray(a, dtype=np.float32)


def _rows_out(ba, k):
    return np.frombuffer(ba, np.float32).reshape(-1, k)


def _leaf3(leaf):
    t = tuple(float(v) for v in np.broadcast_to(np.asarray(leaf, float), (3,)))
    return t


def voxel(points, leaf=0.2, *, min_points=1, backend="auto"):
    """Downsample to one point per occupied voxel (the mean of its points;
    ring: the first point's; time: the mean): the `voxel` stage's kernel,
    PCL VoxelGrid's rule. ``leaf`` is one edge or (x, y, z) edges in metres;
    voxels with fewer than ``min_points`` points are dropped. Returns the
    input's form (an (M, k) array or a dict of channels)."""
    rows = _as_rows(points)
    if rows is not None:
        return _rows_out(_sp._voxel_rows(rows, _leaf3(leaf), int(min_points),
                                         backend), rows.shape[1])
    c = _Cloud(points)
    out = c.outputs(c.n)
    m = _sp._voxel(c.inputs, c.n, out, _leaf3(leaf), int(min_points), backend)
    return c.result(m)


def _pair(v, name):
    if v is None:
        return None
    lo, hi = (float(t) for t in v)
    return lo, hi


def crop(points, *, x=None, y=None, z=None, range=None, invert=False,
         backend="auto"):
    """Keep the points inside every limit given (inclusive): ``x``, ``y``,
    ``z`` as (lo, hi) in metres, ``range`` as (min, max) Euclidean distance
    from the origin; ``invert=True`` keeps the others. Points with a NaN or
    infinite coordinate are always dropped. Input order is kept; returns
    the input's form."""
    limits, mins, maxs = 0, [0.0] * 3, [0.0] * 3
    for i, v in enumerate((x, y, z)):
        p = _pair(v, "xyz"[i])
        if p:
            limits |= 1 << i
            mins[i], maxs[i] = p
    r = _pair(range, "range")
    if r:
        limits |= 1 << 3
    args = (limits, tuple(mins), tuple(maxs), r[0] if r else 0.0,
            r[1] if r else 0.0, bool(invert), backend)
    rows = _as_rows(points)
    if rows is not None:
        return _rows_out(_sp._crop_rows(rows, *args), rows.shape[1])
    c = _Cloud(points)
    out = c.outputs(c.n)
    m = _sp._crop(c.inputs, c.n, out, *args)
    return c.result(m)


def bev_shape(*, x=(0, 70), y=(-40, 40), z=(-2.5, 1), res=0.1):
    """The (3, H, W) shape bev() gives for these parameters."""
    return _sp._bev_shape((*_pair(x, "x"), *_pair(y, "y"), *_pair(z, "z"),
                           float(res)))


def bev(points, *, x=(0, 70), y=(-40, 40), z=(-2.5, 1), res=0.1,
        backend="auto"):
    """Bird's-eye-view raster, float32 (3, H, W): max height (normalised to
    ``z``), mean intensity, density; row i holds x in [x0 + i*res, ...),
    column j holds y in [y0 + j*res, ...) (the `bev` stage)."""
    params = (*_pair(x, "x"), *_pair(y, "y"), *_pair(z, "z"), float(res))
    out = np.empty(_sp._bev_shape(params), np.float32)
    rows = _as_rows(points)
    if rows is not None:
        _sp._bev_rows(rows, out, params, backend)
    else:
        c = _Cloud(points)
        _sp._bev(c.inputs, c.n, out, params, backend)
    return out


def _pixel_rows(a):
    """a itself when its pixels are contiguous within each row, else a
    contiguous copy."""
    a = np.asarray(a)
    item = a.itemsize
    ok = a.ndim >= 2 and a.strides[0] >= 0 and a.strides[1] == (
        item * (a.shape[2] if a.ndim == 3 else 1)) and (
        a.ndim == 2 or a.strides[2] == item)
    return a if ok else np.ascontiguousarray(a)


def debayer(img, pattern="rggb", *, method="bilinear", bgr=False,
            backend="auto"):
    """Demosaic an (H, W) uint8 or uint16 Bayer mosaic (``pattern``: 'rggb',
    'bggr', 'grbg', 'gbrg', named by the first two rows) into (H, W, 3):
    RGB (or BGR with ``bgr=True``, 8-bit only); ``method`` 'bilinear'
    (OpenCV's) or 'ea' (edge-aware)."""
    img = _pixel_rows(img)
    if img.ndim != 2 or img.dtype not in (np.uint8, np.uint16):
        raise ValueError(f"debayer: an array of shape {img.shape} and dtype "
                         f"{img.dtype}, expected an (H, W) uint8 or uint16 "
                         f"mosaic")
    bits = 8 * img.itemsize
    src = f"bayer_{pattern.lower()}{bits}"
    dst = "rgb16" if bits == 16 else "bgr8" if bgr else "rgb8"
    out = np.empty(img.shape + (3,), img.dtype)
    _sp._debayer(img, src, out, dst, method, "", backend)
    return out


def _image_format(img, what, color="rgb"):
    if img.dtype == np.uint8 and img.ndim == 2:
        return "gray8"
    if img.dtype == np.uint8 and img.ndim == 3 and img.shape[2] == 3:
        return "bgr8" if color == "bgr" else "rgb8"
    if img.dtype == np.uint8 and img.ndim == 3 and img.shape[2] == 4:
        return "rgba8"
    if img.dtype == np.float32 and img.ndim == 2 and what == "resize":
        return "f32"
    raise ValueError(
        f"{what}: an array of shape {img.shape} and dtype {img.dtype}, "
        f"expected uint8 (H, W), (H, W, 3) or (H, W, 4)"
        + (" or float32 (H, W)" if what == "resize" else ""))


def resize(img, width=None, height=None, *, method="linear", backend="auto"):
    """Scale an image to width x height: uint8 (H, W), (H, W, 3), (H, W, 4)
    or float32 (H, W); ``method`` 'linear' (OpenCV's INTER_LINEAR, bit for
    bit on 8-bit), 'area' or 'nearest'. One of width and height alone keeps
    the aspect ratio (the other rounded to the nearest pixel, at least 1),
    as the ``resize`` stage does."""
    img = _pixel_rows(img)
    fmt = _image_format(img, "resize")
    if width is None and height is None:
        raise ValueError("resize: no output size: expected width, height "
                         "or both (one alone keeps the aspect ratio)")
    if width is None or height is None:
        # The stage's rule, step for step (pipeline/stages/resize_stage.c):
        # the aspect ratio, the other side at least 1, then rounded half
        # away from zero (llround; positive here). (The stage's properties
        # stop at 16384; an array here has no such limit.)
        a = img.shape[1] / img.shape[0]
        d = int(width) / a if height is None else int(height) * a
        d = math.floor(max(d, 1.0) + 0.5)
        width, height = (width, d) if height is None else (d, height)
    out = np.empty((int(height), int(width)) + img.shape[2:], img.dtype)
    _sp._resize(img, out, fmt, method, backend)
    return out


def normalize(img, mean=None, std=None, *, scale=None, order="rgb",
              color="rgb", backend="auto"):
    """An 8-bit image to a float32 (C, H, W) tensor:
    (px * scale - mean) / std per colour, as torchvision's ToTensor +
    Normalize. ``mean``/``std``: None (ImageNet's), one value or three
    (R, G, B); ``scale`` defaults to 1/255; ``order`` is the tensor's
    channel order ('rgb' or 'bgr'); ``color`` says what a 3-channel input
    holds ('rgb', or 'bgr' for OpenCV images)."""
    img = _pixel_rows(img)
    fmt = _image_format(img, "normalize", color)

    def values(v):
        if v is None:
            return ()
        return tuple(float(t) for t in np.atleast_1d(np.asarray(v, float)))

    c = 1 if fmt == "gray8" else 3
    out = np.empty((c,) + img.shape[:2], np.float32)
    _sp._normalize(img, fmt, out, values(mean), values(std),
                   # 1/255 rounded to float32 as the `normalize` stage's
                   # default is, so that both give the same bits.
                   1 / 255 if scale is None else float(scale), order, backend)
    return out
