"""Build hook for `pip install .` (pyproject.toml): the extension ccnorm._core is built by CMake.

build_ext configures the repository with the Python component only (tests and CUDA off, the
interpreter that runs pip), builds the target _core, and copies the module into the package.
Extra CMake arguments: CCNORM_CMAKE_ARGS (as for scripts/setup.sh); parallel jobs:
CMAKE_BUILD_PARALLEL_LEVEL. CCNORM_NATIVE=ON (the default) compiles for this machine's CPU, so
the result is not a portable wheel; pass CCNORM_CMAKE_ARGS=-DCCNORM_NATIVE=OFF for one.
"""
import glob
import os
import shlex
import shutil
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = os.path.dirname(os.path.abspath(__file__))


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        tmp = os.path.join(os.path.abspath(self.build_temp), "cmake")
        args = ["-S", ROOT, "-B", tmp, "-DCMAKE_BUILD_TYPE=Release", "-DCCNORM_TESTS=OFF", "-DCCNORM_CUDA=OFF",
                "-DCCNORM_BUILD_PYTHON=ON", "-DPython_EXECUTABLE=" + sys.executable]
        args += shlex.split(os.environ.get("CCNORM_CMAKE_ARGS", ""))
        subprocess.check_call(["cmake"] + args)
        jobs = os.environ.get("CMAKE_BUILD_PARALLEL_LEVEL") or str(os.cpu_count() or 1)
        subprocess.check_call(["cmake", "--build", tmp, "--target", "_core", "-j", jobs])
        built = glob.glob(os.path.join(tmp, "python", "ccnorm", "_core*.so"))
        if len(built) != 1:
            raise RuntimeError("expected one built module under %s, found %s" % (tmp, built))
        dest = self.get_ext_fullpath(ext.name)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        shutil.copyfile(built[0], dest)


setup(
    ext_modules=[Extension("ccnorm._core", sources=[])],
    cmdclass={"build_ext": CMakeBuild},
    options={"build": {"build_base": "build-pip"}},  # not build/, which is the CMake build of the README
)
