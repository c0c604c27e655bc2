"""The host's view of the parameter table (mnsu/parameters.py) against the firmware's table."""

from __future__ import annotations

from mnsu_fw import params as p

from mnsu.parameters import BY_NAME, CHOICES, DOCS, PARAMS, param_info


def test_host_documents_exactly_the_firmware_rows() -> None:
    assert set(DOCS) == set(p.NAMES)
    assert [row.name for row in PARAMS] == list(p.NAMES)
    for name, (unit, description) in DOCS.items():
        assert description, name
        assert unit == unit.strip(), name


def test_every_enumeration_names_each_value() -> None:
    for row in p.TABLE:
        name, kind, _, low, high = row
        if kind == "e":
            assert len(CHOICES[name]) == high - low + 1, name
            assert low == 0, name
        else:
            assert name not in CHOICES, name
    assert set(CHOICES) <= set(p.NAMES)


def test_safe_poses_match_the_firmware_constants() -> None:
    poses = CHOICES["safe_pose"]
    assert poses == CHOICES["estop_pose"] == ("hold", "neutral", "limp")
    assert (poses.index("hold"), poses.index("neutral"), poses.index("limp")) == (
        p.POSE_HOLD,
        p.POSE_NEUTRAL,
        p.POSE_LIMP,
    )
    assert param_info("safe_pose")["choices"] == ("hold", "neutral", "limp")


def test_rows_carry_the_firmware_range_and_persistence() -> None:
    for pid, row in enumerate(p.TABLE):
        host = BY_NAME[row[p.NAME]]
        assert host.pid == pid
        assert (host.kind, host.default, host.minimum, host.maximum) == row[1:5]
        assert host.persistent == (row[p.NAME] not in p.VOLATILE)
