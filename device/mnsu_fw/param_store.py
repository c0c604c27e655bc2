"""Parameters on flash: a JSON object {name: value}. A missing or corrupt file gives defaults."""

import json
import os

from mnsu_fw import params
from mnsu_fw.codec import ERR_HARD_LIMIT

TYPE_CHECKING = False
if TYPE_CHECKING:
    from mnsu_fw.hard_limits import HardLimits


MAX_FILE_BYTES = 4096  # a full params.json is ~1.3 KB
MAX_NOTES = 8  # boot warnings kept (each is logged again after HELLO)


def load(path: str, limits: "HardLimits | None" = None) -> "tuple[list[float | int], list[str]]":
    """Values from `path` over the defaults, and the warnings to log (never raises).

    Any file (any size, any bytes) gives a value list: what cannot be used is left at its
    default and said in a note. With `limits`, the defaults are the deploy-time ones and a stored
    value beyond a hard limit is refused.
    """
    values = limits.defaults() if limits is not None else params.defaults()
    notes: "list[str]" = []
    try:
        if os.stat(path)[6] > MAX_FILE_BYTES:
            return values, [
                "%s corrupt (over %d bytes): parameters at defaults" % (path, MAX_FILE_BYTES)
            ]
        with open(path, "rb") as f:
            data = json.loads(f.read().decode())
    except OSError:
        return values, ["%s missing: parameters at defaults" % path]
    except Exception:  # noqa: BLE001 - ValueError, UnicodeError, MemoryError, RuntimeError (nesting)
        return values, ["%s corrupt (not JSON): parameters at defaults" % path]
    if not isinstance(data, dict):
        return values, ["%s corrupt (not a JSON object): parameters at defaults" % path]
    for name in data:
        if len(notes) >= MAX_NOTES:
            notes.append("%s: more warnings not shown" % path)
            break
        pid = params.INDEX.get(name, -1)
        if pid < 0 or name in params.VOLATILE:
            notes.append("%s: ignored unknown parameter %r" % (path, name[:32]))
            continue
        value = data[name]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            shown = repr(value)[:32]
            notes.append("%s: %s = %s is not a number: default kept" % (path, name, shown))
            continue
        code, norm = params.check(values, pid, value)
        if not code and limits is not None and not limits.check(name, norm):
            code = ERR_HARD_LIMIT
        if code:
            # Checked against the defaults of later keys too, so an ordering conflict between
            # two stored values keeps the default of the second one.
            notes.append("%s: %s = %r refused (error %d): default kept" % (path, name, value, code))
            continue
        values[pid] = norm
    return values, notes


def save(path: str, values: "list[float | int]") -> "str | None":
    """Write the persistent parameters; returns None, or the error text if writing failed."""
    data = {}
    for pid in range(params.COUNT):
        name = params.NAMES[pid]
        if name not in params.VOLATILE:
            data[name] = values[pid]
    tmp = path + ".tmp"
    try:
        with open(tmp, "w") as f:
            f.write(json.dumps(data))
        # Write then rename: a power cut during the write leaves the old file intact.
        try:
            os.rename(tmp, path)
        except OSError:  # FAT cannot rename over an existing file
            os.remove(path)
            os.rename(tmp, path)
    except OSError as e:
        return "saving %s failed: %s" % (path, e)
    return None
