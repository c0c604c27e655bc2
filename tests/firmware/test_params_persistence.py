"""Parameters on flash: saved values survive a reset; a missing or corrupt file gives defaults."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from mnsu_fw import params as p

from conftest import Host
from mnsu import wire as c
from mnsu.cosim import CoSim


def test_parameters_survive_a_soft_reset(tmp_path: Path) -> None:
    with CoSim(seed=1, flash_dir=tmp_path) as sim:
        host = Host(sim)
        host.run(0.05)
        assert any("missing" in text for _, text in host.logs())
        changed = {"watchdog_s": 0.5, "hip_amp_deg": 20.0, "telemetry_hz": 50, "safe_pose": 2}
        for name, value in changed.items():
            assert host.set_param(name, value)[1] == c.PARAM_VALUE
        assert host.set_param("slew_dps", 123.0)[1] == c.PARAM_VALUE
        assert host.request(c.PARAM_SAVE)[1] == c.ACK
        assert host.set_param("slew_dps", 77.0)[1] == c.PARAM_VALUE  # set after the save
        stored = json.loads((tmp_path / "params.json").read_text())
        assert stored["watchdog_s"] == pytest.approx(0.5) and "mode" not in stored

        sim.soft_reset()
        host = Host(sim)
        host.run(0.1)
        assert not any("missing" in t or "corrupt" in t for _, t in host.logs())
        for name, value in changed.items():
            assert host.get_param(name) == pytest.approx(value, rel=1e-6), name
        assert host.get_param("slew_dps") == pytest.approx(123.0)  # the saved value, not 77
        # the telemetry rate in use is the restored one: 50 Hz
        host.run(1.0)
        stamps = [f[3] for f in host.frames if f[1] == c.TELEMETRY][-20:]
        assert all(b - a == 20000 for a, b in zip(stamps, stamps[1:], strict=False))
        assert host.last_telemetry()["mode"] == c.MODE_IDLE  # the mode always boots IDLE


@pytest.mark.parametrize(
    ("content", "note"),
    [
        ("{not json", "corrupt"),
        ('["a list"]', "corrupt"),
        ("\x00\xff\x13garbage", "corrupt"),
        ('{"watchdog_s": 99, "hip_max_deg": "wide", "unknown_knob": 1, "hip_amp_deg": 12}', ""),
    ],
)
def test_corrupt_parameter_file_gives_defaults_and_a_log(
    tmp_path: Path, content: str, note: str
) -> None:
    (tmp_path / "params.json").write_bytes(content.encode("latin-1"))
    with CoSim(seed=1, flash_dir=tmp_path) as sim:
        host = Host(sim)
        host.send(c.HELLO)  # boot logs are repeated after HELLO
        host.run(0.05)
        logs = [text for level, text in host.logs() if level == c.LOG_WARNING]
        assert any(f[1] == c.CAPS for f in host.frames)
        defaults = p.defaults()
        for name in ("watchdog_s", "hip_max_deg", "telemetry_hz"):
            assert host.get_param(name) == pytest.approx(defaults[p.INDEX[name]]), name
        if note:
            assert any(note in text for text in logs), logs
        else:
            assert any("watchdog_s = 99 refused" in t for t in logs), logs
            assert any("hip_max_deg = 'wide' is not a number" in t for t in logs), logs
            assert any("unknown parameter 'unknown_knob'" in t for t in logs), logs
            assert host.get_param("hip_amp_deg") == pytest.approx(12.0)  # the good value kept
        assert host.last_telemetry()["mode"] == c.MODE_IDLE and sim.running
