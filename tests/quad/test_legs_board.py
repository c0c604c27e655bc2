"""Board files with a `legs` section: one parser for `leg` and `legs`, clear errors."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from mnsu.circuit.board import BoardError, load_board


def quad(examples: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((examples / "quadruped_trot.yaml").read_text())
    return data


def write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "board.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@pytest.mark.parametrize("name", ["quadruped_trot.yaml", "quadruped_walk.yaml"])
def test_quadruped_examples_have_four_legs_on_eight_channels(examples: Path, name: str) -> None:
    board = load_board(examples / name)
    assert board.leg is None
    assert [leg.name for leg in board.legs] == ["LF", "RF", "LH", "RH"]
    adc = {p.neuron: p.adc for p in board.probes}
    for k, leg in enumerate(board.legs):
        assert (adc[leg.flexor], adc[leg.extensor]) == (2 * k, 2 * k + 1)
        hip, knee = leg.joints
        assert (hip.name, hip.min_deg, hip.max_deg) == ("hip", -35.0, 35.0)
        assert (knee.name, knee.min_deg, knee.max_deg) == ("knee", 0.0, 70.0)
        assert dict(leg.gait)["hip_amp_deg"] == 20.0
    kinds = sorted(i.kind for i in board.inputs)
    assert kinds == ["drive"] + ["touchdown"] * 4


def test_one_leg_board_is_legs_of_one(examples: Path) -> None:
    board = load_board(examples / "leg.yaml")
    assert board.leg is not None
    assert board.legs == (board.leg,)
    assert board.leg.name == "leg"


def test_a_leg_overrides_common(examples: Path, tmp_path: Path) -> None:
    data = quad(examples)
    data["legs"]["RH"]["joints"] = {"hip": {"min": "-20 deg", "max": "20 deg"}}
    board = load_board(write(tmp_path, data))
    assert board.legs[3].joints[0].max_deg == 20.0
    assert len(board.legs[3].joints) == 1  # a leg's `joints` replaces common's
    assert board.legs[0].joints[0].max_deg == 35.0


def fails(tmp_path: Path, data: object, *needles: str) -> None:
    with pytest.raises(BoardError) as info:
        load_board(write(tmp_path, data))
    text = str(info.value)
    assert "board.yaml" in text
    assert "\n" not in text
    for needle in needles:
        assert needle in text, text


def test_errors_name_the_leg_and_key(examples: Path, tmp_path: Path) -> None:
    base = quad(examples)

    data = copy.deepcopy(base)
    data["legs"]["RF"]["flexor"] = "XX"
    fails(tmp_path, data, "legs.RF.flexor", "unknown neuron 'XX'")

    data = copy.deepcopy(base)
    data["legs"]["LH"]["extensor"] = "LF_E"
    fails(tmp_path, data, "legs.LH.extensor", "already drives legs.LF")

    data = copy.deepcopy(base)
    data["legs"]["RF"]["knee_amp"] = 3
    fails(tmp_path, data, "legs.RF.knee_amp", "unknown key")

    data = copy.deepcopy(base)
    data["legs"]["common"]["joints"]["hip"]["max"] = "-40 deg"
    fails(tmp_path, data, "legs.LF.joints.hip.max", "must be above min")

    data = copy.deepcopy(base)
    data["legs"]["common"]["gait"]["hip_amp_deg"] = 500
    fails(tmp_path, data, "legs.LF.gait.hip_amp_deg", "must be")

    data = copy.deepcopy(base)
    data["legs"]["LB"] = {"flexor": "LF", "extensor": "LF_E"}
    fails(tmp_path, data, "legs", "5 legs; the firmware drives at most 4")

    data = copy.deepcopy(base)
    data["legs"] = {"common": base["legs"]["common"]}
    fails(tmp_path, data, "legs", "no legs")

    data = copy.deepcopy(base)
    data["leg"] = {"flexor": "LF", "extensor": "LF_E"}
    fails(tmp_path, data, "legs", "not both")

    # channels out of the firmware's order: leg k on the first leg's channels + 2k
    data = copy.deepcopy(base)
    for probe in data["probes"]:
        if probe["neuron"] in ("RF", "RF_E"):
            probe["adc"] = {"RF": 3, "RF_E": 2}[probe["neuron"]]
    fails(tmp_path, data, "legs.RF", "leg 1 must be on 2 and 3")

    data = copy.deepcopy(base)
    data["probes"] = [p for p in data["probes"] if p["neuron"] != "LH_E"]
    fails(tmp_path, data, "legs.LH.extensor", "no readout probe")
