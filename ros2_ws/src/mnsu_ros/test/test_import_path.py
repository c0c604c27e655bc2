"""The node on a real board imports what a real board needs: not MuJoCo, not the emulator, not
the co-simulation harness (issue 11: no import of mnsu.cosim internals for a default path)."""

from __future__ import annotations

import subprocess
import sys

from harness import ros_env

HEAVY = ("mujoco", "mnsu.cosim.harness", "mnsu.cosim.virtual_board", "mnsu.circuit.emulator")
PROBE = f"""
import sys
from mnsu_ros import bridge_node, session, virtual, publishing
heavy = [m for m in {HEAVY!r} if m in sys.modules]
print(",".join(heavy) or "none")
"""


def test_the_node_module_imports_no_simulation() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE],
        capture_output=True,
        text=True,
        timeout=120,
        env=ros_env(),
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "none", proc.stdout + proc.stderr
