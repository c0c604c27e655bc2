"""The virtual board inside the bridge's process (port "virtual"), and the board file's names.

`InProcessVirtualBoard` runs mnsu.cosim.virtual_board.VirtualBoard (emulator + the unmodified
firmware under MicroPython + leg model) paced in real time on a thread of this process, behind
a pty that the session's link opens like any serial port.
"""

from __future__ import annotations

import logging
import signal
import sys
from pathlib import Path
from typing import Protocol

from mnsu.cosim.errors import VirtualBoardError
from mnsu.paths import DEFAULT_BOARD
from mnsu.robot.models import LEG_MODELS, JointState

log = logging.getLogger("mnsu_ros")


class VirtualBoardLike(Protocol):
    @property
    def port(self) -> str: ...

    def close(self) -> None: ...

    def joint_state(self) -> JointState | None:
        """The leg's measured joints (physics leg), None when it measures none."""
        ...

    @property
    def bytes_dropped(self) -> int:
        """Bytes the board could not hand to the pty (nobody reading, or a full buffer)."""
        ...


SWITCH_INTERVAL_S = 0.0002  # s: interpreter-lock hand-over while a virtual board runs here


class InProcessVirtualBoard:
    """mnsu.cosim.virtual_board.VirtualBoard paced in real time on a thread of this process."""

    def __init__(self, board_file: str, leg_model: str = "kinematic") -> None:
        from mnsu.cosim.virtual_board import VirtualBoard

        # The firmware runs in a child process. Ctrl-C in a terminal (or `timeout`) signals
        # the whole process group; with SIGINT/SIGTERM blocked while the child is spawned it
        # inherits them blocked, keeps running, and the node can still command the safe pose
        # on its way out (the child is then killed explicitly).
        # The board thread makes thousands of short blocking pipe calls per second to the
        # firmware; each must win the interpreter lock back from the executor threads, which
        # by default hold it up to 5 ms: measured, the real-time board then ran at 0.03x.
        # A 0.2 ms switch interval lets it keep real time (measured 1.00x).
        sys.setswitchinterval(min(sys.getswitchinterval(), SWITCH_INTERVAL_S))
        blocked = {signal.SIGINT, signal.SIGTERM}
        old = signal.pthread_sigmask(signal.SIG_BLOCK, blocked)
        try:
            self.board = VirtualBoard(
                board_file or DEFAULT_BOARD, realtime=True, leg_model=leg_model
            )
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, old)
        self.board.start()

    @property
    def port(self) -> str:
        return self.board.path

    @property
    def bytes_dropped(self) -> int:
        return self.board.bytes_dropped

    def joint_state(self) -> JointState | None:
        """The physics leg's joints at its last completed control tick (rad, rad/s, N m);
        None for the kinematic leg, whose angles are the servo commands."""
        return self.board.joint_state()

    def close(self) -> None:
        try:
            self.board.stop()
        except VirtualBoardError as exc:
            log.warning("%s", exc)


def start_virtual_board(board_file: str, leg_model: str = "kinematic") -> VirtualBoardLike:
    """A virtual board (emulator + firmware under MicroPython + leg) behind a pty, real time;
    leg_model: "kinematic" or "physics" (MuJoCo, mnsu.robot.models.LEG_MODELS)."""
    if leg_model not in LEG_MODELS:
        raise VirtualBoardError(
            f"leg_model must be one of {', '.join(LEG_MODELS)}; got {leg_model!r}"
        )
    return InProcessVirtualBoard(board_file, leg_model)


def board_probe_names(board_file: str) -> dict[int, str]:
    """{ADC channel: neuron name} from a board file's probes; {} when there is none."""
    if not board_file:
        board_file = str(DEFAULT_BOARD)
    if not Path(board_file).is_file():
        return {}
    from mnsu.circuit.board import load_board

    board = load_board(board_file)
    return {p.adc: p.neuron for p in board.probes}


def board_urdf(board_file: str) -> str | None:
    """The URDF of the board file's leg (`mnsu urdf`'s generator, the one source); None when
    the file is missing or has no two-joint leg."""
    if not board_file:
        board_file = str(DEFAULT_BOARD)
    if not Path(board_file).is_file():
        return None
    from mnsu.circuit.board import load_board
    from mnsu.robot.description import DescriptionError, urdf

    try:
        return urdf(load_board(board_file))
    except DescriptionError as exc:
        log.warning("no robot_description: %s", exc)
        return None


def board_joint_names(board_file: str) -> tuple[str, str] | None:
    if not board_file:
        board_file = str(DEFAULT_BOARD)
    if not Path(board_file).is_file():
        return None
    from mnsu.circuit.board import load_board

    board = load_board(board_file)
    if board.leg is None or len(board.leg.joints) != 2:
        return None
    return (board.leg.joints[0].name, board.leg.joints[1].name)
