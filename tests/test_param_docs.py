"""docs/firmware.md's parameter table is the firmware's table (device/mnsu_fw/params.py) with
the host's units and descriptions (mnsu.parameters): every row, every default and range."""

from __future__ import annotations

from pathlib import Path

from mnsu_fw import params

from mnsu.parameters import PARAMS

DOC = Path(__file__).resolve().parents[1] / "docs" / "firmware.md"
HEADER = "| id | name | type | default | min | max | unit | description |"


def expected_rows() -> list[str]:
    rows = []
    for p, row in zip(PARAMS, params.TABLE, strict=True):
        default, low, high = row[params.DEFAULT], row[params.MIN], row[params.MAX]
        rows.append(
            f"| {p.pid} | `{p.name}` | {p.kind} | {default!r} | {low!r} | {high!r} "
            f"| {p.unit} | {p.description} |"
        )
    return rows


def documented_rows() -> list[str]:
    lines = DOC.read_text().splitlines()
    start = lines.index(HEADER) + 2  # after the |---| line
    rows = []
    for line in lines[start:]:
        if not line.startswith("| "):
            break
        rows.append(line)
    return rows


def test_the_documented_parameter_table_is_the_firmwares() -> None:
    want = expected_rows()
    assert documented_rows() == want, "docs/firmware.md's table should read:\n" + "\n".join(want)
