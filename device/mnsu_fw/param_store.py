"""Parameters on flash: a JSON object {name: value}. A missing or corrupt file gives defaults."""

import json
import os

from mnsu_fw import params


def load(path: str) -> "tuple[list[float | int], list[str]]":
    """Values from `path` over the defaults, and the warnings to log (never raises)."""
    values = params.defaults()
    notes = []
    try:
        with open(path, "rb") as f:
            blob = f.read()
    except OSError:
        notes.append("%s missing: parameters at defaults" % path)
        return values, notes
    try:
        data = json.loads(blob.decode())
    except (ValueError, UnicodeError):  # UnicodeError is not a ValueError on MicroPython
        notes.append("%s corrupt (not JSON): parameters at defaults" % path)
        return values, notes
    if not isinstance(data, dict):
        notes.append("%s corrupt (not a JSON object): parameters at defaults" % path)
        return values, notes
    for name in data:
        pid = params.INDEX.get(name, -1)
        if pid < 0 or name in params.VOLATILE:
            notes.append("%s: ignored unknown parameter %r" % (path, name))
            continue
        value = data[name]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            notes.append("%s: %s = %r is not a number: default kept" % (path, name, value))
            continue
        code, norm = params.check(values, pid, value)
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
