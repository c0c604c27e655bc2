"""The layout's rules that a newcomer relies on (docs/architecture.md)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
    return names


def test_nothing_but_the_cli_imports_the_commands() -> None:
    commands = ROOT / "host" / "mnsu" / "commands"
    sources = [
        p
        for tree in ("host", "tests", "hil_tests", "ros2_ws/src", "bench")
        for p in sorted((ROOT / tree).rglob("*.py"))
        if commands not in p.parents and p != ROOT / "host" / "mnsu" / "cli.py"
    ]
    assert len(sources) > 100
    offenders = [
        str(p.relative_to(ROOT))
        for p in sources
        if any(n == "mnsu.commands" or n.startswith("mnsu.commands.") for n in _imports(p))
    ]
    assert offenders == []


def test_the_firmware_codec_holds_no_host_helpers() -> None:
    """Names, field tables and pack/unpack helpers are the host's (mnsu.wire): on the board
    they would cost heap for nothing."""
    tree = ast.parse((ROOT / "device" / "mnsu_fw" / "codec.py").read_text())
    defined = {n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.ClassDef)}
    defined |= {
        t.id
        for n in tree.body
        if isinstance(n, ast.Assign)
        for t in n.targets
        if isinstance(t, ast.Name)
    }
    host_only = {n for n in defined if n.endswith(("_NAMES", "_FIELDS")) or n.startswith("unpack_")}
    assert host_only == set()
    assert {"encode_frame", "decode_frame", "cobs_encode", "cobs_decode"} & defined == set()


def test_the_host_wire_module_re_exports_the_whole_device_codec() -> None:
    """mnsu.wire imports the device half by name: a name added to the codec must be added there."""
    from mnsu_fw import codec

    from mnsu import wire

    public = {n for n in vars(codec) if not n.startswith("_")} - {
        "struct",
        "array",
        "TYPE_CHECKING",
    }
    assert public - set(wire.__all__) == set()
    assert all(getattr(wire, n) is getattr(codec, n) for n in public - {"FrameSplitter"})
    assert issubclass(wire.FrameSplitter, codec.FrameSplitter)
