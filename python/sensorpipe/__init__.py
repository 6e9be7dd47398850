"""sensorpipe from Python: generator pipelines over zero-copy NumPy frames.

    import sensorpipe as sp
    with sp.Pipeline("kitti path=drive/ streams=velodyne ! crop x=0:70 ! voxel leaf=0.2") as p:
        for frame in p:                  # lazy: nothing is read before you ask
            x = frame.points["x"]        # a NumPy view into the pool block
    print(p.stats()["pools"])

A thin layer over the C extension ``sensorpipe._sensorpipe``: Pipeline (a
launch string, iterated lazily; a pull runs without the GIL and Ctrl-C
stops it), Frame (NumPy views over its pool block; see _frames.py for the
lifetime rules), the kernels on your own arrays (_kernels.py), errors as
exceptions carrying the library's message, and the memory profiler
(Pipeline.stats(), memory_report()).
"""

import sys as _sys
import weakref as _weakref

from . import _sensorpipe
from ._sensorpipe import (Again, BudgetExceeded, Busy, Canceled, Error,
                          FormatError, InvalidArgument, IOFailure, NotFound,
                          OpenCLError, OutOfMemory, OutOfRange,
                          SystemCallError, Timeout, Unsupported, describe,
                          simd_level, status_name, trim_kernels)
from ._frames import Frame, FrameCopy, Points
from ._kernels import bev, bev_shape, crop, debayer, normalize, resize, voxel

__version__ = _sensorpipe.__version__

__all__ = [
    "Pipeline", "Frame", "FrameCopy", "Points", "memory_report",
    "memory_stats", "voxel", "crop", "bev", "bev_shape", "debayer", "resize",
    "normalize", "describe", "simd_level", "trim_kernels", "status_name",
    "Error", "InvalidArgument", "OutOfRange", "FormatError", "NotFound",
    "OutOfMemory", "BudgetExceeded", "IOFailure", "SystemCallError", "Busy",
    "Timeout", "Again", "Unsupported", "OpenCLError", "Canceled",
]

# Pipelines alive, for memory_report(); weak, so the report keeps none.
_pipelines = _weakref.WeakSet()

_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}


def _bytes(v):
    """A byte count from an int or a string such as '512M', '1.5G', '64k'."""
    if v is None:
        return 0
    if isinstance(v, str):
        s = v.strip().lower().removesuffix("ib").removesuffix("b")
        unit = s[-1:] if s[-1:] in _UNITS and s[-1:] else ""
        try:
            n = float(s[:-1] if unit else s)
        except ValueError:
            raise ValueError(f"budget {v!r}: expected bytes as a number with "
                             f"an optional k, M, G or T suffix") from None
        return int(n * _UNITS[unit])
    if v < 0:
        raise ValueError(f"budget {v}: expected >= 0 bytes")
    return int(v)


class Pipeline(_sensorpipe.Pipeline):
    """A pipeline from a launch string, as ``sensorpipe run`` takes it:

        Pipeline("bag path=drive.mcap topics=/points ! voxel leaf=0.2",
                 budget="512M", backend="simd")

    Iterating it pulls frames lazily (it is its own iterator, like a file);
    every frame is a Frame. ``budget`` bounds the pool memory (bytes or
    '512M'; default 1 GiB); ``backend`` chooses the kernels' back-end
    ('auto', 'scalar', 'simd', 'opencl'); ``warmup_frames`` is when the
    stats start counting heap allocations (default 16); ``timeout_ms`` how
    long a full pool waits for a block (default 1000).

    Use it in a ``with`` block (or call close()): closing ends the run at
    once (queue threads joined, every block the stages held returned) while
    the frames you kept stay valid. One thread at a time may pull it (a
    second is refused with Busy); ``stop()`` may be called from any thread.
    Ctrl-C during a pull stops the pipeline and raises KeyboardInterrupt.
    """

    __slots__ = ("launch", "__weakref__")

    def __init__(self, launch, *, budget=None, backend="auto",
                 warmup_frames=0, timeout_ms=0):
        super().__init__(launch, budget=_bytes(budget), backend=backend,
                         warmup_frames=int(warmup_frames),
                         timeout_ms=int(timeout_ms))
        self.launch = launch
        _pipelines.add(self)

    def __repr__(self):
        state = "closed" if self.closed else "open"
        return f"<sensorpipe.Pipeline {self.launch!r} ({state})>"


def memory_stats():
    """Every live pipeline's memory: a list of dicts with ``launch``,
    ``closed``, ``frames_alive`` and ``bytes_alive`` (frames Python still
    holds and their blocks' bytes), ``budget_bytes``, ``reserved_bytes`` and
    ``pools`` (as Pipeline.stats())."""
    out = []
    for p in list(_pipelines):
        st = p.stats()
        out.append({
            "launch": p.launch,
            "closed": p.closed,
            "frames_alive": st["python"]["frames_alive"],
            "bytes_alive": st["python"]["bytes_alive"],
            "budget_bytes": st["pool_budget_bytes"],
            "reserved_bytes": st["pool_reserved_bytes"],
            "pools": st["pools"],
        })
    return out


def _mib(n):
    return f"{n / (1 << 20):.2f}"


def memory_report(file=None):
    """Print a table of the pool memory of every live pipeline, like
    pympler's summary: one row per pool (block size, blocks, in use, high
    water, reuse, MiB reserved and locked), the frames Python holds, and
    the totals. To ``file`` (default sys.stdout)."""
    file = _sys.stdout if file is None else file
    stats = memory_stats()
    head = (f"{'pool':<16} {'block':>10} {'blocks':>7} {'in use':>7} "
            f"{'high':>6} {'reuse%':>7} {'MiB res':>9} {'MiB lock':>9}")
    lines = []
    tot_res = tot_lock = tot_frames = tot_bytes = 0
    for s in stats:
        flag = " (closed)" if s["closed"] else ""
        lines.append(f"pipeline {s['launch']!r}{flag}: {s['frames_alive']} "
                     f"frames held by Python ({_mib(s['bytes_alive'])} MiB), "
                     f"{_mib(s['reserved_bytes'])} of "
                     f"{_mib(s['budget_bytes'])} MiB budget reserved")
        lines.append(head)
        for q in s["pools"]:
            lines.append(
                f"{q['name'][:16]:<16} {q['block_bytes']:>10} {q['blocks']:>7} "
                f"{q['in_use']:>7} {q['high_water']:>6} "
                f"{100 * q['reuse_ratio']:>7.1f} {_mib(q['bytes_reserved']):>9} "
                f"{_mib(q['bytes_locked']):>9}")
            tot_lock += q["bytes_locked"]
        tot_res += s["reserved_bytes"]
        tot_frames += s["frames_alive"]
        tot_bytes += s["bytes_alive"]
    lines.append(f"total: {len(stats)} pipelines, {_mib(tot_res)} MiB "
                 f"reserved, {_mib(tot_lock)} MiB locked, {tot_frames} frames "
                 f"held by Python ({_mib(tot_bytes)} MiB)")
    print("\n".join(lines), file=file)

