"""The Python package `sensorpipe`, for pip: `pip install .` from a checkout.

The extension module is built by the project's CMake (the same build as
`make`: the library compiled once into libsensorpipe.a and linked into
_sensorpipe.abi3.so, so the installed package needs nothing of this
checkout), then copied where setuptools wants it. Offline, with Debian's
setuptools, wheel and numpy:

    pip install --no-build-isolation .
    pip install --no-build-isolation --no-deps --target DIR .

SP_PIP_JOBS sets the build's parallel jobs (default: every core);
SP_CMAKE_ARGS adds CMake options (e.g. -DSP_WITH_OPENCL=OFF).
"""

import os
import pathlib
import re
import shlex
import shutil
import subprocess
import sys

from setuptools import Extension, find_packages, setup
from setuptools.command.build_ext import build_ext

ROOT = pathlib.Path(__file__).resolve().parent
VERSION = re.search(r"project\(sensorpipe VERSION ([0-9.]+)",
                    (ROOT / "CMakeLists.txt").read_text()).group(1)


class CMakeBuild(build_ext):
    """Builds the extension target with CMake instead of compiling sources."""

    def build_extension(self, ext):
        build = pathlib.Path(self.build_temp).resolve() / "cmake"
        configure = [
            "cmake", "-S", str(ROOT), "-B", str(build),
            "-DCMAKE_BUILD_TYPE=RelWithDebInfo", "-DSP_BUILD_PYTHON=ON",
            "-DSP_BUILD_TESTS=OFF", "-DSP_BUILD_BENCH=OFF",
            f"-DPython3_EXECUTABLE={sys.executable}",
            *shlex.split(os.environ.get("SP_CMAKE_ARGS", "")),
        ]
        jobs = os.environ.get("SP_PIP_JOBS") or str(os.cpu_count() or 2)
        subprocess.run(configure, check=True)
        subprocess.run(["cmake", "--build", str(build), "--target",
                        "sensorpipe_python", "-j", jobs], check=True)
        built = build / "python" / "sensorpipe" / "_sensorpipe.abi3.so"
        dest = pathlib.Path(self.get_ext_fullpath(ext.name))
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(built, dest)


setup(
    name="sensorpipe",
    version=VERSION,
    description="Lidar and camera logs to packed NumPy arrays through lazily "
                "pulled pipelines (C11 library, Python bindings)",
    python_requires=">=3.11",
    install_requires=["numpy"],
    package_dir={"": "python"},
    packages=find_packages("python"),
    include_package_data=False,
    ext_modules=[Extension("sensorpipe._sensorpipe", sources=[],
                           py_limited_api=True)],
    cmdclass={"build_ext": CMakeBuild},
    options={"bdist_wheel": {"py_limited_api": "cp311"},
             "build": {"build_base": "build-pip"}},
    zip_safe=False,
)
