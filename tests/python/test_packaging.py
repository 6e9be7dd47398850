"""Installing the package the two ways: `make install` (the `python` component
of this build into a scratch prefix, at the path the interpreter searches for
that prefix) and `pip install --target` from a copy of the checkout (a
second, complete build of the library: skipped with SP_TEST_PIP=OFF and in
sanitizer builds). Each installed copy is imported by a fresh interpreter
that sees nothing of this build, and runs a pipeline."""
# ctest-timeout: 1200

import os
import pathlib
import re
import shutil
import subprocess
import sys

import pytest

from conftest import BUILD, ROOT, SANITIZE

PROBE = ("import sensorpipe as sp, sys\n"
         "with sp.Pipeline('synth frames=2 camera=false ! voxel leaf=0.3') as p:\n"
         "    n = [f.points.count for f in p]\n"
         "assert len(n) == 2 and n[0] > 1000, n\n"
         "extra = {k for k in dir(sp) if not k.startswith('_')}"
         " ^ set(sp.__all__)\n"
         "assert not extra, extra  # the public names are __all__, no more\n"
         "print(sp.__file__)\n")


def probe(site):
    """Imports sensorpipe from `site` only, from another folder."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(site)
    r = subprocess.run([sys.executable, "-c", PROBE], cwd="/", env=env,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().startswith(str(site)), r.stdout
    return r


def cache_value(name):
    text = (BUILD / "CMakeCache.txt").read_text()
    m = re.search(rf"^{name}:[A-Z]+=(.*)$", text, re.M)
    return m.group(1) if m else None


def test_make_install(tmp_path):
    prefix = tmp_path / "prefix"
    r = subprocess.run(["cmake", "--install", str(BUILD), "--prefix", str(prefix),
                        "--component", "python"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    rel = cache_value("SP_PYTHON_INSTALL_DIR")
    site = prefix / rel
    assert (site / "sensorpipe" / "_sensorpipe.abi3.so").exists()
    assert (site / "sensorpipe" / "__init__.py").exists()
    probe(site)  # (a sanitizer build's module needs LD_PRELOAD: inherited)
    # For the default prefixes the folder is one the interpreter searches.
    paths = subprocess.run([sys.executable, "-c", "import sys; print('\\n'.join(sys.path))"],
                           capture_output=True, text=True, env={}).stdout.split()
    for p in ("/usr/local", "/usr"):
        if os.path.join(p, rel) not in paths:
            pytest.fail(f"{os.path.join(p, rel)} is not on {sys.executable}'s "
                        f"sys.path {paths}")


def copy_checkout(dst):
    skip = shutil.ignore_patterns(".git", "build*", "node_modules", "__pycache__",
                                  "*.egg-info", "out", "sensorpipe-demo")
    shutil.copytree(ROOT, dst, ignore=skip, symlinks=True)


def test_pip_install_target(tmp_path):
    if os.environ.get("SP_TEST_PIP", "1") in ("0", "OFF", "FALSE", "false"):
        pytest.skip("SP_TEST_PIP=OFF: the pip build is not tested here")
    if SANITIZE:
        pytest.skip("sanitizer build: pip builds a normal copy, tested in "
                    "the normal build")
    for mod in ("pip", "setuptools", "wheel"):
        r = subprocess.run([sys.executable, "-c", f"import {mod}"],
                           capture_output=True)
        if r.returncode:
            pytest.skip(f"{mod} is not installed for {sys.executable} "
                        f"(Debian: python3-pip python3-setuptools python3-wheel)")
    src = tmp_path / "checkout"
    copy_checkout(src)
    target = tmp_path / "site"
    env = dict(os.environ, SP_PIP_JOBS=os.environ.get("SP_PIP_JOBS", "2"))
    env.pop("PYTHONPATH", None)
    r = subprocess.run([sys.executable, "-m", "pip", "install", "--no-build-isolation",
                        "--no-deps", "--no-cache-dir", "--no-index", "--quiet",
                        "--target", str(target), str(src)],
                       capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-4000:]
    so = target / "sensorpipe" / "_sensorpipe.abi3.so"
    assert so.exists()
    # Only the module's entry point is exported: the library is inside.
    nm = subprocess.run(["nm", "-D", "--defined-only", str(so)],
                        capture_output=True, text=True)
    if nm.returncode == 0:
        assert [ln.split()[-1] for ln in nm.stdout.splitlines()] == ["PyInit__sensorpipe"]
    # Nothing of the checkout or this build is needed any more.
    shutil.rmtree(src)
    probe(target)
