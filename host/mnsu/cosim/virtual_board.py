"""The virtual board: emulated CPG board + unmodified firmware under MicroPython + leg model,
behind a pseudo-terminal that any serial tool (the link, mpremote-free tools, ROS) can open.

    vb = VirtualBoard("examples/leg.yaml", realtime=False)
    vb.start()                  # runs on a thread; vb.path is the serial port to open
    ...                         # Link(vb.path) ...
    vb.unplug(); vb.replug()    # the pty disappears and comes back (a USB re-plug)
    vb.stop()

Each control tick of the firmware (the co-simulation harness, mnsu.cosim) advances the leg
model to the tick's virtual time with the servo pulse widths the firmware outputs, and feeds the
leg's foot switch back to the firmware's contact pin. Serial bytes move between the firmware's
stdin/stdout and the pty master every `io_ticks` ticks.

`path` is a stable symlink to the current /dev/pts/N (as udev gives a real board a stable
name): after replug() it points at the new pty. Output written while no host has the port
open is dropped (counted in `bytes_dropped`); while a host has it open, the board waits for the
host to read (USB flow control), so as-fast-as-possible runs lose nothing.

Pacing: realtime=True runs virtual time at `speed` x wall time (people, ROS); False runs as fast
as the interpreter allows (tests; virtual time is what the assertions use). In the fast mode,
while a host has the port open, the board runs at most `host_lead_s` of virtual time past the
last bytes it received from the host (a host feeding heartbeats keeps it going; it waits at
most 0.25 s wall, then runs on): otherwise the pty's buffer would let it run seconds ahead of
the host and the firmware's link watchdog would fire on heartbeats that are on their way.
"""

from __future__ import annotations

import bisect
import errno
import math
import os
import random
import select
import tempfile
import threading
import time
import tty
from pathlib import Path
from typing import Any

from mnsu.circuit.board import Board, load_board
from mnsu.cosim.errors import VirtualBoardError
from mnsu.cosim.harness import CoSim
from mnsu.paths import DEFAULT_BOARD
from mnsu.robot.leg import Leg, LegState, PendulumSpec, ServoSpec
from mnsu.robot.models import LEG_MODELS, JointState
from mnsu.robot.physics import PhysicsLeg
from mnsu.robot.quadruped import PhysicsQuadruped

HISTORY_CHECK_S = 5.0  # board time between two trims of the logs


