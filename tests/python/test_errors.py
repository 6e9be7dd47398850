"""Errors are Python exceptions carrying the library's message: one class
per status under sensorpipe.Error, each also the built-in exception it
means (ValueError, FileNotFoundError, MemoryError ...); and a pipeline
pulled by two threads at once is refused, not corrupted."""

import threading
import time

import numpy as np
import pytest

import sensorpipe as sp
from conftest import collect, data_path, in_use


def test_hierarchy():
    assert issubclass(sp.NotFound, FileNotFoundError)
    assert issubclass(sp.FormatError, ValueError)
    assert issubclass(sp.InvalidArgument, ValueError)
    assert issubclass(sp.OutOfRange, ValueError)
    assert issubclass(sp.BudgetExceeded, MemoryError)
    assert issubclass(sp.OutOfMemory, MemoryError)
    assert issubclass(sp.IOFailure, OSError)
    assert issubclass(sp.Timeout, TimeoutError)
    assert issubclass(sp.Busy, RuntimeError)
    for cls in (sp.NotFound, sp.FormatError, sp.BudgetExceeded, sp.Busy,
                sp.Canceled, sp.OpenCLError):
        assert issubclass(cls, sp.Error)


def test_unknown_stage_names_the_column_and_a_close_match():
    with pytest.raises(FileNotFoundError) as ei:
        sp.Pipeline("synth frames=1 ! voxl leaf=0.2")
    e = ei.value
    assert isinstance(e, sp.NotFound)
    assert str(e) == ("launch string, column 18: unknown stage 'voxl', "
                      "did you mean 'voxel'?")
    assert e.status == -9 and e.code == "SP_ENOTFOUND" and e.column == 18


def test_syntax_and_value_errors():
    with pytest.raises(sp.FormatError) as ei:
        sp.Pipeline("synth frames=")
    assert ei.value.column == 14 and "expected a value after 'frames='" in str(ei.value)
    with pytest.raises(ValueError, match="property 'width' = '100000': out of "
                                         "range, expected an integer in 2..16384"):
        sp.Pipeline("synth width=100000")
    with pytest.raises(ValueError, match="backend 'cuda'"):
        sp.Pipeline("synth", backend="cuda")
    with pytest.raises(ValueError, match="budget '12 parsecs'"):
        sp.Pipeline("synth", budget="12 parsecs")


def test_missing_file():
    with pytest.raises(FileNotFoundError,
                       match="stage 'kitti': /nonexistent/drive: no such folder"):
        sp.Pipeline("kitti path=/nonexistent/drive")


def test_damaged_file_fails_when_pulled_naming_file_and_byte(tmp_path):
    bad = tmp_path / "bad.bin"
    bad.write_bytes(b"0123456789")
    with pytest.raises(sp.FormatError) as ei:
        with sp.Pipeline(f"bin path={bad}") as p:
            list(p)
    assert str(ei.value).startswith(f"stage 'bin': {bad}: byte 0: file of 10 bytes")
    assert ei.value.code == "SP_EFORMAT" and ei.value.column is None


def test_cut_log_delivers_frames_before_the_damage(tmp_path):
    src = data_path("ros1/sick_rms1000_lms1000_bz2.bag").read_bytes()
    cut = tmp_path / "cut.bag"
    cut.write_bytes(src[: len(src) * 2 // 3])
    got = []
    with pytest.raises(sp.Error) as ei:
        with sp.Pipeline(f"bag path={cut} topics=/cloud") as p:
            for f in p:
                got.append(f.seq)
    assert str(cut) in str(ei.value)
    # The iteration is over after the error; later pulls give nothing.
    assert list(p) == []


def test_budget_exceeded_is_a_memory_error():
    with pytest.raises(MemoryError) as ei:
        with sp.Pipeline("synth frames=2", budget="64k") as p:
            next(p)
    assert isinstance(ei.value, sp.BudgetExceeded)
    assert "budget 64.0 KiB exceeded" in str(ei.value)
    assert ei.value.code == "SP_EBUDGET"


def test_kernel_errors():
    pts = np.zeros((10, 4), np.float32)
    with pytest.raises(sp.InvalidArgument, match="voxel: leaf 0,0,0: expected "
                                                 "every size > 0 and finite"):
        sp.voxel(pts, 0)
    with pytest.raises(ValueError, match=r"crop: y=50:40 is not a range, expected min <= max"):
        sp.crop(pts, y=(50, 40))
    with pytest.raises(ValueError, match=r"expected \(N, 3\) or \(N, 4\)"):
        sp.voxel(np.zeros((10, 7), np.float32), 0.2)
    with pytest.raises(ValueError, match="no channel z"):
        sp.voxel({"x": pts[:, 0], "y": pts[:, 1]}, 0.2)
    with pytest.raises(ValueError, match="expected an \\(H, W\\) uint8 or uint16"):
        sp.debayer(np.zeros((4, 4), np.float32))
    with pytest.raises(ValueError, match="backend 'gpu'"):
        sp.voxel(pts, 0.2, backend="gpu")


def test_two_threads_at_once_are_refused():
    # Each pull debayers a large image: the first thread spends its time in
    # C pulls (the GIL released) while the second tries to pull too.
    p = sp.Pipeline("synth lidar=false frames=200 width=4000 height=3000 ! debayer")
    stop = threading.Event()
    pulled = []

    def worker():
        for f in p:
            pulled.append(f.seq)
            if stop.is_set():
                break

    t = threading.Thread(target=worker)
    t.start()
    refused = None
    deadline = time.monotonic() + 20
    while refused is None and time.monotonic() < deadline:
        try:
            next(p)
        except sp.Busy as e:
            refused = e
        except StopIteration:
            break
    stop.set()
    t.join()
    assert refused is not None, "no pull was refused"
    assert "another thread is pulling it" in str(refused)
    assert isinstance(refused, RuntimeError) and refused.code == "SP_EBUSY"
    # The pipeline is intact: seq numbers strictly increasing, no frame twice.
    assert pulled == sorted(set(pulled))
    p.close()
    collect()
    assert in_use(p) == 0
