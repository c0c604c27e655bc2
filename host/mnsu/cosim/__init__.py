"""Co-simulation of the firmware (device/) under MicroPython against the circuit emulator."""

from mnsu.cosim.harness import CoSim, CoSimError
from mnsu.paths import DEFAULT_BOARD, DEVICE_DIR

__all__ = ["DEFAULT_BOARD", "DEVICE_DIR", "CoSim", "CoSimError"]
