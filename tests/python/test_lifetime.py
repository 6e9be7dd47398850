"""A block goes back to its pool when the last frame, array or view over it
is gone: never earlier (the pool's counts do not move while any view lives),
never later (they are restored by del + gc.collect()); close() returns what
the stages held while kept frames stay valid; memory stays flat over
10,000 frames."""
# ctest-timeout: 300

import os

import numpy as np

import sensorpipe as sp
from conftest import collect, in_use


def pool_counts(p):
    return [(q["name"], q["in_use"], q["blocks"] - q["in_use"]) for q in p.pools()]


def test_views_hold_the_block_and_only_the_views():
    with sp.Pipeline("synth frames=4 camera=false") as p:
        f = next(p)
        held = pool_counts(p)
        assert in_use(p) == 1
        x = f.points["x"]
        y = f.points["y"][10:20]          # a view of a view
        img_like = x.reshape(-1, 1)[::2]   # and another
        del f
        collect()
        # Views alive: the block is still out, the free counts unchanged.
        assert pool_counts(p) == held
        assert p.frames_alive == 1
        del x, y
        collect()
        assert pool_counts(p) == held
        del img_like
        collect()
        assert in_use(p) == 0
        assert p.frames_alive == 0
        free_after = sum(q["blocks"] - q["in_use"] for q in p.pools())
        assert free_after == sum(b for _, _, b in held) + 1


def test_each_frame_is_returned_as_soon_as_it_is_dropped():
    with sp.Pipeline("synth frames=50 lidar=false width=64 height=48") as p:
        for f in p:
            # Only the frame being looked at is out (the loop variable is
            # rebound before the next pull returns the previous block).
            assert in_use(p) <= 2
        del f
        collect()
        assert in_use(p) == 0
        assert max(q["high_water"] for q in p.pools()) <= 2


def test_close_returns_the_stages_blocks_and_keeps_frames_valid():
    p = sp.Pipeline("synth frames=100 camera=false ! queue depth=4")
    kept = [next(p) for _ in range(3)]
    x = kept[1].points["x"].copy()
    p.close()
    assert p.closed
    # The queue thread is joined and its frames returned: only ours are out.
    assert in_use(p) == 3
    np.testing.assert_array_equal(kept[1].points["x"], x)
    assert list(p) == []           # a closed pipeline yields nothing more
    del kept
    collect()
    assert in_use(p) == 0


def test_stopped_pipeline_returns_everything():
    with sp.Pipeline("synth frames=1000 ! queue depth=8 ! debayer") as p:
        n = 0
        for f in p:
            n += 1
            if n == 5:
                p.stop()
        assert 5 <= n < 1000
        del f
    collect()
    assert in_use(p) == 0


def rss_bytes():
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_memory_bounded_over_10000_frames():
    launch = ("synth frames=10000 lidar=false width=64 height=48 ! debayer "
              "! resize width=32 height=24")
    with sp.Pipeline(launch) as p:
        rss = []
        hw = []
        total = 0.0
        for i, f in enumerate(p):
            img = f.image                       # a view each time
            total += float(img[0, 0, 0])
            c = f.copy() if i % 100 == 0 else None
            del c
            if i in (1000, 5000, 9999):
                collect()
                rss.append(rss_bytes())
                hw.append(max(q["high_water"] for q in p.pools()))
        st = p.stats()
    assert st["frames"] == 10000
    # Pools: the high water reached in the first thousand frames is the
    # high water at the end (a handful of blocks, not one per frame).
    assert hw[0] == hw[-1] <= 4, hw
    # RSS: flat after warm-up (allowing 4 MiB of allocator noise).
    assert rss[-1] - rss[0] < 4 << 20, rss
    if st["heap_allocs_after_warmup"] is not None:
        # The library allocates nothing per frame after warm-up.
        assert st["heap_allocs_after_warmup"] < 100, st["heap_allocs_after_warmup"]
