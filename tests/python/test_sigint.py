"""Ctrl-C: SIGINT sent to a child interpreter stops its pipeline, while it
is blocked in a pull (waiting on a queue, or inside run()), raises
KeyboardInterrupt, and every block goes back to its pool; with SIGINT
ignored, nothing is stopped."""
# ctest-timeout: 180

import json
import signal
import subprocess
import sys
import textwrap
import time

from conftest import child_env

CHILD = textwrap.dedent("""
    import gc, json, os, signal, sys, threading, time
    import sensorpipe as sp

    mode = sys.argv[1]
    # As in a terminal, whatever the test runner left (a background job
    # starts with SIGINT ignored).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    # ~0.15 s per synthetic 2000x1500 frame: far longer than the test if
    # nothing stops it.
    p = sp.Pipeline("synth lidar=false frames=100000 width=2000 height=1500 "
                    "! queue depth=2 ! debayer")
    res = {"interrupted": False}
    f = next(p)
    if mode == "ignored":
        # The debayer stage's OpenCL probe lets LLVM put its own handler
        # in front of SIG_IGN: still, Ctrl-C must stop nothing.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        p2 = sp.Pipeline("synth lidar=false frames=6 width=2000 height=1500 "
                         "! debayer")
        threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGINT)).start()
        res["run"] = p2.run()
        p2.close()
    print("ready", flush=True)
    t0 = time.monotonic()
    try:
        if mode == "iterate":
            for f in p:
                pass
        elif mode == "run":
            res["run"] = p.run()
    except KeyboardInterrupt:
        res["interrupted"] = True
    res["after_s"] = time.monotonic() - t0
    res["frames"] = p.stats()["frames"]
    p.close()
    del f
    gc.collect()
    res["in_use"] = sum(q["in_use"] for q in p.pools())
    res["frames_alive"] = p.frames_alive
    print(json.dumps(res), flush=True)
""")


def run_child(mode, delay=0.5):
    proc = subprocess.Popen([sys.executable, "-c", CHILD, mode],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=child_env())
    try:
        line = proc.stdout.readline()
        assert line.strip() == "ready", (line, proc.stderr.read())
        if mode != "ignored":
            time.sleep(delay)
            sent = time.monotonic()
            proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
        took = time.monotonic() - sent if mode != "ignored" else 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    return json.loads(out.strip().splitlines()[-1]), took


def test_ctrl_c_while_iterating():
    res, took = run_child("iterate")
    assert res["interrupted"], res
    assert res["in_use"] == 0 and res["frames_alive"] == 0, res
    assert took < 20, took


def test_ctrl_c_inside_run_stops_the_c_loop():
    # run() pulls in C without returning to Python: only the handler's
    # sp_pipeline_stop() can end it before its 100,000 frames.
    res, took = run_child("run")
    assert res["interrupted"], res
    assert "run" not in res
    assert res["frames"] < 1000, res
    assert res["in_use"] == 0, res
    assert took < 20, took


def test_ignored_sigint_stops_nothing():
    res, _ = run_child("ignored")
    assert res.get("run") == 6, res
