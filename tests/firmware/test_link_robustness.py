"""Garbage on the serial input never stops the firmware's loop nor corrupts the next good frame."""

from __future__ import annotations

import random

from mnsu_fw import params as p

from conftest import Host, nack_error
from mnsu import wire as c


def test_garbage_never_stops_the_loop_nor_loses_good_frames(host: Host) -> None:
    sim = host.sim
    assert host.request(c.MODE, c.pack_mode(c.MODE_CPG))[1] == c.ACK
    host.run(0.5)
    rng = random.Random(7)
    tel0 = host.last_telemetry()
    sent: list[tuple[int, int]] = []  # (seq, param id) of good requests
    garbage_bytes = 0
    good = c.encode_frame(c.HEARTBEAT, 0, 0)
    for k in range(150):
        kind = k % 5
        if kind == 0:
            junk = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 300)))
        elif kind == 1:
            junk = b"\x03" * 20 + b"\x04\x02\x01"  # Ctrl-C, Ctrl-D, raw-REPL bytes
        elif kind == 2:
            junk = good[: rng.randrange(1, len(good) - 1)]  # a truncated frame
        elif kind == 3:
            frame = bytearray(c.encode_frame(c.PARAM_GET, 9999, 0, c.pack_param_get(1)))
            frame[rng.randrange(0, len(frame) - 1)] ^= 0x10  # bad CRC or broken COBS
            junk = bytes(frame).replace(b"\x00", b"\x01")[:-1] + b"\x00"
        else:
            junk = bytes(rng.randrange(1, 256) for _ in range(600))  # oversized, no delimiter
        garbage_bytes += len(junk)
        sim.write(junk + b"\x00")  # the delimiter ends the garbage (as a line glitch would)
        pid = rng.randrange(p.COUNT)
        sent.append((host.send(c.PARAM_GET, c.pack_param_get(pid)), pid))
        host.run(0.02, heartbeat=None)
        host.send(c.HEARTBEAT)
    host.run(0.3)
    # every good request got its own, correct answer
    for seq, pid in sent:
        reply = host.reply_to(seq)
        assert reply is not None and reply[1] == c.PARAM_VALUE, (seq, pid)
        assert c.unpack_param_value(reply[4])[1] == pid
    tel = host.last_telemetry()
    assert tel["mode"] == c.MODE_CPG  # no watchdog trip: heartbeats got through too
    assert tel["bad_crc"] + tel["bad_frames"] >= 100
    # the loop kept its rate: no overrun, telemetry every 10 ms of board time
    assert tel["overruns"] == 0
    ticks = tel["ticks"] - tel0["ticks"]
    span = [t for t, d in host.telemetry() if d["ticks"] >= tel0["ticks"]]
    assert abs(ticks / 2000.0 - (len(span) - 1) * 0.010) < 0.011
    assert garbage_bytes > 20000


def test_malformed_requests_get_nacks_and_counters(host: Host) -> None:
    def nacks() -> int:
        host.run(0.02)
        return host.last_telemetry()["nacks"]

    start = nacks()
    assert nack_error(host.request(0x7E)) == c.ERR_UNKNOWN_TYPE
    assert nack_error(host.request(c.TELEMETRY, bytes(78))) == c.ERR_UNKNOWN_TYPE
    assert nack_error(host.request(c.PARAM_GET, b"\x01")) == c.ERR_BAD_LENGTH
    assert nack_error(host.request(c.MODE, b"")) == c.ERR_BAD_LENGTH
    assert nack_error(host.request(c.MODE, c.pack_mode(9))) == c.ERR_OUT_OF_RANGE
    assert nack_error(host.request(c.PARAM_GET, c.pack_param_get(p.COUNT))) == c.ERR_UNKNOWN_PARAM
    assert nack_error(host.set_param("telemetry_hz", 10.5)) == c.ERR_NOT_INTEGER
    f = host.request(c.PARAM_SET, c.pack_param_set(p.INDEX["watchdog_s"], float("nan")))
    ref_type, _, error, detail = c.unpack_nack(f[4])
    assert (ref_type, error, detail) == (c.PARAM_SET, c.ERR_NOT_FINITE, p.INDEX["watchdog_s"])
    assert nack_error(host.request(c.JOINT_CMD, c.pack_joint_cmd(0.0, 10.0))) == c.ERR_WRONG_MODE
    assert nacks() - start == 9
    # a version-2 frame is dropped and counted, not answered
    raw = bytearray(b"\x02" + bytes([c.HEARTBEAT]) + bytes(6))
    raw += c.crc16(raw).to_bytes(2, "little")
    bad_before = host.last_telemetry()["bad_frames"]
    host.sim.write(c.cobs_encode(raw) + b"\x00")
    host.run(0.03)
    assert host.last_telemetry()["bad_frames"] == bad_before + 1


def test_sequence_gaps_are_counted(host: Host) -> None:
    host.send(c.HEARTBEAT)
    host.seq += 5  # five frames "lost"
    host.send(c.HEARTBEAT)
    host.run(0.03)
    assert host.last_telemetry()["seq_gaps"] == 5
