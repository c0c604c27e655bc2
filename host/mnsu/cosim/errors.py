"""The co-simulation's errors, apart from the machinery that raises them, so that a caller
which only catches them (the ROS node on a real board) imports neither the emulator nor the
firmware harness."""

from __future__ import annotations


class CoSimError(RuntimeError):
    """The firmware process stopped, hung or broke the co-simulation protocol."""


class VirtualBoardError(RuntimeError):
    """The virtual board cannot start or stopped."""