class VirtualBoard:
    """Emulator + firmware + leg behind a pty. See the module docstring.

    board: board file or Board (needs a `leg` section, or `legs`: a board of two or more legs
    runs the physics quadruped, mnsu.robot.quadruped, whatever leg_model says; its servo
    channel 2k + j drives leg k's joint j, its foot switch k contact pin k); seed: emulator
    noise seed.
    realtime / speed: pacing. leg_model: "kinematic" (mnsu.robot.leg: the hip on a stand,
    kinematic contact) or "physics" (mnsu.robot.physics: MuJoCo, the leg walks on its rig).
    terrain_m: uneven ground; kinematic: each lift-off draws a new ground height uniform in
    [-terrain_m, +terrain_m]; physics: a height field of bumps 0..terrain_m (both seeded by
    `seed`). pendulum: a pendular hip (kinematic model). link_dir: directory of the `tty`
    symlink (a temporary one when omitted).
    history_s: the servo log, contact log and the emulator's spike lists keep this much board
    time (checked every HISTORY_CHECK_S), so a day-long run needs no more memory than a minute.
    """

    def __init__(
        self,
        board: str | Path | Board = DEFAULT_BOARD,
        *,
        seed: int = 1,
        realtime: bool = False,
        speed: float = 1.0,
        terrain_m: float = 0.0,
        servo: ServoSpec | None = None,
        pendulum: PendulumSpec | None = None,
        leg_model: str = "kinematic",
        io_ticks: int = 4,
        host_lead_s: float | None = 0.15,
        link_dir: str | Path | None = None,
        flash_dir: str | Path | None = None,
        history_s: float = 60.0,
    ) -> None:
        self.board = board if isinstance(board, Board) else load_board(str(board))
        if not self.board.legs:
            raise VirtualBoardError(
                f"{self.board.source}: the virtual board needs a `leg` section (or `legs`)"
            )
        if not speed > 0:
            raise VirtualBoardError(f"speed must be > 0, got {speed!r}")
        if leg_model not in LEG_MODELS:
            raise VirtualBoardError(f"leg model must be one of {LEG_MODELS}, got {leg_model!r}")
        self.sim = CoSim(self.board, seed=seed, flash_dir=flash_dir)
        self.physics: PhysicsLeg | None = None
        # a board with a `legs` section of several legs: the physics quadruped
        self.quadruped: PhysicsQuadruped | None = None
        self.leg: Leg | PhysicsLeg | PhysicsQuadruped
        if len(self.board.legs) > 1:
            if terrain_m != 0.0:
                raise VirtualBoardError(
                    f"{self.board.source}: a board of {len(self.board.legs)} legs runs the "
                    "physics quadruped on flat ground only (no terrain)"
                )
            self.quadruped = PhysicsQuadruped(self.board)
            self.leg = self.quadruped
        elif leg_model == "physics":
            self.physics = PhysicsLeg(self.board, terrain_m=terrain_m, seed=seed)
            self.leg = self.physics
        else:
            if self.board.leg is None:
                raise VirtualBoardError(
                    f"{self.board.source}: a `legs` section of one leg: write it as `leg`"
                )
            self.leg = Leg(self.board.leg, servo=servo, pendulum=pendulum)
        self.realtime = realtime
        self.speed = speed
        self.terrain_m = terrain_m
        self._rng = random.Random(seed)
        self.io_ticks = max(1, io_ticks)
        self.host_lead_s = host_lead_s
        self._host_rx_t = 0.0  # virtual time of the last bytes from the host
        self.host_waits = 0  # times the fast mode waited for the host
        self._own_dir = link_dir is None
        self.link_dir = (
            Path(tempfile.mkdtemp(prefix="mnsu-vb-")) if link_dir is None else Path(link_dir)
        )
        self.path = str(self.link_dir / "tty")
        self.bytes_dropped = 0
        self.bytes_to_host = 0
        self.bytes_from_host = 0
        self.state: LegState = self.leg.state()
        self.contact_log: list[tuple[float, bool]] = []  # (virtual t, contact) at each change
        self.history_s = history_s
        self._trimmed_at = 0.0
        measured = self.physics or self.quadruped
        self._joint_state = measured.joint_state() if measured is not None else None
        self._pushes: list[tuple[float, float]] = []  # (board time, N s), sorted, not yet applied
        self._push_lock = threading.Lock()
        self.pushes_applied: list[tuple[float, float]] = []  # (board time, N s)
        self._master: int | None = None
        self.pty_path = ""
        self._pending = bytearray()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._unplug = threading.Event()
        self._replug = threading.Event()
        self._reset_done: threading.Event | None = None  # a soft_reset() waiting for the thread
        # Set when the thread's run ends. Thread.join is not enough: a KeyboardInterrupt inside
        # join() can leave the Thread marked as stopped while it still runs.
        self._finished = threading.Event()
        self.soft_resets = 0
        self.error: BaseException | None = None
        self._open_pty()

    # ------------------------------------------------------------ pty
    def _open_pty(self) -> None:
        master, slave = os.openpty()
        tty.setraw(slave)
        self.pty_path = os.ttyname(slave)
        os.close(slave)  # a host opens it by path; holding it would hide hang-ups
        os.set_blocking(master, False)
        self._master = master
        tmp = self.link_dir / "tty.new"
        if tmp.is_symlink() or tmp.exists():
            tmp.unlink()
        os.symlink(self.pty_path, tmp)
        os.replace(tmp, self.path)

    def _close_pty(self) -> None:
        if self._master is not None:
            os.close(self._master)
            self._master = None
        self._pending.clear()
        if os.path.lexists(self.path):
            os.unlink(self.path)

    def unplug(self) -> None:
        """Close the pty (the port disappears, as on a USB unplug); the board keeps running."""
        if self._thread is None:
            self._close_pty()
        else:
            self._unplug.set()

    def replug(self) -> None:
        """Open a new pty and point `path` at it."""
        if self._thread is None:
            self._open_pty()
        else:
            self._replug.set()

    def soft_reset(self, timeout_s: float = 10.0) -> None:
        """Restart the firmware as a board's reset does (CoSim.soft_reset): same flash, the
        circuit and the leg keep running; the pty stays (as USB CDC stays on a soft reset)."""
        if self._thread is None or not self._thread.is_alive():
            self._soft_reset_now()
            return
        done = threading.Event()
        self._reset_done = done
        if not done.wait(timeout_s):
            raise VirtualBoardError(f"soft reset not done within {timeout_s:g} s")

    def _soft_reset_now(self) -> None:
        self.pump()
        self.sim.soft_reset()
        self.soft_resets += 1

    # ------------------------------------------------------------ running
    @property
    def t(self) -> float:
        """Virtual time (s)."""
        return self.sim.t

    def start(self, duration_s: float | None = None) -> None:
        """Run on a background thread (until stop(), or for duration_s of virtual time)."""
        if self._thread is not None:
            raise VirtualBoardError("virtual board already started")
        end = None if duration_s is None else self.sim.t + duration_s
        self._finished.clear()
        self._thread = threading.Thread(target=self._thread_main, args=(end,), daemon=True)
        self._thread.start()

    def _thread_main(self, end: float | None) -> None:
        try:
            self.run(end)
        except BaseException as exc:  # reported by stop() / error
            self.error = exc
        finally:
            self._finished.set()

    def run(self, until_s: float | None = None) -> None:
        """Run in this thread until virtual time `until_s` (None: until stop())."""
        sim = self.sim
        wall0 = time.monotonic()
        t0 = sim.t
        count = 0
        while not self._stop.is_set() and (until_s is None or sim.t < until_s):
            if self._unplug.is_set():
                self._unplug.clear()
                self._close_pty()
            if self._replug.is_set():
                self._replug.clear()
                if self._master is None:
                    self._open_pty()
            done = self._reset_done
            if done is not None:
                self._reset_done = None
                self._soft_reset_now()
                done.set()
            if self.realtime:
                ahead = (sim.t - t0) / self.speed - (time.monotonic() - wall0)
                if ahead > 0.002:
                    time.sleep(ahead)
            self.tick()
            count += 1
            if count % self.io_ticks == 0:
                self.pump()
                lead = self.host_lead_s
                if not self.realtime and lead is not None and sim.t - self._host_rx_t > lead:
                    self._wait_for_host(lead)
        self.pump()

    def tick(self) -> None:
        """One firmware control tick, with the leg moved to its time."""
        sim = self.sim
        t = sim.step()
        quad = self.quadruped
        if quad is not None:
            for ch in range(2 * quad.n_legs):
                us = sim.servo_pulse_us(ch)
                if us > 0.0:
                    quad.command_servo(ch, us)
            was = self.state.contact
            self.state = quad.advance(t - quad.t) if t > quad.t else quad.state()
            if self.state.contact != was:
                self.contact_log.append((t, self.state.contact))
            for k in range(quad.n_legs):
                sim.set_foot_contact(quad.contact(k), k)
            self._joint_state = quad.joint_state()
            return
        leg = self.leg
        assert not isinstance(leg, PhysicsQuadruped)
        hip_us, knee_us = sim.servo_pulse_us(0), sim.servo_pulse_us(1)
        if hip_us > 0.0:
            leg.command_pulse(leg.joint_names[0], hip_us)
        if knee_us > 0.0:
            leg.command_pulse(leg.joint_names[1], knee_us)
        if self._pushes and self.physics is not None:
            with self._push_lock:
                due = self._pushes.pop(0) if self._pushes[0][0] <= t else None
            if due is not None:
                self.physics.push(due[1])
                self.pushes_applied.append((t, due[1]))
        was = self.state.contact
        self.state = leg.advance(t - leg.t) if t > leg.t else leg.state()
        if self.state.contact != was:
            self.contact_log.append((t, self.state.contact))
            if was and self.terrain_m > 0.0 and isinstance(leg, Leg):
                leg.ground_y = self._rng.uniform(-self.terrain_m, self.terrain_m)
        sim.set_foot_contact(self.state.contact)
        if self.physics is not None:
            self._joint_state = self.physics.joint_state()

    def schedule_push(self, t_board_s: float, impulse_ns: float) -> None:
        """Push the physics leg's carriage with `impulse_ns` N s (negative: backwards) at the
        first control tick at or after board time `t_board_s`. Safe to call from another thread."""
        if self.physics is None:
            raise VirtualBoardError("a push needs the physics leg (leg_model='physics')")
        if not (math.isfinite(t_board_s) and math.isfinite(impulse_ns)):
            raise VirtualBoardError(
                f"push: time and impulse must be finite, got {t_board_s!r}, {impulse_ns!r}"
            )
        with self._push_lock:
            self._pushes.append((t_board_s, impulse_ns))
            self._pushes.sort()

    def joint_state(self) -> JointState | None:
        """Measured hip and knee of the physics leg (rad, rad/s, N m); None for the kinematic
        leg (it measures nothing: its angles are the servos' outputs). Safe to call from another
        thread: it copies the values of the last completed control tick."""
        return self._joint_state

    def _wait_for_host(self, lead: float) -> None:
        master = self._master
        if master is None:
            return
        poller = select.poll()
        poller.register(master, select.POLLIN)
        deadline = time.monotonic() + 0.25
        self.host_waits += 1
        while self.sim.t - self._host_rx_t > lead and time.monotonic() < deadline:
            events = poller.poll(2)
            if events and events[0][1] & select.POLLHUP:
                self._host_rx_t = self.sim.t  # nobody on the port: run freely
                return
            if self._stop.is_set() or self._unplug.is_set():
                return
            self.pump()

    def trim_history(self) -> None:
        """Drop log entries older than history_s of board time (bounded memory)."""
        t = self.sim.t
        self._trimmed_at = t
        cut = t - self.history_s
        self.sim.servo_log[:] = _recent(self.sim.servo_log, cut)
        self.contact_log[:] = _recent(self.contact_log, cut)
        emu = self.sim.emulator
        for lists in (emu.spikes, emu.spike_ends):
            for i, times in enumerate(lists):
                lists[i] = times[bisect.bisect_left(times, cut) :]

    def pump(self) -> None:
        """Move serial bytes between the pty and the firmware."""
        if self.sim.t - self._trimmed_at >= HISTORY_CHECK_S:
            self.trim_history()
        master = self._master
        out = self.sim.read()
        if master is None:
            self.bytes_dropped += len(out)
            return
        while True:
            try:
                data = os.read(master, 4096)
            except BlockingIOError:
                break
            except OSError as exc:
                if exc.errno != errno.EIO:  # EIO: no host has the port open
                    raise
                break
            if not data:
                break
            self.bytes_from_host += len(data)
            self._host_rx_t = self.sim.t
            self.sim.write(data)
        self._pending += out
        self._flush(master)

    def _flush(self, master: int) -> None:
        poller = select.poll()
        poller.register(master, select.POLLOUT)
        deadline = time.monotonic() + 2.0
        while self._pending:
            events = poller.poll(0)
            if events and events[0][1] & select.POLLHUP:
                self.bytes_dropped += len(self._pending)  # no host on the port
                self._pending.clear()
                return
            try:
                n = os.write(master, self._pending)
            except BlockingIOError:
                n = 0
            except OSError as exc:
                if exc.errno != errno.EIO:
                    raise
                self.bytes_dropped += len(self._pending)
                self._pending.clear()
                return
            self.bytes_to_host += n
            del self._pending[:n]
            if self._pending:
                if self._stop.is_set() or self._unplug.is_set() or time.monotonic() > deadline:
                    return  # keep the rest for the next pump
                poller.poll(5)

    def stop(self) -> None:
        """Stop the thread (if any), the firmware and the pty; raises what the thread raised."""
        self._stop.set()
        if self._thread is not None:
            self._finished.wait(timeout=10.0)
            self._thread.join(timeout=1.0)
        self.sim.close()
        self._close_pty()
        if self._own_dir:
            for p in self.link_dir.glob("*"):
                p.unlink()
            self.link_dir.rmdir()
        if self.error is not None and not isinstance(self.error, KeyboardInterrupt):
            raise VirtualBoardError(f"virtual board stopped: {self.error}") from self.error

    def join(self, timeout_s: float | None = None) -> bool:
        """Wait for a start(duration_s) run to end; True if it did."""
        if self._thread is None:
            return True
        return self._finished.wait(timeout_s)

    def __enter__(self) -> VirtualBoard:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _recent(log: list[Any], cut: float) -> list[Any]:
    """The entries of a time-ordered log [(t, ...), ...] at or after `cut`."""
    k = bisect.bisect_left(log, cut, key=lambda entry: entry[0])
    return log[k:]
