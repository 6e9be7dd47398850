"""Frames as NumPy views: Frame (a pulled frame over its pool block), Points
(a frame's point channels), FrameCopy (a frame detached from its block).

Every array of a Frame is an ``np.ndarray(buffer=frame, ...)``: its ``base``
is the frame (a slice's base chain ends there), so the pool block stays
referenced while the frame or any array or view over it lives, and goes
back to its pool when the last of them is gone. Nothing here caches an
array on the frame (that would be a reference cycle, and the block would
wait for the garbage collector).
"""

from collections.abc import Mapping

import numpy as np

from . import _sensorpipe as _sp


class Points(Mapping):
    """The channels of a point cloud, by name: ``x``, ``y``, ``z``,
    ``intensity`` (float32), ``ring`` (uint16) and ``time`` (float32) when
    the cloud has them, then every extra named channel. Each is a 1-D array
    of ``count`` values (an extra with several values per point is
    ``(count, values)``), a view into the frame's pool block: no copy.

    ``pts.x`` is ``pts["x"]`` for any channel whose name is not already an
    attribute. ``stack()`` gives an (N, k) float32 array of chosen channels;
    that one is a copy (the cloud is stored channel by channel)."""

    __slots__ = ("_owner", "_count", "_height", "_layout", "_arrays")

    def __init__(self, owner, count, height, layout, arrays=None):
        self._owner = owner
        self._count = count
        self._height = height
        self._layout = {name: (off, ts, ncomp) for name, off, ts, ncomp in layout}
        self._arrays = dict(arrays) if arrays else {}

    @classmethod
    def _from_arrays(cls, arrays, height=0):
        """Points over arrays the caller owns (a FrameCopy's)."""
        count = len(next(iter(arrays.values()))) if arrays else 0
        layout = [(k, 0, v.dtype.str, 1 if v.ndim == 1 else v.shape[1])
                  for k, v in arrays.items()]
        return cls(None, count, height, layout, arrays)

    def __getitem__(self, name):
        a = self._arrays.get(name)
        if a is not None:
            return a
        if name not in self._layout:
            raise KeyError(f"no channel {name!r} in this cloud; it has "
                           f"{', '.join(self._layout)}")
        off, ts, ncomp = self._layout[name]
        shape = (self._count,) if ncomp == 1 else (self._count, ncomp)
        a = np.ndarray(shape, dtype=np.dtype(ts), buffer=self._owner, offset=off)
        self._arrays[name] = a
        return a

    def __getattr__(self, name):
        """``pts.x``: a channel as an attribute, where nothing else of that
        name is one (``count``, ``height``, ``names``, ``stack`` and the
        Mapping methods win: ``pts["count"]`` reaches a channel named
        so)."""
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self[name]
        except KeyError as e:
            raise AttributeError(e.args[0]) from None

    def __dir__(self):
        return sorted(set(super().__dir__())
                      | {n for n in self._layout if n.isidentifier()})

    def __iter__(self):
        return iter(self._layout)

    def __len__(self):
        return len(self._layout)

    def __contains__(self, name):
        return name in self._layout

    @property
    def count(self):
        """Number of points."""
        return self._count

    @property
    def height(self):
        """Rows of an organised cloud (count = height x width), else 0."""
        return self._height

    @property
    def names(self):
        return list(self._layout)

    def stack(self, names=("x", "y", "z", "intensity"), dtype=np.float32):
        """An (N, len(names)) array of the channels, in that order. A copy
        (one pass over the channels); for the channels themselves without a
        copy, index the mapping."""
        out = np.empty((self._count, len(names)), dtype=dtype)
        for i, n in enumerate(names):
            out[:, i] = self[n]
        return out

    def xyz(self):
        """``stack(("x", "y", "z"))``: an (N, 3) float32 copy."""
        return self.stack(("x", "y", "z"))

    def copy(self):
        """The channels as arrays of their own (a dict-like Points)."""
        return Points._from_arrays({n: np.array(self[n]) for n in self},
                                   self._height)

    def __repr__(self):
        return f"<Points {self._count} points: {', '.join(self._layout)}>"


