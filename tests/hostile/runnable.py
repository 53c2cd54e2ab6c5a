# SPDX-License-Identifier: Apache-2.0
"""Targets run as nobody from copies nobody can reach. The build tree may
lie in a directory only root may enter (`mktemp -d` makes one 0700, and a
fresh clone there is how the suite is run): the executable, and the
libraries of the build it loads through its RUNPATH, are copied into one
world-readable directory, and the target finds them there through
LD_LIBRARY_PATH (searched before RUNPATH)."""
import atexit
import os
import re
import shutil
import subprocess
import tempfile

_stage = None


def _stage_dir():
    global _stage
    if _stage is None:
        _stage = tempfile.mkdtemp(prefix="hostile-stage-")
        os.chmod(_stage, 0o755)
        atexit.register(shutil.rmtree, _stage, True)
    return _stage


def _build_libraries(executable):
    """(name, path) of each DT_NEEDED library found in the executable's
    RUNPATH (or RPATH) directories: the build's own."""
    done = subprocess.run(["readelf", "-dW", executable], capture_output=True, text=True,
                          check=True)
    dirs = [d for m in re.findall(r"\((?:RUNPATH|RPATH)\)\s+Library r(?:un)?path: \[([^]]*)\]",
                                   done.stdout) for d in m.split(":") if d]
    needed = re.findall(r"\(NEEDED\)\s+Shared library: \[([^]]*)\]", done.stdout)
    return [(name, os.path.join(d, name)) for name in needed for d in dirs
            if os.path.exists(os.path.join(d, name))]


def runnable(executable):
    """The path of a copy of executable that nobody can run, next to copies
    of the build's libraries it needs."""
    stage = _stage_dir()
    copy = os.path.join(stage, os.path.basename(executable))
    if not os.path.exists(copy):
        for name, path in _build_libraries(executable):
            target = os.path.join(stage, name)
            if not os.path.exists(target):
                shutil.copyfile(path, target)
                os.chmod(target, 0o644)
        shutil.copyfile(executable, copy)
        os.chmod(copy, 0o755)
    return copy


def environment(base=None):
    """The environment a staged target runs in."""
    env = dict(os.environ if base is None else base)
    env["LD_LIBRARY_PATH"] = _stage_dir()
    return env
