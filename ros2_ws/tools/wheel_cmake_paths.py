"""Point the ROS 2 wheels' CMake export files at this interpreter's include directories.

The Kilted wheels were built under /opt/python/cp3XX-cp3XX/ and their exported CMake targets
(`share/*/cmake/export_*__rosidl_generator_pyExport.cmake`) name that interpreter's Python and
numpy include directories, which do not exist here, so building an interface package
(ros2_ws/src/mnsu_msgs) fails. This rewrites both paths to the running interpreter's own.
Idempotent: a second run finds nothing to change. Run with the venv's Python:

    .venv/bin/python ros2_ws/tools/wheel_cmake_paths.py
"""

from __future__ import annotations

import re
import sys
import sysconfig
from pathlib import Path

BUILDER = r"/opt/python/cp3\d+-cp3\d+"
PYTHON_INCLUDE = re.compile(BUILDER + r"/include/python3\.\d+")
NUMPY_INCLUDE = re.compile(BUILDER + r"/lib/python3\.\d+/site-packages/numpy/_core/include")


def rewrite(prefix: Path) -> list[Path]:
    """Rewrite the export files under `prefix`; the files changed."""
    import numpy

    python_include = sysconfig.get_paths()["include"]
    numpy_include = numpy.get_include()
    changed = []
    for path in sorted(prefix.glob("share/*/cmake/*.cmake")):
        text = path.read_text()
        new = NUMPY_INCLUDE.sub(numpy_include, PYTHON_INCLUDE.sub(python_include, text))
        if new != text:
            path.write_text(new)
            changed.append(path)
    return changed


def main() -> int:
    prefix = Path(sys.prefix)
    changed = rewrite(prefix)
    print(f"wheel_cmake_paths: {len(changed)} CMake export files under {prefix} rewritten")
    return 0


if __name__ == "__main__":
    sys.exit(main())
