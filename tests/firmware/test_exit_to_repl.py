"""EXIT_TO_REPL under the real MicroPython firmware: version-checked, refused while the servos
are powered, else acknowledged, after which the control loop returns (main.py ends: a board
drops to its REPL, the co-simulation's firmware process exits)."""

from __future__ import annotations

import pytest

from conftest import Host, nack_error
from mnsu import wire as c
from mnsu.cosim import CoSimError


def test_exit_to_repl_refusals_then_the_loop_returns(host: Host) -> None:
    host.run(0.05)
    wrong = host.request(c.EXIT_TO_REPL, bytes([c.PROTOCOL_VERSION + 1]))
    assert nack_error(wrong) == c.ERR_BAD_VERSION
    assert c.unpack_nack(wrong[4])[3] == c.PROTOCOL_VERSION + 1  # detail: the version sent
    assert nack_error(host.request(c.EXIT_TO_REPL, b"")) == c.ERR_BAD_LENGTH

    assert host.request(c.MODE, c.pack_mode(c.MODE_HOLD))[1] == c.ACK
    host.run(0.05)
    assert host.last_telemetry()["flags"] & c.FLAG_SERVOS_ON
    assert nack_error(host.request(c.EXIT_TO_REPL, c.pack_exit_to_repl())) == c.ERR_WRONG_MODE
    host.run(0.05)  # still running
    ticks = host.last_telemetry()["ticks"]

    assert host.request(c.MODE, c.pack_mode(c.MODE_IDLE))[1] == c.ACK
    host.run(0.05)
    assert not host.last_telemetry()["flags"] & c.FLAG_SERVOS_ON
    assert host.last_telemetry()["ticks"] > ticks
    seq = host.send(c.EXIT_TO_REPL, c.pack_exit_to_repl())
    with pytest.raises(CoSimError, match=r"firmware exited \(code 0\)"):
        host.sim.run_for(0.1)  # the firmware's main() returned: no more ticks
    host.poll()
    answer = host.reply_to(seq)
    assert answer is not None and answer[1] == c.ACK
    assert (c.LOG_INFO, "exit to REPL: control loop stopped") in host.logs()
    assert host.sim.servo_pulses() == [0.0, 0.0]  # outputs off
