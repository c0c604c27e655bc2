"""Co-simulation of the firmware (device/) under MicroPython against the circuit emulator.

`CoSim` is imported on first use (PEP 562), so `mnsu.cosim.errors` can be imported without the
emulator and the harness behind it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mnsu.cosim.errors import CoSimError
from mnsu.paths import DEFAULT_BOARD, DEVICE_DIR

if TYPE_CHECKING:
    from mnsu.cosim.harness import CoSim

__all__ = ["DEFAULT_BOARD", "DEVICE_DIR", "CoSim", "CoSimError"]


def __getattr__(name: str) -> Any:
    if name == "CoSim":
        from mnsu.cosim.harness import CoSim

        return CoSim
    raise AttributeError(f"module 'mnsu.cosim' has no attribute {name!r}")
