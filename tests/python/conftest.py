"""Shared helpers of the Python tests (run by CTest: `ctest -L python`).

CTest sets PYTHONPATH to the build tree's package (build/python) and the
SP_* variables below. By hand, from the project root:

    PYTHONPATH=build/python /usr/bin/python3 -m pytest tests/python -q

Real data comes from SP_TEST_DATA (default ../shared/data); a test that
needs a file that is absent skips, naming it.
"""

import gc
import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(os.environ.get("SP_SOURCE_DIR",
                                   pathlib.Path(__file__).resolve().parents[2]))
BUILD = pathlib.Path(os.environ.get("SP_TEST_BINARY_DIR", ROOT / "build"))

try:
    import sensorpipe  # noqa: F401
except ImportError:
    sys.path.insert(0, str(BUILD / "python"))

SANITIZE = os.environ.get("SP_SANITIZE", "0") in ("1", "ON", "TRUE", "true")


def data_path(rel):
    """A file of the shared data folder, or skip naming it."""
    base = pathlib.Path(os.environ.get("SP_TEST_DATA", ROOT.parent / "shared" / "data"))
    p = base / rel
    if not p.exists():
        pytest.skip(f"{rel} absent (SP_TEST_DATA={base})")
    return p


def cli_path():
    p = pathlib.Path(os.environ.get("SP_CLI", BUILD / "cli" / "sensorpipe"))
    if not p.exists():
        pytest.skip(f"the sensorpipe command is not built ({p})")
    return p


def run_cli(*args, **kw):
    """Runs the sensorpipe command; returns the CompletedProcess (checked)."""
    r = subprocess.run([str(cli_path()), *args], capture_output=True,
                       text=True, **kw)
    assert r.returncode == 0, f"sensorpipe {' '.join(args)}: {r.stderr}"
    return r


def in_use(p):
    """Blocks of the pipeline's pools referenced now."""
    return sum(q["in_use"] for q in p.pools())


def collect():
    gc.collect()
    gc.collect()


def child_env():
    """The environment for a child interpreter that imports sensorpipe as
    this one does."""
    env = dict(os.environ)
    import sensorpipe
    pkg = str(pathlib.Path(sensorpipe.__file__).resolve().parents[1])
    env["PYTHONPATH"] = pkg + os.pathsep + env.get("PYTHONPATH", "")
    return env
