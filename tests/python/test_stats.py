"""The memory profiler from Python: Pipeline.stats() as a plain dict
(stages, pools, heap allocations after warm-up), report(), notes(),
sensorpipe.memory_report() and memory_stats(); budget= and backend=."""

import io
import json

import sensorpipe as sp
from conftest import SANITIZE, collect, data_path

POOL_KEYS = {"name", "block_bytes", "blocks", "in_use", "high_water",
             "reuse_ratio", "bytes_reserved", "bytes_locked", "acquires",
             "releases", "grows", "waits", "timeouts"}
STAGE_KEYS = {"name", "class", "frames", "frames_in", "frames_out", "p50_ns",
              "p99_ns", "mean_ns", "max_ns", "busy_s", "fps", "skipped",
              "threads", "frames_split"}


def test_stats_is_a_plain_dict():
    with sp.Pipeline("synth frames=40 lidar=false width=64 height=48 ! debayer "
                     "! queue depth=2", budget="64M", backend="scalar") as p:
        frames = sum(1 for _ in p)
        st = p.stats()
    assert frames == 40 and st["frames"] == 40
    assert st["backend"] == "scalar"
    assert st["pool_budget_bytes"] == 64 << 20
    assert [s["name"] for s in st["stages"]] == p.stage_names() == [
        "synth", "debayer", "queue"]
    for s in st["stages"]:
        assert STAGE_KEYS <= set(s)
        assert s["p50_ns"] <= s["p99_ns"] <= s["max_ns"]
    assert st["stages"][1]["frames"] == 40
    assert st["stages"][1]["threads"] == 1
    assert st["stages"][1]["frames_split"] == 0
    assert st["pools"] and all(POOL_KEYS <= set(q) for q in st["pools"])
    assert all(q["in_use"] == 0 for q in st["pools"])
    assert all(0 <= q["reuse_ratio"] <= 1 for q in st["pools"])
    assert st["python"] == {"frames_alive": 0, "bytes_alive": 0}
    assert st["peak_rss_bytes"] > 0
    json.dumps(st)  # plain data only
    if SANITIZE:
        assert st["heap_allocs_after_warmup"] is None
    else:
        # Counted (the library's own malloc calls) and zero per frame.
        assert st["heap_allocs_after_warmup"] == 0
        assert st["frames_after_warmup"] == 40 - 16


def test_threads_split_is_counted():
    # threads=2 on 1080p frames: every frame split, counted per stage.
    with sp.Pipeline("synth frames=3 lidar=false width=1920 height=1080 "
                     "! debayer threads=2", backend="simd") as p:
        assert sum(1 for _ in p) == 3
        st = p.stats()
    deb = st["stages"][1]
    assert deb["threads"] == 2 and deb["frames_split"] == 3


def test_library_allocations_are_counted():
    if SANITIZE:
        return
    assert sp._sensorpipe._alloc_counting()
    before = sp._sensorpipe._alloc_count()
    p = sp.Pipeline("synth frames=1 ! voxel leaf=0.5")
    assert sp._sensorpipe._alloc_count() > before  # stages, registry ...
    p.close()


def test_report_and_notes():
    bag = data_path("ros1/sick_rms1000_lms1000_bz2.bag")
    with sp.Pipeline(f"bag path={bag}") as p:
        n = sum(1 for _ in p)
    assert n > 0
    notes = p.notes()
    assert any("messages not decoded" in text for text, _ in notes), notes
    table = p.report()
    assert "stage" in table and "pools:" in table
    doc = json.loads(p.report(format="json"))
    assert doc["frames"] == n
    assert [(d["text"], d["times"]) for d in doc["notes"]] == notes


def test_memory_report_lists_live_pipelines():
    p = sp.Pipeline("synth frames=3 camera=false")
    f = next(p)
    buf = io.StringIO()
    sp.memory_report(file=buf)
    text = buf.getvalue()
    assert f"pipeline '{p.launch}': 1 frames held by Python" in text
    assert "pool" in text and "in use" in text and "total:" in text
    ms = [m for m in sp.memory_stats() if m["launch"] == p.launch]
    assert ms and ms[0]["frames_alive"] == 1
    assert ms[0]["bytes_alive"] == f.nbytes
    del f
    p.close()
    del p
    collect()
    assert not [m for m in sp.memory_stats()
                if m["launch"] == "synth frames=3 camera=false"]
