"""The keys of `mnsu monitor` in a terminal: one key, one board operation (no terminal I/O here).

i idle   c cpg   t host   h hold   e e-stop   r reset e-stop
+ / -  drive up / down by DRIVE_STEP   s save parameters   p parameter prompt
? these keys   q quit
"""

from __future__ import annotations

from collections.abc import Callable

from mnsu import wire as codec
from mnsu.link.client import Link
from mnsu.link.errors import CommandRefused, LinkError
from mnsu.link.operations import explain, set_text
from mnsu.link.param_values import ParamValueError, format_value

DRIVE_STEP = 0.05
HELP = (
    "keys: i idle, c cpg, t host, h hold, e e-stop, r reset e-stop, +/- drive, "
    "s save, p set a parameter (NAME=VALUE), ? keys, q quit"
)
MODE_KEYS = {"i": "idle", "c": "cpg", "t": "host", "h": "hold"}


def press(link: Link, key: str, prompt: Callable[[str], str]) -> str | None:
    """Do what `key` means on the board; returns the line to show (None: an unknown key).

    `prompt(question)` asks for a line of text (the parameter prompt). Refusals and bad input
    come back as the line to show: the monitor keeps running.
    """
    try:
        return _press(link, key, prompt)
    except CommandRefused as exc:
        ref = codec.MODE if key in MODE_KEYS else None
        return f"refused: {explain(exc, ref)}"
    except (LinkError, ParamValueError) as exc:
        return f"error: {exc}"


def _press(link: Link, key: str, prompt: Callable[[str], str]) -> str | None:
    if key in MODE_KEYS:
        link.set_mode(MODE_KEYS[key])
        return f"mode {MODE_KEYS[key]}"
    if key == "e":
        link.estop()
        return "e-stop latched (r resets)"
    if key == "r":
        link.reset_estop()
        return "e-stop reset: idle"
    if key in "+-" and key:
        level = link.get_param("drive_level") + (DRIVE_STEP if key == "+" else -DRIVE_STEP)
        level = min(1.0, max(0.0, round(level, 3)))
        return f"drive {link.set_param('drive_level', level):.3g}"
    if key == "s":
        link.save_params()
        return "parameters saved to the board's flash"
    if key == "p":
        text = prompt("set parameter (NAME=VALUE, empty to cancel): ").strip()
        if not text:
            return "cancelled"
        name, sep, value = text.partition("=")
        if not sep:
            return f"error: write NAME=VALUE, got {text!r}"
        name = name.strip()
        applied = set_text(link, name, value.strip())
        return f"{name} = {format_value(name, applied)}"
    if key == "?":
        return HELP
    return None