def _image_of(owner, lay):
    off, shape, strides, ts, _, _ = lay
    return np.ndarray(shape, dtype=np.dtype(ts), buffer=owner, offset=off,
                      strides=strides)


class Frame(_sp.Frame):
    """A frame pulled from a Pipeline. Metadata: ``seq``, ``stamp_ns``,
    ``log_time_ns``, ``stream``, ``sensor``, ``kind`` ('points', 'image',
    'tensor', or 'packets': raw lidar packets before a ``lidar`` stage, with
    no array view), ``source`` = (``origin``, ``origin_index``). Payload, as
    NumPy views into the frame's pool block: ``points`` (a Points mapping),
    ``image`` ((H, W) or (H, W, C) with the rows' real stride), ``tensor``.
    The block returns to its pool when the frame and every array over it
    are gone; ``copy()`` detaches the data from the block."""

    __slots__ = ()

    def _wrong(self, what):
        return AttributeError(
            f"frame {self.seq} of stream {self.stream!r} holds a {self.kind}, "
            f"not {what} (check frame.kind)")

    @property
    def points(self):
        lay = self._layout_points()
        if lay is None:
            raise self._wrong("points")
        return Points(self, *lay)

    @property
    def image(self):
        lay = self._layout_image()
        if lay is None:
            raise self._wrong("an image")
        return _image_of(self, lay)

    @property
    def image_format(self):
        """The pixel format ('rgb8', 'bayer_rggb16', 'nv12' ...): NV12 is
        shown as (H * 3 / 2, W) bytes (luma, then the chroma plane), YUYV and
        UYVY as (H, W, 2)."""
        lay = self._layout_image()
        if lay is None:
            raise self._wrong("an image")
        return lay[4]

    @property
    def bit_depth(self):
        """Significant bits of a 16-bit image (0 = all)."""
        lay = self._layout_image()
        if lay is None:
            raise self._wrong("an image")
        return lay[5]

    @property
    def tensor(self):
        lay = self._layout_tensor()
        if lay is None:
            raise self._wrong("a tensor")
        off, shape, ts = lay
        return np.ndarray(shape, dtype=np.dtype(ts), buffer=self, offset=off)

    @property
    def data(self):
        """The payload whatever it is: Points, image array or tensor."""
        k = self.kind
        return self.points if k == "points" else self.image if k == "image" \
            else self.tensor

    def copy(self):
        """A FrameCopy: the same metadata, the payload copied into arrays of
        its own, so that the pool block can go back at once."""
        return FrameCopy(self)

    def __repr__(self):
        return (f"<Frame {self.stream!r} #{self.seq} {self.kind} "
                f"stamp_ns={self.stamp_ns}>")


class FrameCopy:
    """A frame's metadata and a copy of its payload (Frame.copy()); it
    holds no pool block."""

    __slots__ = ("seq", "stamp_ns", "log_time_ns", "stream", "sensor", "kind",
                 "origin", "origin_index", "points", "image", "image_format",
                 "bit_depth", "tensor")

    def __init__(self, f):
        for k in ("seq", "stamp_ns", "log_time_ns", "stream", "sensor",
                  "kind", "origin", "origin_index"):
            setattr(self, k, getattr(f, k))
        self.points = self.image = self.image_format = None
        self.bit_depth = self.tensor = None
        if self.kind == "points":
            self.points = f.points.copy()
        elif self.kind == "image":
            self.image = np.array(f.image)
            self.image_format = f.image_format
            self.bit_depth = f.bit_depth
        else:
            self.tensor = np.array(f.tensor)

    @property
    def source(self):
        return (self.origin, self.origin_index)

    @property
    def data(self):
        k = self.kind
        return self.points if k == "points" else self.image if k == "image" \
            else self.tensor

    def copy(self):
        return FrameCopy(self)

    def __repr__(self):
        return (f"<FrameCopy {self.stream!r} #{self.seq} {self.kind} "
                f"stamp_ns={self.stamp_ns}>")


_sp._set_frame_class(Frame)
