"""Board operations over a Link that take more than one request: read every parameter, load a
parameter file, and what to do about a refusal (the `mnsu param/mode/estop/joints/drive`
commands are thin shells over these and over Link's own requests)."""

from __future__ import annotations

from mnsu_fw import params

from mnsu import wire as codec
from mnsu.link.client import Link, check_param
from mnsu.link.errors import CommandRefused
from mnsu.link.param_values import parse_value

# What to do about a board's refusal, by NACK error code (the board's reason comes first).
HINTS = {
    codec.ERR_ESTOP_LATCHED: "clear it with `mnsu estop --reset` (the board enters idle)",
    codec.ERR_INCONSISTENT: "a limit pair must stay ordered (min < max): move the other first",
    codec.ERR_OUT_OF_RANGE: "`mnsu param list` gives every range",
    codec.ERR_STORAGE: "the board's flash refused the write: see `mnsu monitor` for its log",
}
MODE_HINTS = {
    codec.EXIT_TO_REPL: "the board refuses while its servos are powered: `mnsu mode idle` "
    "(after an e-stop: `mnsu estop --reset`) first",
    codec.JOINT_CMD: "joint commands need host mode: `mnsu joints --host-mode HIP KNEE` enters "
    "it on the same link (a mode set by an earlier command falls to safe at the watchdog)",
}
# Modes in which the board moves the leg on its own: they need a host feeding the watchdog.
HOSTED_MODES = ("cpg", "host")


def explain(exc: CommandRefused, ref_type: int | None = None) -> str:
    """The refusal's message with what to do about it."""
    hint = HINTS.get(exc.error)
    if exc.error == codec.ERR_WRONG_MODE and ref_type is not None:
        hint = MODE_HINTS.get(ref_type)
    if exc.error == codec.ERR_OUT_OF_RANGE and ref_type == codec.JOINT_CMD and exc.detail < 2:
        joint = ("hip", "knee")[exc.detail]
        hint = f"{joint} outside its limits: `mnsu param get {joint}_min_deg {joint}_max_deg`"
    return f"{exc}; {hint}" if hint else str(exc)


def read_all(link: Link, timeout_s: float = 1.0) -> dict[str, float]:
    """Every parameter's current value on the board, in table order."""
    return {name: link.get_param(name, timeout_s) for name in params.NAMES}


def set_text(link: Link, name: str, text: str) -> float:
    """Set `name` from text with units (`250ms`); returns the value the board applied."""
    return link.set_param(name, parse_value(name, text))


def load_values(link: Link, values: dict[str, float]) -> dict[str, float]:
    """Set every value (volatile ones skipped); returns what the board applied.

    Ordered pairs (min < max) may be refused while the other end still has its old value:
    refused ones are retried after the rest, until a pass makes no progress; then the last
    refusal is raised. Every value is checked against the table before the first is sent.
    """
    todo = [n for n in params.NAMES if n in values and n not in params.VOLATILE]
    for name in todo:
        check_param(name, values[name])  # every value against the table before any is sent
    applied: dict[str, float] = {}
    while todo:
        refused: list[str] = []
        last: CommandRefused | None = None
        for name in todo:
            try:
                applied[name] = link.set_param(name, values[name])
            except CommandRefused as exc:
                if exc.error != codec.ERR_INCONSISTENT:
                    raise
                refused.append(name)
                last = exc
        if len(refused) == len(todo):
            assert last is not None
            raise last
        todo = refused
    return applied
